#include "metrics/counters.h"

#include <algorithm>

namespace tollgate::metrics {

HistogramValues& HistogramValues::operator+=(const HistogramValues& other) {
    for (std::size_t i = 0; i < buckets.size(); ++i) {
        buckets[i] += other.buckets[i];
    }
    count += other.count;
    sum_seconds += other.sum_seconds;
    return *this;
}

void Histogram::observe(std::chrono::nanoseconds duration) noexcept {
    const double seconds = std::chrono::duration<double>(duration).count();
    const auto bound = std::lower_bound(kLatencyBounds.begin(), kLatencyBounds.end(), seconds);
    buckets_[static_cast<std::size_t>(bound - kLatencyBounds.begin())].add();
    count_.add();
    sum_nanoseconds_.add(static_cast<std::uint64_t>(std::max<std::int64_t>(duration.count(), 0)));
}

HistogramValues Histogram::values() const noexcept {
    HistogramValues result;
    for (std::size_t i = 0; i < buckets_.size(); ++i) {
        result.buckets[i] = buckets_[i].value();
    }
    result.count = count_.value();
    result.sum_seconds = static_cast<double>(sum_nanoseconds_.value()) / 1e9;
    return result;
}

}  // namespace tollgate::metrics
