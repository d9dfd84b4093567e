#include "control/control_plane.h"
#include "control/routes.h"
#include "tls/security_policy.h"

#include <string>

namespace tollgate::control {

// The predefined policies are the same for every project and cannot change.
void add_security_policy_routes(api::Router& router, ControlPlane&) {
    router.add("GET", std::string(kApiPrefix) + "/system-security-policies",
               [](const api::ApiRequest& request) {
                   nlohmann::json policies = nlohmann::json::array();
                   for (const auto& policy : tls::system_security_policies()) {
                       policies.push_back({{"name", policy.name},
                                           {"protocols", policy.protocols},
                                           {"ciphers", policy.ciphers},
                                           {"project_id", request.params.at("project_id")}});
                   }
                   return api::ApiResult<api::ApiResponse>(
                       api::ApiResponse{200, {{"system_security_policies", std::move(policies)}}});
               });
}

}  // namespace tollgate::control
