#include "proxy/session.h"

#include "core/logging.h"
#include "proxy/http1/body_relay.h"
#include "proxy/http1/forwarding.h"
#include "proxy/http1/request_head.h"
#include "proxy/request_trace.h"
#include "proxy/worker.h"
#include "tls/handshake.h"

#include <fmt/format.h>
#include <openssl/err.h>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include <algorithm>
#include <array>

namespace tollgate::proxy {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::as_tuple;
using asio::use_awaitable;
using asio::ip::tcp;
using http1::BodyFraming;
using http1::RelayStatus;

using PlainStream = beast::tcp_stream;
using TlsStream = asio::ssl::stream<beast::tcp_stream>;
using ResponseParser = http::response_parser<http::buffer_body>;

constexpr std::size_t kRelayBufferBytes = 64 * 1024;
constexpr std::size_t kMaxCandidates = 3;

std::string_view reason_phrase(int status) {
    switch (status) {
        case 400:
            return "Bad Request";
        case 408:
            return "Request Timeout";
        case 431:
            return "Request Header Fields Too Large";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        default:
            return "Error";
    }
}

// Builds a short error response, after which the connection always closes. A `detail` goes
// into the body after the status, and `request_id` into X-Request-Id.
std::string error_response(int status, std::string_view detail, std::string_view request_id) {
    std::string body = detail.empty() ? fmt::format("{} {}\n", status, reason_phrase(status))
                                      : fmt::format("{} {}: {}\n", status, reason_phrase(status), detail);
    return fmt::format(
        "HTTP/1.1 {} {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nX-Request-Id: {}\r\n"
        "Connection: close\r\n\r\n{}",
        status, reason_phrase(status), body.size(), request_id, body);
}

// Releases a balancer's count for one request when the request ends.
class BalancerTicket {
public:
    BalancerTicket() = default;
    BalancerTicket(Balancer* balancer, std::uint32_t member) : balancer_(balancer), member_(member) {
        balancer_->acquire(member_);
    }
    BalancerTicket(const BalancerTicket&) = delete;
    BalancerTicket& operator=(const BalancerTicket&) = delete;
    ~BalancerTicket() {
        if (balancer_ != nullptr) {
            balancer_->release(member_);
        }
    }

private:
    Balancer* balancer_ = nullptr;
    std::uint32_t member_ = 0;
};

// An upstream connection chosen for one request.
struct Upstream {
    std::optional<beast::tcp_stream> stream;
    tcp::endpoint endpoint;
    std::uint32_t member = 0;
    bool reused = false;
};

template <typename Stream>
class Session {
public:
    Session(Worker& worker, Stream& stream, std::shared_ptr<const Snapshot> snapshot,
            const ListenerRuntime* listener, http1::ClientFacts client, SSL* ssl)
        : worker_(worker),
          stream_(stream),
          snapshot_(std::move(snapshot)),
          listener_(listener),
          client_(std::move(client)),
          ssl_(ssl),
          log_(core::logger("proxy")),
          watchdog_(stream.get_executor()) {}

    asio::awaitable<void> run() {
        bool first = true;
        while (co_await serve_request(first)) {
            first = false;
        }
    }

private:
    // Follows reloads between requests: routing, headers and timeouts come from the newest
    // snapshot that still has this listener; the TLS session stays as negotiated.
    void refresh_listener() {
        const auto& current = worker_.snapshot();
        if (!current || current == snapshot_) {
            return;
        }
        if (const auto* updated = current->find_listener(listener_->config.id);
            updated != nullptr && updated->endpoint == listener_->endpoint) {
            snapshot_ = current;
            listener_ = updated;
        }
    }

    const model::Listener& config() const { return listener_->config; }

    void ensure_relay_buffer() {
        if (relay_buffer_.empty()) {
            relay_buffer_.resize(kRelayBufferBytes);
        }
    }

    metrics::WorkerListenerStats& stats() { return listener_->stats->worker(worker_.index()); }

