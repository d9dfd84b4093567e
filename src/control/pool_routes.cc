#include "control/config_document.h"
#include "control/crud.h"
#include "control/routes.h"

#include <fmt/format.h>

#include <string>

namespace tollgate::control {
namespace {

using nlohmann::json;

// Defaults of the fields a pool response always has. member_deletion_protection_enable,
// any_port_enable, connection_drain and pool_health of the ELB API are missing because the
// configuration loader rejects them as unknown fields, so no request can set them.
const json& pool_defaults() {
    static const json defaults = with_status_defaults({
        {"description", ""},
        {"lb_algorithm", nullptr},
        {"protocol", nullptr},
        {"loadbalancer_id", nullptr},
        {"session_persistence", nullptr},
        {"slow_start", {{"enable", false}, {"duration", 30}}},
        {"type", ""},
        {"vpc_id", ""},
        {"ip_version", "v4"},
    });
    return defaults;
}

// The defaults of passive_health_check, a tollgate extension (model::PassiveHealthCheck).
const json& passive_health_check_defaults() {
    static const json defaults{
        {"enable", true}, {"consecutive_failures", 5}, {"ejection_time", 30}, {"max_ejection_time", 300}};
    return defaults;
}

json pool_view(const store::Document& document) {
    json view = standard_view(document, pool_defaults());
    // A request may set some fields of the object; the response shows all of them.
    json passive = passive_health_check_defaults();
    if (auto stored = view.find("passive_health_check"); stored != view.end() && stored->is_object()) {
        passive.update(*stored);
    }
    view["passive_health_check"] = std::move(passive);
    view["listeners"] = json::array();
    view["loadbalancers"] = json::array();
    view["members"] = json::array();
    view["healthmonitor_id"] = "";
    return view;
}

api::ApiResult<void> add_relations(store::Transaction& transaction, const store::Document& document,
                                   json& view) {
    auto listeners =
        referrer_ids(transaction, "pool", document.project_id, document.id, "listener", "default_pool_id");
    auto members = referrer_ids(transaction, "pool", document.project_id, document.id, "member", "pool_id");
    auto monitors =
        referrer_ids(transaction, "pool", document.project_id, document.id, "healthmonitor", "pool_id");
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

// Loads the listener that a new pool names in listener_id, and checks that it can take the
// pool as its default pool.
api::ApiResult<StoredResource> load_linked_listener(store::Transaction& transaction,
                                                    const std::string& project, const json& listener_id,
                                                    const json& body) {
    if (!listener_id.is_string() || listener_id.get_ref<const std::string&>().empty()) {
        return api::ApiError::invalid_request(
            fmt::format("pool.listener_id: invalid value {}: use the id of a listener", listener_id.dump()));
    }
    const std::string& id = listener_id.get_ref<const std::string&>();
    auto listener = load_resource(transaction, listener_kind(), project, id);
    if (!listener) {
        return api::ApiError{
            404, "ELB.8904",
            fmt::format("pool.listener_id: listener {} could not be found in project {}", id, project)};
    }
    if (auto current = listener->body.find("default_pool_id");
        current != listener->body.end() && current->is_string()) {
        return api::ApiError::conflict(fmt::format(
            "pool.listener_id: listener {} already has default pool {}. Create the pool without listener_id, "
            "or change the listener's default_pool_id.",
            id, current->get<std::string>()));
    }
    const std::string listener_loadbalancer = listener->body.value("loadbalancer_id", "");
    if (auto own = body.find("loadbalancer_id"); own != body.end() && *own != listener_loadbalancer) {
        return api::ApiError::invalid_request(
            fmt::format("pool.listener_id: listener {} belongs to load balancer {}, not to loadbalancer_id "
                        "{}: use a listener of "
                        "that load balancer, or leave loadbalancer_id out",
                        id, listener_loadbalancer, own->dump()));
    }
    return listener;
}

// A pool created with listener_id becomes that listener's default pool and joins the
// listener's load balancer. The link lives in the listener's default_pool_id from then on,
// so the pool's body does not keep listener_id.
api::ApiResult<void> prepare_pool(store::Transaction& transaction, const store::Document& pool, json& body,
                                  const json* stored) {
    auto listener_id = body.find(kPoolListenerField);
    if (stored || listener_id == body.end()) {
        return {};
    }
    auto listener = load_linked_listener(transaction, pool.project_id, *listener_id, body);
    if (!listener) {
        return listener.error();
    }
    body["loadbalancer_id"] = listener->body.value("loadbalancer_id", "");
    body.erase(kPoolListenerField);
    return {};
}

api::ApiResult<void> link_listener(store::Transaction& transaction, const store::Document& pool,
                                   const json& object) {
    auto listener_id = object.find(kPoolListenerField);
    if (listener_id == object.end()) {
        return {};
    }
    auto listener =
        load_resource(transaction, listener_kind(), pool.project_id, listener_id->get<std::string>());
    if (!listener) {
        return listener.error();
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
