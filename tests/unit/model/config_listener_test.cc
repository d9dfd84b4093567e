// The listeners collection: references, protocol and port, TLS settings, timeouts, the
// fields accepted only at their no-op value, and port clashes.

#include "model/config_test_support.h"

#include <gmock/gmock.h>

namespace tollgate::model::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

using ConfigListener = ConfigTest;

TEST_F(ConfigListener, HttpsDefaultsFilledIn) {
    LoadResult result = load_listener(kHttpsListenerFields);

    ASSERT_THAT(error_lines(result), IsEmpty());
    const Listener& listener = result.config.listeners.at(0);
    EXPECT_EQ(listener.client_ca_tls_container_ref, "");
    EXPECT_EQ(listener.client_authentication, ClientAuth::None);
    EXPECT_EQ(listener.client_verify_depth, 4);
    EXPECT_EQ(listener.tls_ciphers_policy, "tls-1-2-fs-with-1-3");
    EXPECT_EQ(listener.default_pool_id, "");
    EXPECT_EQ(listener.keepalive_timeout, std::chrono::seconds(60));
    EXPECT_EQ(listener.client_timeout, std::chrono::seconds(60));
    EXPECT_EQ(listener.member_timeout, std::chrono::seconds(60));
    EXPECT_TRUE(listener.enable_member_retry);
}

TEST_F(ConfigListener, ClientAuthenticationMandatoryWithCa) {
    LoadResult result = load_listener(kHttpsListenerFields + ", client_ca_tls_container_ref: ca");

    ASSERT_THAT(error_lines(result), IsEmpty());
    EXPECT_EQ(result.config.listeners.at(0).client_authentication, ClientAuth::Mandatory);
    EXPECT_EQ(result.config.listeners.at(0).client_ca_tls_container_ref, "ca");
}

TEST_F(ConfigListener, ClientAuthenticationOptionalKept) {
    LoadResult result = load_listener(kHttpsListenerFields +
                                      ", client_ca_tls_container_ref: ca, client_authentication: optional, "
                                      "client_verify_depth: 1");

    ASSERT_THAT(error_lines(result), IsEmpty());
    EXPECT_EQ(result.config.listeners.at(0).client_authentication, ClientAuth::Optional);
    EXPECT_EQ(result.config.listeners.at(0).client_verify_depth, 1);
}

TEST_F(ConfigListener, ClientAuthenticationWithoutCaRejected) {
    LoadResult result = load_listener(kHttpsListenerFields + ", client_authentication: mandatory");

    EXPECT_THAT(
        error_lines(result),
        ElementsAre("listeners[web].client_authentication: invalid without client_ca_tls_container_ref "
                    "\"mandatory\": set client_ca_tls_container_ref to a client certificate or use none"));
}

TEST_F(ConfigListener, NoClientAuthenticationWithCaWarns) {
    LoadResult result = load_listener(kHttpsListenerFields +
                                      ", client_ca_tls_container_ref: ca, client_authentication: none");

    ASSERT_THAT(error_lines(result), IsEmpty());
    EXPECT_EQ(result.config.listeners.at(0).client_authentication, ClientAuth::None);
    EXPECT_THAT(result.warnings,
                ElementsAre("listeners[web].client_authentication: leaves client_ca_tls_container_ref unused "
                            "\"none\": use optional or mandatory to verify clients, or remove "
                            "client_ca_tls_container_ref"));
}

TEST_F(ConfigListener, InvalidClientAuthenticationRejected) {
    LoadResult result = load_listener(kHttpsListenerFields +
                                      ", client_ca_tls_container_ref: ca, client_authentication: required");

    EXPECT_THAT(error_lines(result),
                ElementsAre("listeners[web].client_authentication: invalid value \"required\": "
                            "use none, optional or mandatory"));
}

TEST_F(ConfigListener, ClientVerifyDepthRange) {
    LoadResult result =
        load_listener(kHttpsListenerFields + ", client_ca_tls_container_ref: ca, client_verify_depth: 11");

    EXPECT_THAT(error_lines(result),
                ElementsAre("listeners[web].client_verify_depth: invalid value \"11\": use a "
                            "whole number from 1 to 10"));
}

