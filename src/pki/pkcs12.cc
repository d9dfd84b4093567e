#include "pki/pkcs12.h"

#include "pki/openssl_types.h"
#include "tls/openssl_error.h"

#include <openssl/pkcs12.h>

namespace tollgate::pki {

int pkcs12_iterations() {
    return PKCS12_DEFAULT_ITER;
}

core::Result<std::string> create_pkcs12(const Pkcs12Contents& contents, const std::string& password) {
    if (password.empty()) {
        return core::Error::invalid("the .p12 password is empty");
    }
    tls::OpensslErrorScope error_scope;
    if (X509_check_private_key(contents.certificate, contents.key) != 1) {
        return core::Error::invalid("the private key does not match the certificate");
    }

    X509StackPtr ca_certificates(sk_X509_new_null());
    if (!ca_certificates) {
        return core::Error::tls("creating the .p12 bundle failed: " + tls::take_openssl_errors());
    }
    for (X509* ca_certificate : contents.ca_certificates) {
        if (X509_up_ref(ca_certificate) != 1 || sk_X509_push(ca_certificates.get(), ca_certificate) == 0) {
            return core::Error::tls("creating the .p12 bundle failed: " + tls::take_openssl_errors());
        }
    }

    // A MAC iteration count of -1 leaves the MAC out here, so that PKCS12_set_mac can add it
    // with SHA-256 named explicitly rather than relying on the library's default digest.
    Pkcs12Ptr bundle(PKCS12_create(password.c_str(), contents.friendly_name.c_str(), contents.key,
                                   contents.certificate, ca_certificates.get(), NID_aes_256_cbc,
                                   NID_aes_256_cbc, pkcs12_iterations(), -1, 0));
    if (!bundle || PKCS12_set_mac(bundle.get(), password.c_str(), -1, nullptr, 0, pkcs12_iterations(),
                                  EVP_sha256()) != 1) {
        return core::Error::tls("creating the .p12 bundle failed: " + tls::take_openssl_errors());
    }

    unsigned char* der = nullptr;
    const int length = i2d_PKCS12(bundle.get(), &der);
    if (length <= 0) {
        return core::Error::tls("encoding the .p12 bundle failed: " + tls::take_openssl_errors());
    }
    std::string encoded(reinterpret_cast<const char*>(der), static_cast<std::size_t>(length));
    OPENSSL_free(der);
    return encoded;
}

}  // namespace tollgate::pki
