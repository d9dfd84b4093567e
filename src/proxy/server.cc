#include "proxy/server.h"

#include "core/check.h"
#include "core/logging.h"

#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace tollgate::proxy {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr int kListenBacklog = 4096;

// Checks that no other process has bound `endpoint` and returns 0 or the errno of the bind.
// SO_REUSEPORT lets a second process with the same user bind a port that is in use and
// silently take part of its connections, so a first bind without SO_REUSEPORT must succeed.
int check_port_free(const tcp::endpoint& endpoint) {
    const int family = endpoint.address().is_v6() ? AF_INET6 : AF_INET;
    int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return errno;
    }
    int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (family == AF_INET6) {
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    }
    const bool bound = ::bind(fd, endpoint.data(), static_cast<socklen_t>(endpoint.size())) == 0;
    const int error = bound ? 0 : errno;
    ::close(fd);
    return error;
}

// Builds the error for a listener address that cannot be bound. EADDRINUSE means that another
// process uses the port, which is a Conflict. A privileged port or an address that is not on
// this host is InvalidInput, because another configuration value fixes it. The rest is Io.
core::Error listen_error(const ListenerRuntime& listener, int error) {
    const std::string prefix = fmt::format("listeners[{}]: cannot listen on {}: {}", listener.config.id,
                                           endpoint_text(listener.endpoint), std::strerror(error));
    if (error == EACCES) {
        return core::Error::invalid(prefix +
                                    "; choose a protocol_port of 1024 or above, or give tollgate the "
                                    "CAP_NET_BIND_SERVICE capability");
    }
    if (error == EADDRNOTAVAIL) {
        return core::Error::invalid(prefix + "; use a vip_address that is assigned to this host");
    }
    core::Error failure =
        core::Error::io(prefix + "; stop the process that uses it or choose another protocol_port");
    if (error == EADDRINUSE) {
        failure.kind = core::ErrorKind::Conflict;
        failure.retryable = false;
    }
    return failure;
}

// Opens one listening socket with SO_REUSEPORT, so that every worker can have its own.
core::Result<int> open_listen_socket(const tcp::endpoint& endpoint) {
    const int family = endpoint.address().is_v6() ? AF_INET6 : AF_INET;
    int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return core::Error::io(std::strerror(errno));
    }
    int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on);
    if (family == AF_INET6) {
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    }
    if (::bind(fd, endpoint.data(), static_cast<socklen_t>(endpoint.size())) != 0 ||
        ::listen(fd, kListenBacklog) != 0) {
        std::string reason = std::strerror(errno);
        ::close(fd);
        return core::Error::io(reason);
    }
    return fd;
}

void log_errors(const std::vector<std::string>& errors) {
    auto log = core::logger("config");
    for (const auto& error : errors) {
        log->error("config error: {}", error);
    }
}

}  // namespace

WorkerSockets::WorkerSockets(WorkerSockets&& other) noexcept : sockets_(std::exchange(other.sockets_, {})) {}

WorkerSockets& WorkerSockets::operator=(WorkerSockets&& other) noexcept {
    if (this != &other) {
        close_all();
        sockets_ = std::exchange(other.sockets_, {});
    }
    return *this;
}

WorkerSockets::~WorkerSockets() {
    close_all();
}

std::vector<ListenSocket> WorkerSockets::release(std::size_t worker) {
    return std::exchange(sockets_[worker], {});
}

void WorkerSockets::close_all() {
    for (auto& per_worker : sockets_) {
        for (const auto& socket : per_worker) {
            ::close(socket.fd);
        }
        per_worker.clear();
    }
}

Server::Server(ServeOptions options)
    : options_(std::move(options)),
      signals_(control_, SIGHUP, SIGTERM, SIGINT),
      drain_timer_(control_),
      stats_(options_.workers) {
    // The workers exist before run() because prepare() builds balancers and opens sockets
    // for each of them.
    Telemetry telemetry{.access_log = options_.access_log, .handshake_log = &handshake_log_};
    for (std::size_t index = 0; index < options_.workers; ++index) {
        workers_.push_back(std::make_unique<Worker>(index, telemetry));
    }
}

