#pragma once

#include <openssl/x509.h>

#include <chrono>
#include <string>
#include <vector>

namespace tollgate::tls {

// What tollgate reports about one certificate.
struct CertificateFacts {
    std::string subject;                // RFC 4514 string, e.g. "CN=www.test.com,O=ELB"
    std::string issuer;                 // RFC 4514 string
    std::string serial_hex;             // lowercase hex without separators, e.g. "0f3a"
    std::string fingerprint_sha256;     // lowercase hex of the SHA-256 of the DER encoding
    std::chrono::system_clock::time_point not_before;
    std::chrono::system_clock::time_point not_after;
    std::string signature_algorithm;    // OpenSSL long name, e.g. "sha256WithRSAEncryption"
    int version = 3;                    // 1 or 3
    std::string key_type;               // "RSA", "EC" or "ED25519"
    int key_bits = 0;
    std::vector<std::string> subject_alt_names;  // "DNS:name" and "IP:address" entries
    bool basic_constraints_ca = false;  // CA:TRUE present
    bool key_usage_present = false;
    bool key_usage_cert_sign = false;   // keyCertSign
    bool extended_key_usage_present = false;
    bool extended_key_usage_client_auth = false;
    bool extended_key_usage_server_auth = false;
    bool sha1_or_weaker_signature = false;  // MD5 or SHA-1 signature
};

CertificateFacts inspect_certificate(X509* certificate);

// Formats a time as RFC 3339 UTC with second precision: "2039-08-06T10:20:30Z".
std::string format_rfc3339(std::chrono::system_clock::time_point time);

// Purpose a certificate is loaded for, which decides what counts as a weakness.
enum class CertificateRole { Server, ClientCa };

// Returns one sentence per property of `facts` that clients or OpenSSL 3 will reject at its
// default security level, each saying what breaks and how to reissue (empty when none).
std::vector<std::string> certificate_weaknesses(const CertificateFacts& facts, CertificateRole role);

}  // namespace tollgate::tls
