#include "tls/security_policy.h"

#include "tls/openssl_ptr.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <string>

namespace tollgate::tls {
namespace {

TEST(SecurityPolicy, FreshContextAcceptsEveryPolicy) {
    for (const SecurityPolicy& policy : system_security_policies()) {
        SCOPED_TRACE(std::string(policy.name));
        SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
        ASSERT_NE(ctx, nullptr);

        EXPECT_EQ(SSL_CTX_set_min_proto_version(ctx.get(), policy.min_version), 1);
        EXPECT_EQ(SSL_CTX_set_max_proto_version(ctx.get(), policy.max_version), 1);
        EXPECT_EQ(SSL_CTX_set_cipher_list(ctx.get(), std::string(policy.cipher_list).c_str()), 1);
        if (!policy.ciphersuites.empty()) {
            EXPECT_EQ(SSL_CTX_set_ciphersuites(ctx.get(), std::string(policy.ciphersuites).c_str()), 1);
        }
        ERR_clear_error();
    }
}

TEST(SecurityPolicy, Tls13SuitesNeedTls13) {
    for (const SecurityPolicy& policy : system_security_policies()) {
        SCOPED_TRACE(std::string(policy.name));
        EXPECT_EQ(policy.max_version == TLS1_3_VERSION, !policy.ciphersuites.empty());
        EXPECT_LE(policy.min_version, policy.max_version);
    }
}

TEST(SecurityPolicy, FindsPolicyByName) {
    const SecurityPolicy* policy = find_security_policy("tls-1-2-fs-with-1-3");

    ASSERT_NE(policy, nullptr);
    EXPECT_EQ(policy->min_version, TLS1_2_VERSION);
    EXPECT_EQ(policy->max_version, TLS1_3_VERSION);
    EXPECT_EQ(find_security_policy("tls-9-9"), nullptr);
}

}  // namespace
}  // namespace tollgate::tls
