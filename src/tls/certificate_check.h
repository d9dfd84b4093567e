#pragma once

#include "tls/certificate_info.h"

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::tls {

// A certificate as an operator uploads it through the API or gives it to tollgate cert inspect.
struct CertificateUpload {
    // "server" (certificate chain and private key) or "client" (CA certificates that verify
    // client certificates). The caller applies the API default "server" to a missing type.
    std::string type;
    std::string certificate;  // PEM text: leaf first, then intermediates, or a CA bundle
    std::string private_key;  // PEM text, required for "server", rejected for "client"
};

// One reason to reject an upload.
struct FieldProblem {
    std::string field;    // "certificate", "private_key" or "type", as the API names the fields
    std::string message;  // what is wrong and how to fix it, without key material
};

// Outcome of check_certificate_upload.
struct CertificateCheck {
    std::vector<FieldProblem> errors;     // the upload must be rejected when not empty
    std::vector<std::string> warnings;    // accepted, but clients or browsers will reject something
    std::vector<CertificateFacts> chain;  // facts of each certificate, in upload order
    // The certificates re-encoded as PEM: LF line endings, no text around the blocks, one
    // trailing newline. Empty when the certificate field could not be parsed.
    std::string normalized_certificate;
    // The private key re-encoded in the same way and in the form it was uploaded in: PKCS#1
    // or SEC1 stays "RSA/EC PRIVATE KEY", anything else becomes PKCS#8 "PRIVATE KEY". Empty
    // for a client upload and when the key could not be parsed.
    std::string normalized_private_key;
    std::string key_type;  // of the private key, as CertificateFacts::key_type; empty without one
    int key_bits = 0;
};

// Maximum sizes of an upload, as the ELB v3 API sets them.
constexpr std::size_t kMaxCertificateCharacters = 65536;
constexpr std::size_t kMaxPrivateKeyCharacters = 8192;
constexpr std::size_t kMaxServerChainCertificates = 11;  // the leaf and up to 10 CA certificates
// A certificate that expires sooner than this after `now` gets a warning.
constexpr std::chrono::days kExpiryWarningPeriod{30};

// Checks an uploaded certificate and collects every error and warning, judging validity at
// `now`. It accepts what people paste: CRLF line endings, missing or extra trailing newlines,
// blank lines or text around blocks, a chain in the certificate field (leaf first), RSA keys in
// PKCS#1 or PKCS#8 and EC keys in SEC1 or PKCS#8. Sizes count bytes, which are characters for
// the ASCII text of PEM.
CertificateCheck check_certificate_upload(const CertificateUpload& upload,
                                          std::chrono::system_clock::time_point now);

// Returns the warnings that check_certificate_upload gives for `certificate` of `type`
// ("server" or "client") at `now`, without the private key, which warnings do not depend on.
// It serves certificates that passed the upload check before, so that warnings about expiry
// stay current. An unknown type or a text without certificates gives no warnings.
std::vector<std::string> certificate_warnings(std::string_view type, std::string_view certificate,
                                              std::chrono::system_clock::time_point now);

}  // namespace tollgate::tls
