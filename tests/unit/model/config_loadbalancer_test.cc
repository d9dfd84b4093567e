// The loadbalancers collection: vip_address and the cloud fields that are ignored.

#include "model/config_test_support.h"

#include <gmock/gmock.h>

namespace tollgate::model::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

using ConfigLoadBalancer = ConfigTest;

TEST_F(ConfigLoadBalancer, VipAddressDefaultsToAnyIpv4) {
    LoadResult result = load("loadbalancers:\n  - {id: lb1, name: edge}\n");

    ASSERT_THAT(error_lines(result), IsEmpty());
    ASSERT_EQ(result.config.loadbalancers.size(), 1u);
    EXPECT_EQ(result.config.loadbalancers[0].vip_address, "0.0.0.0");
    EXPECT_EQ(result.config.loadbalancers[0].name, "edge");
}

TEST_F(ConfigLoadBalancer, Ipv6VipAccepted) {
    LoadResult result = load(
        "loadbalancers:\n  - {id: lb1, vip_address: '::1'}\n  - {id: lb2, vip_address: "
        "'2001:db8::10'}\n");

    ASSERT_THAT(error_lines(result), IsEmpty());
    EXPECT_EQ(result.config.loadbalancers[0].vip_address, "::1");
    EXPECT_EQ(result.config.loadbalancers[1].vip_address, "2001:db8::10");
}

TEST_F(ConfigLoadBalancer, InvalidVipRejected) {
    LoadResult result = load(
        "loadbalancers:\n  - {id: a, vip_address: localhost}\n  - {id: b, vip_address: "
        "'[::1]'}\n  - {id: c, vip_address: 10.0.0.0/24}\n");

    std::string fix = ": use an IPv4 or IPv6 address without brackets, such as 127.0.0.1 or ::1";
    EXPECT_THAT(error_lines(result),
                ElementsAre("loadbalancers[a].vip_address: invalid value \"localhost\"" + fix,
                            "loadbalancers[b].vip_address: invalid value \"[::1]\"" + fix,
                            "loadbalancers[c].vip_address: invalid value \"10.0.0.0/24\"" + fix));
}

TEST_F(ConfigLoadBalancer, CloudFieldsIgnored) {
    LoadResult result = load(R"(loadbalancers:
  - id: lb1
    vip_address: 127.0.0.1
    description: front door
    vip_subnet_cidr_id: 3c4d1b2a
    ipv6_vip_virsubnet_id: 5e6f
    ipv6_vip_address: "2001:db8::1"
    vpc_id: 9a8b
    availability_zone_list: [az1, az2]
    provider: vlb
    guaranteed: true
    admin_state_up: true
    tags: [{key: env, value: prod}]
    l4_flavor_id: f4
    l7_flavor_id: f7
    publicip_ids: [p1]
    publicip: {ip_version: 4}
    elb_virsubnet_ids: [s1]
    ipv6_bandwidth: {id: b1}
    billing_info: ""
    prepaid_options: {period_type: month}
    autoscaling: {enable: false}
    charge_mode: flavor
    waf_failure_action: discard
    enterprise_project_id: "0"
    project_id: 060576782980d5762f9ec014dd2f1148
    deletion_protection_enable: false
    protection_status: nonProtection
    protection_reason: ""
    ip_target_enable: false
)");

    ASSERT_THAT(error_lines(result), IsEmpty());
    EXPECT_EQ(result.config.loadbalancers[0].vip_address, "127.0.0.1");
}

}  // namespace
}  // namespace tollgate::model::testing
