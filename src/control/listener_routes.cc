#include "control/crud.h"
#include "control/routes.h"

#include <string>

namespace tollgate::control {
namespace {

using nlohmann::json;

// The configuration loader's defaults (model::Listener).
constexpr const char* kDefaultPolicy = "tls-1-2-fs-with-1-3";
constexpr int kDefaultVerifyDepth = 4;

// Defaults of the fields a listener response always has. sni_match_algo, port_ranges,
// quic_config and nat64_enable of the ELB API are missing because the configuration loader
// rejects them as unknown fields, so no request can set them.
const json& listener_defaults() {
    static const json defaults = with_status_defaults({
        {"description", ""},
        {"loadbalancer_id", nullptr},
        {"protocol", nullptr},
        {"protocol_port", nullptr},
        {"default_pool_id", nullptr},
        {"default_tls_container_ref", nullptr},
        {"client_ca_tls_container_ref", nullptr},
        {"sni_container_refs", json::array()},
        {"security_policy_id", nullptr},
        {"http2_enable", false},
        {"enable_member_retry", true},
        {"keepalive_timeout", 60},
        {"client_timeout", 60},
        {"member_timeout", 60},
        {"connection_limit", -1},
        {"tags", json::array()},
        {"ipgroup", nullptr},
        {"transparent_client_ip_enable", true},
        {"proxy_protocol_enable", false},
        {"enhance_l7policy_enable", false},
        {"gzip_enable", false},
        {"ssl_early_data_enable", false},
        {"cps", 0},
        {"connection", 0},
    });
    return defaults;
}

json listener_view(const store::Document& document) {
    json view = standard_view(document, listener_defaults());
    const bool https = view["protocol"] == "HTTPS";
    if (!view.contains("client_authentication")) {
        // client_authentication is a tollgate extension; its default follows the CA reference.
        view["client_authentication"] = view["client_ca_tls_container_ref"].is_null() ? "none" : "mandatory";
    }
    // TLS settings do not apply to an HTTP listener, and the loader rejects them there, so
    // they show as null.
    if (!view.contains("tls_ciphers_policy")) {
        view["tls_ciphers_policy"] = https ? json(kDefaultPolicy) : json(nullptr);
    }
    if (!view.contains("client_verify_depth")) {
        view["client_verify_depth"] = https ? json(kDefaultVerifyDepth) : json(nullptr);
    }
    json headers{{"X-Forwarded-Host", true}};
    if (auto stored = view.find("insert_headers"); stored != view.end() && stored->is_object()) {
        headers.update(*stored);
    }
    view["insert_headers"] = std::move(headers);
    json loadbalancer_id = view.value("loadbalancer_id", json(nullptr));
    view["loadbalancers"] =
        loadbalancer_id.is_string() ? id_list({loadbalancer_id.get<std::string>()}) : json::array();
    return view;
}

// Stores TERMINATED_HTTPS as HTTPS, as a dedicated load balancer does.
void normalize_listener(json& object) {
    if (auto protocol = object.find("protocol");
        protocol != object.end() && *protocol == "TERMINATED_HTTPS") {
        *protocol = "HTTPS";
    }
}

// Records the mandatory client authentication that a client CA implies, so that removing
// the CA later fails unless the request also turns client authentication off on purpose.
api::ApiResult<void> prepare_listener(store::Transaction&, const store::Document&, json& body, const json*) {
    auto ca = body.find("client_ca_tls_container_ref");
    if (ca != body.end() && ca->is_string() && !body.contains("client_authentication")) {
        body["client_authentication"] = "mandatory";
    }
    return {};
}

}  // namespace

void add_listener_routes(api::Router& router, ControlPlane& plane) {
    add_crud_routes(router, plane,
                    CrudSpec{
                        .kind = &listener_kind(),
                        .collection_path = std::string(kApiPrefix) + "/listeners",
                        .id_param = "listener_id",
                        .view = listener_view,
                        .normalize = normalize_listener,
                        .prepare = prepare_listener,
                    });
}

}  // namespace tollgate::control
