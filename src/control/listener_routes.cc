#include "control/crud.h"
#include "control/routes.h"

#include <string>

namespace tollgate::control {
namespace {

using nlohmann::json;

constexpr const char* kDefaultPolicy = "tls-1-2-fs-with-1-3";

const json& listener_defaults() {
    static const json defaults{
        {"description", ""},
        {"protocol", nullptr},
        {"protocol_port", nullptr},
        {"default_pool_id", nullptr},
        {"default_tls_container_ref", nullptr},
        {"client_ca_tls_container_ref", nullptr},
        {"client_verify_depth", 4},
        {"sni_container_refs", json::array()},
        {"sni_match_algo", "wildcard"},
        {"security_policy_id", nullptr},
        {"http2_enable", false},
        {"enable_member_retry", true},
        {"keepalive_timeout", 60},
        {"client_timeout", 60},
        {"member_timeout", 60},
        {"admin_state_up", true},
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
        {"provisioning_status", "ACTIVE"},
        {"operating_status", "ONLINE"},
        {"protection_status", "nonProtection"},
        {"protection_reason", ""},
        {"enterprise_project_id", "0"},
    };
    return defaults;
}

json listener_view(const store::Document& document) {
    json view = standard_view(document, listener_defaults());
    const bool https = view["protocol"] == "HTTPS";
    if (!view.contains("client_authentication")) {
        // client_authentication is a tollgate extension; its default follows the CA reference.
        view["client_authentication"] = view["client_ca_tls_container_ref"].is_null() ? "none" : "mandatory";
    }
    if (!view.contains("tls_ciphers_policy")) {
        view["tls_ciphers_policy"] = https ? json(kDefaultPolicy) : json(nullptr);
    }
    json headers{{"X-Forwarded-Host", true}};
    if (auto stored = view.find("insert_headers"); stored != view.end() && stored->is_object()) {
        headers.update(*stored);
    }
    view["insert_headers"] = std::move(headers);
    json loadbalancer_id = view.value("loadbalancer_id", json(nullptr));
    view["loadbalancers"] = loadbalancer_id.is_string() ? id_list({loadbalancer_id.get<std::string>()}) : json::array();
    return view;
}

// Stores TERMINATED_HTTPS as HTTPS, as a dedicated load balancer does.
api::ApiResult<void> prepare_listener(store::Transaction&, const store::Document&, json& body, const json*) {
    if (auto protocol = body.find("protocol"); protocol != body.end() && *protocol == "TERMINATED_HTTPS") {
        *protocol = "HTTPS";
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
                        .prepare = prepare_listener,
                    });
}

}  // namespace tollgate::control
