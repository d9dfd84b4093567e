#include "api/server.h"

#include "console/files.h"
#include "core/logging.h"

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <tuple>

namespace tollgate::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
// After rejecting a request whose body is not read, the server reads and discards input
// for up to this long before closing, so the client receives the error instead of a reset.
constexpr std::chrono::seconds kLingerTimeout{5};
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

bool is_api_path(std::string_view path) {
    return path == "/v3" || path.starts_with("/v3/");
}

std::string lowercase(std::string_view text) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    return lower;
}

// Returns the media type of a Content-Type value without parameters, lowercase.
std::string media_type(std::string_view content_type) {
    std::string_view type = content_type.substr(0, content_type.find(';'));
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) {
        type.remove_suffix(1);
    }
    while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) {
        type.remove_prefix(1);
    }
    return lowercase(type);
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
    std::string joined;
    for (const std::string& item : items) {
        if (!joined.empty()) {
            joined += separator;
        }
        joined += item;
    }
    return joined;
}

ApiResult<ApiResponse> versions(const ApiRequest&) {
    nlohmann::json version = {{"id", "v3"}, {"status", "CURRENT"}};
    return ApiResponse{200, {{"versions", nlohmann::json::array({version})}}};
}

}  // namespace

HttpResponse make_json_response(int status, std::string body, std::string_view request_id, unsigned version,
                                bool keep_alive) {
    HttpResponse response{static_cast<http::status>(status), version};
    response.set(http::field::content_type, "application/json");
    response.set("X-Request-Id", request_id);
    response.keep_alive(keep_alive);
    response.body() = std::move(body);
    response.prepare_payload();
    return response;
}

HttpResponse make_error_response(const ApiError& error, std::string_view request_id, unsigned version,
                                 bool keep_alive) {
    return make_json_response(error.status, error_body(error, request_id).dump(), request_id, version,
                              keep_alive);
}

namespace {

// Returns whether arrays and objects in `text` nest deeper than `limit`. The text is scanned
// before parsing, because a deeply nested value exhausts the stack when it is parsed, printed
// or destroyed.
bool nests_deeper_than(std::string_view text, int limit) {
    int depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > limit) {
                return true;
            }
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return false;
}

}  // namespace

ApiResult<nlohmann::json> parse_json_body(const HttpRequest& request) {
    const std::string& body = request.body();
    if (body.empty()) {
        bool needs_body = request.method() == http::verb::post || request.method() == http::verb::put;
        if (needs_body) {
            return ApiError::empty_body();
        }
        return ApiResult<nlohmann::json>(boost::system::in_place_value, nullptr);
    }

    auto content_type = request[http::field::content_type];
    if (media_type(content_type) != "application/json") {
        return ApiError::invalid_input("Content-Type", content_type,
                                       "Send request bodies as application/json.");
    }

    if (nests_deeper_than(body, kMaxJsonDepth)) {
        return ApiError::invalid_request(
            fmt::format("Invalid input for 'body': arrays and objects nest deeper than {} levels. Send a "
                        "flatter JSON object.",
                        kMaxJsonDepth));
    }
    nlohmann::json parsed;
    try {
        parsed = nlohmann::json::parse(body);
    } catch (const nlohmann::json::parse_error& error) {
        if (std::string_view(error.what()).find("UTF-8") != std::string_view::npos) {
            return ApiError::invalid_request(fmt::format(
                "Invalid input for 'body': the request body is not valid UTF-8 (invalid byte sequence "
                "at byte {}). Send JSON text encoded as UTF-8.",
                error.byte));
        }
        return ApiError::invalid_request(
            fmt::format("Invalid input for 'body': the request body is not valid JSON (syntax error at byte "
                        "{}). Send a JSON object.",
                        error.byte));
    }
    if (!parsed.is_object()) {
        return ApiError::invalid_request(
            fmt::format("Invalid input for 'body': the request body is a JSON {}. Send a JSON object.",
                        parsed.type_name()));
    }
    // json converts implicitly to any type, so the value alternative is named explicitly.
    return ApiResult<nlohmann::json>(boost::system::in_place_value, std::move(parsed));
}

Server::Server(asio::io_context& io, ServerOptions options, Router router, AdminToken token)
    : io_(io),
      options_(std::move(options)),
      router_(std::move(router)),
      token_(std::move(token)),
      acceptor_(io) {
    router_.add("GET", "/versions", versions);
    for (const console::File& file : console::files()) {
        static_files_.add(fmt::format("/console/{}", file.path), file.content_type, file.body);
        if (file.path == "index.html") {
            static_files_.add("/", file.content_type, file.body);
        }
    }
}

