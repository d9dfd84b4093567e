#include "control/config_document.h"

#include <map>
#include <string>
#include <vector>

namespace tollgate::control {
namespace {

using nlohmann::json;

// A json converts to almost anything, so a result holding one is built explicitly.
core::Result<json> ok(json value) {
    return core::Result<json>(boost::system::in_place_value, std::move(value));
}

core::Result<json> parse_body(const store::Document& document) {
    json body = json::parse(document.body, nullptr, false);
    if (!body.is_object()) {
        return core::Error::internal("stored " + document.kind + " " + document.id +
                                     " has a body that is not a JSON object");
    }
    body["id"] = document.id;
    return ok(std::move(body));
}

core::Result<json> certificate_entries(store::Transaction& transaction) {
    auto documents = transaction.list_all("certificate");
    if (!documents) {
        return documents.error();
    }
    json entries = json::array();
    for (const auto& document : *documents) {
        auto stored = parse_body(document);
        if (!stored) {
            return stored.error();
        }
        json entry{{"id", document.id}, {"type", stored->value("type", "server")}};
        entry["certificate"] = stored->value("certificate", "");
        if (entry["type"] == "server") {
            auto key = transaction.get_secret("certificate", document.project_id, document.id, "private_key");
            if (!key) {
                return key.error();
            }
            entry["private_key"] = std::string(key->view());
        }
        entries.push_back(std::move(entry));
    }
    return ok(std::move(entries));
}

core::Result<json> plain_entries(store::Transaction& transaction, std::string_view kind) {
    auto documents = transaction.list_all(kind);
    if (!documents) {
        return documents.error();
    }
    json entries = json::array();
    for (const auto& document : *documents) {
        auto body = parse_body(document);
        if (!body) {
            return body.error();
        }
        entries.push_back(std::move(*body));
    }
    return ok(std::move(entries));
}

core::Result<json> pool_entries(store::Transaction& transaction) {
    auto members = transaction.list_all("member");
    if (!members) {
        return members.error();
    }
    std::map<std::string, json> members_by_pool;
    for (const auto& document : *members) {
        auto body = parse_body(document);
        if (!body) {
            return body.error();
        }
        auto& list = members_by_pool[document.parent_id.value_or("")];
        if (list.is_null()) {
            list = json::array();
        }
        list.push_back(std::move(*body));
    }
    auto pools = plain_entries(transaction, "pool");
    if (!pools) {
        return pools.error();
    }
    for (auto& pool : *pools) {
        pool.erase(kPoolListenerField);
        auto found = members_by_pool.find(pool["id"].get<std::string>());
        if (found != members_by_pool.end()) {
            pool["members"] = std::move(found->second);
        }
    }
    return ok(std::move(*pools));
}

}  // namespace

core::Result<json> stored_config_document(store::Transaction& transaction) {
    json document = json::object();
    auto certificates = certificate_entries(transaction);
    if (!certificates) {
        return certificates.error();
    }
    document["certificates"] = std::move(*certificates);
    auto loadbalancers = plain_entries(transaction, "loadbalancer");
    if (!loadbalancers) {
        return loadbalancers.error();
    }
    document["loadbalancers"] = std::move(*loadbalancers);
    auto pools = pool_entries(transaction);
    if (!pools) {
        return pools.error();
    }
    document["pools"] = std::move(*pools);
    auto listeners = plain_entries(transaction, "listener");
    if (!listeners) {
        return listeners.error();
    }
    document["listeners"] = std::move(*listeners);
    auto healthmonitors = plain_entries(transaction, "healthmonitor");
    if (!healthmonitors) {
        return healthmonitors.error();
    }
    document["healthmonitors"] = std::move(*healthmonitors);
    return ok(std::move(document));
}

core::Result<model::LoadResult> load_stored_config(store::Transaction& transaction) {
    auto document = stored_config_document(transaction);
    if (!document) {
        return document.error();
    }
    // File references are not stored, so the base directory is never used.
    return model::load_config_text(document->dump(), "/");
}

}  // namespace tollgate::control
