#pragma once

#include "core/error.h"

#include <string>
#include <string_view>
#include <vector>

namespace tollgate::pki {

// Maximum length of a commonName value (ub-common-name in RFC 5280).
constexpr std::size_t kMaxCommonNameLength = 64;

// Checks a subject commonName: 1 to 64 characters of UTF-8 without control characters.
core::Result<void> check_common_name(std::string_view name);

// Checks a host name for a subjectAltName DNS entry: labels of letters, digits and inner
// hyphens, 1 to 63 characters each, 253 characters in all, and an optional "*." wildcard as
// the first label. Internationalized names must be given in their ASCII "xn--" form.
core::Result<void> check_dns_name(std::string_view name);

// Parses an IPv4 or IPv6 address for a subjectAltName IP entry and returns its 4 or 16 bytes
// in network order.
core::Result<std::vector<unsigned char>> parse_ip_address(std::string_view text);

}  // namespace tollgate::pki