core::Result<tcp::endpoint> Server::start() {
    boost::system::error_code error;
    auto address = asio::ip::make_address(options_.address, error);
    if (error) {
        return core::Error::invalid(
            fmt::format("invalid API listen address '{}': {}; use an IPv4 or IPv6 address", options_.address,
                        error.message()));
    }
    tcp::endpoint endpoint{address, options_.port};
    const std::string where = fmt::format("{}:{}", options_.address, options_.port);

    acceptor_.open(endpoint.protocol(), error);
    if (!error) {
        acceptor_.set_option(asio::socket_base::reuse_address(true), error);
    }
    if (!error) {
        acceptor_.bind(endpoint, error);
    }
    if (!error) {
        acceptor_.listen(asio::socket_base::max_listen_connections, error);
    }
    if (error) {
        acceptor_.close();
        return core::Error::io(fmt::format(
            "cannot listen for the API on {}: {}; choose another address or port", where, error.message()));
    }

    auto bound = acceptor_.local_endpoint();
    core::logger("api")->info("API listening on {}:{}", bound.address().to_string(), bound.port());
    asio::co_spawn(io_, accept_loop(), [](std::exception_ptr failure) {
        if (failure) {
            core::logger("api")->error("API accept loop stopped by an exception");
        }
    });
    return bound;
}

void Server::stop() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (beast::tcp_stream* stream : connections_) {
        stream->socket().close(ignored);
    }
}

asio::awaitable<void> Server::accept_loop() {
    while (acceptor_.is_open()) {
        auto [error, socket] = co_await acceptor_.async_accept(use_tuple);
        if (error == asio::error::operation_aborted || !acceptor_.is_open()) {
            co_return;
        }
        if (error) {
            // Running out of file descriptors fails every accept until one is closed, so
            // wait before retrying instead of spinning.
            core::logger("api")->warn("API accept failed: {}", error.message());
            asio::steady_timer delay(io_, kAcceptRetryDelay);
            co_await delay.async_wait(use_tuple);
            continue;
        }
        asio::co_spawn(io_, serve_connection(std::move(socket)), [](std::exception_ptr failure) {
            if (failure) {
                core::logger("api")->error("API connection stopped by an exception");
            }
        });
    }
}

asio::awaitable<void> Server::serve_connection(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    connections_.insert(&stream);
    struct Unregister {
        std::unordered_set<beast::tcp_stream*>& connections;
        beast::tcp_stream* stream;
        ~Unregister() { connections.erase(stream); }
    } unregister{connections_, &stream};

    beast::flat_buffer buffer;
    while (true) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(options_.body_limit);
        stream.expires_after(options_.idle_timeout);
        if (!co_await read_request(stream, buffer, parser)) {
            co_return;
        }

        HttpResponse response = respond(parser.get());
        bool keep_alive = response.keep_alive();
        auto [write_error, written_bytes] = co_await http::async_write(stream, response, use_tuple);
        if (write_error || !keep_alive) {
            break;
        }
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<bool> Server::read_request(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                           http::request_parser<http::string_body>& parser) {
    auto [error, header_bytes] = co_await http::async_read_header(stream, buffer, parser, use_tuple);
    // A client that sends "Expect: 100-continue" (curl does for large bodies) waits for
    // this interim response, or for its own timeout, before it sends the body.
    if (!error && beast::iequals(parser.get()[http::field::expect], "100-continue")) {
        http::response<http::empty_body> proceed{http::status::continue_, 11};
        std::tie(error, std::ignore) = co_await http::async_write(stream, proceed, use_tuple);
    }
    if (!error) {
        std::tie(error, std::ignore) = co_await http::async_read(stream, buffer, parser, use_tuple);
    }
    if (!error) {
        co_return true;
    }

    if (error == http::error::body_limit) {
        co_await reject_unreadable(stream, ApiError::body_too_large(options_.body_limit));
    } else if (error.category() == http::make_error_code(http::error::bad_target).category() &&
               error != http::error::end_of_stream && error != http::error::partial_message) {
        co_await reject_unreadable(stream, ApiError::invalid_request(fmt::format(
                                               "The request is not valid HTTP/1.1: {}.", error.message())));
    }
    // Otherwise the client closed the connection, reset it or stayed idle past the
    // timeout, so the connection closes without a response.
    co_return false;
}

asio::awaitable<void> Server::reject_unreadable(beast::tcp_stream& stream, const ApiError& error) {
    std::string request_id = new_request_id();
    core::logger("api")->info("rejected unreadable request: status={} request_id={} error=\"{}\"",
                              error.status, request_id, error.message);
    HttpResponse response = make_error_response(error, request_id, 11, false);
    stream.expires_after(kLingerTimeout);
    auto [write_error, written_bytes] = co_await http::async_write(stream, response, use_tuple);
    if (write_error) {
        co_return;
    }

    // Closing with unread input makes the kernel send a reset, which can discard the
    // response before the client reads it, so the input is drained first.
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    std::array<char, 65536> discard{};
    while (true) {
        auto [drain_error, drained] = co_await stream.async_read_some(asio::buffer(discard), use_tuple);
        if (drain_error) {
            break;
        }
    }
}

HttpResponse Server::respond(const HttpRequest& request) {
    const auto started = std::chrono::steady_clock::now();
    const std::string request_id = new_request_id();
    std::string_view target = request.target();
    std::string_view path = target.substr(0, target.find('?'));
    std::string_view query =
        path.size() < target.size() ? target.substr(path.size() + 1) : std::string_view{};
    if (static_files_.contains(path)) {
        return respond_static(request, path, request_id);
    }
    if (auto text = text_resources_.find(path); text != text_resources_.end()) {
        return respond_text(request, text->second, request_id);
    }

    auto result = dispatch(request, path, query, request_id);
    HttpResponse response;
    if (!result) {
        response = make_error_response(result.error(), request_id, request.version(), request.keep_alive());
        if (result.error().status == 405) {
            response.set(http::field::allow, join(router_.allowed_methods(path), ", "));
        }
    } else if (request.method() == http::verb::delete_) {
        response = make_json_response(204, {}, request_id, request.version(), request.keep_alive());
    } else {
        nlohmann::json& body = result->body;
        if (is_api_path(path) && body.is_object() && !body.contains("request_id")) {
            body["request_id"] = request_id;
        }
        response = make_json_response(result->status, body.dump(), request_id, request.version(),
                                      request.keep_alive());
    }

    const auto elapsed =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started);
    const int status = response.result_int();
    std::string error_text = result ? std::string() : fmt::format(" error=\"{}\"", result.error().message);
    auto level = status >= 500 ? spdlog::level::warn : spdlog::level::info;
    core::logger("api")->log(level, "{} {} status={} request_id={} duration_ms={:.1f}{}",
                             request.method_string(), path, status, request_id, elapsed.count(),
                             status >= 500 ? error_text : std::string());
    return response;
}

