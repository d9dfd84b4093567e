// Reading of the `healthmonitors` collection: the probe settings of each pool, at most one
// monitor per pool.

#include "model/config_context.h"

#include <algorithm>
#include <array>
#include <map>
#include <utility>

namespace tollgate::model {
namespace {

constexpr std::array<std::pair<std::string_view, MonitorType>, 3> kTypes{{
    {"HTTP", MonitorType::Http},
    {"HTTPS", MonitorType::Https},
    {"TCP", MonitorType::Tcp},
}};

// Monitor types of the ELB API that tollgate does not implement yet.
constexpr std::array<std::string_view, 3> kLaterTypes{"UDP_CONNECT", "TLS", "GRPC"};

constexpr std::array<std::pair<std::string_view, MonitorHttpMethod>, 3> kHttpMethods{{
    {"GET", MonitorHttpMethod::Get},
    {"HEAD", MonitorHttpMethod::Head},
    {"POST", MonitorHttpMethod::Post},
}};

// Fields that only mean something for HTTP and HTTPS probes.
constexpr std::array<std::string_view, 4> kHttpFields{"url_path", "domain_name", "expected_codes",
                                                      "http_method"};

// Limits of the ELB API, so that a monitor of the file can also be sent through the API.
constexpr std::size_t kMaxUrlPathLength = 80;
constexpr std::size_t kMaxDomainNameLength = 100;
constexpr std::size_t kMaxExpectedCodesLength = 64;
constexpr std::size_t kMaxExpectedCodesItems = 5;
constexpr int kMinStatusCode = 200;
constexpr int kMaxStatusCode = 599;

// Characters that the ELB API allows in url_path besides ASCII letters and digits.
constexpr std::string_view kUrlPathPunctuation = "-/.%?#&_;~!()*[]@$^:',+";

bool is_ascii_alphanumeric(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::optional<MonitorType> read_type(FieldReader& reader) {
    std::string fix = "use HTTP, HTTPS or TCP";
    if (!reader.require("type", fix)) {
        return std::nullopt;
    }
    auto value = reader.scalar("type", fix);
    if (!value) {
        return std::nullopt;
    }
    for (const auto& [name, type] : kTypes) {
        if (*value == name) {
            return type;
        }
    }
    if (std::find(kLaterTypes.begin(), kLaterTypes.end(), *value) != kLaterTypes.end()) {
        reader.error("type", "not supported yet", *value, fix);
    } else {
        reader.invalid("type", shorten(*value), fix);
    }
    return std::nullopt;
}

// Reads pool_id and records the monitor in `monitored_pools` (pool id -> monitor label),
// which rejects a second monitor of the same pool.
void read_pool_ref(FieldReader& reader, HealthMonitor& monitor, LoadContext& context,
                   std::map<std::string, std::string, std::less<>>& monitored_pools) {
    if (!reader.require("pool_id", "add the id of an entry in pools")) {
        return;
    }
    auto value = reader.scalar("pool_id", "use the id of a pool");
    if (!value) {
        return;
    }
    if (!context.result.config.find_pool(*value)) {
        report_unknown_reference(reader, "pool_id", *value, "pool", "pools",
                                 ids_of(context.result.config.pools));
        return;
    }
    if (auto taken = monitored_pools.find(*value); taken != monitored_pools.end()) {
        reader.error("pool_id", "pool already has health monitor " + taken->second, *value,
                     "use another pool_id, because a pool can have only one health monitor");
        return;
    }
    if (!monitor.id.empty()) {
        monitored_pools.emplace(*value, reader.resource());
    }
    monitor.pool_id = *value;
}

void read_probe_settings(FieldReader& reader, HealthMonitor& monitor, LoadContext& context) {
    std::optional<std::int64_t> delay;
    if (reader.require("delay", "add the seconds between two probes, from 1 to 50")) {
        delay = reader.integer("delay", 1, 50);
    }
    std::optional<std::int64_t> timeout;
    if (reader.require("timeout", "add the seconds a probe may take, from 1 to 50")) {
        timeout = reader.integer("timeout", 1, 50);
    }
    if (reader.require("max_retries",
                       "add the successful probes in a row that mark a member up, from 1 to 10")) {
        monitor.max_retries = static_cast<int>(reader.integer("max_retries", 1, 10).value_or(0));
    }
    if (auto down = reader.integer("max_retries_down", 1, 10)) {
        monitor.max_retries_down = static_cast<int>(*down);
    }

    monitor.delay = std::chrono::seconds(delay.value_or(0));
    monitor.timeout = std::chrono::seconds(timeout.value_or(0));
    if (delay && timeout && *timeout > *delay) {
        context.warn({reader.resource(), "timeout",
                      std::to_string(*timeout) + " s is longer than delay " + std::to_string(*delay) + " s",
                      std::nullopt,
                      "a probe may still run when the next starts, so set timeout to at most delay"});
    }
}

void read_url_path(FieldReader& reader, HealthMonitor& monitor) {
    auto path = reader.scalar("url_path", "use a path that starts with /, such as /health");
    if (!path) {
        return;
    }
    auto allowed = [](char c) {
        return is_ascii_alphanumeric(c) || kUrlPathPunctuation.find(c) != std::string_view::npos;
    };
    std::string fix;
    if (!path->starts_with('/')) {
        fix = "use a path that starts with /, such as /health";
    } else if (!std::all_of(path->begin(), path->end(), allowed)) {
        fix = "use only letters, digits and the characters " + std::string(kUrlPathPunctuation);
    } else if (path->size() > kMaxUrlPathLength) {
        fix = "use at most " + std::to_string(kMaxUrlPathLength) + " characters";
    }
    if (!fix.empty()) {
        reader.invalid("url_path", shorten(*path), fix);
        return;
    }
    monitor.url_path = *path;
}

void read_domain_name(FieldReader& reader, HealthMonitor& monitor) {
    std::string fix = "use 1 to " + std::to_string(kMaxDomainNameLength) +
                      " letters, digits, hyphens and dots that start with a letter or digit, such as "
                      "www.example.com";
    auto name = reader.scalar("domain_name", fix);
    if (!name) {
        return;
    }
    auto allowed = [](char c) { return is_ascii_alphanumeric(c) || c == '-' || c == '.'; };
    bool valid = !name->empty() && name->size() <= kMaxDomainNameLength &&
                 is_ascii_alphanumeric(name->front()) && std::all_of(name->begin(), name->end(), allowed);
    if (!valid) {
        reader.invalid("domain_name", shorten(*name), fix);
        return;
    }
    monitor.domain_name = *name;
}

// Parses a status code of three digits from 200 to 599.
std::optional<int> parse_status_code(std::string_view text) {
    if (text.size() != 3 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    int code = (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0');
    if (code < kMinStatusCode || code > kMaxStatusCode) {
        return std::nullopt;
    }
    return code;
}

// Parses one item of expected_codes: "200" or "200-204".
std::optional<StatusCodeRange> parse_code_item(std::string_view item) {
    std::size_t dash = item.find('-');
    auto first = parse_status_code(item.substr(0, dash));
    if (!first) {
        return std::nullopt;
    }
    if (dash == std::string_view::npos) {
        return StatusCodeRange{*first, *first};
    }
    auto last = parse_status_code(item.substr(dash + 1));
    if (!last) {
        return std::nullopt;
    }
    return StatusCodeRange{*first, *last};
}

void read_expected_codes(FieldReader& reader, HealthMonitor& monitor) {
    const std::string format_fix =
        "use status codes from 200 to 599 as one code (200), a range (200-204) or a comma-separated list "
        "of both (200,202,300-399)";
    auto text = reader.scalar("expected_codes", format_fix);
    if (!text) {
        return;
    }
    if (text->size() > kMaxExpectedCodesLength) {
        reader.invalid("expected_codes", shorten(*text),
                       "use at most " + std::to_string(kMaxExpectedCodesLength) + " characters");
        return;
    }

    ExpectedCodes codes;
    codes.ranges.clear();
    std::string_view rest = *text;
    while (true) {
        std::size_t comma = rest.find(',');
        auto range = parse_code_item(rest.substr(0, comma));
        if (!range) {
            reader.invalid("expected_codes", *text, format_fix);
            return;
        }
        if (range->first > range->last) {
            reader.invalid("expected_codes", *text, "write the lower code of a range first, such as 200-204");
            return;
        }
        codes.ranges.push_back(*range);
        if (comma == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(comma + 1);
    }
    if (codes.ranges.size() > kMaxExpectedCodesItems) {
        reader.invalid("expected_codes", *text,
                       "use at most " + std::to_string(kMaxExpectedCodesItems) + " codes and ranges in all");
        return;
    }
    monitor.expected_codes = std::move(codes);
}

// Reads the fields of HTTP and HTTPS probes. `type` is nullopt when the monitor's type is
// invalid, which checks the fields as if they applied.
void read_http_settings(FieldReader& reader, HealthMonitor& monitor, std::optional<MonitorType> type) {
    if (type == MonitorType::Tcp) {
        for (std::string_view key : kHttpFields) {
            if (auto node = reader.get(key)) {
                reader.error(key, "not allowed on a TCP health monitor", render_node(*node),
                             "remove it or set type to HTTP or HTTPS");
            }
        }
        return;
    }
    read_url_path(reader, monitor);
    read_domain_name(reader, monitor);
    read_expected_codes(reader, monitor);
    if (auto method = reader.choice<MonitorHttpMethod>("http_method", kHttpMethods)) {
        monitor.http_method = *method;
    }
}

void read_healthmonitor(FieldReader& reader, HealthMonitor& monitor, LoadContext& context,
                        std::map<std::string, std::string, std::less<>>& monitored_pools) {
    read_pool_ref(reader, monitor, context, monitored_pools);
    auto type = read_type(reader);
    monitor.type = type.value_or(MonitorType::Http);
    read_probe_settings(reader, monitor, context);
    if (auto port = reader.integer("monitor_port", 1, 65535)) {
        monitor.monitor_port = static_cast<std::uint16_t>(*port);
    }
    read_http_settings(reader, monitor, type);
    monitor.name = reader.text("name").value_or("");
    if (auto enabled = reader.boolean("admin_state_up")) {
        monitor.admin_state_up = *enabled;
    }
    reader.ignore({"project_id"});
}

}  // namespace

void read_healthmonitors(const YAML::Node& list, LoadContext& context) {
    std::map<std::string, std::string, std::less<>> monitored_pools;
    read_collection(list, "healthmonitors", context, context.result.config.healthmonitors,
                    [&](FieldReader& reader, HealthMonitor& monitor) {
                        read_healthmonitor(reader, monitor, context, monitored_pools);
                    });
}

}  // namespace tollgate::model