metrics::Report Server::metrics_report() const {
    metrics::Report report;
    report.listeners = stats_.totals();
    for (const auto& member : health_.list(health::Clock::now())) {
        report.members.push_back({member.pool_id, member.member_id, endpoint_text(member.endpoint),
                                  std::string(health::to_string(member.operating_status))});
    }
    if (current_) {
        const auto now = std::chrono::system_clock::now();
        for (const auto& certificate : current_->certificates) {
            report.certificates.push_back(
                {certificate.id, certificate.name, certificate.type,
                 std::chrono::duration<double>(certificate.not_after - now).count()});
        }
    }
    return report;
}

void Server::schedule_rejection_summaries() {
    summary_timer_.expires_after(std::chrono::seconds(1));
    summary_timer_.async_wait([this](const boost::system::error_code& error) {
        if (error) {
            return;
        }
        for (const auto& summary : handshake_log_.take_summaries(std::chrono::steady_clock::now())) {
            core::logger("tls")->info(
                "handshakes rejected listener={} client={} reason={} repeats={} window={}s: not logged one "
                "by one",
                summary.source.listener_id, summary.source.client_address, summary.source.reason,
                summary.repeats, summary.window.count());
        }
        if (!stopping_) {
            schedule_rejection_summaries();
        }
    });
}

Server::~Server() {
    for (auto& worker : workers_) {
        worker->stop();
    }
}

int Server::run() {
    auto log = core::logger("main");
    if (!load_and_publish(true)) {
        return 2;
    }
    for (auto& worker : workers_) {
        worker->start();
    }
    log->info("ready generation={} listeners={} workers={}", generation_, current_->listeners.size(),
              workers_.size());
    wait_for_signal();
    schedule_rejection_summaries();
    control_.run();
    checker_.stop();
    for (auto& worker : workers_) {
        worker->stop();
    }
    log->info("stopped");
    return 0;
}

bool Server::load_and_publish(bool initial) {
    auto log = core::logger("config");
    auto loaded = options_.load();
    for (const auto& warning : loaded.warnings) {
        log->warn("{}", warning);
    }
    if (!loaded.ok()) {
        if (!initial) {
            log->error("reload failed, keeping generation={}", generation_);
        }
        std::vector<std::string> errors;
        for (const auto& error : loaded.errors) {
            errors.push_back(error.to_string());
        }
        log_errors(errors);
        return false;
    }

    auto prepared = prepare(loaded.config);
    if (!prepared) {
        // prepare() has logged every error.
        if (!initial) {
            log->error("reload failed, keeping generation={}", generation_);
        }
        return false;
    }
    publish(std::move(*prepared));
    if (!initial) {
        log->info("reload succeeded generation={}", generation_);
    }
    if (options_.on_published) {
        options_.on_published(loaded.config);
    }
    return true;
}

core::Result<PreparedConfig> Server::prepare(const model::Config& config) {
    auto log = core::logger("config");
    auto compiled = compile_snapshot(config, generation_ + 1, workers_.size(), tls_cache_, health_, &stats_);
    for (const auto& warning : compiled.warnings) {
        log->warn("{}", warning);
    }
    if (!compiled.errors.empty()) {
        log_errors(compiled.errors);
        return core::Error::invalid(compiled.errors.front());
    }

    auto sockets = open_new_listeners(*compiled.snapshot);
    if (!sockets) {
        log_errors({sockets.error().message});
        return sockets.error();
    }
    return PreparedConfig(std::move(compiled.snapshot), std::move(*sockets), generation_);
}

void Server::publish(PreparedConfig&& prepared) {
    TG_CHECK(prepared.base_generation_ == generation_);
    if (stopping_) {
        // The workers are draining, and new acceptors would take connections that the stop
        // then cuts off. Destroying `prepared` closes its sockets.
        core::logger("main")->info("stopping, so generation={} is not applied",
                                   prepared.snapshot_->generation);
        return;
    }
    generation_ = prepared.snapshot_->generation;
    current_ = std::move(prepared.snapshot_);

    std::set<tcp::endpoint> endpoints;
    for (const auto& listener : current_->listeners) {
        endpoints.insert(listener->endpoint);
        if (!open_endpoints_.contains(listener->endpoint)) {
            core::logger("proxy")->info("listening listener={} address={} protocol={}", listener->config.id,
                                        endpoint_text(listener->endpoint),
                                        model::to_string(listener->config.protocol));
        }
    }
    for (const auto& endpoint : open_endpoints_) {
        if (!endpoints.contains(endpoint)) {
            core::logger("proxy")->info("closing address={}", endpoint_text(endpoint));
        }
    }
    open_endpoints_ = std::move(endpoints);
    publish_health();
    for (std::size_t index = 0; index < workers_.size(); ++index) {
        workers_[index]->apply(current_, prepared.sockets_.release(index));
    }
}

