#pragma once

// The control plane: the ELB v3 resources of the REST API, kept in the store and applied to
// the data plane on every change.

#include "api/router.h"
#include "control/data_plane.h"
#include "core/error.h"
#include "model/config_loader.h"
#include "store/store.h"

#include <functional>
#include <string>

namespace tollgate::control {

// The resource a change is about, so that configuration errors about it are reported with
// the API's field names: label "listeners[<id>]" becomes "listener".
struct ChangeTarget {
    std::string label;    // as the configuration loader names it: "listeners[<id>]"
    std::string api_key;  // as the API names it: "listener"
    // What the change did, logged once it is committed: "created listener id=... project=...".
    std::string summary{};
};

// Every call must run on the control thread, the one that runs the API server's io_context.
// `store` and `data_plane` must outlive the ControlPlane.
class ControlPlane {
public:
    using ReadFunction = std::function<api::ApiResult<api::ApiResponse>(store::Transaction&)>;
    using ChangeFunction =
        std::function<api::ApiResult<api::ApiResponse>(store::Transaction&, ChangeTarget&)>;

    ControlPlane(store::Store& store, DataPlane& data_plane);

    ControlPlane(const ControlPlane&) = delete;
    ControlPlane& operator=(const ControlPlane&) = delete;

    // Registers the routes of every resource under /v3/{project_id}/elb/.
    void add_routes(api::Router& router);

    // Reads every stored resource of every project into one configuration, for start-up and
    // SIGHUP. Errors name resources as the configuration loader does (`listeners[<id>]`).
    core::Result<model::LoadResult> load_stored();

    // Refuses every change with 403 and `reason`, e.g. when the configuration comes from a
    // file. Reads keep working.
    void set_read_only(std::string reason) { read_only_reason_ = std::move(reason); }

    // The running data plane, for the member health that responses show.
    const DataPlane& data_plane() const { return data_plane_; }

    // Runs `read` in a transaction that changes nothing.
    api::ApiResult<api::ApiResponse> read(const ReadFunction& read);

    // Runs `change` in a write transaction, then checks the whole stored configuration with
    // the configuration loader, prepares it on the data plane, commits, and publishes it.
    // Any failure rolls the transaction back, so the store and the running configuration stay
    // as they were. `change` fills in the target once the resource's id is set.
    api::ApiResult<api::ApiResponse> change(const ChangeFunction& change);

private:
    store::Store& store_;
    DataPlane& data_plane_;
    std::string read_only_reason_;  // empty when changes are allowed
};

// Converts configuration loader errors into the API error for a change of `target`. An error
// about the target comes first and is named with the API key. A port clash, on one load
// balancer or across load balancers with overlapping addresses, is 409. An unknown reference
// is 404, anything else 400.
api::ApiError config_error(const std::vector<model::ConfigError>& errors, const ChangeTarget& target);

}  // namespace tollgate::control
