#include "pki/issuance.h"

#include "pki/password.h"
#include "pki_test_support.h"
#include "tls/pem.h"
#include "tls/test_pki.h"

#include <gtest/gtest.h>
#include <openssl/pkcs12.h>

#include <algorithm>
#include <cctype>

namespace tollgate::pki {
namespace {

namespace fs = std::filesystem;

using test::file_mode;
using test::read_file;
using test::TempDir;

tls::X509Ptr load_certificate(const fs::path& path) {
    auto certificates = tls::parse_certificates(read_file(path));
    EXPECT_TRUE(certificates) << path;
    EXPECT_EQ(certificates->size(), 1u) << path;
    return std::move(certificates->front());
}

IssuedFiles make_ca(const TempDir& dir) {
    CaRequest request;
    request.out_dir = dir / "ca";
    return create_ca(request).value();
}

LeafRequest server_request(const TempDir& dir) {
    LeafRequest request;
    request.ca_dir = dir / "ca";
    request.out_dir = dir / "server";
    request.dns_names = {"www.test.com"};
    request.ip_addresses = {"127.0.0.1"};
    return request;
}

LeafRequest client_request(const TempDir& dir) {
    LeafRequest request;
    request.ca_dir = dir / "ca";
    request.out_dir = dir / "client";
    request.common_name = "alice";
    return request;
}

int days_between(const ASN1_TIME* from, const ASN1_TIME* to) {
    int days = 0;
    int seconds = 0;
    EXPECT_EQ(ASN1_TIME_diff(&days, &seconds, from, to), 1);
    EXPECT_EQ(seconds, 0);
    return days;
}

TEST(CreateCa, WritesCertificateAndKey) {
    test::Umask022 umask;
    TempDir dir;
    IssuedFiles ca = make_ca(dir);

    EXPECT_EQ(ca.certificate_file, dir / "ca/ca.crt");
    EXPECT_EQ(ca.key_file, dir / "ca/ca.key");
    EXPECT_EQ(file_mode(ca.certificate_file), 0644u);
    EXPECT_EQ(file_mode(ca.key_file), 0600u);
    EXPECT_EQ(ca.facts.subject, "CN=tollgate CA");
    EXPECT_EQ(ca.facts.key_type, "EC");
    EXPECT_EQ(ca.facts.key_bits, 256);
    EXPECT_EQ(ca.facts.signature_algorithm, "ecdsa-with-SHA256");

    tls::X509Ptr certificate = load_certificate(ca.certificate_file);
    auto key = tls::parse_private_key(read_file(ca.key_file));
    ASSERT_TRUE(key) << key.error().message;
    EXPECT_EQ(X509_check_private_key(certificate.get(), key->get()), 1);
    EXPECT_EQ(days_between(X509_get0_notBefore(certificate.get()), X509_get0_notAfter(certificate.get())),
              kDefaultCaDays);
}

TEST(CreateCa, RsaAndOwnName) {
    TempDir dir;
    CaRequest request;
    request.out_dir = dir / "ca";
    request.common_name = "Example Root";
    request.key = {KeyType::Rsa, 3072, Curve::P256};
    request.days = 100;
    auto ca = create_ca(request);
    ASSERT_TRUE(ca) << ca.error().message;
    EXPECT_EQ(ca->facts.subject, "CN=Example Root");
    EXPECT_EQ(ca->facts.key_type, "RSA");
    EXPECT_EQ(ca->facts.key_bits, 3072);
    EXPECT_EQ(ca->facts.signature_algorithm, "sha256WithRSAEncryption");
    EXPECT_EQ(days_between(X509_get0_notBefore(load_certificate(ca->certificate_file).get()),
                           X509_get0_notAfter(load_certificate(ca->certificate_file).get())),
              100);
}

TEST(CreateCa, KeepsExistingFilesWithoutForce) {
    TempDir dir;
    IssuedFiles first = make_ca(dir);
    const std::string certificate = read_file(first.certificate_file);

    CaRequest request;
    request.out_dir = dir / "ca";
    auto second = create_ca(request);
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().message, (dir / "ca/ca.crt").string() + ", " + (dir / "ca/ca.key").string() +
                                          " already exist; use --force to replace them");
    EXPECT_EQ(read_file(first.certificate_file), certificate);

