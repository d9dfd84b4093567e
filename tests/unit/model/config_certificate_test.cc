// The certificates collection: inline PEM and files, key rules by type, and file errors.

#include "model/config_test_support.h"

#include <gmock/gmock.h>

namespace tollgate::model::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

using ConfigCertificate = ConfigTest;

// Returns a YAML double-quoted scalar of `pem`.
std::string quoted(const std::string& pem) {
    std::string out = "\"";
    for (char c : pem) {
        out += c == '\n' ? std::string("\\n") : std::string(1, c);
    }
    return out + "\"";
}

TEST_F(ConfigCertificate, InlinePemLoads) {
    LoadResult result = load("certificates:\n  - {id: srv, certificate: " + quoted(kServerCertificatePem) +
                             ", private_key: " + quoted(kServerKeyPem) + "}\n");

    ASSERT_THAT(error_lines(result), IsEmpty());
    ASSERT_EQ(result.config.certificates.size(), 1u);
    EXPECT_EQ(result.config.certificates[0].type, CertificateType::Server);
    EXPECT_EQ(result.config.certificates[0].certificate, kServerCertificatePem);
    EXPECT_EQ(result.config.certificates[0].private_key, kServerKeyPem);
}

TEST_F(ConfigCertificate, BlockScalarPemLoads) {
    LoadResult result = load(R"(certificates:
  - id: ca
    type: client
    name: Client CA
    description: verifies the clients of the web listener
    certificate: |
      -----BEGIN CERTIFICATE-----
      TUlJQmNh
      -----END CERTIFICATE-----
)");

    ASSERT_THAT(error_lines(result), IsEmpty());
    ASSERT_EQ(result.config.certificates.size(), 1u);
    EXPECT_EQ(result.config.certificates[0].certificate, kCaCertificatePem);
    EXPECT_EQ(result.config.certificates[0].name, "Client CA");
}

TEST_F(ConfigCertificate, AbsolutePathLoads) {
    LoadResult result = load("certificates:\n  - {id: ca, type: client, certificate_file: " +
                             (dir_ / "ca" / "ca.crt").string() + "}\n");

    ASSERT_THAT(error_lines(result), IsEmpty());
    EXPECT_EQ(result.config.certificates[0].certificate, kCaCertificatePem);
}

TEST_F(ConfigCertificate, DomainIgnored) {
    LoadResult result = load(
        "certificates:\n  - {id: ca, type: client, certificate_file: ca/ca.crt, domain: 'www.test.com'}\n");

    EXPECT_THAT(error_lines(result), IsEmpty());
}

TEST_F(ConfigCertificate, BothCertificateAndFileRejected) {
    LoadResult result =
        load("certificates:\n  - {id: ca, type: client, certificate: " + quoted(kCaCertificatePem) +
             ", certificate_file: ca/ca.crt}\n");

    EXPECT_THAT(error_lines(result),
                ElementsAre("certificates[ca].certificate_file: set together with certificate: "
                            "keep only one of certificate and certificate_file"));
}

TEST_F(ConfigCertificate, MissingCertificateRejected) {
    LoadResult result = load("certificates:\n  - {id: ca, type: client}\n");

    EXPECT_THAT(error_lines(result),
                ElementsAre("certificates[ca].certificate: missing required field: add "
                            "certificate with the PEM text or certificate_file with a file path"));
}

TEST_F(ConfigCertificate, ServerWithoutKeyRejected) {
    LoadResult result = load("certificates:\n  - {id: srv, certificate_file: server/server.crt}\n");

    EXPECT_THAT(error_lines(result),
                ElementsAre("certificates[srv].private_key: missing required field: add "
                            "private_key with the PEM text or private_key_file with a file path"));
}

TEST_F(ConfigCertificate, ServerWithBothKeysRejected) {
    LoadResult result = load(
        "certificates:\n  - {id: srv, certificate_file: server/server.crt, private_key_file: "
        "server/server.key, "
        "private_key: " +
        quoted(kServerKeyPem) + "}\n");

    EXPECT_THAT(error_lines(result),
                ElementsAre("certificates[srv].private_key_file: set together with private_key: "
                            "keep only one of private_key and private_key_file"));
}

