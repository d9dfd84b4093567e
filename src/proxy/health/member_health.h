#pragma once

// The health of one pool member as the workers, the active checker and the API see it.

#include "model/resources.h"

#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate::proxy::health {

using Clock = std::chrono::steady_clock;

// The member operating_status values of the ELB API that tollgate reports.
enum class OperatingStatus : std::uint8_t { NoMonitor, Online, Offline };

std::string_view to_string(OperatingStatus status);  // "NO_MONITOR", "ONLINE", "OFFLINE"

// The cause of a failed probe or forwarded request. Each value maps to a reason_code of the
// ELB API.
enum class Failure : std::uint8_t {
    None,
    ConnectRefused,
    ConnectTimeout,
    ConnectFailed,
    TlsHandshakeFailed,
    SendFailed,
    SendTimeout,
    ReceiveFailed,
    ReceiveTimeout,
    MalformedResponse,
    StatusMismatch,  // a probe's status is not in expected_codes, or a request got a 5xx
};

// Returns the ELB reason_code of `failure`, e.g. "CONNECT_REFUSED"; empty for Failure::None.
std::string_view reason_code(Failure failure);
// Returns `failure` in words for logs, e.g. "connection refused"; empty for Failure::None.
std::string_view describe(Failure failure);

// Counts the probe results of one member and decides its active status: ONLINE after
// `rise` successes in a row (the monitor's max_retries), OFFLINE after `fall` failures in a
// row (max_retries_down). A result that agrees with the current status resets the opposite
// count. Plain state, used by the checker on the control thread only.
class ProbeCounter {
public:
    ProbeCounter(int rise, int fall) : rise_(rise), fall_(fall) {}

    // Records one probe result against `current` and returns the new status when the result
    // changes it.
    std::optional<OperatingStatus> record(bool healthy, OperatingStatus current);

    int successes() const { return successes_; }
    int failures() const { return failures_; }

private:
    int rise_;
    int fall_;
    int successes_ = 0;
    int failures_ = 0;
};

// The ejection that record_request_failure() made.
struct Ejection {
    std::chrono::seconds duration;
    std::uint32_t ejections;  // ejections in a row, this one included
};

// The shared health record of one member of one pool, keyed by pool id and backend address.
// It outlives configuration changes that keep the member. Workers read it on every request
// and update the passive counters, and the active checker writes the active status. Every
// field that more than one thread touches is an atomic, so no thread takes a lock.
class MemberHealth {
public:
    MemberHealth(std::string pool_id, boost::asio::ip::tcp::endpoint endpoint)
        : pool_id_(std::move(pool_id)), endpoint_(endpoint) {}

    const std::string& pool_id() const { return pool_id_; }
    const boost::asio::ip::tcp::endpoint& endpoint() const { return endpoint_; }

    // Returns the status that the active checker last set; NoMonitor when none probes it.
    OperatingStatus active_status() const { return active_status_.load(std::memory_order_relaxed); }
    void set_active_status(OperatingStatus status) {
        active_status_.store(status, std::memory_order_relaxed);
    }

    // Returns whether passive checking keeps the member out of balancing at `now`.
    bool ejected(Clock::time_point now) const {
        return ejected_until_.load(std::memory_order_relaxed) > now.time_since_epoch().count();
    }
    // Returns when the current or last ejection ends; nullopt when the member was never ejected.
    std::optional<Clock::time_point> ejected_until() const;

    // Returns the status to report: OFFLINE while the active checker reports OFFLINE or while
    // the member is ejected, else the active status.
    OperatingStatus operating_status(Clock::time_point now) const;

    // Counts a failed request. Ejects the member for the back-off when this failure is the
    // settings' consecutive_failures-th in a row, or the first one after an ejection ended
    // without a successful request since. Returns the ejection it made, or nullopt.
    // `status_code` is the status of a 5xx response, else 0.
    std::optional<Ejection> record_request_failure(const model::PassiveHealthCheck& settings, Failure failure,
                                                   int status_code, Clock::time_point now);
    // Clears the passive counters after a request that got a response below 500.
    void record_request_success();

    std::uint32_t consecutive_request_failures() const {
        return request_failures_.load(std::memory_order_relaxed);
    }

    // The last failure and, for Failure::StatusMismatch, the status code received; what the
    // API shows as the member's reason.
    Failure last_failure() const { return last_failure_.load(std::memory_order_relaxed); }
    int last_status_code() const { return last_status_code_.load(std::memory_order_relaxed); }
    void set_last_failure(Failure failure, int status_code = 0) {
        last_failure_.store(failure, std::memory_order_relaxed);
        last_status_code_.store(status_code, std::memory_order_relaxed);
    }

private:
    const std::string pool_id_;
    const boost::asio::ip::tcp::endpoint endpoint_;
    std::atomic<OperatingStatus> active_status_{OperatingStatus::NoMonitor};
    std::atomic<std::uint32_t> request_failures_{0};
    // Ejections since the last successful request; above 0 puts a returning member on probation.
    std::atomic<std::uint32_t> ejections_{0};
    // Clock::time_point ticks; 0 when the member was never ejected.
    std::atomic<Clock::rep> ejected_until_{0};
    std::atomic<Failure> last_failure_{Failure::None};
    std::atomic<int> last_status_code_{0};
};

// Returns the ejection time of the `ejections`-th ejection in a row: ejection_time doubled
// for each earlier one, at most max_ejection_time.
std::chrono::seconds ejection_duration(const model::PassiveHealthCheck& settings, std::uint32_t ejections);

}  // namespace tollgate::proxy::health
