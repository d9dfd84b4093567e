#include "proxy/balancer/least_connections.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
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
constexpr int kSelections = 10'000;

double expected_share(const std::vector<int>& weights, std::size_t index, int selections) {
    int total_weight = 0;
    for (int weight : weights) {
        total_weight += weight;
    }
    return static_cast<double>(selections) * weights[index] / total_weight;
}

void expect_released_shares_follow_weights(const std::vector<int>& weights) {
    const auto members = members_with_weights(weights);
    LeastConnectionsBalancer balancer(members);

    std::vector<int> counts(weights.size(), 0);
    std::vector<std::uint32_t> out;
    for (int i = 0; i < kSelections; ++i) {
        balancer.select(kClientIp, 1, out);
        ASSERT_EQ(out.size(), 1U);
        balancer.acquire(out.front());
        balancer.release(out.front());
        ++counts.at(out.front());
    }

    for (std::size_t i = 0; i < weights.size(); ++i) {
        const double expected = expected_share(weights, i, kSelections);
        EXPECT_NEAR(counts[i], expected, 0.05 * expected) << "member " << i << " weight " << weights[i];
    }
}

void expect_open_requests_follow_weights(const std::vector<int>& weights) {
    const auto members = members_with_weights(weights);
    LeastConnectionsBalancer balancer(members);

    std::vector<std::uint32_t> out;
    for (int i = 0; i < kSelections; ++i) {
        balancer.select(kClientIp, 1, out);
        ASSERT_EQ(out.size(), 1U);
        balancer.acquire(out.front());
    }

    for (std::size_t i = 0; i < weights.size(); ++i) {
        const double expected = expected_share(weights, i, kSelections);
        EXPECT_NEAR(static_cast<double>(balancer.active(static_cast<std::uint32_t>(i))), expected,
                    0.05 * expected)
            << "member " << i << " weight " << weights[i];
    }
}

TEST(LeastConnectionsBalancer, RespectsWeightsWhenReleased) {
    expect_released_shares_follow_weights({1, 2, 3, 4});
    expect_released_shares_follow_weights({5, 0, 1});
}

TEST(LeastConnectionsBalancer, OpenRequestsFollowWeights) {
    expect_open_requests_follow_weights({1, 2, 3, 4});
    expect_open_requests_follow_weights({5, 0, 1});
}

TEST(LeastConnectionsBalancer, PicksLeastLoadedMember) {
    const auto members = members_with_weights({1, 1, 1});
    LeastConnectionsBalancer balancer(members);
    balancer.acquire(0);
    balancer.acquire(0);
    balancer.acquire(1);

    std::vector<std::uint32_t> out;
    balancer.select(kClientIp, 3, out);
    EXPECT_EQ(out, (std::vector<std::uint32_t>{2, 1, 0}));
}

TEST(LeastConnectionsBalancer, ComparesLoadPerWeight) {
    // Member 0 carries 1 request per unit of weight, member 1 carries 2 / 3.
    const auto members = members_with_weights({1, 3});
    LeastConnectionsBalancer balancer(members);
    balancer.acquire(0);
    balancer.acquire(1);
    balancer.acquire(1);

    std::vector<std::uint32_t> out;
    balancer.select(kClientIp, 2, out);
    EXPECT_EQ(out, (std::vector<std::uint32_t>{1, 0}));
}

TEST(LeastConnectionsBalancer, EqualMembersTakeTurns) {
    const auto members = members_with_weights({2, 2, 2});
    LeastConnectionsBalancer balancer(members);

    std::vector<std::uint32_t> out;
    for (std::uint32_t expected : {0U, 1U, 2U, 0U, 1U, 2U}) {
        balancer.select(kClientIp, 1, out);
        ASSERT_EQ(out.size(), 1U);
        EXPECT_EQ(out.front(), expected);
    }
}

TEST(LeastConnectionsBalancer, ReleaseRestoresPreference) {
    const auto members = members_with_weights({1, 1});
    LeastConnectionsBalancer balancer(members);
    balancer.acquire(0);

    std::vector<std::uint32_t> out;
    balancer.select(kClientIp, 1, out);
    EXPECT_EQ(out, (std::vector<std::uint32_t>{1}));

    balancer.acquire(1);
    balancer.acquire(1);
    balancer.release(0);
    balancer.select(kClientIp, 1, out);
    EXPECT_EQ(out, (std::vector<std::uint32_t>{0}));
    EXPECT_EQ(balancer.active(0), 0U);
    EXPECT_EQ(balancer.active(1), 2U);
}

TEST(LeastConnectionsBalancer, IgnoresUnmatchedRelease) {
    const auto members = members_with_weights({1, 1});
    LeastConnectionsBalancer balancer(members);

    balancer.release(0);
    balancer.release(5);
    balancer.acquire(5);
    EXPECT_EQ(balancer.active(0), 0U);
    EXPECT_EQ(balancer.active(1), 0U);

    balancer.acquire(1);
    balancer.release(1);
    balancer.release(1);
    EXPECT_EQ(balancer.active(1), 0U);
}

TEST(LeastConnectionsBalancer, FallbacksOrderedByLoad) {
    const auto members = members_with_weights({2, 0, 1, 4, 1});
    LeastConnectionsBalancer balancer(members);
    // Loads per weight: 2/2 = 1, 1/1 = 1, 1/4, 3/1.
    balancer.acquire(0);
    balancer.acquire(0);
    balancer.acquire(2);
    balancer.acquire(3);
    balancer.acquire(4);
    balancer.acquire(4);
    balancer.acquire(4);

    std::vector<std::uint32_t> out;
    balancer.select(kClientIp, 10, out);
    ASSERT_EQ(out.size(), 4U);
    EXPECT_EQ(out[0], 3U);
    // Members 0 and 2 tie on load 1. Member 0 has the higher current weight plus
    // weight (2 against 1), so it is the one the round robin would take next.
    EXPECT_EQ(out[1], 0U);
    EXPECT_EQ(out[2], 2U);
    EXPECT_EQ(out[3], 4U);

    balancer.select(kClientIp, 2, out);
    EXPECT_EQ(out, (std::vector<std::uint32_t>{3, 0}));
}

}  // namespace
}  // namespace tollgate::proxy
