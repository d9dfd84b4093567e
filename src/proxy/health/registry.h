#pragma once

#include "proxy/health/member_health.h"

#include <boost/asio/ip/tcp.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tollgate::proxy::health {

// One member's health as the API and, later, metrics show it.
struct MemberHealthReport {
    std::string pool_id;
    std::string member_id;
    boost::asio::ip::tcp::endpoint endpoint;
    OperatingStatus operating_status = OperatingStatus::NoMonitor;
    Failure reason = Failure::None;  // set when operating_status is Offline
    // For Failure::StatusMismatch: the status received, and the codes that would have passed
    // ("200-299" from the monitor, or "100-499" when passive checking ejected the member).
    int status_code = 0;
    std::string expected_codes;
};

// The health records of the members of the running configuration, keyed by pool id and
// backend address and port. A record lives as long as a published configuration has the
// member, so a reload keeps a member that is down OFFLINE, while a member removed and added
// again starts afresh. Used on the control thread only; workers reach the records through
// their snapshot.
class HealthRegistry {
public:
    using Key = std::pair<std::string, boost::asio::ip::tcp::endpoint>;

    // Returns the record of the published configuration for this member, or a new one that
    // takes effect when a configuration holding it is published with publish().
    std::shared_ptr<MemberHealth> find_or_create(const std::string& pool_id,
                                                 const boost::asio::ip::tcp::endpoint& endpoint) const;

    struct PublishedMember {
        std::string member_id;
        std::shared_ptr<MemberHealth> health;
        std::string expected_codes;  // of the pool's active monitor, empty without one
    };
    // Replaces the records with those of a configuration that has just been published.
    void publish(std::vector<PublishedMember> members);

    // Returns the health of one member at `now`, or nullopt when no published pool has it.
    std::optional<MemberHealthReport> report(const std::string& pool_id,
                                             const boost::asio::ip::tcp::endpoint& endpoint,
                                             Clock::time_point now) const;

    // Returns the health of every member at `now`, ordered by pool id and address.
    std::vector<MemberHealthReport> list(Clock::time_point now) const;

private:
    std::map<Key, PublishedMember> entries_;
};

// Returns what the API shows for the member `published` at `now`.
MemberHealthReport report_of(const HealthRegistry::PublishedMember& published, Clock::time_point now);

}  // namespace tollgate::proxy::health
