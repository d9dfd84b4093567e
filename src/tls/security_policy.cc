#include "tls/security_policy.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <array>

namespace tollgate::tls {
namespace {

// Cipher sets of the ELB API, in its order. Names OpenSSL 3 does not build (RC4, DSS, 3DES
// in some builds) stay in the advertised string and are skipped by SSL_CTX_set_cipher_list.
#define TG_CIPHERS_A                                                                               \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA256:"       \
    "ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:"                     \
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:AES128-GCM-SHA256:AES256-GCM-SHA384:" \
    "ECDHE-RSA-AES128-SHA256:AES128-SHA256:AES256-SHA256:ECDHE-RSA-AES256-SHA384:"                 \
    "ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:AES128-SHA:AES256-SHA"

#define TG_CIPHERS_INHERIT                                                                         \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA256:"       \
    "ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:"                     \
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:AES128-GCM-SHA256:AES256-GCM-SHA384:" \
    "ECDHE-RSA-AES128-SHA256:AES128-SHA256:AES256-SHA256:ECDHE-RSA-AES256-SHA384:"                 \
    "ECDHE-RSA-AES128-SHA:DHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:AES128-SHA:AES256-SHA:"          \
    "DHE-DSS-AES128-SHA:CAMELLIA128-SHA:EDH-RSA-DES-CBC3-SHA:DES-CBC3-SHA:ECDHE-RSA-RC4-SHA:"      \
    "RC4-SHA:DHE-RSA-AES256-SHA:DHE-DSS-AES256-SHA:DHE-RSA-CAMELLIA256-SHA:"                       \
    "DHE-DSS-CAMELLIA256-SHA:CAMELLIA256-SHA:EDH-DSS-DES-CBC3-SHA:DHE-RSA-CAMELLIA128-SHA:"        \
    "DHE-DSS-CAMELLIA128-SHA"

#define TG_CIPHERS_S                                                                           \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA256:"   \
    "ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:"       \
    "AES128-GCM-SHA256:AES256-GCM-SHA384:ECDHE-RSA-AES128-SHA256:AES128-SHA256:AES256-SHA256:" \
    "ECDHE-RSA-AES256-SHA384"

#define TG_CIPHERS_F                                                                         \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA256:" \
    "ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:"     \
    "ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA384"

#define TG_CIPHERS_N                                                                                     \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-" \
    "AES128-GCM-SHA256"

#define TG_SUITES_13                                                                                         \
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256:TLS_" \
    "AES_128_CCM_8_SHA256"

constexpr std::array<SecurityPolicy, 10> kPolicies{{
    {"tls-1-0", "TLSv1.2 TLSv1.1 TLSv1", TG_CIPHERS_A, TLS1_VERSION, TLS1_2_VERSION, TG_CIPHERS_A, ""},
    {"tls-1-1", "TLSv1.2 TLSv1.1", TG_CIPHERS_A, TLS1_1_VERSION, TLS1_2_VERSION, TG_CIPHERS_A, ""},
    {"tls-1-2", "TLSv1.2", TG_CIPHERS_A, TLS1_2_VERSION, TLS1_2_VERSION, TG_CIPHERS_A, ""},
    {"tls-1-0-inherit", "TLSv1.2 TLSv1.1 TLSv1", TG_CIPHERS_INHERIT, TLS1_VERSION, TLS1_2_VERSION,
     TG_CIPHERS_INHERIT, ""},
    {"tls-1-2-strict", "TLSv1.2", TG_CIPHERS_S, TLS1_2_VERSION, TLS1_2_VERSION, TG_CIPHERS_S, ""},
    {"tls-1-2-fs", "TLSv1.2", TG_CIPHERS_F, TLS1_2_VERSION, TLS1_2_VERSION, TG_CIPHERS_F, ""},
    {"tls-1-0-with-1-3", "TLSv1.3 TLSv1.2 TLSv1.1 TLSv1", TG_CIPHERS_A ":" TG_SUITES_13, TLS1_VERSION,
     TLS1_3_VERSION, TG_CIPHERS_A, TG_SUITES_13},
    {"tls-1-2-fs-with-1-3", "TLSv1.3 TLSv1.2", TG_CIPHERS_F ":" TG_SUITES_13, TLS1_2_VERSION, TLS1_3_VERSION,
     TG_CIPHERS_F, TG_SUITES_13},
    {"hybrid-policy-1-0", "TLSv1.2 TLSv1.1", TG_CIPHERS_A, TLS1_1_VERSION, TLS1_2_VERSION, TG_CIPHERS_A, ""},
    {"tls-1-2-strict-no-cbc", "TLSv1.2", TG_CIPHERS_N, TLS1_2_VERSION, TLS1_2_VERSION, TG_CIPHERS_N, ""},
}};

}  // namespace

std::span<const SecurityPolicy> system_security_policies() {
    return kPolicies;
}

const SecurityPolicy* find_security_policy(std::string_view name) {
    auto found = std::find_if(kPolicies.begin(), kPolicies.end(),
                              [&](const SecurityPolicy& policy) { return policy.name == name; });
    return found == kPolicies.end() ? nullptr : &*found;
}

}  // namespace tollgate::tls
