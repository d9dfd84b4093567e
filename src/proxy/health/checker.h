#pragma once

// The active health checker: probes every member of every pool that has a health monitor,
// once per process, on the control thread's io_context.

#include "model/resources.h"
#include "proxy/health/member_health.h"
#include "proxy/health/probe.h"
#include "proxy/health/registry.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string_view>

namespace tollgate::proxy {
struct Snapshot;
}

namespace tollgate::proxy::health {

// Returns the delay of a member's first probe after its monitor starts, an offset below
// `delay` taken from a hash of the pool id and the member's address. The members of a pool
// are so probed at different times, and each member at the same phase after a restart.
std::chrono::milliseconds probe_offset(std::string_view pool_id,
                                       const boost::asio::ip::tcp::endpoint& endpoint,
                                       std::chrono::seconds delay);

// Probes each monitored member every `delay` seconds, counts the results and sets the
// member's active status. Every member function runs on the thread of the io_context given
// to the constructor, which also runs the probes.
class HealthChecker {
public:
    explicit HealthChecker(boost::asio::io_context& io);
    ~HealthChecker();

    HealthChecker(const HealthChecker&) = delete;
    HealthChecker& operator=(const HealthChecker&) = delete;

    // Matches the probes to the pools of `snapshot`, which has just been published. Members
    // whose pool keeps the same monitor keep their probe and its counts. New members of a
    // monitored pool, and members of a pool whose monitor is new or changed, start a new
    // probe with cleared counts and keep their status, ONLINE for a member that had none.
    // Members without an active monitor (none, or admin_state_up false) become NO_MONITOR.
    void configure(const Snapshot& snapshot);

    // Stops every probe; a probe in progress ends without recording its result.
    void stop();

    // Returns the number of members being probed.
    std::size_t probe_count() const { return targets_.size(); }

private:
    struct Target;

    void start(const std::shared_ptr<Target>& target);
    // Counts one probe result and logs the transition it causes.
    static void record(Target& target, const ProbeResult& result);

    boost::asio::io_context& io_;
    // The client context of HTTPS probes, shared with the probe loops, which may outlive a
    // stopped checker until the io_context destroys them.
    std::shared_ptr<boost::asio::ssl::context> tls_;
    std::map<HealthRegistry::Key, std::shared_ptr<Target>> targets_;
};

}  // namespace tollgate::proxy::health
