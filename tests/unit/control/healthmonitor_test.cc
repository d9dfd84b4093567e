#include "control_test_support.h"

namespace tollgate::control::test {
namespace {

using nlohmann::json;

class HealthmonitorTest : public ControlTest {
protected:
    void SetUp() override {
        ControlTest::SetUp();
        lb_ = create("/loadbalancers", "loadbalancer", {{"vip_address", "127.0.0.1"}});
        pool_ = create_pool();
    }

    std::string create_pool() {
        return create("/pools", "pool",
                      {{"lb_algorithm", "ROUND_ROBIN"}, {"protocol", "HTTP"}, {"loadbalancer_id", lb_}});
    }

    // The required fields of a monitor of `pool`.
    static json monitor_fields(const std::string& pool, const std::string& type = "HTTP") {
        return {{"pool_id", pool}, {"type", type}, {"delay", 5}, {"timeout", 3}, {"max_retries", 2}};
    }

    std::string lb_;
    std::string pool_;
};

TEST_F(HealthmonitorTest, CreateFillsDefaults) {
    Reply reply = call("POST", path("/healthmonitors"), {{"healthmonitor", monitor_fields(pool_)}});

    ASSERT_EQ(reply.status, 201) << reply.body.dump();
    const json& monitor = reply.body["healthmonitor"];
    EXPECT_EQ(monitor["project_id"], kProject);
    EXPECT_EQ(monitor["name"], "");
    EXPECT_EQ(monitor["pool_id"], pool_);
    EXPECT_EQ(monitor["pools"], json::array({{{"id", pool_}}}));
    EXPECT_EQ(monitor["type"], "HTTP");
    EXPECT_EQ(monitor["delay"], 5);
    EXPECT_EQ(monitor["timeout"], 3);
    EXPECT_EQ(monitor["max_retries"], 2);
    EXPECT_EQ(monitor["max_retries_down"], 3);
    EXPECT_EQ(monitor["monitor_port"], nullptr);
    EXPECT_EQ(monitor["url_path"], "/");
    EXPECT_EQ(monitor["domain_name"], nullptr);
    EXPECT_EQ(monitor["expected_codes"], "200");
    EXPECT_EQ(monitor["http_method"], "GET");
    EXPECT_EQ(monitor["admin_state_up"], true);
    EXPECT_EQ(monitor["provisioning_status"], "ACTIVE");
    EXPECT_TRUE(monitor["created_at"].is_string());
    EXPECT_TRUE(monitor["updated_at"].is_string());
    const std::string id = monitor["id"].get<std::string>();
    EXPECT_EQ(id.size(), 36u);

    Reply shown = call("GET", path("/healthmonitors/" + id));
    ASSERT_EQ(shown.status, 200) << shown.body.dump();
    EXPECT_EQ(shown.body["healthmonitor"], monitor);
    Reply pool = call("GET", path("/pools/" + pool_));
    EXPECT_EQ(pool.body["pool"]["healthmonitor_id"], id);
}

TEST_F(HealthmonitorTest, CreatePublishesMonitor) {
    json fields = monitor_fields(pool_, "HTTPS");
    fields.update({{"name", "app health"},
                   {"max_retries_down", 4},
                   {"monitor_port", 8443},
                   {"url_path", "/health"},
                   {"domain_name", "www.example.com"},
                   {"expected_codes", "200-204,301"},
                   {"http_method", "HEAD"},
                   {"admin_state_up", false}});
    const std::string id = create("/healthmonitors", "healthmonitor", fields);

    ASSERT_FALSE(data_plane_.published.empty());
    const model::Config& config = data_plane_.published.back();
    ASSERT_EQ(config.healthmonitors.size(), 1u);
    const model::HealthMonitor& monitor = config.healthmonitors[0];
    EXPECT_EQ(monitor.id, id);
    EXPECT_EQ(monitor.name, "app health");
    EXPECT_EQ(monitor.pool_id, pool_);
    EXPECT_EQ(monitor.type, model::MonitorType::Https);
    EXPECT_EQ(monitor.delay, std::chrono::seconds(5));
    EXPECT_EQ(monitor.timeout, std::chrono::seconds(3));
    EXPECT_EQ(monitor.max_retries, 2);
    EXPECT_EQ(monitor.max_retries_down, 4);
    EXPECT_EQ(monitor.monitor_port, std::optional<std::uint16_t>(8443));
    EXPECT_EQ(monitor.url_path, "/health");
    EXPECT_EQ(monitor.domain_name, "www.example.com");
    EXPECT_TRUE(monitor.expected_codes.contains(203));
    EXPECT_TRUE(monitor.expected_codes.contains(301));
    EXPECT_FALSE(monitor.expected_codes.contains(300));
    EXPECT_EQ(monitor.http_method, model::MonitorHttpMethod::Head);
    EXPECT_FALSE(monitor.admin_state_up);
    EXPECT_EQ(config.find_pool_healthmonitor(pool_), &monitor);
}

TEST_F(HealthmonitorTest, ListFiltersByTypeAndPool) {
    const std::string second_pool = create_pool();
    const std::string third_pool = create_pool();
    const std::string http = create("/healthmonitors", "healthmonitor", monitor_fields(pool_));
    const std::string tcp = create("/healthmonitors", "healthmonitor", monitor_fields(second_pool, "TCP"));
    const std::string https = create("/healthmonitors", "healthmonitor", monitor_fields(third_pool, "HTTPS"));

    Reply all = call("GET", path("/healthmonitors"));
    ASSERT_EQ(all.status, 200) << all.body.dump();
    EXPECT_EQ(ids_of(all.body["healthmonitors"]), (std::vector<std::string>{http, tcp, https}));

    Reply by_type = call("GET", path("/healthmonitors?type=TCP"));
    ASSERT_EQ(by_type.status, 200) << by_type.body.dump();
    EXPECT_EQ(ids_of(by_type.body["healthmonitors"]), std::vector<std::string>{tcp});

    Reply two_types = call("GET", path("/healthmonitors?type=HTTP&type=HTTPS"));
    EXPECT_EQ(ids_of(two_types.body["healthmonitors"]), (std::vector<std::string>{http, https}));

    Reply by_pool = call("GET", path("/healthmonitors?pool_id=" + third_pool));
    EXPECT_EQ(ids_of(by_pool.body["healthmonitors"]), std::vector<std::string>{https});

    Reply none = call("GET", path("/healthmonitors?pool_id=" + third_pool + "&type=TCP"));
    ASSERT_EQ(none.status, 200) << none.body.dump();
    EXPECT_TRUE(none.body["healthmonitors"].empty());

    Reply unknown = call("GET", path("/healthmonitors?colour=red"));
    EXPECT_EQ(unknown.status, 400);
    EXPECT_EQ(unknown.message(),
              "colour: unknown query parameter: use limit, marker, page_reverse or a field of the response");
}

TEST_F(HealthmonitorTest, ListPages) {
    const std::string first = create("/healthmonitors", "healthmonitor", monitor_fields(pool_));
    const std::string second = create("/healthmonitors", "healthmonitor", monitor_fields(create_pool()));
    const std::string third = create("/healthmonitors", "healthmonitor", monitor_fields(create_pool()));

    Reply page = call("GET", path("/healthmonitors?limit=2"));
    ASSERT_EQ(page.status, 200) << page.body.dump();
    EXPECT_EQ(ids_of(page.body["healthmonitors"]), (std::vector<std::string>{first, second}));
    EXPECT_EQ(page.body["page_info"]["next_marker"], second);
    EXPECT_EQ(page.body["page_info"]["current_count"], 2);

    Reply next = call("GET", path("/healthmonitors?limit=2&marker=" + second));
    ASSERT_EQ(next.status, 200) << next.body.dump();
    EXPECT_EQ(ids_of(next.body["healthmonitors"]), std::vector<std::string>{third});
    EXPECT_FALSE(next.body["page_info"].contains("next_marker"));

    Reply back = call("GET", path("/healthmonitors?limit=1&page_reverse=true&marker=" + third));
    ASSERT_EQ(back.status, 200) << back.body.dump();
    EXPECT_EQ(ids_of(back.body["healthmonitors"]), std::vector<std::string>{second});
    EXPECT_EQ(back.body["page_info"]["previous_marker"], second);
}

TEST_F(HealthmonitorTest, UpdateChangesDelay) {
    json fields = monitor_fields(pool_);
    fields["url_path"] = "/health";
    const std::string id = create("/healthmonitors", "healthmonitor", fields);

    Reply reply = call("PUT", path("/healthmonitors/" + id),
                       {{"healthmonitor", {{"delay", 10}, {"name", "slow"}, {"url_path", nullptr}}}});

    ASSERT_EQ(reply.status, 200) << reply.body.dump();
    EXPECT_EQ(reply.body["healthmonitor"]["delay"], 10);
    EXPECT_EQ(reply.body["healthmonitor"]["name"], "slow");
    EXPECT_EQ(reply.body["healthmonitor"]["url_path"], "/");
    EXPECT_EQ(reply.body["healthmonitor"]["timeout"], 3);
    EXPECT_EQ(call("GET", path("/healthmonitors/" + id)).body["healthmonitor"]["delay"], 10);
    const model::HealthMonitor& published = data_plane_.published.back().healthmonitors.at(0);
    EXPECT_EQ(published.delay, std::chrono::seconds(10));
    EXPECT_EQ(published.url_path, "/");
}

TEST_F(HealthmonitorTest, UpdatePoolIdRejected) {
    const std::string id = create("/healthmonitors", "healthmonitor", monitor_fields(pool_));
    const std::string other = create_pool();

    Reply reply = call("PUT", path("/healthmonitors/" + id), {{"healthmonitor", {{"pool_id", other}}}});

    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.message(), "healthmonitor.pool_id cannot be changed after creation (sent \"" + other +
                                   "\"). Create a new health monitor instead.");
    Reply same = call("PUT", path("/healthmonitors/" + id), {{"healthmonitor", {{"pool_id", pool_}}}});
    EXPECT_EQ(same.status, 200) << same.body.dump();
}

TEST_F(HealthmonitorTest, UpdateToTcpNamesHttpField) {
    json fields = monitor_fields(pool_);
    fields["url_path"] = "/health";
    const std::string id = create("/healthmonitors", "healthmonitor", fields);

    Reply reply = call("PUT", path("/healthmonitors/" + id), {{"healthmonitor", {{"type", "TCP"}}}});

    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(
        reply.message(),
        "healthmonitor.url_path: not allowed on a TCP health monitor \"/health\": remove it or set type to "
        "HTTP or HTTPS");
    EXPECT_EQ(call("GET", path("/healthmonitors/" + id)).body["healthmonitor"]["type"], "HTTP");

    Reply cleared = call("PUT", path("/healthmonitors/" + id),
                         {{"healthmonitor", {{"type", "TCP"}, {"url_path", nullptr}}}});
    ASSERT_EQ(cleared.status, 200) << cleared.body.dump();
    EXPECT_EQ(cleared.body["healthmonitor"]["type"], "TCP");
}

TEST_F(HealthmonitorTest, DeleteRemovesMonitor) {
    const std::string id = create("/healthmonitors", "healthmonitor", monitor_fields(pool_));

    Reply reply = call("DELETE", path("/healthmonitors/" + id));

    EXPECT_EQ(reply.status, 204);
    EXPECT_TRUE(data_plane_.published.back().healthmonitors.empty());
    Reply shown = call("GET", path("/healthmonitors/" + id));
    EXPECT_EQ(shown.status, 404);
    EXPECT_EQ(shown.message(), "health monitor " + id + " could not be found");
    EXPECT_EQ(call("GET", path("/pools/" + pool_)).body["pool"]["healthmonitor_id"], "");
}

TEST_F(HealthmonitorTest, InvalidFieldsNamed) {
    const std::vector<std::pair<json, std::string>> cases{
        {{{"delay", 0}}, "healthmonitor.delay: invalid value \"0\": use a whole number from 1 to 50"},
        {{{"type", "FOO"}}, "healthmonitor.type: invalid value \"FOO\": use HTTP, HTTPS or TCP"},
        {{{"type", "GRPC"}}, "healthmonitor.type: not supported yet \"GRPC\": use HTTP, HTTPS or TCP"},
        {{{"expected_codes", "99"}},
         "healthmonitor.expected_codes: invalid value \"99\": use status codes from 200 to 599 as one code "
         "(200), "
         "a range (200-204) or a comma-separated list of both (200,202,300-399)"},
        {{{"url_path", "x"}},
         "healthmonitor.url_path: invalid value \"x\": use a path that starts with /, such as /health"},
        {{{"domain_name", ""}},
         "healthmonitor.domain_name: invalid value \"\": use 1 to 100 letters, digits, hyphens and dots that "
         "start with a letter or digit, such as www.example.com"},
        {{{"http_method", "PUT"}}, "healthmonitor.http_method: invalid value \"PUT\": use GET, HEAD or POST"},
        {{{"description", "x"}}, "healthmonitor.description: unknown field: remove it or check its spelling"},
    };
    for (const auto& [change, message] : cases) {
        json fields = monitor_fields(pool_);
        fields.update(change);

        Reply reply = call("POST", path("/healthmonitors"), {{"healthmonitor", fields}});

        EXPECT_EQ(reply.status, 400) << change.dump();
        EXPECT_EQ(reply.body.value("error_code", ""), "ELB.8902") << change.dump();
        EXPECT_EQ(reply.message(), message);
    }
    EXPECT_TRUE(call("GET", path("/healthmonitors")).body["healthmonitors"].empty());
}

TEST_F(HealthmonitorTest, MissingRequiredFieldNamed) {
    json fields = monitor_fields(pool_);
    fields.erase("max_retries");

    Reply reply = call("POST", path("/healthmonitors"), {{"healthmonitor", fields}});

    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(
        reply.message(),
        "healthmonitor.max_retries: missing required field: add the successful probes in a row that mark a "
        "member up, from 1 to 10");
}

TEST_F(HealthmonitorTest, UnknownPoolNotFound) {
    const std::string missing = "00000000-0000-4000-8000-000000000000";

    Reply reply = call("POST", path("/healthmonitors"), {{"healthmonitor", monitor_fields(missing)}});

    EXPECT_EQ(reply.status, 404);
    EXPECT_EQ(reply.body.value("error_code", ""), "ELB.8904");
    EXPECT_EQ(reply.message(),
              "healthmonitor.pool_id: pool " + missing + " could not be found in project p1");
}

TEST_F(HealthmonitorTest, UnknownMonitorNotFound) {
    const std::string missing = "00000000-0000-4000-8000-000000000000";
    const std::string message = "health monitor " + missing + " could not be found";

    Reply shown = call("GET", path("/healthmonitors/" + missing));
    EXPECT_EQ(shown.status, 404);
    EXPECT_EQ(shown.message(), message);

    Reply updated = call("PUT", path("/healthmonitors/" + missing), {{"healthmonitor", {{"delay", 10}}}});
    EXPECT_EQ(updated.status, 404);
    EXPECT_EQ(updated.message(), message);

    Reply deleted = call("DELETE", path("/healthmonitors/" + missing));
    EXPECT_EQ(deleted.status, 404);
    EXPECT_EQ(deleted.message(), message);
}

TEST_F(HealthmonitorTest, SecondMonitorOfPoolConflicts) {
    const std::string first = create("/healthmonitors", "healthmonitor", monitor_fields(pool_));
    const std::size_t published = data_plane_.published.size();

    Reply reply = call("POST", path("/healthmonitors"), {{"healthmonitor", monitor_fields(pool_, "TCP")}});

    EXPECT_EQ(reply.status, 409);
    EXPECT_EQ(reply.message(),
              "healthmonitor.pool_id: pool already has health monitor healthmonitors[" + first + "] \"" +
                  pool_ + "\": use another pool_id, because a pool can have only one health monitor");
    EXPECT_EQ(ids_of(call("GET", path("/healthmonitors")).body["healthmonitors"]),
              std::vector<std::string>{first});
    EXPECT_EQ(data_plane_.published.size(), published);
}

TEST_F(HealthmonitorTest, MonitoredPoolDeleteConflicts) {
    const std::string id = create("/healthmonitors", "healthmonitor", monitor_fields(pool_));

    Reply reply = call("DELETE", path("/pools/" + pool_));

    EXPECT_EQ(reply.status, 409);
    EXPECT_EQ(reply.message(), "pool " + pool_ + " is in use by health monitor " + id +
                                   " (pool_id). Delete the health monitor first.");
    EXPECT_EQ(call("DELETE", path("/healthmonitors/" + id)).status, 204);
    EXPECT_EQ(call("DELETE", path("/pools/" + pool_)).status, 204);
}

TEST_F(HealthmonitorTest, MissingTokenUnauthorized) {
    const std::string id = create("/healthmonitors", "healthmonitor", monitor_fields(pool_));
    const std::string message = "The X-Auth-Token header is missing or invalid. Send the admin token.";

    Reply created = call_with_token("POST", path("/healthmonitors"), std::nullopt,
                                    {{"healthmonitor", monitor_fields(create_pool())}});
    EXPECT_EQ(created.status, 401);
    EXPECT_EQ(created.message(), message);

    Reply listed = call_with_token("GET", path("/healthmonitors"), std::nullopt);
    EXPECT_EQ(listed.status, 401);
    EXPECT_EQ(listed.message(), message);

    Reply deleted = call_with_token("DELETE", path("/healthmonitors/" + id), std::nullopt);
    EXPECT_EQ(deleted.status, 401);
    EXPECT_EQ(deleted.message(), message);

    EXPECT_EQ(ids_of(call("GET", path("/healthmonitors")).body["healthmonitors"]),
              std::vector<std::string>{id});
}

}  // namespace
}  // namespace tollgate::control::test
