#include "client/resource_fields.h"

#include "client/desired_state.h"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>

namespace tollgate::client {
namespace {

FieldSpec text(std::string flags, std::string field, std::string help) {
    return FieldSpec{
        std::move(flags), std::move(field), FlagType::Text, Kind::Certificate, false, true, true, {},
        std::move(help)};
}

FieldSpec integer(std::string flags, std::string field, std::string help) {
    FieldSpec spec = text(std::move(flags), std::move(field), std::move(help));
    spec.type = FlagType::Integer;
    return spec;
}

FieldSpec boolean(std::string flags, std::string field, std::string help) {
    FieldSpec spec = text(std::move(flags), std::move(field), std::move(help));
    spec.type = FlagType::Boolean;
    spec.choices = {"true", "false"};
    return spec;
}

FieldSpec reference(std::string flags, std::string field, Kind target, std::string help) {
    FieldSpec spec = text(std::move(flags), std::move(field), std::move(help));
    spec.type = FlagType::Reference;
    spec.target = target;
    return spec;
}

// Marks a field that create requires and update cannot change.
FieldSpec fixed(FieldSpec spec) {
    spec.required_on_create = true;
    spec.updatable = false;
    return spec;
}

FieldSpec required(FieldSpec spec) {
    spec.required_on_create = true;
    return spec;
}

FieldSpec create_only(FieldSpec spec) {
    spec.updatable = false;
    return spec;
}

FieldSpec with_choices(FieldSpec spec, std::vector<std::string> choices) {
    spec.choices = std::move(choices);
    return spec;
}

std::vector<FieldSpec> certificate_fields() {
    FieldSpec certificate{
        "--certificate",
        "certificate",
        FlagType::PemFile,
        Kind::Certificate,
        true,
        true,
        true,
        {},
        "PEM file: the certificate and its chain (server), or the CA certificates (client)"};
    FieldSpec key{"--private-key",
                  "private_key",
                  FlagType::PemFile,
                  Kind::Certificate,
                  false,
                  true,
                  true,
                  {},
                  "PEM file with the private key; required for type server"};
    return {
        required(text("--name", "name", "Name of the certificate")),
        text("--description", "description", "Description"),
        fixed(with_choices(
            text("--type", "type", "server (certificate and key) or client (CA that verifies clients)"),
            {"server", "client"})),
        certificate,
        key,
        text("--domain", "domain", "Domain names of a server certificate, separated by commas"),
    };
}

std::vector<FieldSpec> loadbalancer_fields() {
    return {
        text("--name", "name", "Name of the load balancer"),
        text("--description", "description", "Description"),
        text("--vip-address", "vip_address",
             "IPv4 or IPv6 address that the listeners bind (default 0.0.0.0)"),
    };
}

std::vector<FieldSpec> listener_fields() {
    return {
        text("--name", "name", "Name of the listener"),
        text("--description", "description", "Description"),
        fixed(reference("--loadbalancer,--loadbalancer-id", "loadbalancer_id", Kind::LoadBalancer,
                        "Load balancer (id or name)")),
        fixed(text("--protocol", "protocol", "HTTP or HTTPS")),
        fixed(integer("--port,--protocol-port", "protocol_port", "Port to listen on, 1-65535")),
        reference("--server-certificate,--default-tls-container-ref", "default_tls_container_ref",
                  Kind::Certificate, "Server certificate (id or name); required for HTTPS"),
        reference("--client-ca,--client-ca-tls-container-ref", "client_ca_tls_container_ref",
                  Kind::Certificate, "CA certificate (id or name) that verifies client certificates"),
        with_choices(text("--client-authentication", "client_authentication",
                          "none, optional or mandatory (default mandatory with a client CA)"),
                     {"none", "optional", "mandatory"}),
        integer("--client-verify-depth", "client_verify_depth", "Maximum intermediate CAs in a client chain"),
        reference("--default-pool,--default-pool-id", "default_pool_id", Kind::Pool, "Pool (id or name)"),
        text("--tls-ciphers-policy", "tls_ciphers_policy",
             "TLS security policy, such as tls-1-2-fs-with-1-3"),
        integer("--keepalive-timeout", "keepalive_timeout", "Idle client connection timeout in seconds"),
        integer("--client-timeout", "client_timeout", "Timeout for reading a client request, in seconds"),
        integer("--member-timeout", "member_timeout", "Timeout for a backend response, in seconds"),
        boolean("--enable-member-retry", "enable_member_retry", "Retry a failed request on another member"),
        FieldSpec{"--insert-header",
                  "insert_headers",
                  FlagType::InsertHeaders,
                  Kind::Certificate,
                  false,
                  true,
                  true,
                  {},
                  "Header setting NAME=VALUE, such as X-Real-IP=true; repeatable"},
    };
}

std::vector<FieldSpec> pool_fields() {
    return {
        text("--name", "name", "Name of the pool"),
        text("--description", "description", "Description"),
        required(text("--lb-algorithm", "lb_algorithm", "ROUND_ROBIN, LEAST_CONNECTIONS or SOURCE_IP")),
        fixed(text("--protocol", "protocol", "Backend protocol: HTTP")),
        create_only(reference("--listener,--listener-id", "listener_id", Kind::Listener,
                              "Listener (id or name) whose default pool this becomes")),
        create_only(reference("--loadbalancer,--loadbalancer-id", "loadbalancer_id", Kind::LoadBalancer,
                              "Load balancer (id or name) whose listeners may use the pool")),
    };
}

std::vector<FieldSpec> member_fields() {
    return {
        fixed(text("--address", "address", "IPv4 or IPv6 address of the backend server")),
        required(integer("--port,--protocol-port", "protocol_port", "Port of the backend server, 1-65535")),
        integer("--weight", "weight", "Weight, 0-100; 0 sends no new requests"),
        text("--name", "name", "Name of the member"),
    };
}

std::vector<FieldSpec> healthmonitor_fields() {
    return {
        text("--name", "name", "Name of the health monitor"),
        fixed(reference("--pool,--pool-id", "pool_id", Kind::Pool, "Pool (id or name) to monitor")),
        required(text("--type", "type", "Probe type: TCP, HTTP or HTTPS")),
        required(integer("--delay", "delay", "Seconds between two probes")),
        required(integer("--timeout", "timeout", "Seconds a probe may take")),
        required(integer("--max-retries", "max_retries", "Successes in a row that mark a member up")),
        integer("--max-retries-down", "max_retries_down", "Failures in a row that mark a member down"),
        integer("--monitor-port", "monitor_port", "Port to probe, in place of each member's port"),
        text("--url-path", "url_path", "Path of an HTTP probe"),
        text("--domain-name", "domain_name", "Host header of an HTTP probe"),
        text("--expected-codes", "expected_codes", "Healthy status codes, such as 200 or 200-204,301"),
        text("--http-method", "http_method", "Method of an HTTP probe"),
        boolean("--admin-state-up", "admin_state_up", "false turns the monitor off"),
    };
}

bool is_valid_utf8(std::string_view text) {
    std::size_t index = 0;
    while (index < text.size()) {
        const auto lead = static_cast<unsigned char>(text[index]);
        const std::size_t length = lead < 0x80           ? 1
                                   : (lead >> 5) == 0x6  ? 2
                                   : (lead >> 4) == 0xe  ? 3
                                   : (lead >> 3) == 0x1e ? 4
                                                         : 0;
        if (length == 0 || index + length > text.size()) {
            return false;
        }
        for (std::size_t next = 1; next < length; ++next) {
            if ((static_cast<unsigned char>(text[index + next]) & 0xc0) != 0x80) {
                return false;
            }
        }
        index += length;
    }
    return true;
}

core::Result<std::string> read_pem_file(const std::string& flag, const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        return core::Error::invalid("cannot read " + flag + " file " + path + ": " + std::strerror(errno));
    }
    std::string data;
    char buffer[65536];
    while (file && data.size() <= kMaxPemFileBytes) {
        file.read(buffer, sizeof buffer);
        data.append(buffer, static_cast<std::size_t>(file.gcount()));
    }
    if (file.bad()) {
        return core::Error::invalid("cannot read " + flag + " file " + path + ": " + std::strerror(errno));
    }
    if (data.size() > kMaxPemFileBytes) {
        return core::Error::invalid(flag + " file " + path + " is larger than 1 MiB; give a PEM file");
    }
    // The API takes PEM text in JSON strings, so binary DER or PKCS#12 content cannot be sent.
    if (data.find("-----BEGIN ") == std::string::npos) {
        const bool key = flag == "--private-key";
        return core::Error::invalid(
            flag + " file " + path +
            " is not PEM text (no \"-----BEGIN\" line); a DER file converts with `openssl " +
            (key ? "pkey" : "x509") + " -inform DER -in " + path + " -out " + path +
            ".pem`, a PKCS#12 bundle with " + "`openssl pkcs12 -in " + path + " -nodes -out " + path +
            ".pem`");
    }
    if (!is_valid_utf8(data)) {
        return core::Error::invalid(flag + " file " + path +
                                    " contains bytes that are not UTF-8 text; give the PEM file itself");
    }
    return data;
}

std::string first_flag(const std::string& flags) {
    return flags.substr(0, flags.find(','));
}

// Converts "NAME=VALUE" into insert_headers[NAME]. Alias keys and the X-Forwarded-For mode
// take text; every other key takes true or false.
core::Result<void> add_insert_header(const std::string& setting, Json& headers) {
    std::size_t equals = setting.find('=');
    if (equals == std::string::npos || equals == 0) {
        return core::Error::invalid("invalid --insert-header \"" + setting +
                                    "\": use NAME=VALUE, such as X-Real-IP=true or "
                                    "X-Forwarded-Clientcert-subjectdn-alias=X-Client-DN");
    }
    std::string name = setting.substr(0, equals);
    std::string value = setting.substr(equals + 1);
    if (name.ends_with("-alias") || name == "X-Forwarded-For-Processing-Mode") {
        headers[name] = value;
    } else if (value == "true" || value == "false") {
        headers[name] = value == "true";
    } else {
        return core::Error::invalid("invalid --insert-header \"" + setting + "\": " + name +
                                    " takes true or false");
    }
    return {};
}

core::Result<Json> convert_value(const FieldSpec& spec, const std::string& value) {
    switch (spec.type) {
        case FlagType::Integer: {
            long long number = 0;
            const char* end = value.data() + value.size();
            auto [stop, error] = std::from_chars(value.data(), end, number);
            if (error != std::errc() || stop != end || value.empty()) {
                return core::Error::invalid("invalid " + first_flag(spec.flags) + " \"" + value +
                                            "\": use a whole number");
            }
            return json_result(number);
        }
        case FlagType::Boolean:
            return json_result(value == "true");
        case FlagType::PemFile: {
            auto pem = read_pem_file(first_flag(spec.flags), value);
            if (!pem) {
                return pem.error();
            }
            return json_result(std::move(*pem));
        }
        case FlagType::Text:
        case FlagType::Reference:
        case FlagType::InsertHeaders:
            break;
    }
    return json_result(value);
}

}  // namespace

