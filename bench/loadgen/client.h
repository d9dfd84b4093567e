#pragma once

#include "loadgen/options.h"
#include "loadgen/stats.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

namespace tollgate::bench {

// Decides when the run stops: at the deadline of --duration or after --requests starts,
// whichever comes first. Shared by every client of every thread.
class RunControl {
public:
    explicit RunControl(const Options& options);

    void start();

    // Returns true when one more request may start, and counts it.
    bool take_request();

private:
    std::optional<std::chrono::duration<double>> duration_;
    std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
    std::atomic<std::int64_t> remaining_;
};

// One simulated client: a sequence of requests on one connection at a time. In keepalive
// mode it reuses the connection while the server allows it; in handshake mode it opens a new
// connection for every request. Every member is used only from the thread of its executor.
class Client {
public:
    using Stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

    Client(boost::asio::any_io_executor executor, boost::asio::ssl::context& tls, const Options& options,
           const boost::asio::ip::tcp::endpoint& endpoint, const std::string& request, RunControl& control,
           Stats& stats);

    // Sends requests until the run control stops them. The client must outlive the executor's
    // run, because the timeout watchdog finishes after this coroutine.
    boost::asio::awaitable<void> run();

private:
    using Clock = std::chrono::steady_clock;
    using Response = boost::beast::http::response<boost::beast::http::string_body>;

    boost::asio::awaitable<void> send_requests();
    boost::asio::awaitable<bool> open_connection();
    boost::asio::awaitable<bool> exchange(Clock::time_point started);
    boost::asio::awaitable<void> close_connection();
    boost::asio::awaitable<void> watch_deadline();

    void arm_deadline();
    Clock::time_point next_deadline() const;
    void record_read_failure(const boost::system::error_code& error);
    bool check_expected_header(const Response& response);

    boost::asio::any_io_executor executor_;
    boost::asio::ssl::context& tls_;
    const Options& options_;
    boost::asio::ip::tcp::endpoint endpoint_;
    const std::string& request_;
    RunControl& control_;
    Stats& stats_;

    std::unique_ptr<Stream> stream_;
    boost::beast::flat_buffer buffer_;  // bytes read past the previous response stay here
    bool response_seen_ = false;        // a response completed on the current connection

    boost::asio::steady_timer timer_;
    Clock::time_point deadline_;
    bool timed_out_ = false;
    bool stopping_ = false;
};

}  // namespace tollgate::bench
