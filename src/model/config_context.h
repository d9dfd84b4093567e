#pragma once

// State shared by the parts of the configuration loader while one document loads, and the
// readers of each top-level collection. Internal to src/model.

#include "model/config_reader.h"

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tollgate::model {

// A pool's `listener_id`, applied once every listener is read.
struct PoolListenerLink {
    std::string pool_id;
    std::string listener_id;
    std::string pool_resource;  // "pools[app]", for errors
};

struct LoadContext {
    LoadContext(LoadResult& result, std::filesystem::path base_dir)
        : result(result), base_dir(std::move(base_dir)) {}

    LoadResult& result;
    std::filesystem::path base_dir;  // where relative file paths start

    // Type of every certificate id. It is nullopt when the type field was invalid, so that
    // references to the certificate skip the type check and report no second error.
    std::map<std::string, std::optional<CertificateType>, std::less<>> certificate_types;
    // loadbalancer_id of every pool id; empty when the pool names none.
    std::map<std::string, std::string, std::less<>> pool_loadbalancers;
    std::vector<PoolListenerLink> pool_links;

    std::vector<ConfigError>& errors() { return result.errors; }
    void warn(const ConfigError& warning) { result.warnings.push_back(warning.to_string()); }
};

// Reads the `id` of one list entry and relabels `reader` as `<collection>[<id>]`. Returns the
// id when it is valid and no earlier entry of the list has it. A duplicate keeps the label
// with its index, which distinguishes the two entries.
std::optional<std::string> read_id(FieldReader& reader, std::string_view collection,
                                   std::set<std::string>& ids);

// Reports `value` of `key` as an unknown reference to `kind` ("pool"), suggesting the closest
// id of `collection` ("pools").
void report_unknown_reference(FieldReader& reader, std::string_view key, const std::string& value,
                              std::string_view kind, std::string_view collection,
                              const std::vector<std::string_view>& ids);

// Reads each entry of the list `list`, labelled `<collection>[<index>]` until its id is read,
// and calls `read_fields(reader, resource)` to fill the rest. Entries with a usable id are
// appended to `out`, the others only report their errors.
template <typename Resource, typename ReadFields>
void read_collection(const YAML::Node& list, std::string_view collection, LoadContext& context,
                     std::vector<Resource>& out, ReadFields read_fields) {
    std::set<std::string> ids;
    std::size_t index = 0;
    for (const auto& node : list) {
        std::string label = std::string(collection) + "[" + std::to_string(index++) + "]";
        if (!node.IsMap()) {
            context.errors().push_back(
                {label, "", "invalid value", render_node(node), "use a mapping of fields"});
            continue;
        }
        FieldReader reader(node, label, context.errors());
        Resource resource;
        auto id = read_id(reader, collection, ids);
        if (id) {
            resource.id = *id;
        }
        read_fields(reader, resource);
        reader.finish();
        if (id) {
            out.push_back(std::move(resource));
        }
    }
}

// Returns the ids of `resources`, for suggestions.
template <typename Resources>
std::vector<std::string_view> ids_of(const Resources& resources) {
    std::vector<std::string_view> ids;
    for (const auto& resource : resources) {
        ids.push_back(resource.id);
    }
    return ids;
}

void read_certificates(const YAML::Node& list, LoadContext& context);
void read_loadbalancers(const YAML::Node& list, LoadContext& context);
// Pools come before listeners, because a listener's default_pool_id is checked on reading.
void read_pools(const YAML::Node& list, LoadContext& context);
void read_listeners(const YAML::Node& list, LoadContext& context);
// Health monitors come after pools, because their pool_id is checked on reading.
void read_healthmonitors(const YAML::Node& list, LoadContext& context);

// Reads the insert_headers object of a listener. `protocol` is nullopt when the listener's
// protocol is invalid, which skips the checks of HTTPS-only headers.
void read_insert_headers(FieldReader& reader, Listener& listener, std::optional<Protocol> protocol);

// Applies the `listener_id` of each pool to its listener.
void link_pools_to_listeners(LoadContext& context);
// Reports listeners that would bind the same address and port.
void check_port_clashes(LoadContext& context);

}  // namespace tollgate::model
