// The active health checker: spread of the first probes, status changes from real probes of
// loopback ports, and reconfiguration when a monitor is added, kept or removed.

#include "proxy/health/checker.h"
#include "proxy/snapshot.h"

#include <gtest/gtest.h>

#include <array>
#include <set>

namespace tollgate::proxy::health {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using asio::ip::make_address;
using asio::ip::tcp;

TEST(ProbeOffset, StaysWithinDelayAndRepeats) {
    const tcp::endpoint endpoint(make_address("10.0.0.5"), 8080);

    const auto offset = probe_offset("app", endpoint, 5s);

    EXPECT_GE(offset, 0ms);
    EXPECT_LT(offset, 5000ms);
    EXPECT_EQ(probe_offset("app", endpoint, 5s), offset);
}

TEST(ProbeOffset, SpreadsMembersOverTheDelay) {
    // 200 members over 10 one-second slots: about 20 each; none may be empty or hold a
    // third of them.
    std::array<int, 10> slots{};
    std::set<std::int64_t> distinct;
    for (int i = 0; i < 200; ++i) {
        const tcp::endpoint endpoint(make_address("10.0.0.1"), static_cast<std::uint16_t>(8000 + i));
        const auto offset = probe_offset("app", endpoint, 10s);
        ASSERT_LT(offset, 10000ms);
        ++slots[static_cast<std::size_t>(offset.count() / 1000)];
        distinct.insert(offset.count());
    }
    for (int count : slots) {
        EXPECT_GT(count, 5);
        EXPECT_LT(count, 66);
    }
    EXPECT_GT(distinct.size(), 150u);
}

TEST(ProbeOffset, DependsOnThePool) {
    const tcp::endpoint endpoint(make_address("10.0.0.5"), 8080);
    std::set<std::int64_t> offsets;
    for (const char* pool : {"a", "b", "c", "d", "e"}) {
        offsets.insert(probe_offset(pool, endpoint, 50s).count());
    }
    EXPECT_GT(offsets.size(), 1u);
}

class CheckerTest : public ::testing::Test {
protected:
    // Builds a snapshot with one pool `app` whose members are the given ports on 127.0.0.1.
    std::shared_ptr<Snapshot> snapshot(const std::vector<std::uint16_t>& ports,
                                       std::optional<model::HealthMonitor> monitor) {
        auto pool = std::make_shared<PoolRuntime>();
        pool->config.id = "app";
        for (std::uint16_t port : ports) {
            model::Member member;
            member.id = "m" + std::to_string(port);
            member.address = "127.0.0.1";
            member.protocol_port = port;
            pool->config.members.push_back(member);
            pool->endpoints.emplace_back(make_address("127.0.0.1"), port);
            pool->health.push_back(registry_.find_or_create("app", pool->endpoints.back()));
        }
        pool->monitor = std::move(monitor);
        auto result = std::make_shared<Snapshot>();
        result->pools.push_back(pool);
        std::vector<HealthRegistry::PublishedMember> published;
        for (std::size_t i = 0; i < pool->health.size(); ++i) {
            published.push_back({pool->config.members[i].id, pool->health[i], ""});
        }
        registry_.publish(std::move(published));
        return result;
    }

    static model::HealthMonitor tcp_monitor(int rise, int fall) {
        model::HealthMonitor monitor;
        monitor.id = "hm";
        monitor.pool_id = "app";
        monitor.type = model::MonitorType::Tcp;
        monitor.delay = 1s;
        monitor.timeout = 1s;
        monitor.max_retries = rise;
        monitor.max_retries_down = fall;
        return monitor;
    }

    // Runs the io_context until `done` returns true or `limit` passes; returns `done()`.
    template <typename Done>
    bool run_until(Done done, std::chrono::steady_clock::duration limit) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (!done() && std::chrono::steady_clock::now() < deadline) {
            io_.run_one_for(50ms);
        }
        return done();
    }

    OperatingStatus status(std::uint16_t port) const {
        auto report = registry_.report("app", tcp::endpoint(make_address("127.0.0.1"), port), Clock::now());
        return report ? report->operating_status : OperatingStatus::NoMonitor;
    }

