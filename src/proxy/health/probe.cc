#include "proxy/health/probe.h"

#include "proxy/snapshot.h"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

namespace tollgate::proxy::health {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::as_tuple;
using asio::use_awaitable;

// Limits the response head a probe reads, as a proxy limits a backend's.
constexpr std::uint32_t kMaxResponseHeadBytes = 16 * 1024;

ProbeResult failed(Failure failure, std::string detail) {
    return ProbeResult{failure, 0, std::move(detail)};
}

// The stream's expiry closes the socket, which some operations report as another error,
// so the clock decides too.
bool timed_out(const boost::system::error_code& ec, Clock::time_point deadline) {
    return ec == beast::error::timeout || Clock::now() >= deadline;
}

ProbeResult connect_failure(const boost::system::error_code& ec, Clock::time_point deadline,
                            std::chrono::seconds timeout) {
    if (timed_out(ec, deadline)) {
        return failed(Failure::ConnectTimeout, fmt::format("connect timed out after {} s", timeout.count()));
    }
    if (ec == asio::error::connection_refused) {
        return failed(Failure::ConnectRefused, "connection refused");
    }
    return failed(Failure::ConnectFailed, "connect failed: " + ec.message());
}

ProbeResult receive_failure(const boost::system::error_code& ec, Clock::time_point deadline,
                            std::chrono::seconds timeout) {
    if (timed_out(ec, deadline)) {
        return failed(Failure::ReceiveTimeout, fmt::format("no response within {} s", timeout.count()));
    }
    if (ec == http::error::end_of_stream || ec == asio::error::eof) {
        return failed(Failure::ReceiveFailed, "connection closed before the response");
    }
    if (ec.category() == make_error_code(http::error::bad_version).category()) {
        return failed(Failure::MalformedResponse, "invalid response: " + ec.message());
    }
    return failed(Failure::ReceiveFailed, "reading the response failed: " + ec.message());
}

// Sends the probe request on an open stream and checks the status of the response.
template <typename Stream>
asio::awaitable<ProbeResult> exchange(Stream& stream, const model::HealthMonitor& monitor,
                                      const std::string& request, Clock::time_point deadline) {
    auto [write_error, written] =
        co_await asio::async_write(stream, asio::buffer(request), as_tuple(use_awaitable));
    (void)written;
    if (write_error) {
        if (timed_out(write_error, deadline)) {
            co_return failed(Failure::SendTimeout, fmt::format("sending the request timed out after {} s",
                                                               monitor.timeout.count()));
        }
        co_return failed(Failure::SendFailed, "sending the request failed: " + write_error.message());
    }

    beast::flat_buffer buffer;
    http::response_parser<http::empty_body> parser;
    parser.header_limit(kMaxResponseHeadBytes);
    if (monitor.http_method == model::MonitorHttpMethod::Head) {
        parser.skip(true);
    }
    auto [read_error, read] =
        co_await http::async_read_header(stream, buffer, parser, as_tuple(use_awaitable));
    (void)read;
    if (read_error) {
        co_return receive_failure(read_error, deadline, monitor.timeout);
    }
    co_return check_status(monitor.expected_codes, parser.get().result_int());
}

std::string_view method_text(model::MonitorHttpMethod method) {
    return model::to_string(method);
}

}  // namespace

std::string probe_host(const model::HealthMonitor& monitor, const asio::ip::tcp::endpoint& endpoint) {
    if (!monitor.domain_name.empty()) {
        return monitor.domain_name;
    }
    return endpoint_text(endpoint);
}

std::string build_probe_request(const model::HealthMonitor& monitor, std::string_view host) {
    // url_path may carry a fragment, which never goes into a request line (RFC 9112 3.2).
    std::string_view path = monitor.url_path;
    path = path.substr(0, path.find('#'));
    if (path.empty()) {
        path = "/";
    }
    const bool post = monitor.http_method == model::MonitorHttpMethod::Post;
    return fmt::format(
        "{} {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: tollgate-health-check\r\nAccept: */*\r\n"
        "Connection: close\r\n{}\r\n",
        method_text(monitor.http_method), path, host, post ? "Content-Length: 0\r\n" : "");
}

std::string expected_codes_text(const model::ExpectedCodes& codes) {
    std::string text;
    for (const auto& range : codes.ranges) {
        if (!text.empty()) {
            text += ',';
        }
        text += std::to_string(range.first);
        if (range.last != range.first) {
            text += '-' + std::to_string(range.last);
        }
    }
    return text;
}

ProbeResult check_status(const model::ExpectedCodes& expected, int status) {
    if (expected.contains(status)) {
        return ProbeResult{Failure::None, status, fmt::format("status {}", status)};
    }
    return ProbeResult{Failure::StatusMismatch, status,
                       fmt::format("status {} not in {}", status, expected_codes_text(expected))};
}

asio::awaitable<ProbeResult> run_probe(const model::HealthMonitor& monitor, const ProbeTarget& target,
                                       asio::ssl::context& tls) {
    auto executor = co_await asio::this_coro::executor;
    const Clock::time_point deadline = Clock::now() + monitor.timeout;

    beast::tcp_stream stream(executor);
    stream.expires_at(deadline);
    auto [connect_error] = co_await stream.async_connect(target.endpoint, as_tuple(use_awaitable));
    if (connect_error) {
        co_return connect_failure(connect_error, deadline, monitor.timeout);
    }
    if (monitor.type == model::MonitorType::Tcp) {
        co_return ProbeResult{Failure::None, 0, "connected"};
    }

    const std::string request = build_probe_request(monitor, target.host);
    if (monitor.type == model::MonitorType::Http) {
        co_return co_await exchange(stream, monitor, request, deadline);
    }

    asio::ssl::stream<beast::tcp_stream> tls_stream(std::move(stream), tls);
    tls_stream.next_layer().expires_at(deadline);
    // SNI takes a host name only, so a probe without domain_name sends none.
    if (!monitor.domain_name.empty()) {
        SSL_set_tlsext_host_name(tls_stream.native_handle(), monitor.domain_name.c_str());
    }
    auto [handshake_error] =
        co_await tls_stream.async_handshake(asio::ssl::stream_base::client, as_tuple(use_awaitable));
    if (handshake_error) {
        if (timed_out(handshake_error, deadline)) {
            co_return failed(Failure::TlsHandshakeFailed,
                             fmt::format("TLS handshake timed out after {} s", monitor.timeout.count()));
        }
        co_return failed(Failure::TlsHandshakeFailed, "TLS handshake failed: " + handshake_error.message());
    }
    co_return co_await exchange(tls_stream, monitor, request, deadline);
}

asio::ssl::context make_probe_tls_context() {
    asio::ssl::context context(asio::ssl::context::tls_client);
    context.set_verify_mode(asio::ssl::verify_none);
    SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
    return context;
}

}  // namespace tollgate::proxy::health
