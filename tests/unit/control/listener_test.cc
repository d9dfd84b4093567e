#include "control_test_support.h"

namespace tollgate::control::test {
namespace {

using nlohmann::json;

class ListenerTest : public ControlTest {};

TEST_F(ListenerTest, HttpListenerWithPoolAndMemberIsPublished) {
    const std::string lb =
        create("/loadbalancers", "loadbalancer", {{"name", "edge"}, {"vip_address", "127.0.0.1"}});
    const std::string listener =
        create("/listeners", "listener",
               {{"name", "web"}, {"loadbalancer_id", lb}, {"protocol", "HTTP"}, {"protocol_port", 8080}});
    const std::string pool = create(
        "/pools", "pool", {{"lb_algorithm", "ROUND_ROBIN"}, {"protocol", "HTTP"}, {"listener_id", listener}});
    const std::string member =
        create("/pools/" + pool + "/members", "member", {{"address", "127.0.0.1"}, {"protocol_port", 9001}});
    ASSERT_FALSE(member.empty());

    ASSERT_EQ(data_plane_.published.size(), 4u);
    const model::Config& config = data_plane_.published.back();
    ASSERT_EQ(config.listeners.size(), 1u);
    EXPECT_EQ(config.listeners[0].id, listener);
    EXPECT_EQ(config.listeners[0].default_pool_id, pool);
    ASSERT_EQ(config.pools.size(), 1u);
    ASSERT_EQ(config.pools[0].members.size(), 1u);
    EXPECT_EQ(config.pools[0].members[0].protocol_port, 9001);

    Reply shown = call("GET", path("/listeners/" + listener));
    ASSERT_EQ(shown.status, 200) << shown.body.dump();
    EXPECT_EQ(shown.body["listener"]["default_pool_id"], pool);
    EXPECT_EQ(shown.body["listener"]["loadbalancers"], json::array({{{"id", lb}}}));
    Reply pool_shown = call("GET", path("/pools/" + pool));
    EXPECT_EQ(pool_shown.body["pool"]["listeners"], json::array({{{"id", listener}}}));
    EXPECT_EQ(pool_shown.body["pool"]["members"], json::array({{{"id", member}}}));
}

TEST_F(ListenerTest, InvalidPortKeepsStore) {
    const std::string lb = create("/loadbalancers", "loadbalancer", {{"vip_address", "127.0.0.1"}});
    Reply reply = call("POST", path("/listeners"),
                       {{"listener", {{"loadbalancer_id", lb}, {"protocol", "HTTP"}, {"protocol_port", 0}}}});
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.message(),
              "listener.protocol_port: invalid value \"0\": use a whole number from 1 to 65535");
    Reply list = call("GET", path("/listeners"));
    EXPECT_EQ(list.body["listeners"].size(), 0u);
    EXPECT_EQ(data_plane_.published.size(), 1u);
}

TEST_F(ListenerTest, SamePortIsConflict) {
    const std::string lb = create("/loadbalancers", "loadbalancer", {{"vip_address", "127.0.0.1"}});
    const std::string first = create(
        "/listeners", "listener", {{"loadbalancer_id", lb}, {"protocol", "HTTP"}, {"protocol_port", 8080}});
    Reply reply =
        call("POST", path("/listeners"),
             {{"listener", {{"loadbalancer_id", lb}, {"protocol", "HTTP"}, {"protocol_port", 8080}}}});
    EXPECT_EQ(reply.status, 409);
    EXPECT_EQ(reply.message(), "listener.protocol_port: port already used by listeners[" + first +
                                   "] of the same load balancer \"8080\": use another protocol_port");
}

TEST_F(ListenerTest, DataPlaneFailureRollsBack) {
    const std::string lb = create("/loadbalancers", "loadbalancer", {{"vip_address", "127.0.0.1"}});
    data_plane_.fail_next =
        core::Error{core::ErrorKind::Conflict, core::Side::Internal, "address in use", false};
    Reply reply =
        call("POST", path("/listeners"),
             {{"listener", {{"loadbalancer_id", lb}, {"protocol", "HTTP"}, {"protocol_port", 8080}}}});
    EXPECT_EQ(reply.status, 409);
    EXPECT_EQ(reply.message(), "address in use");
    EXPECT_EQ(call("GET", path("/listeners")).body["listeners"].size(), 0u);
}

TEST_F(ListenerTest, LoadBalancerInUseCannotBeDeleted) {
    const std::string lb = create("/loadbalancers", "loadbalancer", {{"vip_address", "127.0.0.1"}});
    const std::string listener = create(
        "/listeners", "listener", {{"loadbalancer_id", lb}, {"protocol", "HTTP"}, {"protocol_port", 8080}});
    Reply reply = call("DELETE", path("/loadbalancers/" + lb));
    EXPECT_EQ(reply.status, 409);
    EXPECT_EQ(reply.message(), "load balancer " + lb + " is in use by listener " + listener +
                                   " (loadbalancer_id). Delete the listener first.");
    EXPECT_EQ(call("DELETE", path("/listeners/" + listener)).status, 204);
    EXPECT_EQ(call("DELETE", path("/loadbalancers/" + lb)).status, 204);
}

}  // namespace
}  // namespace tollgate::control::test
