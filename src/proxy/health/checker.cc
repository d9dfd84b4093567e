#include "proxy/health/checker.h"

#include "core/logging.h"
#include "proxy/balancer/source_ip.h"
#include "proxy/snapshot.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <set>
#include <vector>

namespace tollgate::proxy::health {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// Returns whether two monitors probe the same way, so that a reload that changes only the
// name keeps the running probes and their counts.
bool same_probe(const model::HealthMonitor& a, const model::HealthMonitor& b) {
    const auto same_codes = [](const model::ExpectedCodes& x, const model::ExpectedCodes& y) {
        return expected_codes_text(x) == expected_codes_text(y);
    };
    return a.id == b.id && a.type == b.type && a.delay == b.delay && a.timeout == b.timeout &&
           a.max_retries == b.max_retries && a.max_retries_down == b.max_retries_down &&
           a.monitor_port == b.monitor_port && a.url_path == b.url_path && a.domain_name == b.domain_name &&
           same_codes(a.expected_codes, b.expected_codes) && a.http_method == b.http_method;
}

}  // namespace

struct HealthChecker::Target {
    Target(asio::io_context& io, std::string pool_id, std::string member_id,
           const model::HealthMonitor& monitor, std::shared_ptr<MemberHealth> health)
        : pool_id(std::move(pool_id)),
          member_id(std::move(member_id)),
          monitor(monitor),
          health(std::move(health)),
          counter(monitor.max_retries, monitor.max_retries_down),
          timer(io) {
        const tcp::endpoint& member = this->health->endpoint();
        probe.endpoint = tcp::endpoint(member.address(), monitor.monitor_port.value_or(member.port()));
        probe.host = probe_host(monitor, probe.endpoint);
    }

    std::string pool_id;
    std::string member_id;
    model::HealthMonitor monitor;
    ProbeTarget probe;
    std::shared_ptr<MemberHealth> health;
    ProbeCounter counter;
    asio::steady_timer timer;
    bool stopped = false;
};

std::chrono::milliseconds probe_offset(std::string_view pool_id, const tcp::endpoint& endpoint,
                                       std::chrono::seconds delay) {
    const auto period = std::chrono::duration_cast<std::chrono::milliseconds>(delay).count();
    if (period <= 0) {
        return std::chrono::milliseconds(0);
    }
    std::vector<std::uint8_t> key(pool_id.begin(), pool_id.end());
    key.push_back(0);  // keeps ("ab", "c...") apart from ("a", "bc...")
    const std::string address = endpoint_text(endpoint);
    key.insert(key.end(), address.begin(), address.end());
    return std::chrono::milliseconds(hash_bytes(key) % static_cast<std::uint64_t>(period));
}

HealthChecker::HealthChecker(asio::io_context& io)
    : io_(io), tls_(std::make_shared<asio::ssl::context>(make_probe_tls_context())) {}

HealthChecker::~HealthChecker() {
    stop();
}

void HealthChecker::configure(const Snapshot& snapshot) {
    auto log = core::logger("health");
    std::map<HealthRegistry::Key, std::shared_ptr<Target>> next;
    for (const auto& pool : snapshot.pools) {
        const auto& members = pool->config.members;
        if (!pool->monitor) {
            for (const auto& health : pool->health) {
                health->set_active_status(OperatingStatus::NoMonitor);
            }
            continue;
        }
        std::size_t started = 0;
        for (std::size_t i = 0; i < members.size(); ++i) {
            const auto& health = pool->health[i];
            HealthRegistry::Key key{pool->config.id, health->endpoint()};
            auto found = targets_.find(key);
            if (found != targets_.end() && found->second->health == health &&
                same_probe(found->second->monitor, *pool->monitor)) {
                found->second->member_id = members[i].id;
                next.emplace(key, found->second);
                targets_.erase(found);
                continue;
            }
            if (health->active_status() == OperatingStatus::NoMonitor) {
                health->set_active_status(OperatingStatus::Online);
            }
            auto target =
                std::make_shared<Target>(io_, pool->config.id, members[i].id, *pool->monitor, health);
            start(target);
            next.emplace(std::move(key), std::move(target));
            ++started;
        }
        if (started > 0) {
            log->info("health checks started pool={} monitor={} type={} delay={}s timeout={}s members={}",
                      pool->config.id, pool->monitor->id, model::to_string(pool->monitor->type),
                      pool->monitor->delay.count(), pool->monitor->timeout.count(), started);
        }
    }

    // The remaining targets belong to removed members or probe with old settings.
    std::set<std::string> stopped_pools;
    for (auto& [key, target] : targets_) {
        target->stopped = true;
        target->timer.cancel();
        stopped_pools.insert(target->pool_id);
    }
    for (const auto& pool_id : stopped_pools) {
        log->debug("old health checks stopped pool={}", pool_id);
    }
    targets_ = std::move(next);
}

void HealthChecker::stop() {
    for (auto& [key, target] : targets_) {
        target->stopped = true;
        target->timer.cancel();
    }
    targets_.clear();
}

void HealthChecker::start(const std::shared_ptr<Target>& target) {
    auto loop = [](std::shared_ptr<Target> target,
                   std::shared_ptr<asio::ssl::context> tls) -> asio::awaitable<void> {
        const auto delay = std::chrono::duration_cast<Clock::duration>(target->monitor.delay);
        Clock::time_point next =
            Clock::now() + probe_offset(target->pool_id, target->health->endpoint(), target->monitor.delay);
        for (;;) {
            target->timer.expires_at(next);
            co_await target->timer.async_wait(asio::as_tuple(asio::use_awaitable));
            if (target->stopped) {
                co_return;
            }
            const ProbeResult result = co_await run_probe(target->monitor, target->probe, *tls);
            if (target->stopped) {
                co_return;
            }
            record(*target, result);

            // Probes start at fixed times, so that the time to mark a member down does not
            // grow with the probes' own duration. A probe slower than delay skips the
            // starts it missed.
            next += delay;
            const Clock::time_point now = Clock::now();
            if (next <= now) {
                next += ((now - next) / delay + 1) * delay;
            }
        }
    };
    asio::co_spawn(io_, loop(target, tls_),
                   [pool_id = target->pool_id, member_id = target->member_id](std::exception_ptr error) {
                       if (!error) {
                           return;
                       }
                       try {
                           std::rethrow_exception(error);
                       } catch (const std::exception& e) {
                           core::logger("health")->error("probe loop failed pool={} member={}: {}", pool_id,
                                                         member_id, e.what());
                       }
                   });
}

void HealthChecker::record(Target& target, const ProbeResult& result) {
    auto log = core::logger("health");
    MemberHealth& health = *target.health;
    const std::string address = endpoint_text(health.endpoint());
    if (!result.healthy()) {
        health.set_last_failure(result.failure, result.status_code);
        log->debug("probe failed pool={} member={} address={} probe={} reason=\"{}\"", target.pool_id,
                   target.member_id, address, endpoint_text(target.probe.endpoint), result.detail);
    }

    const auto changed = target.counter.record(result.healthy(), health.active_status());
    if (!changed) {
        return;
    }
    health.set_active_status(*changed);
    if (*changed == OperatingStatus::Offline) {
        log->warn("member down pool={} member={} address={} failures={} reason=\"{}\"", target.pool_id,
                  target.member_id, address, target.monitor.max_retries_down, result.detail);
    } else {
        log->info("member up pool={} member={} address={} successes={} result=\"{}\"", target.pool_id,
                  target.member_id, address, target.monitor.max_retries, result.detail);
    }
}

}  // namespace tollgate::proxy::health
