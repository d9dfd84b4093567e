#include "control_test_support.h"

#include "tls/certificate_info.h"
#include "tls/test_pki.h"

#include <sqlite3.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <regex>

namespace tollgate::control::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using tls::test::Digest;
using tls::test::Issued;
using tls::test::KeyKind;

// Certificates shared by the tests of this file; keys are generated once per test binary.
struct Pki {
    Issued root;
    Issued intermediate;
    Issued server;      // "CN=www.test.com,O=ELB", EC, issued by intermediate
    Issued rsa_server;  // "CN=rsa.test.com,O=ELB", RSA 2048, issued by root
    Issued other;       // "CN=other.test.com,O=ELB", EC, issued by root
};

const Pki& pki() {
    static const Pki shared = [] {
        Pki pki;
        pki.root = tls::test::issue({.common_name = "Test Root", .ca = true});
        pki.intermediate = tls::test::issue({.common_name = "Test Intermediate", .ca = true}, &pki.root);
        pki.server = tls::test::issue({.common_name = "www.test.com",
                                       .alt_names = {"DNS:www.test.com", "DNS:test.com", "IP:127.0.0.1"},
                                       .extended_key_usage = "serverAuth"},
                                      &pki.intermediate);
        pki.rsa_server = tls::test::issue({.common_name = "rsa.test.com",
                                           .alt_names = {"DNS:rsa.test.com"},
                                           .key_kind = KeyKind::Rsa2048,
                                           .extended_key_usage = "serverAuth"},
                                          &pki.root);
        pki.other = tls::test::issue({.common_name = "other.test.com",
                                      .alt_names = {"DNS:other.test.com"},
                                      .extended_key_usage = "serverAuth"},
                                     &pki.root);
        return pki;
    }();
    return shared;
}

std::string pem(const Issued& issued) {
    return tls::test::certificate_pem(issued.certificate.get());
}

std::string key_pem(const Issued& issued) {
    return tls::test::pkcs8_pem(issued.key.get());
}

std::string chain_pem() {
    return pem(pki().server) + pem(pki().intermediate);
}

std::string with_crlf(const std::string& text) {
    return std::regex_replace(text, std::regex("\n"), "\r\n");
}

// Issues a new certificate for the key of `issued`, as a renewal does.
Issued renew(const Issued& issued, const Issued& issuer) {
    Issued renewed;
    renewed.certificate.reset(X509_dup(issued.certificate.get()));
    EVP_PKEY_up_ref(issued.key.get());
    renewed.key.reset(issued.key.get());
    EXPECT_EQ(ASN1_INTEGER_set(X509_get_serialNumber(renewed.certificate.get()), 424242), 1);
    EXPECT_NE(X509_gmtime_adj(X509_getm_notAfter(renewed.certificate.get()), 2L * 365 * 24 * 3600), nullptr);
    EXPECT_GT(X509_sign(renewed.certificate.get(), issuer.key.get(), EVP_sha256()), 0);
    return renewed;
}

json server_object(const std::string& certificate, const std::string& key) {
    return {{"certificate", certificate}, {"private_key", key}};
}

std::string expected_not_after(const Issued& issued) {
    return tls::format_asn1_time(X509_get0_notAfter(issued.certificate.get()));
}

class CertificateTest : public ControlTest {
protected:
    Reply create_certificate(const json& object) {
        return call("POST", path("/certificates"), {{"certificate", object}});
    }

    Reply update_certificate(const std::string& id, const json& object) {
        return call("PUT", path("/certificates/" + id), {{"certificate", object}});
    }

    // Creates a certificate and returns its response object, failing the test unless 201.
    json created(const json& object) {
        Reply reply = create_certificate(object);
        EXPECT_EQ(reply.status, 201) << reply.body.dump();
        return reply.body.value("certificate", json::object());
    }

    // Returns the warnings of a certificate created from `object`.
    json warnings_of(const json& object) { return created(object).value("warnings", json()); }

    // Creates a load balancer and an HTTPS listener on it that serves `certificate_id`.
    std::string create_https_listener(const std::string& certificate_id) {
        const std::string lb = create("/loadbalancers", "loadbalancer", {{"vip_address", "127.0.0.1"}});
        return create("/listeners", "listener",
                      {{"loadbalancer_id", lb},
                       {"protocol", "HTTPS"},
                       {"protocol_port", 8443},
                       {"default_tls_container_ref", certificate_id}});
    }

    // Returns the certificate `id` of the last published configuration, or null.
    const model::Certificate* published_certificate(const std::string& id) {
        if (data_plane_.published.empty()) {
            return nullptr;
        }
        return data_plane_.published.back().find_certificate(id);
    }

