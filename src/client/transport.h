#pragma once

// The HTTP exchange under the API client. It is an interface so that tests can serve the
// requests from an in-memory API.

#include "core/error.h"

#include <string>

namespace tollgate::client {

struct HttpRequest {
    std::string method;  // "GET", "POST", "PUT" or "DELETE"
    std::string target;  // path and query: "/v3/default/elb/listeners?limit=2000"
    std::string body;    // JSON text; empty for no body
};

struct HttpResponse {
    int status = 0;
    std::string body;
    std::string request_id;  // the X-Request-Id header; empty when absent
};

class Transport {
public:
    virtual ~Transport() = default;

    // Sends one request and returns the response, whatever its status. Fails only when no
    // complete response arrived: the connection was refused or broke, or the timeout passed.
    virtual core::Result<HttpResponse> send(const HttpRequest& request) = 0;
};

}  // namespace tollgate::client
