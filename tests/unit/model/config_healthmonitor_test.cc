// The healthmonitors collection: required fields and ranges, the pool reference, one monitor
// per pool, the HTTP-only fields, expected_codes parsing and the warnings.

#include "model/config_test_support.h"

#include <gmock/gmock.h>

namespace tollgate::model::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const std::string kMonitorFields = "pool_id: app, type: HTTP, delay: 5, timeout: 3, max_retries: 2";

class ConfigHealthmonitor : public ConfigTest {
protected:
    // Loads a load balancer, an HTTP listener, the pool `app` of the minimal example, a second
    // pool `api` and the given monitors, each written as the inside of a flow mapping.
    LoadResult load_monitors(const std::vector<std::string>& monitor_fields) {
        std::string document =
            kLoadbalancers + "listeners:\n  - {" + kHttpListenerFields + ", default_pool_id: app}\n" +
            kPools + "  - {id: api, lb_algorithm: ROUND_ROBIN, protocol: HTTP}\n" + "healthmonitors:\n";
        for (const auto& fields : monitor_fields) {
            document += "  - {" + fields + "}\n";
        }
        return load(document);
    }

    LoadResult load_monitor(const std::string& fields) { return load_monitors({fields}); }
};

TEST_F(ConfigHealthmonitor, EveryFieldRead) {
    LoadResult result = load_monitor(
        "id: hm, name: app health, pool_id: app, type: HTTPS, delay: 10, timeout: 4, max_retries: 2, "
        "max_retries_down: 5, monitor_port: 8443, url_path: /health, domain_name: www.example.com, "
        "expected_codes: '200-204,301', http_method: HEAD, admin_state_up: false, project_id: p1");

    ASSERT_THAT(error_lines(result), IsEmpty());
    ASSERT_EQ(result.config.healthmonitors.size(), 1u);
    const HealthMonitor& monitor = result.config.healthmonitors[0];
    EXPECT_EQ(monitor.id, "hm");
    EXPECT_EQ(monitor.name, "app health");
    EXPECT_EQ(monitor.pool_id, "app");
    EXPECT_EQ(monitor.type, MonitorType::Https);
    EXPECT_EQ(monitor.delay, std::chrono::seconds(10));
    EXPECT_EQ(monitor.timeout, std::chrono::seconds(4));
    EXPECT_EQ(monitor.max_retries, 2);
    EXPECT_EQ(monitor.max_retries_down, 5);
    EXPECT_EQ(monitor.monitor_port, std::optional<std::uint16_t>(8443));
    EXPECT_EQ(monitor.url_path, "/health");
    EXPECT_EQ(monitor.domain_name, "www.example.com");
    ASSERT_EQ(monitor.expected_codes.ranges.size(), 2u);
    EXPECT_EQ(monitor.expected_codes.ranges[0].first, 200);
    EXPECT_EQ(monitor.expected_codes.ranges[0].last, 204);
    EXPECT_EQ(monitor.expected_codes.ranges[1].first, 301);
    EXPECT_EQ(monitor.expected_codes.ranges[1].last, 301);
    EXPECT_EQ(monitor.http_method, MonitorHttpMethod::Head);
    EXPECT_FALSE(monitor.admin_state_up);
    EXPECT_THAT(result.warnings, IsEmpty());
}

TEST_F(ConfigHealthmonitor, DefaultsApplied) {
    LoadResult result = load_monitor("id: hm, " + kMonitorFields);

    ASSERT_THAT(error_lines(result), IsEmpty());
    ASSERT_EQ(result.config.healthmonitors.size(), 1u);
    const HealthMonitor& monitor = result.config.healthmonitors[0];
    EXPECT_EQ(monitor.name, "");
    EXPECT_EQ(monitor.max_retries_down, 3);
    EXPECT_EQ(monitor.monitor_port, std::nullopt);
    EXPECT_EQ(monitor.url_path, "/");
    EXPECT_EQ(monitor.domain_name, "");
    ASSERT_EQ(monitor.expected_codes.ranges.size(), 1u);
    EXPECT_EQ(monitor.expected_codes.ranges[0].first, 200);
    EXPECT_EQ(monitor.expected_codes.ranges[0].last, 200);
    EXPECT_EQ(monitor.http_method, MonitorHttpMethod::Get);
    EXPECT_TRUE(monitor.admin_state_up);
}

