#pragma once

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <optional>
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

// Limits of the demo backend's request parser, in bytes. The header limit covers the request line
// and all header fields.
constexpr std::size_t kDemoHeaderLimit = 8 * 1024;
constexpr std::size_t kDemoBodyLimit = 1024 * 1024;

// A response to a request that the parser rejected: the status and a one-line plain-text body.
struct DemoRejection {
    unsigned status;
    std::string body;
};

// Returns the response for a request whose parsing failed with `error`: 431 when the headers
// exceed kDemoHeaderLimit, 413 when the body exceeds kDemoBodyLimit, 400 for any other HTTP
// syntax error. Returns nothing when no response can be sent: end of stream, a request cut off
// by the client, and errors outside the HTTP category such as a timeout or a reset connection.
std::optional<DemoRejection> demo_rejection(const boost::system::error_code& error);

}  // namespace tollgate::cli
