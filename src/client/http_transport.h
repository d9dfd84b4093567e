#pragma once

#include "client/connection.h"
#include "client/transport.h"

#include <chrono>
#include <memory>

namespace tollgate::client {

struct HttpTransportOptions {
    ApiUrl url;
    std::string token;                          // sent as X-Auth-Token on every request
    std::chrono::milliseconds timeout{30'000};  // for the connect and for each request and response
};

// HTTP/1.1 over plain TCP with Boost.Beast, one keep-alive connection at a time. Calls
// block. Not thread-safe.
class HttpTransport final : public Transport {
public:
    explicit HttpTransport(HttpTransportOptions options);
    ~HttpTransport() override;

    HttpTransport(const HttpTransport&) = delete;
    HttpTransport& operator=(const HttpTransport&) = delete;

    // Prefixes the target with the URL's base path. When a reused connection turns out to be
    // closed by the server before any response byte arrives, the request is sent once more
    // on a new connection.
    core::Result<HttpResponse> send(const HttpRequest& request) override;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace tollgate::client