TEST_F(ConfigHealthmonitor, FoundByPool) {
    LoadResult result = load_monitors({"id: first, " + kMonitorFields,
                                       "id: second, pool_id: api, type: TCP, delay: 5, "
                                       "timeout: 5, max_retries: 1"});

    ASSERT_THAT(error_lines(result), IsEmpty());
    ASSERT_NE(result.config.find_pool_healthmonitor("app"), nullptr);
    EXPECT_EQ(result.config.find_pool_healthmonitor("app")->id, "first");
    ASSERT_NE(result.config.find_pool_healthmonitor("api"), nullptr);
    EXPECT_EQ(result.config.find_pool_healthmonitor("api")->type, MonitorType::Tcp);
    EXPECT_EQ(result.config.find_pool_healthmonitor("other"), nullptr);
}

TEST_F(ConfigHealthmonitor, RequiredFieldsMissing) {
    LoadResult result = load_monitor("id: hm");

    EXPECT_THAT(
        error_lines(result),
        ElementsAre("healthmonitors[hm].pool_id: missing required field: add the id of an entry in pools",
                    "healthmonitors[hm].type: missing required field: use HTTP, HTTPS or TCP",
                    "healthmonitors[hm].delay: missing required field: add the seconds between two "
                    "probes, from 1 to 50",
                    "healthmonitors[hm].timeout: missing required field: add the seconds a probe may "
                    "take, from 1 to 50",
                    "healthmonitors[hm].max_retries: missing required field: add the successful probes "
                    "in a row that mark a member up, from 1 to 10"));
}

TEST_F(ConfigHealthmonitor, TypeRules) {
    std::string counts = ", delay: 5, timeout: 3, max_retries: 2";
    LoadResult result = load_monitors({"id: a, pool_id: app, type: UDP_CONNECT" + counts,
                                       "id: b, pool_id: api, type: GRPC" + counts,
                                       "id: c, type: TLS" + counts, "id: d, type: http" + counts});

    std::string fix = ": use HTTP, HTTPS or TCP";
    EXPECT_THAT(
        error_lines(result),
        ElementsAre("healthmonitors[a].type: not supported yet \"UDP_CONNECT\"" + fix,
                    "healthmonitors[b].type: not supported yet \"GRPC\"" + fix,
                    "healthmonitors[c].pool_id: missing required field: add the id of an entry in pools",
                    "healthmonitors[c].type: not supported yet \"TLS\"" + fix,
                    "healthmonitors[d].pool_id: missing required field: add the id of an entry in pools",
                    "healthmonitors[d].type: invalid value \"http\"" + fix));
}

TEST_F(ConfigHealthmonitor, NumberRanges) {
    LoadResult result = load_monitor(
        "id: hm, pool_id: app, type: HTTP, delay: 0, timeout: 51, max_retries: 11, max_retries_down: 0, "
        "monitor_port: 65536");

    EXPECT_THAT(
        error_lines(result),
        ElementsAre("healthmonitors[hm].delay: invalid value \"0\": use a whole number from 1 to 50",
                    "healthmonitors[hm].timeout: invalid value \"51\": use a whole number from 1 to 50",
                    "healthmonitors[hm].max_retries: invalid value \"11\": use a whole number from 1 to 10",
                    "healthmonitors[hm].max_retries_down: invalid value \"0\": use a whole number from 1 "
                    "to 10",
                    "healthmonitors[hm].monitor_port: invalid value \"65536\": use a whole number from 1 "
                    "to 65535"));
}

TEST_F(ConfigHealthmonitor, UnknownPoolSuggestsClosest) {
    LoadResult result = load_monitor("id: hm, pool_id: ap, type: HTTP, delay: 5, timeout: 3, max_retries: 2");

    EXPECT_THAT(error_lines(result),
                ElementsAre("healthmonitors[hm].pool_id: unknown pool \"ap\": did you mean \"app\"?"));
}

TEST_F(ConfigHealthmonitor, SecondMonitorOfPoolRejected) {
    LoadResult result = load_monitors({"id: first, " + kMonitorFields, "id: second, " + kMonitorFields});

    EXPECT_THAT(
        error_lines(result),
        ElementsAre("healthmonitors[second].pool_id: pool already has health monitor "
                    "healthmonitors[first] \"app\": use another pool_id, because a pool can have only "
                    "one health monitor"));
}

TEST_F(ConfigHealthmonitor, HttpFieldsRejectedOnTcp) {
    LoadResult result = load_monitor(
        "id: hm, pool_id: app, type: TCP, delay: 5, timeout: 3, max_retries: 2, url_path: /health, "
        "domain_name: www.example.com, expected_codes: 200, http_method: GET");

    std::string fix = ": remove it or set type to HTTP or HTTPS";
    EXPECT_THAT(
        error_lines(result),
        ElementsAre("healthmonitors[hm].url_path: not allowed on a TCP health monitor \"/health\"" + fix,
                    "healthmonitors[hm].domain_name: not allowed on a TCP health monitor "
                    "\"www.example.com\"" +
                        fix,
                    "healthmonitors[hm].expected_codes: not allowed on a TCP health monitor \"200\"" + fix,
                    "healthmonitors[hm].http_method: not allowed on a TCP health monitor \"GET\"" + fix));
}

