#pragma once

#include "proxy/snapshot.h"
#include "proxy/worker.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <vector>

namespace tollgate::proxy {

struct ServeOptions {
    std::filesystem::path config_path;
    std::size_t workers = 1;
    std::chrono::seconds grace_period{30};
};

// Runs tollgate from a configuration file: loads and compiles it, starts the workers, and
// handles SIGHUP (reload) and SIGTERM/SIGINT (graceful stop) on the calling thread.
class Server {
public:
    explicit Server(ServeOptions options);
    ~Server();

    // Blocks until the server stops. Returns the process exit code: 0 after a graceful
    // stop, 2 when the configuration is invalid at start-up, 1 on other start-up failures.
    int run();

private:
    // Loads, compiles and publishes the configuration file. Returns false, keeping what
    // runs now, on any error.
    bool load_and_publish(bool initial);
    core::Result<std::vector<std::vector<ListenSocket>>> open_new_listeners(const Snapshot& snapshot);
    void wait_for_signal();
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
    std::uint64_t generation_ = 0;
    bool stopping_ = false;
};

}  // namespace tollgate::proxy
