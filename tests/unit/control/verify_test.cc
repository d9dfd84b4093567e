#include "control_test_support.h"

#include "tls/test_pki.h"

#include <gmock/gmock.h>

#include <string>

namespace tollgate::control::test {
namespace {

using nlohmann::json;
using ::testing::StartsWith;
using tls::test::Issued;

// Certificates shared by the tests of this file; keys are generated once per test binary.
struct Pki {
    Issued root;         // "CN=Verify Root,O=ELB", the CA of the listeners' bundles
    Issued other_root;   // "CN=Other Root,O=ELB"
    Issued server;       // SHA-256 server certificate issued by root
    Issued sha1_server;  // SHA-1 server certificate, which lowers the listener to security level 0
    Issued client;       // clientAuth, issued by root
    Issued sha1_client;  // clientAuth, signed with SHA-1 by root
    Issued other_client;
};

const Pki& pki() {
    static const Pki shared = [] {
        Pki pki;
        pki.root = tls::test::issue({.common_name = "Verify Root", .ca = true});
        pki.other_root = tls::test::issue({.common_name = "Other Root", .ca = true});
        pki.server = tls::test::issue({.common_name = "www.test.com",
                                       .alt_names = {"DNS:www.test.com"},
                                       .extended_key_usage = "serverAuth"},
                                      &pki.root);
        pki.sha1_server = tls::test::issue({.common_name = "www.test.com",
                                            .digest = tls::test::Digest::Sha1,
                                            .alt_names = {"DNS:www.test.com"},
                                            .extended_key_usage = "serverAuth"},
                                           &pki.root);
        pki.client =
            tls::test::issue({.common_name = "client", .extended_key_usage = "clientAuth"}, &pki.root);
        pki.sha1_client = tls::test::issue({.common_name = "sha1 client",
                                            .digest = tls::test::Digest::Sha1,
                                            .extended_key_usage = "clientAuth"},
                                           &pki.root);
        pki.other_client = tls::test::issue(
            {.common_name = "other client", .extended_key_usage = "clientAuth"}, &pki.other_root);
        return pki;
    }();
    return shared;
}

std::string pem(const Issued& issued) {
    return tls::test::certificate_pem(issued.certificate.get());
}

class VerifyTest : public ControlTest {
protected:
    // Creates an HTTPS listener with `server` as its certificate and, unless `with_ca` is
    // false, the root as its client CA bundle. Returns the listener id.
    std::string https_listener(const Issued& server, bool with_ca = true) {
        const std::string certificate = create("/certificates", "certificate",
                                               {{"type", "server"},
                                                {"certificate", pem(server)},
                                                {"private_key", tls::test::pkcs8_pem(server.key.get())}});
        json listener{{"loadbalancer_id", loadbalancer()},
                      {"protocol", "HTTPS"},
                      {"protocol_port", next_port_++},
                      {"default_tls_container_ref", certificate}};
        if (with_ca) {
            ca_ = create("/certificates", "certificate",
                         {{"type", "client"}, {"certificate", pem(pki().root)}});
            listener["client_ca_tls_container_ref"] = ca_;
        }
        return create("/listeners", "listener", listener);
    }

    std::string loadbalancer() {
        if (loadbalancer_.empty()) {
            loadbalancer_ = create("/loadbalancers", "loadbalancer", {{"vip_address", "127.0.0.1"}});
        }
        return loadbalancer_;
    }

    Reply verify(const std::string& listener, const json& body) {
        return call("POST", path("/listeners/" + listener + "/verify-client-certificate"), body);
    }