TEST_F(ConfigListener, TerminatedHttpsStoredAsHttps) {
    LoadResult result = load_listener(
        "id: web, loadbalancer_id: lb1, protocol: TERMINATED_HTTPS, protocol_port: 8443, "
        "default_tls_container_ref: srv");

    ASSERT_THAT(error_lines(result), IsEmpty());
    EXPECT_EQ(result.config.listeners.at(0).protocol, Protocol::Https);
}

TEST_F(ConfigListener, ProtocolRules) {
    LoadResult result = load_listeners({
        "id: a, loadbalancer_id: lb1, protocol_port: 1",
        "id: b, loadbalancer_id: lb1, protocol: UDP, protocol_port: 2",
        "id: c, loadbalancer_id: lb1, protocol: https, protocol_port: 3",
        "id: d, loadbalancer_id: lb1, protocol: [HTTP], protocol_port: 4",
    });

    EXPECT_THAT(error_lines(result),
                ElementsAre("listeners[a].protocol: missing required field: add HTTP or HTTPS",
                            "listeners[b].protocol: not supported yet \"UDP\": use HTTP or HTTPS",
                            "listeners[c].protocol: invalid value \"https\": use HTTP or HTTPS",
                            "listeners[d].protocol: invalid value \"[HTTP]\": use HTTP or HTTPS"));
}

TEST_F(ConfigListener, EveryLaterProtocolNotSupported) {
    for (std::string protocol : {"TCP", "UDP", "TLS", "QUIC", "IP"}) {
        LoadResult result =
            load_listener("id: a, loadbalancer_id: lb1, protocol: " + protocol + ", protocol_port: 1");

        EXPECT_THAT(error_lines(result), ElementsAre("listeners[a].protocol: not supported yet \"" +
                                                     protocol + "\": use HTTP or HTTPS"));
    }
}

TEST_F(ConfigListener, ProtocolPortRules) {
    LoadResult result = load_listeners({
        "id: a, loadbalancer_id: lb1, protocol: HTTP",
        "id: b, loadbalancer_id: lb1, protocol: HTTP, protocol_port: abc",
        "id: c, loadbalancer_id: lb1, protocol: HTTP, protocol_port: 0",
        "id: d, loadbalancer_id: lb1, protocol: HTTP, protocol_port: 65536",
        "id: e, loadbalancer_id: lb1, protocol: HTTP, protocol_port: 80.5",
        "id: f, loadbalancer_id: lb1, protocol: HTTP, protocol_port: 65535",
    });

    EXPECT_THAT(
        error_lines(result),
        ElementsAre(
            "listeners[a].protocol_port: missing required field: add a whole number from 1 to 65535",
            "listeners[b].protocol_port: invalid value \"abc\": use a whole number from 1 to 65535",
            "listeners[c].protocol_port: invalid value \"0\": use a whole number from 1 to 65535",
            "listeners[d].protocol_port: invalid value \"65536\": use a whole number from 1 to 65535",
            "listeners[e].protocol_port: invalid value \"80.5\": use a whole number from 1 to 65535"));
    EXPECT_EQ(result.config.listeners.at(5).protocol_port, 65535);
}

TEST_F(ConfigListener, LoadBalancerReferenceRules) {
    LoadResult result = load_listeners({
        "id: a, protocol: HTTP, protocol_port: 1",
        "id: b, loadbalancer_id: lb9, protocol: HTTP, protocol_port: 2",
        "id: c, loadbalancer_id: edge, protocol: HTTP, protocol_port: 3",
    });

    EXPECT_THAT(
        error_lines(result),
        ElementsAre("listeners[a].loadbalancer_id: missing required field: add the id of an entry in "
                    "loadbalancers",
                    "listeners[b].loadbalancer_id: unknown load balancer \"lb9\": did you mean \"lb1\"?",
                    "listeners[c].loadbalancer_id: unknown load balancer \"edge\": use the id of an entry in "
                    "loadbalancers"));
}

