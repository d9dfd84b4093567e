#include "control/resource_kind.h"

#include "store/ids.h"

#include <array>
#include <initializer_list>
#include <utility>

namespace tollgate::control {
namespace {

// Fields every response carries and no request may set.
std::vector<std::string_view> server_fields(std::vector<std::string_view> more = {}) {
    std::vector<std::string_view> fields{"id", "created_at", "updated_at"};
    fields.insert(fields.end(), more.begin(), more.end());
    return fields;
}

// Lists the fields of each JSON type.
std::vector<TypedField> typed(std::initializer_list<std::string_view> strings,
                              std::initializer_list<std::string_view> integers,
                              std::initializer_list<std::string_view> booleans,
                              std::initializer_list<std::string_view> arrays,
                              std::initializer_list<std::string_view> objects) {
    std::vector<TypedField> fields;
    const std::pair<std::initializer_list<std::string_view>, FieldType> groups[] = {
        {strings, FieldType::String}, {integers, FieldType::Integer}, {booleans, FieldType::Boolean},
        {arrays, FieldType::Array},   {objects, FieldType::Object},
    };
    for (const auto& [names, type] : groups) {
        for (std::string_view name : names) {
            fields.push_back({name, type});
        }
    }
    return fields;
}

}  // namespace

const ResourceKind& certificate_kind() {
    static const ResourceKind kind{
        .kind = "certificate",
        .collection = "certificates",
        .noun = "certificate",
        .id_format = IdFormat::CertificateHex,
        .references = {},
        .immutable = {"type"},
        .read_only = server_fields({"expire_time", "common_name", "fingerprint", "subject_alternative_names",
                                    "subject", "issuer", "serial_number", "signature_algorithm", "key_type",
                                    "key_bits", "chain", "warnings"}),
    };
    return kind;
}

const ResourceKind& loadbalancer_kind() {
    static const ResourceKind kind{
        .kind = "loadbalancer",
        .collection = "loadbalancers",
        .noun = "load balancer",
        .id_format = IdFormat::Uuid,
        .references = {},
        .immutable = {},
        .read_only =
            server_fields({"provisioning_status", "operating_status", "listeners", "pools", "vip_port_id",
                           "ipv6_vip_port_id", "eips", "publicips", "elb_virsubnet_type"}),
        .field_types =
            typed({"name", "description", "vip_address", "vip_subnet_cidr_id", "ipv6_vip_virsubnet_id",
                   "ipv6_vip_address", "vpc_id", "provider", "l4_flavor_id", "l7_flavor_id", "billing_info",
                   "charge_mode", "waf_failure_action", "protection_status", "protection_reason",
                   "enterprise_project_id"},
                  {}, {"guaranteed", "admin_state_up", "ip_target_enable", "deletion_protection_enable"},
                  {"availability_zone_list", "tags", "publicip_ids", "elb_virsubnet_ids"},
                  {"publicip", "ipv6_bandwidth", "prepaid_options", "autoscaling"}),
        .fixed_fields = {{"provider", "\"vlb\"", "vlb is the only provider of a dedicated load balancer"},
                         {"guaranteed", "true", "every tollgate load balancer is dedicated"},
                         {"admin_state_up", "true", "a load balancer cannot be disabled; delete it instead"}},
    };
    return kind;
}

const ResourceKind& listener_kind() {
    static const ResourceKind kind{
        .kind = "listener",
        .collection = "listeners",
        .noun = "listener",
        .id_format = IdFormat::Uuid,
        .references = {{"loadbalancer_id", "loadbalancer"},
                       {"default_pool_id", "pool"},
                       {"default_tls_container_ref", "certificate"},
                       {"client_ca_tls_container_ref", "certificate"}},
        .immutable = {"loadbalancer_id", "protocol", "protocol_port"},
        .read_only = server_fields({"loadbalancers", "provisioning_status", "operating_status"}),
        .field_types = typed(
            {"name", "description", "protocol", "tls_ciphers_policy", "security_policy_id",
             "client_authentication", "protection_status", "protection_reason", "enterprise_project_id"},
            {"protocol_port", "client_verify_depth", "keepalive_timeout", "client_timeout", "member_timeout",
             "cps", "connection", "connection_limit"},
            {"http2_enable", "enable_member_retry", "admin_state_up", "transparent_client_ip_enable",
             "proxy_protocol_enable", "enhance_l7policy_enable", "gzip_enable", "ssl_early_data_enable"},
            {"sni_container_refs", "tags"}, {"insert_headers"}),
        .fixed_fields = {{"admin_state_up", "true", "a listener cannot be disabled; delete it instead"}},
    };
    return kind;
}

const ResourceKind& pool_kind() {
    static const ResourceKind kind{
        .kind = "pool",
        .collection = "pools",
        .noun = "pool",
        .id_format = IdFormat::Uuid,
        .references = {{"loadbalancer_id", "loadbalancer"}},
        .immutable = {"protocol", "loadbalancer_id", "listener_id", "ip_version"},
        .read_only = server_fields({"listeners", "loadbalancers", "members", "healthmonitor_id",
                                    "provisioning_status", "operating_status"}),
        .field_types = typed(
            {"name", "description", "lb_algorithm", "protocol", "type", "vpc_id", "ip_version",
             "protection_status", "protection_reason", "enterprise_project_id"},
            {}, {"admin_state_up", "member_deletion_protection_enable", "any_port_enable"}, {},
            {"session_persistence", "slow_start", "connection_drain", "pool_health", "passive_health_check"}),
        .fixed_fields = {{"admin_state_up", "true", "a pool cannot be disabled; delete it instead"}},
    };
    return kind;
}

const ResourceKind& member_kind() {
    static const ResourceKind kind{
        .kind = "member",
        .collection = "members",
        .noun = "member",
        .id_format = IdFormat::Uuid,
        .references = {{"pool_id", "pool"}},
        .immutable = {"address", "subnet_cidr_id"},
        .read_only = server_fields({"pool_id", "operating_status", "status", "ip_version", "member_type",
                                    "provisioning_status", "reason"}),
        .field_types = typed({"name", "address", "subnet_cidr_id", "availability_zone", "instance_id"},
                             {"protocol_port", "weight"}, {"admin_state_up"}, {}, {}),
    };
    return kind;
}

const ResourceKind& healthmonitor_kind() {
    static const ResourceKind kind{
        .kind = "healthmonitor",
        .collection = "healthmonitors",
        .noun = "health monitor",
        .id_format = IdFormat::Uuid,
        .references = {{"pool_id", "pool"}},
        .immutable = {"pool_id"},
        .read_only = server_fields({"pools", "provisioning_status"}),
    };
    return kind;
}

const ResourceKind* find_kind(std::string_view name) {
    static const std::array<const ResourceKind*, 6> kinds{&certificate_kind(), &loadbalancer_kind(),
                                                          &listener_kind(),    &pool_kind(),
                                                          &member_kind(),      &healthmonitor_kind()};
    for (const ResourceKind* kind : kinds) {
        if (kind->kind == name) {
            return kind;
        }
    }
    return nullptr;
}

std::string new_id(const ResourceKind& kind) {
    return kind.id_format == IdFormat::CertificateHex ? store::new_certificate_id() : store::new_uuid();
}

}  // namespace tollgate::control
