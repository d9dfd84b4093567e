#include "tls/server_context.h"

#include "tls/handshake_harness.h"
#include "tls/test_fixtures.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <array>
#include <string>

namespace tollgate::tls {
namespace {

using test::ClientSettings;
using test::HandshakeResult;
using test::Issued;
using test::listener_settings;
using test::pem;
using test::pki;
using test::run_handshake;

std::shared_ptr<const ServerContext> build(const std::string& ca_pem) {
    auto context = build_server_context(listener_settings(ClientAuth::Mandatory, ca_pem));
    if (!context) {
        ADD_FAILURE() << context.error().message;
        return nullptr;
    }
    return *context;
}

ClientSettings client_with(const Issued& issued, int version, SSL_SESSION* session = nullptr) {
    return ClientSettings{.certificate = issued.certificate.get(),
                          .key = issued.key.get(),
                          .session = session,
                          .min_version = version,
                          .max_version = version};
}

std::string failure_code(const HandshakeResult& result) {
    return result.failure ? std::string(code(*result.failure)) : "none";
}

// Gives `to` the session ticket keys of `from`, as a cluster sharing ticket keys would.
void copy_ticket_keys(const ServerContext& from, const ServerContext& to) {
    std::array<unsigned char, 80> keys{};
    ASSERT_EQ(SSL_CTX_get_tlsext_ticket_keys(from.ctx.get(), keys.data(), keys.size()), 1);
    ASSERT_EQ(SSL_CTX_set_tlsext_ticket_keys(to.ctx.get(), keys.data(), keys.size()), 1);
}

class SessionResumption : public testing::TestWithParam<int> {};

INSTANTIATE_TEST_SUITE_P(Versions, SessionResumption, testing::Values(TLS1_2_VERSION, TLS1_3_VERSION),
                         [](const testing::TestParamInfo<int>& info) {
                             return info.param == TLS1_3_VERSION ? std::string("Tls13")
                                                                 : std::string("Tls12");
                         });

TEST_P(SessionResumption, ResumesOnSameContext) {
    auto context = build(pem(pki().root_a));
    ASSERT_NE(context, nullptr);
    const HandshakeResult first = run_handshake(*context, client_with(pki().client, GetParam()));
    ASSERT_TRUE(first.server_succeeded) << failure_code(first);
    ASSERT_NE(first.client_session, nullptr);

    const HandshakeResult second =
        run_handshake(*context, client_with(pki().client, GetParam(), first.client_session.get()));

    EXPECT_TRUE(second.server_succeeded) << failure_code(second);
    EXPECT_TRUE(second.resumed);
    ASSERT_TRUE(second.peer.has_value());
    EXPECT_EQ(second.peer->subject, "CN=client,O=ELB");
}

TEST_P(SessionResumption, NewCaRejectsOldClient) {
    auto context_a = build(pem(pki().root_a));
    auto context_b = build(pem(pki().root_b));
    ASSERT_NE(context_a, nullptr);
    ASSERT_NE(context_b, nullptr);
    const HandshakeResult first = run_handshake(*context_a, client_with(pki().client, GetParam()));
    ASSERT_TRUE(first.server_succeeded) << failure_code(first);
    ASSERT_NE(first.client_session, nullptr);

    const HandshakeResult second =
        run_handshake(*context_b, client_with(pki().client, GetParam(), first.client_session.get()));

    EXPECT_FALSE(second.server_succeeded);
    EXPECT_FALSE(second.resumed);
    EXPECT_EQ(failure_code(second), "unknown_ca");
}

TEST_P(SessionResumption, NewCaForcesFullHandshake) {
    auto context_a = build(pem(pki().root_a));
    auto context_b = build(pem(pki().root_b));
    ASSERT_NE(context_a, nullptr);
    ASSERT_NE(context_b, nullptr);
    const HandshakeResult first = run_handshake(*context_a, client_with(pki().client, GetParam()));
    ASSERT_NE(first.client_session, nullptr);

    const HandshakeResult second =
        run_handshake(*context_b, client_with(pki().client_b, GetParam(), first.client_session.get()));

    EXPECT_TRUE(second.server_succeeded) << failure_code(second);
    EXPECT_FALSE(second.resumed);
    EXPECT_EQ(second.record.subject, "CN=client b,O=ELB");
}

// A ticket that decrypts is still rejected when the session id context differs, which
// protects listeners that share ticket keys.
TEST_P(SessionResumption, SharedKeysCheckCa) {
    auto context_a = build(pem(pki().root_a));
    auto context_b = build(pem(pki().root_b));
    ASSERT_NE(context_a, nullptr);
    ASSERT_NE(context_b, nullptr);
    copy_ticket_keys(*context_a, *context_b);
    const HandshakeResult first = run_handshake(*context_a, client_with(pki().client, GetParam()));
    ASSERT_NE(first.client_session, nullptr);

    const HandshakeResult second =
        run_handshake(*context_b, client_with(pki().client, GetParam(), first.client_session.get()));

    EXPECT_FALSE(second.resumed);
    EXPECT_EQ(failure_code(second), "unknown_ca");
}

// The counterpart of SharedKeysCheckCa: with equal settings the shared keys
// do resume, so that test fails for the session id context and not for the keys.
TEST_P(SessionResumption, SharedKeysResumeSameSettings) {
    auto context_a = build(pem(pki().root_a));
    auto rebuilt = build(pem(pki().root_a));
    ASSERT_NE(context_a, nullptr);
    ASSERT_NE(rebuilt, nullptr);
    copy_ticket_keys(*context_a, *rebuilt);
    const HandshakeResult first = run_handshake(*context_a, client_with(pki().client, GetParam()));
    ASSERT_NE(first.client_session, nullptr);

    const HandshakeResult second =
        run_handshake(*rebuilt, client_with(pki().client, GetParam(), first.client_session.get()));

    EXPECT_TRUE(second.server_succeeded) << failure_code(second);
    EXPECT_TRUE(second.resumed);
}

TEST_P(SessionResumption, RebuiltContextSkipsResumption) {
    auto context_a = build(pem(pki().root_a));
    auto rebuilt = build(pem(pki().root_a));
    ASSERT_NE(context_a, nullptr);
    ASSERT_NE(rebuilt, nullptr);
    const HandshakeResult first = run_handshake(*context_a, client_with(pki().client, GetParam()));
    ASSERT_NE(first.client_session, nullptr);

    const HandshakeResult second =
        run_handshake(*rebuilt, client_with(pki().client, GetParam(), first.client_session.get()));

    EXPECT_TRUE(second.server_succeeded) << failure_code(second);
    EXPECT_FALSE(second.resumed);
}

}  // namespace
}  // namespace tollgate::tls
