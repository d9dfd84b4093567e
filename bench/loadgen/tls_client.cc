#include "loadgen/tls_client.h"

#include <openssl/x509v3.h>

namespace tollgate::bench {
namespace {

namespace ssl = boost::asio::ssl;

core::Error tls_error(const std::string& action, const std::string& path,
                      const boost::system::error_code& error) {
    return core::Error::tls(action + " \"" + path + "\" failed: " + error.message());
}

}  // namespace

core::Result<ssl::context> make_client_context(const Options& options) {
    ssl::context context(ssl::context::tls_client);
    SSL_CTX* native = context.native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    // The generator never resumes: every connection in handshake mode must cost the server
    // a full handshake, including the client certificate check.
    SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(native, SSL_OP_NO_TICKET);

    if (!options.tls13_ciphersuites.empty() &&
        SSL_CTX_set_ciphersuites(native, options.tls13_ciphersuites.c_str()) != 1) {
        return core::Error::invalid("invalid --tls13-ciphersuites \"" + options.tls13_ciphersuites +
                                    "\": no suite OpenSSL knows");
    }

    boost::system::error_code error;
    if (!options.no_cert) {
        context.use_certificate_chain_file(options.cert_file, error);
        if (error) {
            return tls_error("loading the client certificate", options.cert_file, error);
        }
        context.use_private_key_file(options.key_file, ssl::context::pem, error);
        if (error) {
            return tls_error("loading the client key", options.key_file, error);
        }
    }

    if (options.insecure) {
        context.set_verify_mode(ssl::verify_none);
    } else {
        context.load_verify_file(options.ca_file, error);
        if (error) {
            return tls_error("loading the CA bundle", options.ca_file, error);
        }
        context.set_verify_mode(ssl::verify_peer);
    }
    return context;
}

core::Result<void> prepare_connection(SSL* ssl, const Target& target) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    if (target.host_is_ip) {
        // RFC 6066 allows no IP literal in SNI, so only the certificate's IP SAN is checked.
        if (X509_VERIFY_PARAM_set1_ip_asc(param, target.host.c_str()) != 1) {
            return core::Error::tls("setting the expected server address \"" + target.host + "\" failed");
        }
        return {};
    }
    if (SSL_set_tlsext_host_name(ssl, target.host.c_str()) != 1 ||
        X509_VERIFY_PARAM_set1_host(param, target.host.c_str(), 0) != 1) {
        return core::Error::tls("setting the expected server name \"" + target.host + "\" failed");
    }
    return {};
}

}  // namespace tollgate::bench
