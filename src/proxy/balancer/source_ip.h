#pragma once

#include "proxy/balancer/balancer.h"

#include <cstdint>
#include <span>
#include <vector>

namespace tollgate::proxy {

// Consistent hashing of the client address onto a ring of virtual nodes. Each member
// with a weight above 0 owns kVirtualNodes points on the ring, placed by hashing its
// address and port, so the points of a member do not depend on its index or on the
// other members. Adding or removing one member therefore moves only the clients whose
// nearest point clockwise belongs to that member, about 1/N of them. Weights other than
// 0 are ignored, as for the ELB SOURCE_IP algorithm.
class SourceIpBalancer final : public Balancer {
public:
    // Points per member, as KETAMA_POINTS_PER_SERVER in twemproxy's ketama distribution.
    // More points even out the shares at the cost of a larger ring.
    static constexpr std::uint32_t kVirtualNodes = 160;

    explicit SourceIpBalancer(std::span<const model::Member> members);

    // Hashes `client_ip` and lists the distinct members met walking clockwise from that
    // point. An IPv4-mapped IPv6 address hashes as its IPv4 address. Lengths other than 4
    // and 16 are hashed as they are, so the choice stays stable for them too.
    // Excluded members are passed over on the walk, so only their clients move, each to the
    // next member clockwise.
    void select(std::span<const std::uint8_t> client_ip, std::size_t max_candidates,
                std::span<const std::uint8_t> excluded, std::vector<std::uint32_t>& out) override;
    using Balancer::select;

private:
    struct RingPoint {
        std::uint64_t hash;
        std::uint32_t member;
    };

    std::vector<RingPoint> ring_;         // sorted by hash, then member
    std::size_t eligible_count_ = 0;      // members with weight > 0
    std::vector<std::uint8_t> eligible_;  // 1 for each member with weight > 0

    // Stamp per member. A member is already listed by the current select() when its entry
    // equals select_stamp_, so no clearing is needed between calls.
    std::vector<std::uint32_t> listed_stamp_;
    std::uint32_t select_stamp_ = 0;
};

// Returns a 64-bit hash of `bytes`, computed as FNV-1a followed by the MurmurHash3 fmix64
// finalizer. The finalizer lets every input bit affect every output bit, which FNV-1a
// alone does not do for its low bits. Not for adversarial input.
std::uint64_t hash_bytes(std::span<const std::uint8_t> bytes);

}  // namespace tollgate::proxy
