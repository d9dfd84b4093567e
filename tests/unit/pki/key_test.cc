#include "pki/key.h"

#include "tls/certificate_info.h"
#include "tls/pem.h"

#include <gtest/gtest.h>

namespace tollgate::pki {
namespace {

TEST(GenerateKey, EcP256ByDefault) {
    auto key = generate_key(KeySpec{});
    ASSERT_TRUE(key) << key.error().message;
    EXPECT_EQ(tls::key_type_name(key->get()), "EC");
    EXPECT_EQ(EVP_PKEY_get_bits(key->get()), 256);
}

TEST(GenerateKey, EcP384) {
    auto key = generate_key({KeyType::Ec, 2048, Curve::P384});
    ASSERT_TRUE(key) << key.error().message;
    EXPECT_EQ(tls::key_type_name(key->get()), "EC");
    EXPECT_EQ(EVP_PKEY_get_bits(key->get()), 384);
}

TEST(GenerateKey, RsaSizes) {
    for (int bits : {2048, 3072}) {
        auto key = generate_key({KeyType::Rsa, bits, Curve::P256});
        ASSERT_TRUE(key) << key.error().message;
        EXPECT_EQ(tls::key_type_name(key->get()), "RSA");
        EXPECT_EQ(EVP_PKEY_get_bits(key->get()), bits);
    }
}

TEST(GenerateKey, RejectsOtherRsaSize) {
    auto key = generate_key({KeyType::Rsa, 1024, Curve::P256});
    ASSERT_FALSE(key);
    EXPECT_EQ(key.error().message, "invalid RSA key size 1024: use 2048, 3072 or 4096 bits");
    EXPECT_EQ(key.error().kind, core::ErrorKind::InvalidInput);
}

TEST(ParseKeyType, Names) {
    EXPECT_EQ(parse_key_type("ec").value(), KeyType::Ec);
    EXPECT_EQ(parse_key_type("rsa").value(), KeyType::Rsa);
    auto invalid = parse_key_type("dsa");
    ASSERT_FALSE(invalid);
    EXPECT_EQ(invalid.error().message, "invalid key type \"dsa\": use rsa or ec");
}

TEST(ParseCurve, Names) {
    EXPECT_EQ(parse_curve("P-256").value(), Curve::P256);
    EXPECT_EQ(parse_curve("P-384").value(), Curve::P384);
    auto invalid = parse_curve("P-521");
    ASSERT_FALSE(invalid);
    EXPECT_EQ(invalid.error().message, "invalid curve \"P-521\": use P-256 or P-384");
}

TEST(DescribeKey, Names) {
    EXPECT_EQ(describe_key({KeyType::Ec, 2048, Curve::P256}), "ECDSA P-256");
    EXPECT_EQ(describe_key({KeyType::Ec, 2048, Curve::P384}), "ECDSA P-384");
    EXPECT_EQ(describe_key({KeyType::Rsa, 3072, Curve::P256}), "RSA 3072");
}

TEST(SignatureDigest, FollowsSigningKey) {
    auto p256 = generate_key({KeyType::Ec, 2048, Curve::P256}).value();
    auto p384 = generate_key({KeyType::Ec, 2048, Curve::P384}).value();
    auto rsa = generate_key({KeyType::Rsa, 2048, Curve::P256}).value();
    tls::EvpPkeyPtr ed25519(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    ASSERT_TRUE(ed25519);

    EXPECT_EQ(signature_digest(p256.get()), EVP_sha256());
    EXPECT_EQ(signature_digest(p384.get()), EVP_sha384());
    EXPECT_EQ(signature_digest(rsa.get()), EVP_sha256());
    EXPECT_EQ(signature_digest(ed25519.get()), nullptr);
}

TEST(PrivateKeyPem, Pkcs8RoundTrip) {
    auto key = generate_key(KeySpec{}).value();
    auto pem = private_key_pem(key.get());
    ASSERT_TRUE(pem) << pem.error().message;
    EXPECT_TRUE(pem->starts_with("-----BEGIN PRIVATE KEY-----\n")) << *pem;

    auto parsed = tls::parse_private_key(*pem);
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(EVP_PKEY_eq(parsed->get(), key.get()), 1);
}

}  // namespace
}  // namespace tollgate::pki
