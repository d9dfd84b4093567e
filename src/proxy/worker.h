#pragma once

#include "accesslog/handshake_log.h"
#include "accesslog/writer.h"
#include "proxy/snapshot.h"
#include "proxy/upstream_pool.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <vector>

namespace tollgate::proxy {

// A listening socket handed from the control thread to one worker, already bound.
struct ListenSocket {
    boost::asio::ip::tcp::endpoint endpoint;
    int fd = -1;
};

// The process-wide logs that workers write to. Both outlive the workers.
struct Telemetry {
    accesslog::AccessLog* access_log = nullptr;  // null when the access log is off
    accesslog::HandshakeLog* handshake_log = nullptr;
};

// One event loop on its own thread, with its own acceptor per listener (SO_REUSEPORT), its
// own upstream connection pool and its own copy of the current snapshot pointer. Public
// methods other than the accessors marked thread-safe post work to the worker's thread.
class Worker {
public:
    explicit Worker(std::size_t index, Telemetry telemetry = {});
    ~Worker();

    void start();
    // Stops the event loop and joins the thread. Open connections are abandoned.
    void stop();

    // Swaps in `snapshot`, starts accepting on `sockets` and closes the acceptors of
    // endpoints that `snapshot` no longer has.
    void apply(std::shared_ptr<const Snapshot> snapshot, std::vector<ListenSocket> sockets);

    // Closes every acceptor and every idle keep-alive connection; requests in flight finish
    // and their connections close after the response.
    void drain();

    // Thread-safe: connections currently open on this worker.
    std::size_t open_connections() const { return open_connections_.load(std::memory_order_relaxed); }

    // The following are for sessions, on the worker's thread only.
    std::size_t index() const { return index_; }
    const std::shared_ptr<const Snapshot>& snapshot() const { return snapshot_; }
    UpstreamPool& upstream_pool() { return upstream_pool_; }
    bool draining() const { return draining_; }
    boost::asio::io_context& io_context() { return io_context_; }
    const Telemetry& telemetry() const { return telemetry_; }
    // Returns a new request id: 32 hexadecimal digits, a random prefix per worker and a counter.
    std::string next_request_id();

    // Registers a callback that closes a connection waiting for its next request; drain()
    // calls every registered one. The returned id unregisters it.
    std::uint64_t add_idle(std::function<void()> close);
    void remove_idle(std::uint64_t id);

private:
    struct Acceptor;

    void apply_on_thread(std::shared_ptr<const Snapshot> snapshot, std::vector<ListenSocket> sockets);
    void drain_on_thread();
    void start_accepting(std::shared_ptr<Acceptor> acceptor);
    boost::asio::awaitable<void> accept_loop(std::shared_ptr<Acceptor> acceptor);

    std::size_t index_;
    Telemetry telemetry_;
    std::uint64_t request_id_prefix_;
    std::uint64_t request_count_ = 0;
    boost::asio::io_context io_context_{1};
    std::thread thread_;
    std::shared_ptr<const Snapshot> snapshot_;
    std::map<boost::asio::ip::tcp::endpoint, std::shared_ptr<Acceptor>> acceptors_;
    UpstreamPool upstream_pool_;
    bool draining_ = false;
    std::map<std::uint64_t, std::function<void()>> idle_;
    std::uint64_t next_idle_id_ = 0;
    std::atomic<std::size_t> open_connections_{0};
};

}  // namespace tollgate::proxy
