// The pools collection: algorithm and protocol, listener and load balancer links, members,
// and the features accepted only when disabled.

#include "model/config_test_support.h"

#include <gmock/gmock.h>

namespace tollgate::model::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

using ConfigPool = ConfigTest;

const std::string kPoolFields = "id: app, lb_algorithm: ROUND_ROBIN, protocol: HTTP";

TEST_F(ConfigPool, AlgorithmsRead) {
    LoadResult result = load(
        "pools:\n  - {id: a, lb_algorithm: ROUND_ROBIN, protocol: HTTP}\n"
        "  - {id: b, lb_algorithm: LEAST_CONNECTIONS, protocol: HTTP}\n"
        "  - {id: c, lb_algorithm: SOURCE_IP, protocol: HTTP, name: sticky}\n");

    ASSERT_THAT(error_lines(result), IsEmpty());
    ASSERT_EQ(result.config.pools.size(), 3u);
    EXPECT_EQ(result.config.pools[0].lb_algorithm, LbAlgorithm::RoundRobin);
    EXPECT_EQ(result.config.pools[1].lb_algorithm, LbAlgorithm::LeastConnections);
    EXPECT_EQ(result.config.pools[2].lb_algorithm, LbAlgorithm::SourceIp);
    EXPECT_EQ(result.config.pools[2].name, "sticky");
    EXPECT_TRUE(result.config.pools[0].members.empty());
}

TEST_F(ConfigPool, AlgorithmRules) {
    LoadResult result = load(
        "pools:\n  - {id: a, protocol: HTTP}\n"
        "  - {id: b, lb_algorithm: QUIC_CID, protocol: HTTP}\n"
        "  - {id: c, lb_algorithm: round_robin, protocol: HTTP}\n");

    std::string fix = ": use ROUND_ROBIN, LEAST_CONNECTIONS or SOURCE_IP";
    EXPECT_THAT(error_lines(result),
                ElementsAre("pools[a].lb_algorithm: missing required field" + fix,
                            "pools[b].lb_algorithm: not supported yet \"QUIC_CID\"" + fix,
                            "pools[c].lb_algorithm: invalid value \"round_robin\"" + fix));
}

TEST_F(ConfigPool, ProtocolRules) {
    LoadResult result = load(
        "pools:\n  - {id: a, lb_algorithm: ROUND_ROBIN}\n"
        "  - {id: b, lb_algorithm: ROUND_ROBIN, protocol: HTTPS}\n"
        "  - {id: c, lb_algorithm: ROUND_ROBIN, protocol: TCP}\n"
        "  - {id: d, lb_algorithm: ROUND_ROBIN, protocol: http}\n");

    EXPECT_THAT(error_lines(result), ElementsAre("pools[a].protocol: missing required field: add HTTP",
                                                 "pools[b].protocol: not supported yet \"HTTPS\": use HTTP",
                                                 "pools[c].protocol: not supported yet \"TCP\": use HTTP",
                                                 "pools[d].protocol: invalid value \"http\": use HTTP"));
}

TEST_F(ConfigPool, ListenerIdSetsDefaultPool) {
    LoadResult result = load_pool(kPoolFields + ", listener_id: plain, loadbalancer_id: lb1");

    ASSERT_THAT(error_lines(result), IsEmpty());
    EXPECT_EQ(result.config.listeners.at(0).default_pool_id, "app");
}

TEST_F(ConfigPool, ListenerIdMatchingDefaultPoolAccepted) {
    LoadResult result =
        load(kLoadbalancers + "listeners:\n  - {" + kHttpListenerFields +
             ", default_pool_id: app}\npools:\n  - {" + kPoolFields + ", listener_id: plain}\n");

    ASSERT_THAT(error_lines(result), IsEmpty());
    EXPECT_EQ(result.config.listeners.at(0).default_pool_id, "app");
}

TEST_F(ConfigPool, UnknownListenerIdRejected) {
    LoadResult result = load_pool(kPoolFields + ", listener_id: plane");

    EXPECT_THAT(error_lines(result),
                ElementsAre("pools[app].listener_id: unknown listener \"plane\": did you mean \"plain\"?"));
}

