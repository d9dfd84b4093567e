#include "control/resource_kind.h"

#include "store/ids.h"

#include <array>

namespace tollgate::control {
namespace {

// Fields every response carries and no request may set.
std::vector<std::string_view> server_fields(std::vector<std::string_view> more = {}) {
    std::vector<std::string_view> fields{"id", "created_at", "updated_at"};
    fields.insert(fields.end(), more.begin(), more.end());
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
        .read_only = server_fields({"provisioning_status", "operating_status", "listeners", "pools"}),
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
        .immutable = {"protocol", "loadbalancer_id", "listener_id"},
        .read_only = server_fields({"listeners", "loadbalancers", "members", "healthmonitor_id",
                                    "provisioning_status", "operating_status"}),
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
                                    "provisioning_status"}),
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
    static const std::array<const ResourceKind*, 6> kinds{&certificate_kind(),  &loadbalancer_kind(),
                                                          &listener_kind(),     &pool_kind(),
                                                          &member_kind(),       &healthmonitor_kind()};
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
