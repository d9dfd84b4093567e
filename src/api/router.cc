#include "api/router.h"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace tollgate::api {
namespace {

constexpr std::size_t kMaxProjectIdLength = 64;

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

}  // namespace

void throw_exception_from_error(const ApiError& error, const boost::source_location&) {
    throw std::runtime_error(fmt::format("{} {}: {}", error.status, error.code, error.message));
}

bool percent_decode(std::string_view text, bool plus_is_space, std::string& decoded) {
    decoded.clear();
    decoded.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '+' && plus_is_space) {
            decoded.push_back(' ');
            continue;
        }
        if (c != '%') {
            decoded.push_back(c);
            continue;
        }
        if (i + 2 >= text.size()) {
            return false;
        }
        int high = hex_value(text[i + 1]);
        int low = hex_value(text[i + 2]);
        if (high < 0 || low < 0) {
            return false;
        }
        decoded.push_back(static_cast<char>(high * 16 + low));
        i += 2;
    }
    return true;
}

ApiResult<std::vector<std::string>> split_path(std::string_view path) {
    if (path.empty() || path.front() != '/') {
        return ApiError::invalid_input("path", path, "A request path must start with '/'.");
    }
    std::vector<std::string> segments;
    std::size_t start = 1;
    while (true) {
        std::size_t end = path.find('/', start);
        std::string_view raw =
            path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        std::string decoded;
        if (!percent_decode(raw, false, decoded)) {
            return ApiError::invalid_input("path", path,
                                           "Percent-encode path characters as %XX with two hex digits.");
        }
        segments.push_back(std::move(decoded));
        if (end == std::string_view::npos) {
            break;
        }
        start = end + 1;
    }
    return segments;
}

ApiResult<QueryParams> parse_query(std::string_view query) {
    QueryParams params;
    std::size_t start = 0;
    while (start <= query.size()) {
        std::size_t end = query.find('&', start);
        if (end == std::string_view::npos) {
            end = query.size();
        }
        std::string_view pair = query.substr(start, end - start);
        start = end + 1;
        if (pair.empty()) {
            continue;
        }
        std::size_t equals = pair.find('=');
        std::string_view raw_key = pair.substr(0, equals);
        std::string_view raw_value =
            equals == std::string_view::npos ? std::string_view{} : pair.substr(equals + 1);
        std::string key;
        std::string value;
        if (!percent_decode(raw_key, true, key) || !percent_decode(raw_value, true, value)) {
            return ApiError::invalid_input("query", pair,
                                           "Percent-encode query characters as %XX with two hex digits.");
        }
        params[key].push_back(std::move(value));
    }
    return params;
}

bool is_valid_project_id(std::string_view project_id) {
    if (project_id.empty() || project_id.size() > kMaxProjectIdLength) {
        return false;
    }
    return std::all_of(project_id.begin(), project_id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '-';
    });
}

void Router::add(std::string method, std::string_view pattern, Handler handler) {
    auto split = split_path(pattern);
    if (!split) {
        throw std::invalid_argument(fmt::format("invalid route pattern '{}'", pattern));
    }
    Route route{std::move(method), std::string(pattern), {}, std::move(handler)};
    for (auto& text : *split) {
        bool parameter = text.size() > 2 && text.front() == '{' && text.back() == '}';
        if (parameter) {
            text = text.substr(1, text.size() - 2);
        }
        route.segments.push_back({std::move(text), parameter});
    }
    for (const Route& existing : routes_) {
        if (existing.method == route.method && existing.pattern == route.pattern) {
            throw std::invalid_argument(
                fmt::format("route {} {} is registered twice", route.method, route.pattern));
        }
    }
    routes_.push_back(std::move(route));
}

bool Router::is_more_specific(const Route& left, const Route& right) {
    for (std::size_t i = 0; i < left.segments.size() && i < right.segments.size(); ++i) {
        if (left.segments[i].parameter != right.segments[i].parameter) {
            return !left.segments[i].parameter;
        }
    }
    return false;
}

std::vector<const Router::Route*> Router::matching_routes(const std::vector<std::string>& segments) const {
    std::vector<const Route*> found;
    for (const Route& route : routes_) {
        if (route.segments.size() != segments.size()) {
            continue;
        }
        bool matches = true;
        for (std::size_t i = 0; i < segments.size() && matches; ++i) {
            const Segment& segment = route.segments[i];
            matches = segment.parameter ? !segments[i].empty() : segment.text == segments[i];
        }
        if (matches) {
            found.push_back(&route);
        }
    }
    return found;
}

ApiResult<RouteMatch> Router::match(std::string_view method, std::string_view path) const {
    auto segments = split_path(path);
    if (!segments) {
        return segments.error();
    }
    auto candidates = matching_routes(*segments);
    if (candidates.empty()) {
        return ApiError::unknown_path(path);
    }
    const Route* best = nullptr;
    for (const Route* route : candidates) {
        if (route->method == method && (best == nullptr || is_more_specific(*route, *best))) {
            best = route;
        }
    }
    if (best == nullptr) {
        return ApiError::method_not_allowed(method, path);
    }

    RouteMatch match{&best->handler, {}};
    for (std::size_t i = 0; i < segments->size(); ++i) {
        if (best->segments[i].parameter) {
            match.params[best->segments[i].text] = (*segments)[i];
        }
    }
    auto project = match.params.find("project_id");
    if (project != match.params.end() && !is_valid_project_id(project->second)) {
        return ApiError::invalid_input("project_id", project->second,
                                       "A project_id is 1-64 characters of letters, digits, '_' and '-'.");
    }
    return match;
}

std::vector<std::string> Router::allowed_methods(std::string_view path) const {
    std::vector<std::string> methods;
    auto segments = split_path(path);
    if (!segments) {
        return methods;
    }
    for (const Route* route : matching_routes(*segments)) {
        methods.push_back(route->method);
    }
    std::sort(methods.begin(), methods.end());
    methods.erase(std::unique(methods.begin(), methods.end()), methods.end());
    return methods;
}

}  // namespace tollgate::api
