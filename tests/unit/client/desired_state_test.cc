#include "client/desired_state.h"

#include "apply_test_support.h"

#include <gtest/gtest.h>

namespace tollgate::client {
namespace {

using test::ApplyTest;
using test::find_resource;

std::vector<std::string> kinds_in_order(const DesiredState& state) {
    std::vector<std::string> kinds;
    for (const DesiredResource& resource : state.resources) {
        kinds.push_back(std::string(info(resource.kind).singular) + " " + resource.file_id);
    }
    return kinds;
}

TEST_F(ApplyTest, ResourcesComeInApplyOrder) {
    DesiredState state = read(test::kDocument);
    EXPECT_EQ(kinds_in_order(state),
              (std::vector<std::string>{"certificate srv", "certificate ca", "loadbalancer lb1", "pool app",
                                        "listener web", "member 127.0.0.1:9001", "member [::1]:9002",
                                        "healthmonitor hm"}));
}

TEST_F(ApplyTest, CertificateFilesBecomeText) {
    DesiredState state = read(test::kDocument);
    const DesiredResource* srv = find_resource(state, Kind::Certificate, "srv");
    ASSERT_NE(srv, nullptr);
    EXPECT_EQ(srv->fields["certificate"], test::kServerPem);
    EXPECT_EQ(srv->fields["private_key"], test::kServerKeyPem);
    EXPECT_EQ(srv->fields["type"], "server");
    EXPECT_FALSE(srv->fields.contains("certificate_file"));
    EXPECT_FALSE(srv->fields.contains("private_key_file"));
    const DesiredResource* ca = find_resource(state, Kind::Certificate, "ca");
    ASSERT_NE(ca, nullptr);
    EXPECT_FALSE(ca->fields.contains("private_key"));
    EXPECT_EQ(ca->fields["type"], "client");
}

TEST_F(ApplyTest, NameIsTheIdWhenMissing) {
    DesiredState state = read(test::kDocument);
    const DesiredResource* web = find_resource(state, Kind::Listener, "web");
    ASSERT_NE(web, nullptr);
    EXPECT_EQ(web->name, "web");
    EXPECT_EQ(web->fields["name"], "web");
    const DesiredResource* lb = find_resource(state, Kind::LoadBalancer, "lb1");
    ASSERT_NE(lb, nullptr);
    EXPECT_EQ(lb->name, "edge");
}

TEST_F(ApplyTest, ReferencesAreSeparateFromFields) {
    DesiredState state = read(test::kDocument);
    const DesiredResource* web = find_resource(state, Kind::Listener, "web");
    ASSERT_NE(web, nullptr);
    EXPECT_EQ(web->fields.dump(),
              R"({"name":"web","protocol":"HTTPS","protocol_port":8443,"client_timeout":30,)"
              R"("insert_headers":{"X-Real-IP":true}})");
    EXPECT_EQ(web->references.at("loadbalancer_id"), (Reference{Kind::LoadBalancer, "lb1"}));
    EXPECT_EQ(web->references.at("default_tls_container_ref"), (Reference{Kind::Certificate, "srv"}));
    EXPECT_EQ(web->references.at("client_ca_tls_container_ref"), (Reference{Kind::Certificate, "ca"}));
}

TEST_F(ApplyTest, PoolListenerIdBecomesDefaultPool) {
    DesiredState state = read(test::kDocument);
    const DesiredResource* web = find_resource(state, Kind::Listener, "web");
    ASSERT_NE(web, nullptr);
    EXPECT_EQ(web->references.at("default_pool_id"), (Reference{Kind::Pool, "app"}));
    const DesiredResource* app = find_resource(state, Kind::Pool, "app");
    ASSERT_NE(app, nullptr);
    EXPECT_FALSE(app->fields.contains("listener_id"));
    EXPECT_FALSE(app->fields.contains("members"));
}

TEST_F(ApplyTest, MembersAreKeyedByAddressAndPort) {
    DesiredState state = read(test::kDocument);
    const DesiredResource* member = find_resource(state, Kind::Member, "[::1]:9002");
    ASSERT_NE(member, nullptr);
    EXPECT_EQ(member->pool_file_id, "app");
    EXPECT_EQ(member->address, "::1");
    EXPECT_EQ(member->protocol_port, 9002);
    EXPECT_EQ(member->fields.dump(),
              R"({"address":"::1","protocol_port":9002,"weight":3,"name":"backend-2"})");
}

TEST_F(ApplyTest, HealthMonitorFieldsAreTyped) {
    DesiredState state = read(test::kDocument);
    const DesiredResource* monitor = find_resource(state, Kind::HealthMonitor, "hm");
    ASSERT_NE(monitor, nullptr);
    EXPECT_EQ(monitor->fields.dump(),
              R"({"name":"hm","type":"HTTP","delay":5,"timeout":3,"max_retries":2,"expected_codes":"200"})");
    EXPECT_EQ(monitor->references.at("pool_id"), (Reference{Kind::Pool, "app"}));
}

TEST_F(ApplyTest, ScalarsGetTheApiTypes) {
    DesiredState state = read(R"(loadbalancers:
  - {id: lb1, name: "2024", description: 42, vip_address: 127.0.0.1}
listeners:
  - {id: l, loadbalancer_id: lb1, protocol: HTTP, protocol_port: "8080", enable_member_retry: False,
     insert_headers: {X-Forwarded-Port: TRUE, X-Forwarded-For-Processing-Mode: remove}}
)");
    const DesiredResource* lb = find_resource(state, Kind::LoadBalancer, "lb1");
    ASSERT_NE(lb, nullptr);
    EXPECT_EQ(lb->fields.dump(), R"({"name":"2024","description":"42","vip_address":"127.0.0.1"})");
    const DesiredResource* listener = find_resource(state, Kind::Listener, "l");
    ASSERT_NE(listener, nullptr);
    EXPECT_EQ(listener->fields.dump(),
              R"({"name":"l","protocol":"HTTP","protocol_port":8080,"enable_member_retry":false,)"
              R"("insert_headers":{"X-Forwarded-Port":true,"X-Forwarded-For-Processing-Mode":"remove"}})");
}

TEST_F(ApplyTest, MergeKeysAndNullsFollowTheLoader) {
    DesiredState state = read(R"(loadbalancers:
  - {id: lb1, vip_address: 127.0.0.1}
listeners:
  - &base {id: a, loadbalancer_id: lb1, protocol: HTTP, protocol_port: 8080, client_timeout: 30}
  - {<<: *base, id: b, protocol_port: 8081, client_timeout: null, description: ~}
)");
    const DesiredResource* b = find_resource(state, Kind::Listener, "b");
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->fields.dump(), R"({"name":"b","protocol_port":8081,"protocol":"HTTP"})");
    EXPECT_EQ(b->references.at("loadbalancer_id"), (Reference{Kind::LoadBalancer, "lb1"}));
}

TEST_F(ApplyTest, LoaderErrorsAreReported) {
    DesiredStateResult result = read_desired_state_text(R"(loadbalancers:
  - {id: lb1, vip_adress: 127.0.0.1}
)",
                                                        dir_);
    ASSERT_EQ(result.errors.size(), 1u);
    EXPECT_EQ(result.errors[0],
              "loadbalancers[lb1].vip_adress: unknown field: did you mean \"vip_address\"?");
}

