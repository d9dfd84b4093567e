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

// A pool with an OFFLINE member is DEGRADED, and so are the listeners and the load balancer
// above it, as in the ELB status tree.
constexpr const char* kDegraded = "DEGRADED";

// Returns the health of a stored member from the data plane.
MemberHealth stored_member_health(const DataPlane& data_plane, const std::string& pool_id, const json& body) {
    const json address = body.value("address", json(nullptr));
    const json port = body.value("protocol_port", json(nullptr));
    if (!address.is_string() || !port.is_number_unsigned() || port.get<std::uint64_t>() > 65535) {
        return {};
    }
    return data_plane.member_health(pool_id, address.get<std::string>(),
                                    static_cast<std::uint16_t>(port.get<std::uint64_t>()));
}

api::ApiResult<json> member_status(store::Transaction& transaction, const DataPlane& data_plane,
                                   const std::string& project, const std::string& pool_id,
                                   const std::string& member_id) {
    auto member = load_resource(transaction, member_kind(), project, member_id);
    if (!member) {
        return member.error();
    }
    const MemberHealth health = stored_member_health(data_plane, pool_id, member->body);
    return api::ApiResult<json>(boost::system::in_place_value,
                                json{{"id", member_id},
                                     {"address", member->body.value("address", json(nullptr))},
                                     {"protocol_port", member->body.value("protocol_port", json(nullptr))},
                                     {"provisioning_status", kProvisioned},
                                     {"operating_status", health.operating_status}});
}

api::ApiResult<json> pool_status(store::Transaction& transaction, const DataPlane& data_plane,
                                 const std::string& project, const std::string& pool_id) {
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
        auto member = member_status(transaction, data_plane, project, pool_id, member_id);
        if (!member) {
            return member.error();
        }
        if ((*member)["operating_status"] == "OFFLINE") {
            status["operating_status"] = kDegraded;
        }
        status["members"].push_back(std::move(*member));
    }
    return api::ApiResult<json>(boost::system::in_place_value, std::move(status));
}

api::ApiResult<json> listener_status(store::Transaction& transaction, const DataPlane& data_plane,
                                     const std::string& project, const std::string& listener_id) {
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
        auto pool = pool_status(transaction, data_plane, project, pool_id->get<std::string>());
        if (!pool) {
            return pool.error();
        }
        if ((*pool)["operating_status"] == kDegraded) {
            status["operating_status"] = kDegraded;
        }
        status["pools"].push_back(std::move(*pool));
    }
    return api::ApiResult<json>(boost::system::in_place_value, std::move(status));
}

api::ApiResult<json> loadbalancer_status(store::Transaction& transaction, const DataPlane& data_plane,
                                         const std::string& project, const std::string& loadbalancer_id) {
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
        auto listener = listener_status(transaction, data_plane, project, listener_id);
        if (!listener) {
            return listener.error();
        }
        if ((*listener)["operating_status"] == kDegraded) {
            status["operating_status"] = kDegraded;
        }
        status["listeners"].push_back(std::move(*listener));
    }
    for (const auto& pool_id : *pool_ids) {
        auto pool = pool_status(transaction, data_plane, project, pool_id);
        if (!pool) {
            return pool.error();
        }
        if ((*pool)["operating_status"] == kDegraded) {
            status["operating_status"] = kDegraded;
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

void add_member_health(json& view, const MemberHealth& health) {
    view["operating_status"] = health.operating_status;
    if (health.reason_code.empty()) {
        return;
    }
    const auto text_or_null = [](const std::string& text) {
        return text.empty() ? json(nullptr) : json(text);
    };
    view["reason"] = {{"reason_code", health.reason_code},
                      {"expected_response", text_or_null(health.expected_response)},
                      {"healthcheck_response", text_or_null(health.healthcheck_response)}};
}

void add_status_tree_route(api::Router& router, ControlPlane& plane) {
    router.add(
        "GET", std::string(kApiPrefix) + "/loadbalancers/{loadbalancer_id}/statuses",
        [&plane](const api::ApiRequest& request) {
            return plane.read([&](store::Transaction& transaction) -> api::ApiResult<api::ApiResponse> {
                auto status =
                    loadbalancer_status(transaction, plane.data_plane(), request.params.at("project_id"),
                                        request.params.at("loadbalancer_id"));
                if (!status) {
                    return status.error();
                }
                return api::ApiResponse{200, json{{"statuses", {{"loadbalancer", std::move(*status)}}}}};
            });
        });
}

}  // namespace tollgate::control
