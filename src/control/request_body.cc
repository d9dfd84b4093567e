#include "control/request_body.h"

#include <fmt/format.h>

#include <algorithm>

namespace tollgate::control {

using nlohmann::json;

api::ApiResult<json> resource_object(const api::ApiRequest& request, const ResourceKind& kind, bool creating) {
    const std::string key(kind.kind);
    if (!request.body.is_object() || !request.body.contains(key)) {
        return api::ApiError::invalid_request(
            fmt::format("The request body has no \"{}\" object. Send {{\"{}\": {{...}}}}.", key, key));
    }
    for (const auto& [field, value] : request.body.items()) {
        if (field != key) {
            return api::ApiError::invalid_request(fmt::format(
                "The request body has an unexpected top-level field \"{}\". Put every field inside \"{}\".",
                field, key));
        }
    }
    json object = request.body.at(key);
    if (!object.is_object()) {
        return api::ApiError::invalid_request(
            fmt::format("\"{}\" must be a JSON object, not {}. Send {{\"{}\": {{...}}}}.", key,
                        object.type_name(), key));
    }
    object.erase("project_id");
    for (std::string_view field : kind.read_only) {
        if (object.contains(field)) {
            return api::ApiError::invalid_request(fmt::format(
                "{}.{} is set by the server and cannot be sent. Remove it from the request.", key, field));
        }
    }
    if (creating) {
        for (auto item = object.begin(); item != object.end();) {
            item = item->is_null() ? object.erase(item) : std::next(item);
        }
    }
    return api::ApiResult<json>(boost::system::in_place_value, std::move(object));
}

api::ApiResult<void> check_immutable(const ResourceKind& kind, const json& stored, const json& update) {
    for (std::string_view field : kind.immutable) {
        auto sent = update.find(field);
        if (sent == update.end()) {
            continue;
        }
        auto current = stored.find(field);
        if (current != stored.end() && *current == *sent) {
            continue;
        }
        return api::ApiError::invalid_request(fmt::format(
            "{}.{} cannot be changed after creation (sent {}). Create a new {} instead.", kind.kind, field,
            sent->dump(), kind.noun));
    }
    return {};
}

json merge_update(json stored, const json& update) {
    for (const auto& [field, value] : update.items()) {
        if (value.is_null()) {
            stored.erase(field);
        } else {
            stored[field] = value;
        }
    }
    return stored;
}

api::ApiError store_error(const core::Error& error) {
    switch (error.kind) {
    case core::ErrorKind::NotFound:
        return {404, "ELB.8904", error.message};
    case core::ErrorKind::Conflict:
        return api::ApiError::conflict(error.message);
    case core::ErrorKind::InvalidInput:
        return api::ApiError::invalid_request(error.message);
    default:
        return api::ApiError::internal(error.message);
    }
}

api::ApiResult<StoredResource> load_resource(store::Transaction& transaction, const ResourceKind& kind,
                                             std::string_view project_id, std::string_view id) {
    auto document = transaction.get(kind.kind, project_id, id);
    if (!document) {
        return store_error(document.error());
    }
    if (!*document) {
        return api::ApiError::not_found(kind.noun, id);
    }
    json body = json::parse((*document)->body, nullptr, false);
    if (!body.is_object()) {
        return api::ApiError::internal(fmt::format("stored {} {} is not a JSON object", kind.kind, id));
    }
    return StoredResource{std::move(**document), std::move(body)};
}

api::ApiResult<std::vector<store::OutgoingReference>> resolve_references(store::Transaction& transaction,
                                                                         const ResourceKind& kind,
                                                                         std::string_view project_id,
                                                                         const json& body) {
    std::vector<store::OutgoingReference> references;
    for (const ReferenceField& reference : kind.references) {
        auto value = body.find(reference.field);
        if (value == body.end() || value->is_null()) {
            continue;
        }
        if (!value->is_string() || value->get_ref<const std::string&>().empty()) {
            return api::ApiError::invalid_request(
                fmt::format("{}.{}: invalid value {}: use the id of a {}", kind.kind, reference.field,
                            value->dump(), find_kind(reference.ref_kind)->noun));
        }
        const std::string& id = value->get_ref<const std::string&>();
        auto target = transaction.get(reference.ref_kind, project_id, id);
        if (!target) {
            return store_error(target.error());
        }
        if (!*target) {
            return api::ApiError{404, "ELB.8904",
                                 fmt::format("{}.{}: {} {} could not be found in project {}", kind.kind,
                                             reference.field, find_kind(reference.ref_kind)->noun, id,
                                             project_id)};
        }
        references.push_back({std::string(reference.field), std::string(reference.ref_kind), id});
    }
    return references;
}

api::ApiResult<void> check_unused(store::Transaction& transaction, const ResourceKind& kind,
                                  std::string_view project_id, std::string_view id) {
    auto referrers = transaction.referrers(kind.kind, project_id, id);
    if (!referrers) {
        return store_error(referrers.error());
    }
    if (referrers->empty()) {
        return {};
    }
    std::vector<std::string> users;
    for (const store::Reference& reference : *referrers) {
        const ResourceKind* user = find_kind(reference.kind);
        users.push_back(fmt::format("{} {} ({})", user ? user->noun : reference.kind, reference.id,
                                    reference.field));
    }
    return api::ApiError::conflict(fmt::format("{} {} is in use by {}. Remove {} first.", kind.noun, id,
                                               fmt::join(users, ", "),
                                               users.size() == 1 ? "that reference" : "those references"));
}

std::string body_name(const json& body) {
    auto name = body.find("name");
    return name != body.end() && name->is_string() ? name->get<std::string>() : std::string();
}

}  // namespace tollgate::control
