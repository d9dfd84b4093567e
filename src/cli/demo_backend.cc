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
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>

namespace tollgate::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kBodyLimit = 1024 * 1024;
constexpr std::chrono::seconds kIdleTimeout{60};

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

asio::awaitable<void> serve_connection(tcp::socket socket, std::string name) {
    boost::system::error_code ignored;
    std::string client = address_text(socket.remote_endpoint(ignored));
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    while (true) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(kBodyLimit);
        stream.expires_after(kIdleTimeout);
        auto [error, bytes] = co_await http::async_read(stream, buffer, parser, use_tuple);
        if (error) {
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

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, std::string name) {
    while (acceptor.is_open()) {
        auto [error, socket] = co_await acceptor.async_accept(use_tuple);
        if (error == asio::error::operation_aborted) {
            co_return;
        }
        if (!error) {
            asio::co_spawn(acceptor.get_executor(), serve_connection(std::move(socket), name),
                           asio::detached);
        }
    }
}

int run_demo_backend(const DemoArguments& arguments) {
    core::init_logging("info");
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
    std::cout << fmt::format("demo-backend {} listening on http://{}", arguments.name,
                             address_text(acceptor.local_endpoint()))
              << std::endl;

    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code&, int) {
        acceptor.close();
        io.stop();
    });
    asio::co_spawn(io, accept_loop(acceptor, arguments.name), asio::detached);
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
