#include "pki/names.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace tollgate::pki {
namespace {

constexpr std::size_t kMaxDnsNameLength = 253;
constexpr std::size_t kMaxLabelLength = 63;

bool is_letter_or_digit(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_valid_label(std::string_view label) {
    if (label.empty() || label.size() > kMaxLabelLength) {
        return false;
    }
    if (label.front() == '-' || label.back() == '-') {
        return false;
    }
    return std::all_of(label.begin(), label.end(), [](char c) { return is_letter_or_digit(c) || c == '-'; });
}

bool looks_like_ip_address(std::string_view name) {
    return parse_ip_address(name).has_value();
}

}  // namespace

core::Result<void> check_common_name(std::string_view name) {
    if (name.empty()) {
        return core::Error::invalid("the common name is empty");
    }
    // OpenSSL counts characters, not bytes, against the limit, and so does this check:
    // UTF-8 continuation bytes (10xxxxxx) do not start a character.
    const auto characters = std::count_if(
        name.begin(), name.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
    if (static_cast<std::size_t>(characters) > kMaxCommonNameLength) {
        return core::Error::invalid(fmt::format("the common name \"{}\" has {} characters; the maximum is {}",
                                                name, characters, kMaxCommonNameLength));
    }
    if (std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
        return core::Error::invalid("the common name contains a control character");
    }
    return {};
}

core::Result<void> check_dns_name(std::string_view name) {
    if (looks_like_ip_address(name)) {
        return core::Error::invalid(
            fmt::format("\"{}\" is an IP address, not a DNS name: pass it with --ip", name));
    }
    if (name.size() > kMaxDnsNameLength) {
        return core::Error::invalid(
            fmt::format("invalid DNS name \"{}\": it has {} characters; the maximum is {}", name, name.size(),
                        kMaxDnsNameLength));
    }

    std::string_view rest = name;
    if (rest.starts_with("*.")) {
        rest.remove_prefix(2);
    }
    bool valid = !rest.empty();
    while (valid && !rest.empty()) {
        const std::size_t dot = rest.find('.');
        valid = is_valid_label(rest.substr(0, dot));
        rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
        if (dot != std::string_view::npos && rest.empty()) {
            valid = false;  // a trailing dot
        }
    }
    if (!valid) {
        return core::Error::invalid(fmt::format(
            "invalid DNS name \"{}\": use labels of letters, digits and inner hyphens separated by dots, "
            "optionally starting with \"*.\", without a trailing dot, and internationalized names in their "
            "\"xn--\" form",
            name));
    }
    return {};
}

core::Result<std::vector<unsigned char>> parse_ip_address(std::string_view text) {
    const std::string address(text);
    std::array<unsigned char, 16> bytes{};
    if (inet_pton(AF_INET, address.c_str(), bytes.data()) == 1) {
        return std::vector<unsigned char>(bytes.begin(), bytes.begin() + 4);
    }
    if (inet_pton(AF_INET6, address.c_str(), bytes.data()) == 1) {
        return std::vector<unsigned char>(bytes.begin(), bytes.end());
    }
    return core::Error::invalid(fmt::format(
        "invalid IP address \"{}\": use an IPv4 address such as 127.0.0.1 or an IPv6 address such as ::1",
        text));
}

}  // namespace tollgate::pki
