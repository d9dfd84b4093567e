#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::bench {

// Category of a request that did not count as a success.
enum class FailureKind {
    Connect,        // TCP connect failed or timed out
    Handshake,      // the TLS handshake failed, or the server sent a TLS alert before the first response
    Status,         // a complete response with an unexpected status code
    MissingHeader,  // the expected status, but the expected header is absent or differs
    Io,             // a read or write failed, timed out, or the response was malformed
    Count_,
};
inline constexpr std::size_t kFailureKindCount = static_cast<std::size_t>(FailureKind::Count_);

std::string_view to_string(FailureKind kind);

// Counters and latencies of one thread; merged into one after the run.
class Stats {
public:
    void record_success(std::chrono::nanoseconds latency);
    void record_failure(FailureKind kind, const std::string& message);
    void record_connection() { ++connections_opened_; }
    void record_tls_parameters(std::string_view protocol, std::string_view cipher);
    void merge(Stats&& other);

    std::int64_t successes() const { return static_cast<std::int64_t>(latencies_.size()); }
    std::int64_t failures() const;

    // Builds the JSON summary; `elapsed` is the wall time from the first connect to the last
    // completed request.
    nlohmann::json summary(std::chrono::duration<double> elapsed);

private:
    static constexpr std::size_t kMaxSamplesPerKind = 3;

    std::vector<std::chrono::nanoseconds> latencies_;
    std::array<std::int64_t, kFailureKindCount> failures_{};
    std::array<std::vector<std::string>, kFailureKindCount> samples_;  // first distinct messages
    std::int64_t connections_opened_ = 0;
    std::string tls_protocol_;
    std::string tls_cipher_;
};

}  // namespace tollgate::bench
