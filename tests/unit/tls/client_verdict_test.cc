#include "tls/client_verdict.h"

#include "tls/handshake_harness.h"
#include "tls/test_fixtures.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509_vfy.h>

#include <chrono>
#include <string>
#include <vector>

namespace tollgate::tls {
namespace {

using namespace std::chrono_literals;
using test::ClientSettings;
using test::Issued;
using test::listener_settings;
using test::pem;
using test::pki;
using ::testing::HasSubstr;

// Certificates of the cases below, on top of the shared PKI of test_fixtures.h.
struct Extra {
    Issued expired;
    Issued not_yet_valid;
    Issued sha1_client;       // signed with SHA-1 by Root A, whose own signature is SHA-256
    Issued server_auth_only;  // extendedKeyUsage serverAuth
    Issued sha1_server;       // a listener certificate signed with SHA-1, which lowers the level to 0
    Issued intermediate_a2;   // issued by Intermediate A
    Issued deep_client;       // issued by Intermediate A2, two intermediates below Root A
};

const Extra& extra() {
    static const Extra shared = [] {
        const Issued& root_a = pki().root_a;
        Extra extra;
        extra.expired = test::issue({.common_name = "expired client",
                                     .valid_from = -48h,
                                     .valid_until = -24h,
                                     .extended_key_usage = "clientAuth"},
                                    &root_a);
        extra.not_yet_valid = test::issue({.common_name = "future client",
                                           .valid_from = 24h,
                                           .valid_until = 48h,
                                           .extended_key_usage = "clientAuth"},
                                          &root_a);
        extra.sha1_client = test::issue(
            {.common_name = "sha1 client", .digest = test::Digest::Sha1, .extended_key_usage = "clientAuth"},
            &root_a);
        extra.server_auth_only =
            test::issue({.common_name = "server only", .extended_key_usage = "serverAuth"}, &root_a);
        extra.sha1_server = test::issue({.common_name = "www.test.com",
                                         .digest = test::Digest::Sha1,
                                         .alt_names = {"DNS:www.test.com"},
                                         .extended_key_usage = "serverAuth"},
                                        &root_a);
        extra.intermediate_a2 =
            test::issue({.common_name = "Intermediate A2", .ca = true}, &pki().intermediate_a);
        extra.deep_client = test::issue({.common_name = "deep client", .extended_key_usage = "clientAuth"},
                                        &extra.intermediate_a2);
        return extra;
    }();
    return shared;
}

// A listener and a client: what one verdict and one handshake are about.
struct Scenario {
    ServerTlsSettings listener;
    const Issued* client = nullptr;
    std::vector<const Issued*> chain{};  // intermediates the client sends
};

Scenario scenario(const std::string& ca_pem, const Issued& client, std::vector<const Issued*> chain = {}) {
    return Scenario{listener_settings(ClientAuth::Mandatory, ca_pem), &client, std::move(chain)};
}

// The client certificate followed by its intermediates, as the API request carries them.
std::string client_text(const Scenario& scenario) {
    std::string text = pem(*scenario.client);
    for (const Issued* intermediate : scenario.chain) {
        text += pem(*intermediate);
    }
    return text;
}

ClientVerdict verdict_of(const Scenario& scenario) {
    auto trust = listener_client_trust(scenario.listener);
    if (!trust) {
        ADD_FAILURE() << trust.error().message;
        return {};
    }
    auto verdict = verify_client_certificate(*trust, client_text(scenario), std::chrono::system_clock::now());
    if (!verdict) {
        ADD_FAILURE() << verdict.error().message;
        return {};
    }
    return *verdict;
}

std::string reason_of(const ClientVerdict& verdict) {
    return verdict.failure ? std::string(code(*verdict.failure)) : "accepted";
}

// Runs a real handshake of the scenario's client against the listener's SSL_CTX and returns
// the handshake log's reason, or "accepted".
std::string handshake_reason(const Scenario& scenario) {
    auto context = build_server_context(scenario.listener);
    if (!context) {
        ADD_FAILURE() << context.error().message;
        return "no context";
    }
    ClientSettings client{.certificate = scenario.client->certificate.get(),
                          .key = scenario.client->key.get()};
    for (const Issued* intermediate : scenario.chain) {
        client.chain.push_back(intermediate->certificate.get());
    }
    const test::HandshakeResult result = test::run_handshake(**context, client);
    if (result.server_succeeded) {
        return "accepted";
    }
    return result.failure ? std::string(code(*result.failure)) : "failed without a reason";
}

std::string not_after(const Issued& issued) {
    return format_asn1_time(X509_get0_notAfter(issued.certificate.get()));
}

std::string not_before(const Issued& issued) {
    return format_asn1_time(X509_get0_notBefore(issued.certificate.get()));
}

TEST(ClientVerdict, AcceptsValidClient) {
    const ClientVerdict verdict = verdict_of(scenario(pem(pki().root_a), pki().client));

    EXPECT_TRUE(verdict.accepted) << verdict.message;
    EXPECT_FALSE(verdict.failure.has_value());
    EXPECT_EQ(verdict.verify_error, X509_V_OK);
    EXPECT_EQ(verdict.security_level, 1);
    EXPECT_EQ(
        verdict.message,
        "The client certificate \"CN=client,O=ELB\" is accepted: it chains to \"CN=Root A,O=ELB\" of the "
        "listener's CA bundle (certificate ca-1), at security level 1 and client_verify_depth 4. It is "
        "valid until " +
            not_after(pki().client) + ".");
    ASSERT_EQ(verdict.chain.size(), 2u);
    EXPECT_EQ(verdict.chain[0].facts.subject, "CN=client,O=ELB");
    EXPECT_EQ(verdict.chain[0].source, CertificateSource::Client);
    EXPECT_EQ(verdict.chain[1].facts.subject, "CN=Root A,O=ELB");
    EXPECT_EQ(verdict.chain[1].source, CertificateSource::Bundle);
}

TEST(ClientVerdict, RejectsOtherCa) {
    const ClientVerdict verdict = verdict_of(scenario(pem(pki().root_a), pki().client_b));

    EXPECT_FALSE(verdict.accepted);
    EXPECT_EQ(reason_of(verdict), "unknown_ca");
    EXPECT_EQ(verdict.verify_error, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    EXPECT_EQ(verdict.error_depth, 0);
    EXPECT_EQ(
        verdict.message,
        "The client certificate's issuer \"CN=Root B,O=ELB\" is not in the listener's CA bundle (certificate "
        "ca-1), and the client sent no intermediate CA certificate. Upload the issuing CA, or its chain, "
        "to client_ca_tls_container_ref. If \"CN=Root B,O=ELB\" is an intermediate CA under a CA of the "
        "bundle, it is a missing intermediate: the client must send it after its certificate (curl --cert "
        "with a file that holds both), or the bundle must contain it. The bundle contains "
        "\"CN=Root A,O=ELB\".");
    ASSERT_EQ(verdict.chain.size(), 1u);
    EXPECT_EQ(verdict.chain[0].facts.subject, "CN=client b,O=ELB");
}

TEST(ClientVerdict, RejectsExpiredClient) {
    const ClientVerdict verdict = verdict_of(scenario(pem(pki().root_a), extra().expired));

    EXPECT_EQ(reason_of(verdict), "cert_expired");
    EXPECT_EQ(verdict.message,
              "The client certificate \"CN=expired client,O=ELB\" expired on " + not_after(extra().expired) +
                  ", so the handshake fails. Issue a new client certificate and install it on the client.");
}

TEST(ClientVerdict, RejectsNotYetValidClient) {
    const ClientVerdict verdict = verdict_of(scenario(pem(pki().root_a), extra().not_yet_valid));

    EXPECT_EQ(reason_of(verdict), "cert_not_yet_valid");
    EXPECT_EQ(verdict.message, "The client certificate \"CN=future client,O=ELB\" is not valid before " +
                                   not_before(extra().not_yet_valid) +
                                   ", so the handshake fails until then. Check the clock of the machine that "
                                   "issued it, or wait until then.");
}

TEST(ClientVerdict, LevelOneRejectsSha1Client) {
    const ClientVerdict verdict = verdict_of(scenario(pem(pki().root_a), extra().sha1_client));

    EXPECT_EQ(verdict.security_level, 1);
    EXPECT_EQ(reason_of(verdict), "weak_signature");
    EXPECT_EQ(verdict.verify_error, X509_V_ERR_CA_MD_TOO_WEAK);
    EXPECT_EQ(
        verdict.message,
        "The client certificate \"CN=sha1 client,O=ELB\" is signed with SHA-1 (ecdsa-with-SHA1), which this "
        "listener's security level 1 rejects. Reissue it with -sha256 in place of -sha1 (openssl x509 -req "
        "-sha256). tollgate lowers a listener to security level 0 only when its own server certificate or "
        "CA bundle has an MD5 or SHA-1 signature.");
}

TEST(ClientVerdict, LevelZeroAcceptsSha1Client) {
    Scenario sha1 = scenario(pem(pki().root_a), extra().sha1_client);
    sha1.listener.certificate_pem = pem(extra().sha1_server);
    sha1.listener.private_key_pem = test::pkcs8_pem(extra().sha1_server.key.get());

    const ClientVerdict verdict = verdict_of(sha1);

    EXPECT_EQ(verdict.security_level, 0);
    EXPECT_TRUE(verdict.accepted) << verdict.message;
    EXPECT_THAT(verdict.message,
                HasSubstr("The chain has an MD5 or SHA-1 signature, which only security level 0 accepts."));
}

TEST(ClientVerdict, RejectsClientWithoutClientAuth) {
    const ClientVerdict verdict = verdict_of(scenario(pem(pki().root_a), extra().server_auth_only));

    EXPECT_EQ(reason_of(verdict), "bad_purpose");
    EXPECT_EQ(verdict.message,
              "The client certificate \"CN=server only,O=ELB\" has extendedKeyUsage serverAuth, which lacks "
              "clientAuth, so it may not be used for client authentication. Reissue it with "
              "extendedKeyUsage=clientAuth.");
}

TEST(ClientVerdict, RejectsMissingIntermediate) {
    const ClientVerdict verdict = verdict_of(scenario(pem(pki().root_a), pki().client_via_intermediate));

    EXPECT_EQ(reason_of(verdict), "unknown_ca");
    EXPECT_THAT(
        verdict.message,
        HasSubstr("The client certificate's issuer \"CN=Intermediate A,O=ELB\" is not in the listener's CA "
                  "bundle (certificate ca-1), and the client sent no intermediate CA certificate."));
    EXPECT_THAT(verdict.message, HasSubstr("it is a missing intermediate: the client must send it after its "
                                           "certificate"));
}

TEST(ClientVerdict, AcceptsIntermediateSentByClient) {
    const ClientVerdict verdict =
        verdict_of(scenario(pem(pki().root_a), pki().client_via_intermediate, {&pki().intermediate_a}));

    EXPECT_TRUE(verdict.accepted) << verdict.message;
    EXPECT_THAT(verdict.message, HasSubstr("it chains to \"CN=Root A,O=ELB\" of the listener's CA bundle "
                                           "(certificate ca-1) through one intermediate CA certificate"));
    ASSERT_EQ(verdict.chain.size(), 3u);
    EXPECT_EQ(verdict.chain[1].facts.subject, "CN=Intermediate A,O=ELB");
    EXPECT_EQ(verdict.chain[1].source, CertificateSource::Client);
    EXPECT_EQ(verdict.chain[2].source, CertificateSource::Bundle);
}

TEST(ClientVerdict, AcceptsIntermediateInBundle) {
    const ClientVerdict verdict =
        verdict_of(scenario(pem(pki().intermediate_a), pki().client_via_intermediate));

    EXPECT_TRUE(verdict.accepted) << verdict.message;
    ASSERT_EQ(verdict.chain.size(), 2u);
    EXPECT_EQ(verdict.chain[1].facts.subject, "CN=Intermediate A,O=ELB");
}

TEST(ClientVerdict, RejectsChainTooLong) {
    Scenario deep =
        scenario(pem(pki().root_a), extra().deep_client, {&extra().intermediate_a2, &pki().intermediate_a});
    deep.listener.verify_depth = 1;

    const ClientVerdict verdict = verdict_of(deep);

    EXPECT_EQ(reason_of(verdict), "chain_too_long");
    EXPECT_EQ(
        verdict.message,
        "The chain from the client certificate \"CN=deep client,O=ELB\" to \"CN=Root A,O=ELB\" of the "
        "listener's CA bundle (certificate ca-1) has 2 intermediate CA certificates, more than the "
        "listener's client_verify_depth 1 allows. Set client_verify_depth to 2 or more, or upload the "
        "intermediate CA certificate \"CN=Intermediate A2,O=ELB\" to client_ca_tls_container_ref, which "
        "makes it a trust anchor.");
}

TEST(ClientVerdict, RejectsSelfSignedClient) {
    const Issued self_signed = test::issue({.common_name = "self", .extended_key_usage = "clientAuth"});

    const ClientVerdict verdict = verdict_of(scenario(pem(pki().root_a), self_signed));

    EXPECT_EQ(reason_of(verdict), "unknown_ca");
    EXPECT_EQ(
        verdict.message,
        "The client certificate \"CN=self,O=ELB\" is self-signed and is not in the listener's CA bundle "
        "(certificate ca-1). Use a certificate issued by a CA of the bundle, or upload this certificate to "
        "client_ca_tls_container_ref to trust it on its own.");
}

TEST(ClientVerdict, RejectsCaFalseIssuerAsOther) {
    const Issued not_ca = test::issue({.common_name = "not a CA", .basic_constraints = "critical,CA:FALSE"});
    const Issued client = test::issue({.common_name = "client", .extended_key_usage = "clientAuth"}, &not_ca);

    const ClientVerdict verdict = verdict_of(scenario(pem(not_ca), client));

    EXPECT_EQ(reason_of(verdict), "other");
    EXPECT_EQ(verdict.verify_error, X509_V_ERR_INVALID_CA);
    EXPECT_EQ(verdict.message,
              "The CA certificate \"CN=not a CA,O=ELB\" of the bundle is used as a CA of the chain, but its "
              "basicConstraints are CA:FALSE, so OpenSSL does not accept it as an issuer. Reissue it with "
              "basicConstraints=critical,CA:TRUE and keyUsage=critical,keyCertSign,cRLSign.");
}

TEST(ClientVerdict, RejectsCaWithoutClientAuth) {
    const Issued server_ca = test::issue(
        {.common_name = "server-only CA", .ca = true, .extended_key_usage = "serverAuth"}, &pki().root_a);
    const Issued client =
        test::issue({.common_name = "client", .extended_key_usage = "clientAuth"}, &server_ca);

    const ClientVerdict verdict = verdict_of(scenario(pem(pki().root_a), client, {&server_ca}));

    EXPECT_EQ(reason_of(verdict), "bad_purpose");
    EXPECT_EQ(verdict.error_depth, 1);
    EXPECT_EQ(verdict.message,
              "The intermediate CA certificate \"CN=server-only CA,O=ELB\" that the client sent has "
              "extendedKeyUsage serverAuth without clientAuth, so OpenSSL does not accept the client "
              "certificates it issues. Reissue it without extendedKeyUsage, or with clientAuth in it.");
    EXPECT_EQ(handshake_reason(scenario(pem(pki().root_a), client, {&server_ca})), "bad_purpose");
}

// The verdict of each case must be the reason that a real handshake against the listener's
// SSL_CTX logs.
TEST(ClientVerdict, MatchesRealHandshake) {
    Scenario sha1_listener = scenario(pem(pki().root_a), extra().sha1_client);
    sha1_listener.listener.certificate_pem = pem(extra().sha1_server);
    sha1_listener.listener.private_key_pem = test::pkcs8_pem(extra().sha1_server.key.get());
    Scenario deep =
        scenario(pem(pki().root_a), extra().deep_client, {&extra().intermediate_a2, &pki().intermediate_a});
    deep.listener.verify_depth = 1;
    const Issued not_ca = test::issue({.common_name = "not a CA", .basic_constraints = "critical,CA:FALSE"});
    const Issued under_not_ca =
        test::issue({.common_name = "under not a CA", .extended_key_usage = "clientAuth"}, &not_ca);

    const std::vector<std::pair<std::string, Scenario>> cases = {
        {"valid", scenario(pem(pki().root_a), pki().client)},
        {"other CA", scenario(pem(pki().root_a), pki().client_b)},
        {"expired", scenario(pem(pki().root_a), extra().expired)},
        {"not yet valid", scenario(pem(pki().root_a), extra().not_yet_valid)},
        {"SHA-1 at level 1", scenario(pem(pki().root_a), extra().sha1_client)},
        {"SHA-1 at level 0", sha1_listener},
        {"serverAuth only", scenario(pem(pki().root_a), extra().server_auth_only)},
        {"missing intermediate", scenario(pem(pki().root_a), pki().client_via_intermediate)},
        {"intermediate sent",
         scenario(pem(pki().root_a), pki().client_via_intermediate, {&pki().intermediate_a})},
        {"intermediate in bundle", scenario(pem(pki().intermediate_a), pki().client_via_intermediate)},
        {"chain too long", deep},
        {"CA:FALSE issuer", scenario(pem(not_ca), under_not_ca)},
    };
    const std::vector<std::string> expected = {
        "accepted",    "unknown_ca", "cert_expired", "cert_not_yet_valid", "weak_signature", "accepted",
        "bad_purpose", "unknown_ca", "accepted",     "accepted",           "chain_too_long", "other",
    };
    ASSERT_EQ(cases.size(), expected.size());
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const auto& [name, current] = cases[i];
        const std::string verdict = reason_of(verdict_of(current));
        EXPECT_EQ(verdict, expected[i]) << name;
        EXPECT_EQ(handshake_reason(current), verdict) << name;
    }
}

TEST(ClientVerdict, RejectsPrivateKeyInText) {
    auto trust = listener_client_trust(listener_settings(ClientAuth::Mandatory, pem(pki().root_a)));
    ASSERT_TRUE(trust) << trust.error().message;
    const std::string text = pem(pki().client) + test::pkcs8_pem(pki().client.key.get());

    auto verdict = verify_client_certificate(*trust, text, std::chrono::system_clock::now());

    ASSERT_FALSE(verdict);
    EXPECT_EQ(verdict.error().kind, core::ErrorKind::InvalidInput);
    EXPECT_EQ(
        verdict.error().message,
        "The certificate text contains a private key. Send only the client certificate and the intermediate "
        "CA certificates that the client sends, because the check needs no key and a private key should "
        "not leave the client.");
}

TEST(ClientVerdict, RejectsTextWithoutCertificate) {
    auto trust = listener_client_trust(listener_settings(ClientAuth::Mandatory, pem(pki().root_a)));
    ASSERT_TRUE(trust) << trust.error().message;

    auto verdict = verify_client_certificate(*trust, "hello", std::chrono::system_clock::now());

    ASSERT_FALSE(verdict);
    EXPECT_EQ(verdict.error().message,
              "The client certificate is invalid: no certificate found: expected a PEM block starting with "
              "-----BEGIN CERTIFICATE-----. Send the client certificate in PEM form, optionally followed "
              "by intermediate CA certificates.");
}

TEST(ClientVerdict, ListenerWithoutClientAuthHasNoTrust) {
    auto trust = listener_client_trust(listener_settings(ClientAuth::None, ""));

    ASSERT_FALSE(trust);
    EXPECT_EQ(
        trust.error().message,
        "listener listener-1: client authentication is none, so the listener asks for no client certificate. "
        "Set client_authentication to mandatory or optional and a client CA certificate in "
        "client_ca_tls_container_ref.");
}

TEST(CertificateReport, ListsUsages) {
    const CertificateReport report = report_certificate(extra().server_auth_only.certificate.get());

    EXPECT_EQ(report.key_usages, (std::vector<std::string>{"digitalSignature", "keyEncipherment"}));
    EXPECT_EQ(report.extended_key_usages, (std::vector<std::string>{"serverAuth"}));
    EXPECT_EQ(report.not_after, not_after(extra().server_auth_only));
    EXPECT_EQ(report.facts.subject, "CN=server only,O=ELB");
}

TEST(CertificateReport, CaUsages) {
    const CertificateReport report = report_certificate(pki().root_a.certificate.get());

    EXPECT_EQ(report.key_usages, (std::vector<std::string>{"keyCertSign", "cRLSign"}));
    EXPECT_TRUE(report.extended_key_usages.empty());
    EXPECT_TRUE(report.facts.basic_constraints_ca);
}

TEST(ClientCertificateWarnings, ValidClientHasNone) {
    const CertificateReport report = report_certificate(pki().client.certificate.get());

    EXPECT_TRUE(client_certificate_warnings(report, std::chrono::system_clock::now()).empty());
}

TEST(ClientCertificateWarnings, NamesSha1AndServerAuth) {
    const auto now = std::chrono::system_clock::now();
    const Issued both =
        test::issue({.common_name = "both", .digest = test::Digest::Sha1, .extended_key_usage = "serverAuth"},
                    &pki().root_a);

    const std::vector<std::string> warnings =
        client_certificate_warnings(report_certificate(both.certificate.get()), now);

    ASSERT_EQ(warnings.size(), 2u);
    EXPECT_EQ(
        warnings[0],
        "The certificate is signed with SHA-1 (ecdsa-with-SHA1). Listeners at security level 1, which is "
        "every listener whose own certificates use SHA-256, reject it, and so do other servers that use "
        "OpenSSL 3. Reissue it with -sha256 in place of -sha1.");
    EXPECT_EQ(
        warnings[1],
        "The certificate has extendedKeyUsage serverAuth, which lacks clientAuth, so listeners reject it as "
        "a client certificate. Reissue it with extendedKeyUsage=clientAuth.");
}

TEST(ClientCertificateWarnings, NamesExpiry) {
    const auto now = std::chrono::system_clock::now();

    const std::vector<std::string> warnings =
        client_certificate_warnings(report_certificate(extra().expired.certificate.get()), now);

    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_EQ(warnings[0], "The certificate expired on " + not_after(extra().expired) +
                               ", so listeners reject it. Issue a new one.");
}

}  // namespace
}  // namespace tollgate::tls
