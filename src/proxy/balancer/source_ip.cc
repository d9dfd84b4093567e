#include "proxy/balancer/source_ip.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <map>
#include <string>

namespace tollgate::proxy {

namespace {

constexpr std::array<std::uint8_t, 12> kIpv4MappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

// Returns the last 4 bytes of an IPv4-mapped IPv6 address (::ffff:a.b.c.d), else `address`.
std::span<const std::uint8_t> unmap_ipv4(std::span<const std::uint8_t> address) {
    if (address.size() == 16 &&
        std::equal(kIpv4MappedPrefix.begin(), kIpv4MappedPrefix.end(), address.begin())) {
        return address.subspan(12);
    }
    return address;
}

// Returns the bytes that identify a member on the ring: its address in binary form (the
// literal text if it does not parse), then the port in network byte order. Parsing makes
// "2001:db8::1" and "2001:DB8:0::1" the same member.
std::vector<std::uint8_t> member_identity(const model::Member& member) {
    std::vector<std::uint8_t> identity;
    std::array<std::uint8_t, 16> parsed{};
    if (inet_pton(AF_INET, member.address.c_str(), parsed.data()) == 1) {
        identity.assign(parsed.begin(), parsed.begin() + 4);
    } else if (inet_pton(AF_INET6, member.address.c_str(), parsed.data()) == 1) {
        const auto address = unmap_ipv4(parsed);
        identity.assign(address.begin(), address.end());
    } else {
        identity.assign(member.address.begin(), member.address.end());
    }

    identity.push_back(static_cast<std::uint8_t>(member.protocol_port >> 8));
    identity.push_back(static_cast<std::uint8_t>(member.protocol_port & 0xff));
    return identity;
}

void append_u32(std::vector<std::uint8_t>& bytes, std::uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) {
        bytes.push_back(static_cast<std::uint8_t>(value >> shift));
    }
}

}  // namespace

std::uint64_t hash_bytes(std::span<const std::uint8_t> bytes) {
    constexpr std::uint64_t kFnvOffsetBasis = 0xcbf29ce484222325ULL;
    constexpr std::uint64_t kFnvPrime = 0x100000001b3ULL;

    std::uint64_t hash = kFnvOffsetBasis;
    for (std::uint8_t byte : bytes) {
        hash ^= byte;
        hash *= kFnvPrime;
    }

    hash ^= hash >> 33;
    hash *= 0xff51afd7ed558ccdULL;
    hash ^= hash >> 33;
    hash *= 0xc4ceb9fe1a85ec53ULL;
    hash ^= hash >> 33;
    return hash;
}

SourceIpBalancer::SourceIpBalancer(std::span<const model::Member> members)
    : eligible_(members.size(), 0), listed_stamp_(members.size(), 0) {
    // Members that share an address and port get an occurrence number in their key, so
    // their points differ instead of landing on the same hashes.
    std::map<std::vector<std::uint8_t>, std::uint32_t> occurrences;

    for (std::size_t i = 0; i < members.size(); ++i) {
        if (members[i].weight <= 0) {
            continue;
        }
        ++eligible_count_;
        eligible_[i] = 1;

        std::vector<std::uint8_t> key = member_identity(members[i]);
        append_u32(key, occurrences[key]++);
        const std::size_t prefix_size = key.size();
        for (std::uint32_t node = 0; node < kVirtualNodes; ++node) {
            key.resize(prefix_size);
            append_u32(key, node);
            ring_.push_back({hash_bytes(key), static_cast<std::uint32_t>(i)});
        }
    }

    std::sort(ring_.begin(), ring_.end(), [](const RingPoint& a, const RingPoint& b) {
        return a.hash != b.hash ? a.hash < b.hash : a.member < b.member;
    });
}

void SourceIpBalancer::select(std::span<const std::uint8_t> client_ip, std::size_t max_candidates,
                              std::span<const std::uint8_t> excluded, std::vector<std::uint32_t>& out) {
    out.clear();
    if (ring_.empty() || max_candidates == 0) {
        return;
    }
    std::size_t available_count = eligible_count_;
    for (std::size_t i = 0; i < excluded.size() && i < eligible_.size(); ++i) {
        if (excluded[i] != 0 && eligible_[i] != 0) {
            --available_count;
        }
    }
    if (available_count == 0) {
        return;
    }

    ++select_stamp_;
    if (select_stamp_ == 0) {
        // The counter wrapped, so old stamps could match again.
        std::fill(listed_stamp_.begin(), listed_stamp_.end(), 0U);
        select_stamp_ = 1;
    }

    const std::uint64_t point = hash_bytes(unmap_ipv4(client_ip));
    auto first = std::partition_point(
        ring_.begin(), ring_.end(), [point](const RingPoint& ring_point) { return ring_point.hash < point; });
    std::size_t position = static_cast<std::size_t>(first - ring_.begin());

    const std::size_t count = std::min(max_candidates, available_count);
    for (std::size_t step = 0; step < ring_.size() && out.size() < count; ++step) {
        const std::uint32_t member = ring_[(position + step) % ring_.size()].member;
        if (member < excluded.size() && excluded[member] != 0) {
            continue;
        }
        if (listed_stamp_[member] != select_stamp_) {
            listed_stamp_[member] = select_stamp_;
            out.push_back(member);
        }
    }
}

}  // namespace tollgate::proxy
