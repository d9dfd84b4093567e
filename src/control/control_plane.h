#pragma once

// The control plane: the ELB v3 resources of the REST API, kept in the store and applied to
// the data plane on every change.

#include "api/router.h"
#include "control/data_plane.h"
#include "core/error.h"
#include "model/config_loader.h"
#include "store/store.h"

#include <string>

namespace tollgate::control {

// Every call must run on the control thread, the one that runs the API server's io_context.
// `store` and `data_plane` must outlive the ControlPlane.
class ControlPlane {
public:
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

private:
    store::Store& store_;
    DataPlane& data_plane_;
    std::string read_only_reason_;  // empty when changes are allowed
};

}  // namespace tollgate::control