TEST_F(ConfigPool, ListenerWithOtherDefaultPoolRejected) {
    LoadResult result = load(kLoadbalancers + "listeners:\n  - {" + kHttpListenerFields +
                             ", default_pool_id: first}\npools:\n"
                             "  - {id: first, lb_algorithm: ROUND_ROBIN, protocol: HTTP}\n"
                             "  - {" +
                             kPoolFields + ", listener_id: plain}\n");

    EXPECT_THAT(
        error_lines(result),
        ElementsAre("pools[app].listener_id: listener already has another default pool \"plain\": remove "
                    "listener_id here or default_pool_id of listeners[plain], which names pool first"));
    EXPECT_EQ(result.config.listeners.at(0).default_pool_id, "first");
}

TEST_F(ConfigPool, TwoPoolsLinkingOneListenerRejected) {
    LoadResult result =
        load(kLoadbalancers + "listeners:\n  - {" + kHttpListenerFields + "}\npools:\n" +
             "  - {id: first, lb_algorithm: ROUND_ROBIN, protocol: HTTP, listener_id: plain}\n"
             "  - {" +
             kPoolFields + ", listener_id: plain}\n");

    EXPECT_THAT(
        error_lines(result),
        ElementsAre("pools[app].listener_id: listener already has another default pool \"plain\": keep "
                    "listener_id in only one of pools[first] and pools[app]"));
}

TEST_F(ConfigPool, LoadBalancerRules) {
    LoadResult result = load(
        kLoadbalancers + "  - {id: lb2, vip_address: 127.0.0.2}\nlisteners:\n  - {" + kHttpListenerFields +
        "}\n  - {id: b, loadbalancer_id: lb1, protocol: HTTP, "
        "protocol_port: 81, default_pool_id: other}\npools:\n"
        "  - {" +
        kPoolFields +
        ", loadbalancer_id: lb3}\n"
        "  - {id: far, lb_algorithm: ROUND_ROBIN, protocol: HTTP, loadbalancer_id: lb2, "
        "listener_id: plain}\n"
        "  - {id: other, lb_algorithm: ROUND_ROBIN, protocol: HTTP, loadbalancer_id: lb2}\n");

    EXPECT_THAT(
        error_lines(result),
        ElementsAre("pools[app].loadbalancer_id: unknown load balancer \"lb3\": did you mean \"lb1\"?",
                    "listeners[b].default_pool_id: pool on another load balancer \"other\": use a pool of "
                    "load balancer lb1 or change loadbalancer_id of pools[other]",
                    "pools[far].listener_id: listener on another load balancer \"plain\": use a listener of "
                    "load balancer lb2 or change loadbalancer_id of this pool"));
}

TEST_F(ConfigPool, MembersRead) {
    LoadResult result = load_pool(kPoolFields +
                                  ", members: [{address: 10.0.0.1, protocol_port: 80}, "
                                  "{address: '2001:db8::5', protocol_port: 8080, weight: 0, name: b2}, "
                                  "{id: m3, address: '::ffff:10.0.0.3', protocol_port: 80, weight: 100}]");

    ASSERT_THAT(error_lines(result), IsEmpty());
    const auto& members = result.config.pools.at(0).members;
    ASSERT_EQ(members.size(), 3u);
    EXPECT_EQ(members[0].id, "10.0.0.1:80");
    EXPECT_EQ(members[0].weight, 1);
    EXPECT_EQ(members[1].id, "[2001:db8::5]:8080");
    EXPECT_EQ(members[1].address, "2001:db8::5");
    EXPECT_EQ(members[1].protocol_port, 8080);
    EXPECT_EQ(members[1].weight, 0);
    EXPECT_EQ(members[1].name, "b2");
    EXPECT_EQ(members[2].id, "m3");
    EXPECT_EQ(members[2].weight, 100);
}

TEST_F(ConfigPool, MemberAddressRules) {
    LoadResult result =
        load_pool(kPoolFields +
                  ", members: [{protocol_port: 80}, {address: backend.local, protocol_port: 80}, "
                  "{id: m3, address: '[::1]', protocol_port: 80}, {address: 'fe80::1%eth0', "
                  "protocol_port: 80}]");

    std::string fix = ": use an IPv4 or IPv6 address without brackets, such as 127.0.0.1 or ::1";
    EXPECT_THAT(error_lines(result),
                ElementsAre("pools[app].members[0].address: missing required field" + fix,
                            "pools[app].members[1].address: invalid value \"backend.local\"" + fix,
                            "pools[app].members[m3].address: invalid value \"[::1]\"" + fix,
                            "pools[app].members[3].address: invalid value \"fe80::1%eth0\"" + fix));
}

