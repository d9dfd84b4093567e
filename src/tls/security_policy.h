#pragma once

#include <span>
#include <string_view>

namespace tollgate::tls {

// A predefined TLS security policy of the ELB API (`tls_ciphers_policy`).
struct SecurityPolicy {
    std::string_view name;       // "tls-1-2-fs-with-1-3"
    std::string_view protocols;  // API string: "TLSv1.3 TLSv1.2"
    std::string_view ciphers;    // API string: TLS 1.2 and 1.3 names joined with ':'
    int min_version;             // TLS1_VERSION ... TLS1_3_VERSION
    int max_version;
    std::string_view cipher_list;   // OpenSSL cipher list for TLS 1.2 and below
    std::string_view ciphersuites;  // OpenSSL TLS 1.3 suites, empty when TLS 1.3 is off
};

std::span<const SecurityPolicy> system_security_policies();

// Returns the policy called `name`, or nullptr.
const SecurityPolicy* find_security_policy(std::string_view name);

}  // namespace tollgate::tls
