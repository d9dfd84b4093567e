// Reading of the `pools` collection with its members, and the links that a pool's
// listener_id makes to a listener.

#include "model/config_context.h"

#include <algorithm>
#include <array>
#include <utility>

namespace tollgate::model {
namespace {

constexpr std::array<std::pair<std::string_view, LbAlgorithm>, 3> kAlgorithms{{
    {"ROUND_ROBIN", LbAlgorithm::RoundRobin},
    {"LEAST_CONNECTIONS", LbAlgorithm::LeastConnections},
    {"SOURCE_IP", LbAlgorithm::SourceIp},
}};

// Values of the ELB API that tollgate does not implement yet.
constexpr std::array<std::string_view, 4> kLaterAlgorithms{"QUIC_CID", "2_TUPLE_HASH", "3_TUPLE_HASH",
                                                           "5_TUPLE_HASH"};
constexpr std::array<std::string_view, 7> kLaterPoolProtocols{"HTTPS", "TCP",  "UDP", "IP",
                                                              "TLS",   "GRPC", "QUIC"};

// Accepts the pool and member fields of the ELB API that only describe cloud networking.
void ignore_cloud_fields(FieldReader& reader) {
    reader.ignore({"subnet_cidr_id", "availability_zone", "admin_state_up", "project_id", "instance_id",
                   "vpc_id", "type", "ip_version", "enterprise_project_id", "protection_status",
                   "protection_reason"});
}

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& values, std::string_view value) {
    return std::find(values.begin(), values.end(), value) != values.end();
}

void read_algorithm(FieldReader& reader, Pool& pool) {
    std::string fix = "use ROUND_ROBIN, LEAST_CONNECTIONS or SOURCE_IP";
    if (!reader.require("lb_algorithm", fix)) {
        return;
    }
    auto value = reader.scalar("lb_algorithm", fix);
    if (!value) {
        return;
    }
    for (const auto& [name, algorithm] : kAlgorithms) {
        if (*value == name) {
            pool.lb_algorithm = algorithm;
            return;
        }
    }
    if (contains(kLaterAlgorithms, *value)) {
        reader.error("lb_algorithm", "not supported yet", *value, fix);
    } else {
        reader.invalid("lb_algorithm", shorten(*value), fix);
    }
}

void read_pool_protocol(FieldReader& reader) {
    if (!reader.require("protocol", "add HTTP")) {
        return;
    }
    auto value = reader.scalar("protocol", "use HTTP");
    if (!value || *value == "HTTP") {
        return;
    }
    if (contains(kLaterPoolProtocols, *value)) {
        reader.error("protocol", "not supported yet", *value, "use HTTP");
    } else {
        reader.invalid("protocol", shorten(*value), "use HTTP");
    }
}

// Accepts the disabled forms of session_persistence and slow_start, the API's defaults.
void read_unsupported_pool_features(FieldReader& reader) {
    if (auto persistence = reader.get("session_persistence")) {
        reader.error("session_persistence", "not supported yet", render_node(*persistence),
                     "remove it, because requests are spread by lb_algorithm alone");
    }

    auto slow_start = reader.mapping("slow_start", "use a mapping with enable: false, or remove it");
    if (!slow_start) {
        return;
    }
    FieldReader fields(*slow_start, reader.resource(), reader.errors(), "slow_start.");
    auto enabled = fields.boolean("enable");
    fields.integer("duration", 30, 1200);
    fields.finish();
    if (enabled == true) {
        fields.error("enable", "not supported yet", "true", "set it to false or remove slow_start");
    }
}

// Reads passive_health_check, a tollgate extension. Absent fields keep their defaults.
void read_passive_health_check(FieldReader& reader, PassiveHealthCheck& check) {
    auto node = reader.mapping("passive_health_check",
                               "use a mapping with enable, consecutive_failures, ejection_time and "
                               "max_ejection_time, or remove it");
    if (!node) {
        return;
    }
    FieldReader fields(*node, reader.resource(), reader.errors(), "passive_health_check.");
    if (auto enable = fields.boolean("enable")) {
        check.enable = *enable;
    }
    if (auto failures = fields.integer("consecutive_failures", 1, 100)) {
        check.consecutive_failures = static_cast<int>(*failures);
    }
    auto ejection = fields.integer("ejection_time", 1, 3600);
    if (ejection) {
        check.ejection_time = std::chrono::seconds(*ejection);
    }
    auto max_ejection = fields.integer("max_ejection_time", 1, 3600);
    if (max_ejection) {
        check.max_ejection_time = std::chrono::seconds(*max_ejection);
    }
    fields.finish();
    if (check.max_ejection_time < check.ejection_time) {
        fields.error("max_ejection_time",
                     "shorter than ejection_time " + std::to_string(check.ejection_time.count()) + " s",
                     std::to_string(check.max_ejection_time.count()),
                     "set max_ejection_time to at least ejection_time");
    }
}

void read_member(FieldReader& reader, Member& member) {
    std::string address_fix = "use an IPv4 or IPv6 address without brackets, such as 127.0.0.1 or ::1";
    if (reader.require("address", address_fix)) {
        auto address = reader.scalar("address", address_fix);
        if (address && parse_ip_address(*address)) {
            member.address = *address;
        } else if (address) {
            reader.invalid("address", shorten(*address), address_fix);
        }
    }
    if (reader.require("protocol_port", "add a whole number from 1 to 65535")) {
        member.protocol_port =
            static_cast<std::uint16_t>(reader.integer("protocol_port", 1, 65535).value_or(0));
    }
    member.weight = static_cast<int>(reader.integer("weight", 0, 100).value_or(1));
    member.name = reader.text("name").value_or("");
    ignore_cloud_fields(reader);
}

// Reads the members of one pool. A member without an id is labelled with its index and
// gets the id "<address>:<port>".
void read_members(const YAML::Node& list, FieldReader& pool_reader, Pool& pool) {
    std::set<std::string> ids;
    std::vector<std::pair<IpAddress, std::uint16_t>> endpoints;
    std::size_t index = 0;
    for (const auto& node : list) {
        std::string label = pool_reader.resource() + ".members[" + std::to_string(index++) + "]";
        if (!node.IsMap()) {
            pool_reader.errors().push_back({label, "", "invalid value", render_node(node),
                                            "use a mapping with address and protocol_port"});
            continue;
        }
        FieldReader reader(node, label, pool_reader.errors());
        std::optional<std::string> id;
        if (reader.has("id")) {
            id = read_id(reader, pool_reader.resource() + ".members", ids);
        }
        Member member;
        read_member(reader, member);
        reader.finish();

        auto address = parse_ip_address(member.address);
        if (!address || member.protocol_port == 0) {
            continue;
        }
        std::pair endpoint{*address, member.protocol_port};
        if (std::find(endpoints.begin(), endpoints.end(), endpoint) != endpoints.end()) {
            reader.error(
                "address", "duplicate member", format_endpoint(member.address, member.protocol_port),
                "use another address or protocol_port, because each backend can be a member only once");
            continue;
        }
        endpoints.push_back(endpoint);

        if (!reader.has("id")) {
            id = format_endpoint(member.address, member.protocol_port);
            if (!ids.insert(*id).second) {
                reader.error("id", "duplicate id", *id, "set an id that no other member of the pool has");
                id.reset();
            }
        }
        if (id) {
            member.id = *id;
            pool.members.push_back(std::move(member));
        }
    }
}

void read_pool(FieldReader& reader, Pool& pool, LoadContext& context) {
    pool.name = reader.text("name").value_or("");
    reader.text("description");
    read_algorithm(reader, pool);
    read_pool_protocol(reader);

    std::string loadbalancer_id;
    if (auto value = reader.scalar("loadbalancer_id", "use the id of a load balancer")) {
        if (context.result.config.find_loadbalancer(*value)) {
            loadbalancer_id = *value;
        } else {
            report_unknown_reference(reader, "loadbalancer_id", *value, "load balancer", "loadbalancers",
                                     ids_of(context.result.config.loadbalancers));
        }
    }
    auto listener_id = reader.scalar("listener_id", "use the id of a listener");

    if (auto members = reader.sequence("members", "use a list of members")) {
        read_members(*members, reader, pool);
    }
    read_unsupported_pool_features(reader);
    read_passive_health_check(reader, pool.passive_health_check);
    ignore_cloud_fields(reader);

    if (!pool.id.empty()) {
        context.pool_loadbalancers[pool.id] = loadbalancer_id;
        if (listener_id) {
            context.pool_links.push_back({pool.id, *listener_id, reader.resource()});
        }
    }
}

}  // namespace

