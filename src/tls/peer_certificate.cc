#include "tls/peer_certificate.h"

#include "tls/certificate_info.h"
#include "tls/openssl_error.h"
#include "tls/pem.h"

#include <array>

namespace tollgate::tls {
namespace {

bool is_unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

}  // namespace

std::optional<PeerCertificate> peer_certificate(SSL* ssl) {
    X509* certificate = SSL_get0_peer_certificate(ssl);
    if (certificate == nullptr) {
        return std::nullopt;
    }
    // build_server_context's verify callback aborts the handshake on any verification error,
    // so this only filters out a certificate of a listener that did not verify it.
    if (SSL_get_verify_result(ssl) != X509_V_OK) {
        return std::nullopt;
    }

    OpensslErrorScope error_scope;
    PeerCertificate peer;
    peer.subject = format_name(X509_get_subject_name(certificate));
    peer.issuer = format_name(X509_get_issuer_name(certificate));
    peer.serial_hex = format_serial(certificate);
    peer.fingerprint_sha256 = sha256_fingerprint(certificate);
    peer.not_after = format_asn1_time(X509_get0_notAfter(certificate));
    peer.pem_url_encoded = url_encode(to_pem(certificate));
    return peer;
}

std::string url_encode(std::string_view text) {
    static constexpr std::array<char, 16> kHexDigits = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                        '8', '9', 'A', 'B', 'C', 'D', 'E', 'F'};
    std::string encoded;
    encoded.reserve(text.size());
    for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (is_unreserved(byte)) {
            encoded += c;
        } else {
            encoded += '%';
            encoded += kHexDigits[byte >> 4];
            encoded += kHexDigits[byte & 0x0f];
        }
    }
    return encoded;
}

}  // namespace tollgate::tls
