#pragma once

#include "metrics/listener_stats.h"

#include <string>
#include <vector>

namespace tollgate::metrics {

// The health of one pool member at a scrape.
struct MemberStatus {
    std::string pool_id;
    std::string member_id;
    std::string address;           // "192.0.2.7:80"
    std::string operating_status;  // ONLINE, OFFLINE or NO_MONITOR
};

// The expiry of one certificate at a scrape.
struct CertificateExpiry {
    std::string certificate_id;
    std::string name;
    std::string type;         // server or client
    double seconds_left = 0;  // negative when it has expired
};

// Everything that one scrape of /metrics reports.
struct Report {
    std::vector<ListenerTotals> listeners;
    std::vector<MemberStatus> members;
    std::vector<CertificateExpiry> certificates;
};

// Formats `report` in the Prometheus text format.
std::string render(const Report& report);

}  // namespace tollgate::metrics