void read_pools(const YAML::Node& list, LoadContext& context) {
    read_collection(list, "pools", context, context.result.config.pools,
                    [&context](FieldReader& reader, Pool& pool) { read_pool(reader, pool, context); });
}

void link_pools_to_listeners(LoadContext& context) {
    auto& listeners = context.result.config.listeners;
    std::map<std::string, std::string> linked_by;  // listener id -> resource of the pool that linked it
    for (const auto& link : context.pool_links) {
        FieldReader reader(YAML::Node(YAML::NodeType::Map), link.pool_resource, context.errors());
        auto listener = std::find_if(listeners.begin(), listeners.end(), [&](const Listener& candidate) {
            return candidate.id == link.listener_id;
        });
        if (listener == listeners.end()) {
            report_unknown_reference(reader, "listener_id", link.listener_id, "listener", "listeners",
                                     ids_of(listeners));
            continue;
        }
        if (!listener->default_pool_id.empty() && listener->default_pool_id != link.pool_id) {
            std::string fix = linked_by.contains(listener->id)
                                  ? "keep listener_id in only one of " + linked_by[listener->id] + " and " +
                                        link.pool_resource
                                  : "remove listener_id here or default_pool_id of listeners[" +
                                        listener->id + "], which names pool " + listener->default_pool_id;
            reader.error("listener_id", "listener already has another default pool", link.listener_id, fix);
            continue;
        }
        const std::string& pool_loadbalancer = context.pool_loadbalancers[link.pool_id];
        if (!pool_loadbalancer.empty() && pool_loadbalancer != listener->loadbalancer_id) {
            reader.error("listener_id", "listener on another load balancer", link.listener_id,
                         "use a listener of load balancer " + pool_loadbalancer +
                             " or change loadbalancer_id of this pool");
            continue;
        }
        listener->default_pool_id = link.pool_id;
        linked_by.emplace(listener->id, link.pool_resource);
    }
}

}  // namespace tollgate::model
