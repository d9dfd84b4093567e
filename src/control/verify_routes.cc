// POST /v3/{project_id}/elb/listeners/{listener_id}/verify-client-certificate, a tollgate
// extension of the ELB API: verifies a client certificate as a handshake with the listener
// would, without a connection, and explains why it is rejected.

#include "control/certificate_fields.h"
#include "control/config_document.h"
#include "control/control_plane.h"
#include "control/request_body.h"
#include "control/resource_kind.h"
#include "control/routes.h"
#include "core/logging.h"
#include "model/resources.h"
#include "tls/certificate_check.h"
#include "tls/client_verdict.h"

#include <fmt/format.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <chrono>
#include <string>

namespace tollgate::control {
namespace {

using nlohmann::json;

constexpr const char* kCertificateField = "certificate";

// Returns the PEM text of the request body {"certificate": "..."}.
api::ApiResult<std::string> certificate_text(const json& body) {
    const std::string usage =
        "send {\"certificate\": \"<PEM of the client certificate, optionally followed by its intermediate CA "
        "certificates>\"}";
    if (!body.is_object() || !body.contains(kCertificateField)) {
        return api::ApiError::invalid_request(fmt::format("certificate: missing: {}", usage));
    }
    for (const auto& [field, value] : body.items()) {
        if (field != kCertificateField) {
            return api::ApiError::invalid_request(fmt::format("{}: unknown field: {}", field, usage));
        }
    }
    const json& text = body[kCertificateField];
    if (!text.is_string()) {
        return api::ApiError::invalid_request(
            fmt::format("certificate: invalid type {}: {}", text.type_name(), usage));
    }
    const auto& pem = text.get_ref<const std::string&>();
    if (pem.size() > tls::kMaxCertificateCharacters) {
        return api::ApiError::invalid_request(
            fmt::format("certificate: the text has {} characters, more than the maximum of {}: send only the "
                        "client certificate and its intermediate CA certificates",
                        pem.size(), tls::kMaxCertificateCharacters));
    }
    return pem;
}

// The TLS settings that the data plane builds for the listener, from the stored
// configuration as the configuration loader reads it, so that defaults and the security
// level come out as they do for the running listener.
struct ListenerTls {
    tls::ServerTlsSettings settings;
    std::string client_ca_ref;
};

api::ApiResult<ListenerTls> listener_tls(store::Transaction& transaction, const std::string& project,
                                         const std::string& id) {
    if (auto stored = load_resource(transaction, listener_kind(), project, id); !stored) {
        return stored.error();
    }
    auto loaded = load_stored_config(transaction);
    if (!loaded) {
        return store_error(loaded.error());
    }
    if (!loaded->ok()) {
        return api::ApiError::internal(
            fmt::format("the stored configuration does not load: {}", loaded->errors.front().to_string()));
    }
    const model::Config& config = loaded->config;
    const auto listener = std::find_if(config.listeners.begin(), config.listeners.end(),
                                       [&](const model::Listener& candidate) { return candidate.id == id; });
    if (listener == config.listeners.end()) {
        return api::ApiError::internal(
            fmt::format("listener {} is stored but not in the loaded configuration", id));
    }
    if (listener->protocol != model::Protocol::Https) {
        return api::ApiError::conflict(
            fmt::format("listener {} uses protocol {}, which has no TLS, so it asks for no client "
                        "certificate. Verify the certificate against an HTTPS listener with client "
                        "authentication.",
                        id, model::to_string(listener->protocol)));
    }
    if (listener->client_authentication == model::ClientAuth::None) {
        return api::ApiError::conflict(
            fmt::format("listener {} has client_authentication none, so it asks for no client certificate "
                        "and accepts every client. Set client_ca_tls_container_ref to the CA certificates "
                        "of your clients to require client certificates.",
                        id));
    }
    const model::Certificate* server = config.find_certificate(listener->default_tls_container_ref);
    const model::Certificate* ca = config.find_certificate(listener->client_ca_tls_container_ref);
    if (server == nullptr || ca == nullptr) {
        return api::ApiError::internal(
            fmt::format("listener {}: a certificate it refers to is not loaded", id));
    }

    ListenerTls result;
    tls::ServerTlsSettings& settings = result.settings;
    settings.listener_id = listener->id;
    settings.certificate_id = server->id;
    settings.certificate_pem = server->certificate;
    settings.private_key_pem = server->private_key;
    settings.client_ca_id = ca->id;
    settings.client_ca_pem = ca->certificate;
    settings.client_auth = listener->client_authentication;
    settings.verify_depth = listener->client_verify_depth;
    settings.policy_name = listener->tls_ciphers_policy;
    result.client_ca_ref = ca->id;
    return result;
}

json chain_entry(const tls::CertificateReport& report) {
    const tls::CertificateFacts& facts = report.facts;
    return {
        {"subject", facts.subject},
        {"issuer", facts.issuer},
        {"serial_number", facts.serial_hex},
        {"fingerprint", facts.fingerprint_sha256},
        {"not_before", report.not_before},
        {"not_after", report.not_after},
        {"signature_algorithm", facts.signature_algorithm},
        {"key_type", facts.key_type},
        {"key_bits", facts.key_bits},
        {"subject_alternative_names", alternative_names(facts.subject_alt_names)},
        {"ca", facts.basic_constraints_ca},
        {"key_usages", report.key_usages},
        {"extended_key_usages", report.extended_key_usages},
        {"source", tls::to_string(report.source)},
    };
}

json verdict_view(const tls::ClientVerdict& verdict, const ListenerTls& listener) {
    json chain = json::array();
    for (const tls::CertificateReport& report : verdict.chain) {
        chain.push_back(chain_entry(report));
    }
    return {
        {"accepted", verdict.accepted},
        {"reason", verdict.failure ? json(tls::code(*verdict.failure)) : json(nullptr)},
        {"message", verdict.message},
        {"openssl_error",
         verdict.accepted ? json(nullptr) : json(X509_verify_cert_error_string(verdict.verify_error))},
        {"error_depth", verdict.accepted ? json(nullptr) : json(verdict.error_depth)},
        {"listener_id", listener.settings.listener_id},
        {"client_authentication", tls::to_string(listener.settings.client_auth)},
        {"client_ca_tls_container_ref", listener.client_ca_ref},
        {"client_verify_depth", listener.settings.verify_depth},
        {"security_level", verdict.security_level},
        {"chain", std::move(chain)},
    };
}

api::ApiResult<api::ApiResponse> verify_client_certificate(ControlPlane& plane,
                                                           const api::ApiRequest& request) {
    auto text = certificate_text(request.body);
    if (!text) {
        return text.error();
    }
    return plane.read([&](store::Transaction& transaction) -> api::ApiResult<api::ApiResponse> {
        auto listener =
            listener_tls(transaction, request.params.at("project_id"), request.params.at("listener_id"));
        if (!listener) {
            return listener.error();
        }
        auto trust = tls::listener_client_trust(listener->settings);
        if (!trust) {
            return api::ApiError::internal(trust.error().message);
        }
        auto verdict = tls::verify_client_certificate(*trust, *text, std::chrono::system_clock::now());
        if (!verdict) {
            if (verdict.error().kind == core::ErrorKind::InvalidInput) {
                return api::ApiError::invalid_request(
                    fmt::format("certificate: {}", verdict.error().message));
            }
            return api::ApiError::internal(verdict.error().message);
        }
        const tls::CertificateFacts& leaf = verdict->chain.front().facts;
        core::logger("api")->info(
            "verified client certificate listener={} subject=\"{}\" fingerprint={} accepted={} reason={} "
            "request_id={}",
            listener->settings.listener_id, leaf.subject, leaf.fingerprint_sha256, verdict->accepted,
            verdict->failure ? tls::code(*verdict->failure) : "none", request.request_id);
        return api::ApiResponse{200, json{{"verdict", verdict_view(*verdict, *listener)}}};
    });
}

}  // namespace

void add_verify_routes(api::Router& router, ControlPlane& plane) {
    router.add(
        "POST", std::string(kApiPrefix) + "/listeners/{listener_id}/verify-client-certificate",
        [&plane](const api::ApiRequest& request) { return verify_client_certificate(plane, request); });
}

}  // namespace tollgate::control
