// tollgate-loadgen: an HTTPS load generator that presents a client certificate, for
// benchmarking proxies that require mutual TLS. Prints a JSON summary on stdout.

#include "loadgen/client.h"
#include "loadgen/options.h"
#include "loadgen/stats.h"
#include "loadgen/tls_client.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>
#include <thread>

namespace {

namespace asio = boost::asio;
using namespace tollgate::bench;

// One event loop with its own clients and counters; nothing in it is shared with other threads
// except the run control.
struct Worker {
    asio::io_context io{1};
    Stats stats;
    std::vector<std::unique_ptr<Client>> clients;
    std::exception_ptr failure;

    void run() {
        try {
            io.run();
        } catch (...) {
            failure = std::current_exception();
        }
    }
};

std::string build_request(const Options& options) {
    const Target& target = options.target;
    std::string host = target.host.find(':') != std::string::npos ? "[" + target.host + "]" : target.host;
    if (target.port != 443) {
        host += ":" + std::to_string(target.port);
    }
    std::string request = "GET " + target.path + " HTTP/1.1\r\nHost: " + host +
                          "\r\nUser-Agent: tollgate-loadgen\r\nAccept: */*\r\n";
    if (options.mode == Mode::Handshake) {
        request += "Connection: close\r\n";
    }
    return request + "\r\n";
}

tollgate::core::Result<asio::ip::tcp::endpoint> resolve(const Target& target) {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    boost::system::error_code error;
    auto results = resolver.resolve(target.host, std::to_string(target.port), error);
    if (error || results.empty()) {
        return tollgate::core::Error::io("resolving \"" + target.host + "\" failed: " + error.message());
    }
    return results.begin()->endpoint();
}

nlohmann::json describe_run(const Options& options) {
    return {
        {"url", options.url},
        {"mode", options.mode == Mode::Handshake ? "handshake" : "keepalive"},
        {"connections", options.connections},
        {"threads", options.threads},
        {"client_certificate", !options.no_cert},
    };
}

int run(const Options& options) {
    auto context = make_client_context(options);
    if (!context) {
        std::fprintf(stderr, "error: %s\n", context.error().message.c_str());
        return 2;
    }
    auto endpoint = resolve(options.target);
    if (!endpoint) {
        std::fprintf(stderr, "error: %s\n", endpoint.error().message.c_str());
        return 2;
    }

    const std::string request = build_request(options);
    RunControl control(options);
    std::vector<std::unique_ptr<Worker>> workers;
    for (int i = 0; i < options.threads; ++i) {
        workers.push_back(std::make_unique<Worker>());
    }
    for (int i = 0; i < options.connections; ++i) {
        Worker& worker = *workers[static_cast<std::size_t>(i % options.threads)];
        worker.clients.push_back(std::make_unique<Client>(worker.io.get_executor(), *context, options,
                                                          *endpoint, request, control, worker.stats));
    }
    for (auto& worker : workers) {
        for (auto& client : worker->clients) {
            asio::co_spawn(worker->io, client->run(), [](std::exception_ptr error) {
                if (error) {
                    std::rethrow_exception(error);
                }
            });
        }
    }

    const auto started = std::chrono::steady_clock::now();
    control.start();
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < workers.size(); ++i) {
        threads.emplace_back([&worker = *workers[i]] { worker.run(); });
    }
    workers.front()->run();
    for (auto& thread : threads) {
        thread.join();
    }
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;

    Stats total;
    for (auto& worker : workers) {
        if (worker->failure) {
            std::rethrow_exception(worker->failure);
        }
        total.merge(std::move(worker->stats));
    }
    nlohmann::json summary = describe_run(options);
    summary.update(total.summary(elapsed));
    std::cout << summary.dump(2) << std::endl;

    return options.fail_on_error && total.failures() > 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
    // A write to a connection the server already closed must fail with EPIPE, not terminate the generator.
    std::signal(SIGPIPE, SIG_IGN);

    auto parsed = parse_command_line(argc, argv);
    if (const int* exit_code = std::get_if<int>(&parsed)) {
        return *exit_code;
    }
    try {
        return run(std::get<Options>(parsed));
    } catch (const std::exception& error) {
        std::fprintf(stderr, "error: unexpected exception: %s\n", error.what());
        return 3;
    }
}
