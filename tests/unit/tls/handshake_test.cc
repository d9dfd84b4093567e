#include "tls/handshake.h"

#include "tls/certificate_info.h"
#include "tls/handshake_harness.h"
#include "tls/pem.h"
#include "tls/test_fixtures.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include <string>

namespace tollgate::tls {
namespace {

using namespace std::chrono_literals;
using test::ClientSettings;
using test::HandshakeResult;
using test::Issued;
using test::listener_settings;
using test::pem;
using test::pki;
using test::run_handshake;

std::shared_ptr<const ServerContext> build(const ServerTlsSettings& settings) {
    auto context = build_server_context(settings);
    if (!context) {
        ADD_FAILURE() << context.error().message;
        return nullptr;
    }
    return *context;
}

std::shared_ptr<const ServerContext> mandatory_context(const std::string& ca_pem, int verify_depth = 4) {
    ServerTlsSettings settings = listener_settings(ClientAuth::Mandatory, ca_pem);
    settings.verify_depth = verify_depth;
    return build(settings);
}

ClientSettings client_with(const Issued& issued) {
    return ClientSettings{.certificate = issued.certificate.get(), .key = issued.key.get()};
}

std::string failure_code(const HandshakeResult& result) {
    return result.failure ? std::string(code(*result.failure)) : "none";
}

TEST(Handshake, MandatoryAcceptsValidClient) {
    auto context = mandatory_context(pem(pki().root_a));
    ASSERT_NE(context, nullptr);

    const HandshakeResult result = run_handshake(*context, client_with(pki().client));

    EXPECT_TRUE(result.server_succeeded) << failure_code(result);
    EXPECT_TRUE(result.client_succeeded);
    EXPECT_FALSE(result.failure.has_value());
    EXPECT_EQ(result.record.error, X509_V_OK);
    EXPECT_EQ(result.record.subject, "CN=client,O=ELB");
    EXPECT_EQ(result.record.issuer, "CN=Root A,O=ELB");
}

TEST(Handshake, PeerCertificateCarriesHeaderFields) {
    auto context = mandatory_context(pem(pki().root_a));
    ASSERT_NE(context, nullptr);
    X509* client = pki().client.certificate.get();

    const HandshakeResult result = run_handshake(*context, client_with(pki().client));

    ASSERT_TRUE(result.server_succeeded) << failure_code(result);
    ASSERT_TRUE(result.peer.has_value());
    const CertificateFacts facts = inspect_certificate(client);
    EXPECT_EQ(result.peer->subject, "CN=client,O=ELB");
    EXPECT_EQ(result.peer->issuer, "CN=Root A,O=ELB");
    EXPECT_EQ(result.peer->serial_hex, facts.serial_hex);
    EXPECT_EQ(result.peer->fingerprint_sha256, facts.fingerprint_sha256);
    EXPECT_EQ(result.peer->not_after, format_rfc3339(facts.not_after));
    EXPECT_EQ(result.peer->pem_url_encoded, url_encode(test::certificate_pem(client)));
    EXPECT_TRUE(result.peer->pem_url_encoded.starts_with("-----BEGIN%20CERTIFICATE-----%0A"));
}

TEST(Handshake, MandatoryRejectsMissingCertificate) {
    auto context = mandatory_context(pem(pki().root_a));
    ASSERT_NE(context, nullptr);

    const HandshakeResult result = run_handshake(*context, ClientSettings{});

    EXPECT_FALSE(result.server_succeeded);
    EXPECT_EQ(failure_code(result), "no_certificate");
}

TEST(Handshake, MandatoryRejectsMissingCertificateTls12) {
    auto context = mandatory_context(pem(pki().root_a));
    ASSERT_NE(context, nullptr);

    const HandshakeResult result = run_handshake(*context, ClientSettings{.max_version = TLS1_2_VERSION});

    EXPECT_FALSE(result.server_succeeded);
    EXPECT_EQ(failure_code(result), "no_certificate");
}

TEST(Handshake, OptionalAcceptsMissingCertificate) {
    auto context = build(listener_settings(ClientAuth::Optional, pem(pki().root_a)));
    ASSERT_NE(context, nullptr);

    const HandshakeResult result = run_handshake(*context, ClientSettings{});

    EXPECT_TRUE(result.server_succeeded) << failure_code(result);
    EXPECT_FALSE(result.peer.has_value());
    EXPECT_TRUE(result.record.subject.empty());
}

TEST(Handshake, OptionalRejectsUnknownCa) {
    auto context = build(listener_settings(ClientAuth::Optional, pem(pki().root_a)));
    ASSERT_NE(context, nullptr);

    const HandshakeResult result = run_handshake(*context, client_with(pki().client_b));

    EXPECT_FALSE(result.server_succeeded);
    EXPECT_EQ(failure_code(result), "unknown_ca");
}

TEST(Handshake, MandatoryRejectsUnknownCa) {
    auto context = mandatory_context(pem(pki().root_a));
    ASSERT_NE(context, nullptr);

    const HandshakeResult result = run_handshake(*context, client_with(pki().client_b));

    EXPECT_FALSE(result.server_succeeded);
    EXPECT_EQ(failure_code(result), "unknown_ca");
    EXPECT_EQ(result.record.error, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    EXPECT_EQ(result.record.depth, 0);
    EXPECT_EQ(result.record.subject, "CN=client b,O=ELB");
    EXPECT_EQ(result.record.issuer, "CN=Root B,O=ELB");
}

TEST(Handshake, RejectsSelfSignedClient) {
    auto context = mandatory_context(pem(pki().root_a));
    ASSERT_NE(context, nullptr);
    const Issued self_signed = test::issue({.common_name = "self", .extended_key_usage = "clientAuth"});

    const HandshakeResult result = run_handshake(*context, client_with(self_signed));

    EXPECT_EQ(failure_code(result), "unknown_ca");
    EXPECT_EQ(result.record.error, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
}

TEST(Handshake, RejectsExpiredClient) {
    auto context = mandatory_context(pem(pki().root_a));
    ASSERT_NE(context, nullptr);
    const Issued expired = test::issue({.common_name = "expired",
                                        .valid_from = -48h,
                                        .valid_until = -24h,
                                        .extended_key_usage = "clientAuth"},
                                       &pki().root_a);

    const HandshakeResult result = run_handshake(*context, client_with(expired));

    EXPECT_FALSE(result.server_succeeded);
    EXPECT_EQ(failure_code(result), "cert_expired");
    EXPECT_EQ(result.record.subject, "CN=expired,O=ELB");
}

TEST(Handshake, RejectsNotYetValidClient) {
    auto context = mandatory_context(pem(pki().root_a));
    ASSERT_NE(context, nullptr);
    const Issued future = test::issue(
        {.common_name = "future", .valid_from = 24h, .valid_until = 48h, .extended_key_usage = "clientAuth"},
        &pki().root_a);

    const HandshakeResult result = run_handshake(*context, client_with(future));

    EXPECT_FALSE(result.server_succeeded);
    EXPECT_EQ(failure_code(result), "cert_not_yet_valid");
}

// OpenSSL's verify depth counts the intermediates between the client certificate and the
// trust anchor, so depth 1 accepts one intermediate and rejects two.
TEST(Handshake, RejectsChainOverVerifyDepth) {
    auto context = mandatory_context(pem(pki().root_a), 1);
    ASSERT_NE(context, nullptr);
    const Issued second_intermediate =
        test::issue({.common_name = "Intermediate A2", .ca = true}, &pki().intermediate_a);
    const Issued deep_client =
        test::issue({.common_name = "deep client", .extended_key_usage = "clientAuth"}, &second_intermediate);
    ClientSettings client = client_with(deep_client);
    client.chain = {second_intermediate.certificate.get(), pki().intermediate_a.certificate.get()};

    const HandshakeResult result = run_handshake(*context, client);

    EXPECT_FALSE(result.server_succeeded);
    EXPECT_EQ(failure_code(result), "chain_too_long");
}

TEST(Handshake, DepthZeroRejectsIntermediate) {
    auto context = mandatory_context(pem(pki().root_a), 0);
    ASSERT_NE(context, nullptr);
    ClientSettings client = client_with(pki().client_via_intermediate);
    client.chain = {pki().intermediate_a.certificate.get()};

    const HandshakeResult result = run_handshake(*context, client);

    EXPECT_FALSE(result.server_succeeded);
    EXPECT_EQ(failure_code(result), "chain_too_long");
}

TEST(Handshake, AcceptsChainWithinVerifyDepth) {
    auto context = mandatory_context(pem(pki().root_a), 1);
    ASSERT_NE(context, nullptr);
    ClientSettings client = client_with(pki().client_via_intermediate);
    client.chain = {pki().intermediate_a.certificate.get()};

    const HandshakeResult result = run_handshake(*context, client);

    EXPECT_TRUE(result.server_succeeded) << failure_code(result);
    EXPECT_EQ(result.record.subject, "CN=client via intermediate,O=ELB");
}

TEST(Handshake, BundleIntermediateIsTrustAnchor) {
    auto context = mandatory_context(pem(pki().intermediate_a));
    ASSERT_NE(context, nullptr);

    const HandshakeResult result = run_handshake(*context, client_with(pki().client_via_intermediate));

    EXPECT_TRUE(result.server_succeeded) << failure_code(result);
}

TEST(Handshake, RejectsServerAuthOnlyClient) {
    auto context = mandatory_context(pem(pki().root_a));
    ASSERT_NE(context, nullptr);
    const Issued server_only =
        test::issue({.common_name = "server only", .extended_key_usage = "serverAuth"}, &pki().root_a);

    const HandshakeResult result = run_handshake(*context, client_with(server_only));

    EXPECT_FALSE(result.server_succeeded);
    EXPECT_EQ(failure_code(result), "bad_purpose");
}

TEST(Handshake, AcceptsClientWithoutEku) {
    auto context = mandatory_context(pem(pki().root_a));
    ASSERT_NE(context, nullptr);
    const Issued plain = test::issue({.common_name = "no eku"}, &pki().root_a);

    const HandshakeResult result = run_handshake(*context, client_with(plain));

    EXPECT_TRUE(result.server_succeeded) << failure_code(result);
}

TEST(Handshake, RejectsCaFalseIssuer) {
    const Issued not_ca = test::issue({.common_name = "not a CA", .basic_constraints = "critical,CA:FALSE"});
    const Issued client = test::issue({.common_name = "client", .extended_key_usage = "clientAuth"}, &not_ca);
    auto context = mandatory_context(pem(not_ca));
    ASSERT_NE(context, nullptr);

    const HandshakeResult result = run_handshake(*context, client_with(client));

    EXPECT_FALSE(result.server_succeeded);
    EXPECT_EQ(result.record.error, X509_V_ERR_INVALID_CA);
    EXPECT_EQ(failure_code(result), "other");
}

TEST(Handshake, LevelOneRejectsSha1Client) {
    auto context = mandatory_context(pem(pki().root_a));
    ASSERT_NE(context, nullptr);
    const Issued sha1 =
        test::issue({.common_name = "sha1", .digest = test::Digest::Sha1, .extended_key_usage = "clientAuth"},
                    &pki().root_a);

    const HandshakeResult result = run_handshake(*context, client_with(sha1));

    EXPECT_FALSE(result.server_succeeded);
    EXPECT_EQ(failure_code(result), "weak_signature");
    EXPECT_EQ(result.record.error, X509_V_ERR_CA_MD_TOO_WEAK);
}

TEST(Handshake, GuideSha1ChainCompletes) {
    const auto sha1 = test::Digest::Sha1;
    const auto rsa = test::KeyKind::Rsa2048;
    const Issued ca = test::issue({.digest = sha1, .version = 1, .key_kind = rsa});
    const Issued server =
        test::issue({.common_name = "www.test.com", .digest = sha1, .version = 1, .key_kind = rsa}, &ca);
    const Issued client =
        test::issue({.common_name = "client", .digest = sha1, .version = 1, .key_kind = rsa}, &ca);
    ServerTlsSettings settings = listener_settings(ClientAuth::Mandatory, pem(ca));
    settings.certificate_pem = pem(server);
    settings.private_key_pem = test::traditional_pem(server.key.get());
    auto context = build(settings);
    ASSERT_NE(context, nullptr);

    const HandshakeResult result = run_handshake(*context, client_with(client));

    EXPECT_TRUE(result.server_succeeded) << failure_code(result);
    ASSERT_TRUE(result.peer.has_value());
    EXPECT_EQ(result.peer->subject, "CN=client,O=ELB");
    EXPECT_EQ(result.peer->issuer, "O=ELB");
}

TEST(Handshake, OldProtocolIsMismatch) {
    auto context = mandatory_context(pem(pki().root_a));
    ASSERT_NE(context, nullptr);

    const HandshakeResult result =
        run_handshake(*context, ClientSettings{.min_version = TLS1_VERSION, .max_version = TLS1_1_VERSION});

    EXPECT_FALSE(result.server_succeeded);
    EXPECT_EQ(failure_code(result), "protocol_mismatch");
}

TEST(Handshake, ReportsCipherMismatch) {
    auto context = mandatory_context(pem(pki().root_a));
    ASSERT_NE(context, nullptr);

    const HandshakeResult result =
        run_handshake(*context, ClientSettings{.max_version = TLS1_2_VERSION, .cipher_list = "AES128-SHA"});

    EXPECT_FALSE(result.server_succeeded);
    EXPECT_EQ(failure_code(result), "cipher_mismatch");
}

TEST(Handshake, PlainHttpIsMismatch) {
    auto context = mandatory_context(pem(pki().root_a));
    ASSERT_NE(context, nullptr);
    test::Connection connection = test::connect_in_memory(*context, ClientSettings{});
    VerifyRecord record;
    attach_verify_record(connection.server.get(), &record);
    const std::string request = "GET / HTTP/1.1\r\nHost: www.test.com\r\n\r\n";
    ASSERT_EQ(BIO_write(connection.client_bio, request.data(), static_cast<int>(request.size())),
              static_cast<int>(request.size()));

    ASSERT_EQ(test::step(connection.server.get()), test::Progress::Failed);
    const HandshakeFailure failure = classify_handshake_failure(connection.server.get(), record);

    EXPECT_EQ(code(failure), "protocol_mismatch");
    EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(Handshake, EarlyCloseIsClientClosed) {
    auto context = mandatory_context(pem(pki().root_a));
    ASSERT_NE(context, nullptr);
    test::Connection connection = test::connect_in_memory(*context, ClientSettings{});
    VerifyRecord record;
    attach_verify_record(connection.server.get(), &record);
    ASSERT_EQ(test::step(connection.client.get()), test::Progress::Running);
    ASSERT_EQ(BIO_shutdown_wr(connection.client_bio), 1);

    test::Progress server = test::Progress::Running;
    for (int round = 0; round < 10 && server == test::Progress::Running; ++round) {
        server = test::step(connection.server.get());
    }
    ASSERT_EQ(server, test::Progress::Failed);
    const HandshakeFailure failure = classify_handshake_failure(connection.server.get(), record);

    EXPECT_EQ(code(failure), "client_closed");
}

TEST(Handshake, VerifyResultWithoutRecord) {
    auto context = mandatory_context(pem(pki().root_a));
    ASSERT_NE(context, nullptr);
    test::Connection connection = test::connect_in_memory(*context, client_with(pki().client_b));

    test::Progress client = test::Progress::Running;
    test::Progress server = test::Progress::Running;
    std::optional<HandshakeFailure> failure;
    for (int round = 0; round < 20 && server == test::Progress::Running; ++round) {
        if (client == test::Progress::Running) {
            client = test::step(connection.client.get());
        }
        server = test::step(connection.server.get());
        if (server == test::Progress::Failed) {
            failure = classify_handshake_failure(connection.server.get(), VerifyRecord{});
        }
    }

    ASSERT_TRUE(failure.has_value());
    EXPECT_EQ(code(*failure), "unknown_ca");
}

// OpenSSL 3 rates the MD5+SHA-1 signatures of TLS 1.0 and 1.1 below security level 1.
TEST(Handshake, LevelOneRejectsTls10) {
    ServerTlsSettings settings = listener_settings(ClientAuth::None, "");
    settings.policy_name = "tls-1-0";
    auto context = build(settings);
    ASSERT_NE(context, nullptr);
    ASSERT_EQ(context->security_level, 1);

    const HandshakeResult result =
        run_handshake(*context, ClientSettings{.min_version = TLS1_VERSION, .max_version = TLS1_VERSION});

    EXPECT_FALSE(result.server_succeeded);
    EXPECT_EQ(failure_code(result), "protocol_mismatch");
}

TEST(Handshake, LevelZeroAllowsTls10) {
    const Issued sha1_server = test::issue(
        {.common_name = "www.test.com", .digest = test::Digest::Sha1, .alt_names = {"DNS:www.test.com"}},
        &pki().root_a);
    ServerTlsSettings settings = listener_settings(ClientAuth::None, "");
    settings.policy_name = "tls-1-0";
    settings.certificate_pem = pem(sha1_server);
    settings.private_key_pem = test::pkcs8_pem(sha1_server.key.get());
    auto context = build(settings);
    ASSERT_NE(context, nullptr);
    ASSERT_EQ(context->security_level, 0);

    const HandshakeResult result =
        run_handshake(*context, ClientSettings{.min_version = TLS1_VERSION, .max_version = TLS1_VERSION});

    EXPECT_TRUE(result.server_succeeded) << failure_code(result);
}

TEST(HandshakeFailureCodes, CodesAreStable) {
    const std::vector<std::pair<HandshakeFailure, std::string_view>> expected = {
        {HandshakeFailure::NoCertificate, "no_certificate"},
        {HandshakeFailure::UnknownCa, "unknown_ca"},
        {HandshakeFailure::Expired, "cert_expired"},
        {HandshakeFailure::NotYetValid, "cert_not_yet_valid"},
        {HandshakeFailure::BadSignature, "bad_signature"},
        {HandshakeFailure::WeakSignature, "weak_signature"},
        {HandshakeFailure::ChainTooLong, "chain_too_long"},
        {HandshakeFailure::BadPurpose, "bad_purpose"},
        {HandshakeFailure::Revoked, "revoked"},
        {HandshakeFailure::ProtocolMismatch, "protocol_mismatch"},
        {HandshakeFailure::CipherMismatch, "cipher_mismatch"},
        {HandshakeFailure::ClientClosed, "client_closed"},
        {HandshakeFailure::Timeout, "timeout"},
        {HandshakeFailure::Other, "other"},
    };
    for (const auto& [failure, expected_code] : expected) {
        EXPECT_EQ(code(failure), expected_code);
        EXPECT_FALSE(describe(failure).empty()) << expected_code;
        EXPECT_FALSE(describe(failure).ends_with(".")) << describe(failure);
    }
    EXPECT_EQ(describe(HandshakeFailure::Expired),
              "the client certificate or a CA certificate of its chain has expired");
}

TEST(HandshakeFailureCodes, MapsVerifyErrors) {
    const std::vector<std::pair<int, HandshakeFailure>> expected = {
        {X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, HandshakeFailure::UnknownCa},
        {X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, HandshakeFailure::UnknownCa},
        {X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, HandshakeFailure::UnknownCa},
        {X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, HandshakeFailure::UnknownCa},
        {X509_V_ERR_CERT_HAS_EXPIRED, HandshakeFailure::Expired},
        {X509_V_ERR_CERT_NOT_YET_VALID, HandshakeFailure::NotYetValid},
        {X509_V_ERR_CERT_SIGNATURE_FAILURE, HandshakeFailure::BadSignature},
        {X509_V_ERR_CA_MD_TOO_WEAK, HandshakeFailure::WeakSignature},
        {X509_V_ERR_EE_KEY_TOO_SMALL, HandshakeFailure::WeakSignature},
        {X509_V_ERR_CA_KEY_TOO_SMALL, HandshakeFailure::WeakSignature},
        {X509_V_ERR_CERT_CHAIN_TOO_LONG, HandshakeFailure::ChainTooLong},
        {X509_V_ERR_INVALID_PURPOSE, HandshakeFailure::BadPurpose},
        {X509_V_ERR_CERT_REVOKED, HandshakeFailure::Revoked},
        {X509_V_ERR_INVALID_CA, HandshakeFailure::Other},
    };
    for (const auto& [verify_error, failure] : expected) {
        EXPECT_EQ(failure_from_verify_error(verify_error), failure)
            << X509_verify_cert_error_string(verify_error);
    }
}

}  // namespace
}  // namespace tollgate::tls
