#pragma once

#include "api/errors.h"

#include <boost/system/result.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::api {

[[noreturn]] void throw_exception_from_error(const ApiError& error, const boost::source_location& location);

template <typename T>
using ApiResult = boost::system::result<T, ApiError>;

// Path parameters by name, percent-decoded: {"project_id": "...", "certificate_id": "..."}.
using PathParams = std::map<std::string, std::string>;
// Query parameters by name, each with its values in request order (`id=a&id=b`).
using QueryParams = std::map<std::string, std::vector<std::string>>;

// A request passed to a handler after authentication and validation.
struct ApiRequest {
    std::string method;
    std::string path;
    PathParams params;
    QueryParams query;
    nlohmann::json body;  // null when the request has no body
    std::string request_id;
};

// A successful response. The server adds `request_id` to object bodies and sends DELETE
// responses as 204 without a body.
struct ApiResponse {
    int status = 200;
    nlohmann::json body = nlohmann::json::object();
};

using Handler = std::function<ApiResult<ApiResponse>(const ApiRequest&)>;

struct RouteMatch {
    const Handler* handler = nullptr;
    PathParams params;
};

// Maps a method and a path to a handler. Patterns are literal segments and `{name}`
// parameters, e.g. "/v3/{project_id}/elb/certificates/{certificate_id}". When several
// patterns match a path, the one with a literal segment earliest wins, so
// "/certificates/batch-delete" takes precedence over "/certificates/{certificate_id}".
class Router {
public:
    // Registers `handler`. Throws std::invalid_argument on a malformed pattern or on a
    // method and pattern that are already registered.
    void add(std::string method, std::string_view pattern, Handler handler);

    // Returns the handler and parameters for the request, or 404 for an unknown path, 405
    // for a known path with another method and 400 for an invalid parameter. A parameter
    // named project_id must be 1-64 characters of [a-zA-Z0-9_-].
    ApiResult<RouteMatch> match(std::string_view method, std::string_view path) const;

    // Returns the methods registered for patterns matching `path`, sorted, for the Allow header.
    std::vector<std::string> allowed_methods(std::string_view path) const;

private:
    struct Segment {
        std::string text;
        bool parameter = false;
    };
    struct Route {
        std::string method;
        std::string pattern;
        std::vector<Segment> segments;
        Handler handler;
    };

    static bool is_more_specific(const Route& left, const Route& right);
    std::vector<const Route*> matching_routes(const std::vector<std::string>& segments) const;

    std::vector<Route> routes_;
};

// Splits "/a/b" into percent-decoded segments {"a", "b"}. Fails on invalid percent-encoding.
ApiResult<std::vector<std::string>> split_path(std::string_view path);

// Parses a query string ("id=a&id=b&name=x%20y"), decoding %XX and '+' as a space.
ApiResult<QueryParams> parse_query(std::string_view query);

// Decodes %XX escapes and, when `plus_is_space`, '+' as a space. Returns false on a
// truncated escape or one that is not two hex digits.
bool percent_decode(std::string_view text, bool plus_is_space, std::string& decoded);

// Returns whether `project_id` is 1-64 characters of [a-zA-Z0-9_-].
bool is_valid_project_id(std::string_view project_id);

}  // namespace tollgate::api