TEST_F(ConfigCertificate, ClientWithKeyRejected) {
    LoadResult result = load(
        "certificates:\n  - {id: ca, type: client, certificate_file: ca/ca.crt, private_key_file: "
        "server/server.key}\n");

    EXPECT_THAT(error_lines(result),
                ElementsAre("certificates[ca].private_key_file: not allowed for type client: "
                            "remove it, because a bundle of CA certificates has no private key"));
}

TEST_F(ConfigCertificate, MissingFileNamesResolvedPath) {
    LoadResult result = load(
        "certificates:\n  - {id: srv, certificate_file: server/../server/absent.crt, private_key_file: "
        "server/server.key}\n");

    EXPECT_THAT(error_lines(result),
                ElementsAre("certificates[srv].certificate_file: file not found \"" +
                            (dir_ / "server" / "absent.crt").string() +
                            "\": check the path, which is relative to the folder of the configuration file"));
}

TEST_F(ConfigCertificate, MissingAbsoluteFileReported) {
    std::string path = (dir_ / "nowhere.crt").string();
    LoadResult result = load("certificates:\n  - {id: ca, type: client, certificate_file: " + path + "}\n");

    EXPECT_THAT(error_lines(result), ElementsAre("certificates[ca].certificate_file: file not found \"" +
                                                 path + "\": check the path"));
}

TEST_F(ConfigCertificate, FileWithoutPemRejected) {
    write_file("ca/ca.der", std::string("\x30\x82\x01\x0a", 4));
    LoadResult result = load("certificates:\n  - {id: ca, type: client, certificate_file: ca/ca.der}\n");

    EXPECT_THAT(error_lines(result),
                ElementsAre("certificates[ca].certificate_file: no PEM block in file \"" +
                            (dir_ / "ca" / "ca.der").string() +
                            "\": use a PEM file with a -----BEGIN CERTIFICATE----- line"));
}

TEST_F(ConfigCertificate, InlineKeyWithoutPemHidesValue) {
    LoadResult result = load(
        "certificates:\n  - {id: srv, certificate_file: server/server.crt, private_key: "
        "secret-key-material}\n");

    EXPECT_THAT(error_lines(result),
                ElementsAre("certificates[srv].private_key: no PEM block: paste the PEM text with "
                            "its -----BEGIN PRIVATE KEY----- line"));
}

TEST_F(ConfigCertificate, OversizedKeyFileRejected) {
    write_file("server/big.key", kServerKeyPem + std::string(8192, 'A'));
    LoadResult result = load(
        "certificates:\n  - {id: srv, certificate_file: server/server.crt, private_key_file: "
        "server/big.key}\n");

    EXPECT_THAT(error_lines(result),
                ElementsAre("certificates[srv].private_key_file: file too large \"" +
                            (dir_ / "server" / "big.key").string() + "\": use a file of at most 8192 bytes"));
}

TEST_F(ConfigCertificate, InvalidTypeRejected) {
    LoadResult result = load(
        "certificates:\n  - {id: ca, type: ca, certificate_file: ca/ca.crt}\n"
        "  - {id: sm, type: server_sm, certificate_file: ca/ca.crt}\n");

    EXPECT_THAT(error_lines(result),
                ElementsAre("certificates[ca].type: invalid value \"ca\": use server or client",
                            "certificates[sm].type: not supported yet \"server_sm\": use server or client"));
}

TEST_F(ConfigCertificate, CloudFieldRejected) {
    LoadResult result = load(
        "certificates:\n  - {id: ca, type: client, certificate_file: ca/ca.crt, admin_state_up: true}\n");

    EXPECT_THAT(
        error_lines(result),
        ElementsAre("certificates[ca].admin_state_up: unknown field: remove it or check its spelling"));
}

}  // namespace
}  // namespace tollgate::model::testing
