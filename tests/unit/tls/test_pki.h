#pragma once

// Certificates and keys made in-process for the TLS tests, with the options that the tests
// need: CA and intermediate, SHA-1, MD5 or SHA-256, version 1, no SAN, expired, not yet valid,
// EC P-256 keys, chosen keyUsage and extendedKeyUsage values, and the DER, PKCS#12 and CSR
// forms that people upload by mistake.

#include "tls/openssl_ptr.h"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace tollgate::tls::test {

enum class KeyKind { EcP256, Rsa2048, Rsa1024 };
enum class Digest { Sha256, Sha1, Md5 };  // Md5 needs an RSA key

struct CertificateSpec {
    std::string common_name{};  // empty: no CN, as the guide's CA ("O=ELB")
    std::string organization = "ELB";
    bool ca = false;
    Digest digest = Digest::Sha256;
    int version = 3;                       // 1 leaves out every extension
    std::vector<std::string> alt_names{};  // subjectAltName entries, e.g. "DNS:www.test.com"
    std::chrono::seconds valid_from = std::chrono::hours(-1);  // offsets from now
    std::chrono::seconds valid_until = std::chrono::hours(24 * 365);
    KeyKind key_kind = KeyKind::EcP256;
    std::string extended_key_usage{};  // e.g. "clientAuth", empty: no extension
    std::string basic_constraints{};   // overrides the default "critical,CA:TRUE" of a CA
    std::string key_usage{};           // overrides the default keyUsage of a CA or a leaf
    std::string not_after{};           // fixed notAfter such as "20390806102030Z", overrides valid_until
    long serial = 0;                   // 0: next value of a counter
};

struct Issued {
    X509Ptr certificate;
    EvpPkeyPtr key;
};

struct BioFree {
    void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

inline void require(bool condition, const char* operation) {
    if (!condition) {
        throw std::runtime_error(std::string("test PKI: ") + operation + " failed");
    }
}

inline EvpPkeyPtr generate_key(KeyKind kind) {
    EVP_PKEY* key = nullptr;
    switch (kind) {
        case KeyKind::EcP256:
            key = EVP_EC_gen("P-256");
            break;
        case KeyKind::Rsa2048:
            key = EVP_RSA_gen(2048);
            break;
        case KeyKind::Rsa1024:
            key = EVP_RSA_gen(1024);
            break;
    }
    require(key != nullptr, "key generation");
    return EvpPkeyPtr(key);
}

inline void add_extension(X509* certificate, X509V3_CTX* context, int nid, const std::string& value) {
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, context, nid, value.c_str());
    require(extension != nullptr, "extension creation");
    require(X509_add_ext(certificate, extension, -1) == 1, "X509_add_ext");
    X509_EXTENSION_free(extension);
}

inline void add_extensions(X509* certificate, X509* issuer_certificate, const CertificateSpec& spec) {
    X509V3_CTX context;
    X509V3_set_ctx(&context, issuer_certificate, certificate, nullptr, nullptr, 0);
    add_extension(certificate, &context, NID_subject_key_identifier, "hash");
    add_extension(certificate, &context, NID_authority_key_identifier, "keyid:always");
    if (!spec.basic_constraints.empty()) {
        add_extension(certificate, &context, NID_basic_constraints, spec.basic_constraints);
    } else if (spec.ca) {
        add_extension(certificate, &context, NID_basic_constraints, "critical,CA:TRUE");
    }
    if (!spec.key_usage.empty()) {
        add_extension(certificate, &context, NID_key_usage, spec.key_usage);
    } else if (spec.ca) {
        add_extension(certificate, &context, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_extension(certificate, &context, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    }
    if (!spec.extended_key_usage.empty()) {
        add_extension(certificate, &context, NID_ext_key_usage, spec.extended_key_usage);
    }
    if (!spec.alt_names.empty()) {
        std::string joined;
        for (const std::string& name : spec.alt_names) {
            joined += (joined.empty() ? "" : ",") + name;
        }
        add_extension(certificate, &context, NID_subject_alt_name, joined);
    }
}

// Issues a certificate for `spec` with a new key, signed by `issuer` or self-signed when
// `issuer` is null.
inline Issued issue(const CertificateSpec& spec, const Issued* issuer = nullptr) {
    static long next_serial = 1000;
    Issued issued;
    issued.key = generate_key(spec.key_kind);
    issued.certificate.reset(X509_new());
    X509* certificate = issued.certificate.get();
    require(certificate != nullptr, "X509_new");

    require(X509_set_version(certificate, spec.version == 1 ? X509_VERSION_1 : X509_VERSION_3) == 1,
            "X509_set_version");
    require(ASN1_INTEGER_set(X509_get_serialNumber(certificate),
                             spec.serial != 0 ? spec.serial : next_serial++) == 1,
            "serial");
    require(X509_gmtime_adj(X509_getm_notBefore(certificate), static_cast<long>(spec.valid_from.count())) !=
                nullptr,
            "notBefore");
    if (spec.not_after.empty()) {
        require(X509_gmtime_adj(X509_getm_notAfter(certificate),
                                static_cast<long>(spec.valid_until.count())) != nullptr,
                "notAfter");
    } else {
        require(ASN1_TIME_set_string(X509_getm_notAfter(certificate), spec.not_after.c_str()) == 1,
                "notAfter");
    }

    X509_NAME* name = X509_get_subject_name(certificate);
    if (!spec.organization.empty()) {
        require(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                           reinterpret_cast<const unsigned char*>(spec.organization.c_str()),
                                           -1, -1, 0) == 1,
                "O entry");
    }
    if (!spec.common_name.empty()) {
        require(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                           reinterpret_cast<const unsigned char*>(spec.common_name.c_str()),
                                           -1, -1, 0) == 1,
                "CN entry");
    }
    X509* issuer_certificate = issuer != nullptr ? issuer->certificate.get() : certificate;
    EVP_PKEY* signing_key = issuer != nullptr ? issuer->key.get() : issued.key.get();
    require(X509_set_issuer_name(certificate, X509_get_subject_name(issuer_certificate)) == 1, "issuer name");
    require(X509_set_pubkey(certificate, issued.key.get()) == 1, "X509_set_pubkey");

    if (spec.version != 1) {
        add_extensions(certificate, issuer_certificate, spec);
    }
    const EVP_MD* digest = EVP_sha256();
    if (spec.digest == Digest::Sha1) {
        digest = EVP_sha1();
    } else if (spec.digest == Digest::Md5) {
        digest = EVP_md5();
    }
    require(X509_sign(certificate, signing_key, digest) > 0, "X509_sign");
    return issued;
}

