#include "tls/peer_certificate.h"

#include "tls/handshake_harness.h"
#include "tls/pem.h"
#include "tls/test_fixtures.h"

#include <gtest/gtest.h>

#include <string>

namespace tollgate::tls {
namespace {

using test::ClientSettings;
using test::HandshakeResult;
using test::Issued;

TEST(UrlEncode, KeepsUnreservedCharacters) {
    const std::string unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

    EXPECT_EQ(url_encode(unreserved), unreserved);
    EXPECT_EQ(url_encode(""), "");
}

TEST(UrlEncode, EncodesEveryOtherByte) {
    EXPECT_EQ(url_encode(" "), "%20");
    EXPECT_EQ(url_encode("\n"), "%0A");
    EXPECT_EQ(url_encode("a+b/c=d"), "a%2Bb%2Fc%3Dd");
    EXPECT_EQ(url_encode("%"), "%25");
    EXPECT_EQ(url_encode(std::string("\x00\xff", 2)), "%00%FF");
    EXPECT_EQ(url_encode("-----BEGIN CERTIFICATE-----\n"), "-----BEGIN%20CERTIFICATE-----%0A");
}

TEST(PeerCertificate, FormatsHeaderFields) {
    const Issued client = test::issue({.common_name = "app1",
                                       .extended_key_usage = "clientAuth",
                                       .not_after = "20390806102030Z",
                                       .serial = 0x1f3a},
                                      &test::pki().root_a);
    auto context =
        build_server_context(test::listener_settings(ClientAuth::Mandatory, test::pem(test::pki().root_a)));
    ASSERT_TRUE(context) << context.error().message;

    const HandshakeResult result = test::run_handshake(
        **context, ClientSettings{.certificate = client.certificate.get(), .key = client.key.get()});

    ASSERT_TRUE(result.server_succeeded);
    ASSERT_TRUE(result.peer.has_value());
    EXPECT_EQ(result.peer->subject, "CN=app1,O=ELB");
    EXPECT_EQ(result.peer->issuer, "CN=Root A,O=ELB");
    EXPECT_EQ(result.peer->serial_hex, "1f3a");
    EXPECT_EQ(result.peer->not_after, "2039-08-06T10:20:30Z");
    EXPECT_EQ(result.peer->fingerprint_sha256.size(), 64u);
    EXPECT_EQ(result.peer->pem_url_encoded, url_encode(to_pem(client.certificate.get())));
}

TEST(PeerCertificate, NoneWithoutClientCertificate) {
    auto context =
        build_server_context(test::listener_settings(ClientAuth::Optional, test::pem(test::pki().root_a)));
    ASSERT_TRUE(context) << context.error().message;

    const HandshakeResult result = test::run_handshake(**context, ClientSettings{});

    ASSERT_TRUE(result.server_succeeded);
    EXPECT_FALSE(result.peer.has_value());
}

}  // namespace
}  // namespace tollgate::tls
