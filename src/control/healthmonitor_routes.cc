#include "control/crud.h"
#include "control/routes.h"

#include <string>

namespace tollgate::control {
namespace {

using nlohmann::json;

// Defaults of the ELB API. The configuration loader applies the same ones to the stored body.
const json& healthmonitor_defaults() {
    static const json defaults{
        {"admin_state_up", true},
        {"pool_id", nullptr},
        {"type", nullptr},
        {"delay", nullptr},
        {"timeout", nullptr},
        {"max_retries", nullptr},
        {"max_retries_down", 3},
        {"monitor_port", nullptr},
        {"url_path", "/"},
        {"domain_name", nullptr},
        {"expected_codes", "200"},
        {"http_method", "GET"},
        {"provisioning_status", "ACTIVE"},
    };
    return defaults;
}

json healthmonitor_view(const store::Document& document) {
    json view = standard_view(document, healthmonitor_defaults());
    const json& pool_id = view["pool_id"];
    view["pools"] = pool_id.is_string() ? id_list({pool_id.get<std::string>()}) : json::array();
    return view;
}

}  // namespace

void add_healthmonitor_routes(api::Router& router, ControlPlane& plane) {
    add_crud_routes(router, plane,
                    CrudSpec{
                        .kind = &healthmonitor_kind(),
                        .collection_path = std::string(kApiPrefix) + "/healthmonitors",
                        .id_param = "healthmonitor_id",
                        .view = healthmonitor_view,
                    });
}

}  // namespace tollgate::control
