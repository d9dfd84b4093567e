#include "control/control_plane.h"
#include "control/routes.h"

namespace tollgate::control {

void add_healthmonitor_routes(api::Router&, ControlPlane&) {}

}  // namespace tollgate::control