    asio::awaitable<void> send_error(int status, std::string_view detail = {}) {
        if (trace_.request_id.empty()) {
            trace_.request_id = worker_.next_request_id();
        }
        std::string response = error_response(status, detail, trace_.request_id);
        trace_.status = static_cast<unsigned>(status);
        trace_.bytes_sent += response.size();
        beast::get_lowest_layer(stream_).expires_after(config().client_timeout);
        co_await asio::async_write(stream_, asio::buffer(response), as_tuple(use_awaitable));
    }

    asio::awaitable<bool> serve_request(bool first) {
        refresh_listener();
        auto& socket = beast::get_lowest_layer(stream_);
        const bool idle = buffer_.size() == 0;
        socket.expires_never();
        watchdog_.arm(socket.socket(), idle && !first ? config().keepalive_timeout : config().client_timeout);

        http1::RequestParser parser;
        std::uint64_t idle_id = idle ? worker_.add_idle([&socket] { socket.cancel(); }) : 0;
        auto head = co_await http1::read_request_head(stream_, buffer_, parser);
        watchdog_.disarm();
        if (idle) {
            worker_.remove_idle(idle_id);
        }
        if (head == http1::HeadStatus::Failed && watchdog_.fired()) {
            head = http1::HeadStatus::Timeout;
        }
        trace_.begin(std::chrono::steady_clock::now());
        switch (head) {
            case http1::HeadStatus::Complete:
                break;
            case http1::HeadStatus::Closed:
            case http1::HeadStatus::Failed:
                co_return false;
            case http1::HeadStatus::Timeout:
                if (buffer_.size() > 0) {
                    log_->debug("[l={} c={}] request head not complete within client_timeout", config().id,
                                client_text());
                    co_await send_error(408);
                    finish_request(nullptr);
                }
                co_return false;
            case http1::HeadStatus::TooLarge:
                log_->debug("[l={} c={}] request head over the limit", config().id, client_text());
                co_await send_error(431);
                finish_request(nullptr);
                co_return false;
            case http1::HeadStatus::Malformed:
                log_->debug("[l={} c={}] malformed request head", config().id, client_text());
                co_await send_error(400);
                finish_request(nullptr);
                co_return false;
        }
        const bool keep_alive = co_await forward(parser);
        finish_request(&parser.get());
        co_return keep_alive;
    }

    // Counts a finished request and writes its access log line.
    void finish_request(const http::request_header<>* request) {
        auto& counters = stats();
        const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - trace_.started);
        if (trace_.status != 0) {
            counters.responses[metrics::status_class_index(trace_.status)].add();
        }
        counters.bytes_received.add(trace_.bytes_received);
        counters.bytes_sent.add(trace_.bytes_sent);
        counters.request_duration.observe(elapsed);
        if (auto* access_log = worker_.telemetry().access_log) {
            load_peer_certificate();
            access_log->write(worker_.index(),
                              access_record(trace_, request, *listener_, client_, ssl_, elapsed));
        }
    }

    std::string client_text() const { return fmt::format("{}:{}", client_.address, client_.port); }

    void load_peer_certificate() {
        if (!peer_loaded_ && ssl_ != nullptr &&
            (listener_->inserts_peer_certificate || worker_.telemetry().access_log != nullptr)) {
            client_.peer = tls::peer_certificate(ssl_);
            peer_loaded_ = true;
        }
    }