    request.force = true;
    auto replaced = create_ca(request);
    ASSERT_TRUE(replaced) << replaced.error().message;
    EXPECT_NE(read_file(first.certificate_file), certificate);
    EXPECT_EQ(file_mode(replaced->key_file) & 077, 0u);
}

TEST(CreateServerCertificate, DefaultsAndFiles) {
    test::Umask022 umask;
    TempDir dir;
    IssuedFiles ca = make_ca(dir);
    auto server = create_server_certificate(server_request(dir));
    ASSERT_TRUE(server) << server.error().message;

    EXPECT_EQ(server->certificate_file, dir / "server/server.crt");
    EXPECT_EQ(file_mode(server->key_file), 0600u);
    EXPECT_EQ(file_mode(server->certificate_file), 0644u);
    EXPECT_EQ(server->facts.subject, "CN=www.test.com");  // the first --dns
    EXPECT_EQ(server->facts.subject_alt_names,
              (std::vector<std::string>{"DNS:www.test.com", "IP:127.0.0.1"}));
    EXPECT_TRUE(server->facts.extended_key_usage_server_auth);

    // The file contains the server certificate alone.
    auto chain = tls::parse_certificates(read_file(server->certificate_file));
    ASSERT_TRUE(chain);
    EXPECT_EQ(chain->size(), 1u);
    tls::X509Ptr certificate = load_certificate(server->certificate_file);
    EXPECT_EQ(days_between(X509_get0_notBefore(certificate.get()), X509_get0_notAfter(certificate.get())),
              kDefaultServerDays);
    tls::X509Ptr ca_certificate = load_certificate(ca.certificate_file);
    EXPECT_EQ(test::verify_chain(certificate.get(), ca_certificate.get(), X509_PURPOSE_SSL_SERVER),
              X509_V_OK);
}

TEST(CreateServerCertificate, IpOnlyNamesCommonName) {
    TempDir dir;
    make_ca(dir);
    LeafRequest request = server_request(dir);
    request.dns_names.clear();
    auto server = create_server_certificate(request);
    ASSERT_TRUE(server) << server.error().message;
    EXPECT_EQ(server->facts.subject, "CN=127.0.0.1");
}

TEST(CreateServerCertificate, RejectsMissingCa) {
    TempDir dir;
    auto server = create_server_certificate(server_request(dir));
    ASSERT_FALSE(server);
    EXPECT_EQ(server.error().message, "the CA certificate " + (dir / "ca/ca.crt").string() +
                                          " does not exist; create a CA with `tollgate pki ca --out " +
                                          (dir / "ca").string() + "` or pass the directory of yours");
    EXPECT_FALSE(fs::exists(dir / "server"));
}

TEST(CreateServerCertificate, RejectsMismatchedCaKey) {
    TempDir dir;
    make_ca(dir);
    CaRequest other;
    other.out_dir = dir / "other";
    create_ca(other).value();
    fs::copy_file(dir / "other/ca.key", dir / "ca/ca.key", fs::copy_options::overwrite_existing);

    auto server = create_server_certificate(server_request(dir));
    ASSERT_FALSE(server);
    EXPECT_EQ(server.error().message, "the private key " + (dir / "ca/ca.key").string() +
                                          " does not belong to the CA certificate " +
                                          (dir / "ca/ca.crt").string());
}

TEST(CreateServerCertificate, RejectsLeafAsCa) {
    TempDir dir;
    make_ca(dir);
    create_client_certificate(client_request(dir)).value();
    fs::create_directory(dir / "fake");
    fs::copy_file(dir / "client/client.crt", dir / "fake/ca.crt");
    fs::copy_file(dir / "client/client.key", dir / "fake/ca.key");

    LeafRequest request = server_request(dir);
    request.ca_dir = dir / "fake";
    auto server = create_server_certificate(request);
    ASSERT_FALSE(server);
    EXPECT_EQ(server.error().message,
              (dir / "fake/ca.crt").string() +
                  " is not a CA certificate (it lacks basicConstraints CA:TRUE or keyUsage "
                  "keyCertSign); create a CA with `tollgate pki ca`");
}

// A version 1 CA without extensions, signed with SHA-1, as `openssl x509 -req -sha1 -signkey`
// makes it, still issues modern certificates.
TEST(CreateServerCertificate, UnderVersion1Ca) {
    TempDir dir;
    tls::test::CertificateSpec spec;
    spec.version = 1;
    spec.digest = tls::test::Digest::Sha1;
    spec.key_kind = tls::test::KeyKind::Rsa2048;
    spec.valid_until = std::chrono::days(5000);
    tls::test::Issued legacy = tls::test::issue(spec);
    fs::create_directory(dir / "ca");
    test::write_file(dir / "ca/ca.crt", tls::to_pem(legacy.certificate.get()));
    test::write_file(dir / "ca/ca.key", private_key_pem(legacy.key.get()).value());

    auto server = create_server_certificate(server_request(dir));
    ASSERT_TRUE(server) << server.error().message;
    EXPECT_EQ(server->facts.issuer, "O=ELB");
    EXPECT_EQ(server->facts.signature_algorithm, "sha256WithRSAEncryption");
    EXPECT_TRUE(server->facts.extended_key_usage_server_auth);

    // The CA has no subjectKeyIdentifier, so the authorityKeyIdentifier names its issuer and serial.
    tls::X509Ptr certificate = load_certificate(server->certificate_file);
    EXPECT_EQ(X509_get0_authority_key_id(certificate.get()), nullptr);
    ASSERT_NE(X509_get0_authority_serial(certificate.get()), nullptr);
    EXPECT_EQ(ASN1_INTEGER_cmp(X509_get0_authority_serial(certificate.get()),
                               X509_get0_serialNumber(legacy.certificate.get())),
              0);
}

TEST(CreateServerCertificate, RejectsNoNamesBeforeWriting) {
    TempDir dir;
    make_ca(dir);
    LeafRequest request = server_request(dir);
    request.dns_names.clear();
    request.ip_addresses.clear();
    auto server = create_server_certificate(request);
    ASSERT_FALSE(server);
    EXPECT_EQ(
        server.error().message,
        "a server certificate needs at least one DNS name or IP address for its subjectAltName: pass --dns "
        "or --ip");
    EXPECT_FALSE(fs::exists(dir / "server"));
}

TEST(CreateClientCertificate, FilesAndExtensions) {
    TempDir dir;
    IssuedFiles ca = make_ca(dir);
    LeafRequest request = client_request(dir);
    request.key = {KeyType::Rsa, 2048, Curve::P256};
    auto client = create_client_certificate(request);
    ASSERT_TRUE(client) << client.error().message;

    EXPECT_EQ(client->certificate_file, dir / "client/client.crt");
    EXPECT_EQ(client->key_file, dir / "client/client.key");
    EXPECT_EQ(file_mode(client->key_file) & 077, 0u);
    EXPECT_EQ(client->facts.subject, "CN=alice");
    EXPECT_EQ(client->facts.key_type, "RSA");
    EXPECT_TRUE(client->facts.extended_key_usage_client_auth);
    EXPECT_FALSE(client->facts.extended_key_usage_server_auth);
    tls::X509Ptr certificate = load_certificate(client->certificate_file);
    EXPECT_EQ(days_between(X509_get0_notBefore(certificate.get()), X509_get0_notAfter(certificate.get())),
              kDefaultClientDays);
    tls::X509Ptr ca_certificate = load_certificate(ca.certificate_file);
    EXPECT_EQ(test::verify_chain(certificate.get(), ca_certificate.get(), X509_PURPOSE_SSL_CLIENT),
              X509_V_OK);
}

TEST(CreateClientCertificate, RequiresCommonName) {
    TempDir dir;
    make_ca(dir);
    LeafRequest request = client_request(dir);
    request.common_name.clear();
    auto client = create_client_certificate(request);
    ASSERT_FALSE(client);
    EXPECT_EQ(client.error().message, "a client certificate needs a common name: pass --cn NAME");
}

TEST(CreatePkcs12File, BundleFromFiles) {
    test::Umask022 umask;
    TempDir dir;
    IssuedFiles ca = make_ca(dir);
    IssuedFiles client = create_client_certificate(client_request(dir)).value();

    Pkcs12Request request{client.certificate_file,   client.key_file, ca.certificate_file,
                          dir / "client/client.p12", "secret-1",      false};
    auto written = create_pkcs12_file(request);
    ASSERT_TRUE(written) << written.error().message;
    EXPECT_EQ(*written, dir / "client/client.p12");
    EXPECT_EQ(file_mode(*written), 0600u);

    const std::string der = read_file(*written);
    const auto* data = reinterpret_cast<const unsigned char*>(der.data());
    Pkcs12Ptr p12(d2i_PKCS12(nullptr, &data, static_cast<long>(der.size())));
    ASSERT_TRUE(p12);
    EXPECT_EQ(PKCS12_verify_mac(p12.get(), "secret-1", -1), 1);

    auto again = create_pkcs12_file(request);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().message,
              (dir / "client/client.p12").string() + " already exists; use --force to replace it");
}

