#pragma once

#include "metrics/counters.h"
#include "tls/handshake.h"

#include <array>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace tollgate::metrics {

inline constexpr std::size_t kStatusClasses = 5;  // 1xx to 5xx
inline constexpr std::size_t kHandshakeFailures = static_cast<std::size_t>(tls::HandshakeFailure::Other) + 1;

// Returns the index of `status`'s class in WorkerListenerStats::responses: 0 for 1xx to 4
// for 5xx. Codes outside 100-599 count as 5xx.
std::size_t status_class_index(unsigned status);

// The counters of one listener on one worker thread. Only that thread writes them, and each
// worker's block has its own cache lines, so counting needs no lock and no shared write.
struct alignas(64) WorkerListenerStats {
    std::array<Counter, kStatusClasses> responses;  // responses sent, by status class
    Counter bytes_received;                         // from clients, TLS payload after decryption
    Counter bytes_sent;                             // to clients, before encryption
    Counter connections;                            // accepted connections
    Gauge active_connections;
    Counter handshakes;                                          // completed TLS handshakes
    std::array<Counter, kHandshakeFailures> handshake_failures;  // by tls::HandshakeFailure
    Histogram handshake_duration;
    Histogram request_duration;  // from the request head to the end of the response
    Counter upstream_connect_errors;
    Counter upstream_timeouts;
};

// The sum of every worker's counters of one listener, taken by a scrape.
struct ListenerTotals {
    std::string listener_id;
    std::string loadbalancer_id;
    std::array<std::uint64_t, kStatusClasses> responses{};
    std::uint64_t bytes_received = 0;
    std::uint64_t bytes_sent = 0;
    std::uint64_t connections = 0;
    std::int64_t active_connections = 0;
    std::uint64_t handshakes = 0;
    std::array<std::uint64_t, kHandshakeFailures> handshake_failures{};
    HistogramValues handshake_duration;
    HistogramValues request_duration;
    std::uint64_t upstream_connect_errors = 0;
    std::uint64_t upstream_timeouts = 0;
};

// The counters of one listener, one block per worker. Snapshots share it by listener id, so
// counts go on across configuration changes and connections that outlive a change still
// count into the same object.
class ListenerStats {
public:
    ListenerStats(std::string listener_id, std::string loadbalancer_id, std::size_t workers);

    const std::string& listener_id() const { return listener_id_; }
    WorkerListenerStats& worker(std::size_t index) { return workers_[index]; }
    ListenerTotals totals() const;

private:
    std::string listener_id_;
    std::string loadbalancer_id_;
    std::size_t worker_count_;
    std::unique_ptr<WorkerListenerStats[]> workers_;
};

// The listeners' counters of one process. The control thread gets them when it builds a
// snapshot, and a scrape reads them from any thread. A listener's counters live as long as
// a snapshot or a connection references them, so a deleted listener's series leave the next
// scrape after its last connection closes.
class StatsRegistry {
public:
    explicit StatsRegistry(std::size_t workers) : workers_(workers) {}

    // Returns the counters of `listener_id`, creating them on first use.
    std::shared_ptr<ListenerStats> listener(const std::string& listener_id,
                                            const std::string& loadbalancer_id);

    // Returns the totals of every live listener, ordered by listener id.
    std::vector<ListenerTotals> totals() const;

private:
    std::size_t workers_;
    mutable std::mutex mutex_;
    mutable std::map<std::string, std::weak_ptr<ListenerStats>> listeners_;
};

}  // namespace tollgate::metrics
