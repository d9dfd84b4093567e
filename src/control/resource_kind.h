#pragma once

// The resource kinds of the ELB v3 API as the control plane stores them: envelope keys,
// id formats, references to other kinds, and the fields an update may not change.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace tollgate::control {

enum class IdFormat {
    Uuid,            // 36 characters with dashes
    CertificateHex,  // 32 lowercase hex characters
};

// The JSON type a request field must have. The configuration loader reads every scalar as
// text, so without this check "8080" would pass as a port and be echoed back as a string.
enum class FieldType { String, Integer, Boolean, Object, Array };

struct TypedField {
    std::string_view field;
    FieldType type;
};

// A field that tollgate accepts with one value only, because the feature it turns off is
// always on (or absent) in tollgate: `guaranteed` of a load balancer must be true.
struct FixedField {
    std::string_view field;
    std::string_view value;   // the accepted value as JSON text: "true", "\"vlb\""
    std::string_view reason;  // completes "use <value>, because ..."
};

// A body field that contains the id of another resource of the same project.
struct ReferenceField {
    std::string_view field;     // "default_pool_id"
    std::string_view ref_kind;  // "pool"
};

struct ResourceKind {
    std::string_view kind;        // store kind and single envelope key: "listener"
    std::string_view collection;  // list envelope key, path segment and configuration list: "listeners"
    std::string_view noun;        // for messages: "load balancer"
    IdFormat id_format = IdFormat::Uuid;
    std::vector<ReferenceField> references;
    std::vector<std::string_view> immutable;  // fields that an update may not change
    // Fields the server sets; a request that sends one gets 400. project_id is not among them,
    // because the API accepts and ignores it.
    std::vector<std::string_view> read_only;
    // Types of the fields that are not references; reference fields are checked by
    // resolve_references(). Fields not listed here are left to the configuration loader.
    std::vector<TypedField> field_types{};
    std::vector<FixedField> fixed_fields{};
};

const ResourceKind& certificate_kind();
const ResourceKind& loadbalancer_kind();
const ResourceKind& listener_kind();
const ResourceKind& pool_kind();
const ResourceKind& member_kind();
const ResourceKind& healthmonitor_kind();

// Returns the kind whose store kind is `kind`, or nullptr.
const ResourceKind* find_kind(std::string_view kind);

// Returns the id of a new resource of `kind`.
std::string new_id(const ResourceKind& kind);

}  // namespace tollgate::control
