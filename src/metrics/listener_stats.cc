#include "metrics/listener_stats.h"

namespace tollgate::metrics {

std::size_t status_class_index(unsigned status) {
    if (status < 100 || status > 599) {
        return kStatusClasses - 1;
    }
    return status / 100 - 1;
}

ListenerStats::ListenerStats(std::string listener_id, std::string loadbalancer_id, std::size_t workers)
    : listener_id_(std::move(listener_id)),
      loadbalancer_id_(std::move(loadbalancer_id)),
      worker_count_(workers),
      workers_(std::make_unique<WorkerListenerStats[]>(workers)) {}

ListenerTotals ListenerStats::totals() const {
    ListenerTotals sum;
    sum.listener_id = listener_id_;
    sum.loadbalancer_id = loadbalancer_id_;
    for (std::size_t w = 0; w < worker_count_; ++w) {
        const WorkerListenerStats& worker = workers_[w];
        for (std::size_t i = 0; i < kStatusClasses; ++i) {
            sum.responses[i] += worker.responses[i].value();
        }
        for (std::size_t i = 0; i < kHandshakeFailures; ++i) {
            sum.handshake_failures[i] += worker.handshake_failures[i].value();
        }
        sum.bytes_received += worker.bytes_received.value();
        sum.bytes_sent += worker.bytes_sent.value();
        sum.connections += worker.connections.value();
        sum.active_connections += worker.active_connections.value();
        sum.handshakes += worker.handshakes.value();
        sum.handshake_duration += worker.handshake_duration.values();
        sum.request_duration += worker.request_duration.values();
        sum.upstream_connect_errors += worker.upstream_connect_errors.value();
        sum.upstream_timeouts += worker.upstream_timeouts.value();
    }
    return sum;
}

std::shared_ptr<ListenerStats> StatsRegistry::listener(const std::string& listener_id,
                                                       const std::string& loadbalancer_id) {
    std::lock_guard lock(mutex_);
    std::weak_ptr<ListenerStats>& slot = listeners_[listener_id];
    std::shared_ptr<ListenerStats> stats = slot.lock();
    if (!stats) {
        stats = std::make_shared<ListenerStats>(listener_id, loadbalancer_id, workers_);
        slot = stats;
    }
    return stats;
}

std::vector<ListenerTotals> StatsRegistry::totals() const {
    std::lock_guard lock(mutex_);
    std::vector<ListenerTotals> result;
    for (auto it = listeners_.begin(); it != listeners_.end();) {
        if (auto stats = it->second.lock()) {
            result.push_back(stats->totals());
            ++it;
        } else {
            it = listeners_.erase(it);
        }
    }
    return result;
}

}  // namespace tollgate::metrics
