#pragma once

// Verification of a client certificate against the trust settings of a listener, without a
// connection. The verdict repeats the X509_verify_cert call of a handshake with the same store,
// flags, purpose, depth and security level, so it gives the reason code of the handshake log.
// Its message explains why a certificate is rejected and how to fix that.

#include "core/error.h"
#include "tls/certificate_info.h"
#include "tls/handshake.h"
#include "tls/server_context.h"

#include <openssl/x509.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::tls {

// The settings of a listener that decide whether a client certificate is accepted.
struct ClientTrust {
    std::string client_ca_id;   // names the CA bundle in messages; may be empty
    std::string client_ca_pem;  // one or more CA certificates, roots and intermediates
    int security_level = 1;     // OpenSSL security level of the listener's SSL_CTX
    int verify_depth = 4;       // maximum intermediate CA certificates, as in ServerTlsSettings
};

// Returns the trust settings of the listener that `settings` describe, with the security
// level that build_server_context chooses for them: 1, or 0 when the server certificate chain
// or the CA bundle has an MD5 or SHA-1 signature. Fails as build_server_context does, and
// with InvalidInput when settings.client_auth is None.
core::Result<ClientTrust> listener_client_trust(const ServerTlsSettings& settings);

// Origin of a certificate of a verified chain.
enum class CertificateSource { Client, Bundle };

std::string_view to_string(CertificateSource source);

// One certificate as the verdict and `tollgate cert inspect` report it.
struct CertificateReport {
    CertificateFacts facts;
    // RFC 3339 UTC, read from the certificate itself, so years after 2262 stay exact.
    std::string not_before;
    std::string not_after;
    std::vector<std::string> key_usages;           // "digitalSignature", "keyCertSign", ...
    std::vector<std::string> extended_key_usages;  // "clientAuth", "serverAuth", or a dotted OID
    CertificateSource source = CertificateSource::Client;
};

CertificateReport report_certificate(X509* certificate);

// Returns one sentence per property of a client certificate that listeners reject or that
// needs attention soon, judged at `now`. The properties are an MD5 or SHA-1 signature, an RSA
// key under 2048 bits, expiry, a notBefore in the future, expiry within kExpiryWarningPeriod,
// and key usages that exclude client authentication.
std::vector<std::string> client_certificate_warnings(const CertificateReport& report,
                                                     std::chrono::system_clock::time_point now);

// Outcome of verify_client_certificate.
struct ClientVerdict {
    bool accepted = false;
    // The reason a handshake with this certificate fails, as the handshake log names it.
    std::optional<HandshakeFailure> failure;
    int verify_error = 0;  // X509_V_ERR_* of the rejection, 0 when accepted
    int error_depth = -1;  // chain position of the certificate the error is about, 0 the client's
    std::string message;   // why the certificate is accepted or rejected, and how to fix a rejection
    int security_level = 1;
    // From the client certificate towards its trust anchor, as far as OpenSSL built the chain.
    std::vector<CertificateReport> chain;
};

// Verifies `client_pem` (the client certificate, optionally followed by the intermediate CA
// certificates the client sends) as a handshake with a listener of `trust` would at `now`.
// Fails with InvalidInput when `client_pem` contains no certificate or a private key, or when
// the CA bundle cannot be parsed.
core::Result<ClientVerdict> verify_client_certificate(const ClientTrust& trust, std::string_view client_pem,
                                                      std::chrono::system_clock::time_point now);

}  // namespace tollgate::tls
