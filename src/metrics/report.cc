#include "metrics/report.h"

#include "metrics/exposition.h"

#include <array>
#include <string_view>

namespace tollgate::metrics {
namespace {

constexpr std::array<std::string_view, kStatusClasses> kStatusClassNames = {"1xx", "2xx", "3xx", "4xx",
                                                                            "5xx"};
constexpr std::array<std::string_view, 3> kOperatingStatuses = {"ONLINE", "OFFLINE", "NO_MONITOR"};

Labels listener_labels(const ListenerTotals& listener) {
    return {{"listener_id", listener.listener_id}, {"loadbalancer_id", listener.loadbalancer_id}};
}

// Writes one family with one sample per listener, read from the totals by `value`.
template <typename Value>
void listener_family(PrometheusText& out, const std::vector<ListenerTotals>& listeners, std::string_view name,
                     std::string_view type, std::string_view help, Value value) {
    out.family(name, type, help);
    for (const ListenerTotals& listener : listeners) {
        out.sample(name, listener_labels(listener), value(listener));
    }
}

void render_traffic(PrometheusText& out, const std::vector<ListenerTotals>& listeners) {
    out.family("tollgate_http_responses_total", "counter",
               "HTTP responses sent to clients, by listener and status class.");
    for (const ListenerTotals& listener : listeners) {
        for (std::size_t i = 0; i < kStatusClasses; ++i) {
            Labels labels = listener_labels(listener);
            labels.emplace_back("status_class", kStatusClassNames[i]);
            out.sample("tollgate_http_responses_total", labels, listener.responses[i]);
        }
    }
    listener_family(out, listeners, "tollgate_received_bytes_total", "counter",
                    "Bytes received from clients, after TLS decryption.",
                    [](const ListenerTotals& l) { return l.bytes_received; });
    listener_family(out, listeners, "tollgate_sent_bytes_total", "counter",
                    "Bytes sent to clients, before TLS encryption.",
                    [](const ListenerTotals& l) { return l.bytes_sent; });
    listener_family(out, listeners, "tollgate_connections_total", "counter", "Client connections accepted.",
                    [](const ListenerTotals& l) { return l.connections; });
    listener_family(out, listeners, "tollgate_active_connections", "gauge", "Client connections open now.",
                    [](const ListenerTotals& l) { return l.active_connections; });
    out.family("tollgate_http_request_duration_seconds", "histogram",
               "Time from a request's head to the end of its response.");
    for (const ListenerTotals& listener : listeners) {
        out.histogram("tollgate_http_request_duration_seconds", listener_labels(listener),
                      listener.request_duration);
    }
    listener_family(out, listeners, "tollgate_upstream_connect_errors_total", "counter",
                    "Failed connection attempts to pool members.",
                    [](const ListenerTotals& l) { return l.upstream_connect_errors; });
    listener_family(out, listeners, "tollgate_upstream_timeouts_total", "counter",
                    "Requests whose pool member did not respond in time.",
                    [](const ListenerTotals& l) { return l.upstream_timeouts; });
}

void render_handshakes(PrometheusText& out, const std::vector<ListenerTotals>& listeners) {
    out.family("tollgate_tls_handshakes_total", "counter",
               "TLS handshakes by result; failures carry the reason of the handshake log.");
    for (const ListenerTotals& listener : listeners) {
        Labels success = listener_labels(listener);
        success.emplace_back("result", "success");
        out.sample("tollgate_tls_handshakes_total", success, listener.handshakes);
        for (std::size_t i = 0; i < kHandshakeFailures; ++i) {
            Labels failure = listener_labels(listener);
            failure.emplace_back("result", "failure");
            failure.emplace_back("reason", tls::code(static_cast<tls::HandshakeFailure>(i)));
            out.sample("tollgate_tls_handshakes_total", failure, listener.handshake_failures[i]);
        }
    }
    out.family("tollgate_tls_handshake_duration_seconds", "histogram",
               "Time of completed TLS handshakes, from the first byte to the end of the handshake.");
    for (const ListenerTotals& listener : listeners) {
        out.histogram("tollgate_tls_handshake_duration_seconds", listener_labels(listener),
                      listener.handshake_duration);
    }
}

void render_members(PrometheusText& out, const std::vector<MemberStatus>& members) {
    out.family("tollgate_member_status", "gauge",
               "1 for the operating status that a pool member has now, 0 for the others.");
    for (const MemberStatus& member : members) {
        for (std::string_view status : kOperatingStatuses) {
            Labels labels = {{"pool_id", member.pool_id},
                             {"member_id", member.member_id},
                             {"address", member.address},
                             {"status", status}};
            out.sample("tollgate_member_status", labels, std::uint64_t{member.operating_status == status});
        }
    }
}

void render_certificates(PrometheusText& out, const std::vector<CertificateExpiry>& certificates) {
    out.family("tollgate_certificate_expiry_seconds", "gauge",
               "Seconds until the certificate's notAfter; negative once it has expired.");
    for (const CertificateExpiry& certificate : certificates) {
        Labels labels = {{"certificate_id", certificate.certificate_id},
                         {"name", certificate.name},
                         {"type", certificate.type}};
        out.sample("tollgate_certificate_expiry_seconds", labels, certificate.seconds_left);
    }
}

}  // namespace

std::string render(const Report& report) {
    PrometheusText out;
    render_traffic(out, report.listeners);
    render_handshakes(out, report.listeners);
    render_members(out, report.members);
    render_certificates(out, report.certificates);
    return out.text();
}

}  // namespace tollgate::metrics
