#include "control/crud.h"
#include "control/routes.h"
#include "control/status_tree.h"

#include <fmt/format.h>

#include <string>

namespace tollgate::control {
namespace {

using nlohmann::json;

// Defaults of the fields a load balancer response always has. Cloud fields keep the values a
// dedicated load balancer reports when they are not set.
const json& loadbalancer_defaults() {
    static const json defaults{
        {"description", ""},
        {"vip_address", nullptr},
        {"vip_subnet_cidr_id", nullptr},
        {"vip_port_id", nullptr},
        {"ipv6_vip_virsubnet_id", nullptr},
        {"ipv6_vip_address", nullptr},
        {"ipv6_vip_port_id", nullptr},
        {"vpc_id", nullptr},
        {"l4_flavor_id", nullptr},
        {"l7_flavor_id", nullptr},
        {"elb_virsubnet_ids", json::array()},
        {"availability_zone_list", json::array()},
        {"provider", "vlb"},
        {"guaranteed", true},
        {"admin_state_up", true},
        {"provisioning_status", "ACTIVE"},
        {"operating_status", "ONLINE"},
        {"ip_target_enable", false},
        {"deletion_protection_enable", false},
        {"tags", json::array()},
        {"eips", json::array()},
        {"publicips", json::array()},
        {"elb_virsubnet_type", "dualstack"},
        {"protection_status", "nonProtection"},
        {"protection_reason", ""},
        {"enterprise_project_id", "0"},
    };
    return defaults;
}

api::ApiResult<void> add_relations(store::Transaction& transaction, const store::Document& document,
                                   json& view) {
    auto listeners = referrer_ids(transaction, "loadbalancer", document.project_id, document.id, "listener",
                                  "loadbalancer_id");
    if (!listeners) {
        return listeners.error();
    }
    auto pools = loadbalancer_pool_ids(transaction, document.project_id, document.id, *listeners);
    if (!pools) {
        return pools.error();
    }
    view["listeners"] = id_list(*listeners);
    view["pools"] = id_list(*pools);
    return {};
}

api::ApiResult<void> check_deletion_protection(store::Transaction&, const StoredResource& loadbalancer) {
    if (loadbalancer.body.value("deletion_protection_enable", json(false)) != true) {
        return {};
    }
    return api::ApiError::conflict(
        fmt::format("load balancer {} has deletion_protection_enable set to true. Set it to false first.",
                    loadbalancer.document.id));
}

}  // namespace

void add_loadbalancer_routes(api::Router& router, ControlPlane& plane) {
    add_crud_routes(router, plane,
                    CrudSpec{
                        .kind = &loadbalancer_kind(),
                        .collection_path = std::string(kApiPrefix) + "/loadbalancers",
                        .id_param = "loadbalancer_id",
                        .view =
                            [](const store::Document& document) {
                                json view = standard_view(document, loadbalancer_defaults());
                                view["listeners"] = json::array();
                                view["pools"] = json::array();
                                return view;
                            },
                        .relations = add_relations,
                        .before_delete = check_deletion_protection,
                    });
    add_status_tree_route(router, plane);
}

}  // namespace tollgate::control
