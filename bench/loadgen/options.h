#pragma once

#include "core/error.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace tollgate::bench {

enum class Mode {
    KeepAlive,  // each connection sends its requests one after another on one TLS session
    Handshake,  // every request opens a new TCP connection with a full TLS handshake
};

// The parts of an https:// URL the generator needs.
struct Target {
    std::string host;  // name or IP literal, without brackets
    std::uint16_t port = 443;
    std::string path = "/";   // origin-form request target, query included
    bool host_is_ip = false;  // IP literals get no SNI and are checked against IP SANs
};

struct ExpectedHeader {
    std::string name;
    std::string value;
};

struct Options {
    Target target;
    std::string url;
    std::string cert_file;
    std::string key_file;
    std::string ca_file;
    bool insecure = false;
    bool no_cert = false;
    std::string tls13_ciphersuites;  // empty keeps the OpenSSL default list
    Mode mode = Mode::KeepAlive;
    int connections = 1;
    int threads = 1;
    std::optional<std::chrono::duration<double>> duration;
    std::optional<std::int64_t> requests;
    std::chrono::duration<double> timeout{10.0};
    unsigned expect_status = 200;
    std::optional<ExpectedHeader> expect_header;
    bool fail_on_error = false;
};

// Parses the command line. Returns the options, or the exit code once CLI11 has printed the
// help text or the usage error.
std::variant<Options, int> parse_command_line(int argc, char** argv);

// Parses an https:// URL such as `https://127.0.0.1:8443/health?x=1`.
core::Result<Target> parse_url(const std::string& url);

// Parses a `Name: value` header expectation.
core::Result<ExpectedHeader> parse_expected_header(const std::string& text);

}  // namespace tollgate::bench
