#include "accesslog/record.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace tollgate::accesslog {
namespace {

// Formats the time as RFC 3339 in UTC with milliseconds: "2026-12-05T03:04:05.678Z".
std::string rfc3339(std::chrono::system_clock::time_point time) {
    auto milliseconds = std::chrono::time_point_cast<std::chrono::milliseconds>(time);
    auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(milliseconds);
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z",
                       fmt::gmtime(std::chrono::system_clock::to_time_t(seconds)),
                       (milliseconds - seconds).count());
}

double seconds(std::chrono::microseconds duration) {
    return static_cast<double>(duration.count()) / 1e6;
}

std::string json_line(const AccessRecord& record) {
    nlohmann::json line = {
        {"time", rfc3339(record.time)},
        {"listener_id", record.listener_id},
        {"loadbalancer_id", record.loadbalancer_id},
        {"client_address", record.client_address},
        {"client_port", record.client_port},
        {"tls_version", record.tls_version},
        {"tls_cipher", record.cipher},
        {"sni", record.sni},
        {"client_cert_subject", record.client_subject},
        {"client_cert_serial", record.client_serial},
        {"client_cert_verify", record.client_verify},
        {"method", record.method},
        {"host", record.host},
        {"path", record.path},
        {"http_version", record.http_version == 10 ? "HTTP/1.0" : "HTTP/1.1"},
        {"user_agent", record.user_agent},
        {"status", record.status},
        {"bytes_received", record.bytes_received},
        {"bytes_sent", record.bytes_sent},
        {"member_id", record.member_id},
        {"member_address", record.member_address},
        {"upstream_time",
         record.upstream_time.count() < 0 ? nlohmann::json() : nlohmann::json(seconds(record.upstream_time))},
        {"total_time", seconds(record.total_time)},
        {"request_id", record.request_id},
    };
    // Request fields are bytes from the network, so bytes that are not UTF-8 are replaced.
    return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

// Returns `value` with '"' and '\' escaped and control bytes as \xHH, as Apache does for
// the combined format; "-" for an empty value.
std::string quoted_field(const std::string& value) {
    if (value.empty()) {
        return "-";
    }
    std::string result;
    for (unsigned char c : value) {
        if (c == '"' || c == '\\') {
            result += '\\';
            result += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
            result += fmt::format("\\x{:02x}", c);
        } else {
            result += static_cast<char>(c);
        }
    }
    return result;
}

std::string combined_line(const AccessRecord& record) {
    std::string time = fmt::format("{:%d/%b/%Y:%H:%M:%S +0000}",
                                   fmt::gmtime(std::chrono::system_clock::to_time_t(record.time)));
    std::string upstream =
        record.upstream_time.count() < 0 ? "-" : fmt::format("{:.6f}", seconds(record.upstream_time));
    return fmt::format(
        "{} - - [{}] \"{} {} HTTP/{}\" {} {} \"{}\" \"{}\" request_id={} member={} upstream_time={} "
        "total_time={:.6f} client_cert=\"{}\"\n",
        record.client_address, time, quoted_field(record.method), quoted_field(record.path),
        record.http_version == 10 ? "1.0" : "1.1", record.status, record.bytes_sent,
        quoted_field(record.referer), quoted_field(record.user_agent), quoted_field(record.request_id),
        quoted_field(record.member_address), upstream, seconds(record.total_time),
        quoted_field(record.client_subject));
}

}  // namespace

std::string format_line(const AccessRecord& record, Format format) {
    if (format == Format::Combined) {
        return combined_line(record);
    }
    return json_line(record);
}

}  // namespace tollgate::accesslog
