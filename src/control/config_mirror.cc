#include "control/config_mirror.h"

#include "control/certificate_fields.h"
#include "control/resource_kind.h"

#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

namespace tollgate::control {
namespace {

using nlohmann::json;

core::Result<void> remove_all(store::Transaction& transaction) {
    for (const char* kind : {"healthmonitor", "member", "listener", "pool", "loadbalancer", "certificate"}) {
        auto documents = transaction.list_all(kind);
        if (!documents) {
            return documents.error();
        }
        for (const auto& document : *documents) {
            if (auto removed = transaction.remove(kind, document.project_id, document.id); !removed) {
                return removed.error();
            }
        }
    }
    return {};
}

// Inserts one resource with a reference for every reference field of its kind in `body`.
core::Result<void> insert(store::Transaction& transaction, const ResourceKind& kind, const std::string& id,
                          const json& body, std::optional<std::string> parent = std::nullopt) {
    std::vector<store::OutgoingReference> references;
    for (const ReferenceField& reference : kind.references) {
        auto value = body.find(reference.field);
        if (value != body.end() && value->is_string()) {
            references.push_back(
                {std::string(reference.field), std::string(reference.ref_kind), value->get<std::string>()});
        }
    }
    if (parent) {
        references.push_back({"pool_id", "pool", *parent});
    }
    store::Document document{.kind = std::string(kind.kind),
                             .project_id = kFileProject,
                             .id = id,
                             .parent_id = parent,
                             .name = body.value("name", ""),
                             .body = body.dump()};
    auto inserted = transaction.insert(document, references);
    if (!inserted) {
        return inserted.error();
    }
    return {};
}

core::Result<void> insert_certificate(store::Transaction& transaction,
                                      const model::Certificate& certificate) {
    const std::string type = certificate.type == model::CertificateType::Server ? "server" : "client";
    std::string key = certificate.private_key;
    auto checked = check_upload(type, certificate.certificate, key, KeySource::Request);
    if (!checked) {
        return core::Error::invalid("certificate " + certificate.id + ": " + checked.error().message);
    }
    json body = checked->content;
    body["type"] = type;
    body["name"] = certificate.name;
    if (auto inserted = insert(transaction, certificate_kind(), certificate.id, body); !inserted) {
        return inserted;
    }
    if (checked->private_key.size() == 0) {
        return {};
    }
    return transaction.put_secret("certificate", kFileProject, certificate.id, "private_key",
                                  checked->private_key.view());
}

json insert_headers(const model::InsertHeaders& headers) {
    json object = json::object();
    for (const auto& spec : model::inserted_header_specs()) {
        const model::HeaderSetting& setting = headers[spec.header];
        if (setting.enabled != spec.enabled_by_default) {
            object[std::string(spec.enable_key)] = setting.enabled;
        }
        if (!spec.alias_key.empty() && setting.enabled && setting.name != spec.default_name) {
            object[std::string(spec.alias_key)] = setting.name;
        }
    }
    if (headers.forwarded_for_mode != model::XffMode::Append) {
        object["X-Forwarded-For-Processing-Mode"] =
            headers.forwarded_for_mode == model::XffMode::Remove ? "remove" : "preserve";
    }
    return object;
}

json listener_body(const model::Listener& listener) {
    json body{{"name", listener.name},
              {"loadbalancer_id", listener.loadbalancer_id},
              {"protocol", model::to_string(listener.protocol)},
              {"protocol_port", listener.protocol_port},
              {"keepalive_timeout", listener.keepalive_timeout.count()},
              {"client_timeout", listener.client_timeout.count()},
              {"member_timeout", listener.member_timeout.count()},
              {"enable_member_retry", listener.enable_member_retry},
              {"insert_headers", insert_headers(listener.insert_headers)}};
    if (!listener.default_pool_id.empty()) {
        body["default_pool_id"] = listener.default_pool_id;
    }
    if (listener.protocol == model::Protocol::Https) {
        body["default_tls_container_ref"] = listener.default_tls_container_ref;
        if (!listener.client_ca_tls_container_ref.empty()) {
            body["client_ca_tls_container_ref"] = listener.client_ca_tls_container_ref;
        }
        body["client_authentication"] = tls::to_string(listener.client_authentication);
        body["client_verify_depth"] = listener.client_verify_depth;
        body["tls_ciphers_policy"] = listener.tls_ciphers_policy;
    }
    return body;
}

json expected_codes_text(const model::ExpectedCodes& codes) {
    std::string text;
    for (const auto& range : codes.ranges) {
        text += text.empty() ? "" : ",";
        text += std::to_string(range.first);
        if (range.last != range.first) {
            text += "-" + std::to_string(range.last);
        }
    }
    return text;
}

json healthmonitor_body(const model::HealthMonitor& monitor) {
    json body{{"name", monitor.name},
              {"pool_id", monitor.pool_id},
              {"type", model::to_string(monitor.type)},
              {"delay", monitor.delay.count()},
              {"timeout", monitor.timeout.count()},
              {"max_retries", monitor.max_retries},
              {"max_retries_down", monitor.max_retries_down},
              {"admin_state_up", monitor.admin_state_up}};
    if (monitor.monitor_port) {
        body["monitor_port"] = *monitor.monitor_port;
    }
    if (monitor.type != model::MonitorType::Tcp) {
        body["url_path"] = monitor.url_path;
        body["expected_codes"] = expected_codes_text(monitor.expected_codes);
        body["http_method"] = model::to_string(monitor.http_method);
        if (!monitor.domain_name.empty()) {
            body["domain_name"] = monitor.domain_name;
        }
    }
    return body;
}

// Member ids are unique within their pool only, while the store needs them unique in the
// project, so a member id that an earlier pool used gets its pool's id in front.
std::string member_store_id(const model::Pool& pool, const model::Member& member,
                            std::set<std::string>& used) {
    std::string id = member.id;
    if (!used.insert(id).second) {
        id = pool.id + ":" + member.id;
        used.insert(id);
    }
    return id;
}

core::Result<void> insert_all(store::Transaction& transaction, const model::Config& config) {
    for (const auto& certificate : config.certificates) {
        if (auto inserted = insert_certificate(transaction, certificate); !inserted) {
            return inserted;
        }
    }
    for (const auto& loadbalancer : config.loadbalancers) {
        json body{{"name", loadbalancer.name}};
        if (!loadbalancer.vip_address.empty()) {
            body["vip_address"] = loadbalancer.vip_address;
        }
        if (auto inserted = insert(transaction, loadbalancer_kind(), loadbalancer.id, body); !inserted) {
            return inserted;
        }
    }
    std::set<std::string> member_ids;
    for (const auto& pool : config.pools) {
        const model::PassiveHealthCheck& passive = pool.passive_health_check;
        json body{{"name", pool.name},
                  {"lb_algorithm", model::to_string(pool.lb_algorithm)},
                  {"protocol", "HTTP"},
                  {"passive_health_check",
                   {{"enable", passive.enable},
                    {"consecutive_failures", passive.consecutive_failures},
                    {"ejection_time", passive.ejection_time.count()},
                    {"max_ejection_time", passive.max_ejection_time.count()}}}};
        if (auto inserted = insert(transaction, pool_kind(), pool.id, body); !inserted) {
            return inserted;
        }
        for (const auto& member : pool.members) {
            json member_body{{"name", member.name},
                             {"address", member.address},
                             {"protocol_port", member.protocol_port},
                             {"weight", member.weight}};
            if (auto inserted = insert(transaction, member_kind(), member_store_id(pool, member, member_ids),
                                       member_body, pool.id);
                !inserted) {
                return inserted;
            }
        }
    }
    for (const auto& listener : config.listeners) {
        if (auto inserted = insert(transaction, listener_kind(), listener.id, listener_body(listener));
            !inserted) {
            return inserted;
        }
    }
    for (const auto& monitor : config.healthmonitors) {
        if (auto inserted =
                insert(transaction, healthmonitor_kind(), monitor.id, healthmonitor_body(monitor));
            !inserted) {
            return inserted;
        }
    }
    return {};
}

}  // namespace

core::Result<void> mirror_config(store::Store& store, const model::Config& config) {
    auto transaction = store.begin();
    if (!transaction) {
        return transaction.error();
    }
    if (auto removed = remove_all(*transaction); !removed) {
        return removed;
    }
    if (auto inserted = insert_all(*transaction, config); !inserted) {
        return inserted;
    }
    auto committed = transaction->commit();
    if (!committed) {
        return committed.error();
    }
    return {};
}

}  // namespace tollgate::control
