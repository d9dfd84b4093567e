#include "tls/server_context.h"

#include "core/check.h"
#include "core/logging.h"
#include "tls/certificate_info.h"
#include "tls/handshake.h"
#include "tls/openssl_error.h"
#include "tls/pem.h"
#include "tls/security_policy.h"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <array>
#include <cstdint>

namespace tollgate::tls {
namespace {

// OpenSSL's built-in default security level, which rejects MD5 and SHA-1 signatures and
// keys under 1024 bits (RSA) or 160 bits (EC). It is set explicitly because a system
// openssl.cnf may change the default (Debian 12 raises it to 2).
constexpr int kDefaultSecurityLevel = 1;
// The level that accepts the SHA-1 certificates of openssl x509 -req -sha1.
constexpr int kLegacySecurityLevel = 0;

struct StackOfX509Free {
    void operator()(STACK_OF(X509) * stack) const { sk_X509_free(stack); }
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), StackOfX509Free>;

struct EvpMdCtxFree {
    void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

// Certificates of one PEM text with their facts, e.g. the server chain or the CA bundle.
struct CertificateSet {
    std::vector<X509Ptr> certificates;
    std::vector<CertificateFacts> facts;
};

// Names a certificate in warnings: `certificate cert-1 "CN=www.test.com,O=ELB"`.
std::string describe_certificate(std::string_view resource, const std::string& id, std::size_t index,
                                 const CertificateFacts& facts) {
    const std::string position = index == 0 ? "" : fmt::format(" (chain certificate {})", index + 1);
    return fmt::format("{} {}{} \"{}\"", resource, id, position, facts.subject);
}

CertificateSet inspect_all(std::vector<X509Ptr> certificates) {
    CertificateSet set;
    for (const X509Ptr& certificate : certificates) {
        set.facts.push_back(inspect_certificate(certificate.get()));
    }
    set.certificates = std::move(certificates);
    return set;
}

// Adds every weakness of `set` to `warnings` and returns whether one of its certificates has
// an MD5 or SHA-1 signature. A self-signed CA counts too. OpenSSL does not check its own
// signature, but a SHA-1 CA such as the one of openssl x509 -req -sha1 signs its client
// certificates with SHA-1, which OpenSSL does check.
bool collect_weaknesses(const CertificateSet& set, CertificateRole role, std::string_view resource,
                        const std::string& id, std::vector<std::string>& warnings) {
    bool weak_signature = false;
    for (std::size_t i = 0; i < set.facts.size(); ++i) {
        const CertificateFacts& facts = set.facts[i];
        const std::string name = describe_certificate(resource, id, i, facts);
        // Intermediates after the leaf are judged as CAs: a missing subjectAltName is normal there.
        const CertificateRole judged_as =
            role == CertificateRole::Server && i > 0 ? CertificateRole::ServerChainCa : role;
        for (const std::string& weakness : certificate_weaknesses(facts, judged_as)) {
            warnings.push_back(fmt::format("{}: {}", name, weakness));
        }
        if (facts.sha1_or_weaker_signature) {
            weak_signature = true;
            warnings.push_back(fmt::format(
                "Security level lowered to 0 because {} has a {} signature. Level 0 also accepts client "
                "certificates with weak signatures and small keys, so reissue it with -sha256 to keep level "
                "1.",
                name, facts.signature_algorithm));
        }
    }
    return weak_signature;
}

core::Result<void> apply_policy(SSL_CTX* ctx, const SecurityPolicy& policy, const std::string& prefix) {
    if (SSL_CTX_set_min_proto_version(ctx, policy.min_version) != 1 ||
        SSL_CTX_set_max_proto_version(ctx, policy.max_version) != 1) {
        return core::Error::tls(fmt::format("{}: OpenSSL rejected the protocol versions {} of policy {} ({})",
                                            prefix, policy.protocols, policy.name, take_openssl_errors()));
    }
    if (SSL_CTX_set_cipher_list(ctx, std::string(policy.cipher_list).c_str()) != 1) {
        return core::Error::tls(
            fmt::format("{}: OpenSSL supports none of the TLS 1.2 ciphers of policy {} ({})", prefix,
                        policy.name, take_openssl_errors()));
    }
    if (!policy.ciphersuites.empty() &&
        SSL_CTX_set_ciphersuites(ctx, std::string(policy.ciphersuites).c_str()) != 1) {
        return core::Error::tls(
            fmt::format("{}: OpenSSL supports none of the TLS 1.3 cipher suites of policy {} ({})", prefix,
                        policy.name, take_openssl_errors()));
    }

    SSL_CTX_set_options(ctx,
                        SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
    // The DHE suites of tls-1-0-inherit need DH parameters, which OpenSSL then picks by key size.
    SSL_CTX_set_dh_auto(ctx, 1);
    // SSL_MODE_RELEASE_BUFFERS stays off: connections keep their buffers between reads.
    return {};
}

core::Result<void> load_server_certificate(SSL_CTX* ctx, const CertificateSet& chain, EVP_PKEY* key,
                                           const ServerTlsSettings& settings, const std::string& prefix) {
    X509* leaf = chain.certificates.front().get();
    if (X509_check_private_key(leaf, key) != 1) {
        ERR_clear_error();
        return core::Error::invalid(
            fmt::format("listener {}: the private key does not match the certificate (certificate {}). "
                        "Upload the private "
                        "key that was generated with this certificate.",
                        settings.listener_id, settings.certificate_id));
    }

    X509StackPtr intermediates(sk_X509_new_null());
    TG_CHECK(intermediates != nullptr);
    for (std::size_t i = 1; i < chain.certificates.size(); ++i) {
        TG_CHECK(sk_X509_push(intermediates.get(), chain.certificates[i].get()) > 0);
    }
    // SSL_CTX_use_cert_and_key takes its own references to the leaf, key and chain.
    if (SSL_CTX_use_cert_and_key(ctx, leaf, key, intermediates.get(), 1) != 1) {
        return core::Error::invalid(fmt::format(
            "{}: OpenSSL rejected the certificate chain or key ({}). Check that the chain lists the server "
            "certificate first and that its key has at least 2048 bits (RSA) or 256 bits (EC).",
            prefix, take_openssl_errors()));
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        return core::Error::invalid(
            fmt::format("listener {}: the private key does not match the certificate (certificate {}). "
                        "Upload the private "
                        "key that was generated with this certificate. ({})",
                        settings.listener_id, settings.certificate_id, take_openssl_errors()));
    }
    return {};
}

int verify_mode(ClientAuth mode) {
    switch (mode) {
        case ClientAuth::Mandatory:
            return SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT | SSL_VERIFY_CLIENT_ONCE;
        case ClientAuth::Optional:
            return SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE;
        case ClientAuth::None:
            return SSL_VERIFY_NONE;
    }
    return SSL_VERIFY_NONE;
}

core::Result<void> configure_client_auth(SSL_CTX* ctx, const CertificateSet& cas,
                                         const ServerTlsSettings& settings) {
    X509StorePtr store(X509_STORE_new());
    TG_CHECK(store != nullptr);
    for (std::size_t i = 0; i < cas.certificates.size(); ++i) {
        X509* ca = cas.certificates[i].get();
        if (X509_STORE_add_cert(store.get(), ca) != 1) {
            return core::Error::invalid(
                fmt::format("listener {}, client CA {}: certificate {} could not be added to "
                            "the trust store ({})",
                            settings.listener_id, settings.client_ca_id, i + 1, take_openssl_errors()));
        }
        // Clients pick the certificate to send by these names (curl, browsers).
        if (SSL_CTX_add_client_CA(ctx, ca) != 1) {
            return core::Error::tls(
                fmt::format("listener {}, client CA {}: certificate {} could not be added to "
                            "the list of acceptable CA names ({})",
                            settings.listener_id, settings.client_ca_id, i + 1, take_openssl_errors()));
        }
    }

    // PARTIAL_CHAIN makes an intermediate of the bundle a trust anchor on its own. The
    // SSL_CLIENT purpose rejects a client certificate whose extendedKeyUsage lacks
    // clientAuth and accepts one without extendedKeyUsage.
    X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN);
    X509_STORE_set_purpose(store.get(), X509_PURPOSE_SSL_CLIENT);
    X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
    X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_CLIENT);

