#include "client/resource_kind.h"

namespace tollgate::client {
namespace {

constexpr std::array<KindInfo, 6> kKinds = {{
    {Kind::Certificate, "certificate", "certificates", false},
    {Kind::LoadBalancer, "loadbalancer", "loadbalancers", false},
    {Kind::Listener, "listener", "listeners", false},
    {Kind::Pool, "pool", "pools", false},
    {Kind::Member, "member", "members", true},
    {Kind::HealthMonitor, "healthmonitor", "healthmonitors", false},
}};

}  // namespace

const KindInfo& info(Kind kind) {
    return kKinds[static_cast<std::size_t>(kind)];
}

std::optional<Kind> find_kind(std::string_view name) {
    for (const KindInfo& kind : kKinds) {
        if (kind.singular == name || kind.plural == name) {
            return kind.kind;
        }
    }
    return std::nullopt;
}

}  // namespace tollgate::client
