#include "pki/certificate.h"

#include "pki_test_support.h"
#include "tls/certificate_info.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>

#include <set>

namespace tollgate::pki {
namespace {

using namespace std::chrono_literals;
using test::kCaSpec;
using test::kEcP256;
using test::kRsa2048;
using test::TestPair;

const TestPair& test_ca() {
    static const TestPair ca = test::make_pair(kCaSpec, kEcP256, nullptr);
    return ca;
}

CertificateSpec server_spec() {
    return {Profile::Server, "localhost", {"localhost", "*.example.com"}, {"127.0.0.1", "::1"}, 397};
}

CertificateSpec client_spec() {
    return {Profile::Client, "alice", {}, {}, 825};
}

std::string key_identifier(const ASN1_OCTET_STRING* identifier) {
    return identifier == nullptr
               ? std::string()
               : std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(identifier)),
                             static_cast<std::size_t>(ASN1_STRING_length(identifier)));
}

std::string subject_key_identifier(X509* certificate) {
    return key_identifier(X509_get0_subject_key_id(certificate));
}

std::string authority_key_identifier(X509* certificate) {
    return key_identifier(X509_get0_authority_key_id(certificate));
}

std::time_t seconds_since_epoch(const ASN1_TIME* time) {
    std::tm parts{};
    EXPECT_EQ(ASN1_TIME_to_tm(time, &parts), 1);
    return timegm(&parts);
}

