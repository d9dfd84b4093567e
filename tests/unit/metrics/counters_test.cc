#include "metrics/counters.h"
#include "metrics/listener_stats.h"

#include <gtest/gtest.h>

#include <thread>

namespace tollgate::metrics {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST(Histogram, BoundIsInclusive) {
    Histogram histogram;
    histogram.observe(microseconds(500));  // exactly the first bound, 0.0005 s
    histogram.observe(microseconds(501));
    histogram.observe(std::chrono::seconds(11));

    HistogramValues values = histogram.values();
    EXPECT_EQ(values.buckets[0], 1u);
    EXPECT_EQ(values.buckets[1], 1u);
    EXPECT_EQ(values.buckets.back(), 1u);
    EXPECT_EQ(values.count, 3u);
    EXPECT_DOUBLE_EQ(values.sum_seconds, 0.0005 + 0.000501 + 11);
}

TEST(Histogram, SumsAcrossValues) {
    Histogram first;
    Histogram second;
    first.observe(milliseconds(3));
    second.observe(milliseconds(3));
    second.observe(milliseconds(40));

    HistogramValues sum = first.values();
    sum += second.values();
    EXPECT_EQ(sum.buckets[3], 2u);  // 3 ms falls in the 5 ms bucket
    EXPECT_EQ(sum.buckets[6], 1u);  // 40 ms falls in the 50 ms bucket
    EXPECT_EQ(sum.count, 3u);
}

TEST(StatusClass, MapsCodesToClasses) {
    EXPECT_EQ(status_class_index(101), 0u);
    EXPECT_EQ(status_class_index(200), 1u);
    EXPECT_EQ(status_class_index(302), 2u);
    EXPECT_EQ(status_class_index(499), 3u);
    EXPECT_EQ(status_class_index(503), 4u);
    EXPECT_EQ(status_class_index(99), 4u);
    EXPECT_EQ(status_class_index(600), 4u);
}

TEST(StatsRegistry, SharesCountersByListenerId) {
    StatsRegistry registry(2);
    auto first = registry.listener("l1", "lb1");
    auto again = registry.listener("l1", "lb1");
    auto other = registry.listener("l2", "lb1");

    EXPECT_EQ(first.get(), again.get());
    EXPECT_NE(first.get(), other.get());
}

TEST(StatsRegistry, TotalsSumEveryWorker) {
    StatsRegistry registry(2);
    auto stats = registry.listener("l1", "lb1");
    // Each worker thread writes only its own block.
    std::thread worker0([&] {
        for (int i = 0; i < 1000; ++i) {
            stats->worker(0).responses[1].add();
        }
        stats->worker(0).active_connections.add(3);
    });
    std::thread worker1([&] {
        for (int i = 0; i < 500; ++i) {
            stats->worker(1).responses[1].add();
        }
        stats->worker(1).active_connections.add(-1);
        stats->worker(1).handshake_failures[static_cast<std::size_t>(tls::HandshakeFailure::UnknownCa)].add();
    });
    worker0.join();
    worker1.join();

    std::vector<ListenerTotals> totals = registry.totals();
    ASSERT_EQ(totals.size(), 1u);
    EXPECT_EQ(totals[0].listener_id, "l1");
    EXPECT_EQ(totals[0].loadbalancer_id, "lb1");
    EXPECT_EQ(totals[0].responses[1], 1500u);
    EXPECT_EQ(totals[0].active_connections, 2);
    EXPECT_EQ(totals[0].handshake_failures[static_cast<std::size_t>(tls::HandshakeFailure::UnknownCa)], 1u);
}

TEST(StatsRegistry, ForgetsReleasedListeners) {
    StatsRegistry registry(1);
    auto referenced = registry.listener("referenced", "lb1");
    registry.listener("dropped", "lb1");  // no snapshot references it

    std::vector<ListenerTotals> totals = registry.totals();
    ASSERT_EQ(totals.size(), 1u);
    EXPECT_EQ(totals[0].listener_id, "referenced");
}

TEST(WorkerListenerStats, OwnsItsCacheLines) {
    EXPECT_EQ(alignof(WorkerListenerStats), 64u);
    EXPECT_EQ(sizeof(WorkerListenerStats) % 64, 0u);
}

}  // namespace
}  // namespace tollgate::metrics
