#pragma once

#include <string>
#include <utility>
#include <vector>

namespace tollgate::cli {

// The parts of one request that the demo backend reports.
struct SeenRequest {
    std::string backend_name;
    std::string method;
    std::string target;
    std::string client;  // "127.0.0.1:53422"
    std::vector<std::pair<std::string, std::string>> headers;
};

struct DemoReply {
    std::string content_type;
    std::string body;
};

// Formats the response body in the media type that the Accept header requests: HTML for
// browsers, JSON for `application/json`, plain text otherwise. HTML escapes every value.
DemoReply demo_reply(const SeenRequest& request, const std::string& accept);

}  // namespace tollgate::cli