TEST_F(ConfigListener, HttpsNeedsServerCertificate) {
    LoadResult result = load_listeners({
        "id: a, loadbalancer_id: lb1, protocol: HTTPS, protocol_port: 1",
        "id: b, loadbalancer_id: lb1, protocol: HTTPS, protocol_port: 2, default_tls_container_ref: ca",
        "id: c, loadbalancer_id: lb1, protocol: HTTPS, protocol_port: 3, default_tls_container_ref: svr",
    });

    EXPECT_THAT(
        error_lines(result),
        ElementsAre("listeners[a].default_tls_container_ref: missing required field: add the id of a "
                    "certificate of type server",
                    "listeners[b].default_tls_container_ref: not a server certificate \"ca\": use a "
                    "certificate of type server, which has a private key",
                    "listeners[c].default_tls_container_ref: unknown certificate \"svr\": did you mean "
                    "\"srv\"?"));
}

TEST_F(ConfigListener, ClientCaMustBeClientCertificate) {
    LoadResult result = load_listener(kHttpsListenerFields + ", client_ca_tls_container_ref: srv");

    EXPECT_THAT(
        error_lines(result),
        ElementsAre("listeners[web].client_ca_tls_container_ref: not a client certificate \"srv\": use a "
                    "certificate of type client, which holds the CA certificates that verify clients"));
}

TEST_F(ConfigListener, TlsFieldsRejectedOnHttp) {
    LoadResult result = load_listener(kHttpListenerFields +
                                      ", default_tls_container_ref: srv, client_ca_tls_container_ref: ca, "
                                      "client_authentication: optional, client_verify_depth: 2, "
                                      "tls_ciphers_policy: tls-1-2");

    std::string fix = ": remove it or set protocol to HTTPS";
    EXPECT_THAT(
        error_lines(result),
        ElementsAre(
            "listeners[plain].default_tls_container_ref: not allowed on an HTTP listener \"srv\"" + fix,
            "listeners[plain].client_ca_tls_container_ref: not allowed on an HTTP listener \"ca\"" + fix,
            "listeners[plain].client_authentication: not allowed on an HTTP listener \"optional\"" + fix,
            "listeners[plain].client_verify_depth: not allowed on an HTTP listener \"2\"" + fix,
            "listeners[plain].tls_ciphers_policy: not allowed on an HTTP listener \"tls-1-2\"" + fix));
}

TEST_F(ConfigListener, NoClientAuthenticationAllowedOnHttp) {
    LoadResult result = load_listener(kHttpListenerFields + ", client_authentication: none");

    EXPECT_THAT(error_lines(result), IsEmpty());
}

TEST_F(ConfigListener, SecurityPolicyRules) {
    LoadResult result = load_listeners({
        kHttpsListenerFields + ", tls_ciphers_policy: tls-1-2-strict",
        "id: b, loadbalancer_id: lb1, protocol: HTTPS, protocol_port: 2, default_tls_container_ref: srv, "
        "tls_ciphers_policy: tls-1-2-strickt",
        "id: c, loadbalancer_id: lb1, protocol: HTTPS, protocol_port: 3, default_tls_container_ref: srv, "
        "tls_ciphers_policy: modern",
    });

    EXPECT_THAT(
        error_lines(result),
        ElementsAre(
            "listeners[b].tls_ciphers_policy: unknown security policy \"tls-1-2-strickt\": did you "
            "mean \"tls-1-2-strict\"?",
            "listeners[c].tls_ciphers_policy: unknown security policy \"modern\": use one of tls-1-0, "
            "tls-1-1, tls-1-2, tls-1-0-inherit, tls-1-2-strict, tls-1-2-fs, tls-1-0-with-1-3, "
            "tls-1-2-fs-with-1-3, hybrid-policy-1-0 or tls-1-2-strict-no-cbc"));
    EXPECT_EQ(result.config.listeners.at(0).tls_ciphers_policy, "tls-1-2-strict");
}