inline std::string bio_text(BIO* bio) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(size));
}

inline std::string certificate_pem(X509* certificate) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    require(PEM_write_bio_X509(bio.get(), certificate) == 1, "PEM_write_bio_X509");
    return bio_text(bio.get());
}

// "BEGIN PRIVATE KEY" (PKCS#8).
inline std::string pkcs8_pem(EVP_PKEY* key) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    require(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
            "PKCS#8 PEM");
    return bio_text(bio.get());
}

// "BEGIN RSA PRIVATE KEY" (PKCS#1) for RSA keys, "BEGIN EC PRIVATE KEY" (SEC1) for EC keys.
inline std::string traditional_pem(EVP_PKEY* key) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    require(PEM_write_bio_PrivateKey_traditional(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
            "traditional PEM");
    return bio_text(bio.get());
}

// "BEGIN ENCRYPTED PRIVATE KEY" (PKCS#8 with a passphrase).
inline std::string encrypted_pkcs8_pem(EVP_PKEY* key) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    char passphrase[] = "secret";
    require(PEM_write_bio_PKCS8PrivateKey(bio.get(), key, EVP_aes_256_cbc(), passphrase, 6, nullptr,
                                          nullptr) == 1,
            "encrypted PKCS#8 PEM");
    return bio_text(bio.get());
}

// "BEGIN RSA PRIVATE KEY" with "Proc-Type: 4,ENCRYPTED", as openssl genrsa -aes256 writes it.
inline std::string encrypted_traditional_pem(EVP_PKEY* key) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    unsigned char passphrase[] = "secret";
    require(PEM_write_bio_PrivateKey_traditional(bio.get(), key, EVP_aes_256_cbc(), passphrase, 6, nullptr,
                                                 nullptr) == 1,
            "encrypted traditional PEM");
    return bio_text(bio.get());
}

// The DER encoding of a certificate, as openssl x509 -outform DER writes it.
inline std::string certificate_der(X509* certificate) {
    unsigned char* data = nullptr;
    const int size = i2d_X509(certificate, &data);
    require(size > 0, "i2d_X509");
    std::string der(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
    OPENSSL_free(data);
    return der;
}

// The PKCS#8 DER encoding of a key, as openssl pkey -outform DER writes it.
inline std::string private_key_der(EVP_PKEY* key) {
    unsigned char* data = nullptr;
    const int size = i2d_PrivateKey(key, &data);
    require(size > 0, "i2d_PrivateKey");
    std::string der(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
    OPENSSL_free(data);
    return der;
}

// A PKCS#12 file with the certificate and its key, as openssl pkcs12 -export writes it.
inline std::string pkcs12_der(const Issued& issued) {
    char passphrase[] = "secret";
    PKCS12* bundle = PKCS12_create(passphrase, nullptr, issued.key.get(), issued.certificate.get(), nullptr,
                                   0, 0, 0, 0, 0);
    require(bundle != nullptr, "PKCS12_create");
    unsigned char* data = nullptr;
    const int size = i2d_PKCS12(bundle, &data);
    PKCS12_free(bundle);
    require(size > 0, "i2d_PKCS12");
    std::string der(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
    OPENSSL_free(data);
    return der;
}

// "BEGIN CERTIFICATE REQUEST" for `common_name`, signed with `key`, as openssl req -new writes it.
inline std::string csr_pem(const std::string& common_name, EVP_PKEY* key) {
    std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)> request(X509_REQ_new(), &X509_REQ_free);
    require(request != nullptr, "X509_REQ_new");
    X509_NAME* name = X509_REQ_get_subject_name(request.get());
    require(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                                       0) == 1,
            "CN entry");
    require(X509_REQ_set_pubkey(request.get(), key) == 1, "X509_REQ_set_pubkey");
    require(X509_REQ_sign(request.get(), key, EVP_sha256()) > 0, "X509_REQ_sign");
    BioPtr bio(BIO_new(BIO_s_mem()));
    require(PEM_write_bio_X509_REQ(bio.get(), request.get()) == 1, "PEM_write_bio_X509_REQ");
    return bio_text(bio.get());
}

}  // namespace tollgate::tls::test
