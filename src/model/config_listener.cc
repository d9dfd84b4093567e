// Reading of the `listeners` collection and the check that no two listeners bind the same
// address and port. The insert_headers object is read in config_insert_headers.cc.

#include "model/config_context.h"

#include "tls/security_policy.h"

#include <algorithm>
#include <array>
#include <utility>

namespace tollgate::model {

namespace {

constexpr std::array<std::pair<std::string_view, ClientAuth>, 3> kClientAuthModes{{
    {"none", ClientAuth::None},
    {"optional", ClientAuth::Optional},
    {"mandatory", ClientAuth::Mandatory},
}};

// Listener protocols of the ELB API that tollgate does not implement yet.
constexpr std::array<std::string_view, 5> kLaterProtocols{"TCP", "UDP", "TLS", "QUIC", "IP"};

// Fields that only mean something when the listener terminates TLS.
constexpr std::array<std::string_view, 5> kTlsFields{"default_tls_container_ref",
                                                     "client_ca_tls_container_ref", "client_authentication",
                                                     "client_verify_depth", "tls_ciphers_policy"};

std::optional<Protocol> read_protocol(FieldReader& reader) {
    if (!reader.require("protocol", "add HTTP or HTTPS")) {
        return std::nullopt;
    }
    auto value = reader.scalar("protocol", "use HTTP or HTTPS");
    if (!value) {
        return std::nullopt;
    }
    if (*value == "HTTP") {
        return Protocol::Http;
    }
    // The ELB API stores TERMINATED_HTTPS as HTTPS on dedicated load balancers.
    if (*value == "HTTPS" || *value == "TERMINATED_HTTPS") {
        return Protocol::Https;
    }
    if (std::find(kLaterProtocols.begin(), kLaterProtocols.end(), *value) != kLaterProtocols.end()) {
        reader.error("protocol", "not supported yet", *value, "use HTTP or HTTPS");
    } else {
        reader.invalid("protocol", shorten(*value), "use HTTP or HTTPS");
    }
    return std::nullopt;
}

void read_loadbalancer_ref(FieldReader& reader, Listener& listener, LoadContext& context) {
    if (!reader.require("loadbalancer_id", "add the id of an entry in loadbalancers")) {
        return;
    }
    auto value = reader.scalar("loadbalancer_id", "use the id of a load balancer");
    if (!value) {
        return;
    }
    if (!context.result.config.find_loadbalancer(*value)) {
        report_unknown_reference(reader, "loadbalancer_id", *value, "load balancer", "loadbalancers",
                                 ids_of(context.result.config.loadbalancers));
        return;
    }
    listener.loadbalancer_id = *value;
}

// Reads a reference to a certificate of type `expected`. Returns the id when it names one.
std::optional<std::string> read_certificate_ref(FieldReader& reader, std::string_view key,
                                                CertificateType expected, LoadContext& context) {
    std::string_view type = expected == CertificateType::Server ? "server" : "client";
    auto value = reader.scalar(key, "use the id of a " + std::string(type) + " certificate");
    if (!value) {
        return std::nullopt;
    }
    auto found = context.certificate_types.find(*value);
    if (found == context.certificate_types.end()) {
        report_unknown_reference(reader, key, *value, "certificate", "certificates",
                                 ids_of(context.result.config.certificates));
        return std::nullopt;
    }
    if (found->second && *found->second != expected) {
        std::string fix =
            expected == CertificateType::Server
                ? "use a certificate of type server, which has a private key"
                : "use a certificate of type client, which holds the CA certificates that verify clients";
        reader.error(key, "not a " + std::string(type) + " certificate", *value, fix);
        return std::nullopt;
    }
    return value;
}

void read_client_authentication(FieldReader& reader, Listener& listener, LoadContext& context) {
    // A CA reference that failed its own check still counts, so the mode gets no second error.
    bool has_ca = reader.has("client_ca_tls_container_ref");
    auto mode = reader.choice<ClientAuth>("client_authentication", kClientAuthModes);
    if (!reader.has("client_authentication")) {
        listener.client_authentication = has_ca ? ClientAuth::Mandatory : ClientAuth::None;
    } else if (mode && *mode != ClientAuth::None && !has_ca) {
        reader.error("client_authentication", "invalid without client_ca_tls_container_ref",
                     std::string(tls::to_string(*mode)),
                     "set client_ca_tls_container_ref to a client certificate or use none");
    } else if (mode) {
        if (*mode == ClientAuth::None && has_ca) {
            context.warn(
                {reader.resource(), "client_authentication", "leaves client_ca_tls_container_ref unused",
                 "none",
                 "use optional or mandatory to verify clients, or remove client_ca_tls_container_ref"});
        }
        listener.client_authentication = *mode;
    }

    if (auto depth = reader.integer("client_verify_depth", 1, 10)) {
        listener.client_verify_depth = static_cast<int>(*depth);
    }
}

void read_security_policy(FieldReader& reader, Listener& listener) {
    auto name = reader.scalar("tls_ciphers_policy", "use the name of a security policy");
    if (!name) {
        return;
    }
    if (tls::find_security_policy(*name)) {
        listener.tls_ciphers_policy = *name;
        return;
    }
    std::vector<std::string_view> names;
    for (const auto& policy : tls::system_security_policies()) {
        names.push_back(policy.name);
    }
    reader.error("tls_ciphers_policy", "unknown security policy", shorten(*name),
                 suggest(*name, names, "use one of " + join_choices(names)));
}

void read_tls_settings(FieldReader& reader, Listener& listener, std::optional<Protocol> protocol,
                       LoadContext& context) {
    if (protocol == Protocol::Http) {
        for (std::string_view key : kTlsFields) {
            auto node = reader.get(key);
            bool harmless =
                key == "client_authentication" && node && node->IsScalar() && node->Scalar() == "none";
            if (node && !harmless) {
                reader.error(key, "not allowed on an HTTP listener", render_node(*node),
                             "remove it or set protocol to HTTPS");
            }
        }
        return;
    }

    if (protocol == Protocol::Https) {
        reader.require("default_tls_container_ref", "add the id of a certificate of type server");
    }
    auto certificate =
        read_certificate_ref(reader, "default_tls_container_ref", CertificateType::Server, context);
    listener.default_tls_container_ref = certificate.value_or("");
    auto ca = read_certificate_ref(reader, "client_ca_tls_container_ref", CertificateType::Client, context);
    listener.client_ca_tls_container_ref = ca.value_or("");

    read_client_authentication(reader, listener, context);
    read_security_policy(reader, listener);
}

void read_default_pool(FieldReader& reader, Listener& listener, LoadContext& context) {
    auto pool_id = reader.scalar("default_pool_id", "use the id of a pool");
    if (!pool_id) {
        return;
    }
    if (!context.result.config.find_pool(*pool_id)) {
        report_unknown_reference(reader, "default_pool_id", *pool_id, "pool", "pools",
                                 ids_of(context.result.config.pools));
        return;
    }
    const std::string& pool_loadbalancer = context.pool_loadbalancers[*pool_id];
    if (!pool_loadbalancer.empty() && !listener.loadbalancer_id.empty() &&
        pool_loadbalancer != listener.loadbalancer_id) {
        reader.error("default_pool_id", "pool on another load balancer", *pool_id,
                     "use a pool of load balancer " + listener.loadbalancer_id +
                         " or change loadbalancer_id of pools[" + *pool_id + "]");
        return;
    }
    listener.default_pool_id = *pool_id;
}

void read_timeouts(FieldReader& reader, Listener& listener) {
    if (auto seconds = reader.integer("keepalive_timeout", 0, 4000)) {
        listener.keepalive_timeout = std::chrono::seconds(*seconds);
    }
    if (auto seconds = reader.integer("client_timeout", 1, 300)) {
        listener.client_timeout = std::chrono::seconds(*seconds);
    }
    if (auto seconds = reader.integer("member_timeout", 1, 300)) {
        listener.member_timeout = std::chrono::seconds(*seconds);
    }
    if (auto retry = reader.boolean("enable_member_retry")) {
        listener.enable_member_retry = *retry;
    }
}

// Accepts fields of the ELB API at the value that turns their feature off, and reports any
// other value as not supported yet.
void read_unsupported_listener_features(FieldReader& reader) {
    for (std::string_view key : {"http2_enable", "proxy_protocol_enable", "gzip_enable",
                                 "ssl_early_data_enable", "enhance_l7policy_enable"}) {
        if (reader.boolean(key) == true) {
            reader.error(key, "not supported yet", "true", "remove it or set it to false");
        }
    }
    for (std::string_view key : {"cps", "connection"}) {
        auto limit = reader.integer(key, 0, 1000000);
        if (limit && *limit != 0) {
            reader.error(key, "not supported yet", std::to_string(*limit), "remove it or set it to 0");
        }
    }

    auto sni = reader.sequence("sni_container_refs", "use a list of certificate ids");
    if (sni && sni->size() > 0) {
        reader.error(
            "sni_container_refs", "not supported yet", render_node(*sni),
            "remove it or use an empty list, because a listener serves only default_tls_container_ref");
    }
    if (auto policy = reader.get("security_policy_id")) {
        reader.error("security_policy_id", "not supported yet", render_node(*policy),
                     "remove it and choose a system policy with tls_ciphers_policy");
    }
    // The ELB API treats null and {} alike: no access control list.
    auto ipgroup = reader.get("ipgroup");
    if (ipgroup && !(ipgroup->IsMap() && ipgroup->size() == 0)) {
        reader.error("ipgroup", "not supported yet", render_node(*ipgroup),
                     "remove it, because access control by client address is not implemented yet");
    }
}

void read_listener(FieldReader& reader, Listener& listener, LoadContext& context) {
    listener.name = reader.text("name").value_or("");
    reader.text("description");
    read_loadbalancer_ref(reader, listener, context);

    auto protocol = read_protocol(reader);
    listener.protocol = protocol.value_or(Protocol::Http);
    if (reader.require("protocol_port", "add a whole number from 1 to 65535")) {
        listener.protocol_port =
            static_cast<std::uint16_t>(reader.integer("protocol_port", 1, 65535).value_or(0));
    }

    read_tls_settings(reader, listener, protocol, context);
    read_default_pool(reader, listener, context);
    read_timeouts(reader, listener);
    read_insert_headers(reader, listener, protocol);
    read_unsupported_listener_features(reader);

    // Cloud fields and fields without effect on a dedicated load balancer.
    reader.ignore({"tags", "admin_state_up", "transparent_client_ip_enable", "protection_status",
                   "protection_reason", "enterprise_project_id", "project_id", "connection_limit"});
}

// Returns whether two bound addresses overlap: equal, or one is the unspecified address of
// the other's family. `::` covers IPv6 only because the proxy sets IPV6_V6ONLY on IPv6
// sockets. The kernel does not catch an overlap, because the sockets use SO_REUSEPORT.
bool addresses_overlap(const IpAddress& a, const IpAddress& b) {
    if (a.is_v6 != b.is_v6) {
        return false;
    }
    return a == b || a.is_unspecified() || b.is_unspecified();
}

}  // namespace

void read_listeners(const YAML::Node& list, LoadContext& context) {
    read_collection(
        list, "listeners", context, context.result.config.listeners,
        [&context](FieldReader& reader, Listener& listener) { read_listener(reader, listener, context); });
}

void check_port_clashes(LoadContext& context) {
    const Config& config = context.result.config;
    for (std::size_t later = 0; later < config.listeners.size(); ++later) {
        const Listener& listener = config.listeners[later];
        const LoadBalancer* loadbalancer = config.find_loadbalancer(listener.loadbalancer_id);
        if (!loadbalancer || listener.protocol_port == 0) {
            continue;
        }
        auto address = parse_ip_address(loadbalancer->vip_address);

        for (std::size_t earlier = 0; earlier < later; ++earlier) {
            const Listener& other = config.listeners[earlier];
            const LoadBalancer* other_loadbalancer = config.find_loadbalancer(other.loadbalancer_id);
            if (!other_loadbalancer || other.protocol_port != listener.protocol_port) {
                continue;
            }
            std::string resource = "listeners[" + listener.id + "]";
            std::string other_resource = "listeners[" + other.id + "]";
            if (other_loadbalancer == loadbalancer) {
                context.errors().push_back(
                    {resource, "protocol_port",
                     "port already used by " + other_resource + " of the same load balancer",
                     std::to_string(listener.protocol_port), "use another protocol_port"});
                break;
            }
            auto other_address = parse_ip_address(other_loadbalancer->vip_address);
            if (address && other_address && addresses_overlap(*address, *other_address)) {
                context.errors().push_back(
                    {resource, "protocol_port",
                     "clashes with " + other_resource + " at " +
                         format_endpoint(other_loadbalancer->vip_address, other.protocol_port),
                     format_endpoint(loadbalancer->vip_address, listener.protocol_port),
                     "use another protocol_port, or vip_address values that do not overlap"});
                break;
            }
        }
    }
}

}  // namespace tollgate::model
