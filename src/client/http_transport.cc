#include "client/http_transport.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <optional>

namespace tollgate::client {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// List responses with many certificates are large; this only bounds a broken server.
constexpr std::uint64_t kMaxResponseBytes = 256ull * 1024 * 1024;

std::string seconds_text(std::chrono::milliseconds timeout) {
    auto tenths = timeout.count() / 100;
    std::string text = std::to_string(tenths / 10);
    if (tenths % 10 != 0) {
        text += "." + std::to_string(tenths % 10);
    }
    return text + " s";
}

// Errors that mean the server closed an idle keep-alive connection before reading the
// request, so sending it again cannot repeat it.
bool is_stale_connection(const beast::error_code& error) {
    return error == http::error::end_of_stream || error == asio::error::eof ||
           error == asio::error::connection_reset || error == asio::error::broken_pipe;
}

}  // namespace

struct HttpTransport::Impl {
    HttpTransportOptions options;
    asio::io_context io;
    std::optional<beast::tcp_stream> stream;
    beast::flat_buffer buffer;
    int exchanges_on_connection = 0;

    // Runs the operation started on `io` to completion.
    void run() {
        io.restart();
        io.run();
    }

    std::string host_header() const {
        bool ipv6 = options.url.host.find(':') != std::string::npos;
        std::string host = ipv6 ? "[" + options.url.host + "]" : options.url.host;
        return options.url.port == "80" ? host : host + ":" + options.url.port;
    }

    core::Result<void> connect() {
        stream.reset();
        buffer.clear();
        exchanges_on_connection = 0;
        std::string prefix = "cannot reach the API at " + options.url.text + ": ";

        // NOTE: the name lookup is synchronous and not bounded by the timeout. IP literals and
        // names in /etc/hosts, such as localhost, need no DNS query.
        tcp::resolver resolver(io);
        beast::error_code error;
        auto endpoints = resolver.resolve(options.url.host, options.url.port, error);
        if (error) {
            return core::Error::io(prefix + "cannot resolve " + options.url.host + ": " + error.message());
        }

        stream.emplace(io);
        stream->expires_after(options.timeout);
        stream->async_connect(endpoints,
                              [&](beast::error_code result, const tcp::endpoint&) { error = result; });
        run();
        if (!error) {
            return {};
        }
        stream.reset();
        if (error == asio::error::connection_refused) {
            return core::Error::io(prefix + "connection refused; is `tollgate serve` running?");
        }
        if (error == beast::error::timeout) {
            return core::Error{core::ErrorKind::Timeout, core::Side::Internal,
                               prefix + "the connection timed out after " + seconds_text(options.timeout),
                               true};
        }
        return core::Error::io(prefix + error.message());
    }

    http::request<http::string_body> build(const HttpRequest& request) const {
        http::request<http::string_body> message;
        message.method_string(request.method);
        message.target(options.url.base_path + request.target);
        message.version(11);
        message.set(http::field::host, host_header());
        message.set(http::field::user_agent, "tollgate-cli");
        message.set(http::field::accept, "application/json");
        message.set("X-Auth-Token", options.token);
        if (!request.body.empty()) {
            message.set(http::field::content_type, "application/json");
            message.body() = request.body;
        }
        message.prepare_payload();
        return message;
    }

    // Writes the request and reads the response on the open connection.
    beast::error_code exchange(const http::request<http::string_body>& message,
                               http::response<http::string_body>& response, bool& received_any) {
        beast::error_code error;
        stream->expires_after(options.timeout);
        http::async_write(*stream, message, [&](beast::error_code result, std::size_t) { error = result; });
        run();
        if (error) {
            return error;
        }

        http::response_parser<http::string_body> parser;
        parser.body_limit(kMaxResponseBytes);
        stream->expires_after(options.timeout);
        http::async_read(*stream, buffer, parser, [&](beast::error_code result, std::size_t bytes) {
            error = result;
            received_any = bytes > 0;
        });
        run();
        if (!error) {
            response = parser.release();
        }
        return error;
    }

    core::Result<HttpResponse> send(const HttpRequest& request) {
        auto message = build(request);
        for (int attempt = 0;; ++attempt) {
            if (!stream) {
                if (auto connected = connect(); !connected) {
                    return connected.error();
                }
            }
            bool reused = exchanges_on_connection > 0;
            bool received_any = false;
            http::response<http::string_body> response;
            beast::error_code error = exchange(message, response, received_any);
            if (!error) {
                ++exchanges_on_connection;
                if (!response.keep_alive()) {
                    stream.reset();
                }
                HttpResponse result;
                result.status = static_cast<int>(response.result_int());
                result.body = std::move(response.body());
                result.request_id = std::string(response["X-Request-Id"]);
                return result;
            }
            stream.reset();
            if (reused && !received_any && attempt == 0 && is_stale_connection(error)) {
                continue;
            }
            if (error == beast::error::timeout) {
                return core::Error{core::ErrorKind::Timeout, core::Side::Internal,
                                   "the request to the API at " + options.url.text +
                                       " timed out: no response to " + request.method + " " + request.target +
                                       " within " + seconds_text(options.timeout),
                                   true};
            }
            return core::Error::io("the connection to the API at " + options.url.text + " failed during " +
                                   request.method + " " + request.target + ": " + error.message());
        }
    }
};

HttpTransport::HttpTransport(HttpTransportOptions options) : impl_(std::make_unique<Impl>()) {
    impl_->options = std::move(options);
}

HttpTransport::~HttpTransport() = default;

core::Result<HttpResponse> HttpTransport::send(const HttpRequest& request) {
    return impl_->send(request);
}

}  // namespace tollgate::client
