#pragma once

#include "core/error.h"
#include "tls/openssl_ptr.h"

#include <string>
#include <string_view>
#include <vector>

namespace tollgate::tls {

// Parses every CERTIFICATE block of `pem` in order. Tolerates what people paste: CRLF line
// endings, a missing or extra trailing newline, blank lines and text around blocks. Fails
// when there is no certificate block or a block does not decode.
core::Result<std::vector<X509Ptr>> parse_certificates(std::string_view pem);

// Parses one private key in PKCS#8, PKCS#1 (RSA) or SEC1 (EC) PEM form, with the same
// tolerance. An encrypted key fails with a message saying that a passphrase is needed.
core::Result<EvpPkeyPtr> parse_private_key(std::string_view pem);

// Encodes a certificate as PEM with a trailing newline.
std::string to_pem(X509* certificate);

}  // namespace tollgate::tls
