#include "control/control_plane.h"

namespace tollgate::control {

ControlPlane::ControlPlane(store::Store& store, DataPlane& data_plane) : store_(store), data_plane_(data_plane) {}

void ControlPlane::add_routes(api::Router& /*router*/) {}

core::Result<model::LoadResult> ControlPlane::load_stored() {
    return model::LoadResult{};
}

}  // namespace tollgate::control