    asio::io_context io_;
    HealthRegistry registry_;
    HealthChecker checker_{io_};
};

TEST_F(CheckerTest, RefusedMemberGoesOfflineListeningOneStaysOnline) {
    tcp::acceptor listening(io_, tcp::endpoint(make_address("127.0.0.1"), 0));
    const std::uint16_t up = listening.local_endpoint().port();
    std::uint16_t down = 0;
    {
        tcp::acceptor closed(io_, tcp::endpoint(make_address("127.0.0.1"), 0));
        down = closed.local_endpoint().port();
    }

    auto running = snapshot({up, down}, tcp_monitor(1, 2));
    checker_.configure(*running);
    EXPECT_EQ(checker_.probe_count(), 2u);
    EXPECT_EQ(status(up), OperatingStatus::Online);
    EXPECT_EQ(status(down), OperatingStatus::Online);

    // Two failures one second apart: within delay x max_retries_down + timeout.
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(run_until([&] { return status(down) == OperatingStatus::Offline; }, 5s));
    EXPECT_LE(std::chrono::steady_clock::now() - started, 3s + 1s);
    EXPECT_EQ(status(up), OperatingStatus::Online);
}

TEST_F(CheckerTest, SameMonitorKeepsStatusAcrossConfigurations) {
    std::uint16_t down = 0;
    {
        tcp::acceptor closed(io_, tcp::endpoint(make_address("127.0.0.1"), 0));
        down = closed.local_endpoint().port();
    }
    checker_.configure(*snapshot({down}, tcp_monitor(1, 1)));
    ASSERT_TRUE(run_until([&] { return status(down) == OperatingStatus::Offline; }, 3s));

    auto renamed = tcp_monitor(1, 1);
    renamed.name = "renamed";
    checker_.configure(*snapshot({down}, renamed));
    EXPECT_EQ(status(down), OperatingStatus::Offline);

    auto slower = tcp_monitor(1, 1);
    slower.delay = 2s;
    checker_.configure(*snapshot({down}, slower));
    EXPECT_EQ(status(down), OperatingStatus::Offline);
    EXPECT_EQ(checker_.probe_count(), 1u);
}

TEST_F(CheckerTest, RemovedMonitorMeansNoMonitor) {
    tcp::acceptor listening(io_, tcp::endpoint(make_address("127.0.0.1"), 0));
    const std::uint16_t up = listening.local_endpoint().port();
    checker_.configure(*snapshot({up}, tcp_monitor(1, 1)));
    EXPECT_EQ(status(up), OperatingStatus::Online);

    checker_.configure(*snapshot({up}, std::nullopt));

    EXPECT_EQ(checker_.probe_count(), 0u);
    EXPECT_EQ(status(up), OperatingStatus::NoMonitor);
    // A probe still in flight when the monitor went away records nothing.
    run_until([] { return false; }, 1500ms);
    EXPECT_EQ(status(up), OperatingStatus::NoMonitor);
}

TEST_F(CheckerTest, OfflineMemberComesBackOnline) {
    tcp::acceptor acceptor(io_, tcp::endpoint(make_address("127.0.0.1"), 0));
    const tcp::endpoint endpoint = acceptor.local_endpoint();
    acceptor.close();
    checker_.configure(*snapshot({endpoint.port()}, tcp_monitor(2, 1)));
    ASSERT_TRUE(run_until([&] { return status(endpoint.port()) == OperatingStatus::Offline; }, 3s));

    tcp::acceptor reopened(io_);
    reopened.open(endpoint.protocol());
    reopened.set_option(tcp::acceptor::reuse_address(true));
    reopened.bind(endpoint);
    reopened.listen();
    const auto started = std::chrono::steady_clock::now();

    EXPECT_TRUE(run_until([&] { return status(endpoint.port()) == OperatingStatus::Online; }, 4s));
    // Two successes one second apart: within delay x max_retries.
    EXPECT_LE(std::chrono::steady_clock::now() - started, 2s + 1s);
}

}  // namespace
}  // namespace tollgate::proxy::health
