#pragma once

#include "core/error.h"
#include "tls/client_auth.h"
#include "tls/openssl_ptr.h"

#include <memory>
#include <string>
#include <vector>

namespace tollgate::tls {

// Everything needed to build the TLS context of one HTTPS listener.
struct ServerTlsSettings {
    std::string listener_id;
    std::string certificate_id;
    std::string certificate_pem;  // leaf first, then intermediates
    std::string private_key_pem;
    std::string client_ca_id;                   // names the CA bundle in errors and warnings
    std::string client_ca_pem;                  // one or more CA certificates, roots and intermediates
    ClientAuth client_auth = ClientAuth::None;  // None: clients are not asked for a certificate
    // Maximum number of intermediate CA certificates between a client certificate and its
    // trust anchor (OpenSSL's verify depth): 0 accepts only certificates issued directly by
    // a CA of the bundle.
    int verify_depth = 4;
    std::string policy_name = "tls-1-2-fs-with-1-3";
};

// An immutable, ready SSL_CTX shared by every worker. OpenSSL allows concurrent use of one
// SSL_CTX for creating SSL objects once it is fully configured.
struct ServerContext {
    SslCtxPtr ctx;
    int security_level = 1;  // lowered to 0 only for SHA-1 or MD5 certificates
    // Weaknesses found while loading, each naming the certificate or policy concerned. They
    // are returned, not logged, so the caller decides where they go.
    std::vector<std::string> warnings;
};

// Builds the context of one listener: policy protocols and ciphers, the certificate chain
// and its matching key, and the client CA store and verification mode, with renegotiation
// off. The session id context hashes this configuration and each context draws its own
// ticket keys, so no session resumes across a CA change. Errors name the listener and the
// certificate or CA.
core::Result<std::shared_ptr<const ServerContext>> build_server_context(const ServerTlsSettings& settings);

}  // namespace tollgate::tls