    std::span<const std::uint8_t> client_ip_bytes() const { return {client_ip_.data(), client_ip_length_}; }

public:
    void set_client_ip(const asio::ip::address& address) {
        if (address.is_v4()) {
            auto bytes = address.to_v4().to_bytes();
            std::copy(bytes.begin(), bytes.end(), client_ip_.begin());
            client_ip_length_ = bytes.size();
        } else {
            auto bytes = address.to_v6().to_bytes();
            std::copy(bytes.begin(), bytes.end(), client_ip_.begin());
            client_ip_length_ = bytes.size();
        }
    }

private:
    // Fills candidates_ for one request, leaving out the members that the active checker
    // marked OFFLINE and those that passive checking ejected. When only ejected members
    // would be left, they are tried all the same, because passive ejection is a guess from
    // recent failures while a 503 is certain. Returns whether an OFFLINE member was left out.
    bool select_candidates(const PoolRuntime& pool, Balancer& balancer) {
        constexpr std::uint8_t kOffline = 1;
        constexpr std::uint8_t kEjected = 2;
        const auto now = health::Clock::now();
        excluded_.assign(pool.health.size(), 0);
        bool offline = false;
        bool ejected = false;
        for (std::size_t i = 0; i < pool.health.size(); ++i) {
            if (pool.health[i]->active_status() == health::OperatingStatus::Offline) {
                excluded_[i] = kOffline;
                offline = true;
            } else if (pool.health[i]->ejected(now)) {
                excluded_[i] = kEjected;
                ejected = true;
            }
        }
        if (!offline && !ejected) {
            balancer.select(client_ip_bytes(), kMaxCandidates, candidates_);
            return false;
        }
        balancer.select(client_ip_bytes(), kMaxCandidates, excluded_, candidates_);
        if (candidates_.empty() && ejected) {
            std::replace(excluded_.begin(), excluded_.end(), kEjected, std::uint8_t{0});
            balancer.select(client_ip_bytes(), kMaxCandidates, excluded_, candidates_);
        }
        return offline;
    }

    static health::Failure connect_failure(const boost::system::error_code& ec) {
        if (ec == beast::error::timeout) {
            return health::Failure::ConnectTimeout;
        }
        if (ec == asio::error::connection_refused) {
            return health::Failure::ConnectRefused;
        }
        return health::Failure::ConnectFailed;
    }

    // Counts a failed request against member `member` for passive checking, and logs the
    // ejection it may cause.
    void record_failure(const PoolRuntime& pool, std::uint32_t member, health::Failure failure, int status) {
        const auto ejection = pool.health[member]->record_request_failure(
            pool.config.passive_health_check, failure, status, health::Clock::now());
        if (!ejection) {
            return;
        }
        const std::string reason =
            status != 0 ? fmt::format("status {}", status) : std::string(health::describe(failure));
        core::logger("health")->warn(
            "member ejected pool={} member={} address={} ejection_time={}s ejections={} reason=\"{}\"",
            pool.config.id, pool.config.members[member].id, pool.endpoint_texts[member],
            ejection->duration.count(), ejection->ejections, reason);
    }

    // Connects to the first candidate that accepts, reusing an idle connection when there
    // is one. Returns an empty stream when every candidate failed.
    asio::awaitable<Upstream> connect_upstream(const PoolRuntime& pool,
                                               std::span<const std::uint32_t> candidates, bool allow_reuse) {
        Upstream upstream;
        for (std::uint32_t member : candidates) {
            const auto& endpoint = pool.endpoints[member];
            if (allow_reuse) {
                if (auto idle = worker_.upstream_pool().take(endpoint)) {
                    upstream.stream.emplace(std::move(*idle));
                    upstream.endpoint = endpoint;
                    upstream.member = member;
                    upstream.reused = true;
                    co_return upstream;
                }
            }
            beast::tcp_stream stream(worker_.io_context());
            stream.expires_after(config().member_timeout);
            auto [ec] = co_await stream.async_connect(endpoint, as_tuple(use_awaitable));
            if (!ec) {
                boost::system::error_code ignored;
                stream.socket().set_option(tcp::no_delay(true), ignored);
                upstream.stream.emplace(std::move(stream));
                upstream.endpoint = endpoint;
                upstream.member = member;
                co_return upstream;
            }
            log_->warn("[l={} p={} m={}] connect failed: {}", config().id, pool.config.id,
                       pool.endpoint_texts[member], ec == beast::error::timeout ? "timed out" : ec.message());
            stats().upstream_connect_errors.add();
            record_failure(pool, member, connect_failure(ec), 0);
            if (!config().enable_member_retry) {
                break;
            }
        }
        co_return upstream;
    }

