#include "model/config_loader.h"

#include "model/config_context.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace tollgate::model {
namespace {

// Largest configuration file read. Far above any real document, it only stops a path such
// as /dev/zero from filling memory.
constexpr std::size_t kMaxDocumentBytes = 16 * 1024 * 1024;

void append_escaped(std::string& out, std::string_view value) {
    for (char c : value) {
        auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (byte < 0x20 || byte == 0x7f) {
            char escaped[5];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
            out += escaped;
        } else {
            out += c;
        }
    }
}

bool has_control_character(std::string_view text) {
    return std::any_of(text.begin(), text.end(), [](char c) {
        auto byte = static_cast<unsigned char>(c);
        return byte < 0x20 || byte == 0x7f;
    });
}

void read_loadbalancer(FieldReader& reader, LoadBalancer& loadbalancer) {
    loadbalancer.name = reader.text("name").value_or("");
    reader.text("description");

    // Without vip_address the listeners bind every IPv4 address of the machine.
    loadbalancer.vip_address = "0.0.0.0";
    std::string address_fix = "use an IPv4 or IPv6 address without brackets, such as 127.0.0.1 or ::1";
    if (reader.has("vip_address")) {
        // An invalid address stays in the resource only as text that no clash check matches.
        auto vip = reader.scalar("vip_address", address_fix);
        loadbalancer.vip_address = vip.value_or("");
        if (vip && !parse_ip_address(*vip)) {
            reader.invalid("vip_address", shorten(*vip), address_fix);
        }
    }

    // Cloud networking, capacity and billing fields of the ELB API. They describe where a
    // cloud places the load balancer and have no meaning for a process on one machine.
    reader.ignore({"vip_subnet_cidr_id",
                   "ipv6_vip_virsubnet_id",
                   "ipv6_vip_address",
                   "vpc_id",
                   "availability_zone_list",
                   "provider",
                   "guaranteed",
                   "admin_state_up",
                   "tags",
                   "l4_flavor_id",
                   "l7_flavor_id",
                   "publicip_ids",
                   "publicip",
                   "elb_virsubnet_ids",
                   "ipv6_bandwidth",
                   "billing_info",
                   "prepaid_options",
                   "autoscaling",
                   "charge_mode",
                   "waf_failure_action",
                   "enterprise_project_id",
                   "project_id",
                   "deletion_protection_enable",
                   "protection_status",
                   "protection_reason",
                   "ip_target_enable"});
}

void read_document(const YAML::Node& root, LoadContext& context) {
    if (root.IsNull()) {
        return;
    }
    if (!root.IsMap()) {
        context.errors().push_back(
            {"", "", "invalid document", render_node(root),
             "use a mapping with the keys certificates, loadbalancers, listeners, pools and healthmonitors"});
        return;
    }

    FieldReader top(root, "", context.errors());
    // Order matters: each collection refers only to collections read before it, except for
    // a pool's listener_id, which link_pools_to_listeners applies at the end.
    if (auto list = top.sequence("certificates", "use a list of certificates")) {
        read_certificates(*list, context);
    }
    if (auto list = top.sequence("loadbalancers", "use a list of load balancers")) {
        read_loadbalancers(*list, context);
    }
    if (auto list = top.sequence("pools", "use a list of pools")) {
        read_pools(*list, context);
    }
    if (auto list = top.sequence("listeners", "use a list of listeners")) {
        read_listeners(*list, context);
    }
    if (auto list = top.sequence("healthmonitors", "use a list of health monitors")) {
        read_healthmonitors(*list, context);
    }
    top.finish();

    link_pools_to_listeners(context);
    check_port_clashes(context);
}

}  // namespace

std::string ConfigError::to_string() const {
    std::string out = resource;
    if (!field.empty()) {
        out += out.empty() ? "" : ".";
        out += field;
    }
    out += out.empty() ? "" : ": ";
    out += problem;
    if (value) {
        out += " \"";
        append_escaped(out, *value);
        out += '"';
    }
    if (!fix.empty()) {
        out += ": ";
        out += fix;
    }
    return out;
}

std::optional<std::string> read_id(FieldReader& reader, std::string_view collection,
                                   std::set<std::string>& ids) {
    if (!reader.require("id", "add a unique, non-empty string")) {
        return std::nullopt;
    }
    auto id = reader.scalar("id", "use a string");
    if (!id) {
        return std::nullopt;
    }
    if (id->empty() || utf8_length(*id) > 255 || has_control_character(*id)) {
        reader.invalid("id", shorten(*id), "use 1 to 255 characters without control characters");
        return std::nullopt;
    }
    if (!ids.insert(*id).second) {
        reader.error("id", "duplicate id", *id,
                     "use an id that no other entry of " + std::string(collection) + " has");
        return std::nullopt;
    }
    reader.set_resource(std::string(collection) + "[" + *id + "]");
    return id;
}

void report_unknown_reference(FieldReader& reader, std::string_view key, const std::string& value,
                              std::string_view kind, std::string_view collection,
                              const std::vector<std::string_view>& ids) {
    std::string otherwise = "use the id of an entry in " + std::string(collection);
    reader.error(key, "unknown " + std::string(kind), shorten(value), suggest(value, ids, otherwise));
}

void read_loadbalancers(const YAML::Node& list, LoadContext& context) {
    read_collection(
        list, "loadbalancers", context, context.result.config.loadbalancers,
        [](FieldReader& reader, LoadBalancer& loadbalancer) { read_loadbalancer(reader, loadbalancer); });
}

LoadResult load_config_text(const std::string& text, const std::filesystem::path& base_dir) {
    LoadResult result;
    LoadContext context{result, std::filesystem::absolute(base_dir)};

    std::vector<YAML::Node> documents;
    try {
        documents = YAML::LoadAll(text);
    } catch (const YAML::Exception& error) {
        // yaml-cpp counts lines and columns from 0.
        std::string position = "line " + std::to_string(error.mark.line + 1) + ", column " +
                               std::to_string(error.mark.column + 1);
        result.errors.push_back({"", "", "invalid YAML at " + position, std::nullopt, error.msg});
        return result;
    }
    if (documents.size() > 1) {
        result.errors.push_back({"", "", "several YAML documents in one file", std::nullopt,
                                 "keep one document, without a second --- line"});
        return result;
    }
    if (!documents.empty()) {
        read_document(documents.front(), context);
    }
    if (result.ok() && result.config.listeners.empty()) {
        context.warn(
            {"", "listeners", "no listeners defined", std::nullopt, "tollgate will accept no connections"});
    }
    return result;
}

LoadResult load_config_file(const std::filesystem::path& path) {
    FileContent file = read_file(path, kMaxDocumentBytes);
    if (!file.problem.empty()) {
        LoadResult result;
        result.errors.push_back({"", "", file.problem, std::filesystem::absolute(path).string(), file.fix});
        return result;
    }
    return load_config_text(file.data, std::filesystem::absolute(path).parent_path());
}

}  // namespace tollgate::model
