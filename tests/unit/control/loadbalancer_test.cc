#include "contract_test_support.h"

#include <algorithm>
#include <regex>

namespace tollgate::control::test {
namespace {

using nlohmann::json;

class LoadBalancerTest : public ContractTest {};

TEST_F(LoadBalancerTest, CreateFillsDefaults) {
    Reply reply =
        call("POST", path("/loadbalancers"),
             {{"loadbalancer", {{"name", "edge"}, {"vip_address", "127.0.0.1"}, {"project_id", "ignored"}}}});

    ASSERT_EQ(reply.status, 201) << reply.body.dump();
    ASSERT_TRUE(reply.body.contains("request_id"));
    const json& loadbalancer = reply.body["loadbalancer"];
    EXPECT_EQ(missing_fields(loadbalancer, {"id",
                                            "project_id",
                                            "name",
                                            "description",
                                            "vip_address",
                                            "vip_subnet_cidr_id",
                                            "vip_port_id",
                                            "ipv6_vip_virsubnet_id",
                                            "ipv6_vip_address",
                                            "ipv6_vip_port_id",
                                            "vpc_id",
                                            "availability_zone_list",
                                            "provider",
                                            "guaranteed",
                                            "admin_state_up",
                                            "provisioning_status",
                                            "operating_status",
                                            "listeners",
                                            "pools",
                                            "tags",
                                            "ip_target_enable",
                                            "deletion_protection_enable",
                                            "eips",
                                            "publicips",
                                            "elb_virsubnet_type",
                                            "l4_flavor_id",
                                            "l7_flavor_id",
                                            "elb_virsubnet_ids",
                                            "protection_status",
                                            "protection_reason",
                                            "enterprise_project_id",
                                            "created_at",
                                            "updated_at"}),
              std::vector<std::string>{});
    EXPECT_EQ(loadbalancer["id"].get<std::string>().size(), 36u);
    EXPECT_EQ(loadbalancer["project_id"], kProject);
    EXPECT_EQ(loadbalancer["name"], "edge");
    EXPECT_EQ(loadbalancer["description"], "");
    EXPECT_EQ(loadbalancer["vip_address"], "127.0.0.1");
    EXPECT_EQ(loadbalancer["provider"], "vlb");
    EXPECT_EQ(loadbalancer["guaranteed"], true);
    EXPECT_EQ(loadbalancer["admin_state_up"], true);
    EXPECT_EQ(loadbalancer["provisioning_status"], "ACTIVE");
    EXPECT_EQ(loadbalancer["operating_status"], "ONLINE");
    EXPECT_EQ(loadbalancer["listeners"], json::array());
    EXPECT_EQ(loadbalancer["pools"], json::array());
    EXPECT_EQ(loadbalancer["enterprise_project_id"], "0");
    const std::regex timestamp(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)");
    EXPECT_TRUE(std::regex_match(loadbalancer["created_at"].get<std::string>(), timestamp))
        << loadbalancer["created_at"];
    EXPECT_TRUE(std::regex_match(loadbalancer["updated_at"].get<std::string>(), timestamp))
        << loadbalancer["updated_at"];
    EXPECT_EQ(data_plane_.published.size(), 1u);
    ASSERT_EQ(data_plane_.published.back().loadbalancers.size(), 1u);
    EXPECT_EQ(data_plane_.published.back().loadbalancers[0].vip_address, "127.0.0.1");
}

TEST_F(LoadBalancerTest, CloudFieldsAreEchoed) {
    json fields{{"vip_address", "127.0.0.1"},
                {"vip_subnet_cidr_id", "subnet-1"},
                {"vpc_id", "vpc-1"},
                {"availability_zone_list", {"az-1", "az-2"}},
                {"tags", {{{"key", "team"}, {"value", "web"}}}},
                {"ip_target_enable", true},
                {"deletion_protection_enable", true}};
    Reply reply = call("POST", path("/loadbalancers"), {{"loadbalancer", fields}});

    ASSERT_EQ(reply.status, 201) << reply.body.dump();
    for (const auto& [field, value] : fields.items()) {
        EXPECT_EQ(reply.body["loadbalancer"][field], value) << field;
    }
}

TEST_F(LoadBalancerTest, ShowReturnsTheCreatedObject) {
    Reply created = call("POST", path("/loadbalancers"), {{"loadbalancer", {{"name", "edge"}}}});
    ASSERT_EQ(created.status, 201) << created.body.dump();
    const std::string id = created.body["loadbalancer"]["id"];

    Reply shown = call("GET", path("/loadbalancers/" + id));

    ASSERT_EQ(shown.status, 200) << shown.body.dump();
    EXPECT_EQ(shown.body["loadbalancer"], created.body["loadbalancer"]);
    EXPECT_TRUE(shown.body.contains("request_id"));
}

TEST_F(LoadBalancerTest, UpdateChangesFieldsAndPublishes) {
    const std::string id = create_loadbalancer({{"name", "edge"}, {"vip_address", "127.0.0.1"}});

    Reply updated = call(
        "PUT", path("/loadbalancers/" + id),
        {{"loadbalancer", {{"name", "edge-2"}, {"description", "front"}, {"vip_address", "127.0.0.2"}}}});

    ASSERT_EQ(updated.status, 200) << updated.body.dump();
    EXPECT_EQ(updated.body["loadbalancer"]["name"], "edge-2");
    EXPECT_EQ(updated.body["loadbalancer"]["description"], "front");
    EXPECT_EQ(updated.body["loadbalancer"]["vip_address"], "127.0.0.2");
    EXPECT_EQ(data_plane_.published.size(), 2u);
    EXPECT_EQ(data_plane_.published.back().loadbalancers[0].vip_address, "127.0.0.2");
    EXPECT_EQ(call("GET", path("/loadbalancers/" + id)).body["loadbalancer"]["name"], "edge-2");
}

TEST_F(LoadBalancerTest, UpdateWithNullRemovesField) {
    const std::string id = create_loadbalancer({{"description", "front"}, {"vip_address", "127.0.0.1"}});

    Reply updated = call("PUT", path("/loadbalancers/" + id), {{"loadbalancer", {{"description", nullptr}}}});

    ASSERT_EQ(updated.status, 200) << updated.body.dump();
    EXPECT_EQ(updated.body["loadbalancer"]["description"], "");
}

TEST_F(LoadBalancerTest, ResponseSentBackIsAccepted) {
    const std::string id = create_loadbalancer({{"name", "edge"}, {"vip_address", "127.0.0.1"}});

    Reply updated = put_response_back(loadbalancer_kind(), path("/loadbalancers/" + id));

    EXPECT_EQ(updated.status, 200) << updated.body.dump();
}

TEST_F(LoadBalancerTest, DeleteThenNotFound) {
    const std::string id = create_loadbalancer();

    Reply deleted = call("DELETE", path("/loadbalancers/" + id));

    EXPECT_EQ(deleted.status, 204);
    EXPECT_TRUE(deleted.body.is_null());
    Reply shown = call("GET", path("/loadbalancers/" + id));
    EXPECT_EQ(shown.status, 404);
    EXPECT_EQ(shown.body["error_code"], "ELB.8904");
    EXPECT_EQ(shown.message(), "load balancer " + id + " could not be found");
    EXPECT_EQ(call("DELETE", path("/loadbalancers/" + id)).status, 404);
    EXPECT_EQ(call("PUT", path("/loadbalancers/" + id), {{"loadbalancer", {{"name", "x"}}}}).status, 404);
    EXPECT_EQ(data_plane_.published.back().loadbalancers.size(), 0u);
}

TEST_F(LoadBalancerTest, InvalidFieldsAreRejected) {
    create_loadbalancer();
    struct Case {
        json object;
        std::string message;
    };
    const std::vector<Case> cases{
        {{{"name", 7}}, "loadbalancer.name: invalid value 7: use a string in double quotes"},
        {{{"admin_state_up", "true"}},
         "loadbalancer.admin_state_up: invalid value \"true\": use true or false without quotes"},
        {{{"availability_zone_list", "az-1"}},
         "loadbalancer.availability_zone_list: invalid value \"az-1\": use a JSON array"},
        {{{"guaranteed", false}},
         "loadbalancer.guaranteed: invalid value false: use true, because every tollgate load balancer is "
         "dedicated"},
        {{{"provider", "octavia"}},
         "loadbalancer.provider: invalid value \"octavia\": use \"vlb\", because vlb is the only provider of "
         "a "
         "dedicated load balancer"},
        {{{"vip_address", "127.0.0.256"}},
         "loadbalancer.vip_address: invalid value \"127.0.0.256\": use an IPv4 or IPv6 address without "
         "brackets, "
         "such as 127.0.0.1 or ::1"},
        {{{"name", std::string(256, 'n')}},
         "loadbalancer.name: invalid value \"" + std::string(60, 'n') +
             "...\": use a string of at most 255 characters"},
        {{{"vip_adress", "127.0.0.1"}},
         "loadbalancer.vip_adress: unknown field: did you mean \"vip_address\"?"},
        {{{"id", "0a9c7c35-5b7c-4b2b-9a8e-2f8f3c1d7e10"}},
         "loadbalancer.id is set by the server and cannot be sent. Remove it from the request."},
        {{{"created_at", "2026-01-01T00:00:00Z"}},
         "loadbalancer.created_at is set by the server and cannot be sent. Remove it from the request."},
        {{{"listeners", json::array()}},
         "loadbalancer.listeners is set by the server and cannot be sent. Remove it from the request."},
        {{{"<<", {{"name", "merged"}}}},
         "loadbalancer.<<: unknown field: remove it, because no field of the API has this name"},
        {{{"tags", {{{"key", "a"}, {"<<", {{"value", "b"}}}}}}},
         "loadbalancer.tags.0.<<: unknown field: remove it, because no field of the API has this name"},
    };
    for (const auto& test : cases) {
        const State before = state();
        Reply reply = call("POST", path("/loadbalancers"), {{"loadbalancer", test.object}});
        EXPECT_EQ(reply.status, 400) << test.object.dump();
        EXPECT_EQ(reply.body["error_code"], "ELB.8902") << test.object.dump();
        EXPECT_EQ(reply.message(), test.message);
        expect_unchanged(before);
    }
}

TEST_F(LoadBalancerTest, InvalidUpdateKeepsTheStore) {
    const std::string id = create_loadbalancer();
    const State before = state();

    Reply bad_type =
        call("PUT", path("/loadbalancers/" + id), {{"loadbalancer", {{"deletion_protection_enable", 1}}}});
    Reply bad_address =
        call("PUT", path("/loadbalancers/" + id), {{"loadbalancer", {{"vip_address", "localhost"}}}});
    Reply read_only = call("PUT", path("/loadbalancers/" + id), {{"loadbalancer", {{"updated_at", "x"}}}});

    EXPECT_EQ(bad_type.status, 400);
    EXPECT_EQ(bad_type.message(),
              "loadbalancer.deletion_protection_enable: invalid value 1: use true or false without quotes");
    EXPECT_EQ(bad_address.status, 400);
    EXPECT_EQ(bad_address.message(),
              "loadbalancer.vip_address: invalid value \"localhost\": use an IPv4 or IPv6 address without "
              "brackets, "
              "such as 127.0.0.1 or ::1");
    EXPECT_EQ(read_only.status, 400);
    EXPECT_EQ(read_only.message(),
              "loadbalancer.updated_at is set by the server and cannot be sent. Remove it from the request.");
    expect_unchanged(before);
}

TEST_F(LoadBalancerTest, EnvelopeErrors) {
    Reply no_envelope = call("POST", path("/loadbalancers"), {{"name", "edge"}});
    Reply not_object = call("POST", path("/loadbalancers"), {{"loadbalancer", "edge"}});
    Reply extra = call("POST", path("/loadbalancers"),
                       {{"loadbalancer", json::object()}, {"listener", json::object()}});

    EXPECT_EQ(no_envelope.status, 400);
    EXPECT_EQ(no_envelope.message(),
              "The request body has no \"loadbalancer\" object. Send {\"loadbalancer\": {...}}.");
    EXPECT_EQ(not_object.status, 400);
    EXPECT_EQ(not_object.message(),
              "\"loadbalancer\" must be a JSON object, not string. Send {\"loadbalancer\": {...}}.");
    EXPECT_EQ(extra.status, 400);
    EXPECT_EQ(extra.message(),
              "The request body has an unexpected top-level field \"listener\". Put every field inside "
              "\"loadbalancer\".");
    EXPECT_EQ(call("GET", path("/loadbalancers")).body["loadbalancers"], json::array());
}

TEST_F(LoadBalancerTest, InUseByListenerConflicts) {
    const std::string lb = create_loadbalancer();
    const std::string listener = create_listener(lb, 8080);
    const State before = state();

    Reply reply = call("DELETE", path("/loadbalancers/" + lb));

    EXPECT_EQ(reply.status, 409);
    EXPECT_EQ(reply.body["error_code"], "ELB.8907");
    EXPECT_EQ(reply.message(), "load balancer " + lb + " is in use by listener " + listener +
                                   " (loadbalancer_id). Delete the listener first.");
    expect_unchanged(before);
}

TEST_F(LoadBalancerTest, InUseByPoolConflicts) {
    const std::string lb = create_loadbalancer();
    const std::string first = create_pool({{"loadbalancer_id", lb}});
    const std::string second = create_pool({{"loadbalancer_id", lb}});

    Reply reply = call("DELETE", path("/loadbalancers/" + lb));

    EXPECT_EQ(reply.status, 409);
    const auto [low, high] = std::minmax(first, second);
    EXPECT_EQ(reply.message(), "load balancer " + lb + " is in use by pool " + low +
                                   " (loadbalancer_id) and pool " + high +
                                   " (loadbalancer_id). Delete the 2 pools first.");
}

TEST_F(LoadBalancerTest, DeletionProtectionBlocksDelete) {
    const std::string lb =
        create_loadbalancer({{"vip_address", "127.0.0.1"}, {"deletion_protection_enable", true}});
    const State before = state();

    Reply reply = call("DELETE", path("/loadbalancers/" + lb));

    EXPECT_EQ(reply.status, 409);
    EXPECT_EQ(reply.message(),
              "load balancer " + lb + " has deletion_protection_enable set to true. Set it to false first.");
    expect_unchanged(before);
    Reply unprotected = call("PUT", path("/loadbalancers/" + lb),
                             {{"loadbalancer", {{"deletion_protection_enable", false}}}});
    ASSERT_EQ(unprotected.status, 200) << unprotected.body.dump();
    EXPECT_EQ(call("DELETE", path("/loadbalancers/" + lb)).status, 204);
}

TEST_F(LoadBalancerTest, ListsListenersAndTheirPools) {
    const std::string lb = create_loadbalancer();
    const std::string listener = create_listener(lb, 8080);
    const std::string own = create_pool({{"loadbalancer_id", lb}});
    const std::string linked = create_pool({{"listener_id", listener}});

    Reply shown = call("GET", path("/loadbalancers/" + lb));

    ASSERT_EQ(shown.status, 200) << shown.body.dump();
    EXPECT_EQ(ids_of(shown.body["loadbalancer"]["listeners"]), std::vector<std::string>{listener});
    std::vector<std::string> pools{own, linked};
    std::sort(pools.begin(), pools.end());
    EXPECT_EQ(ids_of(shown.body["loadbalancer"]["pools"]), pools);
}

TEST_F(LoadBalancerTest, DefaultPoolSetOnListenerIsListed) {
    const std::string lb = create_loadbalancer();
    const std::string pool = create_pool();
    const std::string listener = create_listener(lb, 8080, {{"default_pool_id", pool}});

    Reply shown = call("GET", path("/loadbalancers/" + lb));

    EXPECT_EQ(ids_of(shown.body["loadbalancer"]["pools"]), std::vector<std::string>{pool});
    Reply pool_shown = call("GET", path("/pools/" + pool));
    EXPECT_EQ(ids_of(pool_shown.body["pool"]["loadbalancers"]), std::vector<std::string>{lb});
    EXPECT_EQ(ids_of(pool_shown.body["pool"]["listeners"]), std::vector<std::string>{listener});
}

// Lists of related resources are ordered by id.
TEST_F(LoadBalancerTest, StatusTreeShowsEveryResource) {
    const std::string lb = create_loadbalancer({{"name", "edge"}, {"vip_address", "127.0.0.1"}});
    const std::string listener = create_listener(lb, 8080, {{"name", "web"}});
    const std::string pool = create(
        "/pools", "pool",
        {{"name", "app"}, {"lb_algorithm", "ROUND_ROBIN"}, {"protocol", "HTTP"}, {"listener_id", listener}});
    const std::string member = create_member(pool, "127.0.0.1", 9001);
    const std::string spare = create_pool({{"loadbalancer_id", lb}});

    Reply reply = call("GET", path("/loadbalancers/" + lb + "/statuses"));

    ASSERT_EQ(reply.status, 200) << reply.body.dump();
    json member_status{{"id", member},
                       {"address", "127.0.0.1"},
                       {"protocol_port", 9001},
                       {"provisioning_status", "ACTIVE"},
                       {"operating_status", "NO_MONITOR"}};
    json pool_status{{"id", pool},
                     {"name", "app"},
                     {"provisioning_status", "ACTIVE"},
                     {"operating_status", "ONLINE"},
                     {"members", {member_status}}};
    json spare_status{{"id", spare},
                      {"name", ""},
                      {"provisioning_status", "ACTIVE"},
                      {"operating_status", "ONLINE"},
                      {"members", json::array()}};
    json expected{
        {"loadbalancer",
         {{"id", lb},
          {"name", "edge"},
          {"provisioning_status", "ACTIVE"},
          {"operating_status", "ONLINE"},
          {"listeners",
           {{{"id", listener},
             {"name", "web"},
             {"provisioning_status", "ACTIVE"},
             {"operating_status", "ONLINE"},
             {"pools", {pool_status}},
             {"l7policies", json::array()}}}},
          {"pools", pool < spare ? json{pool_status, spare_status} : json{spare_status, pool_status}}}}};
    EXPECT_EQ(reply.body["statuses"], expected);
    EXPECT_TRUE(reply.body.contains("request_id"));
}

TEST_F(LoadBalancerTest, StatusTreeShowsOfflineMemberAsDegraded) {
    const std::string lb = create_loadbalancer();
    const std::string listener = create_listener(lb, 8080);
    const std::string pool = create(
        "/pools", "pool", {{"lb_algorithm", "ROUND_ROBIN"}, {"protocol", "HTTP"}, {"listener_id", listener}});
    const std::string up = create_member(pool, "127.0.0.1", 9001);
    const std::string down = create_member(pool, "127.0.0.1", 9002);
    data_plane_.health[pool + " 127.0.0.1 9001"] = {"ONLINE", "", "", ""};
    data_plane_.health[pool + " 127.0.0.1 9002"] = {"OFFLINE", "CONNECT_REFUSED", "", ""};

    Reply reply = call("GET", path("/loadbalancers/" + lb + "/statuses"));

    ASSERT_EQ(reply.status, 200) << reply.body.dump();
    const json& tree = reply.body["statuses"]["loadbalancer"];
    EXPECT_EQ(tree["operating_status"], "DEGRADED");
    EXPECT_EQ(tree["listeners"][0]["operating_status"], "DEGRADED");
    const json& pool_status = tree["listeners"][0]["pools"][0];
    EXPECT_EQ(pool_status["operating_status"], "DEGRADED");
    std::map<std::string, std::string> members;
    for (const auto& member : pool_status["members"]) {
        members[member["id"].get<std::string>()] = member["operating_status"].get<std::string>();
    }
    EXPECT_EQ(members, (std::map<std::string, std::string>{{up, "ONLINE"}, {down, "OFFLINE"}}));
}

TEST_F(LoadBalancerTest, StatusTreeOfUnknownIdIsNotFound) {
    const std::string lb = create_loadbalancer();

    Reply unknown = call("GET", path("/loadbalancers/00000000-0000-4000-8000-000000000000/statuses"));
    Reply other_project = call("GET", project_path(kOtherProject, "/loadbalancers/" + lb + "/statuses"));

    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(unknown.message(), "load balancer 00000000-0000-4000-8000-000000000000 could not be found");
    EXPECT_EQ(other_project.status, 404);
    EXPECT_EQ(other_project.message(), "load balancer " + lb + " could not be found");
}

TEST_F(LoadBalancerTest, OtherProjectCannotSeeOrUse) {
    const std::string lb = create_loadbalancer();
    const State before = state();

    Reply shown = call("GET", project_path(kOtherProject, "/loadbalancers/" + lb));
    Reply updated =
        call("PUT", project_path(kOtherProject, "/loadbalancers/" + lb), {{"loadbalancer", {{"name", "x"}}}});
    Reply deleted = call("DELETE", project_path(kOtherProject, "/loadbalancers/" + lb));
    Reply listed = call("GET", project_path(kOtherProject, "/loadbalancers"));
    Reply listener =
        call("POST", project_path(kOtherProject, "/listeners"),
             {{"listener", {{"loadbalancer_id", lb}, {"protocol", "HTTP"}, {"protocol_port", 8080}}}});

    const std::string not_found = "load balancer " + lb + " could not be found";
    EXPECT_EQ(shown.status, 404);
    EXPECT_EQ(shown.message(), not_found);
    EXPECT_EQ(updated.status, 404);
    EXPECT_EQ(updated.message(), not_found);
    EXPECT_EQ(deleted.status, 404);
    EXPECT_EQ(deleted.message(), not_found);
    EXPECT_EQ(listed.status, 200);
    EXPECT_EQ(listed.body["loadbalancers"], json::array());
    EXPECT_EQ(listener.status, 404);
    EXPECT_EQ(listener.message(),
              "listener.loadbalancer_id: load balancer " + lb + " could not be found in project p2");
    expect_unchanged(before);
}

}  // namespace
}  // namespace tollgate::control::test