TEST_F(ConfigListener, DefaultPoolRules) {
    LoadResult result = load_listeners({
        kHttpListenerFields + ", default_pool_id: app",
        "id: b, loadbalancer_id: lb1, protocol: HTTP, protocol_port: 2, default_pool_id: ap",
    });

    EXPECT_THAT(error_lines(result),
                ElementsAre("listeners[b].default_pool_id: unknown pool \"ap\": did you mean \"app\"?"));
    EXPECT_EQ(result.config.listeners.at(0).default_pool_id, "app");
}

TEST_F(ConfigListener, TimeoutsAndRetry) {
    LoadResult result = load_listener(kHttpListenerFields +
                                      ", keepalive_timeout: 0, client_timeout: 300, member_timeout: 1, "
                                      "enable_member_retry: false");

    ASSERT_THAT(error_lines(result), IsEmpty());
    const Listener& listener = result.config.listeners.at(0);
    EXPECT_EQ(listener.keepalive_timeout, std::chrono::seconds(0));
    EXPECT_EQ(listener.client_timeout, std::chrono::seconds(300));
    EXPECT_EQ(listener.member_timeout, std::chrono::seconds(1));
    EXPECT_FALSE(listener.enable_member_retry);
}

TEST_F(ConfigListener, TimeoutRanges) {
    LoadResult result = load_listener(kHttpListenerFields +
                                      ", keepalive_timeout: 4001, client_timeout: 0, member_timeout: 301, "
                                      "enable_member_retry: 1");

    EXPECT_THAT(
        error_lines(result),
        ElementsAre(
            "listeners[plain].keepalive_timeout: invalid value \"4001\": use a whole number from 0 to "
            "4000",
            "listeners[plain].client_timeout: invalid value \"0\": use a whole number from 1 to 300",
            "listeners[plain].member_timeout: invalid value \"301\": use a whole number from 1 to 300",
            "listeners[plain].enable_member_retry: invalid value \"1\": use true or false"));
}

TEST_F(ConfigListener, CloudFieldsIgnored) {
    LoadResult result = load_listener(kHttpListenerFields +
                                      ", name: plain, description: port 8080, tags: [{key: a, value: b}], "
                                      "admin_state_up: true, transparent_client_ip_enable: true, "
                                      "protection_status: nonProtection, protection_reason: '', "
                                      "enterprise_project_id: '0', project_id: p1, connection_limit: -1");

    EXPECT_THAT(error_lines(result), IsEmpty());
    EXPECT_EQ(result.config.listeners.at(0).name, "plain");
}

TEST_F(ConfigListener, NoOpValuesAccepted) {
    LoadResult result =
        load_listener(kHttpsListenerFields +
                      ", sni_container_refs: [], http2_enable: false, security_policy_id: null, "
                      "ipgroup: {}, proxy_protocol_enable: false, gzip_enable: false, "
                      "ssl_early_data_enable: false, enhance_l7policy_enable: false, cps: 0, "
                      "connection: 0");

    EXPECT_THAT(error_lines(result), IsEmpty());
}

TEST_F(ConfigListener, FeaturesNotSupportedYet) {
    struct Case {
        std::string field;
        std::string error;
    };
    const std::vector<Case> cases = {
        {"sni_container_refs: [srv]",
         "not supported yet \"[srv]\": remove it or use an empty list, because a listener serves only "
         "default_tls_container_ref"},
        {"http2_enable: true", "not supported yet \"true\": remove it or set it to false"},
        {"security_policy_id: 6a2d3f",
         "not supported yet \"6a2d3f\": remove it and choose a system policy with tls_ciphers_policy"},
        {"ipgroup: {ipgroup_id: g1}",
         "not supported yet \"{ipgroup_id: g1}\": remove it, because access control by client address is not "
         "implemented yet"},
        {"proxy_protocol_enable: true", "not supported yet \"true\": remove it or set it to false"},
        {"gzip_enable: true", "not supported yet \"true\": remove it or set it to false"},
        {"ssl_early_data_enable: true", "not supported yet \"true\": remove it or set it to false"},
        {"enhance_l7policy_enable: true", "not supported yet \"true\": remove it or set it to false"},
        {"cps: 100", "not supported yet \"100\": remove it or set it to 0"},
        {"connection: 5000", "not supported yet \"5000\": remove it or set it to 0"},
    };
    for (const auto& test : cases) {
        LoadResult result = load_listener(kHttpsListenerFields + ", " + test.field);
        std::string field = test.field.substr(0, test.field.find(':'));

        EXPECT_THAT(error_lines(result), ElementsAre("listeners[web]." + field + ": " + test.error))
            << test.field;
    }
}

