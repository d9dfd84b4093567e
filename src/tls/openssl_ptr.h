#pragma once

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>

namespace tollgate::tls {

struct X509Free {
    void operator()(X509* value) const { X509_free(value); }
};
struct EvpPkeyFree {
    void operator()(EVP_PKEY* value) const { EVP_PKEY_free(value); }
};
struct SslCtxFree {
    void operator()(SSL_CTX* value) const { SSL_CTX_free(value); }
};
struct X509StoreFree {
    void operator()(X509_STORE* value) const { X509_STORE_free(value); }
};

using X509Ptr = std::unique_ptr<X509, X509Free>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;
using X509StorePtr = std::unique_ptr<X509_STORE, X509StoreFree>;

}  // namespace tollgate::tls