    // Forwards one parsed request and relays the response. Returns whether the client
    // connection can serve another request.
    asio::awaitable<bool> forward(http1::RequestParser& parser) {
        const auto& request = parser.get();
        const PoolRuntime* pool = listener_->pool.get();
        if (pool == nullptr) {
            log_->debug("[l={}] no default pool", config().id);
            co_await send_error(503);
            co_return false;
        }
        auto& balancer = *pool->balancers[worker_.index()];
        const bool unhealthy_left_out = select_candidates(*pool, balancer);
        if (candidates_.empty() && unhealthy_left_out) {
            log_->warn("[l={} p={}] no healthy member", config().id, pool->config.id);
            co_await send_error(503, "no healthy backend");
            co_return false;
        }
        if (candidates_.empty()) {
            log_->warn("[l={} p={}] no member available", config().id, pool->config.id);
            co_await send_error(503);
            co_return false;
        }

        BodyFraming request_framing = BodyFraming::None;
        std::uint64_t request_length = 0;
        if (parser.chunked()) {
            request_framing = BodyFraming::Chunked;
        } else if (auto length = parser.content_length(); length && *length > 0) {
            request_framing = BodyFraming::ContentLength;
            request_length = *length;
        }
        const bool has_body = request_framing != BodyFraming::None;
        load_peer_certificate();
        trace_.bytes_received += head_bytes(request);
        std::string_view client_request_id = request["X-Request-Id"];
        trace_.request_id = http1::is_valid_request_id(client_request_id) ? std::string(client_request_id)
                                                                          : worker_.next_request_id();

        // A reused connection may have been closed by the backend in the meantime. A request
        // without a body is then sent once more on a new connection.
        for (int attempt = 0; attempt < 2; ++attempt) {
            trace_.upstream_started = std::chrono::steady_clock::now();
            Upstream upstream = co_await connect_upstream(*pool, candidates_, attempt == 0);
            if (!upstream.stream) {
                co_await send_error(502);
                co_return false;
            }
            trace_.pool = pool;
            trace_.member = upstream.member;
            BalancerTicket ticket(&balancer, upstream.member);
            const std::string& backend_host = pool->endpoint_texts[upstream.member];
            std::string head = http1::build_upstream_request(request, *listener_, client_, request_framing,
                                                             request_length, backend_host, trace_.request_id);
            if (!has_body) {
                upstream.stream->expires_after(config().member_timeout);
                auto [write_error, written] =
                    co_await asio::async_write(*upstream.stream, asio::buffer(head), as_tuple(use_awaitable));
                (void)written;
                if (write_error && upstream.reused) {
                    continue;
                }
                if (write_error) {
                    log_->warn("[l={} m={}] sending the request failed: {}", config().id, backend_host,
                               write_error.message());
                    record_failure(*pool, upstream.member, health::Failure::SendFailed, 0);
                    co_await send_error(502);
                    co_return false;
                }
            } else {
                if (boost::beast::iequals(request[http::field::expect], "100-continue") &&
                    request.version() == 11) {
                    beast::get_lowest_layer(stream_).expires_after(config().client_timeout);
                    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
                    co_await asio::async_write(stream_, asio::buffer(kContinue), as_tuple(use_awaitable));
                }
                std::uint64_t uploaded = 0;
                ensure_relay_buffer();
                auto relayed =
                    co_await http1::relay_body(stream_, buffer_, parser, *upstream.stream, request_framing,
                                               {config().client_timeout, config().member_timeout},
                                               relay_buffer_, head, uploaded, &watchdog_);
                trace_.bytes_received += uploaded;
                switch (relayed) {
                    case RelayStatus::Done:
                        break;
                    case RelayStatus::Malformed:
                        co_await send_error(400);
                        co_return false;
                    case RelayStatus::ReadTimeout:
                        co_await send_error(408);
                        co_return false;
                    case RelayStatus::ReadFailed:
                        co_return false;
                    case RelayStatus::WriteFailed:
                        log_->warn("[l={} m={}] sending the request body failed", config().id, backend_host);
                        co_await send_error(502);
                        co_return false;
                }
            }

            auto outcome =
                co_await relay_response(request, *pool, upstream, backend_host, !has_body && upstream.reused);
            if (outcome == ResponseOutcome::RetryOnNewConnection) {
                continue;
            }
            co_return outcome == ResponseOutcome::KeepAlive;
        }
        co_await send_error(502);
        co_return false;
    }

