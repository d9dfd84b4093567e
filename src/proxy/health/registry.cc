#include "proxy/health/registry.h"

namespace tollgate::proxy::health {

std::shared_ptr<MemberHealth> HealthRegistry::find_or_create(
    const std::string& pool_id, const boost::asio::ip::tcp::endpoint& endpoint) const {
    if (auto found = entries_.find(Key{pool_id, endpoint}); found != entries_.end()) {
        return found->second.health;
    }
    return std::make_shared<MemberHealth>(pool_id, endpoint);
}

void HealthRegistry::publish(std::vector<PublishedMember> members) {
    std::map<Key, PublishedMember> entries;
    for (auto& member : members) {
        Key key{member.health->pool_id(), member.health->endpoint()};
        entries[std::move(key)] = std::move(member);
    }
    entries_ = std::move(entries);
}

std::optional<MemberHealthReport> HealthRegistry::report(const std::string& pool_id,
                                                         const boost::asio::ip::tcp::endpoint& endpoint,
                                                         Clock::time_point now) const {
    auto found = entries_.find(Key{pool_id, endpoint});
    if (found == entries_.end()) {
        return std::nullopt;
    }
    return report_of(found->second, now);
}

std::vector<MemberHealthReport> HealthRegistry::list(Clock::time_point now) const {
    std::vector<MemberHealthReport> reports;
    reports.reserve(entries_.size());
    for (const auto& [key, entry] : entries_) {
        reports.push_back(report_of(entry, now));
    }
    return reports;
}

MemberHealthReport report_of(const HealthRegistry::PublishedMember& published, Clock::time_point now) {
    const MemberHealth& health = *published.health;
    MemberHealthReport report;
    report.pool_id = health.pool_id();
    report.member_id = published.member_id;
    report.endpoint = health.endpoint();
    report.operating_status = health.operating_status(now);
    if (report.operating_status != OperatingStatus::Offline) {
        return report;
    }
    report.reason = health.last_failure();
    if (report.reason == Failure::StatusMismatch) {
        report.status_code = health.last_status_code();
        const bool probed_down = health.active_status() == OperatingStatus::Offline;
        report.expected_codes = probed_down ? published.expected_codes : "100-499";
    }
    return report;
}

}  // namespace tollgate::proxy::health
