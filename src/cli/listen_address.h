#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate::cli {

// An IP address and TCP port given on the command line as ADDRESS:PORT.
struct ListenAddress {
    std::string address;  // without brackets: "127.0.0.1", "::1"
    std::uint16_t port = 0;
};

// Parses "127.0.0.1:9000" or "[::1]:9000". IPv6 addresses need brackets, host names are
// not accepted, and the port is 0-65535. Returns nothing on any other text.
std::optional<ListenAddress> parse_listen_address(std::string_view text);

// Formats an HTTP URL for the address: "http://127.0.0.1:9000", "http://[::1]:9000".
std::string http_url(const ListenAddress& address);

}  // namespace tollgate::cli
