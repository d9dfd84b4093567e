#pragma once

#include <openssl/ssl.h>

#include <string>
#include <string_view>

namespace tollgate::tls {

// Reason for a rejected TLS handshake, shared by logs, metric labels and the verification
// header sent to backends.
enum class HandshakeFailure {
    NoCertificate,     // the listener requires a client certificate and none was sent
    UnknownCa,         // the chain does not lead to a CA of the listener's bundle
    Expired,           // a certificate of the chain is past its notAfter
    NotYetValid,       // a certificate of the chain is before its notBefore
    BadSignature,      // a signature of the chain does not verify
    WeakSignature,     // MD5 or SHA-1 signature, or a key too small for the security level
    ChainTooLong,      // the chain is longer than the listener's verify depth
    BadPurpose,        // the certificate may not be used for client authentication
    Revoked,           // reserved for CRL checks
    ProtocolMismatch,  // no TLS version in common, or not TLS at all
    CipherMismatch,    // no cipher suite or signature algorithm in common
    ClientClosed,      // the client closed or reset the connection during the handshake
    Timeout,           // the handshake did not finish within client_timeout
    Other,
};

// Short stable code, e.g. "no_certificate", "unknown_ca", "cert_expired".
std::string_view code(HandshakeFailure failure);

// One sentence for logs, e.g. "the client certificate has expired".
std::string_view describe(HandshakeFailure failure);

// Result of client certificate verification, filled by the verify callback that
// build_server_context installs. Owned by the connection; attach it before the handshake.
struct VerifyRecord {
    int error = 0;        // first X509_V_ERR_* seen, 0 when none
    int depth = -1;       // chain depth of that error
    std::string subject;  // RFC 4514 subject of the leaf, empty when none was sent
    std::string issuer;   // RFC 4514 issuer of the leaf
};

// Stores `record` in the SSL object's ex_data; the verify callback writes into it.
void attach_verify_record(SSL* ssl, VerifyRecord* record);

// Verify callback that build_server_context installs. Writes the first error, its depth and
// the leaf's subject and issuer into the VerifyRecord attached to the SSL object (when one
// is attached) and returns `preverify_ok` unchanged, so OpenSSL's verification result is kept.
int record_verify_result(int preverify_ok, X509_STORE_CTX* store);

// Classifies a failed SSL_do_handshake (or SSL_accept) from the verify record, the SSL
// object's state and the OpenSSL error queue, which this call consumes.
HandshakeFailure classify_handshake_failure(SSL* ssl, const VerifyRecord& record);

// Maps an X509_V_ERR_* value to a failure.
HandshakeFailure failure_from_verify_error(int verify_error);

}  // namespace tollgate::tls