    // Returns every value of one column of the store's database.
    std::vector<std::string> column(const std::string& sql) {
        sqlite3* db = nullptr;
        const std::string file = (dir_ / "data" / "tollgate.db").string();
        EXPECT_EQ(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
        sqlite3_stmt* statement = nullptr;
        EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr), SQLITE_OK)
            << sqlite3_errmsg(db);
        std::vector<std::string> values;
        while (sqlite3_step(statement) == SQLITE_ROW) {
            const auto* data = static_cast<const char*>(sqlite3_column_blob(statement, 0));
            values.emplace_back(data, static_cast<std::size_t>(sqlite3_column_bytes(statement, 0)));
        }
        sqlite3_finalize(statement);
        sqlite3_close(db);
        return values;
    }
};

// ---- accepted uploads and the response ----

TEST_F(CertificateTest, CreateReturnsCertificateInfo) {
    const json certificate =
        created({{"name", "www"}, {"certificate", chain_pem()}, {"private_key", key_pem(pki().server)}});

    EXPECT_TRUE(std::regex_match(certificate.value("id", ""), std::regex("[0-9a-f]{32}")))
        << certificate.dump();
    EXPECT_EQ(certificate["project_id"], kProject);
    EXPECT_EQ(certificate["name"], "www");
    EXPECT_EQ(certificate["description"], "");
    EXPECT_EQ(certificate["type"], "server");
    EXPECT_EQ(certificate["domain"], nullptr);
    EXPECT_EQ(certificate["certificate"], chain_pem());
    EXPECT_EQ(certificate["private_key"], "******");
    EXPECT_EQ(certificate["admin_state_up"], true);
    EXPECT_EQ(certificate["expire_time"], expected_not_after(pki().server));
    EXPECT_TRUE(std::regex_match(certificate.value("expire_time", ""),
                                 std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)")));
    EXPECT_EQ(certificate["common_name"], "www.test.com");
    EXPECT_EQ(certificate["fingerprint"], tls::sha256_fingerprint(pki().server.certificate.get()));
    EXPECT_EQ(certificate["subject_alternative_names"], json({"www.test.com", "test.com", "127.0.0.1"}));
    EXPECT_EQ(certificate["subject"], "CN=www.test.com,O=ELB");
    EXPECT_EQ(certificate["issuer"], "CN=Test Intermediate,O=ELB");
    EXPECT_EQ(certificate["serial_number"], tls::format_serial(pki().server.certificate.get()));
    EXPECT_EQ(certificate["signature_algorithm"], "ecdsa-with-SHA256");
    EXPECT_EQ(certificate["key_type"], "EC");
    EXPECT_EQ(certificate["key_bits"], 256);
    EXPECT_EQ(certificate["protection_status"], "nonProtection");
    EXPECT_EQ(certificate["enterprise_project_id"], "0");
    EXPECT_EQ(certificate["warnings"], json::array());
    EXPECT_FALSE(certificate.value("created_at", "").empty());

    ASSERT_EQ(certificate["chain"].size(), 2u);
    const json& intermediate = certificate["chain"][1];
    EXPECT_EQ(intermediate["subject"], "CN=Test Intermediate,O=ELB");
    EXPECT_EQ(intermediate["issuer"], "CN=Test Root,O=ELB");
    EXPECT_EQ(intermediate["common_name"], "Test Intermediate");
    EXPECT_EQ(intermediate["fingerprint"], tls::sha256_fingerprint(pki().intermediate.certificate.get()));
    EXPECT_EQ(intermediate["not_after"], expected_not_after(pki().intermediate));
    EXPECT_EQ(intermediate["subject_alternative_names"], json::array());
}

TEST_F(CertificateTest, AcceptsWhatPeoplePaste) {
    struct Case {
        std::string name;
        json object;
        std::string certificate;  // expected normalized certificate
        std::string key;          // expected normalized key, as the data plane receives it
    };
    const Issued& ec = pki().server;
    const Issued& rsa = pki().rsa_server;
    const std::vector<Case> cases = {
        {"crlf", server_object(with_crlf(pem(ec)), with_crlf(key_pem(ec))), pem(ec), key_pem(ec)},
        {"no trailing newline",
         server_object(pem(ec).substr(0, pem(ec).size() - 1), key_pem(ec).substr(0, key_pem(ec).size() - 1)),
         pem(ec), key_pem(ec)},
        {"blank lines around", server_object("\n\n" + pem(ec) + "\n\n\n", "\n \n" + key_pem(ec) + "\n\n"),
         pem(ec), key_pem(ec)},
        {"chain", server_object(chain_pem(), key_pem(ec)), chain_pem(), key_pem(ec)},
        {"rsa pkcs1", server_object(pem(rsa), tls::test::traditional_pem(rsa.key.get())), pem(rsa),
         tls::test::traditional_pem(rsa.key.get())},
        {"rsa pkcs8", server_object(pem(rsa), key_pem(rsa)), pem(rsa), key_pem(rsa)},
        {"ec sec1", server_object(pem(ec), tls::test::traditional_pem(ec.key.get())), pem(ec),
         tls::test::traditional_pem(ec.key.get())},
        {"ec pkcs8", server_object(pem(ec), key_pem(ec)), pem(ec), key_pem(ec)},
    };
    for (const Case& test_case : cases) {
        SCOPED_TRACE(test_case.name);
        const json certificate = created(test_case.object);
        const std::string id = certificate.value("id", "");

        EXPECT_EQ(certificate["certificate"], test_case.certificate);
        EXPECT_EQ(certificate["private_key"], "******");
        EXPECT_EQ(certificate["warnings"], json::array());
        const model::Certificate* published = published_certificate(id);
        ASSERT_NE(published, nullptr);
        EXPECT_EQ(published->certificate, test_case.certificate);
        EXPECT_EQ(published->private_key, test_case.key);
    }
}

TEST_F(CertificateTest, ClientCaHasNoKey) {
    const json certificate = created({{"type", "client"}, {"certificate", pem(pki().root)}});

    EXPECT_EQ(certificate["type"], "client");
    EXPECT_EQ(certificate["private_key"], "");
    EXPECT_EQ(certificate["common_name"], "Test Root");
    EXPECT_EQ(certificate["warnings"], json::array());
    EXPECT_TRUE(column("SELECT field FROM secrets").empty());
    const model::Certificate* published = published_certificate(certificate.value("id", ""));
    ASSERT_NE(published, nullptr);
    EXPECT_EQ(published->type, model::CertificateType::Client);
}

// ---- rejected uploads ----

TEST_F(CertificateTest, RejectsMismatchedKey) {
    Reply reply = create_certificate(server_object(pem(pki().server), key_pem(pki().other)));

    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.body["error_code"], "ELB.8902");
    EXPECT_EQ(
        reply.message(),
        "certificate.private_key: The private key does not match certificate 1 \"CN=www.test.com,O=ELB\". "
        "Upload the key that was generated with this certificate. For a matching pair, openssl x509 -in "
        "server.crt -noout -pubkey and openssl pkey -in server.key -pubout print the same public key.");
    EXPECT_EQ(call("GET", path("/certificates")).body["certificates"].size(), 0u);
}

