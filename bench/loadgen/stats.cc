#include "loadgen/stats.h"

#include <algorithm>

namespace tollgate::bench {
namespace {

// Nearest-rank percentile of sorted values, in milliseconds.
double percentile_ms(const std::vector<std::chrono::nanoseconds>& sorted, double fraction) {
    if (sorted.empty()) {
        return 0.0;
    }
    auto rank = static_cast<std::size_t>(fraction * static_cast<double>(sorted.size()) + 0.999999);
    rank = std::clamp<std::size_t>(rank, 1, sorted.size());
    return std::chrono::duration<double, std::milli>(sorted[rank - 1]).count();
}

}  // namespace

std::string_view to_string(FailureKind kind) {
    switch (kind) {
        case FailureKind::Connect:
            return "connect";
        case FailureKind::Handshake:
            return "handshake";
        case FailureKind::Status:
            return "status";
        case FailureKind::MissingHeader:
            return "missing_header";
        case FailureKind::Io:
            return "io";
        case FailureKind::Count_:
            break;
    }
    return "unknown";
}

void Stats::record_success(std::chrono::nanoseconds latency) {
    latencies_.push_back(latency);
}

void Stats::record_failure(FailureKind kind, const std::string& message) {
    const auto index = static_cast<std::size_t>(kind);
    ++failures_[index];
    auto& samples = samples_[index];
    if (samples.size() < kMaxSamplesPerKind &&
        std::find(samples.begin(), samples.end(), message) == samples.end()) {
        samples.push_back(message);
    }
}

void Stats::record_tls_parameters(std::string_view protocol, std::string_view cipher) {
    if (tls_protocol_.empty()) {
        tls_protocol_ = protocol;
        tls_cipher_ = cipher;
    }
}

void Stats::merge(Stats&& other) {
    latencies_.insert(latencies_.end(), other.latencies_.begin(), other.latencies_.end());
    for (std::size_t i = 0; i < kFailureKindCount; ++i) {
        failures_[i] += other.failures_[i];
        for (auto& message : other.samples_[i]) {
            auto& samples = samples_[i];
            if (samples.size() < kMaxSamplesPerKind &&
                std::find(samples.begin(), samples.end(), message) == samples.end()) {
                samples.push_back(std::move(message));
            }
        }
    }
    connections_opened_ += other.connections_opened_;
    if (tls_protocol_.empty()) {
        tls_protocol_ = std::move(other.tls_protocol_);
        tls_cipher_ = std::move(other.tls_cipher_);
    }
}

std::int64_t Stats::failures() const {
    std::int64_t total = 0;
    for (auto count : failures_) {
        total += count;
    }
    return total;
}

nlohmann::json Stats::summary(std::chrono::duration<double> elapsed) {
    std::sort(latencies_.begin(), latencies_.end());

    nlohmann::json errors = nlohmann::json::object();
    nlohmann::json samples = nlohmann::json::object();
    for (std::size_t i = 0; i < kFailureKindCount; ++i) {
        const auto name = std::string(to_string(static_cast<FailureKind>(i)));
        errors[name] = failures_[i];
        if (!samples_[i].empty()) {
            samples[name] = samples_[i];
        }
    }

    const double seconds = elapsed.count();
    return {
        {"requests_ok", successes()},
        {"errors", errors},
        {"errors_total", failures()},
        {"error_samples", samples},
        {"connections_opened", connections_opened_},
        {"elapsed_s", seconds},
        {"requests_per_s", seconds > 0 ? static_cast<double>(successes()) / seconds : 0.0},
        {"latency_ms",
         {{"p50", percentile_ms(latencies_, 0.50)},
          {"p90", percentile_ms(latencies_, 0.90)},
          {"p99", percentile_ms(latencies_, 0.99)},
          {"max", percentile_ms(latencies_, 1.0)}}},
        {"tls", {{"protocol", tls_protocol_}, {"cipher", tls_cipher_}}},
    };
}

}  // namespace tollgate::bench