    enum class ResponseOutcome { KeepAlive, Close, RetryOnNewConnection };

    asio::awaitable<ResponseOutcome> relay_response(const http1::RequestParser::value_type& request,
                                                    const PoolRuntime& pool, Upstream& upstream,
                                                    const std::string& backend_host, bool may_retry) {
        auto& backend = *upstream.stream;
        upstream_buffer_.clear();
        std::optional<ResponseParser> parser;
        for (;;) {
            parser.emplace();
            parser->header_limit(static_cast<std::uint32_t>(http1::kMaxHeaderBytes));
            parser->body_limit(boost::none);
            if (request.method() == http::verb::head) {
                parser->skip(true);
            }
            backend.expires_after(config().member_timeout);
            auto [ec, read] =
                co_await http::async_read_header(backend, upstream_buffer_, *parser, as_tuple(use_awaitable));
            (void)read;
            if (ec == beast::error::timeout) {
                log_->warn("[l={} m={}] no response within member_timeout {}s", config().id, backend_host,
                           config().member_timeout.count());
                record_failure(pool, upstream.member, health::Failure::ReceiveTimeout, 0);
                stats().upstream_timeouts.add();
                co_await send_error(504);
                co_return ResponseOutcome::Close;
            }
            if (ec) {
                if (may_retry && upstream_buffer_.size() == 0 &&
                    (ec == http::error::end_of_stream || ec == asio::error::connection_reset)) {
                    co_return ResponseOutcome::RetryOnNewConnection;
                }
                log_->warn("[l={} m={}] reading the response failed: {}", config().id, backend_host,
                           ec.message());
                record_failure(pool, upstream.member, health::Failure::ReceiveFailed, 0);
                co_await send_error(502);
                co_return ResponseOutcome::Close;
            }
            int status = parser->get().result_int();
            if (status >= 100 && status < 200 && status != 101) {
                continue;  // Interim responses are dropped because the proxy sends 100 Continue itself.
            }
            if (status == 101) {
                log_->warn("[l={} m={}] backend switched protocols, which is not supported", config().id,
                           backend_host);
                co_await send_error(502);
                co_return ResponseOutcome::Close;
            }
            break;
        }

        auto& response = parser->get();
        const int status = response.result_int();
        trace_.status = static_cast<unsigned>(status);
        trace_.upstream_time = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - trace_.upstream_started);
        if (status >= 500) {
            record_failure(pool, upstream.member, health::Failure::StatusMismatch, status);
        } else {
            pool.health[upstream.member]->record_request_success();
        }
        const bool client_keeps =
            request.keep_alive() && config().keepalive_timeout.count() > 0 && !worker_.draining();
        BodyFraming framing = BodyFraming::None;
        std::uint64_t length = 0;
        const bool bodiless = request.method() == http::verb::head || status == 204 || status == 304;
        if (!bodiless) {
            if (auto content_length = parser->content_length()) {
                framing = BodyFraming::ContentLength;
                length = *content_length;
            } else if (request.version() == 11) {
                framing = BodyFraming::Chunked;
            } else {
                framing = BodyFraming::UntilClose;
            }
        }
        std::string head =
            http1::build_client_response(response, framing, length, client_keeps, trace_.request_id);
        trace_.bytes_sent += head.size();
        if (bodiless) {
            beast::get_lowest_layer(stream_).expires_after(config().client_timeout);
            auto [write_error, written] =
                co_await asio::async_write(stream_, asio::buffer(head), as_tuple(use_awaitable));
            (void)written;
            if (write_error) {
                co_return ResponseOutcome::Close;
            }
        } else {
            std::uint64_t downloaded = 0;
            ensure_relay_buffer();
            auto relayed = co_await http1::relay_body(backend, upstream_buffer_, *parser, stream_, framing,
                                                      {config().member_timeout, config().client_timeout},
                                                      relay_buffer_, head, downloaded);
            trace_.bytes_sent += downloaded;
            if (relayed != RelayStatus::Done) {
                if (relayed != RelayStatus::WriteFailed) {
                    log_->warn("[l={} m={}] response body from the backend ended early", config().id,
                               backend_host);
                }
                co_return ResponseOutcome::Close;
            }
        }

