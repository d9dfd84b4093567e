#include "tls/server_context.h"

#include "tls/certificate_info.h"
#include "tls/handshake.h"
#include "tls/security_policy.h"
#include "tls/test_fixtures.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <string>

namespace tollgate::tls {
namespace {

using test::Issued;
using test::listener_settings;
using test::pem;
using test::pki;

bool any_contains(const std::vector<std::string>& lines, std::string_view part) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& line) { return line.find(part) != std::string::npos; });
}

std::string joined(const std::vector<std::string>& lines) {
    std::string text;
    for (const std::string& line : lines) {
        text += line + "\n";
    }
    return text;
}

// The certificates of the mutual authentication walk-through: RSA 2048, X.509 version 1,
// SHA-1 signatures, no subjectAltName, a CA that is only "O=ELB".
struct GuidePki {
    Issued ca = test::issue({.digest = test::Digest::Sha1, .version = 1, .key_kind = test::KeyKind::Rsa2048});
    Issued server = test::issue({.common_name = "www.test.com",
                                 .digest = test::Digest::Sha1,
                                 .version = 1,
                                 .key_kind = test::KeyKind::Rsa2048},
                                &ca);
};

TEST(ServerContext, KeepsLevelOne) {
    auto context = build_server_context(listener_settings(ClientAuth::Mandatory, pem(pki().root_a)));

    ASSERT_TRUE(context) << context.error().message;
    SSL_CTX* ctx = (*context)->ctx.get();
    EXPECT_EQ((*context)->security_level, 1);
    EXPECT_EQ(SSL_CTX_get_security_level(ctx), 1);
    EXPECT_TRUE((*context)->warnings.empty()) << joined((*context)->warnings);
    EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
    EXPECT_EQ(SSL_CTX_get_max_proto_version(ctx), TLS1_3_VERSION);
}

TEST(ServerContext, SetsOptionsAndKeepsBuffers) {
    auto context = build_server_context(listener_settings(ClientAuth::Mandatory, pem(pki().root_a)));

    ASSERT_TRUE(context) << context.error().message;
    SSL_CTX* ctx = (*context)->ctx.get();
    const uint64_t options = SSL_CTX_get_options(ctx);
    EXPECT_NE(options & SSL_OP_NO_RENEGOTIATION, 0u);
    EXPECT_NE(options & SSL_OP_CIPHER_SERVER_PREFERENCE, 0u);
    EXPECT_NE(options & SSL_OP_NO_COMPRESSION, 0u);
    EXPECT_EQ(SSL_CTX_get_mode(ctx) & SSL_MODE_RELEASE_BUFFERS, 0);
}

TEST(ServerContext, MandatoryModeRequiresCertificate) {
    ServerTlsSettings settings = listener_settings(ClientAuth::Mandatory, pem(pki().root_a));
    settings.verify_depth = 3;

    auto context = build_server_context(settings);

    ASSERT_TRUE(context) << context.error().message;
    SSL_CTX* ctx = (*context)->ctx.get();
    EXPECT_EQ(SSL_CTX_get_verify_mode(ctx),
              SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT | SSL_VERIFY_CLIENT_ONCE);
    EXPECT_EQ(SSL_CTX_get_verify_depth(ctx), 3);
    EXPECT_EQ(SSL_CTX_get_verify_callback(ctx), &record_verify_result);
}

TEST(ServerContext, OptionalAllowsNoCertificate) {
    auto context = build_server_context(listener_settings(ClientAuth::Optional, pem(pki().root_a)));

    ASSERT_TRUE(context) << context.error().message;
    EXPECT_EQ(SSL_CTX_get_verify_mode((*context)->ctx.get()), SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE);
}

TEST(ServerContext, ListsClientCaNames) {
    auto context =
        build_server_context(listener_settings(ClientAuth::Mandatory, pem(pki().root_a) + pem(pki().root_b)));

    ASSERT_TRUE(context) << context.error().message;
    STACK_OF(X509_NAME)* names = SSL_CTX_get_client_CA_list((*context)->ctx.get());
    ASSERT_EQ(sk_X509_NAME_num(names), 2);
    EXPECT_EQ(format_name(sk_X509_NAME_value(names, 0)), "CN=Root A,O=ELB");
    EXPECT_EQ(format_name(sk_X509_NAME_value(names, 1)), "CN=Root B,O=ELB");
}

TEST(ServerContext, NoneIgnoresClientCa) {
    auto context = build_server_context(listener_settings(ClientAuth::None, pem(pki().root_a)));

    ASSERT_TRUE(context) << context.error().message;
    SSL_CTX* ctx = (*context)->ctx.get();
    EXPECT_EQ(SSL_CTX_get_verify_mode(ctx), SSL_VERIFY_NONE);
    EXPECT_EQ(sk_X509_NAME_num(SSL_CTX_get_client_CA_list(ctx)), 0);
}

