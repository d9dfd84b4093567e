// Cost of one select() per algorithm and pool size, with the first candidate only and
// with three candidates (the choice and two fallbacks).

#include "proxy/balancer/balancer.h"

#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace {

using tollgate::model::LbAlgorithm;
using tollgate::model::Member;

std::vector<Member> make_members(std::int64_t count) {
    std::vector<Member> members;
    for (std::int64_t i = 0; i < count; ++i) {
        Member member;
        member.id = "member-" + std::to_string(i);
        member.address = "10." + std::to_string(i / 250) + ".0." + std::to_string(i % 250 + 1);
        member.protocol_port = 8080;
        member.weight = static_cast<int>(i % 10) + 1;
        members.push_back(member);
    }
    return members;
}

// Random IPv6 clients, generated before timing so the RNG stays out of the measurement.
std::vector<std::array<std::uint8_t, 16>> make_clients() {
    std::mt19937_64 random(1);
    std::vector<std::array<std::uint8_t, 16>> clients(1024);
    for (auto& client : clients) {
        for (auto& byte : client) {
            byte = static_cast<std::uint8_t>(random() & 0xff);
        }
    }
    return clients;
}

// Arguments: member count, then the max number of candidates.
void bench_select(benchmark::State& state, LbAlgorithm algorithm) {
    const auto members = make_members(state.range(0));
    const auto max_candidates = static_cast<std::size_t>(state.range(1));
    const auto clients = make_clients();
    auto balancer = tollgate::proxy::make_balancer(algorithm, members);

    std::vector<std::uint32_t> out;
    out.reserve(max_candidates);
    std::size_t next_client = 0;
    for (auto _ : state) {
        balancer->select(clients[next_client], max_candidates, out);
        // Each request is counted and finished at once, as a short request would be.
        balancer->acquire(out.front());
        balancer->release(out.front());
        benchmark::DoNotOptimize(out.data());
        next_client = (next_client + 1) % clients.size();
    }
    state.SetItemsProcessed(state.iterations());
}

void apply_sizes(benchmark::internal::Benchmark* benchmark) {
    for (std::int64_t members : {3, 10, 100}) {
        for (std::int64_t max_candidates : {1, 3}) {
            benchmark->Args({members, max_candidates});
        }
    }
    benchmark->ArgNames({"members", "candidates"});
}

BENCHMARK_CAPTURE(bench_select, round_robin, LbAlgorithm::RoundRobin)->Apply(apply_sizes);
BENCHMARK_CAPTURE(bench_select, least_connections, LbAlgorithm::LeastConnections)->Apply(apply_sizes);
BENCHMARK_CAPTURE(bench_select, source_ip, LbAlgorithm::SourceIp)->Apply(apply_sizes);

}  // namespace

BENCHMARK_MAIN();
