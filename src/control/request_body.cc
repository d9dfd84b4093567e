#include "control/request_body.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <utility>

namespace tollgate::control {

using nlohmann::json;

namespace {

// Maximum length of a sent value shown in a message. Longer values are cut and end in "...".
constexpr std::size_t kMaxShownValue = 60;

std::string show_value(const json& value) {
    std::string text = value.dump();
    if (text.size() > kMaxShownValue) {
        text.resize(kMaxShownValue);
        text += "...";
    }
    return text;
}

bool has_type(const json& value, FieldType type) {
    switch (type) {
        case FieldType::String:
            return value.is_string();
        case FieldType::Integer:
            return value.is_number_integer();
        case FieldType::Boolean:
            return value.is_boolean();
        case FieldType::Object:
            return value.is_object();
        case FieldType::Array:
            return value.is_array();
    }
    return false;
}

std::string_view type_fix(FieldType type) {
    switch (type) {
        case FieldType::String:
            return "use a string in double quotes";
        case FieldType::Integer:
            return "use a whole number without quotes";
        case FieldType::Boolean:
            return "use true or false without quotes";
        case FieldType::Object:
            return "use a JSON object";
        case FieldType::Array:
            return "use a JSON array";
    }
    return "";
}

// Joins names as "a", "a and b" or "a, b and c".
std::string join_names(const std::vector<std::string>& names) {
    std::string text;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) {
            text += i + 1 == names.size() ? " and " : ", ";
        }
        text += names[i];
    }
    return text;
}

// Returns the path of the first "<<" key in `value`, or "" when there is none. The
// configuration loader reads the stored body as YAML, where "<<" merges a mapping into its
// parent, so such a key would set fields that the stored body and the response do not show.
std::string find_merge_key(const json& value, const std::string& path) {
    if (value.is_object()) {
        for (const auto& [key, item] : value.items()) {
            if (key == "<<") {
                return path + key;
            }
            if (std::string found = find_merge_key(item, path + key + "."); !found.empty()) {
                return found;
            }
        }
    } else if (value.is_array()) {
        for (std::size_t i = 0; i < value.size(); ++i) {
            std::string found = find_merge_key(value[i], fmt::format("{}{}.", path, i));
            if (!found.empty()) {
                return found;
            }
        }
    }
    return "";
}

// Checks the JSON type of every typed field and the value of every fixed field. Null values
// are skipped: they mean "not set" on create and "remove" on update.
api::ApiResult<void> check_field_values(const ResourceKind& kind, const json& object) {
    for (const TypedField& typed : kind.field_types) {
        auto value = object.find(typed.field);
        if (value != object.end() && !value->is_null() && !has_type(*value, typed.type)) {
            return api::ApiError::invalid_request(fmt::format("{}.{}: invalid value {}: {}", kind.kind,
                                                              typed.field, show_value(*value),
                                                              type_fix(typed.type)));
        }
    }
    for (const FixedField& fixed : kind.fixed_fields) {
        auto value = object.find(fixed.field);
        if (value != object.end() && !value->is_null() && *value != json::parse(fixed.value)) {
            return api::ApiError::invalid_request(fmt::format("{}.{}: invalid value {}: use {}, because {}",
                                                              kind.kind, fixed.field, show_value(*value),
                                                              fixed.value, fixed.reason));
        }
    }
    return {};
}

// Describes what removes a reference made through `field` of `kind`: a reference that an
// update cannot change goes away only with the resource that makes it.
std::string release_action(const std::string& kind, const std::string& field, std::size_t count) {
    const ResourceKind* user = find_kind(kind);
    const std::string noun = user ? std::string(user->noun) : kind;
    const std::string nouns = count == 1 ? "the " + noun : fmt::format("the {} {}s", count, noun);
    const bool fixed =
        !user || std::find(user->immutable.begin(), user->immutable.end(), field) != user->immutable.end() ||
        std::find(user->read_only.begin(), user->read_only.end(), field) != user->read_only.end();
    return fixed ? "delete " + nouns : fmt::format("change {} of {}", field, nouns);
}

}  // namespace

api::ApiResult<json> resource_object(const api::ApiRequest& request, const ResourceKind& kind,
                                     bool creating) {
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
        return api::ApiError::invalid_request(fmt::format(
            "\"{}\" must be a JSON object, not {}. Send {{\"{}\": {{...}}}}.", key, object.type_name(), key));
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
    if (std::string merge_key = find_merge_key(object, ""); !merge_key.empty()) {
        return api::ApiError::invalid_request(fmt::format(
            "{}.{}: unknown field: remove it, because no field of the API has this name", key, merge_key));
    }
    if (auto checked = check_field_values(kind, object); !checked) {
        return checked.error();
    }
    return api::ApiResult<json>(boost::system::in_place_value, std::move(object));
}

api::ApiResult<void> check_immutable(const ResourceKind& kind, const json& current, const json& update) {
    for (std::string_view field : kind.immutable) {
        auto sent = update.find(field);
        if (sent == update.end()) {
            continue;
        }
        auto value = current.find(field);
        if (value != current.end() && *value == *sent) {
            continue;
        }
        return api::ApiError::invalid_request(
            fmt::format("{}.{} cannot be changed after creation (sent {}). Create a new {} instead.",
                        kind.kind, field, show_value(*sent), kind.noun));
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
            return api::ApiError::invalid_request(fmt::format("{}.{}: invalid value {}: use the id of a {}",
                                                              kind.kind, reference.field, value->dump(),
                                                              find_kind(reference.ref_kind)->noun));
        }
        const std::string& id = value->get_ref<const std::string&>();
        auto target = transaction.get(reference.ref_kind, project_id, id);
        if (!target) {
            return store_error(target.error());
        }
        if (!*target) {
            return api::ApiError{
                404, "ELB.8904",
                fmt::format("{}.{}: {} {} could not be found in project {}", kind.kind, reference.field,
                            find_kind(reference.ref_kind)->noun, id, project_id)};
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
    // Users are named one by one up to this count; the message stays one readable line.
    constexpr std::size_t kMaxNamedUsers = 5;
    std::vector<std::string> users;
    // How many referrers use each kind and field, in the order they first appear.
    std::vector<std::pair<std::pair<std::string, std::string>, std::size_t>> groups;
    for (const store::Reference& reference : *referrers) {
        const ResourceKind* user = find_kind(reference.kind);
        if (users.size() < kMaxNamedUsers) {
            users.push_back(
                fmt::format("{} {} ({})", user ? user->noun : reference.kind, reference.id, reference.field));
        }
        auto key = std::make_pair(reference.kind, reference.field);
        auto group =
            std::find_if(groups.begin(), groups.end(), [&](const auto& entry) { return entry.first == key; });
        if (group == groups.end()) {
            groups.push_back({key, 1});
        } else {
            ++group->second;
        }
    }
    if (referrers->size() > users.size()) {
        users.push_back(fmt::format("{} more", referrers->size() - users.size()));
    }
    std::vector<std::string> actions;
    for (const auto& [key, count] : groups) {
        actions.push_back(release_action(key.first, key.second, count));
    }
    std::string action_text = fmt::format("{}", fmt::join(actions, " and "));
    action_text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(action_text[0])));
    return api::ApiError::conflict(
        fmt::format("{} {} is in use by {}. {} first.", kind.noun, id, join_names(users), action_text));
}

std::string body_name(const json& body) {
    auto name = body.find("name");
    return name != body.end() && name->is_string() ? name->get<std::string>() : std::string();
}

}  // namespace tollgate::control