TEST(ServerContext, GuideChainLowersLevel) {
    const GuidePki guide;
    ServerTlsSettings settings = listener_settings(ClientAuth::Mandatory, pem(guide.ca));
    settings.certificate_pem = pem(guide.server);
    settings.private_key_pem = test::traditional_pem(guide.server.key.get());

    auto context = build_server_context(settings);

    ASSERT_TRUE(context) << context.error().message;
    const auto& warnings = (*context)->warnings;
    EXPECT_EQ((*context)->security_level, 0);
    EXPECT_EQ(SSL_CTX_get_security_level((*context)->ctx.get()), 0);
    EXPECT_TRUE(any_contains(warnings,
                             "Security level lowered to 0 because certificate cert-1 "
                             "\"CN=www.test.com,O=ELB\" has a sha1WithRSAEncryption signature"))
        << joined(warnings);
    EXPECT_TRUE(any_contains(warnings,
                             "Security level lowered to 0 because client CA ca-1 \"O=ELB\" has a "
                             "sha1WithRSAEncryption signature"))
        << joined(warnings);
    EXPECT_TRUE(any_contains(warnings,
                             "certificate cert-1 \"CN=www.test.com,O=ELB\": The certificate is signed "
                             "with SHA-1 (sha1WithRSAEncryption)"))
        << joined(warnings);
    EXPECT_TRUE(any_contains(warnings,
                             "certificate cert-1 \"CN=www.test.com,O=ELB\": The certificate has no "
                             "subjectAltName"))
        << joined(warnings);
    EXPECT_TRUE(any_contains(warnings, "client CA ca-1 \"O=ELB\": The CA certificate is X.509 version 1"))
        << joined(warnings);
}

// Shows why build_server_context lowers the level before loading: OpenSSL 3.0 rejects the
// same SHA-1 certificate at its default level.
TEST(ServerContext, LevelOneRejectsSha1) {
    const GuidePki guide;
    SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
    SSL_CTX_set_security_level(ctx.get(), 1);

    const int loaded = SSL_CTX_use_certificate(ctx.get(), guide.server.certificate.get());

    EXPECT_EQ(loaded, 0);
    EXPECT_EQ(ERR_GET_REASON(ERR_peek_error()), SSL_R_CA_MD_TOO_WEAK);
    ERR_clear_error();
}

TEST(ServerContext, LoadsChainCertificates) {
    const Issued leaf =
        test::issue({.common_name = "chained", .alt_names = {"DNS:chained"}}, &pki().intermediate_a);
    ServerTlsSettings settings = listener_settings(ClientAuth::None, "");
    settings.certificate_pem = pem(leaf) + pem(pki().intermediate_a);
    settings.private_key_pem = test::pkcs8_pem(leaf.key.get());

    auto context = build_server_context(settings);

    ASSERT_TRUE(context) << context.error().message;
    STACK_OF(X509)* chain = nullptr;
    ASSERT_EQ(SSL_CTX_get0_chain_certs((*context)->ctx.get(), &chain), 1);
    ASSERT_EQ(sk_X509_num(chain), 1);
    EXPECT_EQ(X509_cmp(sk_X509_value(chain, 0), pki().intermediate_a.certificate.get()), 0);
}

TEST(ServerContext, WarningNamesChainPosition) {
    const Issued sha1_intermediate = test::issue(
        {.common_name = "SHA-1 Intermediate", .ca = true, .digest = test::Digest::Sha1}, &pki().root_a);
    const Issued leaf =
        test::issue({.common_name = "chained", .alt_names = {"DNS:chained"}}, &sha1_intermediate);
    ServerTlsSettings settings = listener_settings(ClientAuth::None, "");
    settings.certificate_pem = pem(leaf) + pem(sha1_intermediate);
    settings.private_key_pem = test::pkcs8_pem(leaf.key.get());

    auto context = build_server_context(settings);

    ASSERT_TRUE(context) << context.error().message;
    EXPECT_EQ((*context)->security_level, 0);
    EXPECT_TRUE(any_contains((*context)->warnings,
                             "certificate cert-1 (chain certificate 2) \"CN=SHA-1 Intermediate,O=ELB\": The "
                             "certificate is signed with SHA-1"))
        << joined((*context)->warnings);
}

TEST(ServerContext, WarnsAboutMissingSan) {
    const Issued leaf = test::issue({.common_name = "www.test.com"}, &pki().root_a);
    ServerTlsSettings settings = listener_settings(ClientAuth::None, "");
    settings.certificate_pem = pem(leaf);
    settings.private_key_pem = test::pkcs8_pem(leaf.key.get());

    auto context = build_server_context(settings);

    ASSERT_TRUE(context) << context.error().message;
    EXPECT_EQ((*context)->security_level, 1);
    ASSERT_EQ((*context)->warnings.size(), 1u);
    EXPECT_EQ(
        (*context)->warnings[0],
        "certificate cert-1 \"CN=www.test.com,O=ELB\": The certificate has no subjectAltName, and browsers "
        "ignore the subject CN when they match the host name, so they reject it. Reissue it with "
        "subjectAltName=DNS:<host name> in its extensions.");
}

