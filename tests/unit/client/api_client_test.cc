#include "client/api_client.h"

#include "fake_api.h"

#include <gtest/gtest.h>

namespace tollgate::client {
namespace {

using test::FakeApi;

TEST(ApiClient, CreateSendsTheEnvelopeAndReturnsTheObject) {
    FakeApi api;
    ApiClient client(api, "default");
    auto saved = client.create(Kind::LoadBalancer, {{"name", "edge"}, {"vip_address", "127.0.0.1"}});
    ASSERT_TRUE(saved) << saved.error().message;
    EXPECT_EQ(saved->object["name"], "edge");
    ASSERT_EQ(api.requests.size(), 1u);
    EXPECT_EQ(api.requests[0].method, "POST");
    EXPECT_EQ(api.requests[0].target, "/v3/default/elb/loadbalancers");
    EXPECT_EQ(api.requests[0].body, R"({"loadbalancer":{"name":"edge","vip_address":"127.0.0.1"}})");
}

TEST(ApiClient, MembersLiveUnderTheirPool) {
    FakeApi api;
    ApiClient client(api, "p1");
    auto saved = client.create(Kind::Member, {{"address", "10.0.0.1"}, {"protocol_port", 80}}, "pool-1");
    ASSERT_TRUE(saved) << saved.error().message;
    auto members = client.list(Kind::Member, "pool-1");
    ASSERT_TRUE(members) << members.error().message;
    ASSERT_EQ(members->size(), 1u);
    EXPECT_EQ((*members)[0]["address"], "10.0.0.1");
    EXPECT_EQ(api.request_lines(),
              (std::vector<std::string>{"POST /v3/p1/elb/pools/pool-1/members",
                                        "GET /v3/p1/elb/pools/pool-1/members?limit=2000"}));
}

TEST(ApiClient, GetUpdateAndRemove) {
    FakeApi api;
    ApiClient client(api, "default");
    std::string id = api.add("pools", {{"name", "app"}, {"lb_algorithm", "ROUND_ROBIN"}});

    auto updated = client.update(Kind::Pool, id, {{"lb_algorithm", "SOURCE_IP"}});
    ASSERT_TRUE(updated) << updated.error().message;
    EXPECT_EQ(updated->object["lb_algorithm"], "SOURCE_IP");

    auto fetched = client.get(Kind::Pool, id);
    ASSERT_TRUE(fetched) << fetched.error().message;
    EXPECT_EQ((*fetched)["lb_algorithm"], "SOURCE_IP");

    auto removed = client.remove(Kind::Pool, id);
    ASSERT_TRUE(removed) << removed.error().message;
    EXPECT_TRUE(api.objects("pools").empty());
}

TEST(ApiClient, ListFollowsPages) {
    FakeApi api;
    for (int i = 0; i < ApiClient::kPageSize + 3; ++i) {
        api.add("certificates", {{"name", "c" + std::to_string(i)}});
    }
    ApiClient client(api, "default");
    auto certificates = client.list(Kind::Certificate);
    ASSERT_TRUE(certificates) << certificates.error().message;
    EXPECT_EQ(certificates->size(), static_cast<std::size_t>(ApiClient::kPageSize + 3));
    EXPECT_EQ(certificates->back()["name"], "c" + std::to_string(ApiClient::kPageSize + 2));
    ASSERT_EQ(api.requests.size(), 2u);
    EXPECT_EQ(api.requests[1].target, "/v3/default/elb/certificates?limit=2000&marker=" +
                                          api.objects("certificates")[1999]["id"].get<std::string>());
}

TEST(ApiClient, ErrorBodyBecomesTheMessage) {
    FakeApi api;
    ApiClient client(api, "default");
    auto fetched = client.get(Kind::Listener, "missing");
    ASSERT_FALSE(fetched);
    EXPECT_EQ(fetched.error().kind, core::ErrorKind::NotFound);
    EXPECT_EQ(fetched.error().message,
              "listener missing could not be found (ELB.8904, HTTP 404, request id fake-request)");
}

TEST(ApiClient, ConflictKeepsItsKind) {
    FakeApi api;
    api.fail_next({"POST", "/listeners", 409, "ELB.8907", "port 443 is in use by listener web"});
    ApiClient client(api, "default");
    auto saved = client.create(Kind::Listener, {{"protocol_port", 443}});
    ASSERT_FALSE(saved);
    EXPECT_EQ(saved.error().kind, core::ErrorKind::Conflict);
    EXPECT_EQ(saved.error().message,
              "port 443 is in use by listener web (ELB.8907, HTTP 409, request id fake-request)");
}

TEST(ApiError, UnauthorizedAddsTheTokenHint) {
    HttpResponse response{401, R"({"error_msg":"invalid token","error_code":"ELB.1103"})", ""};
    EXPECT_EQ(
        api_error(response).message,
        "invalid token (ELB.1103, HTTP 401); the token does not match the admin-token file of the running "
        "server");
}

TEST(ApiError, BodyThatIsNotAnErrorBody) {
    HttpResponse response{502, "<html>bad\ngateway</html>", "r1"};
    EXPECT_EQ(api_error(response).message, "the API returned HTTP 502: <html>bad gateway</html>");
}

TEST(ApiClient, InvalidJsonIsReported) {
    class Broken : public Transport {
    public:
        core::Result<HttpResponse> send(const HttpRequest&) override {
            return HttpResponse{200, "{not json", ""};
        }
    } broken;
    ApiClient client(broken, "default");
    auto fetched = client.get(Kind::Pool, "p");
    ASSERT_FALSE(fetched);
    EXPECT_EQ(fetched.error().message,
              "unexpected response from the API: invalid JSON in the answer to GET /v3/default/elb/pools/p: "
              "{not json");
}

TEST(ApiClient, MissingEnvelopeIsReported) {
    class Empty : public Transport {
    public:
        core::Result<HttpResponse> send(const HttpRequest&) override { return HttpResponse{200, "{}", ""}; }
    } empty;
    ApiClient client(empty, "default");
    auto listed = client.list(Kind::Pool);
    ASSERT_FALSE(listed);
    EXPECT_EQ(listed.error().message,
              "unexpected response from the API: no \"pools\" list in the answer to GET "
              "/v3/default/elb/pools?limit=2000");
}

TEST(EncodePathSegment, EscapesReservedCharacters) {
    EXPECT_EQ(encode_path_segment("a-b_c.d~e"), "a-b_c.d~e");
    EXPECT_EQ(encode_path_segment("a/b c"), "a%2Fb%20c");
}

}  // namespace
}  // namespace tollgate::client
