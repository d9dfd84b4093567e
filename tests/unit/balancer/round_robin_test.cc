#include "proxy/balancer/round_robin.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

namespace tollgate::proxy {
namespace {

std::vector<model::Member> members_with_weights(const std::vector<int>& weights) {
    std::vector<model::Member> members;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        model::Member member;
        member.id = "member-" + std::to_string(i);
        member.address = "10.0.0." + std::to_string(i + 1);
        member.protocol_port = 8080;
        member.weight = weights[i];
        members.push_back(member);
    }
    return members;
}

constexpr std::array<std::uint8_t, 4> kClientIp = {192, 0, 2, 1};

// Returns how often each member was the first candidate over `selections` picks.
std::vector<int> count_choices(const std::vector<int>& weights, int selections) {
    const auto members = members_with_weights(weights);
    RoundRobinBalancer balancer(members);
    std::vector<int> counts(weights.size(), 0);
    std::vector<std::uint32_t> out;
    for (int i = 0; i < selections; ++i) {
        balancer.select(kClientIp, 1, out);
        EXPECT_EQ(out.size(), 1U);
        ++counts.at(out.front());
    }
    return counts;
}

void expect_shares_follow_weights(const std::vector<int>& weights) {
    constexpr int kSelections = 10'000;
    const auto counts = count_choices(weights, kSelections);

    int total_weight = 0;
    for (int weight : weights) {
        total_weight += weight;
    }
    for (std::size_t i = 0; i < weights.size(); ++i) {
        const double expected = static_cast<double>(kSelections) * weights[i] / total_weight;
        EXPECT_NEAR(counts[i], expected, 0.05 * expected) << "member " << i << " weight " << weights[i];
    }
}

TEST(RoundRobinBalancer, RespectsWeights) {
    expect_shares_follow_weights({1, 2, 3, 4});
}

TEST(RoundRobinBalancer, RespectsWeightsWithZeroMember) {
    expect_shares_follow_weights({5, 0, 1});
}

TEST(RoundRobinBalancer, InterleavesHeavyMember) {
    const auto members = members_with_weights({5, 1, 1});
    RoundRobinBalancer balancer(members);

    // The nginx sequence for weights 5, 1, 1 is a a b a c a a, repeated every 7 picks.
    const std::vector<std::uint32_t> cycle = {0, 0, 1, 0, 2, 0, 0};
    std::vector<std::uint32_t> out;
    for (int round = 0; round < 10; ++round) {
        for (std::size_t step = 0; step < cycle.size(); ++step) {
            balancer.select(kClientIp, 1, out);
            ASSERT_EQ(out.size(), 1U);
            EXPECT_EQ(out.front(), cycle[step]) << "round " << round << " step " << step;
        }
    }
}

TEST(RoundRobinBalancer, StaysWithinOnePickOfShare) {
    // After t picks a member of weight w has been chosen t * w / total times up to a
    // difference below 1, so no member gets a burst. Consecutive cycles of 5, 1, 1 still
    // join into runs of four picks of the heavy member (a a | a a), as in nginx.
    for (const auto& weights : {std::vector<int>{5, 1, 1}, std::vector<int>{1, 2, 3, 4}}) {
        const auto members = members_with_weights(weights);
        RoundRobinBalancer balancer(members);
        const int total_weight = std::accumulate(weights.begin(), weights.end(), 0);

        std::vector<int> counts(weights.size(), 0);
        std::vector<std::uint32_t> out;
        for (int pick = 1; pick <= 700; ++pick) {
            balancer.select(kClientIp, 1, out);
            ASSERT_EQ(out.size(), 1U);
            ++counts.at(out.front());
            for (std::size_t i = 0; i < weights.size(); ++i) {
                const double exact = static_cast<double>(pick) * weights[i] / total_weight;
                EXPECT_LT(std::abs(counts[i] - exact), 1.0)
                    << "member " << i << " after " << pick << " picks";
            }
        }
    }
}

TEST(RoundRobinBalancer, FallbackIsNextPick) {
    const auto members = members_with_weights({1, 2, 3, 4});
    RoundRobinBalancer balancer(members);

    std::vector<std::uint32_t> previous;
    std::vector<std::uint32_t> out;
    balancer.select(kClientIp, 4, previous);
    for (int i = 0; i < 1000; ++i) {
        balancer.select(kClientIp, 4, out);
        ASSERT_EQ(out.size(), 4U);
        // The first fallback is the member the sequence picks next, unless that pick
        // repeats the choice.
        if (out.front() != previous.front()) {
            EXPECT_EQ(out.front(), previous[1]) << "pick " << i;
        }
        previous = out;
    }
}

TEST(RoundRobinBalancer, FallbacksKeepSequenceUnchanged) {
    const auto members = members_with_weights({3, 1, 0, 2, 5});
    RoundRobinBalancer plain(members);
    RoundRobinBalancer with_fallbacks(members);

    std::vector<std::uint32_t> plain_out;
    std::vector<std::uint32_t> fallback_out;
    for (int i = 0; i < 1000; ++i) {
        plain.select(kClientIp, 1, plain_out);
        with_fallbacks.select(kClientIp, 1 + static_cast<std::size_t>(i % 5), fallback_out);
        ASSERT_EQ(plain_out.size(), 1U);
        ASSERT_FALSE(fallback_out.empty());
        EXPECT_EQ(fallback_out.front(), plain_out.front()) << "pick " << i;
    }
}

TEST(RoundRobinBalancer, FallbacksFollowRetryOrder) {
    const auto members = members_with_weights({5, 1, 1});
    RoundRobinBalancer balancer(members);

    // After picking a, the current weights are -2, 1, 1. Without a, b and c tie at 2 and
    // the lower index wins, then c is all that is left.
    std::vector<std::uint32_t> out;
    balancer.select(kClientIp, 3, out);
    EXPECT_EQ(out, (std::vector<std::uint32_t>{0, 1, 2}));
}

TEST(RoundRobinBalancer, ZeroCandidatesKeepsSequence) {
    const auto members = members_with_weights({5, 1, 1});
    RoundRobinBalancer balancer(members);

    std::vector<std::uint32_t> out = {7};
    balancer.select(kClientIp, 0, out);
    EXPECT_TRUE(out.empty());

    balancer.select(kClientIp, 1, out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out.front(), 0U);
    balancer.select(kClientIp, 1, out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out.front(), 0U);
    balancer.select(kClientIp, 1, out);
    ASSERT_EQ(out.size(), 1U);
    EXPECT_EQ(out.front(), 1U);
}

TEST(RoundRobinBalancer, SingleMemberAlwaysChosen) {
    const auto members = members_with_weights({0, 7, 0});
    RoundRobinBalancer balancer(members);

    std::vector<std::uint32_t> out;
    for (int i = 0; i < 20; ++i) {
        balancer.select(kClientIp, 3, out);
        EXPECT_EQ(out, (std::vector<std::uint32_t>{1}));
    }
}

}  // namespace
}  // namespace tollgate::proxy
