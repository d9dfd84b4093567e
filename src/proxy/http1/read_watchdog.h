#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>

namespace tollgate::proxy::http1 {

// A read deadline that cancels the socket's pending operations instead of closing the
// socket, as beast::tcp_stream's own expiry does, so that the proxy can still send 408.
// Belongs to one connection and its thread.
class ReadWatchdog {
public:
    explicit ReadWatchdog(const boost::asio::any_io_executor& executor) : timer_(executor) {}

    // Starts the deadline for the next read on `socket`.
    void arm(boost::asio::ip::tcp::socket& socket, std::chrono::steady_clock::duration timeout) {
        fired_ = false;
        timer_.expires_after(timeout);
        // The handler runs with operation_aborted when the timer is cancelled or destroyed,
        // and touches nothing then.
        timer_.async_wait([this, &socket](const boost::system::error_code& ec) {
            if (ec) {
                return;
            }
            fired_ = true;
            boost::system::error_code ignored;
            socket.cancel(ignored);
        });
    }

    void disarm() { timer_.cancel(); }

    // Returns whether the last armed deadline passed.
    bool fired() const { return fired_; }

private:
    boost::asio::steady_timer timer_;
    bool fired_ = false;
};

}  // namespace tollgate::proxy::http1
