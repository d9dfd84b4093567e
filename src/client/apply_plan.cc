#include "client/apply_plan.h"

#include <algorithm>
#include <set>

namespace tollgate::client {
namespace {

constexpr std::array kDeleteOrder = {Kind::HealthMonitor, Kind::Member,       Kind::Listener,
                                     Kind::Pool,          Kind::LoadBalancer, Kind::Certificate};

bool is_immutable(Kind kind, std::string_view field) {
    switch (kind) {
        case Kind::Certificate:
            return field == "type";
        case Kind::Listener:
            return field == "protocol" || field == "protocol_port" || field == "loadbalancer_id";
        case Kind::Pool:
            return field == "protocol" || field == "loadbalancer_id";
        case Kind::HealthMonitor:
            return field == "pool_id";
        case Kind::LoadBalancer:
        case Kind::Member:
            return false;
    }
    return false;
}

// Returns the id a stored object refers to in `field`. The API returns some references only
// as arrays: a listener's load balancer in "loadbalancers": [{"id": ...}].
std::string stored_reference(const Json& stored, std::string_view field) {
    if (auto value = stored.find(field); value != stored.end() && value->is_string()) {
        return value->get<std::string>();
    }
    std::string_view array;
    if (field == "loadbalancer_id") {
        array = "loadbalancers";
    } else if (field == "pool_id") {
        array = "pools";
    } else {
        return "";
    }
    auto list = stored.find(array);
    if (list == stored.end() || !list->is_array() || list->empty() || !list->front().is_object()) {
        return "";
    }
    return text_field(list->front(), "id");
}

std::string canonical_protocol(const std::string& protocol) {
    // The API stores TERMINATED_HTTPS as HTTPS on a dedicated load balancer.
    return protocol == "TERMINATED_HTTPS" ? "HTTPS" : protocol;
}

bool same_value(Kind kind, std::string_view key, const Json& file, const Json& stored) {
    if (file.is_string() && stored.is_string()) {
        const auto& left = file.get_ref<const std::string&>();
        const auto& right = stored.get_ref<const std::string&>();
        if (kind == Kind::Certificate && key == "certificate") {
            return normalize_pem(left) == normalize_pem(right);
        }
        if (key == "protocol") {
            return canonical_protocol(left) == canonical_protocol(right);
        }
        if (key == "address" || key == "vip_address") {
            return canonical_address(left) == canonical_address(right);
        }
        return left == right;
    }
    // The file gives some keys of an object; the stored object may have more.
    if (file.is_object() && stored.is_object()) {
        return std::all_of(file.items().begin(), file.items().end(), [&](const auto& item) {
            auto other = stored.find(item.key());
            return other != stored.end() && same_value(kind, item.key(), item.value(), *other);
        });
    }
    return file == stored;
}

// Returns the value to send for a changed field. An update replaces a field whole, so the
// keys of an object that the file does not give keep their stored values.
Json updated_value(const Json& file, const Json& stored) {
    if (!file.is_object() || !stored.is_object()) {
        return file;
    }
    Json merged = stored;
    for (const auto& [key, value] : file.items()) {
        merged[key] = value;
    }
    return merged;
}

class Planner {
public:
    Planner(const DesiredState& desired, const StoredState& stored) : desired_(desired), stored_(stored) {}

    Plan run(bool prune) {
        match_named();
        match_members();
        if (!plan_.errors.empty()) {
            return std::move(plan_);
        }
        for (const DesiredResource& resource : desired_.resources) {
            plan_resource(resource);
        }
        if (prune) {
            plan_deletions();
        }
        return std::move(plan_);
    }

private:
    const std::vector<Json>& stored_of(Kind kind) const {
        static const std::vector<Json> kNone;
        auto found = stored_.objects.find(kind);
        return found == stored_.objects.end() ? kNone : found->second;
    }

    void match_named() {
        for (const DesiredResource& resource : desired_.resources) {
            if (resource.kind == Kind::Member) {
                continue;
            }
            std::vector<const Json*> candidates;
            for (const Json& object : stored_of(resource.kind)) {
                if (text_field(object, "name") == resource.name) {
                    candidates.push_back(&object);
                }
            }
            if (candidates.size() > 1) {
                std::string ids;
                for (const Json* object : candidates) {
                    ids += (ids.empty() ? "" : ", ") + text_field(*object, "id");
                }
                std::string kind(info(resource.kind).singular);
                plan_.errors.push_back(
                    std::to_string(candidates.size()) + " stored " + std::string(info(resource.kind).plural) +
                    " are named \"" + resource.name + "\" (ids " + ids +
                    "); apply matches by name, so rename or delete all but one with `tollgate " + kind +
                    " update` or `tollgate " + kind + " delete`");
            } else if (candidates.size() == 1) {
                record_match(resource, *candidates.front());
            }
        }
    }

    void match_members() {
        for (const DesiredResource& member : desired_.resources) {
            if (member.kind != Kind::Member) {
                continue;
            }
            auto pool = plan_.matched_ids.find({Kind::Pool, member.pool_file_id});
            if (pool == plan_.matched_ids.end()) {
                continue;
            }
            auto stored_members = stored_.members.find(pool->second);
            if (stored_members == stored_.members.end()) {
                continue;
            }
            for (const Json& object : stored_members->second) {
                bool same_port = integer_field(object, "protocol_port") == member.protocol_port;
                if (same_port &&
                    canonical_address(text_field(object, "address")) == canonical_address(member.address)) {
                    record_match(member, object);
                    break;
                }
            }
        }
    }