    SSL_CTX_set_cert_store(ctx, store.release());
    SSL_CTX_set_verify_depth(ctx, settings.verify_depth);
    SSL_CTX_set_verify(ctx, verify_mode(settings.client_auth), record_verify_result);
    return {};
}

void add_field(EVP_MD_CTX* digest, std::string_view field) {
    const auto size = static_cast<std::uint64_t>(field.size());
    TG_CHECK(EVP_DigestUpdate(digest, &size, sizeof size) == 1);
    TG_CHECK(EVP_DigestUpdate(digest, field.data(), field.size()) == 1);
}

// Ties sessions to this configuration. OpenSSL resumes a session only in an SSL_CTX with
// the same session id context, so a session verified against another CA bundle, mode,
// depth, policy or certificate is never resumed, even by a later shared session cache.
void set_session_id_context(SSL_CTX* ctx, const ServerTlsSettings& settings, const CertificateSet& chain,
                            const CertificateSet& cas) {
    std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree> digest(EVP_MD_CTX_new());
    TG_CHECK(digest != nullptr);
    TG_CHECK(EVP_DigestInit_ex(digest.get(), EVP_sha256(), nullptr) == 1);
    add_field(digest.get(), settings.listener_id);
    for (const CertificateFacts& facts : chain.facts) {
        add_field(digest.get(), facts.fingerprint_sha256);
    }
    add_field(digest.get(), "client CA");
    for (const CertificateFacts& facts : cas.facts) {
        add_field(digest.get(), facts.fingerprint_sha256);
    }
    add_field(digest.get(), to_string(settings.client_auth));
    add_field(digest.get(), std::to_string(settings.verify_depth));
    add_field(digest.get(), settings.policy_name);

    std::array<unsigned char, EVP_MAX_MD_SIZE> hash{};
    unsigned int size = 0;
    TG_CHECK(EVP_DigestFinal_ex(digest.get(), hash.data(), &size) == 1);
    static_assert(SSL_MAX_SID_CTX_LENGTH == 32, "a SHA-256 hash fills the session id context");
    TG_CHECK(SSL_CTX_set_session_id_context(ctx, hash.data(), size) == 1);

    // Session tickets need no extra step: SSL_CTX_new draws random ticket keys for each
    // context, so a ticket issued by an earlier context of this listener does not decrypt
    // here and the client falls back to a full handshake with verification.
}

core::Result<CertificateSet> parse_client_cas(const ServerTlsSettings& settings) {
    if (settings.client_auth == ClientAuth::None) {
        return CertificateSet{};
    }
    if (settings.client_ca_pem.empty()) {
        return core::Error::invalid(fmt::format(
            "listener {}: client authentication is {}, but no client CA certificate is set. Set a client CA "
            "certificate or set client authentication to none.",
            settings.listener_id, to_string(settings.client_auth)));
    }
    auto cas = parse_certificates(settings.client_ca_pem);
    if (!cas) {
        return core::Error::invalid(fmt::format("listener {}, client CA {}: {}", settings.listener_id,
                                                settings.client_ca_id, cas.error().message));
    }
    return inspect_all(std::move(*cas));
}

core::Result<void> validate_settings(const ServerTlsSettings& settings) {
    if (settings.verify_depth < 0) {
        return core::Error::invalid(fmt::format("listener {}: verify depth {} is invalid. Use 0 or more.",
                                                settings.listener_id, settings.verify_depth));
    }
    return {};
}

// OpenSSL 3 negotiates TLS 1.0 and 1.1 only at security level 0, because their handshake
// signatures use MD5 and SHA-1.
void warn_about_legacy_protocols(const SecurityPolicy& policy, int security_level,
                                 std::vector<std::string>& warnings) {
    if (policy.min_version >= TLS1_2_VERSION || security_level == kLegacySecurityLevel) {
        return;
    }
    warnings.push_back(fmt::format(
        "Policy {} lists {}, but OpenSSL 3 negotiates TLS 1.0 and TLS 1.1 only at security level 0 and this "
        "listener uses level {}, so clients limited to them fail the handshake.",
        policy.name, policy.protocols, security_level));
}

std::string policy_names() {
    std::string names;
    for (const SecurityPolicy& policy : system_security_policies()) {
        names += fmt::format("{}{}", names.empty() ? "" : ", ", policy.name);
    }
    return names;
}

// Selects "http/1.1" when the client offers it. A client that offers only other protocols
// (h2 alone) continues without ALPN rather than failing the handshake.
int select_http11(SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* in,
                  unsigned int in_length, void*) {
    static constexpr unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    unsigned char* selected = nullptr;
    int found = SSL_select_next_proto(&selected, out_length, kHttp11, sizeof kHttp11, in, in_length);
    if (found != OPENSSL_NPN_NEGOTIATED) {
        return SSL_TLSEXT_ERR_NOACK;
    }
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}

}  // namespace

core::Result<std::shared_ptr<const ServerContext>> build_server_context(const ServerTlsSettings& settings) {
    OpensslErrorScope error_scope;
    const std::string prefix =
        fmt::format("listener {}, certificate {}", settings.listener_id, settings.certificate_id);

    if (auto valid = validate_settings(settings); !valid) {
        return valid.error();
    }
    const SecurityPolicy* policy = find_security_policy(settings.policy_name);
    if (policy == nullptr) {
        return core::Error::invalid(
            fmt::format("listener {}: TLS security policy \"{}\" not found. Use one of: {}.",
                        settings.listener_id, settings.policy_name, policy_names()));
    }

    auto chain_certificates = parse_certificates(settings.certificate_pem);
    if (!chain_certificates) {
        return core::Error::invalid(fmt::format("{}: {}", prefix, chain_certificates.error().message));
    }
    auto key = parse_private_key(settings.private_key_pem);
    if (!key) {
        return core::Error::invalid(fmt::format("{}: {}", prefix, key.error().message));
    }
    auto cas = parse_client_cas(settings);
    if (!cas) {
        return cas.error();
    }
    const CertificateSet chain = inspect_all(std::move(*chain_certificates));

    auto context = std::make_shared<ServerContext>();
    const bool weak_chain = collect_weaknesses(chain, CertificateRole::Server, "certificate",
                                               settings.certificate_id, context->warnings);
    const bool weak_cas = collect_weaknesses(*cas, CertificateRole::ClientCa, "client CA",
                                             settings.client_ca_id, context->warnings);
    context->security_level = weak_chain || weak_cas ? kLegacySecurityLevel : kDefaultSecurityLevel;
    warn_about_legacy_protocols(*policy, context->security_level, context->warnings);

    context->ctx.reset(SSL_CTX_new(TLS_server_method()));
    TG_CHECK(context->ctx != nullptr);
    SSL_CTX* ctx = context->ctx.get();
    // The level must be set before loading: at level 1 OpenSSL rejects a SHA-1 chain
    // certificate with "ca md too weak".
    SSL_CTX_set_security_level(ctx, context->security_level);

    if (auto applied = apply_policy(ctx, *policy, prefix); !applied) {
        return applied.error();
    }
    if (auto loaded = load_server_certificate(ctx, chain, key->get(), settings, prefix); !loaded) {
        return loaded.error();
    }
    if (settings.client_auth != ClientAuth::None) {
        if (auto configured = configure_client_auth(ctx, *cas, settings); !configured) {
            return configured.error();
        }
    }
    set_session_id_context(ctx, settings, chain, *cas);
    SSL_CTX_set_alpn_select_cb(ctx, select_http11, nullptr);

    core::logger("tls")->debug(
        "listener {}: built TLS context, certificate {} \"{}\", client auth {}, "
        "security level {}, {} warnings",
        settings.listener_id, settings.certificate_id, chain.facts.front().subject,
        to_string(settings.client_auth), context->security_level, context->warnings.size());
    return std::shared_ptr<const ServerContext>(std::move(context));
}

}  // namespace tollgate::tls