TEST(ServerContext, WarnsAboutUnusableTls10) {
    ServerTlsSettings settings = listener_settings(ClientAuth::None, "");
    settings.policy_name = "tls-1-0";

    auto context = build_server_context(settings);

    ASSERT_TRUE(context) << context.error().message;
    ASSERT_EQ((*context)->warnings.size(), 1u);
    EXPECT_EQ(
        (*context)->warnings[0],
        "Policy tls-1-0 lists TLSv1.2 TLSv1.1 TLSv1, but OpenSSL 3 negotiates TLS 1.0 and TLS 1.1 only at "
        "security level 0 and this listener uses level 1, so clients limited to them fail the handshake.");
}

TEST(ServerContext, KeyMismatchNamesCertificate) {
    ServerTlsSettings settings = listener_settings(ClientAuth::Mandatory, pem(pki().root_a));
    settings.private_key_pem = test::pkcs8_pem(pki().client.key.get());

    auto context = build_server_context(settings);

    ASSERT_FALSE(context);
    EXPECT_EQ(
        context.error().message,
        "listener listener-1: the private key does not match the certificate (certificate cert-1). Upload "
        "the private key that was generated with this certificate.");
    EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(ServerContext, EncryptedKeyNamesCertificate) {
    ServerTlsSettings settings = listener_settings(ClientAuth::Mandatory, pem(pki().root_a));
    settings.private_key_pem = test::encrypted_pkcs8_pem(pki().server.key.get());

    auto context = build_server_context(settings);

    ASSERT_FALSE(context);
    EXPECT_EQ(
        context.error().message,
        "listener listener-1, certificate cert-1: the private key is encrypted with a passphrase, which "
        "tollgate cannot enter. Decrypt it first, e.g. openssl pkey -in key.pem -out key.decrypted.pem, and "
        "upload key.decrypted.pem");
}

TEST(ServerContext, UnknownPolicyListsPolicies) {
    ServerTlsSettings settings = listener_settings(ClientAuth::None, "");
    settings.policy_name = "tls-9-9";

    auto context = build_server_context(settings);

    ASSERT_FALSE(context);
    EXPECT_EQ(context.error().message,
              "listener listener-1: TLS security policy \"tls-9-9\" not found. Use one of: tls-1-0, tls-1-1, "
              "tls-1-2, tls-1-0-inherit, tls-1-2-strict, tls-1-2-fs, tls-1-0-with-1-3, tls-1-2-fs-with-1-3, "
              "hybrid-policy-1-0, tls-1-2-strict-no-cbc.");
}

TEST(ServerContext, EveryPolicyBuildsContext) {
    for (const SecurityPolicy& policy : system_security_policies()) {
        ServerTlsSettings settings = listener_settings(ClientAuth::Mandatory, pem(pki().root_a));
        settings.policy_name = std::string(policy.name);

        auto context = build_server_context(settings);

        EXPECT_TRUE(context) << policy.name << ": " << context.error().message;
    }
}

TEST(ServerContext, MandatoryWithoutCaFails) {
    auto context = build_server_context(listener_settings(ClientAuth::Mandatory, ""));

    ASSERT_FALSE(context);
    EXPECT_EQ(
        context.error().message,
        "listener listener-1: client authentication is mandatory, but no client CA certificate is set. Set a "
        "client CA certificate or set client authentication to none.");
}

TEST(ServerContext, InvalidCaNamesCa) {
    auto context = build_server_context(listener_settings(ClientAuth::Optional, "not a certificate"));

    ASSERT_FALSE(context);
    EXPECT_EQ(context.error().message,
              "listener listener-1, client CA ca-1: no certificate found: expected a PEM block starting with "
              "-----BEGIN CERTIFICATE-----");
}

TEST(ServerContext, InvalidCertificateNamesCertificate) {
    ServerTlsSettings settings = listener_settings(ClientAuth::None, "");
    settings.certificate_pem = "";

    auto context = build_server_context(settings);

    ASSERT_FALSE(context);
    EXPECT_EQ(
        context.error().message,
        "listener listener-1, certificate cert-1: no certificate found: expected a PEM block starting with "
        "-----BEGIN CERTIFICATE-----");
}

TEST(ServerContext, NegativeVerifyDepthFails) {
    ServerTlsSettings settings = listener_settings(ClientAuth::Mandatory, pem(pki().root_a));
    settings.verify_depth = -1;

    auto context = build_server_context(settings);

    ASSERT_FALSE(context);
    EXPECT_EQ(context.error().message, "listener listener-1: verify depth -1 is invalid. Use 0 or more.");
}

}  // namespace
}  // namespace tollgate::tls
