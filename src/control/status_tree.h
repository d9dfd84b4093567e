#pragma once

// The status tree of a load balancer (GET /loadbalancers/{id}/statuses): the load balancer
// with its listeners, pools, health monitors and members, each with its status fields.

#include "api/router.h"
#include "control/data_plane.h"
#include "store/store.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace tollgate::control {

class ControlPlane;

// Returns the pools of a load balancer: those whose loadbalancer_id names it, then the
// default pools of `listener_ids` (its listeners) that are not among them.
api::ApiResult<std::vector<std::string>> loadbalancer_pool_ids(store::Transaction& transaction,
                                                               std::string_view project_id,
                                                               std::string_view loadbalancer_id,
                                                               const std::vector<std::string>& listener_ids);

void add_status_tree_route(api::Router& router, ControlPlane& plane);

// Sets operating_status of a member response from `health`, and reason as the ELB API
// shapes it ({reason_code, expected_response, healthcheck_response}) while the member is
// OFFLINE.
void add_member_health(nlohmann::json& view, const MemberHealth& health);

}  // namespace tollgate::control
