#include "pki/pkcs12.h"

#include "pki_test_support.h"

#include <gtest/gtest.h>
#include <openssl/pkcs12.h>

namespace tollgate::pki {
namespace {

using test::kCaSpec;
using test::kEcP256;
using test::TestPair;

struct Bundle {
    TestPair ca = test::make_pair(kCaSpec, kEcP256, nullptr);
    TestPair client = test::make_pair({Profile::Client, "alice", {}, {}, 825}, kEcP256, &ca);

    Pkcs12Contents contents() const {
        return {client.certificate.get(), client.key.get(), {ca.certificate.get()}, "alice"};
    }
};

Pkcs12Ptr decode(const std::string& der) {
    const auto* data = reinterpret_cast<const unsigned char*>(der.data());
    return Pkcs12Ptr(d2i_PKCS12(nullptr, &data, static_cast<long>(der.size())));
}

TEST(CreatePkcs12, ParsesWithPassword) {
    Bundle bundle;
    auto der = create_pkcs12(bundle.contents(), "secret-1");
    ASSERT_TRUE(der) << der.error().message;
    Pkcs12Ptr p12 = decode(*der);
    ASSERT_TRUE(p12);

    EVP_PKEY* key = nullptr;
    X509* certificate = nullptr;
    STACK_OF(X509)* ca_certificates = nullptr;
    ASSERT_EQ(PKCS12_parse(p12.get(), "secret-1", &key, &certificate, &ca_certificates), 1);
    tls::EvpPkeyPtr key_owner(key);
    tls::X509Ptr certificate_owner(certificate);
    X509StackPtr ca_owner(ca_certificates);

    EXPECT_EQ(EVP_PKEY_eq(key, bundle.client.key.get()), 1);
    EXPECT_EQ(X509_cmp(certificate, bundle.client.certificate.get()), 0);
    ASSERT_EQ(sk_X509_num(ca_certificates), 1);
    EXPECT_EQ(X509_cmp(sk_X509_value(ca_certificates, 0), bundle.ca.certificate.get()), 0);

    int length = 0;
    const unsigned char* alias = X509_alias_get0(certificate, &length);
    ASSERT_NE(alias, nullptr);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(alias), static_cast<std::size_t>(length)), "alice");
}

TEST(CreatePkcs12, WrongPasswordFailsMac) {
    Bundle bundle;
    Pkcs12Ptr p12 = decode(create_pkcs12(bundle.contents(), "secret-1").value());
    ASSERT_TRUE(p12);
    EXPECT_EQ(PKCS12_verify_mac(p12.get(), "secret-1", -1), 1);
    EXPECT_EQ(PKCS12_verify_mac(p12.get(), "secret-2", -1), 0);
}

TEST(CreatePkcs12, MacIsSha256) {
    Bundle bundle;
    Pkcs12Ptr p12 = decode(create_pkcs12(bundle.contents(), "secret-1").value());
    ASSERT_TRUE(p12);

    const ASN1_OCTET_STRING* mac = nullptr;
    const X509_ALGOR* algorithm = nullptr;
    const ASN1_OCTET_STRING* salt = nullptr;
    const ASN1_INTEGER* iterations = nullptr;
    PKCS12_get0_mac(&mac, &algorithm, &salt, &iterations, p12.get());
    ASSERT_NE(algorithm, nullptr);
    const ASN1_OBJECT* object = nullptr;
    X509_ALGOR_get0(&object, nullptr, nullptr, algorithm);
    EXPECT_EQ(OBJ_obj2nid(object), NID_sha256);
    EXPECT_EQ(ASN1_INTEGER_get(iterations), pkcs12_iterations());
    EXPECT_EQ(pkcs12_iterations(), 2048);
}

// The shrouded key bag is encrypted with PBES2: PBKDF2 with HMAC-SHA-256 and AES-256-CBC.
TEST(CreatePkcs12, KeyBagIsPbes2Aes256) {
    Bundle bundle;
    Pkcs12Ptr p12 = decode(create_pkcs12(bundle.contents(), "secret-1").value());
    ASSERT_TRUE(p12);

    std::unique_ptr<STACK_OF(PKCS7), void (*)(STACK_OF(PKCS7)*)> safes(
        PKCS12_unpack_authsafes(p12.get()),
        [](STACK_OF(PKCS7) * value) { sk_PKCS7_pop_free(value, PKCS7_free); });
    ASSERT_TRUE(safes);
    int key_bags = 0;
    for (int i = 0; i < sk_PKCS7_num(safes.get()); ++i) {
        PKCS7* safe = sk_PKCS7_value(safes.get(), i);
        if (OBJ_obj2nid(safe->type) != NID_pkcs7_data) {
            continue;
        }
        STACK_OF(PKCS12_SAFEBAG)* bags = PKCS12_unpack_p7data(safe);
        for (int j = 0; j < sk_PKCS12_SAFEBAG_num(bags); ++j) {
            const PKCS12_SAFEBAG* bag = sk_PKCS12_SAFEBAG_value(bags, j);
            if (PKCS12_SAFEBAG_get_nid(bag) != NID_pkcs8ShroudedKeyBag) {
                continue;
            }
            ++key_bags;
            const X509_ALGOR* algorithm = nullptr;
            X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(bag), &algorithm, nullptr);
            const ASN1_OBJECT* object = nullptr;
            int parameter_type = 0;
            const void* parameter = nullptr;
            X509_ALGOR_get0(&object, &parameter_type, &parameter, algorithm);
            EXPECT_EQ(OBJ_obj2nid(object), NID_pbes2);
            const auto* sequence = static_cast<const ASN1_STRING*>(parameter);
            const unsigned char* data = ASN1_STRING_get0_data(sequence);
            PBE2PARAM* pbe2 = d2i_PBE2PARAM(nullptr, &data, ASN1_STRING_length(sequence));
            ASSERT_NE(pbe2, nullptr);
            EXPECT_EQ(OBJ_obj2nid(pbe2->encryption->algorithm), NID_aes_256_cbc);
            EXPECT_EQ(OBJ_obj2nid(pbe2->keyfunc->algorithm), NID_id_pbkdf2);
            auto* kdf = static_cast<PBKDF2PARAM*>(
                ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter));
            ASSERT_NE(kdf, nullptr);
            // Without a prf field PBKDF2 falls back to HMAC-SHA-1.
            ASSERT_NE(kdf->prf, nullptr);
            EXPECT_EQ(OBJ_obj2nid(kdf->prf->algorithm), NID_hmacWithSHA256);
            PBKDF2PARAM_free(kdf);
            PBE2PARAM_free(pbe2);
        }
        sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
    }
    EXPECT_EQ(key_bags, 1);
}

TEST(CreatePkcs12, RejectsEmptyPassword) {
    Bundle bundle;
    auto der = create_pkcs12(bundle.contents(), "");
    ASSERT_FALSE(der);
    EXPECT_EQ(der.error().message, "the .p12 password is empty");
}

TEST(CreatePkcs12, RejectsMismatchedKey) {
    Bundle bundle;
    Pkcs12Contents contents = bundle.contents();
    contents.key = bundle.ca.key.get();
    auto der = create_pkcs12(contents, "secret-1");
    ASSERT_FALSE(der);
    EXPECT_EQ(der.error().message, "the private key does not match the certificate");
}

}  // namespace
}  // namespace tollgate::pki
