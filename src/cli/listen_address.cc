#include "cli/listen_address.h"

#include <fmt/format.h>
#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cctype>

namespace tollgate::cli {
namespace {

constexpr std::size_t kMaxPortDigits = 5;

std::optional<std::uint16_t> parse_port(std::string_view text) {
    if (text.empty() || text.size() > kMaxPortDigits ||
        !std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); })) {
        return std::nullopt;
    }
    unsigned value = 0;
    for (char digit : text) {
        value = value * 10 + static_cast<unsigned>(digit - '0');
    }
    if (value > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
}

}  // namespace

std::optional<ListenAddress> parse_listen_address(std::string_view text) {
    std::string_view host;
    std::string_view port;
    bool bracketed = false;
    if (text.starts_with('[')) {
        const auto close = text.find("]:");
        if (close == std::string_view::npos) {
            return std::nullopt;
        }
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
        bracketed = true;
    } else {
        const auto colon = text.find(':');
        if (colon == std::string_view::npos || text.find(':', colon + 1) != std::string_view::npos) {
            return std::nullopt;
        }
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
    }

    boost::system::error_code error;
    const auto address = boost::asio::ip::make_address(std::string(host), error);
    // An IPv6 address must be in brackets, and brackets must contain an IPv6 address.
    if (error || address.is_v6() != bracketed) {
        return std::nullopt;
    }
    const auto parsed_port = parse_port(port);
    if (!parsed_port) {
        return std::nullopt;
    }
    return ListenAddress{address.to_string(), *parsed_port};
}

std::string http_url(const ListenAddress& address) {
    if (address.address.find(':') != std::string::npos) {
        return fmt::format("http://[{}]:{}", address.address, address.port);
    }
    return fmt::format("http://{}:{}", address.address, address.port);
}

}  // namespace tollgate::cli