TEST_F(CertificateTest, RejectsTextThatIsNotPem) {
    Reply reply = create_certificate(server_object("my certificate", key_pem(pki().server)));

    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(
        reply.message(),
        "certificate.certificate: No certificate found: expected a PEM block starting with -----BEGIN "
        "CERTIFICATE-----. Paste the server certificate followed by its intermediate CA certificates in PEM "
        "form, as openssl x509 -in server.crt prints them.");
}

TEST_F(CertificateTest, RejectsEncryptedKey) {
    Reply reply = create_certificate(
        server_object(pem(pki().server), tls::test::encrypted_pkcs8_pem(pki().server.key.get())));

    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(
        reply.message(),
        "certificate.private_key: The private key is encrypted with a passphrase, which tollgate cannot "
        "enter. Decrypt it with openssl pkey -in server.key -out server-decrypted.key, which asks for the "
        "passphrase, and upload server-decrypted.key.");
}

TEST_F(CertificateTest, RejectsServerWithoutKey) {
    Reply reply = create_certificate({{"certificate", pem(pki().server)}});

    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(
        reply.message(),
        "certificate.private_key: The private key is missing. A server certificate needs the private key "
        "that was generated with it, in PEM form, as openssl pkey -in server.key prints it.");
}

TEST_F(CertificateTest, RejectsServerSm) {
    Reply reply = create_certificate(
        {{"type", "server_sm"}, {"certificate", pem(pki().server)}, {"private_key", key_pem(pki().server)}});

    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(
        reply.message(),
        "certificate.type: not supported \"server_sm\": tollgate has no SM2 dual certificates, so use server "
        "or client");
}

TEST_F(CertificateTest, JoinsEveryUploadError) {
    Reply reply = create_certificate(
        server_object("my certificate", tls::test::encrypted_pkcs8_pem(pki().server.key.get())));

    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(
        reply.message(),
        "certificate.certificate: No certificate found: expected a PEM block starting with -----BEGIN "
        "CERTIFICATE-----. Paste the server certificate followed by its intermediate CA certificates in PEM "
        "form, as openssl x509 -in server.crt prints them.; certificate.private_key: The private key is "
        "encrypted with a passphrase, which tollgate cannot enter. Decrypt it with openssl pkey -in "
        "server.key -out server-decrypted.key, which asks for the passphrase, and upload "
        "server-decrypted.key.");
}

