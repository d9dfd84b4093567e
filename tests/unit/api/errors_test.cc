#include "api/errors.h"

#include <gtest/gtest.h>

#include <set>

namespace tollgate::api {
namespace {

TEST(ApiErrorTest, CodesAndStatuses) {
    struct Case {
        ApiError error;
        int status;
        const char* code;
    };
    const Case cases[] = {
        {ApiError::invalid_input("name", "x", "Fix it."), 400, "ELB.8902"},
        {ApiError::empty_body(), 400, "ELB.0002"},
        {ApiError::unauthorized(), 401, "ELB.1103"},
        {ApiError::not_found("certificate", "abc"), 404, "ELB.8904"},
        {ApiError::conflict("in use"), 409, "ELB.8907"},
        {ApiError::internal("failed"), 500, "ELB.8906"},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(c.error.status, c.status) << c.error.message;
        EXPECT_EQ(c.error.code, c.code) << c.error.message;
    }
}

TEST(ApiErrorTest, InvalidInputNamesFieldValueAndFix) {
    auto error = ApiError::invalid_input("protocol_port", "70000", "Use a port from 1 to 65535.");
    EXPECT_EQ(error.message, "Invalid input for 'protocol_port': '70000'. Use a port from 1 to 65535.");
}

TEST(ApiErrorTest, NotFoundMessage) {
    EXPECT_EQ(ApiError::not_found("certificate", "233a325e").message,
              "certificate 233a325e could not be found");
}

TEST(ApiErrorTest, BodyShape) {
    auto body = error_body(ApiError::conflict("certificate is in use"), "0123456789abcdef0123456789abcdef");
    EXPECT_EQ(body.size(), 3u);
    EXPECT_EQ(body.at("error_msg"), "certificate is in use");
    EXPECT_EQ(body.at("error_code"), "ELB.8907");
    EXPECT_EQ(body.at("request_id"), "0123456789abcdef0123456789abcdef");
}

TEST(RequestIdTest, ThirtyTwoLowercaseHexAndUnique) {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        std::string id = new_request_id();
        ASSERT_EQ(id.size(), 32u);
        EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
        seen.insert(id);
    }
    EXPECT_EQ(seen.size(), 100u);
}

TEST(HexEncodeTest, EncodesEveryByte) {
    EXPECT_EQ(hex_encode(std::string("\x00\x0f\xa5\xff", 4)), "000fa5ff");
}

}  // namespace
}  // namespace tollgate::api
