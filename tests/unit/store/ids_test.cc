#include "store/ids.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace tollgate::store {
namespace {

TEST(NewUuid, IsVersionFourWithDashes) {
    const std::regex format("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

    for (int i = 0; i < 100; ++i) {
        const std::string id = new_uuid();
        EXPECT_TRUE(std::regex_match(id, format)) << id;
    }
}

TEST(NewUuid, DoesNotRepeat) {
    std::set<std::string> ids;
    for (int i = 0; i < 1000; ++i) {
        ids.insert(new_uuid());
    }

    EXPECT_EQ(ids.size(), 1000u);
}

TEST(NewCertificateId, IsThirtyTwoLowercaseHex) {
    const std::regex format("[0-9a-f]{32}");
    std::set<std::string> ids;

    for (int i = 0; i < 100; ++i) {
        const std::string id = new_certificate_id();
        EXPECT_TRUE(std::regex_match(id, format)) << id;
        ids.insert(id);
    }
    EXPECT_EQ(ids.size(), 100u);
}

TEST(FormatTimestamp, IsUtcWithSeconds) {
    const auto time = std::chrono::sys_days{std::chrono::July / 30 / 2021} + std::chrono::hours(12) +
                      std::chrono::minutes(3) + std::chrono::seconds(44) + std::chrono::milliseconds(999);

    EXPECT_EQ(format_timestamp(time), "2021-07-30T12:03:44Z");
    EXPECT_EQ(format_timestamp(std::chrono::system_clock::time_point{}), "1970-01-01T00:00:00Z");
}

}  // namespace
}  // namespace tollgate::store
