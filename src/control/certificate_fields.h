#pragma once

// The fields of the certificate resource: request checks, the facts stored with a certificate,
// and the response object.

#include "api/router.h"
#include "store/document.h"
#include "store/sealing.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace tollgate::control {

// private_key in responses of a certificate that has a key. Keys are never returned.
inline constexpr const char* kMaskedPrivateKey = "******";

// Checks every field of a certificate object from a create or update request except the PEM
// content, which check_upload checks: known field names, JSON types, lengths, enumerations and
// the domain syntax. A null field passes, because on update it removes the field.
api::ApiResult<void> check_certificate_fields(const nlohmann::json& object);

// Source of the private key in an upload check.
enum class KeySource {
    Request,  // sent in the request, or none sent
    Store,    // the stored key, checked against a new certificate
};

// A certificate upload that passed tls::check_certificate_upload.
struct CheckedUpload {
    // The body fields derived from the certificate: `certificate` (re-encoded PEM),
    // expire_time, common_name, fingerprint, subject_alternative_names, subject, issuer,
    // serial_number, signature_algorithm, key_type, key_bits and chain.
    nlohmann::json content;
    store::SecretString private_key;  // re-encoded PEM; empty for type client
};

// Checks `certificate` and `private_key` as tls::check_certificate_upload does. Every error
// becomes part of one 400 message, `certificate.<field>: <message>` joined with "; ". The
// key text is wiped from `private_key` before returning.
api::ApiResult<CheckedUpload> check_upload(const std::string& type, const std::string& certificate,
                                           std::string& private_key, KeySource key_source);

// Returns subjectAltName entries without their "DNS:" or "IP:" prefix, as responses show them.
nlohmann::json alternative_names(const std::vector<std::string>& entries);

// Returns the response object of a stored certificate without warnings, which is also what
// list filters match: CertificateInfo of the ELB v3 API with private_key masked, and the
// stored facts.
nlohmann::json certificate_view(const store::Document& document);

// Sets view["warnings"] to the warnings about view["certificate"] at `now`, so that expiry
// warnings are current on every response.
void add_certificate_warnings(nlohmann::json& view, std::chrono::system_clock::time_point now);

}  // namespace tollgate::control
