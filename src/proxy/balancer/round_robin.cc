#include "proxy/balancer/round_robin.h"

#include <algorithm>

namespace tollgate::proxy {

namespace {

// Performs one smooth weighted round robin step over the members with a weight above 0
// that are not marked in `excluded`, and returns the member picked. `total_weight` is the
// sum of their weights and must be above 0.
std::uint32_t pick_next(std::span<const std::int64_t> weights, std::span<const std::uint8_t> excluded,
                        std::int64_t total_weight, std::span<std::int64_t> current) {
    std::size_t best = weights.size();
    for (std::size_t i = 0; i < weights.size(); ++i) {
        if (weights[i] == 0 || excluded[i] != 0) {
            continue;
        }

        current[i] += weights[i];
        if (best == weights.size() || current[i] > current[best]) {
            best = i;
        }
    }

    current[best] -= total_weight;
    return static_cast<std::uint32_t>(best);
}

}  // namespace

RoundRobinBalancer::RoundRobinBalancer(std::span<const model::Member> members)
    : weights_(members.size()),
      current_(members.size(), 0),
      scratch_current_(members.size()),
      excluded_(members.size(), 0) {
    for (std::size_t i = 0; i < members.size(); ++i) {
        weights_[i] = std::max(members[i].weight, 0);
        total_weight_ += weights_[i];
        if (weights_[i] > 0) {
            ++eligible_count_;
        }
    }
}

void RoundRobinBalancer::select(std::span<const std::uint8_t> client_ip, std::size_t max_candidates,
                                std::span<const std::uint8_t> excluded, std::vector<std::uint32_t>& out) {
    (void)client_ip;
    out.clear();
    if (total_weight_ == 0 || max_candidates == 0) {
        return;
    }

    std::int64_t available_weight = total_weight_;
    std::size_t available_count = eligible_count_;
    for (std::size_t i = 0; i < excluded_.size(); ++i) {
        excluded_[i] = i < excluded.size() && excluded[i] != 0 ? 1 : 0;
        if (excluded_[i] != 0 && weights_[i] > 0) {
            available_weight -= weights_[i];
            --available_count;
        }
    }
    if (available_weight == 0) {
        return;
    }

    const std::uint32_t choice = pick_next(weights_, excluded_, available_weight, current_);
    out.push_back(choice);

    const std::size_t count = std::min(max_candidates, available_count);
    if (count == 1) {
        return;
    }

    // Each fallback is the next pick on a copy of the state with the members listed so
    // far taken out. That is what a retry would get, and current_ stays untouched.
    std::copy(current_.begin(), current_.end(), scratch_current_.begin());
    std::int64_t remaining_weight = available_weight;
    std::uint32_t previous = choice;
    while (out.size() < count) {
        excluded_[previous] = 1;
        remaining_weight -= weights_[previous];
        previous = pick_next(weights_, excluded_, remaining_weight, scratch_current_);
        out.push_back(previous);
    }
}

}  // namespace tollgate::proxy