const std::vector<FieldSpec>& resource_fields(Kind kind) {
    static const std::map<Kind, std::vector<FieldSpec>> kFields = {
        {Kind::Certificate, certificate_fields()}, {Kind::LoadBalancer, loadbalancer_fields()},
        {Kind::Listener, listener_fields()},       {Kind::Pool, pool_fields()},
        {Kind::Member, member_fields()},           {Kind::HealthMonitor, healthmonitor_fields()},
    };
    return kFields.at(kind);
}

core::Result<Json> NameResolver::find(Kind kind, const std::string& text, const std::string& pool_id) {
    auto objects = api_.list(kind, pool_id);
    if (!objects) {
        return objects.error();
    }
    std::vector<const Json*> named;
    for (const Json& object : *objects) {
        if (text_field(object, "id") == text) {
            return json_result(object);
        }
        bool endpoint = kind == Kind::Member &&
                        member_label(text_field(object, "address"),
                                     static_cast<int>(integer_field(object, "protocol_port"))) == text;
        if (text_field(object, "name") == text || endpoint) {
            named.push_back(&object);
        }
    }
    std::string singular(info(kind).singular);
    if (named.empty()) {
        std::string list_command =
            "tollgate " + singular + " list" + (kind == Kind::Member ? " --pool POOL" : "");
        return core::Error{
            core::ErrorKind::NotFound, core::Side::Client,
            "no " + singular + " has the id or name \"" + text + "\"; `" + list_command + "` shows them",
            false};
    }
    if (named.size() > 1) {
        std::string ids;
        for (const Json* object : named) {
            ids += (ids.empty() ? "" : ", ") + text_field(*object, "id");
        }
        return core::Error::invalid(std::to_string(named.size()) + " " + std::string(info(kind).plural) +
                                    " are named \"" + text + "\" (ids " + ids + "); give the id");
    }
    return json_result(*named.front());
}

