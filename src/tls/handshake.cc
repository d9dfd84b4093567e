#include "tls/handshake.h"

#include "tls/certificate_info.h"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include <cerrno>
#include <optional>

namespace tollgate::tls {
namespace {

// The ex_data slot of SSL objects that contains the VerifyRecord. C++ guarantees that the
// static is initialised once, even with concurrent first calls.
int verify_record_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

// Maps one entry of the OpenSSL error queue, or returns nothing for entries that do not
// identify the cause.
std::optional<HandshakeFailure> failure_from_queued_error(SSL* ssl, unsigned long error) {
    const int library = ERR_GET_LIB(error);
    const int reason = ERR_GET_REASON(error);
    if (library == ERR_LIB_SYS) {
        if (reason == ECONNRESET || reason == EPIPE) {
            return HandshakeFailure::ClientClosed;
        }
        return std::nullopt;
    }
    if (library != ERR_LIB_SSL) {
        return std::nullopt;
    }
    switch (reason) {
        case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
            return HandshakeFailure::NoCertificate;
        case SSL_R_NO_SHARED_CIPHER:
            return HandshakeFailure::CipherMismatch;
        case SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM:
            // TLS 1.0 and 1.1 sign with MD5+SHA-1, which OpenSSL 3 accepts only at security
            // level 0, so there the version is the cause.
            return SSL_version(ssl) < TLS1_2_VERSION ? HandshakeFailure::ProtocolMismatch
                                                     : HandshakeFailure::CipherMismatch;
        case SSL_R_UNSUPPORTED_PROTOCOL:
        case SSL_R_WRONG_VERSION_NUMBER:
        case SSL_R_VERSION_TOO_LOW:
        case SSL_R_VERSION_TOO_HIGH:
        case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
        case SSL_R_HTTP_REQUEST:
        case SSL_R_HTTPS_PROXY_REQUEST:
            return HandshakeFailure::ProtocolMismatch;
        case SSL_R_UNEXPECTED_EOF_WHILE_READING:
            return HandshakeFailure::ClientClosed;
        default:
            return std::nullopt;
    }
}

}  // namespace

std::string_view code(HandshakeFailure failure) {
    switch (failure) {
        case HandshakeFailure::NoCertificate:
            return "no_certificate";
        case HandshakeFailure::UnknownCa:
            return "unknown_ca";
        case HandshakeFailure::Expired:
            return "cert_expired";
        case HandshakeFailure::NotYetValid:
            return "cert_not_yet_valid";
        case HandshakeFailure::BadSignature:
            return "bad_signature";
        case HandshakeFailure::WeakSignature:
            return "weak_signature";
        case HandshakeFailure::ChainTooLong:
            return "chain_too_long";
        case HandshakeFailure::BadPurpose:
            return "bad_purpose";
        case HandshakeFailure::Revoked:
            return "revoked";
        case HandshakeFailure::ProtocolMismatch:
            return "protocol_mismatch";
        case HandshakeFailure::CipherMismatch:
            return "cipher_mismatch";
        case HandshakeFailure::ClientClosed:
            return "client_closed";
        case HandshakeFailure::Timeout:
            return "timeout";
        case HandshakeFailure::Other:
            return "other";
    }
    return "other";
}

std::string_view describe(HandshakeFailure failure) {
    switch (failure) {
        case HandshakeFailure::NoCertificate:
            return "the client sent no certificate, but the listener requires one";
        case HandshakeFailure::UnknownCa:
            return "the client certificate was not issued by a CA of the listener's CA bundle";
        case HandshakeFailure::Expired:
            return "the client certificate or a CA certificate of its chain has expired";
        case HandshakeFailure::NotYetValid:
            return "the client certificate or a CA certificate of its chain is not yet valid";
        case HandshakeFailure::BadSignature:
            return "a signature in the client certificate chain does not verify";
        case HandshakeFailure::WeakSignature:
            return "the client certificate chain uses an MD5 or SHA-1 signature or a key that is too small";
        case HandshakeFailure::ChainTooLong:
            return "the client certificate chain is longer than the listener's verify depth allows";
        case HandshakeFailure::BadPurpose:
            return "the client certificate is not valid for client authentication";
        case HandshakeFailure::Revoked:
            return "the client certificate has been revoked";
        case HandshakeFailure::ProtocolMismatch:
            return "the client offered no TLS version that the listener accepts, or did not speak TLS";
        case HandshakeFailure::CipherMismatch:
            return "the client offered no cipher suite or signature algorithm that the listener accepts";
        case HandshakeFailure::ClientClosed:
            return "the client closed the connection during the handshake";
        case HandshakeFailure::Timeout:
            return "the handshake did not finish within the client timeout";
        case HandshakeFailure::Other:
            return "the handshake failed for a reason that has no code";
    }
    return "the handshake failed for a reason that has no code";
}

void attach_verify_record(SSL* ssl, VerifyRecord* record) {
    SSL_set_ex_data(ssl, verify_record_index(), record);
}

int record_verify_result(int preverify_ok, X509_STORE_CTX* store) {
    auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    if (ssl == nullptr) {
        return preverify_ok;
    }
    auto* record = static_cast<VerifyRecord*>(SSL_get_ex_data(ssl, verify_record_index()));
    if (record == nullptr) {
        return preverify_ok;
    }

    if (X509* leaf = X509_STORE_CTX_get0_cert(store); leaf != nullptr && record->subject.empty()) {
        record->subject = format_name(X509_get_subject_name(leaf));
        record->issuer = format_name(X509_get_issuer_name(leaf));
    }
    if (preverify_ok == 0 && record->error == 0) {
        record->error = X509_STORE_CTX_get_error(store);
        record->depth = X509_STORE_CTX_get_error_depth(store);
    }
    return preverify_ok;
}

HandshakeFailure failure_from_verify_error(int verify_error) {
    switch (verify_error) {
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
            return HandshakeFailure::UnknownCa;
        case X509_V_ERR_CERT_HAS_EXPIRED:
            return HandshakeFailure::Expired;
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return HandshakeFailure::NotYetValid;
        case X509_V_ERR_CERT_SIGNATURE_FAILURE:
        case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
            return HandshakeFailure::BadSignature;
        case X509_V_ERR_CA_MD_TOO_WEAK:
        case X509_V_ERR_EE_KEY_TOO_SMALL:
        case X509_V_ERR_CA_KEY_TOO_SMALL:
            return HandshakeFailure::WeakSignature;
        case X509_V_ERR_CERT_CHAIN_TOO_LONG:
            return HandshakeFailure::ChainTooLong;
        case X509_V_ERR_INVALID_PURPOSE:
            return HandshakeFailure::BadPurpose;
        case X509_V_ERR_CERT_REVOKED:
            return HandshakeFailure::Revoked;
        default:
            return HandshakeFailure::Other;
    }
}

HandshakeFailure classify_handshake_failure(SSL* ssl, const VerifyRecord& record) {
    if (record.error != X509_V_OK) {
        ERR_clear_error();
        return failure_from_verify_error(record.error);
    }

    std::optional<HandshakeFailure> failure;
    while (unsigned long error = ERR_get_error()) {
        if (!failure) {
            failure = failure_from_queued_error(ssl, error);
        }
    }
    if (failure) {
        return *failure;
    }

    // Without an attached record, the verify result of the SSL object still names the cause.
    if (const long result = SSL_get_verify_result(ssl); result != X509_V_OK) {
        return failure_from_verify_error(static_cast<int>(result));
    }
    return HandshakeFailure::Other;
}

}  // namespace tollgate::tls
