#pragma once

#include <openssl/ssl.h>

#include <optional>
#include <string>
#include <string_view>

namespace tollgate::tls {

// The client certificate of a connection, formatted as the X-Forwarded-Clientcert-* headers
// carry it.
struct PeerCertificate {
    std::string subject;             // RFC 4514
    std::string issuer;              // RFC 4514
    std::string serial_hex;          // lowercase hex
    std::string fingerprint_sha256;  // lowercase hex
    std::string not_after;           // RFC 3339 UTC
    std::string pem_url_encoded;     // PEM, percent-encoded as in RFC 3986
};

// Returns the verified peer certificate of `ssl`, or nothing when the client sent none or
// its verification failed.
std::optional<PeerCertificate> peer_certificate(SSL* ssl);

// Percent-encodes every byte outside RFC 3986 unreserved characters.
std::string url_encode(std::string_view text);

}  // namespace tollgate::tls
