#pragma once

// Runs a real TLS handshake in memory: a client SSL and a server SSL joined by a BIO pair
// and driven in turns until both finish or fail.

#include "tls/handshake.h"
#include "tls/peer_certificate.h"
#include "tls/server_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tollgate::tls::test {

struct SslFree {
    void operator()(SSL* ssl) const { SSL_free(ssl); }
};
struct SslSessionFree {
    void operator()(SSL_SESSION* session) const { SSL_SESSION_free(session); }
};
using SslPtr = std::unique_ptr<SSL, SslFree>;
using SslSessionPtr = std::unique_ptr<SSL_SESSION, SslSessionFree>;

struct ClientSettings {
    X509* certificate = nullptr;  // none: the client sends no certificate
    EVP_PKEY* key = nullptr;
    std::vector<X509*> chain{};      // intermediates sent after the certificate
    SSL_SESSION* session = nullptr;  // offered for resumption
    int min_version = 0;             // 0: OpenSSL's default
    int max_version = 0;
    std::string cipher_list{};  // TLS 1.2 and below, empty: OpenSSL's default
};

struct HandshakeResult {
    bool server_succeeded = false;
    bool client_succeeded = false;
    bool resumed = false;
    std::optional<HandshakeFailure> failure;  // set when the server failed
    VerifyRecord record;
    std::optional<PeerCertificate> peer;
    SslSessionPtr client_session;  // resumable session after a success
};

enum class Progress { Running, Succeeded, Failed };

inline void require_ok(bool condition, const char* operation) {
    if (!condition) {
        throw std::runtime_error(std::string("handshake harness: ") + operation + " failed");
    }
}

// Level 0 lets the client send the SHA-1 and small-key certificates that tests need.
inline SslCtxPtr make_client_context(const ClientSettings& settings) {
    SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
    require_ok(ctx != nullptr, "SSL_CTX_new");
    SSL_CTX_set_security_level(ctx.get(), 0);
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
    // Each handshake gets a new client context. A session kept in its cache would be marked
    // not resumable when SSL_CTX_free flushes the cache.
    SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
    if (settings.min_version != 0) {
        require_ok(SSL_CTX_set_min_proto_version(ctx.get(), settings.min_version) == 1, "client min version");
    }
    if (settings.max_version != 0) {
        require_ok(SSL_CTX_set_max_proto_version(ctx.get(), settings.max_version) == 1, "client max version");
    }
    if (!settings.cipher_list.empty()) {
        require_ok(SSL_CTX_set_cipher_list(ctx.get(), settings.cipher_list.c_str()) == 1,
                   "client cipher list");
    }
    if (settings.certificate != nullptr) {
        require_ok(SSL_CTX_use_certificate(ctx.get(), settings.certificate) == 1, "client certificate");
        require_ok(SSL_CTX_use_PrivateKey(ctx.get(), settings.key) == 1, "client key");
        for (X509* intermediate : settings.chain) {
            require_ok(SSL_CTX_add1_chain_cert(ctx.get(), intermediate) == 1, "client chain");
        }
    }
    return ctx;
}

// Runs one SSL_do_handshake step. The error queue is cleared before the step so that only
// this side's errors remain for classification.
inline Progress step(SSL* ssl) {
    ERR_clear_error();
    const int result = SSL_do_handshake(ssl);
    if (result == 1) {
        return Progress::Succeeded;
    }
    const int error = SSL_get_error(ssl, result);
    return error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE ? Progress::Running
                                                                         : Progress::Failed;
}

// Joins a new client SSL and a new server SSL through a BIO pair.
struct Connection {
    SslCtxPtr client_ctx;
    SslPtr client;
    SslPtr server;
    BIO* client_bio = nullptr;  // owned by `client`
};

inline Connection connect_in_memory(const ServerContext& server, const ClientSettings& settings) {
    Connection connection;
    connection.client_ctx = make_client_context(settings);
    connection.client.reset(SSL_new(connection.client_ctx.get()));
    connection.server.reset(SSL_new(server.ctx.get()));
    require_ok(connection.client != nullptr && connection.server != nullptr, "SSL_new");

    BIO* server_bio = nullptr;
    require_ok(BIO_new_bio_pair(&connection.client_bio, 0, &server_bio, 0) == 1, "BIO_new_bio_pair");
    SSL_set_bio(connection.client.get(), connection.client_bio, connection.client_bio);
    SSL_set_bio(connection.server.get(), server_bio, server_bio);
    SSL_set_connect_state(connection.client.get());
    SSL_set_accept_state(connection.server.get());
    if (settings.session != nullptr) {
        require_ok(SSL_set_session(connection.client.get(), settings.session) == 1, "SSL_set_session");
    }
    return connection;
}

// Reads what the server sent after the handshake (TLS 1.3 session tickets) and returns the
// client's session when it can be resumed.
inline SslSessionPtr take_client_session(SSL* client) {
    char byte = 0;
    ERR_clear_error();
    SSL_read(client, &byte, 1);
    ERR_clear_error();
    SslSessionPtr session(SSL_get1_session(client));
    if (session != nullptr && SSL_SESSION_is_resumable(session.get()) != 1) {
        session.reset();
    }
    return session;
}

inline HandshakeResult run_handshake(const ServerContext& server, const ClientSettings& settings) {
    constexpr int kMaxRounds = 50;
    Connection connection = connect_in_memory(server, settings);
    HandshakeResult result;
    attach_verify_record(connection.server.get(), &result.record);

    Progress client = Progress::Running;
    Progress server_progress = Progress::Running;
    for (int round = 0; round < kMaxRounds; ++round) {
        if (client == Progress::Running) {
            client = step(connection.client.get());
        }
        if (server_progress == Progress::Running) {
            server_progress = step(connection.server.get());
            if (server_progress == Progress::Failed) {
                result.failure = classify_handshake_failure(connection.server.get(), result.record);
            }
        }
        if (client != Progress::Running && server_progress != Progress::Running) {
            break;
        }
    }
    ERR_clear_error();

    result.client_succeeded = client == Progress::Succeeded;
    result.server_succeeded = server_progress == Progress::Succeeded;
    if (result.server_succeeded) {
        result.resumed = SSL_session_reused(connection.server.get()) == 1;
        result.peer = peer_certificate(connection.server.get());
    }
    if (result.server_succeeded && result.client_succeeded) {
        result.client_session = take_client_session(connection.client.get());
        // SSL_free after an unclean close marks the session as not resumable, so both
        // sides send close_notify first.
        SSL_shutdown(connection.client.get());
        SSL_shutdown(connection.server.get());
        ERR_clear_error();
    }
    return result;
}

}  // namespace tollgate::tls::test