TEST_F(CertificateTest, RejectsInvalidFields) {
    const json valid = server_object(pem(pki().server), key_pem(pki().server));
    struct Case {
        json extra;
        std::string message;
    };
    const std::vector<Case> cases = {
        {{{"colour", "blue"}}, "certificate.colour: unknown field: remove it or check its spelling"},
        {{{"type", "peer"}},
         "certificate.type: invalid value \"peer\": use server for a server certificate with its private "
         "key, or "
         "client for CA certificates that verify client certificates"},
        {{{"name", std::string(256, 'n')}},
         "certificate.name: too long (256 characters): use at most 255 characters"},
        {{{"description", 7}},
         "certificate.description: invalid value 7: use a string of at most 255 characters"},
        {{{"domain", "www.test.com,-bad.test.com"}},
         "certificate.domain: invalid host name \"-bad.test.com\": use names such as www.example.com or "
         "*.example.com, separated by commas without spaces"},
        {{{"domain", "www.*.com"}},
         "certificate.domain: invalid host name \"www.*.com\": use names such as www.example.com or "
         "*.example.com, separated by commas without spaces"},
        {{{"admin_state_up", "yes"}}, "certificate.admin_state_up: invalid value \"yes\": use true or false"},
        {{{"enc_certificate", pem(pki().server)}},
         "certificate.enc_certificate: not supported: it belongs to SM2 dual certificates (type server_sm), "
         "which "
         "tollgate does not support, so leave it out"},
        {{{"private_key", 5}},
         "certificate.private_key: invalid value of JSON type number: use the PEM text as a string"},
        {{{"source", "acm"}}, "certificate.source: invalid value \"acm\": use \"scm\" or \"\""},
        {{{"protection_status", "locked"}},
         "certificate.protection_status: invalid value \"locked\": use nonProtection or consoleProtection"},
        {{{"protection_reason", "<b>"}},
         "certificate.protection_reason: invalid value \"<b>\": leave out the characters < and >"},
    };
    for (const Case& test_case : cases) {
        json object = valid;
        object.update(test_case.extra);
        Reply reply = create_certificate(object);
        EXPECT_EQ(reply.status, 400) << test_case.message;
        EXPECT_EQ(reply.message(), test_case.message);
    }
    EXPECT_EQ(call("GET", path("/certificates")).body["certificates"].size(), 0u);
}

TEST_F(CertificateTest, AcceptsCloudFields) {
    json object = server_object(pem(pki().server), key_pem(pki().server));
    object.update({{"description", "edge"},
                   {"domain", "www.test.com,*.test.com"},
                   {"admin_state_up", true},
                   {"scm_certificate_id", "scm-1"},
                   {"source", "scm"},
                   {"protection_status", "consoleProtection"},
                   {"protection_reason", "production"},
                   {"enterprise_project_id", "0"},
                   {"project_id", "ignored"}});

    const json certificate = created(object);

    EXPECT_EQ(certificate["project_id"], kProject);
    for (const char* field : {"description", "domain", "admin_state_up", "scm_certificate_id", "source",
                              "protection_status", "protection_reason", "enterprise_project_id"}) {
        EXPECT_EQ(certificate[field], object[field]) << field;
    }
}

// ---- warnings ----

TEST_F(CertificateTest, WarnsSha1Signature) {
    const Issued issued = tls::test::issue(
        {.common_name = "sha1.test.com", .digest = Digest::Sha1, .alt_names = {"DNS:sha1.test.com"}},
        &pki().root);

    EXPECT_EQ(
        warnings_of(server_object(pem(issued), key_pem(issued))),
        json({"Certificate 1 \"CN=sha1.test.com,O=ELB\": The certificate is signed with SHA-1 "
              "(ecdsa-with-SHA1), which OpenSSL 3 rejects at security level 1 or higher and browsers reject "
              "entirely. Reissue it with -sha256 in place of -sha1 in openssl x509 -req."}));
}

TEST_F(CertificateTest, WarnsVersionOneWithoutSubjectAltName) {
    const Issued issued = tls::test::issue({.common_name = "v1.test.com", .version = 1}, &pki().root);

    EXPECT_EQ(
        warnings_of(server_object(pem(issued), key_pem(issued))),
        json({"Certificate 1 \"CN=v1.test.com,O=ELB\": The certificate is X.509 version 1, so it has no "
              "extensions such as subjectAltName or extendedKeyUsage. Reissue it as version 3 by passing an "
              "-extfile to openssl x509 -req.",
              "Certificate 1 \"CN=v1.test.com,O=ELB\": The certificate has no subjectAltName, and browsers "
              "ignore the subject CN when they match the host name, so they reject it. Reissue it with "
              "subjectAltName=DNS:<host name> in its extensions."}));
}

