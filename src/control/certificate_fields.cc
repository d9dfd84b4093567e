#include "control/certificate_fields.h"

#include "control/crud.h"
#include "tls/certificate_check.h"
#include "tls/certificate_info.h"
#include "tls/pem.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>
#include <vector>

namespace tollgate::control {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxTextCharacters = 255;  // name, description and the other plain strings
constexpr std::size_t kMaxDomainCharacters = 10000;
constexpr std::size_t kMaxDomainNames = 100;
constexpr std::size_t kMaxLabelCharacters = 63;
constexpr std::size_t kMaxQuotedCharacters = 64;  // of a value quoted in a message

// project_id is not among them, because resource_object removes it.
constexpr std::array<std::string_view, 14> kKnownFields = {
    "name",
    "description",
    "type",
    "certificate",
    "private_key",
    "domain",
    "admin_state_up",
    "enc_certificate",
    "enc_private_key",
    "scm_certificate_id",
    "source",
    "protection_status",
    "protection_reason",
    "enterprise_project_id",
};

api::ApiError field_error(std::string_view field, std::string_view message) {
    return api::ApiError::invalid_request(fmt::format("certificate.{}: {}", field, message));
}

// Quotes a value for a message, cut to kMaxQuotedCharacters so that a pasted blob stays short.
std::string quoted(const json& value) {
    std::string text = value.dump();
    if (text.size() > kMaxQuotedCharacters) {
        text = text.substr(0, kMaxQuotedCharacters) + "...";
    }
    return text;
}

// Counts Unicode characters of UTF-8 text: every byte that does not continue a sequence.
std::size_t character_count(std::string_view text) {
    return static_cast<std::size_t>(std::count_if(
        text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

api::ApiResult<void> check_text(std::string_view field, const json& value, std::size_t max_characters) {
    if (!value.is_string()) {
        return field_error(field, fmt::format("invalid value {}: use a string of at most {} characters",
                                              quoted(value), max_characters));
    }
    const std::size_t characters = character_count(value.get_ref<const std::string&>());
    if (characters > max_characters) {
        return field_error(field, fmt::format("too long ({} characters): use at most {} characters",
                                              characters, max_characters));
    }
    return {};
}

api::ApiResult<void> check_choice(std::string_view field, const json& value,
                                  std::initializer_list<std::string_view> choices, std::string_view fix) {
    if (value.is_string() &&
        std::find(choices.begin(), choices.end(), value.get_ref<const std::string&>()) != choices.end()) {
        return {};
    }
    return field_error(field, fmt::format("invalid value {}: {}", quoted(value), fix));
}

bool is_host_label(std::string_view label) {
    const auto alphanumeric = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
    return !label.empty() && label.size() <= kMaxLabelCharacters && alphanumeric(label.front()) &&
           alphanumeric(label.back()) &&
           std::all_of(label.begin(), label.end(), [&](char c) { return alphanumeric(c) || c == '-'; });
}

// Accepts a host name whose labels are letters, digits and '-', with an optional leading "*.".
bool is_domain_name(std::string_view name) {
    if (name.starts_with("*.")) {
        name.remove_prefix(2);
    }
    if (name.empty()) {
        return false;
    }
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = name.find('.', start);
        if (!is_host_label(name.substr(start, dot == std::string_view::npos ? dot : dot - start))) {
            return false;
        }
        if (dot == std::string_view::npos) {
            return true;
        }
        start = dot + 1;
    }
}

api::ApiResult<void> check_domain(const json& value) {
    if (!value.is_string()) {
        return field_error(
            "domain", fmt::format("invalid value {}: use host names separated by commas", quoted(value)));
    }
    const std::string& text = value.get_ref<const std::string&>();
    if (text.size() > kMaxDomainCharacters) {
        return field_error("domain", fmt::format("too long ({} characters): use at most {} characters",
                                                 text.size(), kMaxDomainCharacters));
    }
    if (text.empty()) {
        return {};
    }
    std::size_t names = 0;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        const std::string_view name = std::string_view(text).substr(start, comma - start);
        if (!is_domain_name(name)) {
            return field_error("domain",
                               fmt::format("invalid host name {}: use names such as www.example.com or "
                                           "*.example.com, separated by commas without spaces",
                                           quoted(json(name))));
        }
        ++names;
        start = comma + 1;
    }
    if (names > kMaxDomainNames) {
        return field_error("domain",
                           fmt::format("too many host names ({}): use at most {}", names, kMaxDomainNames));
    }
    return {};
}

api::ApiResult<void> check_type(const json& value) {
    if (value == "server_sm") {
        return field_error(
            "type",
            "not supported \"server_sm\": tollgate has no SM2 dual certificates, so use server or client");
    }
    return check_choice(
        "type", value, {"server", "client"},
        "use server for a server certificate with its private key, or client for CA certificates "
        "that verify client certificates");
}

api::ApiResult<void> check_field(const std::string& field, const json& value) {
    if (field == "certificate" || field == "private_key") {
        if (!value.is_string()) {
            // A private key is never quoted, so neither is the certificate.
            return field_error(field,
                               fmt::format("invalid value of JSON type {}: use the PEM text as a string",
                                           value.type_name()));
        }
        return {};
    }
    if (field == "type") {
        return check_type(value);
    }
    if (field == "domain") {
        return check_domain(value);
    }
    if (field == "admin_state_up") {
        if (!value.is_boolean()) {
            return field_error(field, fmt::format("invalid value {}: use true or false", quoted(value)));
        }
        return {};
    }
    if (field == "enc_certificate" || field == "enc_private_key") {
        return field_error(
            field,
            "not supported: it belongs to SM2 dual certificates (type server_sm), which tollgate does "
            "not support, so leave it out");
    }
    if (field == "source") {
        return check_choice(field, value, {"scm", ""}, "use \"scm\" or \"\"");
    }
    if (field == "protection_status") {
        return check_choice(field, value, {"nonProtection", "consoleProtection"},
                            "use nonProtection or consoleProtection");
    }
    if (auto text = check_text(field, value, kMaxTextCharacters); !text) {
        return text;
    }
    if (field == "protection_reason" &&
        value.get_ref<const std::string&>().find_first_of("<>") != std::string::npos) {
        return field_error(field,
                           fmt::format("invalid value {}: leave out the characters < and >", quoted(value)));
    }
    return {};
}

store::SecretString take_secret(std::string& text) {
    store::SecretString secret(text.size());
    std::copy(text.begin(), text.end(), secret.data());
    OPENSSL_cleanse(text.data(), text.size());
    return secret;
}

// Returns the UTF-8 value of the last CN of the subject, the most specific one, or "".
std::string common_name(X509* certificate) {
    const X509_NAME* subject = X509_get_subject_name(certificate);
    int last = -1;
    for (int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1); index >= 0;
         index = X509_NAME_get_index_by_NID(subject, NID_commonName, index)) {
        last = index;
    }
    if (last < 0) {
        return "";
    }
    unsigned char* utf8 = nullptr;
    const int size = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, last)));
    if (size < 0) {
        return "";
    }
    std::string value(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(size));
    OPENSSL_free(utf8);
    return value;
}