HttpResponse Server::respond_static(const HttpRequest& request, std::string_view path,
                                    const std::string& request_id) {
    auto response = static_files_.respond(request, path, request_id);
    if (!response) {
        auto error = ApiError::method_not_allowed(request.method_string(), path);
        response = make_error_response(error, request_id, request.version(), request.keep_alive());
        response->set(http::field::allow, "GET, HEAD");
    }
    // A visit of the console loads all of its files, so their lines go to debug.
    core::logger("api")->debug("{} {} status={} request_id={}", request.method_string(), path,
                               response->result_int(), request_id);
    return std::move(*response);
}

void Server::add_text_resource(std::string path, TextResource resource) {
    text_resources_.insert_or_assign(std::move(path), std::move(resource));
}

HttpResponse Server::respond_text(const HttpRequest& request, const TextResource& resource,
                                  const std::string& request_id) {
    if (request.method() != http::verb::get && request.method() != http::verb::head) {
        auto error = ApiError::method_not_allowed(request.method_string(), request.target());
        HttpResponse response =
            make_error_response(error, request_id, request.version(), request.keep_alive());
        response.set(http::field::allow, "GET, HEAD");
        return response;
    }
    HttpResponse response =
        make_json_response(200, resource.render(), request_id, request.version(), request.keep_alive());
    response.set(http::field::content_type, resource.content_type);
    response.set(http::field::cache_control, "no-store");
    if (request.method() == http::verb::head) {
        // The Content-Length header stays that of the GET response, as HEAD requires, and the
        // serializer writes the empty body.
        response.body().clear();
    }
    return response;
}

ApiResult<ApiResponse> Server::dispatch(const HttpRequest& request, std::string_view path,
                                        std::string_view query, const std::string& request_id) {
    if (is_api_path(path)) {
        auto presented = request.find("X-Auth-Token");
        if (presented == request.end() || !token_.matches(presented->value())) {
            return ApiError::unauthorized();
        }
    }

    auto match = router_.match(request.method_string(), path);
    if (!match) {
        return match.error();
    }
    auto query_params = parse_query(query);
    if (!query_params) {
        return query_params.error();
    }
    auto body = parse_json_body(request);
    if (!body) {
        return body.error();
    }

    ApiRequest api_request{std::string(request.method_string()),
                           std::string(path),
                           std::move(match->params),
                           std::move(*query_params),
                           std::move(*body),
                           request_id};
    try {
        return (*match->handler)(api_request);
    } catch (const std::exception& error) {
        core::logger("api")->error("handler for {} {} failed: {} request_id={}", request.method_string(),
                                   path, error.what(), request_id);
        return ApiError::internal(
            fmt::format("Internal error. The server log has the details under request id {}.", request_id));
    }
}

}  // namespace tollgate::api
