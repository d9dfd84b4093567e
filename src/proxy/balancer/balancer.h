#pragma once

#include "model/resources.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace tollgate::proxy {

// Chooses the member of a pool for each request. One instance belongs to one worker thread
// and one snapshot, so implementations keep plain, unsynchronised state.
class Balancer {
public:
    virtual ~Balancer() = default;

    // Replaces the contents of `out` with up to `max_candidates` distinct member indexes in the
    // order to try: the first is the choice, the rest are fallbacks for a connect failure.
    // Members with weight 0 never appear, so `out` stays empty when every weight is 0.
    // `client_ip` is the client's address in network byte order (4 or 16 bytes); only
    // SOURCE_IP reads it. `excluded` is empty or has one entry per member. Members whose
    // entry is not 0 (unhealthy ones) are left out as if their weight were 0, and the others
    // share the requests by their weights.
    virtual void select(std::span<const std::uint8_t> client_ip, std::size_t max_candidates,
                        std::span<const std::uint8_t> excluded, std::vector<std::uint32_t>& out) = 0;

    // Selects among every member.
    void select(std::span<const std::uint8_t> client_ip, std::size_t max_candidates,
                std::vector<std::uint32_t>& out) {
        select(client_ip, max_candidates, {}, out);
    }

    // Counts a request that went to member `index` until release() is called for it.
    virtual void acquire(std::uint32_t index) { (void)index; }
    virtual void release(std::uint32_t index) { (void)index; }
};

// Creates the balancer for `algorithm` over `members` (indexes refer to this span).
std::unique_ptr<Balancer> make_balancer(model::LbAlgorithm algorithm, std::span<const model::Member> members);

}  // namespace tollgate::proxy