TEST(IssueCertificate, CaExtensions) {
    X509* ca = test_ca().certificate.get();
    EXPECT_EQ(X509_get_version(ca), X509_VERSION_3);
    EXPECT_EQ(tls::format_name(X509_get_subject_name(ca)), "CN=Test CA");
    EXPECT_EQ(tls::format_name(X509_get_issuer_name(ca)), "CN=Test CA");

    EXPECT_TRUE(test::is_critical(ca, NID_basic_constraints));
    EXPECT_EQ(X509_check_ca(ca), 1);
    EXPECT_TRUE(test::is_critical(ca, NID_key_usage));
    EXPECT_EQ(X509_get_key_usage(ca), static_cast<uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
    EXPECT_EQ(test::find_extension(ca, NID_ext_key_usage), nullptr);
    EXPECT_EQ(test::find_extension(ca, NID_subject_alt_name), nullptr);

    EXPECT_EQ(subject_key_identifier(ca).size(), 20u);
    EXPECT_EQ(authority_key_identifier(ca), subject_key_identifier(ca));
    EXPECT_EQ(X509_self_signed(ca, 1), 1);
}

TEST(IssueCertificate, CaHasNoWeaknesses) {
    const auto facts = tls::inspect_certificate(test_ca().certificate.get());
    EXPECT_TRUE(tls::certificate_weaknesses(facts, tls::CertificateRole::ClientCa).empty());
}

TEST(IssueCertificate, ServerExtensionsEc) {
    TestPair server = test::make_pair(server_spec(), kEcP256, &test_ca());
    X509* certificate = server.certificate.get();

    EXPECT_EQ(X509_get_version(certificate), X509_VERSION_3);
    EXPECT_EQ(tls::format_name(X509_get_subject_name(certificate)), "CN=localhost");
    EXPECT_EQ(tls::format_name(X509_get_issuer_name(certificate)), "CN=Test CA");
    EXPECT_TRUE(test::is_critical(certificate, NID_basic_constraints));
    EXPECT_EQ(X509_check_ca(certificate), 0);
    EXPECT_TRUE(test::is_critical(certificate, NID_key_usage));
    EXPECT_EQ(X509_get_key_usage(certificate), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
    EXPECT_FALSE(test::is_critical(certificate, NID_ext_key_usage));
    EXPECT_EQ(X509_get_extended_key_usage(certificate), static_cast<uint32_t>(XKU_SSL_SERVER));
    EXPECT_EQ(subject_key_identifier(certificate).size(), 20u);
    EXPECT_EQ(authority_key_identifier(certificate), subject_key_identifier(test_ca().certificate.get()));
}

TEST(IssueCertificate, ServerSubjectAltNames) {
    TestPair server = test::make_pair(server_spec(), kEcP256, &test_ca());
    X509* certificate = server.certificate.get();

    const auto facts = tls::inspect_certificate(certificate);
    const std::vector<std::string> expected = {"DNS:localhost", "DNS:*.example.com", "IP:127.0.0.1",
                                               "IP:::1"};
    EXPECT_EQ(facts.subject_alt_names, expected);
    EXPECT_EQ(X509_check_host(certificate, "localhost", 0, 0, nullptr), 1);
    EXPECT_EQ(X509_check_host(certificate, "api.example.com", 0, 0, nullptr), 1);
    EXPECT_EQ(X509_check_host(certificate, "example.org", 0, 0, nullptr), 0);
    EXPECT_EQ(X509_check_ip_asc(certificate, "127.0.0.1", 0), 1);
    EXPECT_EQ(X509_check_ip_asc(certificate, "::1", 0), 1);
    EXPECT_EQ(X509_check_ip_asc(certificate, "127.0.0.2", 0), 0);
}

TEST(IssueCertificate, ServerVerifiesForSslServer) {
    TestPair server = test::make_pair(server_spec(), kEcP256, &test_ca());
    EXPECT_EQ(
        test::verify_chain(server.certificate.get(), test_ca().certificate.get(), X509_PURPOSE_SSL_SERVER),
        X509_V_OK);
    EXPECT_EQ(
        test::verify_chain(server.certificate.get(), test_ca().certificate.get(), X509_PURPOSE_SSL_CLIENT),
        X509_V_ERR_INVALID_PURPOSE);
}

TEST(IssueCertificate, ServerHasNoWeaknesses) {
    TestPair server = test::make_pair(server_spec(), kEcP256, &test_ca());
    const auto facts = tls::inspect_certificate(server.certificate.get());
    EXPECT_TRUE(tls::certificate_weaknesses(facts, tls::CertificateRole::Server).empty());
}

TEST(IssueCertificate, ServerRsaKeyEncipherment) {
    TestPair server = test::make_pair(server_spec(), kRsa2048, &test_ca());
    EXPECT_EQ(X509_get_key_usage(server.certificate.get()),
              static_cast<uint32_t>(KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT));
}

TEST(IssueCertificate, ClientExtensions) {
    TestPair client = test::make_pair(client_spec(), kEcP256, &test_ca());
    X509* certificate = client.certificate.get();

    EXPECT_EQ(tls::format_name(X509_get_subject_name(certificate)), "CN=alice");
    EXPECT_TRUE(test::is_critical(certificate, NID_basic_constraints));
    EXPECT_EQ(X509_check_ca(certificate), 0);
    EXPECT_TRUE(test::is_critical(certificate, NID_key_usage));
    EXPECT_EQ(X509_get_key_usage(certificate), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
    EXPECT_EQ(X509_get_extended_key_usage(certificate), static_cast<uint32_t>(XKU_SSL_CLIENT));
    EXPECT_EQ(test::find_extension(certificate, NID_subject_alt_name), nullptr);
    EXPECT_EQ(authority_key_identifier(certificate), subject_key_identifier(test_ca().certificate.get()));
}

TEST(IssueCertificate, ClientVerifiesForSslClient) {
    TestPair client = test::make_pair(client_spec(), kRsa2048, &test_ca());
    EXPECT_EQ(
        test::verify_chain(client.certificate.get(), test_ca().certificate.get(), X509_PURPOSE_SSL_CLIENT),
        X509_V_OK);
    EXPECT_EQ(
        test::verify_chain(client.certificate.get(), test_ca().certificate.get(), X509_PURPOSE_SSL_SERVER),
        X509_V_ERR_INVALID_PURPOSE);
}

TEST(IssueCertificate, SignatureDigestOfIssuer) {
    TestPair p384_ca = test::make_pair(kCaSpec, {KeyType::Ec, 2048, Curve::P384}, nullptr);
    TestPair rsa_ca = test::make_pair(kCaSpec, kRsa2048, nullptr);
    TestPair under_p384 = test::make_pair(client_spec(), kEcP256, &p384_ca);
    TestPair under_rsa = test::make_pair(client_spec(), kEcP256, &rsa_ca);
    TestPair under_p256 = test::make_pair(client_spec(), kRsa2048, &test_ca());

    EXPECT_EQ(X509_get_signature_nid(p384_ca.certificate.get()), NID_ecdsa_with_SHA384);
    EXPECT_EQ(X509_get_signature_nid(under_p384.certificate.get()), NID_ecdsa_with_SHA384);
    EXPECT_EQ(X509_get_signature_nid(under_rsa.certificate.get()), NID_sha256WithRSAEncryption);
    EXPECT_EQ(X509_get_signature_nid(under_p256.certificate.get()), NID_ecdsa_with_SHA256);
}

TEST(IssueCertificate, ValidityPeriod) {
    const auto now = std::chrono::system_clock::now();
    TestPair client = test::make_pair(client_spec(), kEcP256, &test_ca(), now);
    const std::time_t now_seconds = std::chrono::system_clock::to_time_t(now);

    const std::time_t not_before = seconds_since_epoch(X509_get0_notBefore(client.certificate.get()));
    const std::time_t not_after = seconds_since_epoch(X509_get0_notAfter(client.certificate.get()));
    EXPECT_EQ(not_before, now_seconds - 3600);
    EXPECT_EQ(not_after, not_before + 825L * 86400);
}

TEST(IssueCertificate, RejectsValidityBeyondCa) {
    const auto now = std::chrono::system_clock::now();
    CertificateSpec short_ca = kCaSpec;
    short_ca.days = 30;
    TestPair ca = test::make_pair(short_ca, kEcP256, nullptr, now);
    CertificateSpec spec = client_spec();
    spec.days = 31;
    auto key = generate_key(kEcP256).value();
    const Issuer issuer = ca.issuer();

    auto issued = issue_certificate(spec, key.get(), &issuer, now);
    ASSERT_FALSE(issued);
    EXPECT_EQ(issued.error().message,
              "a validity of 31 days would end after the CA certificate CN=Test CA, which expires at " +
                  tls::format_asn1_time(X509_get0_notAfter(ca.certificate.get())) + "; use at most 30 days");

    spec.days = 30;
    EXPECT_TRUE(issue_certificate(spec, key.get(), &issuer, now));
}

TEST(IssueCertificate, RejectsExpiredCa) {
    const auto now = std::chrono::system_clock::now();
    CertificateSpec short_ca = kCaSpec;
    short_ca.days = 30;
    TestPair ca = test::make_pair(short_ca, kEcP256, nullptr, now - std::chrono::days(40));
    auto key = generate_key(kEcP256).value();
    const Issuer issuer = ca.issuer();

    auto issued = issue_certificate(client_spec(), key.get(), &issuer, now);
    ASSERT_FALSE(issued);
    EXPECT_EQ(issued.error().message, "the CA certificate CN=Test CA expired at " +
                                          tls::format_asn1_time(X509_get0_notAfter(ca.certificate.get())) +
                                          "; create a new CA");
}

TEST(IssueCertificate, RejectsServerWithoutNames) {
    CertificateSpec spec = server_spec();
    spec.dns_names.clear();
    spec.ip_addresses.clear();
    auto checked = check_certificate_spec(spec);
    ASSERT_FALSE(checked);
    EXPECT_EQ(
        checked.error().message,
        "a server certificate needs at least one DNS name or IP address for its subjectAltName: pass --dns "
        "or --ip");
}

TEST(IssueCertificate, RejectsValidityOutOfRange) {
    CertificateSpec spec = client_spec();
    for (int days : {0, -1, kMaxValidityDays + 1}) {
        spec.days = days;
        auto checked = check_certificate_spec(spec);
        ASSERT_FALSE(checked) << days;
        EXPECT_EQ(checked.error().message,
                  "invalid validity period of " + std::to_string(days) + " days: use 1 to 36500 days");
    }
}

TEST(IssueCertificate, RejectsInvalidSubjectAltName) {
    CertificateSpec spec = server_spec();
    spec.dns_names = {"a.example,IP:10.0.0.1"};
    auto checked = check_certificate_spec(spec);
    ASSERT_FALSE(checked);
    EXPECT_TRUE(checked.error().message.starts_with("invalid DNS name \"a.example,IP:10.0.0.1\": "))
        << checked.error().message;

    spec = server_spec();
    spec.ip_addresses = {"300.1.1.1"};
    checked = check_certificate_spec(spec);
    ASSERT_FALSE(checked);
    EXPECT_TRUE(checked.error().message.starts_with("invalid IP address \"300.1.1.1\": "))
        << checked.error().message;
}

TEST(RandomSerial, Positive128Bits) {
    std::set<std::string> seen;
    int longest = 0;
    for (int i = 0; i < 64; ++i) {
        auto serial = random_serial();
        ASSERT_TRUE(serial) << serial.error().message;
        EXPECT_FALSE(BN_is_negative(serial->get()));
        EXPECT_FALSE(BN_is_zero(serial->get()));
        EXPECT_LE(BN_num_bits(serial->get()), 128);
        longest = std::max(longest, BN_num_bits(serial->get()));
        char* hex = BN_bn2hex(serial->get());
        seen.insert(hex);
        OPENSSL_free(hex);
    }
    EXPECT_EQ(seen.size(), 64u);
    // The chance that 64 draws all stay under 121 bits is 2^-448.
    EXPECT_GE(longest, 121);
}

TEST(RandomSerial, CertificateSerialIsPositive) {
    TestPair first = test::make_pair(client_spec(), kEcP256, &test_ca());
    TestPair second = test::make_pair(client_spec(), kEcP256, &test_ca());
    const ASN1_INTEGER* serial = X509_get0_serialNumber(first.certificate.get());
    EXPECT_EQ(ASN1_STRING_type(serial), V_ASN1_INTEGER);  // V_ASN1_NEG_INTEGER when negative
    EXPECT_LE(ASN1_STRING_length(serial), 16);
    EXPECT_NE(ASN1_INTEGER_cmp(serial, X509_get0_serialNumber(second.certificate.get())), 0);
}

}  // namespace
}  // namespace tollgate::pki
