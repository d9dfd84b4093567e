#include "loadgen/options.h"

#include <CLI/CLI.hpp>
#include <boost/asio/ip/address.hpp>

#include <charconv>

namespace tollgate::bench {
namespace {

std::string trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t");
    return std::string(text.substr(first, last - first + 1));
}

// Checks the combinations CLI11 cannot express and fills the derived fields.
core::Result<void> complete_options(Options& options, const std::string& expect_header) {
    auto target = parse_url(options.url);
    if (!target) {
        return target.error();
    }
    options.target = *target;

    if (!expect_header.empty()) {
        auto header = parse_expected_header(expect_header);
        if (!header) {
            return header.error();
        }
        options.expect_header = *header;
    }

    if (options.ca_file.empty() && !options.insecure) {
        return core::Error::invalid("--cacert is required unless --insecure is given");
    }
    if (!options.no_cert && (options.cert_file.empty() || options.key_file.empty())) {
        return core::Error::invalid("--cert and --key are required unless --no-cert is given");
    }
    if (!options.duration && !options.requests) {
        options.duration = std::chrono::duration<double>(10.0);
    }
    return {};
}

}  // namespace

std::variant<Options, int> parse_command_line(int argc, char** argv) {
    Options options;
    std::string mode = "keepalive";
    std::string expect_header;
    double duration_seconds = 0;
    double timeout_seconds = options.timeout.count();

    CLI::App app{"HTTPS load generator that presents a client certificate (mutual TLS)."};
    app.add_option("--url", options.url, "Target URL, https://HOST:PORT/PATH")->required();
    app.add_option("--cert", options.cert_file, "Client certificate chain, PEM")->check(CLI::ExistingFile);
    app.add_option("--key", options.key_file, "Private key of the client certificate, PEM")
        ->check(CLI::ExistingFile);
    app.add_option("--cacert", options.ca_file, "CA bundle that verifies the server, PEM")
        ->check(CLI::ExistingFile);
    app.add_flag("--insecure", options.insecure, "Do not verify the server certificate");
    app.add_flag("--no-cert", options.no_cert,
                 "Present no client certificate, to check that the server rejects it");
    app.add_option("--tls13-ciphersuites", options.tls13_ciphersuites,
                   "TLS 1.3 suites to offer, colon-separated (default: the OpenSSL list)");
    app.add_option("--mode", mode,
                   "keepalive: sequential requests on persistent connections; handshake: a new connection "
                   "and full TLS handshake per request")
        ->check(CLI::IsMember({"keepalive", "handshake"}));
    app.add_option("--connections", options.connections, "Concurrent connections")
        ->check(CLI::Range(1, 100000));
    app.add_option("--threads", options.threads, "Threads, each with its own event loop")
        ->check(CLI::Range(1, 256));
    auto* duration = app.add_option("--duration", duration_seconds, "Seconds to keep starting requests")
                         ->check(CLI::PositiveNumber);
    app.add_option("--requests", options.requests, "Requests to send in total, across all connections")
        ->check(CLI::PositiveNumber);
    app.add_option("--timeout", timeout_seconds, "Seconds one connect, handshake or exchange may take")
        ->check(CLI::PositiveNumber);
    app.add_option("--expect-status", options.expect_status,
                   "Status code that counts as success (default 200)")
        ->check(CLI::Range(100, 599));
    app.add_option("--expect-header", expect_header,
                   "Header a successful response must carry, 'Name: value' (value compared exactly)");
    app.add_flag("--fail-on-error", options.fail_on_error, "Exit with status 1 when any request failed");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        return app.exit(error);
    }

    options.mode = mode == "handshake" ? Mode::Handshake : Mode::KeepAlive;
    options.timeout = std::chrono::duration<double>(timeout_seconds);
    if (duration->count() > 0) {
        options.duration = std::chrono::duration<double>(duration_seconds);
    }
    if (auto completed = complete_options(options, expect_header); !completed) {
        std::fprintf(stderr, "error: %s\n", completed.error().message.c_str());
        return 2;
    }
    return options;
}

core::Result<Target> parse_url(const std::string& url) {
    constexpr std::string_view kScheme = "https://";
    if (!url.starts_with(kScheme)) {
        return core::Error::invalid("invalid URL \"" + url + "\": only https:// URLs are supported");
    }
    const std::string_view rest = std::string_view(url).substr(kScheme.size());
    const auto path_start = rest.find_first_of("/?");
    const std::string_view authority = rest.substr(0, path_start);

    Target target;
    if (path_start != std::string_view::npos) {
        target.path = std::string(rest.substr(path_start));
        if (target.path.front() == '?') {
            target.path.insert(0, "/");
        }
    }

    std::string_view host = authority;
    std::string_view port;
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            return core::Error::invalid("invalid URL \"" + url + "\": unterminated IPv6 literal");
        }
        host = authority.substr(1, close - 1);
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':') {
                return core::Error::invalid("invalid URL \"" + url + "\": expected ':' after ']'");
            }
            port = authority.substr(close + 2);
        }
    } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (host.empty()) {
        return core::Error::invalid("invalid URL \"" + url + "\": missing host");
    }
    target.host = std::string(host);

    if (!port.empty()) {
        unsigned value = 0;
        const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (error != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
            return core::Error::invalid("invalid URL \"" + url + "\": port must be 1-65535");
        }
        target.port = static_cast<std::uint16_t>(value);
    }

    boost::system::error_code ignored;
    boost::asio::ip::make_address(target.host, ignored);
    target.host_is_ip = !ignored;
    return target;
}

core::Result<ExpectedHeader> parse_expected_header(const std::string& text) {
    const auto colon = text.find(':');
    if (colon == std::string::npos || colon == 0) {
        return core::Error::invalid("invalid --expect-header \"" + text + "\": use 'Name: value'");
    }
    ExpectedHeader header{trim(std::string_view(text).substr(0, colon)),
                          trim(std::string_view(text).substr(colon + 1))};
    if (header.name.empty()) {
        return core::Error::invalid("invalid --expect-header \"" + text + "\": the name is empty");
    }
    return header;
}

}  // namespace tollgate::bench
