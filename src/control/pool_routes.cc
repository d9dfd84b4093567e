#include "control/config_document.h"
#include "control/crud.h"
#include "control/routes.h"

#include <fmt/format.h>

#include <string>

namespace tollgate::control {
namespace {

using nlohmann::json;

const json& pool_defaults() {
    static const json defaults{
        {"description", ""},
        {"lb_algorithm", nullptr},
        {"protocol", nullptr},
        {"session_persistence", nullptr},
        {"slow_start", {{"enable", false}, {"duration", 30}}},
        {"member_deletion_protection_enable", false},
        {"type", ""},
        {"vpc_id", ""},
        {"ip_version", "v4"},
        {"any_port_enable", false},
        {"admin_state_up", true},
        {"provisioning_status", "ACTIVE"},
        {"operating_status", "ONLINE"},
        {"protection_status", "nonProtection"},
        {"protection_reason", ""},
        {"enterprise_project_id", "0"},
    };
    return defaults;
}

json pool_view(const store::Document& document) {
    json view = standard_view(document, pool_defaults());
    view["listeners"] = json::array();
    view["loadbalancers"] = json::array();
    view["members"] = json::array();
    view["healthmonitor_id"] = "";
    return view;
}

api::ApiResult<void> add_relations(store::Transaction& transaction, const store::Document& document, json& view) {
    auto listeners =
        referrer_ids(transaction, "pool", document.project_id, document.id, "listener", "default_pool_id");
    auto members = referrer_ids(transaction, "pool", document.project_id, document.id, "member", "pool_id");
    auto monitors = referrer_ids(transaction, "pool", document.project_id, document.id, "healthmonitor", "pool_id");
    for (const auto* ids : {&listeners, &members, &monitors}) {
        if (!*ids) {
            return ids->error();
        }
    }
    view["listeners"] = id_list(*listeners);
    view["members"] = id_list(*members);
    view["healthmonitor_id"] = monitors->empty() ? std::string() : monitors->front();

    std::vector<std::string> loadbalancers;
    if (auto own = view.find("loadbalancer_id"); own != view.end() && own->is_string()) {
        loadbalancers.push_back(own->get<std::string>());
    }
    for (const auto& listener_id : *listeners) {
        auto listener = load_resource(transaction, listener_kind(), document.project_id, listener_id);
        if (!listener) {
            return listener.error();
        }
        std::string loadbalancer = listener->body.value("loadbalancer_id", "");
        if (std::find(loadbalancers.begin(), loadbalancers.end(), loadbalancer) == loadbalancers.end()) {
            loadbalancers.push_back(loadbalancer);
        }
    }
    view["loadbalancers"] = id_list(loadbalancers);
    return {};
}

// A pool created with listener_id becomes that listener's default pool. The link lives in the
// listener's default_pool_id from then on, so the pool's body does not keep it.
api::ApiResult<void> prepare_pool(store::Transaction&, const store::Document&, json& body, const json*) {
    body.erase(kPoolListenerField);
    return {};
}

api::ApiResult<void> link_listener(store::Transaction& transaction, const store::Document& pool, const json& object) {
    auto listener_id = object.find(kPoolListenerField);
    if (listener_id == object.end()) {
        return {};
    }
    if (!listener_id->is_string() || listener_id->get_ref<const std::string&>().empty()) {
        return api::ApiError::invalid_request(
            fmt::format("pool.listener_id: invalid value {}: use the id of a listener", listener_id->dump()));
    }
    auto listener = load_resource(transaction, listener_kind(), pool.project_id, listener_id->get<std::string>());
    if (!listener) {
        return api::ApiError{404, "ELB.8904",
                             fmt::format("pool.listener_id: listener {} could not be found in project {}",
                                         listener_id->get<std::string>(), pool.project_id)};
    }
    if (auto current = listener->body.find("default_pool_id"); current != listener->body.end() && current->is_string()) {
        return api::ApiError::conflict(fmt::format(
            "pool.listener_id: listener {} already has default pool {}. Create the pool without listener_id, "
            "or change the listener's default_pool_id.",
            listener->document.id, current->get<std::string>()));
    }
    listener->body["default_pool_id"] = pool.id;
    auto references = resolve_references(transaction, listener_kind(), pool.project_id, listener->body);
    if (!references) {
        return references.error();
    }
    listener->document.body = listener->body.dump();
    if (auto saved = transaction.update(listener->document, *references); !saved) {
        return store_error(saved.error());
    }
    return {};
}

}  // namespace

void add_pool_routes(api::Router& router, ControlPlane& plane) {
    add_crud_routes(router, plane,
                    CrudSpec{
                        .kind = &pool_kind(),
                        .collection_path = std::string(kApiPrefix) + "/pools",
                        .id_param = "pool_id",
                        .view = pool_view,
                        .relations = add_relations,
                        .prepare = prepare_pool,
                        .after_create = link_listener,
                    });
}

}  // namespace tollgate::control