TEST_F(ApplyTest, HealthMonitorErrorsComeFromTheLoader) {
    DesiredStateResult result = read_desired_state_text(R"(pools:
  - {id: app, lb_algorithm: ROUND_ROBIN, protocol: HTTP}
healthmonitors:
  - {id: a, pool_id: ap, type: HTTP, delay: 5, timeout: 3, max_retries: 2}
)",
                                                        dir_);
    ASSERT_EQ(result.errors.size(), 1u);
    EXPECT_EQ(result.errors[0], "healthmonitors[a].pool_id: unknown pool \"ap\": did you mean \"app\"?");
}

TEST_F(ApplyTest, LoaderWarningsArePassedOn) {
    std::string document = test::kDocument;
    const std::string probe_timing = "delay: 5, timeout: 3";
    ASSERT_NE(document.find(probe_timing), std::string::npos);
    document.replace(document.find(probe_timing), probe_timing.size(), "delay: 5, timeout: 10");

    DesiredStateResult result = read_desired_state_text(document, dir_);
    EXPECT_TRUE(result.errors.empty());
    ASSERT_EQ(result.warnings.size(), 1u);
    EXPECT_TRUE(result.warnings[0].starts_with("healthmonitors[hm].timeout: 10 s is longer than delay 5 s"))
        << result.warnings[0];
}

TEST_F(ApplyTest, DuplicateNamesAreErrors) {
    DesiredStateResult result = read_desired_state_text(R"(loadbalancers:
  - {id: edge, vip_address: 127.0.0.1}
  - {id: lb2, name: edge, vip_address: 127.0.0.2}
)",
                                                        dir_);
    ASSERT_EQ(result.errors.size(), 1u);
    EXPECT_EQ(result.errors[0],
              "loadbalancers[lb2].name: duplicate name \"edge\": apply matches loadbalancers by name (or by "
              "id when a "
              "name is missing), and loadbalancers[edge] has the same; give each its own name");
}

TEST_F(ApplyTest, MissingFileIsReported) {
    DesiredStateResult result = read_desired_state(dir_ / "missing.yaml");
    ASSERT_EQ(result.errors.size(), 1u);
    EXPECT_NE(result.errors[0].find("missing.yaml"), std::string::npos) << result.errors[0];
}

TEST(CanonicalAddress, NormalisesIpv6) {
    EXPECT_EQ(canonical_address("0:0::1"), "::1");
    EXPECT_EQ(canonical_address("127.0.0.1"), "127.0.0.1");
    EXPECT_EQ(canonical_address("not an address"), "not an address");
}

TEST(MemberLabel, BracketsIpv6) {
    EXPECT_EQ(member_label("::1", 80), "[::1]:80");
    EXPECT_EQ(member_label("10.0.0.1", 80), "10.0.0.1:80");
}

}  // namespace
}  // namespace tollgate::client
