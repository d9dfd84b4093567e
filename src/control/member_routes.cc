#include "control/crud.h"
#include "control/routes.h"

#include <fmt/format.h>

#include <string>

namespace tollgate::control {
namespace {

using nlohmann::json;

const json& member_defaults() {
    static const json defaults{
        {"address", nullptr},
        {"protocol_port", nullptr},
        {"weight", 1},
        {"admin_state_up", true},
        {"subnet_cidr_id", nullptr},
        {"availability_zone", ""},
        {"member_type", "ip"},
        {"instance_id", ""},
        {"operating_status", "NO_MONITOR"},
        {"provisioning_status", "ACTIVE"},
        {"status", json::array()},
        {"reason", nullptr},
    };
    return defaults;
}

json member_view(const store::Document& document) {
    json view = standard_view(document, member_defaults());
    view["pool_id"] = document.parent_id ? json(*document.parent_id) : json(nullptr);
    const json& address = view["address"];
    view["ip_version"] = address.is_string() && address.get_ref<const std::string&>().find(':') != std::string::npos
                             ? "v6"
                             : "v4";
    return view;
}

}  // namespace

void add_member_routes(api::Router& router, ControlPlane& plane) {
    add_crud_routes(router, plane,
                    CrudSpec{
                        .kind = &member_kind(),
                        .collection_path = std::string(kApiPrefix) + "/pools/{pool_id}/members",
                        .id_param = "member_id",
                        .parent_param = "pool_id",
                        .parent_kind = &pool_kind(),
                        .flat_list_path = std::string(kApiPrefix) + "/members",
                        .view = member_view,
                        .label =
                            [](const store::Document& document) {
                                return fmt::format("pools[{}].members[{}]", document.parent_id.value_or(""),
                                                   document.id);
                            },
                    });
}

}  // namespace tollgate::control