TEST_F(ConfigPool, MemberPortAndWeightRules) {
    LoadResult result = load_pool(kPoolFields +
                                  ", members: [{address: 10.0.0.1}, {address: 10.0.0.2, protocol_port: 0}, "
                                  "{address: 10.0.0.3, protocol_port: 80, weight: -1}, "
                                  "{address: 10.0.0.4, protocol_port: 80, weight: 101}]");

    EXPECT_THAT(
        error_lines(result),
        ElementsAre("pools[app].members[0].protocol_port: missing required field: add a whole number from 1 "
                    "to 65535",
                    "pools[app].members[1].protocol_port: invalid value \"0\": use a whole number from 1 to "
                    "65535",
                    "pools[app].members[2].weight: invalid value \"-1\": use a whole number from 0 to 100",
                    "pools[app].members[3].weight: invalid value \"101\": use a whole number from 0 to 100"));
}

TEST_F(ConfigPool, DuplicateMemberRejected) {
    LoadResult result = load_pool(kPoolFields +
                                  ", members: [{address: '::1', protocol_port: 80}, {address: '0:0::1', "
                                  "protocol_port: 80}, {address: 127.0.0.1, protocol_port: 80}, "
                                  "{id: m4, address: 127.0.0.1, protocol_port: 80}]");

    std::string fix =
        ": use another address or protocol_port, because each backend can be a member only once";
    EXPECT_THAT(error_lines(result),
                ElementsAre("pools[app].members[1].address: duplicate member \"[0:0::1]:80\"" + fix,
                            "pools[app].members[m4].address: duplicate member \"127.0.0.1:80\"" + fix));
    EXPECT_EQ(result.config.pools.at(0).members.size(), 2u);
}

TEST_F(ConfigPool, DuplicateMemberIdRejected) {
    LoadResult result =
        load_pool(kPoolFields +
                  ", members: [{id: m1, address: 10.0.0.1, protocol_port: 80}, {id: m1, address: "
                  "10.0.0.2, protocol_port: 80}, {id: '10.0.0.1:81', address: 10.0.0.3, "
                  "protocol_port: 80}, {address: 10.0.0.1, protocol_port: 81}]");

    EXPECT_THAT(
        error_lines(result),
        ElementsAre("pools[app].members[1].id: duplicate id \"m1\": use an id that no other entry of "
                    "pools[app].members has",
                    "pools[app].members[3].id: duplicate id \"10.0.0.1:81\": set an id that no other member "
                    "of the pool has"));
}

TEST_F(ConfigPool, MemberMustBeMapping) {
    LoadResult result = load_pool(kPoolFields + ", members: [10.0.0.1:80]");

    EXPECT_THAT(error_lines(result),
                ElementsAre("pools[app].members[0]: invalid value \"10.0.0.1:80\": use a mapping "
                            "with address and protocol_port"));
}

TEST_F(ConfigPool, CloudFieldsIgnored) {
    LoadResult result =
        load_pool(kPoolFields +
                  ", description: web servers, admin_state_up: true, project_id: p, vpc_id: v, "
                  "type: '', ip_version: v4, enterprise_project_id: '0', protection_status: "
                  "nonProtection, protection_reason: '', members: [{address: 10.0.0.1, "
                  "protocol_port: 80, subnet_cidr_id: s1, availability_zone: az1, admin_state_up: "
                  "true, project_id: p, instance_id: i1, vpc_id: v, type: ip, ip_version: v4, "
                  "enterprise_project_id: '0', protection_status: nonProtection, "
                  "protection_reason: ''}]");

    EXPECT_THAT(error_lines(result), IsEmpty());
}

TEST_F(ConfigPool, DisabledFeaturesAccepted) {
    LoadResult result =
        load_pool(kPoolFields + ", session_persistence: null, slow_start: {enable: false, duration: 30}");

    EXPECT_THAT(error_lines(result), IsEmpty());
}