TEST_F(ConfigHealthmonitor, HttpFieldsCheckedWhenTypeInvalid) {
    LoadResult result = load_monitor(
        "id: hm, pool_id: app, type: FOO, delay: 5, timeout: 3, max_retries: 2, url_path: health");

    EXPECT_THAT(
        error_lines(result),
        ElementsAre("healthmonitors[hm].type: invalid value \"FOO\": use HTTP, HTTPS or TCP",
                    "healthmonitors[hm].url_path: invalid value \"health\": use a path that starts with /, "
                    "such as /health"));
}

TEST_F(ConfigHealthmonitor, UrlPathRules) {
    std::string long_path = "/" + std::string(80, 'a');
    LoadResult result =
        load_monitors({"id: a, " + kMonitorFields + ", url_path: x",
                       "id: b, pool_id: api, type: HTTP, delay: 5, timeout: 3, max_retries: 2, "
                       "url_path: '/a b'",
                       "id: c, type: HTTP, delay: 5, timeout: 3, max_retries: 2, url_path: " + long_path});

    EXPECT_THAT(
        error_lines(result),
        ElementsAre(
            "healthmonitors[a].url_path: invalid value \"x\": use a path that starts with /, such as /health",
            "healthmonitors[b].url_path: invalid value \"/a b\": use only letters, digits and the "
            "characters -/.%?#&_;~!()*[]@$^:',+",
            "healthmonitors[c].pool_id: missing required field: add the id of an entry in pools",
            "healthmonitors[c].url_path: invalid value \"" + long_path.substr(0, 60) +
                "...\": use at most 80 characters"));
}

TEST_F(ConfigHealthmonitor, UrlPathPunctuationAccepted) {
    LoadResult result =
        load_monitor("id: hm, " + kMonitorFields + ", url_path: \"/a-b/c.d%20?e&f_g;~!()*[]@$^:',+#h\"");

    ASSERT_THAT(error_lines(result), IsEmpty());
    EXPECT_EQ(result.config.healthmonitors.at(0).url_path, "/a-b/c.d%20?e&f_g;~!()*[]@$^:',+#h");
}

TEST_F(ConfigHealthmonitor, DomainNameRules) {
    std::string counts = ", type: HTTP, delay: 5, timeout: 3, max_retries: 2";
    std::string long_name = std::string(101, 'a');
    LoadResult result = load_monitors({"id: a, pool_id: app" + counts + ", domain_name: -example.com",
                                       "id: b, pool_id: api" + counts + ", domain_name: a_b.example.com",
                                       "id: c" + counts + ", domain_name: ''",
                                       "id: d" + counts + ", domain_name: " + long_name});

    std::string fix =
        ": use 1 to 100 letters, digits, hyphens and dots that start with a letter or digit, such as "
        "www.example.com";
    std::string missing_pool = ".pool_id: missing required field: add the id of an entry in pools";
    EXPECT_THAT(
        error_lines(result),
        ElementsAre(
            "healthmonitors[a].domain_name: invalid value \"-example.com\"" + fix,
            "healthmonitors[b].domain_name: invalid value \"a_b.example.com\"" + fix,
            "healthmonitors[c]" + missing_pool, "healthmonitors[c].domain_name: invalid value \"\"" + fix,
            "healthmonitors[d]" + missing_pool,
            "healthmonitors[d].domain_name: invalid value \"" + long_name.substr(0, 60) + "...\"" + fix));
}

TEST_F(ConfigHealthmonitor, ExpectedCodesParsed) {
    LoadResult result = load_monitor("id: hm, " + kMonitorFields + ", expected_codes: '200,202,300-399,599'");

    ASSERT_THAT(error_lines(result), IsEmpty());
    const ExpectedCodes& codes = result.config.healthmonitors.at(0).expected_codes;
    ASSERT_EQ(codes.ranges.size(), 4u);
    EXPECT_TRUE(codes.contains(200));
    EXPECT_FALSE(codes.contains(201));
    EXPECT_TRUE(codes.contains(202));
    EXPECT_TRUE(codes.contains(300));
    EXPECT_TRUE(codes.contains(350));
    EXPECT_TRUE(codes.contains(399));
    EXPECT_FALSE(codes.contains(400));
    EXPECT_TRUE(codes.contains(599));
}