TEST_F(CertificateTest, WarnsClientCaWithoutCaTrue) {
    const Issued ca =
        tls::test::issue({.common_name = "No Constraints", .key_usage = "critical,keyCertSign"});

    EXPECT_EQ(
        warnings_of({{"type", "client"}, {"certificate", pem(ca)}}),
        json(
            {"Certificate 1 \"CN=No Constraints,O=ELB\": The CA certificate has no basicConstraints "
             "CA:TRUE, so OpenSSL accepts it as an issuer only if its keyUsage includes keyCertSign. Reissue "
             "it with basicConstraints=critical,CA:TRUE."}));
}

TEST_F(CertificateTest, WarnsClientCaWithoutKeyCertSign) {
    const Issued ca = tls::test::issue(
        {.common_name = "Signing CA", .ca = true, .key_usage = "critical,digitalSignature,cRLSign"});

    EXPECT_EQ(
        warnings_of({{"type", "client"}, {"certificate", pem(ca)}}),
        json({"Certificate 1 \"CN=Signing CA,O=ELB\": The CA certificate has a keyUsage extension without "
              "keyCertSign, so OpenSSL does not accept it as the issuer of client certificates. Reissue it "
              "with keyUsage=critical,keyCertSign,cRLSign."}));
}

TEST_F(CertificateTest, WarnsExpiryWithinThirtyDays) {
    const Issued issued = tls::test::issue(
        {.common_name = "soon.test.com", .alt_names = {"DNS:soon.test.com"}, .valid_until = 24h * 10},
        &pki().root);

    EXPECT_EQ(
        warnings_of(server_object(pem(issued), key_pem(issued))),
        json({"Certificate 1 \"CN=soon.test.com,O=ELB\": The certificate expires on " +
              expected_not_after(issued) +
              ", less than 30 days from now. Renew it and upload the new certificate before then, because "
              "clients reject it from that time on."}));
}

TEST_F(CertificateTest, WarnsExpiredAndNotYetValid) {
    const Issued expired = tls::test::issue(
        {.common_name = "Expired CA", .ca = true, .valid_from = -24h * 20, .valid_until = -24h * 10});
    const Issued early = tls::test::issue({.common_name = "Early CA", .ca = true, .valid_from = 24h * 10});

    EXPECT_EQ(warnings_of({{"type", "client"}, {"certificate", pem(expired)}}),
              json({"Certificate 1 \"CN=Expired CA,O=ELB\": The certificate expired on " +
                    expected_not_after(expired) +
                    ", so clients and OpenSSL reject it. Renew it with a new validity period."}));
    EXPECT_EQ(warnings_of({{"type", "client"}, {"certificate", pem(early)}}),
              json({"Certificate 1 \"CN=Early CA,O=ELB\": The certificate is not valid before " +
                    tls::format_asn1_time(X509_get0_notBefore(early.certificate.get())) +
                    ", so it is rejected until then. Check the clock of the machine that issued it."}));
}

TEST_F(CertificateTest, WarnsChainCaWithoutCaTrue) {
    const Issued not_ca = tls::test::issue({.common_name = "Not A CA",
                                            .basic_constraints = "critical,CA:FALSE",
                                            .key_usage = "critical,keyCertSign"},
                                           &pki().root);
    const Issued issued = tls::test::issue({.common_name = "leaf.test.com",
                                            .alt_names = {"DNS:leaf.test.com"},
                                            .extended_key_usage = "serverAuth"},
                                           &not_ca);

    EXPECT_EQ(
        warnings_of(server_object(pem(issued) + pem(not_ca), key_pem(issued))),
        json({"Certificate 2 \"CN=Not A CA,O=ELB\": The CA certificate has basicConstraints CA:FALSE, so "
              "clients do not accept it as the issuer of the certificate before it in the chain. Reissue it "
              "with basicConstraints=critical,CA:TRUE."}));
}

// ---- storage of the key ----

