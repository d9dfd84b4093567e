#include "api/router.h"

#include <gtest/gtest.h>

namespace tollgate::api {
namespace {

constexpr const char* kCertificate = "/v3/{project_id}/elb/certificates/{certificate_id}";
constexpr const char* kCertificates = "/v3/{project_id}/elb/certificates";
constexpr const char* kBatchDelete = "/v3/{project_id}/elb/certificates/batch-delete";

Handler returning(int status) {
    return [status](const ApiRequest&) -> ApiResult<ApiResponse> { return ApiResponse{status, {}}; };
}

int call(const RouteMatch& match) {
    return (*match.handler)(ApiRequest{})->status;
}

class RouterTest : public ::testing::Test {
protected:
    void SetUp() override {
        router_.add("GET", kCertificates, returning(1));
        router_.add("POST", kCertificates, returning(2));
        router_.add("GET", kCertificate, returning(3));
        router_.add("DELETE", kCertificate, returning(4));
        router_.add("POST", kBatchDelete, returning(5));
    }

    Router router_;
};

TEST_F(RouterTest, MatchesParameters) {
    auto match = router_.match("GET", "/v3/p1/elb/certificates/233a325e5e3e4ce8beeb320aa714cc12");
    ASSERT_TRUE(match) << match.error().message;
    EXPECT_EQ(call(*match), 3);
    EXPECT_EQ(match->params.size(), 2u);
    EXPECT_EQ(match->params.at("project_id"), "p1");
    EXPECT_EQ(match->params.at("certificate_id"), "233a325e5e3e4ce8beeb320aa714cc12");
}

TEST_F(RouterTest, SelectsByMethod) {
    auto listed = router_.match("GET", "/v3/p1/elb/certificates");
    auto created = router_.match("POST", "/v3/p1/elb/certificates");
    ASSERT_TRUE(listed);
    ASSERT_TRUE(created);
    EXPECT_EQ(call(*listed), 1);
    EXPECT_EQ(call(*created), 2);
}

TEST_F(RouterTest, LiteralSegmentWins) {
    auto batch = router_.match("POST", "/v3/p1/elb/certificates/batch-delete");
    ASSERT_TRUE(batch);
    EXPECT_EQ(call(*batch), 5);

    // GET has no literal route, so "batch-delete" is taken as a certificate id.
    auto get = router_.match("GET", "/v3/p1/elb/certificates/batch-delete");
    ASSERT_TRUE(get);
    EXPECT_EQ(call(*get), 3);
    EXPECT_EQ(get->params.at("certificate_id"), "batch-delete");
}

TEST_F(RouterTest, UnknownPathIs404) {
    for (const char* path :
         {"/v3/p1/elb/pools", "/v3/p1/elb/certificates/a/b", "/v3/p1/elb/certificates/", "/"}) {
        auto match = router_.match("GET", path);
        ASSERT_FALSE(match) << path;
        EXPECT_EQ(match.error().status, 404) << path;
        EXPECT_EQ(match.error().code, "ELB.8904") << path;
        EXPECT_EQ(match.error().message, std::string("path ") + path + " could not be found");
    }
}

TEST_F(RouterTest, WrongMethodIs405) {
    auto match = router_.match("PATCH", "/v3/p1/elb/certificates/abc");
    ASSERT_FALSE(match);
    EXPECT_EQ(match.error().status, 405);
    EXPECT_EQ(match.error().message,
              "Method PATCH is not allowed on /v3/p1/elb/certificates/abc. See the Allow header.");
    EXPECT_EQ(router_.allowed_methods("/v3/p1/elb/certificates/abc"),
              (std::vector<std::string>{"DELETE", "GET"}));
    EXPECT_EQ(router_.allowed_methods("/v3/p1/elb/certificates/batch-delete"),
              (std::vector<std::string>{"DELETE", "GET", "POST"}));
}

TEST_F(RouterTest, AcceptsProjectIdForms) {
    for (const char* project : {"0123456789abcdef0123456789abcdef", "a", "Project_1-x"}) {
        auto match = router_.match("GET", std::string("/v3/") + project + "/elb/certificates");
        ASSERT_TRUE(match) << project;
        EXPECT_EQ(match->params.at("project_id"), project);
    }
    auto longest = router_.match("GET", "/v3/" + std::string(64, 'a') + "/elb/certificates");
    EXPECT_TRUE(longest);
}

TEST_F(RouterTest, RejectsInvalidProjectId) {
    for (std::string project :
         {std::string(65, 'a'), std::string("a.b"), std::string("a%20b"), std::string("p%2F1")}) {
        auto match = router_.match("GET", "/v3/" + project + "/elb/certificates");
        ASSERT_FALSE(match) << project;
        EXPECT_EQ(match.error().status, 400) << project;
        EXPECT_EQ(match.error().code, "ELB.8902") << project;
        EXPECT_NE(match.error().message.find("Invalid input for 'project_id'"), std::string::npos)
            << match.error().message;
    }
    auto match = router_.match("GET", "/v3/a.b/elb/certificates");
    ASSERT_FALSE(match);
    EXPECT_EQ(match.error().message,
              "Invalid input for 'project_id': 'a.b'. A project_id is 1-64 characters of letters, digits, "
              "'_' and '-'.");
}

TEST_F(RouterTest, DecodesPathSegments) {
    auto match = router_.match("GET", "/v3/p1/elb/certificates/a%2Fb%20c");
    ASSERT_TRUE(match);
    EXPECT_EQ(match->params.at("certificate_id"), "a/b c");
}

TEST_F(RouterTest, RejectsBadPercentEncodingInPath) {
    auto match = router_.match("GET", "/v3/p1/elb/certificates/a%2");
    ASSERT_FALSE(match);
    EXPECT_EQ(match.error().status, 400);
    EXPECT_EQ(match.error().message,
              "Invalid input for 'path': '/v3/p1/elb/certificates/a%2'. "
              "Percent-encode path characters as %XX with two hex digits.");
}

TEST(RouterAddTest, RejectsDuplicateRoute) {
    Router router;
    router.add("GET", "/v3/{project_id}/elb/pools", returning(1));
    EXPECT_THROW(router.add("GET", "/v3/{project_id}/elb/pools", returning(2)), std::invalid_argument);
}

TEST(QueryTest, RepeatedKeysKeepOrder) {
    auto query = parse_query("id=a&name=x&id=b");
    ASSERT_TRUE(query);
    EXPECT_EQ(query->at("id"), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(query->at("name"), (std::vector<std::string>{"x"}));
}

TEST(QueryTest, DecodesPercentAndPlus) {
    auto query = parse_query("name=web%20pool+1&desc%3D=%26%3d");
    ASSERT_TRUE(query);
    EXPECT_EQ(query->at("name").at(0), "web pool 1");
    EXPECT_EQ(query->at("desc=").at(0), "&=");
}

TEST(QueryTest, EmptyPartsAndValues) {
    auto query = parse_query("&limit=&&page_reverse&");
    ASSERT_TRUE(query);
    EXPECT_EQ(query->size(), 2u);
    EXPECT_EQ(query->at("limit"), (std::vector<std::string>{""}));
    EXPECT_EQ(query->at("page_reverse"), (std::vector<std::string>{""}));
    auto empty = parse_query("");
    ASSERT_TRUE(empty);
    EXPECT_TRUE(empty->empty());
}

TEST(QueryTest, RejectsBadPercentEncoding) {
    for (const char* text : {"id=%zz", "id=%4", "id%=1"}) {
        auto query = parse_query(text);
        ASSERT_FALSE(query) << text;
        EXPECT_EQ(query.error().status, 400);
    }
    EXPECT_EQ(
        parse_query("limit=5&id=%zz").error().message,
        "Invalid input for 'query': 'id=%zz'. Percent-encode query characters as %XX with two hex digits.");
}

}  // namespace
}  // namespace tollgate::api
