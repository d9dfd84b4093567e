#include "api/static_files.h"

#include <gtest/gtest.h>
#include <boost/beast/http/field.hpp>

namespace tollgate::api {
namespace {

namespace http = boost::beast::http;

constexpr std::string_view kScript = "export const answer = 42;\n";

class StaticFilesTest : public ::testing::Test {
protected:
    void SetUp() override { files_.add("/console/js/app.js", "text/javascript; charset=utf-8", kScript); }

    std::optional<StaticFiles::Response> get(http::verb method, std::string_view path,
                                             std::string_view if_none_match = {}) {
        StaticFiles::Request request{method, std::string(path), 11};
        if (!if_none_match.empty()) {
            request.set(http::field::if_none_match, if_none_match);
        }
        return files_.respond(request, path, "0123456789abcdef0123456789abcdef");
    }

    StaticFiles files_;
};

TEST_F(StaticFilesTest, GetSendsBodyAndHeaders) {
    auto response = get(http::verb::get, "/console/js/app.js");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 200);
    EXPECT_EQ(response->body(), kScript);
    EXPECT_EQ((*response)[http::field::content_type], "text/javascript; charset=utf-8");
    EXPECT_EQ((*response)[http::field::content_length], std::to_string(kScript.size()));
    EXPECT_EQ((*response)[http::field::cache_control], "no-cache");
    EXPECT_EQ((*response)["Content-Security-Policy"], kStaticContentSecurityPolicy);
    EXPECT_EQ((*response)["X-Content-Type-Options"], "nosniff");
    EXPECT_EQ((*response)["Referrer-Policy"], "no-referrer");
    EXPECT_EQ((*response)["X-Frame-Options"], "DENY");
    EXPECT_EQ((*response)["X-Request-Id"], "0123456789abcdef0123456789abcdef");
}

TEST_F(StaticFilesTest, EtagIsQuotedHexOfDigest) {
    auto response = get(http::verb::get, "/console/js/app.js");
    ASSERT_TRUE(response);
    std::string etag((*response)[http::field::etag]);
    ASSERT_EQ(etag.size(), 34u);
    EXPECT_EQ(etag.front(), '"');
    EXPECT_EQ(etag.back(), '"');
    EXPECT_EQ(etag.find_first_not_of("0123456789abcdef", 1), 33u);
}

TEST_F(StaticFilesTest, HeadSendsLengthWithoutBody) {
    auto response = get(http::verb::head, "/console/js/app.js");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 200);
    EXPECT_EQ(response->body(), "");
    EXPECT_EQ((*response)[http::field::content_length], std::to_string(kScript.size()));
}

TEST_F(StaticFilesTest, MatchingEtagIs304) {
    std::string etag(get(http::verb::get, "/console/js/app.js")->at(http::field::etag));
    auto response = get(http::verb::get, "/console/js/app.js", "\"other\", W/" + etag);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 304);
    EXPECT_EQ(response->body(), "");
    EXPECT_EQ((*response)[http::field::etag], etag);
    EXPECT_EQ((*response)["Content-Security-Policy"], kStaticContentSecurityPolicy);
}

TEST_F(StaticFilesTest, StaleEtagGetsBody) {
    auto response = get(http::verb::get, "/console/js/app.js", "\"0000\"");
    ASSERT_TRUE(response);
    EXPECT_EQ(response->result_int(), 200);
    EXPECT_EQ(response->body(), kScript);
}

TEST_F(StaticFilesTest, OtherMethodIsNotServed) {
    EXPECT_FALSE(get(http::verb::post, "/console/js/app.js"));
    EXPECT_FALSE(get(http::verb::delete_, "/console/js/app.js"));
}

TEST_F(StaticFilesTest, UnknownPathIsNotServed) {
    EXPECT_FALSE(get(http::verb::get, "/console/js/other.js"));
    EXPECT_FALSE(files_.contains("/console/js/other.js"));
    EXPECT_TRUE(files_.contains("/console/js/app.js"));
}

TEST(EtagMatches, ListsWeakAndWildcard) {
    EXPECT_TRUE(etag_matches("\"abc\"", "\"abc\""));
    EXPECT_TRUE(etag_matches("\"x\", \"abc\"", "\"abc\""));
    EXPECT_TRUE(etag_matches("W/\"abc\"", "\"abc\""));
    EXPECT_TRUE(etag_matches(" * ", "\"abc\""));
    EXPECT_FALSE(etag_matches("", "\"abc\""));
    EXPECT_FALSE(etag_matches("abc", "\"abc\""));
    EXPECT_FALSE(etag_matches("\"abcd\"", "\"abc\""));
}

}  // namespace
}  // namespace tollgate::api
