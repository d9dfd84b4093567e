#include "tls/certificate_check.h"

#include "tls/test_fixtures.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/pkcs7.h>

#include <string>

namespace tollgate::tls {
namespace {

using namespace std::chrono_literals;
using std::chrono::system_clock;
using test::Digest;
using test::Issued;
using test::KeyKind;
using test::pem;
using test::pki;

// A server certificate issued by the intermediate CA of the shared PKI, with an EC key.
const Issued& leaf() {
    static const Issued issued = test::issue({.common_name = "www.test.com",
                                              .alt_names = {"DNS:www.test.com"},
                                              .extended_key_usage = "serverAuth"},
                                             &pki().intermediate_a);
    return issued;
}

std::string chain_pem() {
    return pem(leaf()) + pem(pki().intermediate_a);
}

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

CertificateCheck check_server(std::string certificate, std::string private_key,
                              system_clock::time_point now = system_clock::now()) {
    return check_certificate_upload(
        {.type = "server", .certificate = std::move(certificate), .private_key = std::move(private_key)},
        now);
}

CertificateCheck check_client(std::string certificate, std::string private_key = "",
                              system_clock::time_point now = system_clock::now()) {
    return check_certificate_upload(
        {.type = "client", .certificate = std::move(certificate), .private_key = std::move(private_key)},
        now);
}

// Checks a server certificate without chain, so that only its own warnings appear.
CertificateCheck check_single(const Issued& issued, system_clock::time_point now = system_clock::now()) {
    return check_server(pem(issued), test::pkcs8_pem(issued.key.get()), now);
}

std::string joined(const CertificateCheck& check) {
    std::string text;
    for (const FieldProblem& problem : check.errors) {
        text += "error " + problem.field + ": " + problem.message + "\n";
    }
    for (const std::string& warning : check.warnings) {
        text += "warning: " + warning + "\n";
    }
    return text;
}

std::string pkcs7_pem(X509* certificate) {
    std::unique_ptr<PKCS7, decltype(&PKCS7_free)> bundle(PKCS7_new(), &PKCS7_free);
    EXPECT_EQ(PKCS7_set_type(bundle.get(), NID_pkcs7_signed), 1);
    EXPECT_EQ(PKCS7_content_new(bundle.get(), NID_pkcs7_data), 1);
    EXPECT_EQ(PKCS7_add_certificate(bundle.get(), certificate), 1);
    test::BioPtr bio(BIO_new(BIO_s_mem()));
    EXPECT_EQ(PEM_write_bio_PKCS7(bio.get(), bundle.get()), 1);
    return test::bio_text(bio.get());
}

// ---- accepted uploads ----

TEST(CertificateCheck, AcceptsChainAndKey) {
    const CertificateCheck check = check_server(chain_pem(), test::pkcs8_pem(leaf().key.get()));

    EXPECT_TRUE(check.errors.empty()) << joined(check);
    EXPECT_TRUE(check.warnings.empty()) << joined(check);
    ASSERT_EQ(check.chain.size(), 2u);
    EXPECT_EQ(check.chain[0].subject, "CN=www.test.com,O=ELB");
    EXPECT_EQ(check.chain[1].subject, "CN=Intermediate A,O=ELB");
    EXPECT_EQ(check.normalized_certificate, chain_pem());
    EXPECT_EQ(check.normalized_private_key, test::pkcs8_pem(leaf().key.get()));
    EXPECT_EQ(check.key_type, "EC");
    EXPECT_EQ(check.key_bits, 256);
}

TEST(CertificateCheck, AcceptsPastedText) {
    const std::string certificate =
        with_crlf("\n\n  \n" + pem(leaf()) + "\n\n   " + pem(pki().intermediate_a));
    std::string key = test::pkcs8_pem(leaf().key.get());
    key.pop_back();

    const CertificateCheck check = check_server(certificate + "\r\n\r\n", "  \n" + key);

    EXPECT_TRUE(check.errors.empty()) << joined(check);
    EXPECT_TRUE(check.warnings.empty()) << joined(check);
    EXPECT_EQ(check.normalized_certificate, chain_pem());
    EXPECT_EQ(check.normalized_private_key, test::pkcs8_pem(leaf().key.get()));
}

TEST(CertificateCheck, AcceptsRsaKeyInBothForms) {
    const Issued rsa = test::issue(
        {.common_name = "rsa.test.com", .alt_names = {"DNS:rsa.test.com"}, .key_kind = KeyKind::Rsa2048},
        &pki().root_a);
    const std::string pkcs1 = test::traditional_pem(rsa.key.get());
    ASSERT_TRUE(pkcs1.starts_with("-----BEGIN RSA PRIVATE KEY-----")) << pkcs1;

    const CertificateCheck from_pkcs1 = check_server(pem(rsa), with_crlf(pkcs1));
    const CertificateCheck from_pkcs8 = check_server(pem(rsa), test::pkcs8_pem(rsa.key.get()));

    EXPECT_TRUE(from_pkcs1.errors.empty()) << joined(from_pkcs1);
    EXPECT_TRUE(from_pkcs1.warnings.empty()) << joined(from_pkcs1);
    EXPECT_EQ(from_pkcs1.normalized_private_key, pkcs1);
    EXPECT_EQ(from_pkcs1.key_type, "RSA");
    EXPECT_EQ(from_pkcs1.key_bits, 2048);
    EXPECT_TRUE(from_pkcs8.errors.empty()) << joined(from_pkcs8);
    EXPECT_EQ(from_pkcs8.normalized_private_key, test::pkcs8_pem(rsa.key.get()));
}

TEST(CertificateCheck, AcceptsSec1EcKey) {
    const std::string sec1 = test::traditional_pem(leaf().key.get());
    ASSERT_TRUE(sec1.starts_with("-----BEGIN EC PRIVATE KEY-----")) << sec1;
    // openssl ecparam -genkey writes a parameters block before the key.
    const std::string pasted =
        "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + sec1;

    const CertificateCheck check = check_server(chain_pem(), pasted);

    EXPECT_TRUE(check.errors.empty()) << joined(check);
    EXPECT_EQ(check.normalized_private_key, sec1);
    EXPECT_EQ(check.key_type, "EC");
}

TEST(CertificateCheck, AcceptsClientCaBundle) {
    const CertificateCheck check = check_client(pem(pki().root_a) + "\n" + pem(pki().root_b), "  \n");

    EXPECT_TRUE(check.errors.empty()) << joined(check);
    EXPECT_TRUE(check.warnings.empty()) << joined(check);
    ASSERT_EQ(check.chain.size(), 2u);
    EXPECT_EQ(check.chain[1].subject, "CN=Root B,O=ELB");
    EXPECT_EQ(check.normalized_certificate, pem(pki().root_a) + pem(pki().root_b));
    EXPECT_EQ(check.normalized_private_key, "");
    EXPECT_EQ(check.key_type, "");
    EXPECT_EQ(check.key_bits, 0);
}

TEST(CertificateCheck, AcceptsTrustedCertificateBlock) {
    std::string trusted = pem(pki().root_a);
    const std::string plain = "CERTIFICATE-----";
    trusted.replace(trusted.find(plain), plain.size(), "TRUSTED CERTIFICATE-----");
    trusted.replace(trusted.rfind(plain), plain.size(), "TRUSTED CERTIFICATE-----");

    const CertificateCheck check = check_client(trusted);

    EXPECT_TRUE(check.errors.empty()) << joined(check);
    EXPECT_EQ(check.normalized_certificate, pem(pki().root_a));
}

// ---- errors: type and certificate field ----

TEST(CertificateCheck, RejectsUnknownType) {
    const CertificateCheck check = check_certificate_upload(
        {.type = "server_sm", .certificate = chain_pem(), .private_key = ""}, system_clock::now());

    ASSERT_EQ(check.errors.size(), 1u) << joined(check);
    EXPECT_EQ(check.errors[0].field, "type");
    EXPECT_EQ(
        check.errors[0].message,
        "Type \"server_sm\" is invalid. Use \"server\" for a server certificate with its private key, or "
        "\"client\" for CA certificates that verify client certificates.");
    EXPECT_EQ(check.chain.size(), 2u);
}

TEST(CertificateCheck, RejectsMissingCertificate) {
    const CertificateCheck server = check_server(" \r\n", test::pkcs8_pem(leaf().key.get()));
    const CertificateCheck client = check_client("");

    ASSERT_EQ(server.errors.size(), 1u) << joined(server);
    EXPECT_EQ(server.errors[0].field, "certificate");
    EXPECT_EQ(server.errors[0].message,
              "The certificate is missing. Paste the server certificate followed by its intermediate CA "
              "certificates in PEM form, starting with -----BEGIN CERTIFICATE-----.");
    ASSERT_EQ(client.errors.size(), 1u) << joined(client);
    EXPECT_EQ(client.errors[0].message,
              "The certificate is missing. Paste the CA certificates that issue the client certificates in "
              "PEM form, starting with -----BEGIN CERTIFICATE-----.");
}

TEST(CertificateCheck, RejectsKeyInCertificateField) {
    const std::string key = test::traditional_pem(leaf().key.get());

    const CertificateCheck server = check_server(key, key);
    const CertificateCheck client = check_client(test::pkcs8_pem(leaf().key.get()));

    ASSERT_EQ(server.errors.size(), 1u) << joined(server);
    EXPECT_EQ(server.errors[0].field, "certificate");
    EXPECT_EQ(server.errors[0].message,
              "The certificate field contains a private key (-----BEGIN EC PRIVATE KEY-----) and no "
              "certificate. Put the key in private_key and paste the server certificate, starting with "
              "-----BEGIN CERTIFICATE-----, in certificate.");
    ASSERT_EQ(client.errors.size(), 1u) << joined(client);
    EXPECT_EQ(
        client.errors[0].message,
        "The certificate field contains a private key (-----BEGIN PRIVATE KEY-----) and no certificate. "
        "Paste the CA certificates, starting with -----BEGIN CERTIFICATE-----. A CA certificate bundle "
        "needs no private key.");
}

TEST(CertificateCheck, RejectsKeyBesideCertificates) {
    const std::string key = test::pkcs8_pem(leaf().key.get());

    const CertificateCheck server = check_server(chain_pem() + key, key);
    const CertificateCheck client = check_client(pem(pki().root_a) + key);

    ASSERT_EQ(server.errors.size(), 1u) << joined(server);
    EXPECT_EQ(server.errors[0].field, "certificate");
    EXPECT_EQ(server.errors[0].message,
              "The certificate field contains a private key (-----BEGIN PRIVATE KEY-----) besides the "
              "certificates. Remove the key from certificate and upload it in private_key.");
    EXPECT_EQ(server.normalized_certificate, chain_pem());
    ASSERT_EQ(client.errors.size(), 1u) << joined(client);
    EXPECT_EQ(client.errors[0].message,
              "The certificate field contains a private key (-----BEGIN PRIVATE KEY-----) besides the CA "
              "certificates. Remove the key, because a CA certificate bundle needs no private key.");
}

TEST(CertificateCheck, RejectsCertificateRequest) {
    const std::string request = test::csr_pem("www.test.com", leaf().key.get());
    ASSERT_TRUE(request.starts_with("-----BEGIN CERTIFICATE REQUEST-----")) << request;

    const CertificateCheck check = check_server(request, test::pkcs8_pem(leaf().key.get()));

    ASSERT_EQ(check.errors.size(), 1u) << joined(check);
    EXPECT_EQ(check.errors[0].field, "certificate");
    EXPECT_EQ(check.errors[0].message,
              "The certificate field contains a certificate signing request (-----BEGIN CERTIFICATE "
              "REQUEST-----), not a certificate. Send the request to your CA and upload the certificate that "
              "it issues.");
}

TEST(CertificateCheck, RejectsPkcs7Bundle) {
    const CertificateCheck check = check_client(pkcs7_pem(pki().root_a.certificate.get()));

    ASSERT_EQ(check.errors.size(), 1u) << joined(check);
    EXPECT_EQ(check.errors[0].message,
              "The certificate field contains a PKCS#7 bundle (-----BEGIN PKCS7-----). Convert it to PEM "
              "certificates with openssl pkcs7 -print_certs -in bundle.p7b -out ca.crt and upload ca.crt.");
}

TEST(CertificateCheck, RejectsDerCertificate) {
    const CertificateCheck check =
        check_server(test::certificate_der(leaf().certificate.get()), test::pkcs8_pem(leaf().key.get()));

    ASSERT_EQ(check.errors.size(), 1u) << joined(check);
    EXPECT_EQ(check.errors[0].field, "certificate");
    EXPECT_EQ(check.errors[0].message,
              "The certificate is in binary DER form. Convert it to PEM with openssl x509 -inform DER -in "
              "certificate.der -out server.crt and upload server.crt.");
}

TEST(CertificateCheck, RejectsPkcs12InCertificateField) {
    const std::string bundle = test::pkcs12_der(leaf());

    const CertificateCheck server = check_server(bundle, test::pkcs8_pem(leaf().key.get()));
    const CertificateCheck client = check_client(bundle);

    ASSERT_EQ(server.errors.size(), 1u) << joined(server);
    EXPECT_EQ(server.errors[0].message,
              "The certificate field contains a PKCS#12 file (.p12 or .pfx). Extract the certificates with "
              "openssl pkcs12 -in bundle.p12 -nokeys -out server.crt and the key with openssl pkcs12 -in "
              "bundle.p12 -nocerts -nodes -out server.key, then upload both in PEM form.");
    ASSERT_EQ(client.errors.size(), 1u) << joined(client);
    EXPECT_EQ(client.errors[0].message,
              "The certificate field contains a PKCS#12 file (.p12 or .pfx). Extract the certificates with "
              "openssl pkcs12 -in bundle.p12 -nokeys -out ca.crt and upload ca.crt.");
}

TEST(CertificateCheck, RejectsOtherBinaryData) {
    const CertificateCheck der_key = check_client(test::private_key_der(leaf().key.get()));
    const CertificateCheck unknown = check_client(std::string("\x01\x02\x03 not PEM", 11));

    ASSERT_EQ(der_key.errors.size(), 1u) << joined(der_key);
    EXPECT_EQ(
        der_key.errors[0].message,
        "The certificate field contains a private key in binary DER form and no certificate. Upload the "
        "certificate in PEM form, starting with -----BEGIN CERTIFICATE-----.");
    ASSERT_EQ(unknown.errors.size(), 1u) << joined(unknown);
    EXPECT_EQ(unknown.errors[0].message,
              "The certificate field contains binary data that is neither a DER certificate nor a PKCS#12 "
              "file. Upload the certificate in PEM form, starting with -----BEGIN CERTIFICATE-----.");
}

TEST(CertificateCheck, RejectsTextWithoutCertificate) {
    const CertificateCheck plain = check_client("MIIB this is base64 without PEM lines");
    const CertificateCheck public_key = check_server(
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", test::pkcs8_pem(leaf().key.get()));

    ASSERT_EQ(plain.errors.size(), 1u) << joined(plain);
    EXPECT_EQ(
        plain.errors[0].message,
        "No certificate found: expected a PEM block starting with -----BEGIN CERTIFICATE-----. Paste "
        "the CA certificates that issue the client certificates in PEM form, as openssl x509 -in ca.crt "
        "prints them.");
    ASSERT_EQ(public_key.errors.size(), 1u) << joined(public_key);
    EXPECT_EQ(public_key.errors[0].message,
              "No certificate found: expected a PEM block starting with -----BEGIN CERTIFICATE----- (found "
              "-----BEGIN PUBLIC KEY-----). Paste the server certificate followed by its intermediate CA "
              "certificates in PEM form, as openssl x509 -in server.crt prints them.");
}

TEST(CertificateCheck, RejectsCorruptBlock) {
    std::string second = pem(pki().intermediate_a);
    second.replace(second.find('\n') + 1, 8, "AAAAAAAA");

    const CertificateCheck check = check_server(pem(leaf()) + second, test::pkcs8_pem(leaf().key.get()));

    ASSERT_EQ(check.errors.size(), 1u) << joined(check);
    EXPECT_EQ(check.errors[0].field, "certificate");
    EXPECT_EQ(
        check.errors[0].message,
        "Certificate 2 is not a valid X.509 certificate (wrong tag, nested asn1 error, ASN1 lib). Paste "
        "each "
        "certificate in full, from its -----BEGIN CERTIFICATE----- line to its -----END CERTIFICATE----- "
        "line.");
    EXPECT_TRUE(check.chain.empty());
    EXPECT_EQ(check.normalized_certificate, "");
    EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(CertificateCheck, RejectsCutBlock) {
    std::string cut = pem(leaf());
    cut.erase(cut.find("-----END"));

    const CertificateCheck check = check_server(cut, test::pkcs8_pem(leaf().key.get()));

    ASSERT_EQ(check.errors.size(), 1u) << joined(check);
    EXPECT_EQ(check.errors[0].message,
              "Certificate 1 has no -----END CERTIFICATE----- line. Paste each certificate in full, from its "
              "-----BEGIN CERTIFICATE----- line to its -----END CERTIFICATE----- line.");
}

TEST(CertificateCheck, RejectsLongChain) {
    std::string certificate = chain_pem();
    for (int i = 0; i < 10; ++i) {
        certificate += pem(pki().root_a);
    }

    const CertificateCheck server = check_server(certificate, test::pkcs8_pem(leaf().key.get()));
    const CertificateCheck client = check_client(certificate.substr(certificate.find("-----BEGIN", 1)));

    ASSERT_EQ(server.errors.size(), 1u) << joined(server);
    EXPECT_EQ(server.errors[0].field, "certificate");
    EXPECT_EQ(server.errors[0].message,
              "The chain has 12 certificates, more than the maximum of 11. Upload the server certificate and "
              "the intermediate CA certificates that link it to a root CA, and leave out the root CA and "
              "unrelated certificates.");
    EXPECT_EQ(server.chain.size(), 12u);
    EXPECT_TRUE(client.errors.empty()) << joined(client);
}

TEST(CertificateCheck, AcceptsElevenCertificates) {
    std::string certificate = chain_pem();
    for (int i = 0; i < 9; ++i) {
        certificate += pem(pki().root_a);
    }

    const CertificateCheck check = check_server(certificate, test::pkcs8_pem(leaf().key.get()));

    EXPECT_TRUE(check.errors.empty()) << joined(check);
    EXPECT_EQ(check.chain.size(), 11u);
}

TEST(CertificateCheck, RejectsOversizedCertificate) {
    std::string certificate = chain_pem();
    certificate += std::string(kMaxCertificateCharacters + 1 - certificate.size(), '\n');
    const std::string at_limit = certificate.substr(0, kMaxCertificateCharacters);

    const CertificateCheck check = check_server(certificate, test::pkcs8_pem(leaf().key.get()));
    const CertificateCheck accepted = check_server(at_limit, test::pkcs8_pem(leaf().key.get()));

    ASSERT_EQ(check.errors.size(), 1u) << joined(check);
    EXPECT_EQ(check.errors[0].field, "certificate");
    EXPECT_EQ(check.errors[0].message,
              "The certificate text has 65537 characters, more than the maximum of 65536. Upload only the "
              "server certificate followed by its intermediate CA certificates, without other text.");
    EXPECT_TRUE(accepted.errors.empty()) << joined(accepted);
}

// ---- errors: private key field ----

TEST(CertificateCheck, RejectsMissingKey) {
    const CertificateCheck check = check_server(chain_pem(), "\n");

    ASSERT_EQ(check.errors.size(), 1u) << joined(check);
    EXPECT_EQ(check.errors[0].field, "private_key");
    EXPECT_EQ(
        check.errors[0].message,
        "The private key is missing. A server certificate needs the private key that was generated with "
        "it, in PEM form, as openssl pkey -in server.key prints it.");
    EXPECT_EQ(check.chain.size(), 2u);
}

TEST(CertificateCheck, RejectsOversizedKey) {
    std::string key = test::pkcs8_pem(leaf().key.get());
    key += std::string(kMaxPrivateKeyCharacters + 1 - key.size(), ' ');

    const CertificateCheck check = check_server(chain_pem(), key);

    ASSERT_EQ(check.errors.size(), 1u) << joined(check);
    EXPECT_EQ(check.errors[0].field, "private_key");
    EXPECT_EQ(check.errors[0].message,
              "The private key text has 8193 characters, more than the maximum of 8192. Upload only the "
              "private key in PEM form, as openssl pkey -in server.key prints it.");
}

TEST(CertificateCheck, RejectsKeyNotInPem) {
    const CertificateCheck text = check_server(chain_pem(), "MHcCAQEEI not a key");
    const CertificateCheck der = check_server(chain_pem(), test::private_key_der(leaf().key.get()));
    const CertificateCheck bundle = check_server(chain_pem(), test::pkcs12_der(leaf()));
    const CertificateCheck der_certificate =
        check_server(chain_pem(), test::certificate_der(leaf().certificate.get()));

    ASSERT_EQ(text.errors.size(), 1u) << joined(text);
    EXPECT_EQ(text.errors[0].field, "private_key");
    EXPECT_EQ(text.errors[0].message,
              "No private key found: expected a PEM block starting with -----BEGIN PRIVATE KEY-----, "
              "-----BEGIN RSA PRIVATE KEY----- or -----BEGIN EC PRIVATE KEY-----. Upload the private key in "
              "PEM form, as openssl pkey -in server.key prints it.");
    ASSERT_EQ(der.errors.size(), 1u) << joined(der);
    EXPECT_EQ(der.errors[0].message,
              "The private key is in binary DER form. Convert it to PEM with openssl pkey -inform DER -in "
              "server-key.der -out server.key and upload server.key.");
    ASSERT_EQ(bundle.errors.size(), 1u) << joined(bundle);
    EXPECT_EQ(bundle.errors[0].message,
              "The private key field contains a PKCS#12 file (.p12 or .pfx). Extract the key with openssl "
              "pkcs12 -in bundle.p12 -nocerts -nodes -out server.key and upload server.key.");
    ASSERT_EQ(der_certificate.errors.size(), 1u) << joined(der_certificate);
    EXPECT_EQ(
        der_certificate.errors[0].message,
        "The private key field contains a certificate in binary DER form and no private key. Upload the "
        "private key in PEM form, as openssl pkey -in server.key prints it.");
}

TEST(CertificateCheck, RejectsCertificateInKeyField) {
    const CertificateCheck check = check_server(chain_pem(), pem(leaf()));

    ASSERT_EQ(check.errors.size(), 1u) << joined(check);
    EXPECT_EQ(check.errors[0].field, "private_key");
    EXPECT_EQ(
        check.errors[0].message,
        "The private key field contains a certificate (-----BEGIN CERTIFICATE-----) and no private key. "
        "Put the certificate in certificate and the private key that was generated with it, a block "
        "such as -----BEGIN PRIVATE KEY-----, in private_key.");
}

TEST(CertificateCheck, RejectsEncryptedKeys) {
    const std::string pkcs8 = test::encrypted_pkcs8_pem(leaf().key.get());
    const std::string legacy = test::encrypted_traditional_pem(leaf().key.get());
    ASSERT_NE(legacy.find("Proc-Type: 4,ENCRYPTED"), std::string::npos) << legacy;
    const std::string expected =
        "The private key is encrypted with a passphrase, which tollgate cannot enter. Decrypt it with "
        "openssl "
        "pkey -in server.key -out server-decrypted.key, which asks for the passphrase, and upload "
        "server-decrypted.key.";

    for (const std::string& key : {pkcs8, legacy}) {
        const CertificateCheck check = check_server(chain_pem(), key);

        ASSERT_EQ(check.errors.size(), 1u) << joined(check);
        EXPECT_EQ(check.errors[0].field, "private_key");
        EXPECT_EQ(check.errors[0].message, expected);
        EXPECT_EQ(check.normalized_private_key, "");
    }
}

TEST(CertificateCheck, RejectsCorruptKey) {
    std::string key = test::pkcs8_pem(leaf().key.get());
    key.replace(key.find('\n') + 1, 12, "AAAAAAAAAAAA");

    const CertificateCheck check = check_server(chain_pem(), key);

    ASSERT_EQ(check.errors.size(), 1u) << joined(check);
    EXPECT_EQ(check.errors[0].field, "private_key");
    EXPECT_EQ(check.errors[0].message,
              "The private key could not be decoded (unsupported, wrong tag, nested asn1 error). Upload the "
              "private key in PEM form, as openssl pkey -in server.key prints it.");
    EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(CertificateCheck, RejectsMismatchedKey) {
    const CertificateCheck single = check_server(pem(leaf()), test::pkcs8_pem(pki().server.key.get()));
    const CertificateCheck chain = check_server(chain_pem(), test::pkcs8_pem(pki().server.key.get()));

    ASSERT_EQ(single.errors.size(), 1u) << joined(single);
    EXPECT_EQ(single.errors[0].field, "private_key");
    EXPECT_EQ(single.errors[0].message,
              "The private key does not match certificate 1 \"CN=www.test.com,O=ELB\". Upload the key that "
              "was generated with this certificate. For a matching pair, openssl x509 -in server.crt -noout "
              "-pubkey and openssl pkey -in server.key -pubout print the same public key.");
    ASSERT_EQ(chain.errors.size(), 1u) << joined(chain);
    EXPECT_EQ(chain.errors[0].message,
              "The private key does not match certificate 1 \"CN=www.test.com,O=ELB\" or any other "
              "certificate of the chain. Upload the key that was generated with this certificate. For a "
              "matching pair, openssl x509 -in server.crt -noout -pubkey and openssl pkey -in server.key "
              "-pubout print the same public key.");
    EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(CertificateCheck, RejectsKeyOfOtherType) {
    const Issued rsa = test::issue({.common_name = "rsa", .key_kind = KeyKind::Rsa2048});

    const CertificateCheck check = check_server(pem(leaf()), test::pkcs8_pem(rsa.key.get()));

    ASSERT_EQ(check.errors.size(), 1u) << joined(check);
    EXPECT_EQ(check.errors[0].field, "private_key");
    EXPECT_EQ(check.key_type, "RSA");
    EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(CertificateCheck, RejectsChainInWrongOrder) {
    const CertificateCheck check =
        check_server(pem(pki().intermediate_a) + pem(leaf()), test::pkcs8_pem(leaf().key.get()));

    ASSERT_EQ(check.errors.size(), 1u) << joined(check);
    EXPECT_EQ(check.errors[0].field, "certificate");
    EXPECT_EQ(check.errors[0].message,
              "The private key matches certificate 2 \"CN=www.test.com,O=ELB\", not certificate 1 "
              "\"CN=Intermediate A,O=ELB\", so the chain is in the wrong order. Put the certificate that "
              "matches the key first, followed by the CA certificates that issued it.");
}

TEST(CertificateCheck, RejectsKeyForClientType) {
    const CertificateCheck check = check_client(pem(pki().root_a), test::pkcs8_pem(pki().root_a.key.get()));

    ASSERT_EQ(check.errors.size(), 1u) << joined(check);
    EXPECT_EQ(check.errors[0].field, "private_key");
    EXPECT_EQ(
        check.errors[0].message,
        "Type client takes only CA certificates, which need no private key. Leave private_key empty, so "
        "that no key is stored by mistake.");
    EXPECT_EQ(check.normalized_private_key, "");
}

TEST(CertificateCheck, CollectsEveryError) {
    const CertificateCheck check = check_certificate_upload(
        {.type = "Server", .certificate = "", .private_key = pem(leaf())}, system_clock::now());

    ASSERT_EQ(check.errors.size(), 3u) << joined(check);
    EXPECT_EQ(check.errors[0].field, "type");
    EXPECT_EQ(check.errors[1].field, "certificate");
    EXPECT_EQ(check.errors[1].message,
              "The certificate is missing. Paste the certificates in PEM form, starting with -----BEGIN "
              "CERTIFICATE-----.");
    EXPECT_EQ(check.errors[2].field, "private_key");
}

TEST(CertificateCheck, MessagesQuoteNoKeyMaterial) {
    const std::string key = test::pkcs8_pem(leaf().key.get());
    std::string corrupt = key;
    corrupt.replace(corrupt.find('\n') + 1, 12, "AAAAAAAAAAAA");
    const std::string base64 = key.substr(key.find('\n') + 1, 64);

    for (const CertificateCheck& check :
         {check_server(key, corrupt), check_client(key, key), check_server(chain_pem() + key, key),
          check_server(chain_pem(), key.substr(0, key.size() - 10))}) {
        ASSERT_FALSE(check.errors.empty());
        for (const FieldProblem& problem : check.errors) {
            EXPECT_EQ(problem.message.find(base64.substr(20, 16)), std::string::npos) << problem.message;
            EXPECT_EQ(problem.message.find(base64.substr(40, 16)), std::string::npos) << problem.message;
        }
    }
}

// ---- warnings ----

TEST(CertificateCheck, WarnsSha1Signature) {
    const Issued issued = test::issue({.common_name = "sha1.test.com",
                                       .digest = Digest::Sha1,
                                       .alt_names = {"DNS:sha1.test.com"},
                                       .key_kind = KeyKind::Rsa2048},
                                      &pki().root_a);

    const CertificateCheck check = check_single(issued);

    EXPECT_TRUE(check.errors.empty()) << joined(check);
    ASSERT_EQ(check.warnings.size(), 1u) << joined(check);
    EXPECT_EQ(check.warnings[0],
              "Certificate 1 \"CN=sha1.test.com,O=ELB\": The certificate is signed with SHA-1 "
              "(ecdsa-with-SHA1), which OpenSSL 3 rejects at security level 1 or higher and browsers reject "
              "entirely. Reissue it with -sha256 in place of -sha1 in openssl x509 -req.");
}

TEST(CertificateCheck, WarnsMd5Signature) {
    const Issued rsa_ca = test::issue({.common_name = "RSA CA", .ca = true, .key_kind = KeyKind::Rsa2048});
    const Issued issued = test::issue({.common_name = "md5.test.com",
                                       .digest = Digest::Md5,
                                       .alt_names = {"DNS:md5.test.com"},
                                       .key_kind = KeyKind::Rsa2048},
                                      &rsa_ca);

    const CertificateCheck check = check_server(pem(issued) + pem(rsa_ca), test::pkcs8_pem(issued.key.get()));

    EXPECT_TRUE(check.errors.empty()) << joined(check);
    ASSERT_EQ(check.warnings.size(), 1u) << joined(check);
    EXPECT_EQ(check.warnings[0],
              "Certificate 1 \"CN=md5.test.com,O=ELB\": The certificate is signed with MD5 "
              "(md5WithRSAEncryption), which OpenSSL 3 rejects at security level 1 or higher and browsers "
              "reject entirely. Reissue it with -sha256 in place of -sha1 in openssl x509 -req.");
}

TEST(CertificateCheck, WarnsGuideCertificates) {
    // openssl x509 -req -sha1 without -extfile makes SHA-1 certificates of version 1 without
    // extensions. They are accepted, with one warning per property that clients reject.
    const Issued ca = test::issue({.digest = Digest::Sha1, .version = 1, .key_kind = KeyKind::Rsa2048});
    const Issued server = test::issue(
        {.common_name = "www.test.com", .digest = Digest::Sha1, .version = 1, .key_kind = KeyKind::Rsa2048},
        &ca);

    const CertificateCheck server_check = check_single(server);
    const CertificateCheck ca_check = check_client(pem(ca));

    EXPECT_TRUE(server_check.errors.empty()) << joined(server_check);
    ASSERT_EQ(server_check.warnings.size(), 3u) << joined(server_check);
    EXPECT_TRUE(
        server_check.warnings[0].starts_with("Certificate 1 \"CN=www.test.com,O=ELB\": The certificate is "
                                             "signed with SHA-1 (sha1WithRSAEncryption)"))
        << server_check.warnings[0];
    EXPECT_EQ(server_check.warnings[1],
              "Certificate 1 \"CN=www.test.com,O=ELB\": The certificate is X.509 version 1, so it has no "
              "extensions such as subjectAltName or extendedKeyUsage. Reissue it as version 3 by passing an "
              "-extfile to openssl x509 -req.");
    EXPECT_EQ(server_check.warnings[2],
              "Certificate 1 \"CN=www.test.com,O=ELB\": The certificate has no subjectAltName, and browsers "
              "ignore the subject CN when they match the host name, so they reject it. Reissue it with "
              "subjectAltName=DNS:<host name> in its extensions.");

    EXPECT_TRUE(ca_check.errors.empty()) << joined(ca_check);
    ASSERT_EQ(ca_check.warnings.size(), 2u) << joined(ca_check);
    EXPECT_EQ(
        ca_check.warnings[0],
        "Certificate 1 \"O=ELB\": The certificate signs itself with SHA-1 (sha1WithRSAEncryption). "
        "OpenSSL does not check that signature, but browsers reject it, and a CA that uses SHA-1 usually "
        "signs the certificates it issues with it too. Reissue it with -sha256 in place of -sha1.");
    EXPECT_EQ(ca_check.warnings[1],
              "Certificate 1 \"O=ELB\": The CA certificate is X.509 version 1, so it has no extensions. "
              "OpenSSL accepts a version 1 CA only as a self-signed root, and X.509 strict checks reject it. "
              "Reissue it as version 3 with basicConstraints=critical,CA:TRUE.");
}

TEST(CertificateCheck, WarnsVersionOneIntermediate) {
    // The server certificate is version 1 too, because the test PKI derives the
    // authorityKeyIdentifier extension from the issuer's subjectKeyIdentifier.
    const Issued intermediate = test::issue({.common_name = "Old Intermediate", .version = 1}, &pki().root_a);
    const Issued server = test::issue({.common_name = "www.test.com", .version = 1}, &intermediate);

    const CertificateCheck check =
        check_server(pem(server) + pem(intermediate), test::pkcs8_pem(server.key.get()));

    EXPECT_TRUE(check.errors.empty()) << joined(check);
    ASSERT_EQ(check.warnings.size(), 3u) << joined(check);
    EXPECT_TRUE(
        check.warnings[0].starts_with("Certificate 1 \"CN=www.test.com,O=ELB\": The certificate is "
                                      "X.509 version 1"))
        << check.warnings[0];
    EXPECT_TRUE(
        check.warnings[1].starts_with("Certificate 1 \"CN=www.test.com,O=ELB\": The certificate has "
                                      "no subjectAltName"))
        << check.warnings[1];
    EXPECT_EQ(check.warnings[2],
              "Certificate 2 \"CN=Old Intermediate,O=ELB\": The CA certificate is X.509 version 1, so it has "
              "no extensions. OpenSSL accepts a version 1 CA only as a self-signed root, and X.509 strict "
              "checks reject it. Reissue it as version 3 with basicConstraints=critical,CA:TRUE.");
}

TEST(CertificateCheck, WarnsMissingSubjectAltName) {
    const Issued issued = test::issue({.common_name = "nosan.test.com"}, &pki().root_a);

    const CertificateCheck check = check_single(issued);

    ASSERT_EQ(check.warnings.size(), 1u) << joined(check);
    EXPECT_EQ(
        check.warnings[0],
        "Certificate 1 \"CN=nosan.test.com,O=ELB\": The certificate has no subjectAltName, and browsers "
        "ignore the subject CN when they match the host name, so they reject it. Reissue it with "
        "subjectAltName=DNS:<host name> in its extensions.");
}

TEST(CertificateCheck, WarnsClientCaWithoutCaTrue) {
    const Issued missing =
        test::issue({.common_name = "No Constraints", .key_usage = "critical,keyCertSign"});
    const Issued not_ca = test::issue({.common_name = "Not A CA",
                                       .basic_constraints = "critical,CA:FALSE",
                                       .key_usage = "critical,keyCertSign"});

    const CertificateCheck check = check_client(pem(missing) + pem(not_ca));

    EXPECT_TRUE(check.errors.empty()) << joined(check);
    ASSERT_EQ(check.warnings.size(), 2u) << joined(check);
    EXPECT_EQ(
        check.warnings[0],
        "Certificate 1 \"CN=No Constraints,O=ELB\": The CA certificate has no basicConstraints CA:TRUE, "
        "so OpenSSL accepts it as an issuer only if its keyUsage includes keyCertSign. Reissue it with "
        "basicConstraints=critical,CA:TRUE.");
    EXPECT_EQ(check.warnings[1],
              "Certificate 2 \"CN=Not A CA,O=ELB\": The CA certificate has basicConstraints CA:FALSE, so "
              "OpenSSL does not accept it as the issuer of client certificates. Reissue it with "
              "basicConstraints=critical,CA:TRUE.");
}

TEST(CertificateCheck, WarnsChainCaWithoutCaTrue) {
    const Issued missing =
        test::issue({.common_name = "No Constraints", .key_usage = "critical,keyCertSign"}, &pki().root_a);
    const Issued not_ca = test::issue({.common_name = "Not A CA",
                                       .basic_constraints = "critical,CA:FALSE",
                                       .key_usage = "critical,keyCertSign"},
                                      &pki().root_a);
    const Issued via_missing = test::issue({.common_name = "www.test.com",
                                            .alt_names = {"DNS:www.test.com"},
                                            .extended_key_usage = "serverAuth"},
                                           &missing);
    const Issued via_not_ca = test::issue({.common_name = "www.test.com",
                                           .alt_names = {"DNS:www.test.com"},
                                           .extended_key_usage = "serverAuth"},
                                          &not_ca);

    const CertificateCheck absent =
        check_server(pem(via_missing) + pem(missing), test::pkcs8_pem(via_missing.key.get()));
    const CertificateCheck ca_false =
        check_server(pem(via_not_ca) + pem(not_ca), test::pkcs8_pem(via_not_ca.key.get()));

    EXPECT_TRUE(absent.errors.empty()) << joined(absent);
    ASSERT_EQ(absent.warnings.size(), 1u) << joined(absent);
    EXPECT_EQ(
        absent.warnings[0],
        "Certificate 2 \"CN=No Constraints,O=ELB\": The CA certificate has no basicConstraints CA:TRUE, "
        "so browsers do not accept it as the issuer of the certificate before it in the chain, and "
        "OpenSSL accepts it only if its keyUsage includes keyCertSign. Reissue it with "
        "basicConstraints=critical,CA:TRUE.");
    EXPECT_TRUE(ca_false.errors.empty()) << joined(ca_false);
    ASSERT_EQ(ca_false.warnings.size(), 1u) << joined(ca_false);
    EXPECT_EQ(ca_false.warnings[0],
              "Certificate 2 \"CN=Not A CA,O=ELB\": The CA certificate has basicConstraints CA:FALSE, so "
              "clients do not accept it as the issuer of the certificate before it in the chain. Reissue it "
              "with basicConstraints=critical,CA:TRUE.");
}

TEST(CertificateCheck, WarnsClientCaWithoutKeyCertSign) {
    const Issued ca = test::issue(
        {.common_name = "Signing CA", .ca = true, .key_usage = "critical,digitalSignature,cRLSign"});

    const CertificateCheck check = check_client(pem(ca));

    EXPECT_TRUE(check.errors.empty()) << joined(check);
    ASSERT_EQ(check.warnings.size(), 1u) << joined(check);
    EXPECT_EQ(check.warnings[0],
              "Certificate 1 \"CN=Signing CA,O=ELB\": The CA certificate has a keyUsage extension without "
              "keyCertSign, so OpenSSL does not accept it as the issuer of client certificates. Reissue it "
              "with keyUsage=critical,keyCertSign,cRLSign.");
}

TEST(CertificateCheck, WarnsLeafWithoutServerAuth) {
    const Issued issued = test::issue({.common_name = "client.test.com",
                                       .alt_names = {"DNS:client.test.com"},
                                       .extended_key_usage = "clientAuth"},
                                      &pki().root_a);

    const CertificateCheck check = check_single(issued);

    EXPECT_TRUE(check.errors.empty()) << joined(check);
    ASSERT_EQ(check.warnings.size(), 1u) << joined(check);
    EXPECT_EQ(
        check.warnings[0],
        "Certificate 1 \"CN=client.test.com,O=ELB\": The certificate has an extendedKeyUsage extension "
        "without serverAuth, so browsers and OpenSSL clients reject it as a server certificate. Reissue "
        "it with extendedKeyUsage=serverAuth.");
}

TEST(CertificateCheck, WarnsExpiryWithinThirtyDays) {
    const system_clock::time_point not_after = system_clock::now() + 24h * 365;

    const CertificateCheck soon = check_single(leaf(), not_after - 24h * 29);
    const CertificateCheck later = check_single(leaf(), not_after - 24h * 31);

    ASSERT_EQ(soon.chain.size(), 1u);
    ASSERT_EQ(soon.warnings.size(), 1u) << joined(soon);
    EXPECT_EQ(soon.warnings[0], "Certificate 1 \"CN=www.test.com,O=ELB\": The certificate expires on " +
                                    format_rfc3339(soon.chain[0].not_after) +
                                    ", less than 30 days from now. Renew it and upload the new certificate "
                                    "before then, because clients reject it from that time on.");
    EXPECT_TRUE(later.warnings.empty()) << joined(later);
}

TEST(CertificateCheck, WarnsExpiredAndNotYetValid) {
    const system_clock::time_point issued_at = system_clock::now();

    const CertificateCheck expired = check_client(pem(pki().root_b), "", issued_at + 24h * 366);
    const CertificateCheck early = check_client(pem(pki().root_b), "", issued_at - 24h);

    ASSERT_EQ(expired.warnings.size(), 1u) << joined(expired);
    EXPECT_EQ(expired.warnings[0],
              "Certificate 1 \"CN=Root B,O=ELB\": The certificate expired on " +
                  format_rfc3339(expired.chain[0].not_after) +
                  ", so clients and OpenSSL reject it. Renew it with a new validity period.");
    ASSERT_EQ(early.warnings.size(), 1u) << joined(early);
    EXPECT_EQ(early.warnings[0], "Certificate 1 \"CN=Root B,O=ELB\": The certificate is not valid before " +
                                     format_rfc3339(early.chain[0].not_before) +
                                     ", so it is rejected until then. Check the clock of the machine that "
                                     "issued it.");
}

TEST(CertificateCheck, WarnsChainOfOtherIssuer) {
    const CertificateCheck check =
        check_server(pem(leaf()) + pem(pki().root_b), test::pkcs8_pem(leaf().key.get()));

    EXPECT_TRUE(check.errors.empty()) << joined(check);
    ASSERT_EQ(check.warnings.size(), 1u) << joined(check);
    EXPECT_EQ(
        check.warnings[0],
        "Certificate 1 \"CN=www.test.com,O=ELB\" is issued by \"CN=Intermediate A,O=ELB\", but the next "
        "certificate is \"CN=Root B,O=ELB\", so clients that need the chain fail to verify it. List each "
        "certificate followed by the CA certificate that issued it, starting with the server "
        "certificate, and leave out certificates of other chains.");
}

TEST(CertificateCheck, WarnsChainSignatureMismatch) {
    // A renewed CA with the same name but a new key did not sign the leaf.
    const Issued renewed = test::issue({.common_name = "Intermediate A", .ca = true}, &pki().root_a);

    const CertificateCheck check =
        check_server(pem(leaf()) + pem(renewed) + pem(pki().root_a), test::pkcs8_pem(leaf().key.get()));

    EXPECT_TRUE(check.errors.empty()) << joined(check);
    ASSERT_EQ(check.warnings.size(), 1u) << joined(check);
    EXPECT_EQ(
        check.warnings[0],
        "Certificate 1 \"CN=www.test.com,O=ELB\" names \"CN=Intermediate A,O=ELB\" as its issuer, but "
        "its signature does not verify with the key of the next certificate, so clients that need the "
        "chain fail to verify it. The next certificate is probably another CA certificate with the same "
        "name, such as a renewed one. Use the CA certificate that issued certificate 1.");
    EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(CertificateCheck, AcceptsChainUpToRoot) {
    const CertificateCheck check =
        check_server(chain_pem() + pem(pki().root_a), test::pkcs8_pem(leaf().key.get()));

    EXPECT_TRUE(check.errors.empty()) << joined(check);
    EXPECT_TRUE(check.warnings.empty()) << joined(check);
}

TEST(CertificateCheck, WarnsSmallRsaKey) {
    const Issued issued = test::issue(
        {.common_name = "small.test.com", .alt_names = {"DNS:small.test.com"}, .key_kind = KeyKind::Rsa1024},
        &pki().root_a);

    const CertificateCheck check = check_single(issued);

    EXPECT_TRUE(check.errors.empty()) << joined(check);
    EXPECT_EQ(check.key_type, "RSA");
    EXPECT_EQ(check.key_bits, 1024);
    ASSERT_EQ(check.warnings.size(), 1u) << joined(check);
    EXPECT_EQ(
        check.warnings[0],
        "Certificate 1 \"CN=small.test.com,O=ELB\": The RSA key has 1024 bits, fewer than the 2048 that "
        "browsers and current CAs require, and OpenSSL 3 rejects keys under 1024 bits at security level "
        "1. Generate a new key with openssl genrsa -out key.pem 2048 and reissue the certificate.");
}

TEST(CertificateCheck, SkipsWarningsForUnknownType) {
    const Issued issued = test::issue({.common_name = "nosan.test.com"}, &pki().root_a);

    const CertificateCheck check = check_certificate_upload(
        {.type = "", .certificate = pem(issued), .private_key = ""}, system_clock::now());

    ASSERT_EQ(check.errors.size(), 1u) << joined(check);
    EXPECT_EQ(check.errors[0].message,
              "Type \"\" is invalid. Use \"server\" for a server certificate with its private key, or "
              "\"client\" for CA certificates that verify client certificates.");
    EXPECT_TRUE(check.warnings.empty()) << joined(check);
}

// ---- warnings of stored certificates ----

TEST(CertificateWarnings, MatchUploadCheckWithoutKey) {
    const Issued issued = test::issue({.common_name = "nosan.test.com"}, &pki().root_a);
    const std::string certificate = pem(issued) + pem(pki().root_b);
    const system_clock::time_point now = system_clock::now();

    const CertificateCheck upload = check_server(certificate, test::pkcs8_pem(issued.key.get()), now);
    const std::vector<std::string> warnings = certificate_warnings("server", certificate, now);

    ASSERT_EQ(upload.warnings.size(), 2u) << joined(upload);
    EXPECT_EQ(warnings, upload.warnings);
}

TEST(CertificateWarnings, FollowTheClock) {
    const system_clock::time_point not_after = system_clock::now() + 24h * 365;

    const std::vector<std::string> now =
        certificate_warnings("client", pem(pki().root_b), system_clock::now());
    const std::vector<std::string> soon = certificate_warnings("client", pem(pki().root_b), not_after - 24h);

    EXPECT_TRUE(now.empty());
    ASSERT_EQ(soon.size(), 1u);
    EXPECT_TRUE(soon[0].starts_with("Certificate 1 \"CN=Root B,O=ELB\": The certificate expires on "))
        << soon[0];
}

TEST(CertificateWarnings, EmptyForUnknownTypeOrText) {
    const Issued issued = test::issue({.common_name = "nosan.test.com"}, &pki().root_a);

    EXPECT_TRUE(certificate_warnings("server_sm", pem(issued), system_clock::now()).empty());
    EXPECT_TRUE(certificate_warnings("server", "no certificate here", system_clock::now()).empty());
    EXPECT_EQ(ERR_peek_error(), 0u);
}

}  // namespace
}  // namespace tollgate::tls
