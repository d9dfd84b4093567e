#pragma once

// Owning pointers for the OpenSSL types of certificate issuance that tls/openssl_ptr.h does
// not cover.

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace tollgate::pki {

struct BioFree {
    void operator()(BIO* value) const { BIO_free(value); }
};
struct BignumFree {
    void operator()(BIGNUM* value) const { BN_free(value); }
};
struct X509ExtensionFree {
    void operator()(X509_EXTENSION* value) const { X509_EXTENSION_free(value); }
};
struct GeneralNamesFree {
    void operator()(GENERAL_NAMES* value) const { GENERAL_NAMES_free(value); }
};
struct GeneralNameFree {
    void operator()(GENERAL_NAME* value) const { GENERAL_NAME_free(value); }
};
struct Pkcs12Free {
    void operator()(PKCS12* value) const { PKCS12_free(value); }
};
// Frees the stack and the certificates in it.
struct X509StackFree {
    void operator()(STACK_OF(X509) * value) const { sk_X509_pop_free(value, X509_free); }
};

using BioPtr = std::unique_ptr<BIO, BioFree>;
using BignumPtr = std::unique_ptr<BIGNUM, BignumFree>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, X509ExtensionFree>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, GeneralNamesFree>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, GeneralNameFree>;
using Pkcs12Ptr = std::unique_ptr<PKCS12, Pkcs12Free>;
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackFree>;

}  // namespace tollgate::pki