TEST_F(CertificateTest, KeyIsSealedInTheStore) {
    const json certificate = created(server_object(chain_pem(), key_pem(pki().server)));
    const std::string id = certificate.value("id", "");

    const std::vector<std::string> secrets = column("SELECT ciphertext FROM secrets");
    ASSERT_EQ(secrets.size(), 1u);
    EXPECT_EQ(secrets[0].find("PRIVATE KEY"), std::string::npos);
    EXPECT_EQ(secrets[0].find("-----BEGIN"), std::string::npos);
    EXPECT_EQ(column("SELECT field FROM secrets WHERE kind = 'certificate' AND id = '" + id + "'"),
              std::vector<std::string>{"private_key"});

    const std::vector<std::string> bodies = column("SELECT body FROM resources WHERE kind = 'certificate'");
    ASSERT_EQ(bodies.size(), 1u);
    EXPECT_EQ(bodies[0].find("PRIVATE KEY"), std::string::npos);
    EXPECT_FALSE(json::parse(bodies[0]).contains("private_key"));

    for (const char* file : {"tollgate.db", "tollgate.db-wal"}) {
        std::ifstream stream(dir_ / "data" / file, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
        EXPECT_EQ(bytes.find("PRIVATE KEY"), std::string::npos) << file;
    }
}

TEST_F(CertificateTest, KeyIsMaskedInEveryResponse) {
    Reply created_reply = create_certificate(server_object(pem(pki().server), key_pem(pki().server)));
    ASSERT_EQ(created_reply.status, 201);
    const std::string id = created_reply.body["certificate"]["id"];
    Reply show_reply = call("GET", path("/certificates/" + id));
    Reply listed = call("GET", path("/certificates"));
    Reply updated = update_certificate(id, {{"name", "renamed"}});

    for (const Reply* reply : {&created_reply, &show_reply, &listed, &updated}) {
        EXPECT_EQ(reply->body.dump().find("PRIVATE KEY"), std::string::npos) << reply->body.dump();
    }
    EXPECT_EQ(created_reply.body["certificate"]["private_key"], "******");
    EXPECT_EQ(show_reply.body["certificate"]["private_key"], "******");
    ASSERT_EQ(listed.body["certificates"].size(), 1u);
    EXPECT_EQ(listed.body["certificates"][0]["private_key"], "******");
    EXPECT_EQ(updated.status, 200);
    EXPECT_EQ(updated.body["certificate"]["private_key"], "******");
    EXPECT_EQ(updated.body["certificate"]["name"], "renamed");
}

// ---- update ----

TEST_F(CertificateTest, UpdateRotatesListenerCertificate) {
    const std::string id = created(server_object(chain_pem(), key_pem(pki().server))).value("id", "");
    const std::string listener = create_https_listener(id);
    ASSERT_FALSE(listener.empty());

    Reply reply = update_certificate(id, server_object(pem(pki().other), key_pem(pki().other)));

    ASSERT_EQ(reply.status, 200) << reply.body.dump();
    EXPECT_EQ(reply.body["certificate"]["fingerprint"],
              tls::sha256_fingerprint(pki().other.certificate.get()));
    EXPECT_EQ(reply.body["certificate"]["common_name"], "other.test.com");
    ASSERT_EQ(reply.body["certificate"]["chain"].size(), 1u);
    const model::Config& config = data_plane_.published.back();
    ASSERT_EQ(config.listeners.size(), 1u);
    EXPECT_EQ(config.listeners[0].default_tls_container_ref, id);
    const model::Certificate* published = config.find_certificate(id);
    ASSERT_NE(published, nullptr);
    EXPECT_EQ(published->certificate, pem(pki().other));
    EXPECT_EQ(published->private_key, key_pem(pki().other));
}

TEST_F(CertificateTest, UpdateCertificateAloneKeepsStoredKey) {
    const std::string id = created(server_object(pem(pki().server), key_pem(pki().server))).value("id", "");
    const Issued renewed = renew(pki().server, pki().intermediate);

    Reply reply = update_certificate(id, {{"certificate", pem(renewed)}});

    ASSERT_EQ(reply.status, 200) << reply.body.dump();
    EXPECT_EQ(reply.body["certificate"]["serial_number"], "67932");
    EXPECT_EQ(reply.body["certificate"]["expire_time"], expected_not_after(renewed));
    const model::Certificate* published = published_certificate(id);
    ASSERT_NE(published, nullptr);
    EXPECT_EQ(published->certificate, pem(renewed));
    EXPECT_EQ(published->private_key, key_pem(pki().server));
}

TEST_F(CertificateTest, UpdateCertificateMustMatchStoredKey) {
    const std::string id = created(server_object(pem(pki().server), key_pem(pki().server))).value("id", "");

    Reply reply = update_certificate(id, {{"certificate", pem(pki().other)}});

    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.message(),
              "certificate.certificate: The new certificate does not match the stored private key. Send the "
              "private "
              "key of the new certificate in private_key in the same request.");
    EXPECT_EQ(call("GET", path("/certificates/" + id)).body["certificate"]["fingerprint"],
              tls::sha256_fingerprint(pki().server.certificate.get()));
}

