#include "control/control_plane.h"

#include "control/config_document.h"
#include "control/request_body.h"
#include "control/routes.h"
#include "core/logging.h"

#include <fmt/format.h>

#include <algorithm>

namespace tollgate::control {
namespace {

bool is_about(const std::string& label, const ChangeTarget& target) {
    return !target.label.empty() && label.starts_with(target.label) &&
           (label.size() == target.label.size() || label[target.label.size()] == '.');
}

// Replaces the target's loader label at the start of `message` with its API key.
std::string rename_target(std::string message, const ChangeTarget& target) {
    if (!target.label.empty() && message.starts_with(target.label)) {
        message.replace(0, target.label.size(), target.api_key);
    }
    return message;
}

// Returns the first error about the target, or the first error when none is. A misspelled
// required field gives two errors: the field is missing, and the misspelling is an unknown
// field whose fix names the missing one. The second points at the fix, so it is returned.
const model::ConfigError& choose_error(const std::vector<model::ConfigError>& errors,
                                       const ChangeTarget& target) {
    auto first = std::find_if(errors.begin(), errors.end(), [&](const model::ConfigError& error) {
        return is_about(error.resource, target);
    });
    if (first == errors.end()) {
        return errors.front();
    }
    if (first->problem == "missing required field") {
        const std::string hint = "did you mean \"" + first->field + "\"?";
        for (auto error = first; error != errors.end(); ++error) {
            if (error->resource == first->resource && error->problem == "unknown field" &&
                error->fix == hint) {
                return *error;
            }
        }
    }
    return *first;
}

// Converts a failed data-plane prepare into the API error, naming the target with its API key.
api::ApiError data_plane_error(const core::Error& error, const ChangeTarget& target) {
    std::string message = rename_target(error.message, target);
    if (error.kind == core::ErrorKind::Conflict) {
        return api::ApiError::conflict(std::move(message));
    }
    if (error.kind == core::ErrorKind::InvalidInput) {
        return api::ApiError::invalid_request(std::move(message));
    }
    return api::ApiError::internal(std::move(message));
}

// Logs a change that the configuration check or the data plane rejected, and returns its error.
api::ApiError rejected(const ChangeTarget& target, api::ApiError error) {
    core::logger("api")->info("change rejected resource={} status={} error=\"{}\"", target.label,
                              error.status, error.message);
    return error;
}

}  // namespace

api::ApiError config_error(const std::vector<model::ConfigError>& errors, const ChangeTarget& target) {
    const model::ConfigError* chosen = &choose_error(errors, target);
    const std::string message = rename_target(chosen->to_string(), target);
    // A listener port taken on the same load balancer, a listener address and port that
    // overlaps one of another load balancer, a member added twice and a second health
    // monitor of a pool are conflicts.
    const bool port_clash =
        chosen->field == "protocol_port" &&
        (chosen->problem.starts_with("port already used") || chosen->problem.starts_with("clashes with"));
    if (port_clash || chosen->problem == "duplicate member" ||
        chosen->problem.starts_with("pool already has health monitor")) {
        return api::ApiError::conflict(message);
    }
    if (chosen->problem.starts_with("unknown ") && !chosen->field.empty() &&
        (chosen->field.ends_with("_id") || chosen->field.ends_with("_ref"))) {
        return {404, "ELB.8904", message};
    }
    return api::ApiError::invalid_request(message);
}

ControlPlane::ControlPlane(store::Store& store, DataPlane& data_plane)
    : store_(store), data_plane_(data_plane) {}

void ControlPlane::add_routes(api::Router& router) {
    add_loadbalancer_routes(router, *this);
    add_listener_routes(router, *this);
    add_certificate_routes(router, *this);
    add_pool_routes(router, *this);
    add_member_routes(router, *this);
    add_healthmonitor_routes(router, *this);
    add_security_policy_routes(router, *this);
    add_verify_routes(router, *this);
}

core::Result<model::LoadResult> ControlPlane::load_stored() {
    auto transaction = store_.begin();
    if (!transaction) {
        return transaction.error();
    }
    return load_stored_config(*transaction);
}

api::ApiResult<api::ApiResponse> ControlPlane::read(const ReadFunction& read) {
    auto transaction = store_.begin();
    if (!transaction) {
        return store_error(transaction.error());
    }
    return read(*transaction);
}

api::ApiResult<api::ApiResponse> ControlPlane::change(const ChangeFunction& change) {
    if (!read_only_reason_.empty()) {
        return api::ApiError{403, "ELB.8902", "The API is read-only: " + read_only_reason_ + "."};
    }
    auto transaction = store_.begin();
    if (!transaction) {
        return store_error(transaction.error());
    }

    ChangeTarget target;
    auto response = change(*transaction, target);
    if (!response) {
        return response;
    }

    auto loaded = load_stored_config(*transaction);
    if (!loaded) {
        return store_error(loaded.error());
    }
    if (!loaded->ok()) {
        return rejected(target, config_error(loaded->errors, target));
    }
    auto prepared = data_plane_.prepare(loaded->config);
    if (!prepared) {
        return rejected(target, data_plane_error(prepared.error(), target));
    }

    auto revision = transaction->commit();
    if (!revision) {
        return store_error(revision.error());
    }
    data_plane_.publish(std::move(*prepared));
    core::logger("api")->info("{} revision={}", target.summary, *revision);
    return response;
}

}  // namespace tollgate::control
