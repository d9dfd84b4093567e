#include "pki/key.h"

#include "tls/openssl_error.h"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <array>
#include <memory>

namespace tollgate::pki {
namespace {

struct BioFree {
    void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

const char* curve_name(Curve curve) {
    return curve == Curve::P384 ? "P-384" : "P-256";
}

std::string group_name(const EVP_PKEY* key) {
    std::array<char, 64> name{};
    std::size_t length = 0;
    if (EVP_PKEY_get_group_name(key, name.data(), name.size(), &length) != 1) {
        return {};
    }
    return std::string(name.data(), length);
}

}  // namespace

core::Result<KeyType> parse_key_type(std::string_view name) {
    if (name == "ec") {
        return KeyType::Ec;
    }
    if (name == "rsa") {
        return KeyType::Rsa;
    }
    return core::Error::invalid(fmt::format("invalid key type \"{}\": use rsa or ec", name));
}

core::Result<Curve> parse_curve(std::string_view name) {
    if (name == "P-256") {
        return Curve::P256;
    }
    if (name == "P-384") {
        return Curve::P384;
    }
    return core::Error::invalid(fmt::format("invalid curve \"{}\": use P-256 or P-384", name));
}

std::string describe_key(const KeySpec& spec) {
    if (spec.type == KeyType::Rsa) {
        return fmt::format("RSA {}", spec.rsa_bits);
    }
    return fmt::format("ECDSA {}", curve_name(spec.curve));
}

core::Result<tls::EvpPkeyPtr> generate_key(const KeySpec& spec) {
    tls::OpensslErrorScope error_scope;
    EVP_PKEY* key = nullptr;
    if (spec.type == KeyType::Rsa) {
        if (spec.rsa_bits != 2048 && spec.rsa_bits != 3072 && spec.rsa_bits != 4096) {
            return core::Error::invalid(
                fmt::format("invalid RSA key size {}: use 2048, 3072 or 4096 bits", spec.rsa_bits));
        }
        key = EVP_RSA_gen(static_cast<unsigned int>(spec.rsa_bits));
    } else {
        key = EVP_EC_gen(curve_name(spec.curve));
    }
    if (key == nullptr) {
        return core::Error::tls(
            fmt::format("generating the {} key failed: {}", describe_key(spec), tls::take_openssl_errors()));
    }
    return tls::EvpPkeyPtr(key);
}

const EVP_MD* signature_digest(const EVP_PKEY* signing_key) {
    const int id = EVP_PKEY_get_base_id(signing_key);
    if (id == EVP_PKEY_ED25519 || id == EVP_PKEY_ED448) {
        return nullptr;
    }
    if (id == EVP_PKEY_EC) {
        const std::string group = group_name(signing_key);
        if (group == SN_secp384r1) {
            return EVP_sha384();
        }
        if (group == SN_secp521r1) {
            return EVP_sha512();
        }
    }
    return EVP_sha256();
}

core::Result<std::string> private_key_pem(EVP_PKEY* key) {
    tls::OpensslErrorScope error_scope;
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        return core::Error::tls("encoding the private key as PEM failed: " + tls::take_openssl_errors());
    }
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(length));
}

}  // namespace tollgate::pki