json chain_entry(X509* certificate, const tls::CertificateFacts& facts) {
    return {
        {"subject", facts.subject},
        {"issuer", facts.issuer},
        {"common_name", common_name(certificate)},
        {"serial_number", facts.serial_hex},
        {"fingerprint", facts.fingerprint_sha256},
        // From the certificate itself, because a time_point ends in 2262.
        {"not_before", tls::format_asn1_time(X509_get0_notBefore(certificate))},
        {"not_after", tls::format_asn1_time(X509_get0_notAfter(certificate))},
        {"signature_algorithm", facts.signature_algorithm},
        {"key_type", facts.key_type},
        {"key_bits", facts.key_bits},
        {"subject_alternative_names", alternative_names(facts.subject_alt_names)},
    };
}

// Builds the body fields derived from the re-encoded certificate text of a passed check.
api::ApiResult<json> certificate_content(const tls::CertificateCheck& check) {
    auto certificates = tls::parse_certificates(check.normalized_certificate);
    if (!certificates || certificates->size() != check.chain.size() || certificates->empty()) {
        return api::ApiError::internal("the re-encoded certificate could not be parsed again");
    }
    json chain = json::array();
    for (std::size_t i = 0; i < certificates->size(); ++i) {
        chain.push_back(chain_entry((*certificates)[i].get(), check.chain[i]));
    }
    const json& leaf = chain.front();
    json content{
        {"certificate", check.normalized_certificate},
        {"expire_time", leaf["not_after"]},
        {"common_name", leaf["common_name"]},
        {"fingerprint", leaf["fingerprint"]},
        {"subject_alternative_names", leaf["subject_alternative_names"]},
        {"subject", leaf["subject"]},
        {"issuer", leaf["issuer"]},
        {"serial_number", leaf["serial_number"]},
        {"signature_algorithm", leaf["signature_algorithm"]},
        {"key_type", leaf["key_type"]},
        {"key_bits", leaf["key_bits"]},
    };
    content["chain"] = std::move(chain);
    return api::ApiResult<json>(boost::system::in_place_value, std::move(content));
}

