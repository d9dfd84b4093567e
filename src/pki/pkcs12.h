#pragma once

#include "core/error.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <string>
#include <vector>

namespace tollgate::pki {

// Iterations of the key derivation and of the MAC: PKCS12_DEFAULT_ITER, 2048 in OpenSSL 3.0,
// which `openssl pkcs12 -export` uses too.
int pkcs12_iterations();

// Contents of a .p12 bundle.
struct Pkcs12Contents {
    X509* certificate = nullptr;
    EVP_PKEY* key = nullptr;             // must match `certificate`
    std::vector<X509*> ca_certificates;  // added after the certificate, may be empty
    std::string friendly_name;           // the name that browsers and pk12util show
};

// Encodes `contents` as a DER PKCS#12 bundle protected by `password`, with the algorithms
// that `openssl pkcs12 -export` of OpenSSL 3 uses by default: the key and the certificates
// are encrypted with PBES2 (PBKDF2 with HMAC-SHA-256, AES-256-CBC), and the MAC is
// HMAC-SHA-256. Fails on an empty password and on a key that does not match the certificate.
core::Result<std::string> create_pkcs12(const Pkcs12Contents& contents, const std::string& password);

}  // namespace tollgate::pki
