#include "client/apply_run.h"

#include "apply_test_support.h"
#include "fake_api.h"

#include <gtest/gtest.h>

#include <sstream>

namespace tollgate::client {
namespace {

using test::ApplyTest;
using test::FakeApi;

struct Output {
    int code = -1;
    std::string out;
    std::string err;
};

class ApplyRunTest : public ApplyTest {
protected:
    Output apply(const std::string& document, ApplyOptions options = {}) {
        DesiredState desired = read(document);
        ApiClient client(api_, "default");
        std::ostringstream out, err;
        Output result;
        result.code = run_apply(client, desired, options, out, err);
        result.out = out.str();
        result.err = err.str();
        return result;
    }

    std::string id_of(const std::string& collection, const std::string& name) {
        Json object = api_.find(collection, name);
        return object.is_object() ? object["id"].get<std::string>() : "";
    }

    FakeApi api_;
};

TEST_F(ApplyRunTest, FirstRunCreatesAndSecondChangesNothing) {
    Output first = apply(test::kDocument);
    ASSERT_EQ(first.code, 0) << first.err;
    std::string srv = id_of("certificates", "srv");
    std::string pool = id_of("pools", "app");
    std::string listener = id_of("listeners", "web");
    EXPECT_EQ(first.out, "created certificate srv (id " + srv + ")\n" + "created certificate ca (id " +
                             id_of("certificates", "ca") + ")\n" + "created loadbalancer edge (id " +
                             id_of("loadbalancers", "edge") + ")\n" + "created pool app (id " + pool + ")\n" +
                             "created listener web (id " + listener + ")\n" +
                             "created member 127.0.0.1:9001 in pool app (id " +
                             api_.objects("pools/" + pool + "/members")[0]["id"].get<std::string>() + ")\n" +
                             "created member [::1]:9002 in pool app (id " +
                             api_.objects("pools/" + pool + "/members")[1]["id"].get<std::string>() + ")\n" +
                             "created healthmonitor hm (id " + id_of("healthmonitors", "hm") + ")\n" +
                             "applied: 8 created, 0 updated, 0 deleted, 0 unchanged\n");
    EXPECT_EQ(first.err, "");

    Json stored = api_.find("listeners", "web");
    EXPECT_EQ(stored["default_tls_container_ref"], srv);
    EXPECT_EQ(stored["default_pool_id"], pool);
    EXPECT_EQ(stored["loadbalancers"][0]["id"], id_of("loadbalancers", "edge"));
    EXPECT_EQ(api_.find("healthmonitors", "hm")["pools"][0]["id"], pool);

    int changes = api_.changes();
    Output second = apply(test::kDocument);
    ASSERT_EQ(second.code, 0) << second.err;
    EXPECT_EQ(api_.changes(), changes);
    EXPECT_TRUE(second.out.ends_with("no changes; 8 unchanged\n")) << second.out;
    EXPECT_NE(second.out.find("unchanged listener web\n"), std::string::npos) << second.out;
}

TEST_F(ApplyRunTest, CertificateBodyCarriesTheKey) {
    Output first = apply(test::kDocument);
    ASSERT_EQ(first.code, 0) << first.err;
    Json body = Json::parse(api_.requests[6].body);  // after the five list calls, the second POST
    ASSERT_TRUE(body.contains("certificate")) << api_.requests[6].body;
    Json created = Json::parse(api_.requests[5].body)["certificate"];
    EXPECT_EQ(created["private_key"], test::kServerKeyPem);
    EXPECT_EQ(created["type"], "server");
    EXPECT_EQ(created["name"], "srv");
}

TEST_F(ApplyRunTest, UpdateSendsOnlyChangedFields) {
    ASSERT_EQ(apply(test::kDocument).code, 0);
    std::string document = test::kDocument;
    document.replace(document.find("client_timeout: 30"), 18, "client_timeout: 45");
    std::size_t before = api_.requests.size();
    Output second = apply(document);
    ASSERT_EQ(second.code, 0) << second.err;
    EXPECT_NE(second.out.find("updated listener web: client_timeout\n"), std::string::npos) << second.out;
    EXPECT_TRUE(second.out.ends_with("applied: 0 created, 1 updated, 0 deleted, 7 unchanged\n"))
        << second.out;
    std::vector<HttpRequest> changes;
    for (std::size_t i = before; i < api_.requests.size(); ++i) {
        if (api_.requests[i].method != "GET") {
            changes.push_back(api_.requests[i]);
        }
    }
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].method, "PUT");
    EXPECT_EQ(changes[0].target, "/v3/default/elb/listeners/" + id_of("listeners", "web"));
    EXPECT_EQ(changes[0].body, R"({"listener":{"client_timeout":45}})");
}

