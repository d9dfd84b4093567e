#include "proxy/balancer/balancer.h"

#include "proxy/balancer/least_connections.h"
#include "proxy/balancer/round_robin.h"
#include "proxy/balancer/source_ip.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
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

std::array<std::uint8_t, 16> random_client(std::mt19937_64& random) {
    std::array<std::uint8_t, 16> client{};
    for (auto& byte : client) {
        byte = static_cast<std::uint8_t>(random() & 0xff);
    }
    return client;
}

TEST(MakeBalancer, CreatesRequestedAlgorithm) {
    const auto members = members_with_weights({1, 2});
    EXPECT_NE(dynamic_cast<RoundRobinBalancer*>(make_balancer(model::LbAlgorithm::RoundRobin, members).get()),
              nullptr);
    EXPECT_NE(dynamic_cast<LeastConnectionsBalancer*>(
                  make_balancer(model::LbAlgorithm::LeastConnections, members).get()),
              nullptr);
    EXPECT_NE(dynamic_cast<SourceIpBalancer*>(make_balancer(model::LbAlgorithm::SourceIp, members).get()),
              nullptr);
}

TEST(Balancer, NeverSelectsZeroWeight) {
    const auto members = members_with_weights({0, 3, 0, 2, 1, 0});
    std::mt19937_64 random(11);
    for (auto algorithm : kAlgorithms) {
        auto balancer = make_balancer(algorithm, members);
        std::vector<std::uint32_t> out;
        for (int i = 0; i < 2000; ++i) {
            balancer->select(random_client(random), 6, out);
            ASSERT_EQ(out.size(), 3U) << model::to_string(algorithm);
            for (std::uint32_t index : out) {
                EXPECT_GT(members[index].weight, 0) << model::to_string(algorithm) << " picked " << index;
            }
            // Requests left open push least connections through every load ordering.
            if (i % 3 != 0) {
                balancer->acquire(out.front());
            }
        }
    }
}

TEST(Balancer, AllZeroPoolSelectsNothing) {
    const std::array<std::uint8_t, 4> client = {192, 0, 2, 1};
    for (const auto& weights : {std::vector<int>{0, 0, 0}, std::vector<int>{}}) {
        const auto members = members_with_weights(weights);
        for (auto algorithm : kAlgorithms) {
            auto balancer = make_balancer(algorithm, members);
            std::vector<std::uint32_t> out = {42};
            balancer->select(client, 4, out);
            EXPECT_TRUE(out.empty()) << model::to_string(algorithm) << " with " << weights.size()
                                     << " members";
        }
    }
}

TEST(Balancer, CandidatesDistinctAndBounded) {
    const auto members = members_with_weights({4, 1, 0, 3, 2, 5, 1, 0, 2});
    constexpr std::size_t kEligible = 7;
    std::mt19937_64 random(12);
    for (auto algorithm : kAlgorithms) {
        auto balancer = make_balancer(algorithm, members);
        std::vector<std::uint32_t> out;
        for (int i = 0; i < 3000; ++i) {
            const std::size_t max_candidates = static_cast<std::size_t>(i % 10);
            balancer->select(random_client(random), max_candidates, out);
            EXPECT_EQ(out.size(), std::min(max_candidates, kEligible)) << model::to_string(algorithm);

            auto sorted = out;
            std::sort(sorted.begin(), sorted.end());
            EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end())
                << model::to_string(algorithm) << " repeated a candidate";
            for (std::uint32_t index : out) {
                ASSERT_LT(index, members.size()) << model::to_string(algorithm);
            }
            if (!out.empty() && i % 2 == 0) {
                balancer->acquire(out.front());
            }
        }
    }
}

TEST(Balancer, FirstCandidateIsChoice) {
    // A twin balancer asked for one candidate at a time must choose the same members, so
    // the first candidate is the choice and fallbacks leave the algorithm's state alone.
    const auto members = members_with_weights({4, 1, 0, 3, 2, 5});
    std::mt19937_64 random(13);
    for (auto algorithm : kAlgorithms) {
        auto single = make_balancer(algorithm, members);
        auto multiple = make_balancer(algorithm, members);
        std::vector<std::uint32_t> single_out;
        std::vector<std::uint32_t> multiple_out;
        for (int i = 0; i < 3000; ++i) {
            const auto client = random_client(random);
            single->select(client, 1, single_out);
            multiple->select(client, 5, multiple_out);
            ASSERT_EQ(single_out.size(), 1U);
            ASSERT_EQ(multiple_out.size(), 5U);
            EXPECT_EQ(multiple_out.front(), single_out.front())
                << model::to_string(algorithm) << " pick " << i;

            if (i % 4 != 0) {
                single->acquire(single_out.front());
                multiple->acquire(multiple_out.front());
            }
        }
    }
}

}  // namespace
}  // namespace tollgate::proxy
