#include "tls/certificate_info.h"

#include "tls/test_pki.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <string>

namespace tollgate::tls {
namespace {

using namespace std::chrono_literals;
using test::CertificateSpec;
using test::Digest;
using test::Issued;
using test::KeyKind;

const Issued& ca() {
    static const Issued issued = test::issue({.common_name = "Test CA", .ca = true});
    return issued;
}

bool contains(const std::vector<std::string>& sentences, std::string_view part) {
    return std::any_of(sentences.begin(), sentences.end(),
                       [&](const std::string& sentence) { return sentence.find(part) != std::string::npos; });
}

std::string independent_fingerprint(X509* certificate) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    EXPECT_EQ(X509_digest(certificate, EVP_sha256(), digest.data(), &size), 1);
    std::string hex;
    for (unsigned int i = 0; i < size; ++i) {
        static constexpr char kDigits[] = "0123456789abcdef";
        hex += kDigits[digest[i] >> 4];
        hex += kDigits[digest[i] & 0x0f];
    }
    return hex;
}

TEST(CertificateFacts, SubjectIsRfc4514String) {
    const Issued leaf = test::issue({.common_name = "www.test.com"}, &ca());

    const CertificateFacts facts = inspect_certificate(leaf.certificate.get());

    EXPECT_EQ(facts.subject, "CN=www.test.com,O=ELB");
    EXPECT_EQ(facts.issuer, "CN=Test CA,O=ELB");
}

TEST(CertificateFacts, SubjectEscapesSpecialCharacters) {
    const Issued leaf = test::issue({.common_name = "Doe, John+1", .organization = "A=B"}, &ca());

    const CertificateFacts facts = inspect_certificate(leaf.certificate.get());

    // RFC 4514 escapes ',' and '+' in values but not '='.
    EXPECT_EQ(facts.subject, "CN=Doe\\, John\\+1,O=A=B");
}

TEST(CertificateFacts, SubjectEscapesNonAscii) {
    const Issued leaf = test::issue({.common_name = "caf\xC3\xA9"}, &ca());

    const CertificateFacts facts = inspect_certificate(leaf.certificate.get());

    EXPECT_EQ(facts.subject, "CN=caf\\C3\\A9,O=ELB");
}

TEST(CertificateFacts, FingerprintMatchesX509Digest) {
    const Issued leaf = test::issue({.common_name = "www.test.com"}, &ca());

    const CertificateFacts facts = inspect_certificate(leaf.certificate.get());

    EXPECT_EQ(facts.fingerprint_sha256, independent_fingerprint(leaf.certificate.get()));
    EXPECT_EQ(facts.fingerprint_sha256.size(), 64u);
}

TEST(CertificateFacts, SerialIsTrimmedLowercaseHex) {
    const Issued leaf = test::issue({.common_name = "a", .serial = 0x0f3a}, &ca());
    const Issued large = test::issue({.common_name = "b", .serial = 0x7abcdef012345678}, &ca());

    EXPECT_EQ(inspect_certificate(leaf.certificate.get()).serial_hex, "f3a");
    EXPECT_EQ(inspect_certificate(large.certificate.get()).serial_hex, "7abcdef012345678");
}

TEST(CertificateFacts, ZeroAndNegativeSerials) {
    const Issued leaf = test::issue({.common_name = "a"}, &ca());
    ASSERT_EQ(ASN1_INTEGER_set(X509_get_serialNumber(leaf.certificate.get()), 0), 1);
    const Issued negative = test::issue({.common_name = "b", .serial = -0x0abc}, &ca());

    EXPECT_EQ(inspect_certificate(leaf.certificate.get()).serial_hex, "0");
    EXPECT_EQ(inspect_certificate(negative.certificate.get()).serial_hex, "-abc");
}

TEST(CertificateFacts, ReportsValidityAndAlgorithm) {
    const Issued leaf = test::issue({.common_name = "a", .valid_from = -2h, .valid_until = 48h}, &ca());
    const auto now = std::chrono::system_clock::now();

    const CertificateFacts facts = inspect_certificate(leaf.certificate.get());

    EXPECT_LT(std::chrono::abs(facts.not_before - (now - 2h)), 5s);
    EXPECT_LT(std::chrono::abs(facts.not_after - (now + 48h)), 5s);
    EXPECT_EQ(facts.signature_algorithm, "ecdsa-with-SHA256");
    EXPECT_FALSE(facts.sha1_or_weaker_signature);
    EXPECT_EQ(facts.version, 3);
    EXPECT_EQ(facts.key_type, "EC");
    EXPECT_EQ(facts.key_bits, 256);
}

TEST(CertificateFacts, ReportsRsaAndSha1) {
    const Issued leaf =
        test::issue({.common_name = "a", .digest = Digest::Sha1, .key_kind = KeyKind::Rsa2048});

    const CertificateFacts facts = inspect_certificate(leaf.certificate.get());

    EXPECT_EQ(facts.signature_algorithm, "sha1WithRSAEncryption");
    EXPECT_TRUE(facts.sha1_or_weaker_signature);
    EXPECT_EQ(facts.key_type, "RSA");
    EXPECT_EQ(facts.key_bits, 2048);
}

TEST(CertificateFacts, ReportsExtensions) {
    const Issued leaf = test::issue({.common_name = "a",
                                     .alt_names = {"DNS:www.test.com", "IP:127.0.0.1", "IP:::1"},
                                     .extended_key_usage = "clientAuth"},
                                    &ca());

    const CertificateFacts facts = inspect_certificate(leaf.certificate.get());

    EXPECT_EQ(facts.subject_alt_names,
              (std::vector<std::string>{"DNS:www.test.com", "IP:127.0.0.1", "IP:::1"}));
    EXPECT_FALSE(facts.basic_constraints_ca);
    EXPECT_TRUE(facts.key_usage_present);
    EXPECT_FALSE(facts.key_usage_cert_sign);
    EXPECT_TRUE(facts.extended_key_usage_present);
    EXPECT_TRUE(facts.extended_key_usage_client_auth);
    EXPECT_FALSE(facts.extended_key_usage_server_auth);
}

TEST(CertificateFacts, ReportsCaExtensions) {
    const CertificateFacts facts = inspect_certificate(ca().certificate.get());

    EXPECT_TRUE(facts.basic_constraints_present);
    EXPECT_TRUE(facts.basic_constraints_ca);
    EXPECT_TRUE(facts.key_usage_cert_sign);
    EXPECT_FALSE(facts.extended_key_usage_present);
    EXPECT_TRUE(facts.subject_alt_names.empty());
}

TEST(CertificateFacts, ReportsSelfSigned) {
    const Issued leaf = test::issue({.common_name = "a"}, &ca());
    const Issued old_root = test::issue({.version = 1});

    EXPECT_TRUE(inspect_certificate(ca().certificate.get()).self_signed);
    EXPECT_TRUE(inspect_certificate(old_root.certificate.get()).self_signed);
    EXPECT_FALSE(inspect_certificate(leaf.certificate.get()).self_signed);
}

TEST(CertificateFacts, ReportsVersionOne) {
    const Issued leaf = test::issue({.common_name = "a", .version = 1}, &ca());

    const CertificateFacts facts = inspect_certificate(leaf.certificate.get());

    EXPECT_EQ(facts.version, 1);
    EXPECT_FALSE(facts.key_usage_present);
    EXPECT_FALSE(facts.extended_key_usage_present);
}

TEST(CertificateFacts, FarNotAfterClamps) {
    const Issued leaf = test::issue({.common_name = "a"}, &ca());
    ASSERT_EQ(ASN1_TIME_set_string(X509_getm_notAfter(leaf.certificate.get()), "99991231235959Z"), 1);

    const CertificateFacts facts = inspect_certificate(leaf.certificate.get());

    EXPECT_EQ(facts.not_after, std::chrono::system_clock::time_point::max());
    EXPECT_EQ(format_asn1_time(X509_get0_notAfter(leaf.certificate.get())), "9999-12-31T23:59:59Z");
}

TEST(CertificateFormat, Rfc3339HasSecondPrecision) {
    using namespace std::chrono;
    const sys_days day = 2039y / August / 6;

    EXPECT_EQ(format_rfc3339(day + 10h + 20min + 30s + 999ms), "2039-08-06T10:20:30Z");
    EXPECT_EQ(format_rfc3339(sys_days{1970y / January / 1}), "1970-01-01T00:00:00Z");
}

TEST(CertificateWeaknesses, NoneForModernLeaf) {
    const Issued leaf =
        test::issue({.common_name = "www.test.com", .alt_names = {"DNS:www.test.com"}}, &ca());

    const auto weaknesses =
        certificate_weaknesses(inspect_certificate(leaf.certificate.get()), CertificateRole::Server);

    EXPECT_TRUE(weaknesses.empty()) << weaknesses.front();
}

TEST(CertificateWeaknesses, NoneForModernCa) {
    const auto weaknesses =
        certificate_weaknesses(inspect_certificate(ca().certificate.get()), CertificateRole::ClientCa);

    EXPECT_TRUE(weaknesses.empty()) << weaknesses.front();
}

TEST(CertificateWeaknesses, ReportsSha1Signature) {
    const Issued leaf = test::issue(
        {.common_name = "a", .digest = Digest::Sha1, .alt_names = {"DNS:a"}, .key_kind = KeyKind::Rsa2048},
        &ca());

    const auto weaknesses =
        certificate_weaknesses(inspect_certificate(leaf.certificate.get()), CertificateRole::Server);

    ASSERT_EQ(weaknesses.size(), 1u);
    EXPECT_EQ(
        weaknesses[0],
        "The certificate is signed with SHA-1 (ecdsa-with-SHA1), which OpenSSL 3 rejects at security level 1 "
        "or higher and browsers reject entirely. Reissue it with -sha256 in place of -sha1 in openssl "
        "x509 -req.");
}

TEST(CertificateWeaknesses, ReportsSha1SelfSignature) {
    const Issued root = test::issue({.common_name = "Old Root", .ca = true, .digest = Digest::Sha1});

    const auto weaknesses =
        certificate_weaknesses(inspect_certificate(root.certificate.get()), CertificateRole::ClientCa);

    ASSERT_EQ(weaknesses.size(), 1u);
    EXPECT_EQ(
        weaknesses[0],
        "The certificate signs itself with SHA-1 (ecdsa-with-SHA1). OpenSSL does not check that signature, "
        "but browsers reject it, and a CA that uses SHA-1 usually signs the certificates it issues with it "
        "too. Reissue it with -sha256 in place of -sha1.");
}

TEST(CertificateWeaknesses, ReportsVersionOneLeaf) {
    const Issued leaf = test::issue({.common_name = "www.test.com", .version = 1}, &ca());

    const auto weaknesses =
        certificate_weaknesses(inspect_certificate(leaf.certificate.get()), CertificateRole::Server);

    ASSERT_EQ(weaknesses.size(), 2u);
    EXPECT_TRUE(weaknesses[0].starts_with("The certificate is X.509 version 1, so it has no extensions"))
        << weaknesses[0];
    EXPECT_TRUE(weaknesses[1].starts_with(
        "The certificate has no subjectAltName, and browsers ignore the subject CN"))
        << weaknesses[1];
}

TEST(CertificateWeaknesses, ReportsVersionOneCa) {
    const Issued old_ca = test::issue({.version = 1});

    const auto weaknesses =
        certificate_weaknesses(inspect_certificate(old_ca.certificate.get()), CertificateRole::ClientCa);

    ASSERT_EQ(weaknesses.size(), 1u);
    EXPECT_NE(weaknesses[0].find("X.509 strict checks reject it"), std::string::npos) << weaknesses[0];
}

TEST(CertificateWeaknesses, ReportsMissingCaTrue) {
    const Issued no_constraints = test::issue({.common_name = "no constraints"});
    const Issued not_ca = test::issue({.common_name = "not a CA", .basic_constraints = "critical,CA:FALSE"});

    const auto missing = certificate_weaknesses(inspect_certificate(no_constraints.certificate.get()),
                                                CertificateRole::ClientCa);
    const auto explicit_false =
        certificate_weaknesses(inspect_certificate(not_ca.certificate.get()), CertificateRole::ClientCa);

    ASSERT_EQ(missing.size(), 1u);
    EXPECT_EQ(
        missing[0],
        "The CA certificate has no basicConstraints CA:TRUE, so OpenSSL accepts it as an issuer only if its "
        "keyUsage includes keyCertSign. Reissue it with basicConstraints=critical,CA:TRUE.");
    ASSERT_EQ(explicit_false.size(), 1u);
    EXPECT_EQ(
        explicit_false[0],
        "The CA certificate has basicConstraints CA:FALSE, so OpenSSL does not accept it as the issuer of "
        "client certificates. Reissue it with basicConstraints=critical,CA:TRUE.");
}

TEST(CertificateWeaknesses, ReportsSmallRsaKey) {
    const Issued leaf =
        test::issue({.common_name = "a", .alt_names = {"DNS:a"}, .key_kind = KeyKind::Rsa1024}, &ca());

    const auto weaknesses =
        certificate_weaknesses(inspect_certificate(leaf.certificate.get()), CertificateRole::Server);

    ASSERT_EQ(weaknesses.size(), 1u);
    EXPECT_TRUE(weaknesses[0].starts_with("The RSA key has 1024 bits, fewer than the 2048")) << weaknesses[0];
}

TEST(CertificateWeaknesses, ReportsOutsideValidity) {
    const Issued expired = test::issue(
        {.common_name = "a", .alt_names = {"DNS:a"}, .valid_from = -48h, .valid_until = -24h}, &ca());
    const Issued future = test::issue(
        {.common_name = "a", .alt_names = {"DNS:a"}, .valid_from = 24h, .valid_until = 48h}, &ca());
    const CertificateFacts expired_facts = inspect_certificate(expired.certificate.get());
    const CertificateFacts future_facts = inspect_certificate(future.certificate.get());

    const auto expired_weaknesses = certificate_weaknesses(expired_facts, CertificateRole::Server);
    const auto future_weaknesses = certificate_weaknesses(future_facts, CertificateRole::Server);

    ASSERT_EQ(expired_weaknesses.size(), 1u);
    EXPECT_EQ(expired_weaknesses[0],
              "The certificate expired on " + format_rfc3339(expired_facts.not_after) +
                  ", so clients and OpenSSL reject it. Renew it with a new validity period.");
    ASSERT_EQ(future_weaknesses.size(), 1u);
    EXPECT_TRUE(contains(future_weaknesses, "is not valid before " + format_rfc3339(future_facts.not_before)))
        << future_weaknesses[0];
}

}  // namespace
}  // namespace tollgate::tls
