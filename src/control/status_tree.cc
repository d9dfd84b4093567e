#include "control/status_tree.h"

#include "control/control_plane.h"
#include "control/crud.h"
#include "control/routes.h"

#include <algorithm>

namespace tollgate::control {
namespace {

using nlohmann::json;

// Every change is applied before the API sends its response, so each resource is ACTIVE.
constexpr const char* kProvisioned = "ACTIVE";

api::ApiResult<json> member_status(store::Transaction& transaction, const std::string& project,
                                   const std::string& member_id) {
    auto member = load_resource(transaction, member_kind(), project, member_id);
    if (!member) {
        return member.error();
    }
    // NOTE: health check results do not reach the control plane yet, so every member shows
    // NO_MONITOR, as its own response does.
    return api::ApiResult<json>(boost::system::in_place_value,
                                json{{"id", member_id},
                                     {"address", member->body.value("address", json(nullptr))},
                                     {"protocol_port", member->body.value("protocol_port", json(nullptr))},
                                     {"provisioning_status", kProvisioned},
                                     {"operating_status", "NO_MONITOR"}});
}

api::ApiResult<json> pool_status(store::Transaction& transaction, const std::string& project,
                                 const std::string& pool_id) {
    auto pool = load_resource(transaction, pool_kind(), project, pool_id);
    if (!pool) {
        return pool.error();
    }
    json status{{"id", pool_id},
                {"name", pool->body.value("name", "")},
                {"provisioning_status", kProvisioned},
                {"operating_status", "ONLINE"},
                {"members", json::array()}};

    auto monitors = referrer_ids(transaction, "pool", project, pool_id, "healthmonitor", "pool_id");
    if (!monitors) {
        return monitors.error();
    }
    if (!monitors->empty()) {
        auto monitor = load_resource(transaction, healthmonitor_kind(), project, monitors->front());
        if (!monitor) {
            return monitor.error();
        }
        status["healthmonitor"] = {{"id", monitor->document.id},
                                   {"name", monitor->body.value("name", "")},
                                   {"type", monitor->body.value("type", json(nullptr))},
                                   {"provisioning_status", kProvisioned}};
    }

    auto members = referrer_ids(transaction, "pool", project, pool_id, "member", "pool_id");
    if (!members) {
        return members.error();
    }
    for (const auto& member_id : *members) {
        auto member = member_status(transaction, project, member_id);
        if (!member) {
            return member.error();
        }
        status["members"].push_back(std::move(*member));
    }
    return api::ApiResult<json>(boost::system::in_place_value, std::move(status));
}

api::ApiResult<json> listener_status(store::Transaction& transaction, const std::string& project,
                                     const std::string& listener_id) {
    auto listener = load_resource(transaction, listener_kind(), project, listener_id);
    if (!listener) {
        return listener.error();
    }
    json status{{"id", listener_id},
                {"name", listener->body.value("name", "")},
                {"provisioning_status", kProvisioned},
                {"operating_status", "ONLINE"},
                {"pools", json::array()},
                {"l7policies", json::array()}};
    if (auto pool_id = listener->body.find("default_pool_id");
        pool_id != listener->body.end() && pool_id->is_string()) {
        auto pool = pool_status(transaction, project, pool_id->get<std::string>());
        if (!pool) {
            return pool.error();
        }
        status["pools"].push_back(std::move(*pool));
    }
    return api::ApiResult<json>(boost::system::in_place_value, std::move(status));
}

api::ApiResult<json> loadbalancer_status(store::Transaction& transaction, const std::string& project,
                                         const std::string& loadbalancer_id) {
    auto loadbalancer = load_resource(transaction, loadbalancer_kind(), project, loadbalancer_id);
    if (!loadbalancer) {
        return loadbalancer.error();
    }
    auto listener_ids =
        referrer_ids(transaction, "loadbalancer", project, loadbalancer_id, "listener", "loadbalancer_id");
    if (!listener_ids) {
        return listener_ids.error();
    }
    auto pool_ids = loadbalancer_pool_ids(transaction, project, loadbalancer_id, *listener_ids);
    if (!pool_ids) {
        return pool_ids.error();
    }

    json status{{"id", loadbalancer_id},
                {"name", loadbalancer->body.value("name", "")},
                {"provisioning_status", kProvisioned},
                {"operating_status", "ONLINE"},
                {"listeners", json::array()},
                {"pools", json::array()}};
    for (const auto& listener_id : *listener_ids) {
        auto listener = listener_status(transaction, project, listener_id);
        if (!listener) {
            return listener.error();
        }
        status["listeners"].push_back(std::move(*listener));
    }
    for (const auto& pool_id : *pool_ids) {
        auto pool = pool_status(transaction, project, pool_id);
        if (!pool) {
            return pool.error();
        }
        status["pools"].push_back(std::move(*pool));
    }
    return api::ApiResult<json>(boost::system::in_place_value, std::move(status));
}

}  // namespace

api::ApiResult<std::vector<std::string>> loadbalancer_pool_ids(store::Transaction& transaction,
                                                               std::string_view project_id,
                                                               std::string_view loadbalancer_id,
                                                               const std::vector<std::string>& listener_ids) {
    auto pools =
        referrer_ids(transaction, "loadbalancer", project_id, loadbalancer_id, "pool", "loadbalancer_id");
    if (!pools) {
        return pools.error();
    }
    for (const auto& listener_id : listener_ids) {
        auto references = transaction.references("listener", project_id, listener_id);
        if (!references) {
            return store_error(references.error());
        }
        for (const store::Reference& reference : *references) {
            if (reference.field == "default_pool_id" &&
                std::find(pools->begin(), pools->end(), reference.ref_id) == pools->end()) {
                pools->push_back(reference.ref_id);
            }
        }
    }
    return pools;
}

void add_status_tree_route(api::Router& router, ControlPlane& plane) {
    router.add(
        "GET", std::string(kApiPrefix) + "/loadbalancers/{loadbalancer_id}/statuses",
        [&plane](const api::ApiRequest& request) {
            return plane.read([&](store::Transaction& transaction) -> api::ApiResult<api::ApiResponse> {
                auto status = loadbalancer_status(transaction, request.params.at("project_id"),
                                                  request.params.at("loadbalancer_id"));
                if (!status) {
                    return status.error();
                }
                return api::ApiResponse{200, json{{"statuses", {{"loadbalancer", std::move(*status)}}}}};
            });
        });
}

}  // namespace tollgate::control