TEST(CreatePkcs12File, RejectsForeignKey) {
    TempDir dir;
    IssuedFiles ca = make_ca(dir);
    IssuedFiles client = create_client_certificate(client_request(dir)).value();
    Pkcs12Request request{client.certificate_file, ca.key_file, {}, dir / "client.p12", "secret-1", false};
    auto written = create_pkcs12_file(request);
    ASSERT_FALSE(written);
    EXPECT_EQ(written.error().message, "the private key " + ca.key_file.string() +
                                           " does not belong to the certificate " +
                                           client.certificate_file.string());
    EXPECT_FALSE(fs::exists(dir / "client.p12"));
}

TEST(RunQuickstart, WritesEveryFile) {
    test::Umask022 umask;
    TempDir dir;
    QuickstartRequest request;
    request.out_dir = dir / "pki";
    auto files = run_quickstart(request);
    ASSERT_TRUE(files) << files.error().message;

    for (const fs::path& path : {files->ca.key_file, files->server.key_file, files->client.key_file,
                                 files->p12_file, files->password_file}) {
        EXPECT_EQ(file_mode(path), 0600u) << path;
    }
    for (const fs::path& path :
         {files->ca.certificate_file, files->server.certificate_file, files->client.certificate_file}) {
        EXPECT_EQ(file_mode(path), 0644u) << path;
    }
    EXPECT_EQ(files->ca.certificate_file, dir / "pki/ca/ca.crt");
    EXPECT_EQ(files->server.key_file, dir / "pki/server/server.key");
    EXPECT_EQ(files->client.certificate_file, dir / "pki/client/client.crt");
    EXPECT_EQ(files->p12_file, dir / "pki/client/client.p12");
    EXPECT_EQ(files->password_file, dir / "pki/client/client.p12.password");

    EXPECT_EQ(files->server.facts.subject_alt_names,
              (std::vector<std::string>{"DNS:localhost", "IP:127.0.0.1"}));
    EXPECT_EQ(files->client.facts.subject, "CN=tollgate client");
    EXPECT_EQ(files->ca.facts.subject, "CN=tollgate CA");
}