TEST_F(ApplyRunTest, PruneDeletesWhatTheFileDoesNotName) {
    ASSERT_EQ(apply(test::kDocument).code, 0);
    std::string extra = api_.add("loadbalancers", {{"name", "spare"}});
    std::string pool = id_of("pools", "app");
    api_.add("pools/" + pool + "/members", {{"address", "10.0.0.9"}, {"protocol_port", 80}});

    Output without_prune = apply(test::kDocument);
    ASSERT_EQ(without_prune.code, 0) << without_prune.err;
    EXPECT_EQ(api_.objects("loadbalancers").size(), 2u);

    Output pruned = apply(test::kDocument, {.prune = true, .dry_run = false});
    ASSERT_EQ(pruned.code, 0) << pruned.err;
    EXPECT_NE(pruned.out.find("deleted member 10.0.0.9:80 in pool app (id "), std::string::npos)
        << pruned.out;
    EXPECT_NE(pruned.out.find("deleted loadbalancer spare (id " + extra + ")\n"), std::string::npos)
        << pruned.out;
    EXPECT_TRUE(pruned.out.ends_with("applied: 0 created, 0 updated, 2 deleted, 8 unchanged\n"))
        << pruned.out;
    EXPECT_EQ(api_.objects("loadbalancers").size(), 1u);
    EXPECT_EQ(api_.objects("pools/" + pool + "/members").size(), 2u);
}

TEST_F(ApplyRunTest, DryRunChangesNothing) {
    Output planned = apply(test::kDocument, {.prune = false, .dry_run = true});
    ASSERT_EQ(planned.code, 0) << planned.err;
    EXPECT_EQ(api_.changes(), 0);
    EXPECT_TRUE(planned.out.starts_with("would create certificate srv\nwould create certificate ca\n"))
        << planned.out;
    EXPECT_TRUE(planned.out.ends_with(
        "dry run: 8 to create, 0 to update, 0 to delete, 0 unchanged; nothing was changed\n"))
        << planned.out;
}

TEST_F(ApplyRunTest, ApiErrorStopsTheRun) {
    api_.fail_next({"POST", "/listeners", 409, "ELB.8907", "port 8443 of load balancer edge is in use"});
    Output failed = apply(test::kDocument);
    EXPECT_EQ(failed.code, 1);
    EXPECT_TRUE(failed.out.ends_with("created pool app (id " + id_of("pools", "app") + ")\n")) << failed.out;
    EXPECT_EQ(
        failed.err,
        "error: cannot create listener web: port 8443 of load balancer edge is in use (ELB.8907, HTTP 409, "
        "request id fake-request)\n"
        "apply stopped; the 4 changes before this error stay applied\n");
    EXPECT_TRUE(api_.objects("listeners").empty());
}

TEST_F(ApplyRunTest, ListErrorChangesNothing) {
    api_.fail_next({"GET", "/certificates", 500, "ELB.8906", "internal error"});
    Output failed = apply(test::kDocument);
    EXPECT_EQ(failed.code, 1);
    EXPECT_EQ(failed.out, "");
    EXPECT_EQ(failed.err,
              "error: cannot list the stored certificates: internal error (ELB.8906, HTTP 500, request id "
              "fake-request)\n");
}

TEST_F(ApplyRunTest, PlanErrorsChangeNothing) {
    api_.add("pools", {{"name", "app"}});
    api_.add("pools", {{"name", "app"}});
    Output failed = apply(test::kDocument);
    EXPECT_EQ(failed.code, 1);
    EXPECT_EQ(api_.changes(), 0);
    EXPECT_TRUE(failed.err.starts_with("error: 2 stored pools are named \"app\"")) << failed.err;
    EXPECT_TRUE(failed.err.ends_with("apply stopped; nothing was changed\n")) << failed.err;
}

TEST_F(ApplyRunTest, WarningsGoToStandardError) {
    class Warning : public FakeApi {
    public:
        core::Result<HttpResponse> send(const HttpRequest& request) override {
            auto response = FakeApi::send(request);
            if (response && request.method == "POST" && request.target.ends_with("/certificates")) {
                Json body = Json::parse(response->body);
                body["warnings"] = {"the certificate has a SHA-1 signature"};
                response->body = body.dump();
            }
            return response;
        }
    } api;
    DesiredState desired = read(test::kDocument);
    ApiClient client(api, "default");
    std::ostringstream out, err;
    ASSERT_EQ(run_apply(client, desired, {}, out, err), 0) << err.str();
    EXPECT_EQ(err.str(),
              "warning: certificate srv: the certificate has a SHA-1 signature\n"
              "warning: certificate ca: the certificate has a SHA-1 signature\n");
}

}  // namespace
}  // namespace tollgate::client
