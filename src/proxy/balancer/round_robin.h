#pragma once

#include "proxy/balancer/balancer.h"

#include <cstdint>
#include <span>
#include <vector>

namespace tollgate::proxy {

// Smooth weighted round robin, the algorithm of ngx_http_upstream_get_peer in nginx.
// Each pick adds every member's weight to its current weight and takes the member with
// the highest current weight, the lowest index on a tie. The total weight is then
// subtracted from the chosen member. Weights 5, 1, 1 give a a b a c a a, so heavy
// members are interleaved rather than picked in a burst.
//
// NOTE: every instance starts with all current weights at 0, so after a snapshot change
// each worker thread sends its first request to the same member.
class RoundRobinBalancer final : public Balancer {
public:
    explicit RoundRobinBalancer(std::span<const model::Member> members);

    // Advances the sequence by exactly one pick, the first candidate. The fallbacks are
    // the members the algorithm would pick next if every member listed before them were
    // down, as nginx does when it retries. They are computed on a copy of the current
    // values, so asking for fallbacks never changes the sequence of first choices.
    // max_candidates 0 leaves `out` empty and the sequence unchanged.
    // Excluded members keep their current weight and resume from it when they return.
    void select(std::span<const std::uint8_t> client_ip, std::size_t max_candidates,
                std::span<const std::uint8_t> excluded, std::vector<std::uint32_t>& out) override;
    using Balancer::select;

private:
    std::vector<std::int64_t> weights_;  // 0 for members that take no requests
    std::vector<std::int64_t> current_;  // the current weight of each member
    std::int64_t total_weight_ = 0;
    std::size_t eligible_count_ = 0;  // members with weight > 0

    // Scratch space reused by select() so a pick does not allocate.
    std::vector<std::int64_t> scratch_current_;
    std::vector<std::uint8_t> excluded_;
};

}  // namespace tollgate::proxy
