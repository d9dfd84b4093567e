#include "cli/demo_backend.h"

#include "cli/demo_reply.h"
#include "cli/listen_address.h"
#include "core/logging.h"

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string_view>

namespace tollgate::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::seconds kIdleTimeout{60};
// After a rejection, how long the unread rest of the request is read and dropped. Closing a socket
// with unread input makes the kernel send a reset, which can discard the response before the client
// reads it.
constexpr std::chrono::seconds kLingerTimeout{1};
// Wait before the next accept() after a failure such as EMFILE, which would otherwise fail again at
// once and spin.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};
constexpr std::size_t kMaxNameLength = 64;

struct DemoArguments {
    std::string listen = "127.0.0.1:8080";
    std::string name = "demo";
};

std::string address_text(const tcp::endpoint& endpoint) {
    std::string address = endpoint.address().to_string();
    if (endpoint.address().is_v6()) {
        address = "[" + address + "]";
    }
    return fmt::format("{}:{}", address, endpoint.port());
}

SeenRequest seen_request(const http::request<http::string_body>& request, const std::string& name,
                         const std::string& client) {
    SeenRequest seen{.backend_name = name,
                     .method = std::string(request.method_string()),
                     .target = std::string(request.target()),
                     .client = client,
                     .headers = {}};
    for (const auto& field : request) {
        seen.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    return seen;
}

// Reads and drops input until the client closes or kLingerTimeout passes.
asio::awaitable<void> drain_input(beast::tcp_stream& stream) {
    stream.expires_after(kLingerTimeout);
    std::array<char, 16 * 1024> discarded;
    while (true) {
        auto [error, bytes] = co_await stream.async_read_some(asio::buffer(discarded), use_tuple);
        if (error) {
            co_return;
        }
    }
}

// Sends the response for a request that failed to parse with `error` and logs it. An error with no
// response is logged too, except end of stream and the idle timeout, which are normal closes.
asio::awaitable<void> reject_request(beast::tcp_stream& stream, const boost::system::error_code& error,
                                     const std::string& name, const std::string& client) {
    std::optional<DemoRejection> rejection = demo_rejection(error);
    if (!rejection) {
        if (error != http::error::end_of_stream && error != beast::error::timeout) {
            core::logger("demo")->info("connection from {} ended before a complete request: {}", client,
                                       error.message());
        }
        co_return;
    }
    core::logger("demo")->warn("rejected a request from {} with status {}: {}", client, rejection->status,
                               error.message());

    http::response<http::string_body> response{static_cast<http::status>(rejection->status), 11};
    response.set(http::field::content_type, "text/plain; charset=utf-8");
    response.set(http::field::cache_control, "no-store");
    response.set("X-Backend-Name", name);
    response.body() = std::move(rejection->body);
    response.keep_alive(false);
    response.prepare_payload();
    stream.expires_after(kIdleTimeout);
    auto [write_error, written] = co_await http::async_write(stream, response, use_tuple);
    if (write_error) {
        co_return;
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    co_await drain_input(stream);
}

asio::awaitable<void> serve_connection(tcp::socket socket, std::string name) {
    boost::system::error_code ignored;
    std::string client = address_text(socket.remote_endpoint(ignored));
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    while (true) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(kDemoHeaderLimit);
        parser.body_limit(kDemoBodyLimit);
        stream.expires_after(kIdleTimeout);
        auto [error, bytes] = co_await http::async_read(stream, buffer, parser, use_tuple);
        if (error) {
            co_await reject_request(stream, error, name, client);
            break;
        }
        const auto& request = parser.get();
        SeenRequest seen = seen_request(request, name, client);
        DemoReply reply = demo_reply(seen, std::string(request[http::field::accept]));
        core::logger("demo")->info("{} {} from {}", seen.method, seen.target, client);

        http::response<http::string_body> response{http::status::ok, request.version()};
        response.set(http::field::content_type, reply.content_type);
        response.set(http::field::cache_control, "no-store");
        response.set("X-Backend-Name", name);
        response.body() = std::move(reply.body);
        response.keep_alive(request.keep_alive());
        response.prepare_payload();
        auto [write_error, written] = co_await http::async_write(stream, response, use_tuple);
        if (write_error || !response.keep_alive()) {
            break;
        }
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

// Accepts connections until the acceptor closes. A failed accept() is retried after
// kAcceptRetryDelay, and a run of failures is logged once when it starts and once when it ends.
asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, std::string name) {
    asio::steady_timer retry_timer(acceptor.get_executor());
    std::size_t failed_attempts = 0;
    while (acceptor.is_open()) {
        auto [error, socket] = co_await acceptor.async_accept(use_tuple);
        if (error == asio::error::operation_aborted) {
            co_return;
        }
        if (error) {
            if (failed_attempts == 0) {
                core::logger("demo")->warn("accept failed: {}; retrying every {} ms", error.message(),
                                           kAcceptRetryDelay.count());
            }
            ++failed_attempts;
            retry_timer.expires_after(kAcceptRetryDelay);
            co_await retry_timer.async_wait(use_tuple);
            continue;
        }
        if (failed_attempts > 0) {
            core::logger("demo")->info("accepting connections again after {} failed attempts",
                                       failed_attempts);
            failed_attempts = 0;
        }
        asio::co_spawn(acceptor.get_executor(), serve_connection(std::move(socket), name), asio::detached);
    }
}

// Returns `value` with '"' and '\' escaped and bytes outside printable ASCII written as \r, \n,
// \t or \xHH, so that the value shows on one line of an error message.
std::string escaped(std::string_view value) {
    std::string result;
    for (unsigned char c : value) {
        if (c == '"' || c == '\\') {
            result += '\\';
            result += static_cast<char>(c);
        } else if (c == '\r') {
            result += "\\r";
        } else if (c == '\n') {
            result += "\\n";
        } else if (c == '\t') {
            result += "\\t";
        } else if (c < 0x20 || c > 0x7e) {
            result += fmt::format("\\x{:02X}", c);
        } else {
            result += static_cast<char>(c);
        }
    }
    return result;
}

// A backend name goes into the X-Backend-Name header and the first line of every response, so it
// must not contain CR, LF or other control bytes.
bool valid_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxNameLength) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](unsigned char c) { return c >= 0x20 && c <= 0x7e; });
}

