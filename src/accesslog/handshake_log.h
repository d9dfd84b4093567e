#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace tollgate::accesslog {

// One rejected TLS handshake.
struct HandshakeRejection {
    std::string listener_id;
    std::string client_address;  // without the port, so that one source is one key
    std::string reason;          // tls::code() of the failure, e.g. "unknown_ca"
};

// A summary of the rejections from one source that were not logged one by one.
struct RepeatSummary {
    HandshakeRejection source;
    std::uint64_t repeats = 0;       // rejections after the logged one
    std::chrono::seconds window{0};  // the time they span at most
};

// Decides which rejected handshakes are logged one by one. The first rejection of a
// (listener, client address, reason) in a window is logged with its details. Later ones in
// the same window are only counted, and a summary line reports their number when the window
// ends. A client that retries in a loop then writes two lines per window instead of one per
// attempt. Workers call record() from their threads; rejected handshakes are rare next to
// requests, so one lock suffices.
class HandshakeLog {
public:
    explicit HandshakeLog(std::chrono::seconds window = std::chrono::seconds(10)) : window_(window) {}

    // Returns true when this rejection should be logged with its details now.
    bool record(const HandshakeRejection& rejection, std::chrono::steady_clock::time_point now);

    // Returns the summaries of the windows that ended by `now` and had repeats, and removes
    // those windows.
    std::vector<RepeatSummary> take_summaries(std::chrono::steady_clock::time_point now);

private:
    struct Window {
        std::chrono::steady_clock::time_point started;
        std::uint64_t repeats = 0;
    };
    using Key = std::tuple<std::string, std::string, std::string>;

    std::chrono::seconds window_;
    std::mutex mutex_;
    std::map<Key, Window> windows_;
};

}  // namespace tollgate::accesslog
