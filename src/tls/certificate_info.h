#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <chrono>
#include <string>
#include <vector>

namespace tollgate::tls {

// Facts that tollgate reports about one certificate.
struct CertificateFacts {
    std::string subject;             // RFC 4514 string, e.g. "CN=www.test.com,O=ELB"
    std::string issuer;              // RFC 4514 string
    std::string serial_hex;          // lowercase hex without separators or leading zeros, e.g. "f3a"
    std::string fingerprint_sha256;  // lowercase hex of the SHA-256 of the DER encoding
    // Validity period. A time outside the range of system_clock (1677 to 2262 with libstdc++)
    // becomes time_point::min() or time_point::max().
    std::chrono::system_clock::time_point not_before;
    std::chrono::system_clock::time_point not_after;
    std::string signature_algorithm;  // OpenSSL long name, e.g. "sha256WithRSAEncryption"
    int version = 3;                  // 1 or 3
    std::string key_type;             // "RSA", "EC" or "ED25519"
    int key_bits = 0;
    std::vector<std::string> subject_alt_names;  // "DNS:name" and "IP:address" entries
    bool basic_constraints_present = false;
    bool basic_constraints_ca = false;  // CA:TRUE present
    bool key_usage_present = false;
    bool key_usage_cert_sign = false;  // keyCertSign
    bool extended_key_usage_present = false;
    bool extended_key_usage_client_auth = false;
    bool extended_key_usage_server_auth = false;
    bool sha1_or_weaker_signature = false;  // MD5 or SHA-1 signature
    bool self_signed = false;               // issuer equals subject and the key identifiers match
};

CertificateFacts inspect_certificate(X509* certificate);

// Formats a time as RFC 3339 UTC with second precision: "2039-08-06T10:20:30Z".
std::string format_rfc3339(std::chrono::system_clock::time_point time);

// Formats a certificate time as RFC 3339 UTC. Unlike a system_clock::time_point, which
// ends in 2262, this covers every year up to 9999 ("99991231235959Z" notAfter values).
std::string format_asn1_time(const ASN1_TIME* time);

// Formats a distinguished name as an RFC 4514 string, e.g. "CN=www.test.com,O=ELB". Bytes
// outside ASCII are escaped, "é" as \C3\A9, which RFC 4514 allows and keeps header values ASCII.
std::string format_name(const X509_NAME* name);

// Returns the serial number as lowercase hex without separators or leading zeros.
std::string format_serial(X509* certificate);

// Returns the lowercase hex SHA-256 of the certificate's DER encoding.
std::string sha256_fingerprint(X509* certificate);

// Returns the key type as CertificateFacts::key_type names it: "RSA", "EC", "ED25519", ...
std::string key_type_name(const EVP_PKEY* key);

// Purpose a certificate is loaded for, which decides what counts as a weakness.
enum class CertificateRole {
    Server,         // the server certificate, first in its chain
    ServerChainCa,  // a CA certificate after the server certificate in its chain
    ClientCa,       // a CA certificate that verifies client certificates
};

// Returns one sentence per property of `facts` that clients or OpenSSL 3 will reject at its
// default security level, each saying what breaks and how to reissue (empty when none).
// Validity is judged at `now`.
std::vector<std::string> certificate_weaknesses(
    const CertificateFacts& facts, CertificateRole role,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace tollgate::tls