const json& certificate_defaults() {
    static const json defaults{
        {"description", ""},
        {"type", "server"},
        {"domain", nullptr},
        {"certificate", ""},
        {"admin_state_up", true},
        {"expire_time", nullptr},
        {"enc_certificate", nullptr},
        {"enc_private_key", nullptr},
        {"scm_certificate_id", ""},
        {"common_name", ""},
        {"fingerprint", ""},
        {"subject_alternative_names", json::array()},
        {"source", ""},
        {"protection_status", "nonProtection"},
        {"protection_reason", ""},
        {"enterprise_project_id", "0"},
        {"subject", ""},
        {"issuer", ""},
        {"serial_number", ""},
        {"signature_algorithm", ""},
        {"key_type", ""},
        {"key_bits", 0},
        {"chain", json::array()},
    };
    return defaults;
}

}  // namespace

// Returns subjectAltName entries without their "DNS:" or "IP:" prefix.
nlohmann::json alternative_names(const std::vector<std::string>& entries) {
    nlohmann::json names = json::array();
    for (const std::string& entry : entries) {
        const std::size_t colon = entry.find(':');
        names.push_back(colon == std::string::npos ? entry : entry.substr(colon + 1));
    }
    return names;
}

api::ApiResult<void> check_certificate_fields(const json& object) {
    for (const auto& [field, value] : object.items()) {
        if (std::find(kKnownFields.begin(), kKnownFields.end(), field) == kKnownFields.end()) {
            return field_error(field, "unknown field: remove it or check its spelling");
        }
        if (value.is_null()) {
            if (field == "certificate") {
                return field_error(field, "cannot be removed: send a new certificate instead");
            }
            continue;
        }
        if (auto checked = check_field(field, value); !checked) {
            return checked;
        }
    }
    return {};
}

api::ApiResult<CheckedUpload> check_upload(const std::string& type, const std::string& certificate,
                                           std::string& private_key, KeySource key_source) {
    tls::CertificateUpload upload{type, certificate, std::move(private_key)};
    OPENSSL_cleanse(private_key.data(), private_key.size());
    tls::CertificateCheck check = tls::check_certificate_upload(upload, std::chrono::system_clock::now());
    OPENSSL_cleanse(upload.private_key.data(), upload.private_key.size());

    if (!check.errors.empty()) {
        OPENSSL_cleanse(check.normalized_private_key.data(), check.normalized_private_key.size());
        std::vector<std::string> messages;
        for (const tls::FieldProblem& problem : check.errors) {
            if (problem.field == "private_key" && key_source == KeySource::Store) {
                // The stored key passed this check before, so a problem with it is a mismatch.
                messages.push_back(
                    "certificate.certificate: The new certificate does not match the stored private key. "
                    "Send "
                    "the private key of the new certificate in private_key in the same request.");
            } else {
                messages.push_back(fmt::format("certificate.{}: {}", problem.field, problem.message));
            }
        }
        return api::ApiError::invalid_request(fmt::format("{}", fmt::join(messages, "; ")));
    }

    auto content = certificate_content(check);
    store::SecretString key = take_secret(check.normalized_private_key);
    if (!content) {
        return content.error();
    }
    return CheckedUpload{std::move(*content), std::move(key)};
}

json certificate_view(const store::Document& document) {
    json view = standard_view(document, certificate_defaults());
    view["private_key"] = view["type"] == "server" ? kMaskedPrivateKey : "";
    return view;
}

void add_certificate_warnings(json& view, std::chrono::system_clock::time_point now) {
    const json& type = view["type"];
    const json& certificate = view["certificate"];
    if (!type.is_string() || !certificate.is_string()) {
        view["warnings"] = json::array();
        return;
    }
    view["warnings"] = tls::certificate_warnings(type.get_ref<const std::string&>(),
                                                 certificate.get_ref<const std::string&>(), now);
}

}  // namespace tollgate::control