        if (response.keep_alive() && parser->is_done() && upstream_buffer_.size() == 0) {
            worker_.upstream_pool().give_back(upstream.endpoint, backend.release_socket());
        }
        if (!client_keeps || framing == BodyFraming::UntilClose) {
            co_return ResponseOutcome::Close;
        }
        co_return ResponseOutcome::KeepAlive;
    }

    Worker& worker_;
    Stream& stream_;
    std::shared_ptr<const Snapshot> snapshot_;
    const ListenerRuntime* listener_;
    http1::ClientFacts client_;
    SSL* ssl_;
    bool peer_loaded_ = false;
    std::shared_ptr<spdlog::logger> log_;
    http1::ReadWatchdog watchdog_;
    beast::flat_buffer buffer_;
    beast::flat_buffer upstream_buffer_;
    std::vector<std::uint32_t> candidates_;
    std::vector<std::uint8_t> excluded_;  // per member of the pool: why select_candidates() left it out
    std::array<std::uint8_t, 16> client_ip_{};
    std::size_t client_ip_length_ = 0;
    RequestTrace trace_;
    // Allocated on the first body, so idle keep-alive connections stay small.
    std::vector<char> relay_buffer_;
};

// Counts a rejected handshake and logs it, unless the same client address had the same
// rejection on this listener within the handshake log's window: then the summary line
// that Server writes at the window's end reports it.
void record_handshake_failure(Worker& worker, const ListenerRuntime& listener,
                              const http1::ClientFacts& client, tls::HandshakeFailure failure,
                              const tls::VerifyRecord& record) {
    listener.stats->worker(worker.index()).handshake_failures[static_cast<std::size_t>(failure)].add();
    auto log = core::logger("tls");
    const bool client_side =
        failure == tls::HandshakeFailure::ClientClosed || failure == tls::HandshakeFailure::Timeout;
    if (!client_side && worker.telemetry().handshake_log != nullptr) {
        accesslog::HandshakeRejection rejection{listener.config.id, client.address,
                                                std::string(tls::code(failure))};
        if (!worker.telemetry().handshake_log->record(rejection, std::chrono::steady_clock::now())) {
            return;
        }
    }
    log->log(
        client_side ? spdlog::level::debug : spdlog::level::info,
        "handshake rejected listener={} client={}:{} reason={} subject=\"{}\" issuer=\"{}\" detail=\"{}\"",
        listener.config.id, client.address, client.port, tls::code(failure), record.subject, record.issuer,
        tls::describe(failure));
}

std::string alpn_of(SSL* ssl) {
    const unsigned char* data = nullptr;
    unsigned int length = 0;
    SSL_get0_alpn_selected(ssl, &data, &length);
    return data == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(data), length);
}

}  // namespace

