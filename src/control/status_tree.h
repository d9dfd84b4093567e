#pragma once

// The status tree of a load balancer (GET /loadbalancers/{id}/statuses): the load balancer
// with its listeners, pools, health monitors and members, each with its status fields.

#include "api/router.h"
#include "store/store.h"

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

}  // namespace tollgate::control