TEST_F(CertificateTest, UpdateKeyMustMatchStoredCertificate) {
    const std::string id = created(server_object(pem(pki().server), key_pem(pki().server))).value("id", "");

    Reply reply = update_certificate(id, {{"private_key", key_pem(pki().other)}});

    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(
        reply.message(),
        "certificate.private_key: The private key does not match certificate 1 \"CN=www.test.com,O=ELB\". "
        "Upload the key that was generated with this certificate. For a matching pair, openssl x509 -in "
        "server.crt -noout -pubkey and openssl pkey -in server.key -pubout print the same public key.");
}

TEST_F(CertificateTest, UpdateAcceptsMaskAndKeepsKey) {
    const std::string id = created(server_object(pem(pki().server), key_pem(pki().server))).value("id", "");
    json read_back = call("GET", path("/certificates/" + id)).body["certificate"];

    Reply reply =
        update_certificate(id, {{"private_key", read_back["private_key"]}, {"description", "same key"}});

    ASSERT_EQ(reply.status, 200) << reply.body.dump();
    EXPECT_EQ(reply.body["certificate"]["description"], "same key");
    EXPECT_EQ(published_certificate(id)->private_key, key_pem(pki().server));
}

TEST_F(CertificateTest, UpdateReplacesClientBundle) {
    const std::string id = created({{"type", "client"}, {"certificate", pem(pki().root)}}).value("id", "");

    Reply reply = update_certificate(id, {{"certificate", pem(pki().root) + pem(pki().intermediate)}});
    Reply with_key = update_certificate(id, {{"private_key", key_pem(pki().root)}});

    ASSERT_EQ(reply.status, 200) << reply.body.dump();
    EXPECT_EQ(reply.body["certificate"]["chain"].size(), 2u);
    EXPECT_EQ(reply.body["certificate"]["private_key"], "");
    EXPECT_EQ(published_certificate(id)->certificate, pem(pki().root) + pem(pki().intermediate));
    EXPECT_EQ(with_key.status, 400);
    EXPECT_EQ(
        with_key.message(),
        "certificate.private_key: Type client takes only CA certificates, which need no private key. Leave "
        "private_key empty, so that no key is stored by mistake.");
    EXPECT_TRUE(column("SELECT field FROM secrets").empty());
}

TEST_F(CertificateTest, UpdateRejectsTypeChangeAndKeyRemoval) {
    const std::string id = created(server_object(pem(pki().server), key_pem(pki().server))).value("id", "");

    Reply type = update_certificate(id, {{"type", "client"}});
    Reply key = update_certificate(id, {{"private_key", nullptr}});
    Reply certificate = update_certificate(id, {{"certificate", nullptr}});

    EXPECT_EQ(type.status, 400);
    EXPECT_EQ(type.message(),
              "certificate.type cannot be changed after creation (sent \"client\"). Create a new certificate "
              "instead.");
    EXPECT_EQ(key.status, 400);
    EXPECT_EQ(key.message(),
              "certificate.private_key: cannot be removed from a server certificate: send a new private key "
              "instead");
    EXPECT_EQ(certificate.status, 400);
    EXPECT_EQ(certificate.message(),
              "certificate.certificate: cannot be removed: send a new certificate instead");
}

TEST_F(CertificateTest, DataPlaneErrorNamesTheField) {
    const std::string id = created(server_object(pem(pki().server), key_pem(pki().server))).value("id", "");
    data_plane_.fail_next =
        core::Error::invalid("certificates[" + id + "].certificate: the TLS context failed");

    Reply reply = update_certificate(id, server_object(pem(pki().other), key_pem(pki().other)));

    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.message(), "certificate.certificate: the TLS context failed");
    EXPECT_EQ(published_certificate(id)->certificate, pem(pki().server));
}

// ---- delete ----

TEST_F(CertificateTest, DeleteInUseIsAConflict) {
    const std::string id = created(server_object(pem(pki().server), key_pem(pki().server))).value("id", "");
    const std::string listener = create_https_listener(id);

    Reply reply = call("DELETE", path("/certificates/" + id));

    EXPECT_EQ(reply.status, 409);
    EXPECT_EQ(reply.body["error_code"], "ELB.8907");
    EXPECT_EQ(reply.message(), "certificate " + id + " is in use by listener " + listener +
                                   " (default_tls_container_ref). Change default_tls_container_ref of the "
                                   "listener first.");
    EXPECT_EQ(call("DELETE", path("/listeners/" + listener)).status, 204);
    EXPECT_EQ(call("DELETE", path("/certificates/" + id)).status, 204);
    EXPECT_EQ(call("GET", path("/certificates/" + id)).status, 404);
    EXPECT_TRUE(column("SELECT field FROM secrets").empty());
}