asio::awaitable<void> serve_connection(Worker& worker, tcp::socket socket,
                                       std::shared_ptr<const Snapshot> snapshot,
                                       const ListenerRuntime* listener) {
    boost::system::error_code ec;
    const tcp::endpoint remote = socket.remote_endpoint(ec);
    if (ec) {
        co_return;  // the client is already gone
    }
    socket.set_option(tcp::no_delay(true), ec);
    // The counters stay alive for the whole connection, even when a reload drops the listener.
    const std::shared_ptr<metrics::ListenerStats> stats_owner = listener->stats;
    metrics::WorkerListenerStats& stats = stats_owner->worker(worker.index());
    stats.connections.add();
    stats.active_connections.add(1);
    struct ActiveConnection {
        metrics::Gauge& gauge;
        ~ActiveConnection() { gauge.add(-1); }
    } active{stats.active_connections};
    http1::ClientFacts client;
    client.address = remote.address().to_string();
    client.port = std::to_string(remote.port());
    core::logger("proxy")->debug("[l={} c={}:{}] connection accepted", listener->config.id, client.address,
                                 client.port);

    if (!listener->tls) {
        PlainStream stream(std::move(socket));
        Session<PlainStream> session(worker, stream, std::move(snapshot), listener, std::move(client),
                                     nullptr);
        session.set_client_ip(remote.address());
        co_await session.run();
        stream.socket().shutdown(tcp::socket::shutdown_send, ec);
        co_return;
    }

    SSL* ssl = SSL_new(listener->tls->ctx.get());
    if (ssl == nullptr) {
        core::logger("tls")->error("[l={}] SSL_new failed", listener->config.id);
        co_return;
    }
    TlsStream stream(PlainStream(std::move(socket)), ssl);  // the stream owns ssl from here
    tls::VerifyRecord record;
    tls::attach_verify_record(ssl, &record);
    const std::string client_text = fmt::format("{}:{}", client.address, client.port);

    // A connection still in its handshake has no request in flight, so a drain closes it.
    stream.next_layer().expires_after(listener->config.client_timeout);
    auto& tcp_layer = stream.next_layer();
    const std::uint64_t idle_id = worker.add_idle([&tcp_layer] { tcp_layer.cancel(); });
    const auto handshake_started = std::chrono::steady_clock::now();
    auto [handshake_error] =
        co_await stream.async_handshake(asio::ssl::stream_base::server, as_tuple(use_awaitable));
    worker.remove_idle(idle_id);
    if (handshake_error == asio::error::operation_aborted && worker.draining()) {
        core::logger("tls")->debug("[l={} c={}] handshake closed by shutdown", listener->config.id,
                                   client_text);
        co_return;
    }
    if (handshake_error) {
        // Asio moves the OpenSSL error from the queue into the error_code. It is pushed back
        // so that classify_handshake_failure can read it.
        if (handshake_error.category() == asio::error::get_ssl_category()) {
            const auto packed = static_cast<unsigned long>(handshake_error.value());
            ERR_raise(ERR_GET_LIB(packed), ERR_GET_REASON(packed));
        }
        tls::HandshakeFailure failure = handshake_error == beast::error::timeout
                                            ? tls::HandshakeFailure::Timeout
                                            : tls::classify_handshake_failure(ssl, record);
        if (failure == tls::HandshakeFailure::Other && record.error == 0 &&
            (handshake_error == asio::error::eof || handshake_error == asio::error::connection_reset ||
             handshake_error == asio::ssl::error::stream_truncated)) {
            failure = tls::HandshakeFailure::ClientClosed;
        }
        record_handshake_failure(worker, *listener, client, failure, record);
        tls::attach_verify_record(ssl, nullptr);
        co_return;
    }
    tls::attach_verify_record(ssl, nullptr);
    stats.handshakes.add();
    stats.handshake_duration.observe(std::chrono::steady_clock::now() - handshake_started);

    client.tls_protocol = SSL_get_version(ssl);
    client.tls_cipher = SSL_get_cipher_name(ssl);
    if (const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) {
        client.sni = sni;
    }
    client.alpn = alpn_of(ssl);

    Session<TlsStream> session(worker, stream, std::move(snapshot), listener, std::move(client), ssl);
    session.set_client_ip(remote.address());
    co_await session.run();

    // Sends close_notify without waiting long for the client's.
    stream.next_layer().expires_after(std::chrono::seconds(1));
    co_await stream.async_shutdown(as_tuple(use_awaitable));
}

}  // namespace tollgate::proxy