int run_demo_backend(const DemoArguments& arguments) {
    core::init_logging("info");
    if (!valid_name(arguments.name)) {
        std::cerr << fmt::format(
            "demo-backend: --name: invalid value \"{}\": use 1 to {} printable ASCII characters\n",
            escaped(arguments.name), kMaxNameLength);
        return 2;
    }
    auto address = parse_listen_address(arguments.listen);
    if (!address) {
        std::cerr << fmt::format(
            "demo-backend: --listen: invalid address \"{}\": use ADDRESS:PORT, for "
            "example 127.0.0.1:8080 or [::1]:8080\n",
            arguments.listen);
        return 2;
    }
    asio::io_context io;
    tcp::acceptor acceptor(io);
    boost::system::error_code error;
    tcp::endpoint endpoint(asio::ip::make_address(address->address, error), address->port);
    if (!error) {
        acceptor.open(endpoint.protocol(), error);
    }
    if (!error) {
        acceptor.set_option(asio::socket_base::reuse_address(true), error);
    }
    if (!error) {
        acceptor.bind(endpoint, error);
    }
    if (!error) {
        acceptor.listen(asio::socket_base::max_listen_connections, error);
    }
    if (error) {
        std::cerr << fmt::format("demo-backend: cannot listen on {}: {}; choose another address or port\n",
                                 arguments.listen, error.message());
        return 1;
    }
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code&, int) {
        acceptor.close();
        io.stop();
    });
    asio::co_spawn(io, accept_loop(acceptor, arguments.name), asio::detached);

    // Printed after the signal handler is installed, so a caller may send SIGTERM as soon as it
    // reads this line.
    std::cout << fmt::format("demo-backend {} listening on http://{}", arguments.name,
                             address_text(acceptor.local_endpoint()))
              << std::endl;
    io.run();
    return 0;
}

}  // namespace

void add_demo_backend_command(CLI::App& app) {
    auto arguments = std::make_shared<DemoArguments>();
    CLI::App* command = app.add_subcommand(
        "demo-backend", "Run an HTTP backend that answers every request with the headers it received");
    command->add_option("--listen", arguments->listen, "ADDRESS:PORT to listen on; port 0 picks a free one")
        ->capture_default_str();
    command->add_option("--name", arguments->name, "Name shown in every answer and in X-Backend-Name")
        ->capture_default_str();
    command->callback([arguments] {
        int code = run_demo_backend(*arguments);
        if (code != 0) {
            throw CLI::RuntimeError(code);
        }
    });
}

}  // namespace tollgate::cli