TEST_F(CertificateTest, BatchDeleteReportsEachId) {
    const std::string unused = created(server_object(pem(pki().other), key_pem(pki().other))).value("id", "");
    const std::string used = created(server_object(pem(pki().server), key_pem(pki().server))).value("id", "");
    const std::string listener = create_https_listener(used);
    const std::string missing(32, 'a');

    Reply reply =
        call("POST", path("/certificates/batch-delete"), {{"certificates", {unused, used, missing}}});

    ASSERT_EQ(reply.status, 200) << reply.body.dump();
    const json& results = reply.body["certificates"];
    ASSERT_EQ(results.size(), 3u);
    EXPECT_EQ(results[0], json({{"id", unused}, {"ret_status", "successful"}}));
    EXPECT_EQ(results[1]["id"], used);
    EXPECT_EQ(results[1]["ret_code"], "ELB.8907");
    EXPECT_EQ(results[1]["ret_status"],
              "certificate " + used + " is in use by listener " + listener +
                  " (default_tls_container_ref). Change default_tls_container_ref of "
                  "the listener first.");
    EXPECT_EQ(results[2], json({{"id", missing}, {"ret_status", "not found"}, {"ret_code", "ELB.8904"}}));
    EXPECT_EQ(call("GET", path("/certificates/" + unused)).status, 404);
    EXPECT_EQ(call("GET", path("/certificates/" + used)).status, 200);
}

TEST_F(CertificateTest, BatchDeleteRejectsInvalidBody) {
    Reply reply = call("POST", path("/certificates/batch-delete"), {{"certificates", {1, 2}}});

    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.message(),
              "certificates: missing or invalid: send {\"certificates\": [\"<certificate id>\", ...]}");
}

// ---- settings and lists ----

TEST_F(CertificateTest, PrivateKeyEchoStaysOff) {
    Reply show_reply = call("GET", path("/certificates/settings/private-key-echo"));
    Reply enabled =
        call("POST", path("/certificates/settings/private-key-echo"), {{"private_key_echo", true}});
    Reply disabled =
        call("POST", path("/certificates/settings/private-key-echo"), {{"private_key_echo", false}});
    Reply invalid =
        call("POST", path("/certificates/settings/private-key-echo"), {{"private_key_echo", "no"}});

    EXPECT_EQ(show_reply.status, 200);
    EXPECT_EQ(show_reply.body["private_key_echo"], false);
    EXPECT_EQ(enabled.status, 400);
    EXPECT_EQ(
        enabled.message(),
        "private_key_echo: invalid value true: tollgate never returns private keys, so responses always show "
        "private_key as \"******\". Keep a copy of each key where it was generated.");
    EXPECT_EQ(disabled.status, 200);
    EXPECT_EQ(disabled.body["private_key_echo"], false);
    EXPECT_EQ(invalid.status, 400);
    EXPECT_EQ(invalid.message(), "private_key_echo: missing or invalid: send {\"private_key_echo\": false}");
}

TEST_F(CertificateTest, ListFiltersOnStoredFacts) {
    json www = server_object(pem(pki().server), key_pem(pki().server));
    www.update({{"name", "www"}, {"domain", "www.test.com"}});
    const std::string www_id = created(www).value("id", "");
    const std::string other_id =
        created({{"name", "other"}, {"certificate", pem(pki().other)}, {"private_key", key_pem(pki().other)}})
            .value("id", "");
    const std::string ca_id =
        created({{"name", "ca"}, {"type", "client"}, {"certificate", pem(pki().root)}}).value("id", "");
    const std::string fingerprint = tls::sha256_fingerprint(pki().other.certificate.get());

    const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
        {"name=www", {www_id}},
        {"type=client", {ca_id}},
        {"type=server", {www_id, other_id}},
        {"domain=www.test.com", {www_id}},
        {"common_name=Test%20Root", {ca_id}},
        {"fingerprint=" + fingerprint, {other_id}},
        {"id=" + other_id + "&id=" + ca_id, {other_id, ca_id}},
        {"name=www&type=client", {}},
    };
    for (const auto& [query, expected] : cases) {
        Reply reply = call("GET", path("/certificates?" + query));
        ASSERT_EQ(reply.status, 200) << query << ": " << reply.body.dump();
        std::vector<std::string> ids;
        for (const json& certificate : reply.body["certificates"]) {
            ids.push_back(certificate["id"]);
        }
        EXPECT_EQ(ids, expected) << query;
    }
    Reply warnings = call("GET", path("/certificates?warnings=x"));
    EXPECT_EQ(warnings.status, 400);
}

}  // namespace
}  // namespace tollgate::control::test
