#include "loadgen/client.h"

#include "loadgen/tls_client.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <limits>

namespace tollgate::bench {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::uint64_t kMaxBodyBytes = 16 * 1024 * 1024;

}  // namespace

RunControl::RunControl(const Options& options)
    : duration_(options.duration),
      remaining_(options.requests.value_or(std::numeric_limits<std::int64_t>::max())) {}

void RunControl::start() {
    if (duration_) {
        deadline_ = std::chrono::steady_clock::now() +
                    std::chrono::duration_cast<std::chrono::steady_clock::duration>(*duration_);
    }
}

bool RunControl::take_request() {
    if (std::chrono::steady_clock::now() >= deadline_) {
        return false;
    }
    return remaining_.fetch_sub(1, std::memory_order_relaxed) > 0;
}

Client::Client(asio::any_io_executor executor, asio::ssl::context& tls, const Options& options,
               const asio::ip::tcp::endpoint& endpoint, const std::string& request, RunControl& control,
               Stats& stats)
    : executor_(executor),
      tls_(tls),
      options_(options),
      endpoint_(endpoint),
      request_(request),
      control_(control),
      stats_(stats),
      timer_(executor) {}

asio::awaitable<void> Client::run() {
    arm_deadline();
    asio::co_spawn(executor_, watch_deadline(), [](std::exception_ptr error) {
        if (error) {
            std::rethrow_exception(error);
        }
    });

    co_await send_requests();

    stopping_ = true;
    timer_.cancel();
}

asio::awaitable<void> Client::send_requests() {
    while (control_.take_request()) {
        const auto started = Clock::now();
        if (!stream_ && !co_await open_connection()) {
            continue;
        }
        const bool reusable = co_await exchange(started);
        if (!reusable || options_.mode == Mode::Handshake) {
            co_await close_connection();
        }
    }
    if (stream_) {
        co_await close_connection();
    }
}

asio::awaitable<bool> Client::open_connection() {
    stream_ = std::make_unique<Stream>(executor_, tls_);
    buffer_.clear();
    response_seen_ = false;
    if (auto prepared = prepare_connection(stream_->native_handle(), options_.target); !prepared) {
        stats_.record_failure(FailureKind::Handshake, prepared.error().message);
        stream_.reset();
        co_return false;
    }

    arm_deadline();
    auto [connect_error] = co_await stream_->next_layer().async_connect(endpoint_, kUseTuple);
    if (connect_error) {
        stats_.record_failure(FailureKind::Connect,
                              timed_out_ ? "connect timed out" : connect_error.message());
        stream_.reset();
        co_return false;
    }
    stream_->next_layer().set_option(asio::ip::tcp::no_delay(true));

    auto [handshake_error] = co_await stream_->async_handshake(asio::ssl::stream_base::client, kUseTuple);
    if (handshake_error) {
        stats_.record_failure(FailureKind::Handshake,
                              timed_out_ ? "handshake timed out" : handshake_error.message());
        stream_.reset();
        co_return false;
    }

    stats_.record_connection();
    SSL* ssl = stream_->native_handle();
    stats_.record_tls_parameters(SSL_get_version(ssl), SSL_get_cipher_name(ssl));
    co_return true;
}

// Sends one request and reads its response. Returns whether the connection may carry the
// next request.
asio::awaitable<bool> Client::exchange(Clock::time_point started) {
    arm_deadline();
    auto [write_error, written] = co_await asio::async_write(*stream_, asio::buffer(request_), kUseTuple);
    if (write_error) {
        stats_.record_failure(FailureKind::Io, timed_out_ ? "writing the request timed out"
                                                          : "write: " + write_error.message());
        co_return false;
    }

    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxBodyBytes);
    auto [read_error, read] = co_await http::async_read(*stream_, buffer_, parser, kUseTuple);
    if (read_error == asio::ssl::error::stream_truncated && parser.is_header_done() && parser.need_eof()) {
        // A body delimited by the end of the connection, closed without close_notify. Accepted
        // as complete, as curl accepts it.
        parser.put_eof(read_error);
    }
    if (read_error) {
        record_read_failure(read_error);
        co_return false;
    }
    response_seen_ = true;

    const auto& response = parser.get();
    if (response.result_int() != options_.expect_status) {
        stats_.record_failure(FailureKind::Status, "status " + std::to_string(response.result_int()) +
                                                       ", expected " +
                                                       std::to_string(options_.expect_status));
        co_return response.keep_alive();
    }
    if (options_.expect_header && !check_expected_header(response)) {
        co_return response.keep_alive();
    }
    stats_.record_success(Clock::now() - started);
    co_return response.keep_alive();
}

// Returns whether the response carries the expected header; records a failure if not.
bool Client::check_expected_header(const Response& response) {
    const auto& expected = *options_.expect_header;
    const auto found = response.find(expected.name);
    if (found == response.end()) {
        stats_.record_failure(FailureKind::MissingHeader, "header " + expected.name + " is missing");
        return false;
    }
    if (found->value() != expected.value) {
        stats_.record_failure(FailureKind::MissingHeader, "header " + expected.name + " is \"" +
                                                              std::string(found->value()) +
                                                              "\", expected \"" + expected.value + "\"");
        return false;
    }
    return true;
}

void Client::record_read_failure(const boost::system::error_code& error) {
    if (timed_out_) {
        stats_.record_failure(FailureKind::Io, "reading the response timed out");
        return;
    }
    // With TLS 1.3 the client finishes its handshake before the server has checked the client
    // certificate, so a rejection arrives as an alert on the first read.
    if (!response_seen_ && error.category() == asio::error::get_ssl_category()) {
        stats_.record_failure(FailureKind::Handshake, "alert after handshake: " + error.message());
        return;
    }
    stats_.record_failure(FailureKind::Io, "read: " + error.message());
}

// Sends close_notify and waits for the server's, so the server closes first and keeps the
// TIME_WAIT state. Servers that close without close_notify make this fail, which is ignored.
asio::awaitable<void> Client::close_connection() {
    arm_deadline();
    co_await stream_->async_shutdown(kUseTuple);
    stream_.reset();
}

void Client::arm_deadline() {
    timed_out_ = false;
    deadline_ = next_deadline();
}

Client::Clock::time_point Client::next_deadline() const {
    return Clock::now() + std::chrono::duration_cast<Clock::duration>(options_.timeout);
}

// Closes the socket when an operation outlives its deadline. Operations only move deadline_
// forward, so the timer is re-armed when it fires rather than on every operation.
asio::awaitable<void> Client::watch_deadline() {
    while (!stopping_) {
        timer_.expires_at(deadline_);
        co_await timer_.async_wait(kUseTuple);
        if (stopping_ || Clock::now() < deadline_) {
            continue;
        }
        timed_out_ = true;
        if (stream_) {
            boost::system::error_code ignored;
            stream_->next_layer().close(ignored);
        }
        deadline_ = next_deadline();
    }
}

}  // namespace tollgate::bench
