#pragma once

#include "proxy/balancer/balancer.h"

#include <cstdint>
#include <span>
#include <vector>

namespace tollgate::proxy {

// Weighted least connections: picks the member with the lowest active / weight, where
// active counts the requests between acquire() and release(). Loads are compared by
// cross-multiplication, so no floating point is involved. Members tied on the lowest
// load take turns by smooth weighted round robin, as nginx's least_conn module does. A
// plain rotation would split tied picks evenly, so when every request is released
// before the next select() (all loads stay 0), the weights would be ignored. See
// ngx_http_upstream_get_least_conn_peer in nginx.
//
// NOTE: counts are per instance, so each worker thread balances only its own requests,
// and a new snapshot starts from 0 while requests of the old one may still be open.
class LeastConnectionsBalancer final : public Balancer {
public:
    explicit LeastConnectionsBalancer(std::span<const model::Member> members);

    // The fallbacks are the other members with a weight above 0 in ascending order of
    // load. Among equal loads, the member the round robin would take next comes first:
    // the highest current weight plus weight, then the lowest index.
    void select(std::span<const std::uint8_t> client_ip, std::size_t max_candidates,
                std::span<const std::uint8_t> excluded, std::vector<std::uint32_t>& out) override;
    using Balancer::select;

    // An index out of range is ignored, and so is a release() without an acquire().
    void acquire(std::uint32_t index) override;
    void release(std::uint32_t index) override;

    // Returns the number of requests acquired and not yet released for member `index`.
    std::uint64_t active(std::uint32_t index) const { return active_.at(index); }

private:
    // Returns whether member `a` carries a lower load than member `b`.
    bool less_loaded(std::size_t a, std::size_t b) const {
        return active_[a] * weights_[b] < active_[b] * weights_[a];
    }
    bool equally_loaded(std::size_t a, std::size_t b) const {
        return active_[a] * weights_[b] == active_[b] * weights_[a];
    }

    // Returns the least loaded member that `excluded` does not exclude; UINT32_MAX when none is left.
    std::uint32_t pick_least_loaded(std::span<const std::uint8_t> excluded);
    void append_fallbacks(std::uint32_t choice, std::size_t max_candidates,
                          std::span<const std::uint8_t> excluded, std::vector<std::uint32_t>& out);

    std::vector<std::uint64_t> weights_;  // 0 for members that take no requests
    std::vector<std::uint64_t> active_;
    std::vector<std::int64_t> current_;    // smooth round robin state among tied members
    std::vector<std::uint32_t> eligible_;  // indexes of the members with weight > 0

    // Scratch space reused by select() so a pick does not allocate.
    std::vector<std::uint32_t> tied_;
    std::vector<std::uint32_t> fallbacks_;
};

}  // namespace tollgate::proxy
