#include "proxy/server.h"

#include "core/logging.h"
#include "model/config_loader.h"

#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tollgate::proxy {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr int kListenBacklog = 4096;

// Checks that no other process has bound `endpoint`. SO_REUSEPORT lets a second process with the
// same user bind a port that is in use and silently take part of its connections, so a
// first bind without SO_REUSEPORT must succeed.
core::Result<void> check_port_free(const tcp::endpoint& endpoint) {
    const int family = endpoint.address().is_v6() ? AF_INET6 : AF_INET;
    int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return core::Error::io(std::strerror(errno));
    }
    int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (family == AF_INET6) {
        ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    }
    const bool bound = ::bind(fd, endpoint.data(), static_cast<socklen_t>(endpoint.size())) == 0;
    const std::string reason = bound ? "" : std::strerror(errno);
    ::close(fd);
    if (!bound) {
        return core::Error::io(reason);
    }
    return {};
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

Server::Server(ServeOptions options)
    : options_(std::move(options)), signals_(control_, SIGHUP, SIGTERM, SIGINT), drain_timer_(control_) {}

Server::~Server() {
    for (auto& worker : workers_) {
        worker->stop();
    }
}

int Server::run() {
    auto log = core::logger("main");
    for (std::size_t index = 0; index < options_.workers; ++index) {
        workers_.push_back(std::make_unique<Worker>(index));
    }
    if (!load_and_publish(true)) {
        return 2;
    }
    for (auto& worker : workers_) {
        worker->start();
    }
    log->info("ready generation={} listeners={} workers={}", generation_, current_->listeners.size(),
              workers_.size());
    wait_for_signal();
    control_.run();
    for (auto& worker : workers_) {
        worker->stop();
    }
    log->info("stopped");
    return 0;
}

bool Server::load_and_publish(bool initial) {
    auto log = core::logger("config");
    const std::uint64_t next = generation_ + 1;
    auto loaded = model::load_config_file(options_.config_path);
    for (const auto& warning : loaded.warnings) {
        log->warn("{}", warning);
    }
    std::vector<std::string> errors;
    for (const auto& error : loaded.errors) {
        errors.push_back(error.to_string());
    }
    CompileResult compiled;
    if (errors.empty()) {
        compiled = compile_snapshot(loaded.config, next, workers_.size(), tls_cache_);
        for (const auto& warning : compiled.warnings) {
            log->warn("{}", warning);
        }
        errors = compiled.errors;
    }
    std::vector<std::vector<ListenSocket>> sockets;
    if (errors.empty()) {
        auto opened = open_new_listeners(*compiled.snapshot);
        if (opened) {
            sockets = std::move(*opened);
        } else {
            errors.push_back(opened.error().message);
        }
    }
    if (!errors.empty()) {
        if (!initial) {
            log->error("reload failed, keeping generation={}", generation_);
        }
        log_errors(errors);
        return false;
    }

    generation_ = next;
    current_ = compiled.snapshot;
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
    for (std::size_t index = 0; index < workers_.size(); ++index) {
        workers_[index]->apply(current_, std::move(sockets[index]));
    }
    if (!initial) {
        log->info("reload succeeded generation={}", generation_);
    }
    return true;
}

core::Result<std::vector<std::vector<ListenSocket>>> Server::open_new_listeners(const Snapshot& snapshot) {
    std::vector<std::vector<ListenSocket>> sockets(workers_.size());
    auto close_all = [&sockets] {
        for (auto& per_worker : sockets) {
            for (auto& socket : per_worker) {
                ::close(socket.fd);
            }
        }
    };
    std::set<tcp::endpoint> opened;
    for (const auto& listener : snapshot.listeners) {
        const auto& endpoint = listener->endpoint;
        if (open_endpoints_.contains(endpoint) || opened.contains(endpoint)) {
            continue;
        }
        if (auto free = check_port_free(endpoint); !free) {
            close_all();
            return core::Error::io(fmt::format(
                "listeners[{}]: cannot listen on {}: {}; stop the process that uses it or choose another "
                "protocol_port",
                listener->config.id, endpoint_text(endpoint), free.error().message));
        }
        for (std::size_t index = 0; index < workers_.size(); ++index) {
            auto fd = open_listen_socket(endpoint);
            if (!fd) {
                close_all();
                return core::Error::io(fmt::format(
                    "listeners[{}]: cannot listen on {}: {}; free the port or choose another protocol_port",
                    listener->config.id, endpoint_text(endpoint), fd.error().message));
            }
            sockets[index].push_back(ListenSocket{endpoint, *fd});
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
            core::logger("main")->info("reloading {}", options_.config_path.string());
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
