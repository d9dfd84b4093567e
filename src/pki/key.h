#pragma once

#include "core/error.h"
#include "tls/openssl_ptr.h"

#include <openssl/evp.h>

#include <string>
#include <string_view>

namespace tollgate::pki {

enum class KeyType { Ec, Rsa };

// Named curves that `tollgate pki` generates keys on.
enum class Curve { P256, P384 };

// The key that one certificate gets.
struct KeySpec {
    KeyType type = KeyType::Ec;
    int rsa_bits = 2048;  // 2048, 3072 or 4096; used for KeyType::Rsa
    Curve curve = Curve::P256;
};

// Parses "rsa" or "ec".
core::Result<KeyType> parse_key_type(std::string_view name);

// Parses "P-256" or "P-384".
core::Result<Curve> parse_curve(std::string_view name);

// Describes the key of `spec` for people, e.g. "ECDSA P-256" or "RSA 3072".
std::string describe_key(const KeySpec& spec);

// Generates a new private key. Fails on an RSA size other than 2048, 3072 or 4096.
core::Result<tls::EvpPkeyPtr> generate_key(const KeySpec& spec);

// Returns the digest that `signing_key` signs certificates with: SHA-384 for P-384, SHA-512 for
// P-521, SHA-256 for every other RSA and EC key, and null for Ed25519 and Ed448, which hash
// internally.
const EVP_MD* signature_digest(const EVP_PKEY* signing_key);

// Encodes a private key as unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY").
core::Result<std::string> private_key_pem(EVP_PKEY* key);

}  // namespace tollgate::pki
