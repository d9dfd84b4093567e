#pragma once

#include "accesslog/handshake_log.h"
#include "accesslog/writer.h"
#include "core/error.h"
#include "metrics/report.h"
#include "model/config_loader.h"
#include "proxy/health/checker.h"
#include "proxy/health/registry.h"
#include "proxy/snapshot.h"
#include "proxy/worker.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace tollgate::proxy {

struct ServeOptions {
    // Reads the configuration, at start-up and on every SIGHUP.
    std::function<model::LoadResult()> load;
    // Names where `load` reads from in log lines, e.g. the configuration file's path.
    std::string source_name;
    // Runs on the control thread after each configuration that `load` read is published.
    std::function<void(const model::Config&)> on_published{};
    std::size_t workers = 1;
    std::chrono::seconds grace_period{30};
    // The access log, owned by the caller and kept until the Server is destroyed; null for none.
    accesslog::AccessLog* access_log = nullptr;
};

// Listening sockets opened for the workers, one list per worker. The destructor closes
// every socket that release() has not handed over.
class WorkerSockets {
public:
    explicit WorkerSockets(std::size_t workers) : sockets_(workers) {}
    WorkerSockets(WorkerSockets&& other) noexcept;
    WorkerSockets& operator=(WorkerSockets&& other) noexcept;
    WorkerSockets(const WorkerSockets&) = delete;
    WorkerSockets& operator=(const WorkerSockets&) = delete;
    ~WorkerSockets();

    void add(std::size_t worker, ListenSocket socket) { sockets_[worker].push_back(socket); }

    // Hands the sockets of one worker to the caller, who closes them from then on.
    std::vector<ListenSocket> release(std::size_t worker);

private:
    void close_all();

    std::vector<std::vector<ListenSocket>> sockets_;
};

// A compiled configuration with its new listening sockets open, built by Server::prepare()
// and not yet running. Destroying it unpublished closes those sockets.
class PreparedConfig {
public:
    const Snapshot& snapshot() const { return *snapshot_; }

private:
    friend class Server;
    PreparedConfig(std::shared_ptr<const Snapshot> snapshot, WorkerSockets sockets, std::uint64_t base)
        : snapshot_(std::move(snapshot)), sockets_(std::move(sockets)), base_generation_(base) {}

    std::shared_ptr<const Snapshot> snapshot_;
    WorkerSockets sockets_;          // only the endpoints that were not open at prepare time
    std::uint64_t base_generation_;  // the running generation that the sockets were opened against
};

// Runs the data plane: loads the configuration through ServeOptions::load, starts the
// workers, and handles SIGHUP (reload) and SIGTERM/SIGINT (graceful stop) on the calling
// thread, the control thread. Every member function runs on the control thread.
class Server {
public:
    explicit Server(ServeOptions options);
    ~Server();

    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Blocks until the server stops. Returns the process exit code: 0 after a graceful
    // stop, 2 when the configuration is invalid at start-up.
    int run();

    // Compiles `config` and opens the listening sockets it adds, without changing what
    // runs. Fails with ErrorKind::InvalidInput when the configuration does not compile (the
    // first error is the message and every error is logged), and with ErrorKind::Conflict
    // when another process has bound a listener's address and port.
    core::Result<PreparedConfig> prepare(const model::Config& config);

    // Makes `prepared` the running configuration: the workers swap in its snapshot, start
    // accepting on its new sockets and close the endpoints it no longer has. `prepared`
    // must come from the last prepare() since the previous publish(). Publishing an older
    // one aborts, because its sockets were opened against another running configuration.
    void publish(PreparedConfig&& prepared);

    // The io_context of the control thread, which run() runs. Other control-plane work,
    // such as the API server, runs on it too. After run() returns it is stopped.
    boost::asio::io_context& control_context() { return control_; }

    // Registers a callback that runs on the control thread when a graceful stop begins,
    // before the grace period, e.g. to close the API listener.
    void on_stop(std::function<void()> callback) { stop_callbacks_.push_back(std::move(callback)); }

    // The health of every member of the running configuration, which the active checker
    // and the workers keep up to date.
    const health::HealthRegistry& health() const { return health_; }

    // Returns what /metrics reports now: every listener's counters, member health and
    // certificate expiry.
    metrics::Report metrics_report() const;

    // The generation of the running configuration; 0 before the first publish().
    std::uint64_t generation() const { return generation_; }
    std::size_t listener_count() const { return current_ ? current_->listeners.size() : 0; }

private:
    // Loads, compiles and publishes the configuration. Returns false, keeping what runs
    // now, on any error.
    bool load_and_publish(bool initial);
    // Keeps the health records of the members that current_ has, and matches the active
    // checks to its pools.
    void publish_health();
    // Returns whether an open listener of this process binds the port of `endpoint` on the same
    // address or on the unspecified address of its family.
    bool covered_by_open_endpoint(const boost::asio::ip::tcp::endpoint& endpoint) const;
    core::Result<WorkerSockets> open_new_listeners(const Snapshot& snapshot);
    void wait_for_signal();
    // Logs the summaries of repeated handshake rejections once a second.
    void schedule_rejection_summaries();
    void begin_stop();
    void wait_for_drain(std::chrono::steady_clock::time_point deadline);

    ServeOptions options_;
    boost::asio::io_context control_{1};
    boost::asio::signal_set signals_;
    boost::asio::steady_timer drain_timer_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::set<boost::asio::ip::tcp::endpoint> open_endpoints_;
    std::shared_ptr<const Snapshot> current_;
    TlsContextCache tls_cache_;
    health::HealthRegistry health_;
    metrics::StatsRegistry stats_;
    accesslog::HandshakeLog handshake_log_;
    boost::asio::steady_timer summary_timer_{control_};
    health::HealthChecker checker_{control_};
    std::vector<std::function<void()>> stop_callbacks_;
    std::uint64_t generation_ = 0;
    bool stopping_ = false;
};

}  // namespace tollgate::proxy