TEST(RunQuickstart, GeneratedPasswordOpensBundle) {
    TempDir dir;
    QuickstartRequest request;
    request.out_dir = dir.path();
    QuickstartFiles files = run_quickstart(request).value();

    const std::string content = read_file(files.password_file);
    ASSERT_EQ(content.size(), kGeneratedPasswordLength + 1);
    EXPECT_EQ(content.back(), '\n');
    const std::string password = read_password_file(files.password_file).value();
    EXPECT_TRUE(std::all_of(password.begin(), password.end(), [](char c) { return std::isalnum(c); }));

    const std::string der = read_file(files.p12_file);
    const auto* data = reinterpret_cast<const unsigned char*>(der.data());
    Pkcs12Ptr p12(d2i_PKCS12(nullptr, &data, static_cast<long>(der.size())));
    ASSERT_TRUE(p12);
    EXPECT_EQ(PKCS12_verify_mac(p12.get(), password.c_str(), -1), 1);
}

TEST(RunQuickstart, GivenPasswordWritesNoPasswordFile) {
    TempDir dir;
    QuickstartRequest request;
    request.out_dir = dir.path();
    request.password = "chosen password";
    QuickstartFiles files = run_quickstart(request).value();
    EXPECT_TRUE(files.password_file.empty());
    EXPECT_FALSE(fs::exists(dir / "client/client.p12.password"));
}

TEST(RunQuickstart, OwnNamesKeyAndDays) {
    TempDir dir;
    QuickstartRequest request;
    request.out_dir = dir.path();
    request.dns_names = {"lb.example"};
    request.key = {KeyType::Ec, 2048, Curve::P384};
    request.days = 30;
    QuickstartFiles files = run_quickstart(request).value();

    EXPECT_EQ(files.server.facts.subject_alt_names, std::vector<std::string>{"DNS:lb.example"});
    for (const IssuedFiles* issued : {&files.ca, &files.server, &files.client}) {
        EXPECT_EQ(issued->facts.key_bits, 384);
        EXPECT_EQ(issued->facts.signature_algorithm, "ecdsa-with-SHA384");
        tls::X509Ptr certificate = load_certificate(issued->certificate_file);
        EXPECT_EQ(days_between(X509_get0_notBefore(certificate.get()), X509_get0_notAfter(certificate.get())),
                  30);
    }
}

TEST(RunQuickstart, NoOverwriteNamesFilesAndWritesNothing) {
    TempDir dir;
    fs::create_directories(dir / "server");
    fs::create_directories(dir / "client");
    test::write_file(dir / "server/server.key", "keep\n");
    test::write_file(dir / "client/client.p12", "keep\n");

    QuickstartRequest request;
    request.out_dir = dir.path();
    auto files = run_quickstart(request);
    ASSERT_FALSE(files);
    EXPECT_EQ(files.error().message, (dir / "server/server.key").string() + ", " +
                                         (dir / "client/client.p12").string() +
                                         " already exist; use --force to replace them");
    EXPECT_FALSE(fs::exists(dir / "ca"));
    EXPECT_EQ(read_file(dir / "server/server.key"), "keep\n");

    request.force = true;
    ASSERT_TRUE(run_quickstart(request));
    EXPECT_NE(read_file(dir / "server/server.key"), "keep\n");
}

}  // namespace
}  // namespace tollgate::pki
