#include "client/desired_state.h"

#include "client/yaml_json.h"
#include "model/config_loader.h"

#include <arpa/inet.h>

#include <fstream>
#include <set>

namespace tollgate::client {
namespace {

// The configuration loader's limit on the size of a file.
constexpr std::size_t kMaxDocumentBytes = 16 * 1024 * 1024;

using Entries = std::vector<std::pair<std::string, YAML::Node>>;

const YAML::Node* find_entry(const Entries& entries, std::string_view key) {
    for (const auto& [name, value] : entries) {
        if (name == key) {
            return &value;
        }
    }
    return nullptr;
}

std::string scalar_or_empty(const Entries& entries, std::string_view key) {
    const YAML::Node* node = find_entry(entries, key);
    return node && node->IsScalar() ? node->Scalar() : std::string();
}

// The sequence under `key` of the document, or an empty node.
std::vector<YAML::Node> list_of(const YAML::Node& root, std::string_view key) {
    std::vector<YAML::Node> items;
    for (const auto& [name, value] : mapping_entries(root)) {
        if (name == key && value.IsSequence()) {
            for (const YAML::Node& item : value) {
                items.push_back(item);
            }
        }
    }
    return items;
}

struct Collector {
    const model::Config& config;
    std::map<Kind, std::vector<DesiredResource>> by_kind;

    // Starts a resource with its name and copies every field except `skipped` and the
    // references, which become Reference entries.
    DesiredResource start(Kind kind, const Entries& entries, std::initializer_list<std::string_view> skipped,
                          const std::map<std::string_view, Kind>& references) {
        DesiredResource resource{kind, scalar_or_empty(entries, "id"), "", Json::object(), {}, "", "", 0};
        std::string name = scalar_or_empty(entries, "name");
        resource.name = name.empty() ? resource.file_id : name;
        resource.fields["name"] = resource.name;
        for (const auto& [key, value] : entries) {
            if (key == "id" || key == "name" ||
                std::find(skipped.begin(), skipped.end(), key) != skipped.end()) {
                continue;
            }
            if (auto reference = references.find(key); reference != references.end()) {
                if (value.IsScalar()) {
                    resource.references[key] = Reference{reference->second, value.Scalar()};
                }
                continue;
            }
            resource.fields[key] = field_to_json(key, value);
        }
        return resource;
    }

    void certificates(const YAML::Node& root) {
        for (const YAML::Node& node : list_of(root, "certificates")) {
            auto entries = mapping_entries(node);
            auto resource =
                start(Kind::Certificate, entries,
                      {"certificate", "certificate_file", "private_key", "private_key_file", "type"}, {});
            const model::Certificate* loaded = config.find_certificate(resource.file_id);
            if (loaded == nullptr) {
                continue;
            }
            // The loader defaults the type to server; sending it lets apply see a stored
            // certificate of the other type, which the API cannot change.
            resource.fields["type"] = loaded->type == model::CertificateType::Client ? "client" : "server";
            resource.fields["certificate"] = loaded->certificate;
            if (!loaded->private_key.empty()) {
                resource.fields["private_key"] = loaded->private_key;
            }
            by_kind[Kind::Certificate].push_back(std::move(resource));
        }
    }

    void loadbalancers(const YAML::Node& root) {
        for (const YAML::Node& node : list_of(root, "loadbalancers")) {
            by_kind[Kind::LoadBalancer].push_back(start(Kind::LoadBalancer, mapping_entries(node), {}, {}));
        }
    }

    void listeners(const YAML::Node& root) {
        const std::map<std::string_view, Kind> references = {
            {"loadbalancer_id", Kind::LoadBalancer},
            {"default_tls_container_ref", Kind::Certificate},
            {"client_ca_tls_container_ref", Kind::Certificate},
            {"default_pool_id", Kind::Pool},
        };
        for (const YAML::Node& node : list_of(root, "listeners")) {
            by_kind[Kind::Listener].push_back(start(Kind::Listener, mapping_entries(node), {}, references));
        }
    }

    void pools(const YAML::Node& root) {
        for (const YAML::Node& node : list_of(root, "pools")) {
            auto entries = mapping_entries(node);
            auto pool = start(Kind::Pool, entries, {"members", "listener_id"},
                              {{"loadbalancer_id", Kind::LoadBalancer}});
            if (std::string listener = scalar_or_empty(entries, "listener_id"); !listener.empty()) {
                link_listener(listener, pool.file_id);
            }
            if (const YAML::Node* members = find_entry(entries, "members");
                members && members->IsSequence()) {
                for (const YAML::Node& member : *members) {
                    by_kind[Kind::Member].push_back(make_member(mapping_entries(member), pool.file_id));
                }
            }
            by_kind[Kind::Pool].push_back(std::move(pool));
        }
    }

