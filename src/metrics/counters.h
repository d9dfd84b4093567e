#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace tollgate::metrics {

// A monotonic count written by one thread and read by any. The writer adds with a relaxed
// load and store instead of a locked read-modify-write, which is correct because no other
// thread writes it, and costs the same as a plain increment.
class Counter {
public:
    void add(std::uint64_t amount = 1) noexcept {
        value_.store(value_.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
    }
    std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

// A count that goes up and down, written by one thread and read by any.
class Gauge {
public:
    void add(std::int64_t amount) noexcept {
        value_.store(value_.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
    }
    std::int64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::int64_t> value_{0};
};

// Upper bounds, in seconds, of the latency histogram buckets. They cover a TLS handshake on
// loopback (about a millisecond) up to a request that waits on a slow backend.
inline constexpr std::array<double, 14> kLatencyBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                          0.1,    0.25,  0.5,    1.0,   2.5,  5.0,   10.0};

// The values of a histogram at one moment. `buckets` contains counts per bucket, not cumulative,
// and the last entry is the +Inf bucket. The count and the sum cover every observation.
struct HistogramValues {
    std::array<std::uint64_t, kLatencyBounds.size() + 1> buckets{};
    std::uint64_t count = 0;
    double sum_seconds = 0;

    HistogramValues& operator+=(const HistogramValues& other);
};

// A latency histogram over kLatencyBounds, written by one thread and read by any. A reader
// can read an observation's count before its bucket. PrometheusText::histogram therefore
// reports the sum of the buckets as the count.
class Histogram {
public:
    void observe(std::chrono::nanoseconds duration) noexcept;
    HistogramValues values() const noexcept;

private:
    std::array<Counter, kLatencyBounds.size() + 1> buckets_;
    Counter count_;
    Counter sum_nanoseconds_;
};

}  // namespace tollgate::metrics
