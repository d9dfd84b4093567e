#pragma once

#include "api/auth.h"
#include "api/router.h"
#include "api/static_files.h"
#include "core/error.h"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_set>

namespace tollgate::api {

struct ServerOptions {
    std::string address = "127.0.0.1";
    std::uint16_t port = 9000;              // 0 lets the OS choose a free port
    std::size_t body_limit = 1024 * 1024;   // bytes; larger bodies get 413
    std::chrono::seconds idle_timeout{60};  // per request read, including keep-alive waits
};

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;

// A document outside the JSON API that GET and HEAD return without a token, such as the
// Prometheus metrics. `render` runs on the API thread for every request.
struct TextResource {
    std::string content_type;
    std::function<std::string()> render;
};
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// The REST API server: HTTP/1.1 with keep-alive, one coroutine per connection on the
// caller's io_context. Requests under /v3/ must send X-Auth-Token; other paths, such as
// the built-in GET /versions, need no token. Every response has an X-Request-Id header,
// which equals `request_id` in error bodies. API responses have Content-Type
// application/json. The web console is served at / and its files under /console/, see
// StaticFiles.
//
// All member functions must run on the io_context's thread, and the Server must outlive
// the io_context's run(); use boost::asio::post to call stop() from another thread.
class Server {
public:
    Server(boost::asio::io_context& io, ServerOptions options, Router router, AdminToken token);

    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds and listens, then accepts connections once the io_context runs. Returns the
    // bound endpoint, whose port is the chosen one when options.port is 0.
    core::Result<boost::asio::ip::tcp::endpoint> start();

    // Closes the listening socket and every open connection. Responses being written are cut off.
    void stop();

    // Builds the response to one parsed request: authentication, routing, body checks and the handler.
    HttpResponse respond(const HttpRequest& request);

    // Serves `resource` at `path` (for example "/metrics"), before the routes of the router.
    void add_text_resource(std::string path, TextResource resource);

private:
    boost::asio::awaitable<void> accept_loop();
    boost::asio::awaitable<void> serve_connection(boost::asio::ip::tcp::socket socket);
    // Reads one request and sends 100 Continue to a client that expects it. Returns false when the
    // connection must close, after sending 413 or 400 for an unreadable request.
    boost::asio::awaitable<bool> read_request(
        boost::beast::tcp_stream& stream, boost::beast::flat_buffer& buffer,
        boost::beast::http::request_parser<boost::beast::http::string_body>& parser);
    boost::asio::awaitable<void> reject_unreadable(boost::beast::tcp_stream& stream, const ApiError& error);
    HttpResponse respond_static(const HttpRequest& request, std::string_view path,
                                const std::string& request_id);
    HttpResponse respond_text(const HttpRequest& request, const TextResource& resource,
                              const std::string& request_id);
    ApiResult<ApiResponse> dispatch(const HttpRequest& request, std::string_view path, std::string_view query,
                                    const std::string& request_id);

    boost::asio::io_context& io_;
    ServerOptions options_;
    Router router_;
    StaticFiles static_files_;
    std::map<std::string, TextResource, std::less<>> text_resources_;
    AdminToken token_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::unordered_set<boost::beast::tcp_stream*> connections_;
};

// Builds a JSON response with Content-Type, X-Request-Id and Content-Length set.
HttpResponse make_json_response(int status, std::string body, std::string_view request_id, unsigned version,
                                bool keep_alive);

// Builds the ELB error response for `error`.
HttpResponse make_error_response(const ApiError& error, std::string_view request_id, unsigned version,
                                 bool keep_alive);

// Request bodies whose arrays and objects nest deeper than this get 400. ELB bodies nest at
// most three levels.
inline constexpr int kMaxJsonDepth = 32;

// Parses a request body as a JSON object. An empty body is null for GET and DELETE and
// 400 ELB.0002 for POST and PUT. A body must have Content-Type application/json.
ApiResult<nlohmann::json> parse_json_body(const HttpRequest& request);

}  // namespace tollgate::api