    void record_match(const DesiredResource& resource, const Json& object) {
        std::string id = text_field(object, "id");
        plan_.matched_ids[{resource.kind, resource.file_id}] = id;
        matched_objects_[{resource.kind, resource.file_id}] = &object;
        kept_[resource.kind].insert(id);
    }

    std::string pool_label(const std::string& pool_file_id) const {
        for (const DesiredResource& resource : desired_.resources) {
            if (resource.kind == Kind::Pool && resource.file_id == pool_file_id) {
                return resource.name;
            }
        }
        return pool_file_id;
    }

    void plan_resource(const DesiredResource& resource) {
        Action action{
            ActionType::Create, resource.kind, resource.name, resource.file_id, "", {}, {}, {}, "", "", ""};
        if (resource.kind == Kind::Member) {
            action.pool_file_id = resource.pool_file_id;
            action.pool_label = pool_label(resource.pool_file_id);
            if (auto pool = plan_.matched_ids.find({Kind::Pool, resource.pool_file_id});
                pool != plan_.matched_ids.end()) {
                action.stored_pool_id = pool->second;
            }
        }
        auto matched = matched_objects_.find({resource.kind, resource.file_id});
        if (matched == matched_objects_.end()) {
            action.fields = resource.fields;
            action.references = resource.references;
            plan_.actions.push_back(std::move(action));
            return;
        }
        const Json& stored = *matched->second;
        action.stored_id = text_field(stored, "id");
        compare(resource, stored, action);
        action.type = action.changed.empty() ? ActionType::Unchanged : ActionType::Update;
        plan_.actions.push_back(std::move(action));
    }

    void compare(const DesiredResource& resource, const Json& stored, Action& action) {
        for (const auto& [key, value] : resource.fields.items()) {
            // A private key is never returned; it goes with a changed certificate below.
            if (key == "private_key" || !stored.contains(key)) {
                continue;
            }
            if (!same_value(resource.kind, key, value, stored[key])) {
                action.changed.push_back(key);
                action.fields[key] = updated_value(value, stored[key]);
            }
        }
        for (const auto& [field, reference] : resource.references) {
            auto target = plan_.matched_ids.find({reference.kind, reference.file_id});
            if (target == plan_.matched_ids.end() || target->second != stored_reference(stored, field)) {
                action.changed.push_back(field);
                action.references[field] = reference;
            }
        }
        bool certificate_changed =
            std::find(action.changed.begin(), action.changed.end(), "certificate") != action.changed.end();
        if (certificate_changed && resource.fields.contains("private_key")) {
            action.changed.push_back("private_key");
            action.fields["private_key"] = resource.fields["private_key"];
        }
        for (const std::string& field : action.changed) {
            if (is_immutable(resource.kind, field)) {
                std::string kind(info(resource.kind).singular);
                plan_.errors.push_back(describe_action(action) + ": " + field +
                                       " differs between the file and the stored " + kind + " (id " +
                                       action.stored_id + "), and the API cannot change it; delete " +
                                       "the stored " + kind + " with `tollgate " + kind +
                                       " delete`, or give the file's " + kind + " another name");
            }
        }
    }

    std::string stored_pool_name(const std::string& pool_id) const {
        for (const Json& pool : stored_of(Kind::Pool)) {
            if (text_field(pool, "id") == pool_id) {
                std::string name = text_field(pool, "name");
                return name.empty() ? pool_id : name;
            }
        }
        return pool_id;
    }

    void add_deletion(Kind kind, const Json& object, const std::string& pool_id) {
        std::string id = text_field(object, "id");
        if (kept_[kind].contains(id)) {
            return;
        }
        Action action{
            ActionType::Delete, kind, text_field(object, "name"), "", id, {}, {}, {}, "", pool_id, ""};
        if (kind == Kind::Member) {
            action.label = member_label(text_field(object, "address"),
                                        static_cast<int>(integer_field(object, "protocol_port")));
            action.pool_label = stored_pool_name(pool_id);
        } else if (action.label.empty()) {
            action.label = id;
        }
        plan_.actions.push_back(std::move(action));
    }

    void plan_deletions() {
        for (Kind kind : kDeleteOrder) {
            if (kind == Kind::Member) {
                for (const auto& [pool_id, members] : stored_.members) {
                    for (const Json& member : members) {
                        add_deletion(kind, member, pool_id);
                    }
                }
                continue;
            }
            for (const Json& object : stored_of(kind)) {
                add_deletion(kind, object, "");
            }
        }
    }

    const DesiredState& desired_;
    const StoredState& stored_;
    Plan plan_;
    std::map<ResourceKey, const Json*> matched_objects_;
    std::map<Kind, std::set<std::string>> kept_;
};

}  // namespace

std::string normalize_pem(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            continue;
        }
        out += text[i];
    }
    auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    auto first = std::find_if_not(out.begin(), out.end(), is_space);
    auto last = std::find_if_not(out.rbegin(), out.rend(), is_space).base();
    return first < last ? std::string(first, last) : std::string();
}

Plan plan_apply(const DesiredState& desired, const StoredState& stored, bool prune) {
    return Planner(desired, stored).run(prune);
}

std::string describe_action(const Action& action) {
    std::string text = std::string(info(action.kind).singular) + " " + action.label;
    if (action.kind == Kind::Member && !action.pool_label.empty()) {
        text += " in pool " + action.pool_label;
    }
    return text;
}

}  // namespace tollgate::client