    std::string ca_;  // id of the CA bundle of the latest listener

private:
    std::string loadbalancer_;
    int next_port_ = 8443;
};

TEST_F(VerifyTest, AcceptsClientOfBundle) {
    const std::string listener = https_listener(pki().server);

    Reply reply = verify(listener, {{"certificate", pem(pki().client)}});

    ASSERT_EQ(reply.status, 200) << reply.body.dump();
    const json& verdict = reply.body["verdict"];
    EXPECT_EQ(verdict["accepted"], true);
    EXPECT_EQ(verdict["reason"], nullptr);
    EXPECT_EQ(verdict["openssl_error"], nullptr);
    EXPECT_THAT(verdict["message"].get<std::string>(),
                StartsWith("The client certificate \"CN=client,O=ELB\" is accepted: it chains to \"CN=Verify "
                           "Root,O=ELB\" of the listener's CA bundle (certificate " +
                           ca_ + "), at security level 1 and client_verify_depth 4."));
    EXPECT_EQ(verdict["listener_id"], listener);
    EXPECT_EQ(verdict["client_authentication"], "mandatory");
    EXPECT_EQ(verdict["client_ca_tls_container_ref"], ca_);
    EXPECT_EQ(verdict["client_verify_depth"], 4);
    EXPECT_EQ(verdict["security_level"], 1);
    ASSERT_EQ(verdict["chain"].size(), 2u);
    EXPECT_EQ(verdict["chain"][0]["subject"], "CN=client,O=ELB");
    EXPECT_EQ(verdict["chain"][0]["source"], "client");
    EXPECT_EQ(verdict["chain"][0]["extended_key_usages"], json::array({"clientAuth"}));
    EXPECT_EQ(verdict["chain"][0]["ca"], false);
    EXPECT_EQ(verdict["chain"][1]["subject"], "CN=Verify Root,O=ELB");
    EXPECT_EQ(verdict["chain"][1]["source"], "bundle");
    EXPECT_EQ(verdict["chain"][1]["ca"], true);
    EXPECT_TRUE(reply.body["request_id"].is_string());
}

TEST_F(VerifyTest, RejectsClientOfOtherCa) {
    const std::string listener = https_listener(pki().server);

    Reply reply = verify(listener, {{"certificate", pem(pki().other_client)}});

    ASSERT_EQ(reply.status, 200) << reply.body.dump();
    const json& verdict = reply.body["verdict"];
    EXPECT_EQ(verdict["accepted"], false);
    EXPECT_EQ(verdict["reason"], "unknown_ca");
    EXPECT_EQ(verdict["openssl_error"], "unable to get local issuer certificate");
    EXPECT_EQ(verdict["error_depth"], 0);
    EXPECT_THAT(
        verdict["message"].get<std::string>(),
        StartsWith("The client certificate's issuer \"CN=Other Root,O=ELB\" is not in the listener's CA "
                   "bundle (certificate " +
                   ca_ + "), and the client sent no intermediate CA certificate."));
    ASSERT_EQ(verdict["chain"].size(), 1u);
    EXPECT_EQ(verdict["chain"][0]["subject"], "CN=other client,O=ELB");
}

TEST_F(VerifyTest, StrictListenerRejectsSha1Client) {
    const std::string listener = https_listener(pki().server);

    Reply reply = verify(listener, {{"certificate", pem(pki().sha1_client)}});

    ASSERT_EQ(reply.status, 200) << reply.body.dump();
    EXPECT_EQ(reply.body["verdict"]["reason"], "weak_signature");
    EXPECT_EQ(reply.body["verdict"]["security_level"], 1);
}

TEST_F(VerifyTest, Sha1ListenerAcceptsSha1Client) {
    const std::string listener = https_listener(pki().sha1_server);

    Reply reply = verify(listener, {{"certificate", pem(pki().sha1_client)}});

    ASSERT_EQ(reply.status, 200) << reply.body.dump();
    EXPECT_EQ(reply.body["verdict"]["accepted"], true);
    EXPECT_EQ(reply.body["verdict"]["security_level"], 0);
}

TEST_F(VerifyTest, TextWithoutCertificateIsInvalid) {
    const std::string listener = https_listener(pki().server);

    Reply reply = verify(listener, {{"certificate", "hello"}});

    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.body["error_code"], "ELB.8902");
    EXPECT_EQ(
        reply.message(),
        "certificate: The client certificate is invalid: no certificate found: expected a PEM block starting "
        "with -----BEGIN CERTIFICATE-----. Send the client certificate in PEM form, optionally followed by "
        "intermediate CA certificates.");
}

TEST_F(VerifyTest, PrivateKeyIsRejected) {
    const std::string listener = https_listener(pki().server);

    Reply reply =
        verify(listener, {{"certificate", pem(pki().client) + tls::test::pkcs8_pem(pki().client.key.get())}});

    EXPECT_EQ(reply.status, 400);
    EXPECT_THAT(reply.message(), StartsWith("certificate: The certificate text contains a private key."));
}

TEST_F(VerifyTest, BodyFieldsAreChecked) {
    const std::string listener = https_listener(pki().server);
    const std::string usage =
        "send {\"certificate\": \"<PEM of the client certificate, optionally followed by its intermediate CA "
        "certificates>\"}";

    Reply missing = verify(listener, json::object());
    Reply unknown = verify(listener, {{"certificate", pem(pki().client)}, {"chain", ""}});
    Reply number = verify(listener, {{"certificate", 42}});

    EXPECT_EQ(missing.status, 400);
    EXPECT_EQ(missing.message(), "certificate: missing: " + usage);
    EXPECT_EQ(unknown.status, 400);
    EXPECT_EQ(unknown.message(), "chain: unknown field: " + usage);
    EXPECT_EQ(number.status, 400);
    EXPECT_EQ(number.message(), "certificate: invalid type number: " + usage);
}

TEST_F(VerifyTest, UnknownListenerIsNotFound) {
    https_listener(pki().server);
    const std::string unknown = "00000000-0000-4000-8000-000000000000";

    Reply reply = verify(unknown, {{"certificate", pem(pki().client)}});

    EXPECT_EQ(reply.status, 404);
    EXPECT_EQ(reply.body["error_code"], "ELB.8904");
    EXPECT_EQ(reply.message(), "listener " + unknown + " could not be found");
}

TEST_F(VerifyTest, ListenerWithoutClientAuthIsConflict) {
    const std::string listener = https_listener(pki().server, false);

    Reply reply = verify(listener, {{"certificate", pem(pki().client)}});

    EXPECT_EQ(reply.status, 409);
    EXPECT_EQ(reply.message(),
              "listener " + listener +
                  " has client_authentication none, so it asks for no client certificate and accepts every "
                  "client. Set client_ca_tls_container_ref to the CA certificates of your clients to "
                  "require client certificates.");
}

TEST_F(VerifyTest, HttpListenerIsConflict) {
    const std::string listener =
        create("/listeners", "listener",
               {{"loadbalancer_id", loadbalancer()}, {"protocol", "HTTP"}, {"protocol_port", 8080}});

    Reply reply = verify(listener, {{"certificate", pem(pki().client)}});

    EXPECT_EQ(reply.status, 409);
    EXPECT_EQ(reply.message(),
              "listener " + listener +
                  " uses protocol HTTP, which has no TLS, so it asks for no client certificate. Verify the "
                  "certificate against an HTTPS listener with client authentication.");
}

TEST_F(VerifyTest, WorksWhenApiIsReadOnly) {
    const std::string listener = https_listener(pki().server);
    plane_->set_read_only("the configuration comes from a file");

    Reply reply = verify(listener, {{"certificate", pem(pki().client)}});

    ASSERT_EQ(reply.status, 200) << reply.body.dump();
    EXPECT_EQ(reply.body["verdict"]["accepted"], true);
}

TEST_F(VerifyTest, ChangesNothing) {
    const std::string listener = https_listener(pki().server);
    const std::size_t published = data_plane_.published.size();

    verify(listener, {{"certificate", pem(pki().client)}});

    EXPECT_EQ(data_plane_.published.size(), published);
}

}  // namespace
}  // namespace tollgate::control::test