TEST_F(ConfigHealthmonitor, ExpectedCodesRules) {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"99",
         "use status codes from 200 to 599 as one code (200), a range (200-204) or a comma-separated list "
         "of both (200,202,300-399)"},
        {"600",
         "use status codes from 200 to 599 as one code (200), a range (200-204) or a comma-separated list "
         "of both (200,202,300-399)"},
        {"2000",
         "use status codes from 200 to 599 as one code (200), a range (200-204) or a comma-separated "
         "list of both (200,202,300-399)"},
        {"200,,201",
         "use status codes from 200 to 599 as one code (200), a range (200-204) or a "
         "comma-separated list of both (200,202,300-399)"},
        {"200, 201",
         "use status codes from 200 to 599 as one code (200), a range (200-204) or a "
         "comma-separated list of both (200,202,300-399)"},
        {"200-",
         "use status codes from 200 to 599 as one code (200), a range (200-204) or a comma-separated "
         "list of both (200,202,300-399)"},
        {"200-300-400",
         "use status codes from 200 to 599 as one code (200), a range (200-204) or a "
         "comma-separated list of both (200,202,300-399)"},
        {"204-200", "write the lower code of a range first, such as 200-204"},
        {"200,201,202,203,204,205", "use at most 5 codes and ranges in all"},
        {"200-201,202-203,204-205,206-207,208-209,210-211,212-213,214-215,216", "use at most 64 characters"},
    };
    for (const auto& [value, fix] : cases) {
        LoadResult result = load_monitor("id: hm, " + kMonitorFields + ", expected_codes: '" + value + "'");
        // Errors cut values longer than 60 characters.
        std::string shortened = value.size() > 60 ? value.substr(0, 60) + "..." : value;
        EXPECT_THAT(error_lines(result), ElementsAre("healthmonitors[hm].expected_codes: invalid value \"" +
                                                     shortened + "\": " + fix))
            << value;
    }
}

TEST_F(ConfigHealthmonitor, HttpMethodRules) {
    LoadResult result =
        load_monitors({"id: a, " + kMonitorFields + ", http_method: PUT",
                       "id: b, pool_id: api, type: HTTP, delay: 5, timeout: 3, max_retries: 2, "
                       "http_method: get"});

    EXPECT_THAT(error_lines(result),
                ElementsAre("healthmonitors[a].http_method: invalid value \"PUT\": use GET, HEAD or POST",
                            "healthmonitors[b].http_method: invalid value \"get\": use GET, HEAD or POST"));
}

TEST_F(ConfigHealthmonitor, TimeoutLongerThanDelayWarns) {
    LoadResult result =
        load_monitor("id: hm, pool_id: app, type: TCP, delay: 5, timeout: 10, max_retries: 2");

    ASSERT_THAT(error_lines(result), IsEmpty());
    EXPECT_THAT(
        result.warnings,
        ElementsAre("healthmonitors[hm].timeout: 10 s is longer than delay 5 s: a probe may still run "
                    "when the next starts, so set timeout to at most delay"));
}

TEST_F(ConfigHealthmonitor, NoWarningWithoutMonitors) {
    LoadResult result = load_monitors({});

    ASSERT_THAT(error_lines(result), IsEmpty());
    EXPECT_THAT(result.warnings, IsEmpty());
}

TEST_F(ConfigHealthmonitor, CollectionMustBeList) {
    LoadResult result = load(kPools + "healthmonitors: {id: hm}\n");

    EXPECT_THAT(error_lines(result),
                ElementsAre("healthmonitors: invalid value \"{id: hm}\": use a list of health monitors"));
}

TEST_F(ConfigHealthmonitor, UnknownFieldSuggestsClosest) {
    LoadResult result = load_monitor("id: hm, " + kMonitorFields + ", url_pat: /health");

    EXPECT_THAT(error_lines(result),
                ElementsAre("healthmonitors[hm].url_pat: unknown field: did you mean \"url_path\"?"));
}

TEST_F(ConfigHealthmonitor, DuplicateIdRejected) {
    LoadResult result =
        load_monitors({"id: hm, " + kMonitorFields,
                       "id: hm, pool_id: api, type: HTTP, delay: 5, timeout: 3, max_retries: 2"});

    EXPECT_THAT(error_lines(result),
                ElementsAre("healthmonitors[1].id: duplicate id \"hm\": use an id that no other entry of "
                            "healthmonitors has"));
}

}  // namespace
}  // namespace tollgate::model::testing
