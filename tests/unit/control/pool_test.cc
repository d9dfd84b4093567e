#include "contract_test_support.h"

#include <algorithm>

namespace tollgate::control::test {
namespace {

using nlohmann::json;

class PoolTest : public ContractTest {
protected:
    void SetUp() override {
        ContractTest::SetUp();
        lb_ = create_loadbalancer();
    }

    std::string lb_;
};

TEST_F(PoolTest, CreateFillsDefaults) {
    Reply reply = call("POST", path("/pools"),
                       {{"pool",
                         {{"name", "app"},
                          {"lb_algorithm", "LEAST_CONNECTIONS"},
                          {"protocol", "HTTP"},
                          {"loadbalancer_id", lb_}}}});

    ASSERT_EQ(reply.status, 201) << reply.body.dump();
    const json& pool = reply.body["pool"];
    EXPECT_EQ(missing_fields(pool, {"id",
                                    "project_id",
                                    "name",
                                    "description",
                                    "lb_algorithm",
                                    "protocol",
                                    "loadbalancer_id",
                                    "listeners",
                                    "loadbalancers",
                                    "members",
                                    "healthmonitor_id",
                                    "session_persistence",
                                    "slow_start",
                                    "type",
                                    "vpc_id",
                                    "ip_version",
                                    "admin_state_up",
                                    "provisioning_status",
                                    "operating_status",
                                    "protection_status",
                                    "protection_reason",
                                    "enterprise_project_id",
                                    "created_at",
                                    "updated_at"}),
              std::vector<std::string>{});
    EXPECT_EQ(pool["lb_algorithm"], "LEAST_CONNECTIONS");
    EXPECT_EQ(pool["loadbalancers"], json::array({{{"id", lb_}}}));
    EXPECT_EQ(pool["listeners"], json::array());
    EXPECT_EQ(pool["members"], json::array());
    EXPECT_EQ(pool["healthmonitor_id"], "");
    EXPECT_EQ(pool["session_persistence"], nullptr);
    EXPECT_EQ(pool["slow_start"], json({{"enable", false}, {"duration", 30}}));
    EXPECT_EQ(pool["passive_health_check"], json({{"enable", true},
                                                  {"consecutive_failures", 5},
                                                  {"ejection_time", 30},
                                                  {"max_ejection_time", 300}}));
    EXPECT_EQ(pool["ip_version"], "v4");
    EXPECT_EQ(pool["type"], "");
    ASSERT_EQ(data_plane_.published.back().pools.size(), 1u);
    EXPECT_EQ(data_plane_.published.back().pools[0].lb_algorithm, model::LbAlgorithm::LeastConnections);
}

TEST_F(PoolTest, CreateWithListenerSetsDefaultPool) {
    const std::string listener = create_listener(lb_, 8080);

    Reply reply =
        call("POST", path("/pools"),
             {{"pool", {{"lb_algorithm", "ROUND_ROBIN"}, {"protocol", "HTTP"}, {"listener_id", listener}}}});

    ASSERT_EQ(reply.status, 201) << reply.body.dump();
    const std::string pool = reply.body["pool"]["id"];
    EXPECT_EQ(reply.body["pool"]["listeners"], json::array({{{"id", listener}}}));
    EXPECT_EQ(reply.body["pool"]["loadbalancers"], json::array({{{"id", lb_}}}));
    EXPECT_EQ(reply.body["pool"]["loadbalancer_id"], lb_);
    EXPECT_FALSE(reply.body["pool"].contains("listener_id"));
    EXPECT_EQ(call("GET", path("/listeners/" + listener)).body["listener"]["default_pool_id"], pool);
    EXPECT_EQ(data_plane_.published.back().listeners[0].default_pool_id, pool);
}

TEST_F(PoolTest, ListenerWithDefaultPoolConflicts) {
    const std::string listener = create_listener(lb_, 8080);
    const std::string first = create_pool({{"listener_id", listener}});
    const State before = state();

    Reply reply =
        call("POST", path("/pools"),
             {{"pool", {{"lb_algorithm", "ROUND_ROBIN"}, {"protocol", "HTTP"}, {"listener_id", listener}}}});

    EXPECT_EQ(reply.status, 409);
    EXPECT_EQ(reply.message(),
              "pool.listener_id: listener " + listener + " already has default pool " + first +
                  ". Create the pool without listener_id, or change the listener's default_pool_id.");
    expect_unchanged(before);
}

TEST_F(PoolTest, ListenerOfOtherLoadBalancerIsRejected) {
    const std::string listener = create_listener(lb_, 8080);
    const std::string other = create_loadbalancer({{"vip_address", "127.0.0.2"}});
    const State before = state();

    Reply reply = call("POST", path("/pools"),
                       {{"pool",
                         {{"lb_algorithm", "ROUND_ROBIN"},
                          {"protocol", "HTTP"},
                          {"listener_id", listener},
                          {"loadbalancer_id", other}}}});

    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.message(), "pool.listener_id: listener " + listener + " belongs to load balancer " + lb_ +
                                   ", not to loadbalancer_id \"" + other +
                                   "\": use a listener of that load balancer, or leave loadbalancer_id out");
    expect_unchanged(before);
}

TEST_F(PoolTest, UnknownListenerIsNotFound) {
    const std::string missing = "00000000-0000-4000-8000-000000000000";
    const State before = state();

    Reply unknown =
        call("POST", path("/pools"),
             {{"pool", {{"lb_algorithm", "ROUND_ROBIN"}, {"protocol", "HTTP"}, {"listener_id", missing}}}});
    Reply wrong_type =
        call("POST", path("/pools"),
             {{"pool", {{"lb_algorithm", "ROUND_ROBIN"}, {"protocol", "HTTP"}, {"listener_id", 12}}}});
    Reply unknown_lb = call(
        "POST", path("/pools"),
        {{"pool", {{"lb_algorithm", "ROUND_ROBIN"}, {"protocol", "HTTP"}, {"loadbalancer_id", missing}}}});

    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(unknown.message(),
              "pool.listener_id: listener " + missing + " could not be found in project p1");
    EXPECT_EQ(wrong_type.status, 400);
    EXPECT_EQ(wrong_type.message(), "pool.listener_id: invalid value 12: use the id of a listener");
    EXPECT_EQ(unknown_lb.status, 404);
    EXPECT_EQ(unknown_lb.message(),
              "pool.loadbalancer_id: load balancer " + missing + " could not be found in project p1");
    expect_unchanged(before);
}

TEST_F(PoolTest, InvalidFieldsNameTheField) {
    struct Case {
        json object;
        std::string message;
    };
    const std::vector<Case> cases{
        {{{"lb_algorithm", 1}}, "pool.lb_algorithm: invalid value 1: use a string in double quotes"},
        {{{"slow_start", true}}, "pool.slow_start: invalid value true: use a JSON object"},
        {{{"lb_algorithm", "RANDOM"}},
         "pool.lb_algorithm: invalid value \"RANDOM\": use ROUND_ROBIN, LEAST_CONNECTIONS or SOURCE_IP"},
        {{{"slow_start", {{"enable", false}, {"duration", 20}}}},
         "pool.slow_start.duration: invalid value \"20\": use a whole number from 30 to 1200"},
        {{{"lb_algoritm", "ROUND_ROBIN"}}, "pool.lb_algoritm: unknown field: did you mean \"lb_algorithm\"?"},
        {{{"admin_state_up", false}},
         "pool.admin_state_up: invalid value false: use true, because a pool cannot be disabled; delete it "
         "instead"},
        {{{"members", json::array()}},
         "pool.members is set by the server and cannot be sent. Remove it from the request."},
        {{{"healthmonitor_id", ""}},
         "pool.healthmonitor_id is set by the server and cannot be sent. Remove it from the request."},
    };
    for (const auto& test : cases) {
        json object{{"lb_algorithm", "ROUND_ROBIN"}, {"protocol", "HTTP"}};
        object.update(test.object);
        if (test.object.contains("lb_algoritm")) {
            object.erase("lb_algorithm");
        }
        const State before = state();
        Reply reply = call("POST", path("/pools"), {{"pool", object}});
        EXPECT_EQ(reply.status, 400) << object.dump();
        EXPECT_EQ(reply.message(), test.message);
        expect_unchanged(before);
    }
}

TEST_F(PoolTest, PassiveHealthCheckReachesTheDataPlane) {
    const std::string id = create_pool({{"loadbalancer_id", lb_}});

    Reply updated =
        call("PUT", path("/pools/" + id),
             {{"pool", {{"passive_health_check", {{"consecutive_failures", 2}, {"ejection_time", 5}}}}}});
    const State before = state();
    Reply invalid =
        call("PUT", path("/pools/" + id),
             {{"pool", {{"passive_health_check", {{"ejection_time", 600}, {"max_ejection_time", 60}}}}}});

    ASSERT_EQ(updated.status, 200) << updated.body.dump();
    EXPECT_EQ(updated.body["pool"]["passive_health_check"], json({{"enable", true},
                                                                  {"consecutive_failures", 2},
                                                                  {"ejection_time", 5},
                                                                  {"max_ejection_time", 300}}));
    const auto& passive = data_plane_.published.back().pools[0].passive_health_check;
    EXPECT_EQ(passive.consecutive_failures, 2);
    EXPECT_EQ(passive.ejection_time, std::chrono::seconds(5));
    EXPECT_EQ(invalid.status, 400);
    EXPECT_EQ(invalid.message(),
              "pool.passive_health_check.max_ejection_time: shorter than ejection_time 600 s \"60\": set "
              "max_ejection_time to at least ejection_time");
    expect_unchanged(before);
}

TEST_F(PoolTest, UpdateAndImmutableFields) {
    const std::string id = create_pool({{"loadbalancer_id", lb_}});

    Reply updated =
        call("PUT", path("/pools/" + id), {{"pool", {{"lb_algorithm", "SOURCE_IP"}, {"name", "app"}}}});
    const State before = state();
    Reply protocol = call("PUT", path("/pools/" + id), {{"pool", {{"protocol", "HTTPS"}}}});
    Reply ip_version = call("PUT", path("/pools/" + id), {{"pool", {{"ip_version", "dualstack"}}}});

    ASSERT_EQ(updated.status, 200) << updated.body.dump();
    EXPECT_EQ(updated.body["pool"]["lb_algorithm"], "SOURCE_IP");
    EXPECT_EQ(updated.body["pool"]["name"], "app");
    EXPECT_EQ(protocol.status, 400);
    EXPECT_EQ(protocol.message(),
              "pool.protocol cannot be changed after creation (sent \"HTTPS\"). Create a new pool instead.");
    EXPECT_EQ(ip_version.status, 400);
    EXPECT_EQ(
        ip_version.message(),
        "pool.ip_version cannot be changed after creation (sent \"dualstack\"). Create a new pool instead.");
    expect_unchanged(before);
    Reply same = call("PUT", path("/pools/" + id),
                      {{"pool", {{"protocol", "HTTP"}, {"loadbalancer_id", lb_}, {"ip_version", "v4"}}}});
    EXPECT_EQ(same.status, 200) << same.body.dump();
}

TEST_F(PoolTest, ResponseSentBackIsAccepted) {
    const std::string id = create_pool({{"loadbalancer_id", lb_}});

    Reply updated = put_response_back(pool_kind(), path("/pools/" + id));

    EXPECT_EQ(updated.status, 200) << updated.body.dump();
}

TEST_F(PoolTest, PoolWithMembersConflicts) {
    const std::string pool = create_pool({{"loadbalancer_id", lb_}});
    const std::string member = create_member(pool, "127.0.0.1", 9001);
    const State before = state();

    Reply reply = call("DELETE", path("/pools/" + pool));

    EXPECT_EQ(reply.status, 409);
    EXPECT_EQ(reply.message(),
              "pool " + pool + " is in use by member " + member + " (pool_id). Delete the member first.");
    expect_unchanged(before);
    EXPECT_EQ(call("DELETE", path("/pools/" + pool + "/members/" + member)).status, 204);
    EXPECT_EQ(call("DELETE", path("/pools/" + pool)).status, 204);
}

TEST_F(PoolTest, DefaultPoolConflicts) {
    const std::string listener = create_listener(lb_, 8080);
    const std::string pool = create_pool({{"listener_id", listener}});
    const State before = state();

    Reply reply = call("DELETE", path("/pools/" + pool));

    EXPECT_EQ(reply.status, 409);
    EXPECT_EQ(reply.message(), "pool " + pool + " is in use by listener " + listener +
                                   " (default_pool_id). Change default_pool_id of the listener first.");
    expect_unchanged(before);
}

TEST_F(PoolTest, ManyUsersAreCounted) {
    const std::string pool = create_pool({{"loadbalancer_id", lb_}});
    const std::string listener = create_listener(lb_, 8080, {{"default_pool_id", pool}});
    std::vector<std::string> members;
    for (int port = 9001; port <= 9006; ++port) {
        members.push_back(create_member(pool, "127.0.0.1", port));
    }
    std::sort(members.begin(), members.end());

    Reply reply = call("DELETE", path("/pools/" + pool));

    EXPECT_EQ(reply.status, 409);
    EXPECT_EQ(reply.message(),
              "pool " + pool + " is in use by listener " + listener + " (default_pool_id), member " +
                  members[0] + " (pool_id), member " + members[1] + " (pool_id), member " + members[2] +
                  " (pool_id), member " + members[3] +
                  " (pool_id) and 2 more. Change default_pool_id of the listener and delete the 6 "
                  "members first.");
}

TEST_F(PoolTest, DeleteThenNotFound) {
    const std::string id = create_pool();

    EXPECT_EQ(call("DELETE", path("/pools/" + id)).status, 204);

    Reply shown = call("GET", path("/pools/" + id));
    EXPECT_EQ(shown.status, 404);
    EXPECT_EQ(shown.message(), "pool " + id + " could not be found");
    EXPECT_EQ(data_plane_.published.back().pools.size(), 0u);
}

TEST_F(PoolTest, OtherProjectCannotSeeOrLink) {
    const std::string pool = create_pool();
    const std::string listener = create_listener(lb_, 8080);
    const State before = state();

    Reply shown = call("GET", project_path(kOtherProject, "/pools/" + pool));
    Reply linked =
        call("POST", project_path(kOtherProject, "/pools"),
             {{"pool", {{"lb_algorithm", "ROUND_ROBIN"}, {"protocol", "HTTP"}, {"listener_id", listener}}}});
    Reply member = call("POST", project_path(kOtherProject, "/pools/" + pool + "/members"),
                        {{"member", {{"address", "127.0.0.1"}, {"protocol_port", 9001}}}});

    EXPECT_EQ(shown.status, 404);
    EXPECT_EQ(shown.message(), "pool " + pool + " could not be found");
    EXPECT_EQ(linked.status, 404);
    EXPECT_EQ(linked.message(),
              "pool.listener_id: listener " + listener + " could not be found in project p2");
    EXPECT_EQ(member.status, 404);
    EXPECT_EQ(member.message(), "pool " + pool + " could not be found");
    expect_unchanged(before);
}

}  // namespace
}  // namespace tollgate::control::test
