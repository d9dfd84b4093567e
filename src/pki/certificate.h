#pragma once

#include "core/error.h"
#include "pki/openssl_types.h"
#include "tls/openssl_ptr.h"

#include <chrono>
#include <string>
#include <vector>

namespace tollgate::pki {

// Purpose of a certificate. It decides the extensions, as this table shows.
//
//   profile  basicConstraints   keyUsage (critical)                  extendedKeyUsage
//   Ca       critical CA:TRUE   keyCertSign, cRLSign                 -
//   Server   critical CA:FALSE  digitalSignature, and                serverAuth
//                               keyEncipherment for RSA keys
//   Client   critical CA:FALSE  digitalSignature                     clientAuth
//
// Every profile gets subjectKeyIdentifier and authorityKeyIdentifier. A certificate gets a
// subjectAltName when its spec has DNS names or IP addresses.
enum class Profile { Ca, Server, Client };

// Maximum validity that issue_certificate accepts, about 100 years.
constexpr int kMaxValidityDays = 36500;

// notBefore lies this far before the time of issue, so that a peer whose clock is slightly
// behind accepts a certificate issued a moment ago.
constexpr std::chrono::hours kBackdating{1};

struct CertificateSpec {
    Profile profile = Profile::Client;
    std::string common_name;  // the subject is CN=common_name
    // subjectAltName entries; a Server certificate needs at least one.
    std::vector<std::string> dns_names;
    std::vector<std::string> ip_addresses;
    int days = 0;  // validity period, 1 to kMaxValidityDays
};

// A CA certificate and its private key, which sign the certificates they issue.
struct Issuer {
    X509* certificate = nullptr;
    EVP_PKEY* key = nullptr;
};

// Checks the names, addresses and validity period of `spec`, as issue_certificate does
// first, so that a caller can reject a spec before it generates a key.
core::Result<void> check_certificate_spec(const CertificateSpec& spec);

// Returns a random positive serial number of 128 bits, which is at most 17 bytes in DER,
// within the 20 that RFC 5280 allows.
core::Result<BignumPtr> random_serial();

// Issues an X.509 v3 certificate for `subject_key` as `spec` describes, valid from `now` minus
// kBackdating for spec.days days. `issuer` signs it; without one the certificate is
// self-signed with `subject_key`, which must then be a private key. The digest follows the
// signing key (see signature_digest). Fails on an invalid name or address, on a validity
// period that is out of range or ends after the issuer's, and on an issuer that has expired.
core::Result<tls::X509Ptr> issue_certificate(const CertificateSpec& spec, EVP_PKEY* subject_key,
                                             const Issuer* issuer, std::chrono::system_clock::time_point now);

}  // namespace tollgate::pki