void Server::publish_health() {
    std::vector<health::HealthRegistry::PublishedMember> members;
    for (const auto& pool : current_->pools) {
        for (std::size_t i = 0; i < pool->health.size(); ++i) {
            members.push_back(
                {pool->config.members[i].id, pool->health[i],
                 pool->monitor ? health::expected_codes_text(pool->monitor->expected_codes) : ""});
        }
    }
    health_.publish(std::move(members));
    checker_.configure(*current_);
}

bool Server::covered_by_open_endpoint(const tcp::endpoint& endpoint) const {
    for (const auto& open : open_endpoints_) {
        if (open.port() != endpoint.port() || open.address().is_v6() != endpoint.address().is_v6()) {
            continue;
        }
        if (open.address() == endpoint.address() || open.address().is_unspecified() ||
            endpoint.address().is_unspecified()) {
            return true;
        }
    }
    return false;
}

core::Result<WorkerSockets> Server::open_new_listeners(const Snapshot& snapshot) {
    // Destroying `sockets` on an early return closes what this call has opened.
    WorkerSockets sockets(workers_.size());
    std::set<tcp::endpoint> opened;
    for (const auto& listener : snapshot.listeners) {
        const auto& endpoint = listener->endpoint;
        if (open_endpoints_.contains(endpoint) || opened.contains(endpoint)) {
            continue;
        }
        // The probe cannot tell this process's sockets from another's, so it is skipped when an
        // open listener of this process covers the port. Otherwise moving a listener between
        // 0.0.0.0 and one address would always fail against its old socket. The kernel still
        // rejects the bind when a process without SO_REUSEPORT has the port.
        if (!covered_by_open_endpoint(endpoint)) {
            if (const int error = check_port_free(endpoint); error != 0) {
                return listen_error(*listener, error);
            }
        }
        for (std::size_t index = 0; index < workers_.size(); ++index) {
            auto fd = open_listen_socket(endpoint);
            if (!fd) {
                return core::Error::io(fmt::format(
                    "listeners[{}]: cannot listen on {}: {}; free the port or choose another protocol_port",
                    listener->config.id, endpoint_text(endpoint), fd.error().message));
            }
            sockets.add(index, ListenSocket{endpoint, *fd});
        }
        opened.insert(endpoint);
    }
    return sockets;
}

void Server::wait_for_signal() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
        if (ec) {
            return;
        }
        if (signal == SIGHUP && !stopping_) {
            core::logger("main")->info("reloading {}", options_.source_name);
            load_and_publish(false);
            wait_for_signal();
            return;
        }
        if (signal == SIGTERM || signal == SIGINT) {
            begin_stop();
        }
    });
}

void Server::begin_stop() {
    if (stopping_) {
        return;
    }
    stopping_ = true;
    summary_timer_.cancel();
    for (auto& callback : stop_callbacks_) {
        callback();
    }
    std::size_t open = 0;
    for (auto& worker : workers_) {
        worker->drain();
        open += worker->open_connections();
    }
    core::logger("main")->info("stopping: waiting up to {}s for {} connections",
                               options_.grace_period.count(), open);
    wait_for_drain(std::chrono::steady_clock::now() + options_.grace_period);
}

void Server::wait_for_drain(std::chrono::steady_clock::time_point deadline) {
    std::size_t open = 0;
    for (auto& worker : workers_) {
        open += worker->open_connections();
    }
    if (open == 0 || std::chrono::steady_clock::now() >= deadline) {
        if (open > 0) {
            core::logger("main")->warn("grace period over, closing {} connections", open);
        }
        signals_.cancel();
        control_.stop();
        return;
    }
    // Polls the connection counters; they are atomics written by the workers.
    drain_timer_.expires_after(std::chrono::milliseconds(50));
    drain_timer_.async_wait([this, deadline](const boost::system::error_code& ec) {
        if (!ec) {
            wait_for_drain(deadline);
        }
    });
}

}  // namespace tollgate::proxy
