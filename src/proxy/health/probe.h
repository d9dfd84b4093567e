#pragma once

// One active health check probe of one member: a TCP connect, or an HTTP or HTTPS request.

#include "model/resources.h"
#include "proxy/health/member_health.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <string>
#include <string_view>

namespace tollgate::proxy::health {

struct ProbeResult {
    Failure failure = Failure::None;
    int status_code = 0;  // the response status of an HTTP or HTTPS probe, 0 without one
    std::string detail;   // for logs: "connection refused", "status 500 not in 200-299"

    bool healthy() const { return failure == Failure::None; }
};

// The destination of a probe: the address, the port (monitor_port or the member's
// protocol_port), and the Host header of HTTP and HTTPS probes.
struct ProbeTarget {
    boost::asio::ip::tcp::endpoint endpoint;
    std::string host;
};

// Returns the Host header of a probe: the monitor's domain_name, else the probed address and
// port as "192.0.2.7:80" or "[2001:db8::7]:80".
std::string probe_host(const model::HealthMonitor& monitor, const boost::asio::ip::tcp::endpoint& endpoint);

// Builds the request of an HTTP or HTTPS probe. The connection closes after the response,
// and a POST carries an empty body.
std::string build_probe_request(const model::HealthMonitor& monitor, std::string_view host);

// Formats expected_codes as the monitor spells it: "200", "200-299,301".
std::string expected_codes_text(const model::ExpectedCodes& codes);

// Returns the result of an HTTP or HTTPS probe that received `status`.
ProbeResult check_status(const model::ExpectedCodes& expected, int status);

// Runs one probe of `target` with `monitor`'s type and settings. The whole probe, TLS
// handshake and response head included, must end within the monitor's timeout. `tls` is the
// client context of HTTPS probes, which does not verify the backend's certificate. Runs on
// the caller's executor.
boost::asio::awaitable<ProbeResult> run_probe(const model::HealthMonitor& monitor, const ProbeTarget& target,
                                              boost::asio::ssl::context& tls);

// Creates the client TLS context of HTTPS probes: TLS 1.2 and later, no certificate check,
// because backends commonly serve self-signed certificates.
boost::asio::ssl::context make_probe_tls_context();

}  // namespace tollgate::proxy::health
