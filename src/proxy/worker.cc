#include "proxy/worker.h"

#include "core/logging.h"
#include "proxy/session.h"

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cerrno>
#include <random>

namespace tollgate::proxy {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// How long an acceptor waits after running out of descriptors or memory.
constexpr std::chrono::milliseconds kAcceptPause{250};

}  // namespace

struct Worker::Acceptor {
    explicit Acceptor(asio::io_context& io) : acceptor(io) {}
    tcp::acceptor acceptor;
};

Worker::Worker(std::size_t index, Telemetry telemetry)
    : index_(index),
      telemetry_(telemetry),
      request_id_prefix_(std::random_device{}() * 0x100000000ull ^ std::random_device{}()) {}

std::string Worker::next_request_id() {
    return fmt::format("{:016x}{:016x}", request_id_prefix_, ++request_count_);
}

Worker::~Worker() {
    stop();
}

void Worker::start() {
    thread_ = std::thread([this] {
        auto guard = asio::make_work_guard(io_context_);
        io_context_.run();
    });
}

void Worker::stop() {
    io_context_.stop();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void Worker::apply(std::shared_ptr<const Snapshot> snapshot, std::vector<ListenSocket> sockets) {
    asio::post(io_context_, [this, snapshot = std::move(snapshot), sockets = std::move(sockets)]() mutable {
        apply_on_thread(std::move(snapshot), std::move(sockets));
    });
}

void Worker::drain() {
    asio::post(io_context_, [this] { drain_on_thread(); });
}

std::uint64_t Worker::add_idle(std::function<void()> close) {
    std::uint64_t id = ++next_idle_id_;
    idle_.emplace(id, std::move(close));
    return id;
}

void Worker::remove_idle(std::uint64_t id) {
    idle_.erase(id);
}

void Worker::apply_on_thread(std::shared_ptr<const Snapshot> snapshot, std::vector<ListenSocket> sockets) {
    snapshot_ = std::move(snapshot);
    for (auto it = acceptors_.begin(); it != acceptors_.end();) {
        bool kept = std::any_of(snapshot_->listeners.begin(), snapshot_->listeners.end(),
                                [&](const auto& listener) { return listener->endpoint == it->first; });
        if (kept) {
            ++it;
            continue;
        }
        boost::system::error_code ignored;
        it->second->acceptor.close(ignored);
        it = acceptors_.erase(it);
    }
    for (auto& socket : sockets) {
        auto acceptor = std::make_shared<Acceptor>(io_context_);
        boost::system::error_code ec;
        acceptor->acceptor.assign(socket.endpoint.protocol(), socket.fd, ec);
        if (ec) {
            core::logger("proxy")->error("worker {}: cannot adopt listening socket: {}", index_,
                                         ec.message());
            continue;
        }
        acceptors_[socket.endpoint] = acceptor;
        start_accepting(acceptor);
    }
}

void Worker::drain_on_thread() {
    draining_ = true;
    for (auto& [endpoint, acceptor] : acceptors_) {
        boost::system::error_code ignored;
        acceptor->acceptor.close(ignored);
    }
    acceptors_.clear();
    auto idle = std::move(idle_);
    idle_.clear();
    for (auto& [id, close] : idle) {
        close();
    }
    upstream_pool_.clear();
}

void Worker::start_accepting(std::shared_ptr<Acceptor> acceptor) {
    asio::co_spawn(io_context_, accept_loop(std::move(acceptor)), [this](std::exception_ptr error) {
        if (error) {
            try {
                std::rethrow_exception(error);
            } catch (const std::exception& e) {
                core::logger("proxy")->error("worker {}: accept loop failed: {}", index_, e.what());
            }
        }
    });
}

asio::awaitable<void> Worker::accept_loop(std::shared_ptr<Acceptor> acceptor) {
    auto log = core::logger("proxy");
    const tcp::endpoint local = acceptor->acceptor.local_endpoint();
    for (;;) {
        auto [ec, socket] = co_await acceptor->acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
        if (ec == asio::error::operation_aborted || !acceptor->acceptor.is_open()) {
            co_return;
        }
        if (ec) {
            // Out of descriptors or memory: accepting again at once would fail again in a busy
            // loop, so the acceptor pauses and the failure is logged once per pause.
            const bool exhausted = ec == asio::error::no_descriptors || ec.value() == ENFILE ||
                                   ec == asio::error::no_buffer_space || ec == asio::error::no_memory;
            if (!exhausted) {
                log->debug("worker {}: accept on {} failed: {}", index_, local.port(), ec.message());
                continue;
            }
            log->warn("worker {}: accept on {} failed: {}; pausing accepts for {} ms", index_, local.port(),
                      ec.message(), kAcceptPause.count());
            asio::steady_timer pause(io_context_, kAcceptPause);
            co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        const ListenerRuntime* listener = nullptr;
        for (const auto& candidate : snapshot_->listeners) {
            if (candidate->endpoint == local) {
                listener = candidate.get();
                break;
            }
        }
        if (listener == nullptr) {
            continue;  // the listener was removed by a reload that is being applied
        }
        open_connections_.fetch_add(1, std::memory_order_relaxed);
        asio::co_spawn(io_context_, serve_connection(*this, std::move(socket), snapshot_, listener),
                       [this](std::exception_ptr error) {
                           open_connections_.fetch_sub(1, std::memory_order_relaxed);
                           if (!error) {
                               return;
                           }
                           try {
                               std::rethrow_exception(error);
                           } catch (const std::exception& e) {
                               core::logger("proxy")->error(
                                   "worker {}: connection failed with an exception: {}", index_, e.what());
                           }
                       });
    }
}

}  // namespace tollgate::proxy