TEST_F(ConfigPool, SessionPersistenceNotSupportedYet) {
    LoadResult result = load_pool(kPoolFields + ", session_persistence: {type: HTTP_COOKIE}");

    EXPECT_THAT(
        error_lines(result),
        ElementsAre("pools[app].session_persistence: not supported yet \"{type: HTTP_COOKIE}\": remove it, "
                    "because requests are spread by lb_algorithm alone"));
}

TEST_F(ConfigPool, SlowStartRules) {
    LoadResult result = load(
        "pools:\n  - {id: a, lb_algorithm: ROUND_ROBIN, protocol: HTTP, slow_start: {enable: "
        "true, duration: 60}}\n"
        "  - {id: b, lb_algorithm: ROUND_ROBIN, protocol: HTTP, slow_start: {enable: false, "
        "duration: 10, ramp: 1}}\n"
        "  - {id: c, lb_algorithm: ROUND_ROBIN, protocol: HTTP, slow_start: true}\n");

    EXPECT_THAT(
        error_lines(result),
        ElementsAre(
            "pools[a].slow_start.enable: not supported yet \"true\": set it to false or remove "
            "slow_start",
            "pools[b].slow_start.duration: invalid value \"10\": use a whole number from 30 to 1200",
            "pools[b].slow_start.ramp: unknown field: remove it or check its spelling",
            "pools[c].slow_start: invalid value \"true\": use a mapping with enable: false, or remove "
            "it"));
}

TEST_F(ConfigPool, PassiveHealthCheckDefaults) {
    LoadResult result = load_pool(kPoolFields);

    ASSERT_THAT(error_lines(result), IsEmpty());
    const auto& passive = result.config.pools[0].passive_health_check;
    EXPECT_TRUE(passive.enable);
    EXPECT_EQ(passive.consecutive_failures, 5);
    EXPECT_EQ(passive.ejection_time, std::chrono::seconds(30));
    EXPECT_EQ(passive.max_ejection_time, std::chrono::seconds(300));
}

TEST_F(ConfigPool, PassiveHealthCheckRead) {
    LoadResult result = load_pool(kPoolFields +
                                  ", passive_health_check: {enable: false, consecutive_failures: 3, "
                                  "ejection_time: 10, max_ejection_time: 40}");

    ASSERT_THAT(error_lines(result), IsEmpty());
    const auto& passive = result.config.pools[0].passive_health_check;
    EXPECT_FALSE(passive.enable);
    EXPECT_EQ(passive.consecutive_failures, 3);
    EXPECT_EQ(passive.ejection_time, std::chrono::seconds(10));
    EXPECT_EQ(passive.max_ejection_time, std::chrono::seconds(40));
}

TEST_F(ConfigPool, PassiveHealthCheckRules) {
    LoadResult result = load(
        "pools:\n  - {id: a, lb_algorithm: ROUND_ROBIN, protocol: HTTP, passive_health_check: "
        "{consecutive_failures: 0, ejection_time: 3601}}\n"
        "  - {id: b, lb_algorithm: ROUND_ROBIN, protocol: HTTP, passive_health_check: {ejection_time: 60, "
        "max_ejection_time: 30, interval: 1}}\n"
        "  - {id: c, lb_algorithm: ROUND_ROBIN, protocol: HTTP, passive_health_check: true}\n");

    EXPECT_THAT(
        error_lines(result),
        ElementsAre(
            "pools[a].passive_health_check.consecutive_failures: invalid value \"0\": use a whole "
            "number from 1 to 100",
            "pools[a].passive_health_check.ejection_time: invalid value \"3601\": use a whole number "
            "from 1 to 3600",
            "pools[b].passive_health_check.interval: unknown field: remove it or check its spelling",
            "pools[b].passive_health_check.max_ejection_time: shorter than ejection_time 60 s \"30\": "
            "set max_ejection_time to at least ejection_time",
            "pools[c].passive_health_check: invalid value \"true\": use a mapping with enable, "
            "consecutive_failures, ejection_time and max_ejection_time, or remove it"));
}

TEST_F(ConfigPool, UnknownFieldSuggested) {
    LoadResult result = load_pool(kPoolFields + ", member: []");

    EXPECT_THAT(error_lines(result),
                ElementsAre("pools[app].member: unknown field: did you mean \"members\"?"));
}

}  // namespace
}  // namespace tollgate::model::testing
