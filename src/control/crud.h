#pragma once

// Create, show, list, update and delete routes shared by the resources of the API. Each
// resource supplies its view and the checks that are its own.

#include "control/control_plane.h"
#include "control/listing.h"
#include "control/request_body.h"
#include "control/resource_kind.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <string>

namespace tollgate::control {

struct CrudSpec {
    const ResourceKind* kind = nullptr;
    std::string collection_path;  // "/v3/{project_id}/elb/pools/{pool_id}/members"
    std::string id_param;         // "member_id"
    // Path parameter of the owning resource, e.g. "pool_id" for members; empty for top-level
    // resources. The owner must exist, becomes the document's parent and a stored reference.
    std::string parent_param{};
    const ResourceKind* parent_kind = nullptr;
    // A second list path across every owner, e.g. "/v3/{project_id}/elb/members"; optional.
    std::string flat_list_path{};

    // The response object without fields that need other resources; also what list filters
    // match against.
    ViewFunction view;
    // Rewrites a request object to its stored form before any check, e.g. TERMINATED_HTTPS to
    // HTTPS, so that sending the alias back in an update is no change.
    std::function<void(nlohmann::json& object)> normalize{};
    // Adds the fields that need other resources, such as the listeners of a pool.
    std::function<api::ApiResult<void>(store::Transaction&, const store::Document&, nlohmann::json&)>
        relations{};
    // Checks and completes a body before it is stored: the whole merged body on update.
    // `stored` is null on create.
    std::function<api::ApiResult<void>(store::Transaction&, const store::Document& document,
                                       nlohmann::json& body, const nlohmann::json* stored)>
        prepare{};
    // Runs after a create is written, with the object the request sent.
    std::function<api::ApiResult<void>(store::Transaction&, const store::Document&,
                                       const nlohmann::json& object)>
        after_create{};
    // Runs before a delete, after the check that nothing refers to the resource.
    std::function<api::ApiResult<void>(store::Transaction&, const StoredResource&)> before_delete{};
    // The loader's name of a resource, for errors: "pools[<pool>].members[<id>]". Defaults to
    // "<collection>[<id>]".
    std::function<std::string(const store::Document&)> label{};
};

void add_crud_routes(api::Router& router, ControlPlane& plane, CrudSpec spec);

// Returns the fields every resource has (id, project_id, name, created_at, updated_at) over
// `defaults`, with the stored body on top.
nlohmann::json standard_view(const store::Document& document, const nlohmann::json& defaults);

// Returns `defaults` with the fields that load balancers, listeners and pools report alike:
// admin_state_up true, provisioning_status ACTIVE, operating_status ONLINE, no protection and
// enterprise_project_id "0".
nlohmann::json with_status_defaults(nlohmann::json defaults);

// Returns [{"id": id}] for a non-empty id, else [].
nlohmann::json id_list(const std::vector<std::string>& ids);

// Returns the ids of resources of `kind` that refer to kind/id through `field`.
api::ApiResult<std::vector<std::string>> referrer_ids(store::Transaction& transaction,
                                                      std::string_view ref_kind, std::string_view project_id,
                                                      std::string_view ref_id, std::string_view kind,
                                                      std::string_view field);

}  // namespace tollgate::control
