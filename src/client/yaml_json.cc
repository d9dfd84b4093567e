#include "client/yaml_json.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <span>

namespace tollgate::client {
namespace {

enum class FieldType { Any, Text, Integer, Boolean, InsertHeaders };

constexpr std::string_view kMergeKey = "<<";

constexpr std::string_view kIntegerFields[] = {
    "protocol_port",
    "keepalive_timeout",
    "client_timeout",
    "member_timeout",
    "client_verify_depth",
    "weight",
    "delay",
    "timeout",
    "max_retries",
    "max_retries_down",
    "monitor_port",
    "cps",
    "connection",
    "connection_limit",
    "duration",
    "persistence_timeout",
};

constexpr std::string_view kTextFields[] = {
    "name",
    "description",
    "vip_address",
    "address",
    "domain",
    "type",
    "protocol",
    "lb_algorithm",
    "tls_ciphers_policy",
    "client_authentication",
    "url_path",
    "expected_codes",
    "http_method",
    "domain_name",
    "certificate",
    "private_key",
    "cookie_name",
};

bool contains(std::span<const std::string_view> words, std::string_view word) {
    return std::find(words.begin(), words.end(), word) != words.end();
}

FieldType type_of(std::string_view key) {
    if (key == "insert_headers") {
        return FieldType::InsertHeaders;
    }
    if (contains(kIntegerFields, key)) {
        return FieldType::Integer;
    }
    if (contains(kTextFields, key) || key.ends_with("_id") || key.ends_with("_ref")) {
        return FieldType::Text;
    }
    if (key.ends_with("_enable") || key == "enable" || key == "admin_state_up" || key == "guaranteed") {
        return FieldType::Boolean;
    }
    return FieldType::Any;
}

bool is_quoted(const YAML::Node& scalar) {
    return scalar.Tag() == "!" || scalar.Tag() == "tag:yaml.org,2002:str";
}

std::optional<bool> to_boolean(const std::string& text) {
    if (text == "true" || text == "True" || text == "TRUE") {
        return true;
    }
    if (text == "false" || text == "False" || text == "FALSE") {
        return false;
    }
    return std::nullopt;
}

std::optional<std::int64_t> to_integer(const std::string& text) {
    std::int64_t value = 0;
    const char* first = text.data();
    const char* last = text.data() + text.size();
    if (first != last && *first == '+') {
        ++first;
    }
    auto [end, error] = std::from_chars(first, last, value);
    if (error != std::errc() || end != last || first == last) {
        return std::nullopt;
    }
    return value;
}

Json scalar_to_json(const YAML::Node& node, FieldType type) {
    const std::string& text = node.Scalar();
    switch (type) {
        case FieldType::Text:
            return text;
        case FieldType::Integer:
            if (auto value = to_integer(text)) {
                return *value;
            }
            return text;
        case FieldType::Boolean:
            if (auto value = to_boolean(text)) {
                return *value;
            }
            return text;
        case FieldType::Any:
        case FieldType::InsertHeaders:
            break;
    }
    if (is_quoted(node)) {
        return text;
    }
    if (auto value = to_boolean(text)) {
        return *value;
    }
    if (auto value = to_integer(text)) {
        return *value;
    }
    return text;
}

Json node_to_json(const YAML::Node& node, FieldType type);

Json mapping_to_json(const YAML::Node& node, FieldType type) {
    Json object = Json::object();
    for (auto& [key, value] : mapping_entries(node)) {
        FieldType child = type_of(key);
        if (type == FieldType::InsertHeaders) {
            bool text = key.ends_with("-alias") || key == "X-Forwarded-For-Processing-Mode";
            child = text ? FieldType::Text : FieldType::Boolean;
        }
        object[key] = node_to_json(value, child);
    }
    return object;
}

Json node_to_json(const YAML::Node& node, FieldType type) {
    if (node.IsNull() || !node.IsDefined()) {
        return nullptr;
    }
    if (node.IsScalar()) {
        return scalar_to_json(node, type);
    }
    if (node.IsSequence()) {
        Json array = Json::array();
        for (const YAML::Node& item : node) {
            array.push_back(node_to_json(item, FieldType::Any));
        }
        return array;
    }
    return mapping_to_json(node, type);
}

bool has_entry(const std::vector<std::pair<std::string, YAML::Node>>& entries, const std::string& key) {
    return std::any_of(entries.begin(), entries.end(), [&](const auto& entry) { return entry.first == key; });
}

void collect_entries(const YAML::Node& mapping, std::vector<std::pair<std::string, YAML::Node>>& entries) {
    std::vector<YAML::Node> merged;
    for (const auto& entry : mapping) {
        if (!entry.first.IsScalar()) {
            continue;
        }
        const std::string& key = entry.first.Scalar();
        if (key == kMergeKey) {
            if (entry.second.IsMap()) {
                merged.push_back(entry.second);
            } else if (entry.second.IsSequence()) {
                for (const YAML::Node& item : entry.second) {
                    merged.push_back(item);
                }
            }
            continue;
        }
        if (!has_entry(entries, key)) {
            entries.emplace_back(key, entry.second);
        }
    }
    // The loader has checked the depth and count limits of merging.
    for (const YAML::Node& source : merged) {
        if (source.IsMap()) {
            collect_entries(source, entries);
        }
    }
}

}  // namespace

std::vector<std::pair<std::string, YAML::Node>> mapping_entries(const YAML::Node& mapping) {
    std::vector<std::pair<std::string, YAML::Node>> entries;
    if (mapping.IsMap()) {
        collect_entries(mapping, entries);
    }
    std::erase_if(entries, [](const auto& entry) { return entry.second.IsNull(); });
    return entries;
}

Json field_to_json(std::string_view key, const YAML::Node& value) {
    return node_to_json(value, type_of(key));
}

}  // namespace tollgate::client
