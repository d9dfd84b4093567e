#pragma once

#include "accesslog/record.h"
#include "proxy/http1/forwarding.h"
#include "proxy/snapshot.h"

#include <openssl/ssl.h>
#include <boost/beast/http/message.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace tollgate::proxy {

// The outcome of one request, collected while it is served, for the counters and the access log.
struct RequestTrace {
    std::chrono::steady_clock::time_point started;     // when its head was read
    std::chrono::system_clock::time_point wall_clock;  // the same moment, for the log
    unsigned status = 0;                               // 0 when no response was sent
    std::uint64_t bytes_received = 0;
    std::uint64_t bytes_sent = 0;
    const PoolRuntime* pool = nullptr;  // set with member once a member was connected
    std::optional<std::uint32_t> member;
    std::chrono::steady_clock::time_point upstream_started;
    std::chrono::microseconds upstream_time{-1};  // until the member's response head; -1 without one
    std::string request_id;

    // Starts the trace of a new request at `now`.
    void begin(std::chrono::steady_clock::time_point now);
};

// Returns the size of a request head as the client sent it, up to whitespace that the
// parser drops.
std::uint64_t head_bytes(const boost::beast::http::request_header<>& request);

// Returns the verification result of the access log: SUCCESS with a verified client
// certificate, FAILED when one was sent but not verified (client_authentication optional),
// and NONE without one.
std::string client_verify_result(const http1::ClientFacts& client, SSL* ssl);

// Builds the access log record of a finished request. `request` is null when the request
// head could not be read, and `total_time` is its duration.
accesslog::AccessRecord access_record(const RequestTrace& trace,
                                      const boost::beast::http::request_header<>* request,
                                      const ListenerRuntime& listener, const http1::ClientFacts& client,
                                      SSL* ssl, std::chrono::microseconds total_time);

}  // namespace tollgate::proxy
