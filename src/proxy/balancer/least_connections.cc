#include "proxy/balancer/least_connections.h"

#include <algorithm>
#include <limits>

namespace tollgate::proxy {

LeastConnectionsBalancer::LeastConnectionsBalancer(std::span<const model::Member> members)
    : weights_(members.size()), active_(members.size(), 0), current_(members.size(), 0) {
    for (std::size_t i = 0; i < members.size(); ++i) {
        weights_[i] = static_cast<std::uint64_t>(std::max(members[i].weight, 0));
        if (weights_[i] > 0) {
            eligible_.push_back(static_cast<std::uint32_t>(i));
        }
    }
    tied_.reserve(eligible_.size());
    fallbacks_.reserve(eligible_.size());
}

namespace {

constexpr std::uint32_t kNoMember = std::numeric_limits<std::uint32_t>::max();

bool is_excluded(std::span<const std::uint8_t> excluded, std::uint32_t index) {
    return index < excluded.size() && excluded[index] != 0;
}

}  // namespace

void LeastConnectionsBalancer::select(std::span<const std::uint8_t> client_ip, std::size_t max_candidates,
                                      std::span<const std::uint8_t> excluded,
                                      std::vector<std::uint32_t>& out) {
    (void)client_ip;
    out.clear();
    if (eligible_.empty() || max_candidates == 0) {
        return;
    }

    const std::uint32_t choice = pick_least_loaded(excluded);
    if (choice == kNoMember) {
        return;
    }
    out.push_back(choice);
    if (max_candidates > 1) {
        append_fallbacks(choice, max_candidates, excluded, out);
    }
}

std::uint32_t LeastConnectionsBalancer::pick_least_loaded(std::span<const std::uint8_t> excluded) {
    tied_.clear();
    for (std::uint32_t index : eligible_) {
        if (is_excluded(excluded, index)) {
            continue;
        }
        if (tied_.empty() || less_loaded(index, tied_.front())) {
            tied_.clear();
            tied_.push_back(index);
        } else if (equally_loaded(index, tied_.front())) {
            tied_.push_back(index);
        }
    }

    if (tied_.empty()) {
        return kNoMember;
    }
    if (tied_.size() == 1) {
        return tied_.front();
    }

    // Smooth weighted round robin among the tied members only, so their shares follow
    // their weights.
    std::int64_t tied_weight = 0;
    std::uint32_t best = tied_.front();
    for (std::uint32_t index : tied_) {
        const auto weight = static_cast<std::int64_t>(weights_[index]);
        current_[index] += weight;
        tied_weight += weight;
        if (current_[index] > current_[best]) {
            best = index;
        }
    }
    current_[best] -= tied_weight;
    return best;
}

void LeastConnectionsBalancer::append_fallbacks(std::uint32_t choice, std::size_t max_candidates,
                                                std::span<const std::uint8_t> excluded,
                                                std::vector<std::uint32_t>& out) {
    fallbacks_.clear();
    for (std::uint32_t index : eligible_) {
        if (index != choice && !is_excluded(excluded, index)) {
            fallbacks_.push_back(index);
        }
    }

    const std::size_t count = std::min(max_candidates - 1, fallbacks_.size());
    const auto comes_first = [this](std::uint32_t a, std::uint32_t b) {
        if (!equally_loaded(a, b)) {
            return less_loaded(a, b);
        }
        const std::int64_t next_a = current_[a] + static_cast<std::int64_t>(weights_[a]);
        const std::int64_t next_b = current_[b] + static_cast<std::int64_t>(weights_[b]);
        if (next_a != next_b) {
            return next_a > next_b;
        }
        return a < b;
    };
    std::partial_sort(fallbacks_.begin(), fallbacks_.begin() + static_cast<std::ptrdiff_t>(count),
                      fallbacks_.end(), comes_first);
    out.insert(out.end(), fallbacks_.begin(), fallbacks_.begin() + static_cast<std::ptrdiff_t>(count));
}

void LeastConnectionsBalancer::acquire(std::uint32_t index) {
    if (index < active_.size()) {
        ++active_[index];
    }
}

void LeastConnectionsBalancer::release(std::uint32_t index) {
    if (index < active_.size() && active_[index] > 0) {
        --active_[index];
    }
}

}  // namespace tollgate::proxy