    // Listeners are collected before pools, so the listener exists here.
    void link_listener(const std::string& listener_id, const std::string& pool_id) {
        for (DesiredResource& listener : by_kind[Kind::Listener]) {
            if (listener.file_id == listener_id) {
                listener.references["default_pool_id"] = Reference{Kind::Pool, pool_id};
            }
        }
    }

    DesiredResource make_member(const Entries& entries, const std::string& pool_id) {
        DesiredResource member{Kind::Member, "", "", Json::object(), {}, pool_id, "", 0};
        for (const auto& [key, value] : entries) {
            if (key != "id") {
                member.fields[key] = field_to_json(key, value);
            }
        }
        member.address = scalar_or_empty(entries, "address");
        if (auto port = member.fields.find("protocol_port");
            port != member.fields.end() && port->is_number_integer()) {
            member.protocol_port = port->get<int>();
        }
        member.name = member_label(member.address, member.protocol_port);
        std::string id = scalar_or_empty(entries, "id");
        member.file_id = id.empty() ? member.name : id;
        return member;
    }

    void healthmonitors(const YAML::Node& root) {
        for (const YAML::Node& node : list_of(root, "healthmonitors")) {
            by_kind[Kind::HealthMonitor].push_back(
                start(Kind::HealthMonitor, mapping_entries(node), {}, {{"pool_id", Kind::Pool}}));
        }
    }
};

void add_error(std::vector<std::string>& errors, const std::string& resource, const std::string& field,
               const std::string& problem, const std::optional<std::string>& value, const std::string& fix) {
    errors.push_back(model::ConfigError{resource, field, problem, value, fix}.to_string());
}

// Apply matches resources by name, so two resources of one kind may not share one.
void check_unique_names(const std::map<Kind, std::vector<DesiredResource>>& by_kind,
                        std::vector<std::string>& errors) {
    for (const auto& [kind, resources] : by_kind) {
        if (kind == Kind::Member) {
            continue;
        }
        std::map<std::string, std::string> owner;
        for (const DesiredResource& resource : resources) {
            std::string label = std::string(info(kind).plural) + "[" + resource.file_id + "]";
            auto [other, inserted] = owner.emplace(resource.name, label);
            if (!inserted) {
                add_error(errors, label, "name", "duplicate name", resource.name,
                          "apply matches " + std::string(info(kind).plural) +
                              " by name (or by id when a name is "
                              "missing), and " +
                              other->second + " has the same; give each its own name");
            }
        }
    }
}

DesiredStateResult collect(const std::string& text, const model::LoadResult& loaded) {
    DesiredStateResult result;
    for (const model::ConfigError& error : loaded.errors) {
        result.errors.push_back(error.to_string());
    }
    result.warnings = loaded.warnings;
    if (!loaded.ok()) {
        return result;
    }

    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::Exception& error) {
        // The loader parsed the same text, so this happens only when the file changed since.
        result.errors.push_back("invalid YAML: " + error.msg);
        return result;
    }

    Collector collector{loaded.config, {}};
    collector.certificates(root);
    collector.loadbalancers(root);
    collector.listeners(root);
    collector.pools(root);
    collector.healthmonitors(root);
    check_unique_names(collector.by_kind, result.errors);
    for (Kind kind : kApplyOrder) {
        for (DesiredResource& resource : collector.by_kind[kind]) {
            result.state.resources.push_back(std::move(resource));
        }
    }
    return result;
}

}  // namespace

DesiredStateResult read_desired_state(const std::filesystem::path& path) {
    model::LoadResult loaded = model::load_config_file(path);
    // The loader has read the same file within its size limit. A read that fails here follows
    // a loader error, or the file changed in between.
    std::ifstream file(path, std::ios::binary);
    std::string text;
    char buffer[65536];
    while (file && text.size() <= kMaxDocumentBytes) {
        file.read(buffer, sizeof buffer);
        text.append(buffer, static_cast<std::size_t>(file.gcount()));
    }
    if (file.bad() || text.size() > kMaxDocumentBytes) {
        DesiredStateResult result = collect("", loaded);
        if (result.errors.empty()) {
            result.errors.push_back("cannot read " + path.string() + ": the file changed while it was read");
        }
        return result;
    }
    return collect(text, loaded);
}

DesiredStateResult read_desired_state_text(const std::string& text, const std::filesystem::path& base_dir) {
    return collect(text, model::load_config_text(text, base_dir));
}

std::string member_label(const std::string& address, int port) {
    bool ipv6 = address.find(':') != std::string::npos;
    return (ipv6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

std::string canonical_address(const std::string& address) {
    unsigned char bytes[16];
    char text[INET6_ADDRSTRLEN];
    for (int family : {AF_INET, AF_INET6}) {
        if (inet_pton(family, address.c_str(), bytes) == 1 && inet_ntop(family, bytes, text, sizeof text)) {
            return text;
        }
    }
    return address;
}

}  // namespace tollgate::client