core::Result<std::string> NameResolver::resolve(Kind kind, const std::string& text,
                                                const std::string& pool_id) {
    auto object = find(kind, text, pool_id);
    if (!object) {
        return object.error();
    }
    return text_field(*object, "id");
}

core::Result<Json> convert_flag_values(Kind kind, const FlagValues& values, const Json* stored) {
    Json fields = Json::object();
    for (const FieldSpec& spec : resource_fields(kind)) {
        if (spec.type == FlagType::InsertHeaders) {
            if (values.insert_headers.empty()) {
                continue;
            }
            // An update replaces insert_headers whole, so the stored settings are the base.
            Json headers = Json::object();
            if (stored && stored->contains(spec.field) && (*stored)[spec.field].is_object()) {
                headers = (*stored)[spec.field];
            }
            for (const std::string& setting : values.insert_headers) {
                if (auto added = add_insert_header(setting, headers); !added) {
                    return added.error();
                }
            }
            fields[spec.field] = headers;
            continue;
        }
        auto given = values.fields.find(spec.field);
        if (given == values.fields.end() || spec.type == FlagType::Reference) {
            continue;
        }
        auto converted = convert_value(spec, given->second);
        if (!converted) {
            return converted.error();
        }
        fields[spec.field] = std::move(*converted);
    }
    return json_result(std::move(fields));
}

core::Result<void> resolve_references(Kind kind, const FlagValues& values, NameResolver& resolver,
                                      Json& fields) {
    for (const FieldSpec& spec : resource_fields(kind)) {
        auto given = values.fields.find(spec.field);
        if (spec.type != FlagType::Reference || given == values.fields.end()) {
            continue;
        }
        if (given->second.empty()) {
            fields[spec.field] = nullptr;
            continue;
        }
        auto id = resolver.resolve(spec.target, given->second);
        if (!id) {
            return id.error();
        }
        fields[spec.field] = *id;
    }
    return {};
}

}  // namespace tollgate::client