TEST_F(ConfigListener, UnknownFieldSuggested) {
    LoadResult result = load_listener(kHttpListenerFields + ", keepalive_timout: 30");

    EXPECT_THAT(
        error_lines(result),
        ElementsAre("listeners[plain].keepalive_timout: unknown field: did you mean \"keepalive_timeout\"?"));
}

TEST_F(ConfigListener, SamePortOnSameLoadBalancerClashes) {
    LoadResult result = load_listeners({
        kHttpsListenerFields,
        "id: other, loadbalancer_id: lb1, protocol: HTTP, protocol_port: 8443",
    });

    EXPECT_THAT(
        error_lines(result),
        ElementsAre("listeners[other].protocol_port: port already used by listeners[web] of the same load "
                    "balancer \"8443\": use another protocol_port"));
}

TEST_F(ConfigListener, SameAddressOnTwoLoadBalancersClashes) {
    LoadResult result = load(kLoadbalancers + R"(  - {id: lb2, vip_address: 127.0.0.1}
listeners:
  - {id: a, loadbalancer_id: lb1, protocol: HTTP, protocol_port: 8080}
  - {id: b, loadbalancer_id: lb2, protocol: HTTP, protocol_port: 8080}
)");

    EXPECT_THAT(
        error_lines(result),
        ElementsAre(
            "listeners[b].protocol_port: clashes with listeners[a] at 127.0.0.1:8080 "
            "\"127.0.0.1:8080\": use another protocol_port, or vip_address values that do not overlap"));
}

TEST_F(ConfigListener, AnyAddressClashesWithSameFamily) {
    LoadResult result = load(R"(loadbalancers:
  - {id: any4}
  - {id: local4, vip_address: 127.0.0.2}
  - {id: any6, vip_address: '::'}
  - {id: local6, vip_address: '::1'}
listeners:
  - {id: a, loadbalancer_id: any4, protocol: HTTP, protocol_port: 80}
  - {id: b, loadbalancer_id: local4, protocol: HTTP, protocol_port: 80}
  - {id: c, loadbalancer_id: local6, protocol: HTTP, protocol_port: 80}
  - {id: d, loadbalancer_id: any6, protocol: HTTP, protocol_port: 80}
)");

    EXPECT_THAT(
        error_lines(result),
        ElementsAre("listeners[b].protocol_port: clashes with listeners[a] at 0.0.0.0:80 \"127.0.0.2:80\": "
                    "use another protocol_port, or vip_address values that do not overlap",
                    "listeners[d].protocol_port: clashes with listeners[c] at [::1]:80 \"[::]:80\": use "
                    "another protocol_port, or vip_address values that do not overlap"));
}

TEST_F(ConfigListener, DifferentAddressesShareAPort) {
    LoadResult result = load(R"(loadbalancers:
  - {id: a, vip_address: 127.0.0.1}
  - {id: b, vip_address: 127.0.0.2}
  - {id: c, vip_address: '::1'}
listeners:
  - {id: a, loadbalancer_id: a, protocol: HTTP, protocol_port: 80}
  - {id: b, loadbalancer_id: b, protocol: HTTP, protocol_port: 80}
  - {id: c, loadbalancer_id: c, protocol: HTTP, protocol_port: 80}
  - {id: d, loadbalancer_id: a, protocol: HTTP, protocol_port: 81}
)");

    EXPECT_THAT(error_lines(result), IsEmpty());
}

}  // namespace
}  // namespace tollgate::model::testing
