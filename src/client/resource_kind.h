#pragma once

// The resource kinds of the ELB v3 API that the client manages, with their path segments
// and JSON envelope keys.

#include <array>
#include <optional>
#include <string_view>

namespace tollgate::client {

enum class Kind { Certificate, LoadBalancer, Listener, Pool, Member, HealthMonitor };

struct KindInfo {
    Kind kind;
    std::string_view singular;  // envelope key of one object and command name: "listener"
    std::string_view plural;    // collection path segment and list key: "listeners"
    bool in_pool;               // members live under /pools/{pool_id}/members
};

// Every kind, in the order in which apply creates them.
inline constexpr std::array<Kind, 6> kApplyOrder = {
    Kind::Certificate, Kind::LoadBalancer, Kind::Pool, Kind::Listener, Kind::Member, Kind::HealthMonitor};

const KindInfo& info(Kind kind);

// Finds a kind by its singular or plural name.
std::optional<Kind> find_kind(std::string_view name);

}  // namespace tollgate::client
