#pragma once

// Route registration of each resource of the API.

#include "api/router.h"

namespace tollgate::control {

class ControlPlane;

// Every path starts with this prefix and a project id: "/v3/{project_id}/elb".
inline constexpr const char* kApiPrefix = "/v3/{project_id}/elb";

void add_loadbalancer_routes(api::Router& router, ControlPlane& plane);
void add_listener_routes(api::Router& router, ControlPlane& plane);
void add_certificate_routes(api::Router& router, ControlPlane& plane);
void add_pool_routes(api::Router& router, ControlPlane& plane);
void add_member_routes(api::Router& router, ControlPlane& plane);
void add_healthmonitor_routes(api::Router& router, ControlPlane& plane);
void add_security_policy_routes(api::Router& router, ControlPlane& plane);
void add_verify_routes(api::Router& router, ControlPlane& plane);

}  // namespace tollgate::control
