#pragma once

// Reading resource objects out of API requests and checking them against what is stored.

#include "api/router.h"
#include "control/resource_kind.h"
#include "store/store.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace tollgate::control {

// Returns the object under the envelope key of `kind` ({"listener": {...}}) without
// project_id, which the API accepts and ignores. Fails with 400 when the envelope is missing,
// is not an object, sets a field the server sets, gives a field of kind.field_types a value
// of another JSON type, or gives a field of kind.fixed_fields another value. On create
// (`creating`) null fields are dropped, because null means "not set".
api::ApiResult<nlohmann::json> resource_object(const api::ApiRequest& request, const ResourceKind& kind,
                                               bool creating);

// Fails with 400 when `update` gives a field of kind.immutable another value than `current`
// has. `current` is the resource as a response shows it, defaults included, so a
// client may send back what it read.
api::ApiResult<void> check_immutable(const ResourceKind& kind, const nlohmann::json& current,
                                     const nlohmann::json& update);

// Applies `update` to `stored`: fields are replaced, and a null field is removed.
nlohmann::json merge_update(nlohmann::json stored, const nlohmann::json& update);

// Reads a stored document and its body, or fails with 404 naming the kind and id.
struct StoredResource {
    store::Document document;
    nlohmann::json body;
};
api::ApiResult<StoredResource> load_resource(store::Transaction& transaction, const ResourceKind& kind,
                                             std::string_view project_id, std::string_view id);

// Checks that every reference field of `body` names an existing resource of the project, and
// returns the references to store. A missing resource gives 404 naming the field.
api::ApiResult<std::vector<store::OutgoingReference>> resolve_references(store::Transaction& transaction,
                                                                         const ResourceKind& kind,
                                                                         std::string_view project_id,
                                                                         const nlohmann::json& body);

// Fails with 409 when other resources refer to kind/id, naming the first of them with the
// field, and saying what frees the resource: deleting the users whose field cannot change,
// changing the field of the others.
api::ApiResult<void> check_unused(store::Transaction& transaction, const ResourceKind& kind,
                                  std::string_view project_id, std::string_view id);

// Converts a store failure into an API error: NotFound 404, Conflict 409, InvalidInput 400,
// anything else 500 with a message that names the operation.
api::ApiError store_error(const core::Error& error);

// Returns `name` of a body, or "" when absent or not a string.
std::string body_name(const nlohmann::json& body);

}  // namespace tollgate::control
