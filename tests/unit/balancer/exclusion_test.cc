// Members excluded by health checks: never selected, the others keep their weights, and
// SOURCE_IP moves only the clients of the excluded member.

#include "proxy/balancer/balancer.h"
#include "proxy/balancer/least_connections.h"
#include "proxy/balancer/round_robin.h"
#include "proxy/balancer/source_ip.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace tollgate::proxy {
namespace {

constexpr std::array<model::LbAlgorithm, 3> kAlgorithms = {
    model::LbAlgorithm::RoundRobin, model::LbAlgorithm::LeastConnections, model::LbAlgorithm::SourceIp};

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

std::array<std::uint8_t, 4> client(std::uint32_t n) {
    return {10, static_cast<std::uint8_t>(n >> 16), static_cast<std::uint8_t>(n >> 8),
            static_cast<std::uint8_t>(n)};
}

TEST(Exclusion, ExcludedMemberNeverSelected) {
    const auto members = members_with_weights({1, 2, 3, 1});
    const std::vector<std::uint8_t> excluded{0, 1, 0, 0};
    for (auto algorithm : kAlgorithms) {
        auto balancer = make_balancer(algorithm, members);
        std::vector<std::uint32_t> out;
        for (std::uint32_t i = 0; i < 1000; ++i) {
            balancer->select(client(i), 4, excluded, out);
            ASSERT_EQ(out.size(), 3u) << model::to_string(algorithm);
            EXPECT_EQ(std::count(out.begin(), out.end(), 1u), 0) << model::to_string(algorithm);
        }
    }
}

TEST(Exclusion, EveryMemberExcludedGivesNoCandidate) {
    const auto members = members_with_weights({1, 0, 2});
    const std::vector<std::uint8_t> excluded{1, 0, 1};
    for (auto algorithm : kAlgorithms) {
        auto balancer = make_balancer(algorithm, members);
        std::vector<std::uint32_t> out{7};
        balancer->select(client(1), 3, excluded, out);
        EXPECT_TRUE(out.empty()) << model::to_string(algorithm);
    }
}

TEST(Exclusion, EmptyMaskExcludesNothing) {
    const auto members = members_with_weights({1, 1, 1});
    for (auto algorithm : kAlgorithms) {
        auto with_mask = make_balancer(algorithm, members);
        auto without = make_balancer(algorithm, members);
        std::vector<std::uint32_t> masked;
        std::vector<std::uint32_t> plain;
        for (std::uint32_t i = 0; i < 100; ++i) {
            with_mask->select(client(i), 3, std::vector<std::uint8_t>{0, 0, 0}, masked);
            without->select(client(i), 3, plain);
            EXPECT_EQ(masked, plain) << model::to_string(algorithm);
        }
    }
}

TEST(Exclusion, RoundRobinKeepsWeightsOfTheOthers) {
    // Weights 5, 1, 1, 3 with the first member out: the others take 1:1:3.
    RoundRobinBalancer balancer(members_with_weights({5, 1, 1, 3}));
    const std::vector<std::uint8_t> excluded{1, 0, 0, 0};
    std::map<std::uint32_t, int> picks;
    std::vector<std::uint32_t> out;
    for (int i = 0; i < 500; ++i) {
        balancer.select(client(0), 1, excluded, out);
        ++picks[out.front()];
    }
    EXPECT_EQ(picks[0], 0);
    EXPECT_EQ(picks[1], 100);
    EXPECT_EQ(picks[2], 100);
    EXPECT_EQ(picks[3], 300);
}

TEST(Exclusion, RoundRobinResumesTheReturningMember) {
    RoundRobinBalancer balancer(members_with_weights({1, 1}));
    std::vector<std::uint32_t> out;
    for (int i = 0; i < 10; ++i) {
        balancer.select(client(0), 2, std::vector<std::uint8_t>{0, 1}, out);
        EXPECT_EQ(out, std::vector<std::uint32_t>{0});
    }

    std::map<std::uint32_t, int> picks;
    for (int i = 0; i < 100; ++i) {
        balancer.select(client(0), 1, out);
        ++picks[out.front()];
    }
    EXPECT_EQ(picks[0], 50);
    EXPECT_EQ(picks[1], 50);
}

TEST(Exclusion, LeastConnectionsSkipsIdleExcludedMember) {
    LeastConnectionsBalancer balancer(members_with_weights({1, 1, 1}));
    balancer.acquire(1);
    balancer.acquire(2);
    std::vector<std::uint32_t> out;

    // Member 0 carries the lowest load but is excluded.
    balancer.select(client(0), 3, std::vector<std::uint8_t>{1, 0, 0}, out);

    ASSERT_EQ(out.size(), 2u);
    EXPECT_NE(out[0], 0u);
    EXPECT_NE(out[1], 0u);
}

TEST(Exclusion, SourceIpMovesOnlyExcludedClients) {
    SourceIpBalancer balancer(members_with_weights({1, 1, 1, 1}));
    const std::vector<std::uint8_t> excluded{0, 0, 1, 0};
    std::vector<std::uint32_t> before;
    std::vector<std::uint32_t> after;
    int moved = 0;
    for (std::uint32_t i = 0; i < 2000; ++i) {
        balancer.select(client(i), 1, before);
        balancer.select(client(i), 1, excluded, after);
        ASSERT_EQ(after.size(), 1u);
        EXPECT_NE(after[0], 2u);
        if (before[0] != 2u) {
            EXPECT_EQ(after[0], before[0]);
        } else {
            ++moved;
        }
    }
    // About a quarter of the clients were on member 2.
    EXPECT_GT(moved, 300);
    EXPECT_LT(moved, 700);
}

}  // namespace
}  // namespace tollgate::proxy
