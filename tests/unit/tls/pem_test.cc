#include "tls/pem.h"

#include "tls/test_pki.h"

#include <gtest/gtest.h>
#include <openssl/err.h>

#include <string>

namespace tollgate::tls {
namespace {

using test::CertificateSpec;
using test::Issued;
using test::KeyKind;

std::string with_crlf(const std::string& text) {
    std::string result;
    for (char c : text) {
        if (c == '\n') {
            result += '\r';
        }
        result += c;
    }
    return result;
}

std::string without_trailing_newline(std::string text) {
    while (!text.empty() && text.back() == '\n') {
        text.pop_back();
    }
    return text;
}

bool same_certificate(X509* left, X509* right) {
    return X509_cmp(left, right) == 0;
}

const Issued& ca() {
    static const Issued issued = test::issue({.common_name = "Test CA", .ca = true});
    return issued;
}

const Issued& leaf() {
    static const Issued issued =
        test::issue({.common_name = "www.test.com", .alt_names = {"DNS:www.test.com"}}, &ca());
    return issued;
}

TEST(PemParse, ReadsChainInOrder) {
    const std::string pem =
        test::certificate_pem(leaf().certificate.get()) + test::certificate_pem(ca().certificate.get());

    auto certificates = parse_certificates(pem);

    ASSERT_TRUE(certificates) << certificates.error().message;
    ASSERT_EQ(certificates->size(), 2u);
    EXPECT_TRUE(same_certificate((*certificates)[0].get(), leaf().certificate.get()));
    EXPECT_TRUE(same_certificate((*certificates)[1].get(), ca().certificate.get()));
}

TEST(PemParse, ToleratesCrlfLineEndings) {
    const std::string pem = with_crlf(test::certificate_pem(leaf().certificate.get()) +
                                      test::certificate_pem(ca().certificate.get()));

    auto certificates = parse_certificates(pem);

    ASSERT_TRUE(certificates) << certificates.error().message;
    EXPECT_EQ(certificates->size(), 2u);
}

TEST(PemParse, ToleratesMissingTrailingNewline) {
    const std::string pem = without_trailing_newline(test::certificate_pem(leaf().certificate.get()));

    auto certificates = parse_certificates(pem);

    ASSERT_TRUE(certificates) << certificates.error().message;
    ASSERT_EQ(certificates->size(), 1u);
    EXPECT_TRUE(same_certificate((*certificates)[0].get(), leaf().certificate.get()));
}

TEST(PemParse, ToleratesSurroundingText) {
    const std::string pem = "Server certificate, issued today:\n\n\n" +
                            test::certificate_pem(leaf().certificate.get()) + "\n\n   \n# CA follows\n\n" +
                            test::certificate_pem(ca().certificate.get()) + "\n\n\n";

    auto certificates = parse_certificates(pem);

    ASSERT_TRUE(certificates) << certificates.error().message;
    ASSERT_EQ(certificates->size(), 2u);
    EXPECT_TRUE(same_certificate((*certificates)[1].get(), ca().certificate.get()));
}

TEST(PemParse, ToleratesRewrappedBody) {
    std::string pem = test::certificate_pem(leaf().certificate.get());
    // Join the 64-character base64 lines into one long line and indent it, as a YAML block
    // scalar or a web form may deliver it.
    const std::size_t body_start = pem.find('\n') + 1;
    const std::size_t body_end = pem.find("-----END");
    std::string body = pem.substr(body_start, body_end - body_start);
    std::erase(body, '\n');
    pem = "  -----BEGIN CERTIFICATE-----\n    " + body + "\n  -----END CERTIFICATE-----";

    auto certificates = parse_certificates(pem);

    ASSERT_TRUE(certificates) << certificates.error().message;
    EXPECT_TRUE(same_certificate((*certificates)[0].get(), leaf().certificate.get()));
}

TEST(PemParse, RejectsTextWithoutBlock) {
    auto certificates = parse_certificates("this is not a certificate\n");

    ASSERT_FALSE(certificates);
    EXPECT_EQ(certificates.error().message,
              "no certificate found: expected a PEM block starting with -----BEGIN CERTIFICATE-----");
}

TEST(PemParse, NamesOtherBlockFound) {
    auto certificates = parse_certificates(test::pkcs8_pem(leaf().key.get()));

    ASSERT_FALSE(certificates);
    EXPECT_EQ(certificates.error().message,
              "no certificate found: expected a PEM block starting with -----BEGIN CERTIFICATE----- "
              "(found -----BEGIN PRIVATE KEY-----)");
}

TEST(PemParse, RejectsCorruptCertificate) {
    std::string pem = test::certificate_pem(leaf().certificate.get());
    pem.replace(pem.find('\n') + 1, 8, "AAAAAAAA");

    auto certificates = parse_certificates(pem);

    ASSERT_FALSE(certificates);
    EXPECT_TRUE(certificates.error().message.starts_with("certificate 1 is not a valid X.509 certificate ("))
        << certificates.error().message;
    EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(PemParse, RejectsMissingEndLine) {
    std::string pem = test::certificate_pem(leaf().certificate.get());
    pem.erase(pem.find("-----END"));

    auto certificates = parse_certificates(pem);

    ASSERT_FALSE(certificates);
    EXPECT_EQ(certificates.error().message, "certificate 1 has no -----END CERTIFICATE----- line");
}

TEST(PemParse, RejectsBlockCutShort) {
    std::string first = test::certificate_pem(leaf().certificate.get());
    first.erase(first.find("-----END"));
    const std::string pem = first + test::certificate_pem(ca().certificate.get());

    auto certificates = parse_certificates(pem);

    ASSERT_FALSE(certificates);
    EXPECT_EQ(certificates.error().message, "certificate 1 has no -----END CERTIFICATE----- line");
}

TEST(PemKey, ReadsPkcs8RsaKey) {
    const Issued rsa = test::issue({.common_name = "rsa", .key_kind = KeyKind::Rsa2048});

    auto key = parse_private_key(test::pkcs8_pem(rsa.key.get()));

    ASSERT_TRUE(key) << key.error().message;
    EXPECT_EQ(EVP_PKEY_eq(key->get(), rsa.key.get()), 1);
}

TEST(PemKey, ReadsPkcs1RsaKey) {
    const Issued rsa = test::issue({.common_name = "rsa", .key_kind = KeyKind::Rsa2048});
    const std::string pem = test::traditional_pem(rsa.key.get());
    ASSERT_NE(pem.find("-----BEGIN RSA PRIVATE KEY-----"), std::string::npos);

    auto key = parse_private_key(with_crlf(pem));

    ASSERT_TRUE(key) << key.error().message;
    EXPECT_EQ(EVP_PKEY_eq(key->get(), rsa.key.get()), 1);
}

TEST(PemKey, ReadsSec1EcKey) {
    const std::string pem = test::traditional_pem(leaf().key.get());
    ASSERT_NE(pem.find("-----BEGIN EC PRIVATE KEY-----"), std::string::npos);

    auto key =
        parse_private_key("-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" +
                          without_trailing_newline(pem));

    ASSERT_TRUE(key) << key.error().message;
    EXPECT_EQ(EVP_PKEY_eq(key->get(), leaf().key.get()), 1);
}

TEST(PemKey, RejectsEncryptedPkcs8Key) {
    auto key = parse_private_key(test::encrypted_pkcs8_pem(leaf().key.get()));

    ASSERT_FALSE(key);
    EXPECT_EQ(
        key.error().message,
        "the private key is encrypted with a passphrase, which tollgate cannot enter. Decrypt it first, e.g. "
        "openssl pkey -in key.pem -out key.decrypted.pem, and upload key.decrypted.pem");
    EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(PemKey, RejectsProcTypeEncryption) {
    const std::string pem = test::encrypted_traditional_pem(leaf().key.get());
    ASSERT_NE(pem.find("Proc-Type: 4,ENCRYPTED"), std::string::npos);

    auto key = parse_private_key(pem);

    ASSERT_FALSE(key);
    EXPECT_EQ(
        key.error().message,
        "the private key is encrypted with a passphrase, which tollgate cannot enter. Decrypt it first, e.g. "
        "openssl pkey -in key.pem -out key.decrypted.pem, and upload key.decrypted.pem");
}

TEST(PemKey, RejectsTextWithoutKey) {
    auto key = parse_private_key(test::certificate_pem(leaf().certificate.get()));

    ASSERT_FALSE(key);
    EXPECT_EQ(key.error().message,
              "no private key found: expected a PEM block starting with -----BEGIN PRIVATE KEY-----, "
              "-----BEGIN RSA PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY----- (found -----BEGIN "
              "CERTIFICATE-----)");
}

TEST(PemKey, RejectsTwoKeys) {
    const std::string pem = test::pkcs8_pem(leaf().key.get()) + test::pkcs8_pem(ca().key.get());

    auto key = parse_private_key(pem);

    ASSERT_FALSE(key);
    EXPECT_EQ(key.error().message, "found 2 private keys, expected one");
}

TEST(PemKey, RejectsCorruptKey) {
    std::string pem = test::pkcs8_pem(leaf().key.get());
    pem.replace(pem.find('\n') + 1, 12, "AAAAAAAAAAAA");

    auto key = parse_private_key(pem);

    ASSERT_FALSE(key);
    EXPECT_TRUE(key.error().message.starts_with("the private key could not be decoded ("))
        << key.error().message;
    EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(PemWrite, RoundTripsCertificate) {
    const std::string pem = to_pem(leaf().certificate.get());

    auto certificates = parse_certificates(pem);

    ASSERT_TRUE(certificates) << certificates.error().message;
    EXPECT_TRUE(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
    EXPECT_TRUE(pem.ends_with("-----END CERTIFICATE-----\n"));
    EXPECT_TRUE(same_certificate((*certificates)[0].get(), leaf().certificate.get()));
}

}  // namespace
}  // namespace tollgate::tls
