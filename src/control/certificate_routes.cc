// The certificates of the ELB v3 API. Uploads pass the same check as certificates of a
// configuration file. The private key is stored only as a sealed secret and never returned.

#include "control/certificate_fields.h"
#include "control/control_plane.h"
#include "control/listing.h"
#include "control/request_body.h"
#include "control/resource_kind.h"
#include "control/routes.h"

#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace tollgate::control {
namespace {

using nlohmann::json;

constexpr const char* kPrivateKeyField = "private_key";

std::string collection_path() {
    return std::string(kApiPrefix) + "/certificates";
}

ChangeTarget certificate_target(const std::string& id) {
    return {fmt::format("certificates[{}]", id), "certificate"};
}

// Returns the object of a response: the view with warnings that are current now.
json response_view(const store::Document& document) {
    json view = certificate_view(document);
    add_certificate_warnings(view, std::chrono::system_clock::now());
    return view;
}

api::ApiResult<api::ApiResponse> single_response(int status, const store::Document& document) {
    return api::ApiResponse{status, json{{"certificate", response_view(document)}}};
}

api::ApiResult<void> store_key(store::Transaction& transaction, const store::Document& document,
                               const store::SecretString& key) {
    if (auto stored = transaction.put_secret("certificate", document.project_id, document.id,
                                             kPrivateKeyField, key.view());
        !stored) {
        return store_error(stored.error());
    }
    return {};
}

// Returns the text of a string field of `object`, or "" when it is absent.
std::string text_field(const json& object, const char* field) {
    auto value = object.find(field);
    return value != object.end() && value->is_string() ? value->get<std::string>() : std::string();
}

// Returns the response fields with a single value, which list requests can filter on.
std::set<std::string> filterable_fields() {
    const json view = certificate_view(store::Document{});
    std::set<std::string> names;
    for (const auto& [name, value] : view.items()) {
        if (!value.is_structured()) {
            names.insert(name);
        }
    }
    return names;
}

class CertificateRoutes {
public:
    explicit CertificateRoutes(ControlPlane& plane) : plane_(plane), filterable_(filterable_fields()) {}

    api::ApiResult<api::ApiResponse> create(const api::ApiRequest& request) {
        auto object = resource_object(request, certificate_kind(), true);
        if (!object) {
            return object.error();
        }
        if (auto fields = check_certificate_fields(*object); !fields) {
            return fields.error();
        }
        json body = *object;
        body.erase(kPrivateKeyField);
        body["type"] = body.value("type", "server");
        std::string key = text_field(*object, kPrivateKeyField);
        auto upload = check_upload(text_field(body, "type"), text_field(*object, "certificate"), key,
                                   KeySource::Request);
        if (!upload) {
            return upload.error();
        }
        body.update(upload->content);

        return plane_.change(
            [&](store::Transaction& transaction, ChangeTarget& target) -> api::ApiResult<api::ApiResponse> {
                const std::string& project = request.params.at("project_id");
                store::Document document{.kind = "certificate",
                                         .project_id = project,
                                         .id = new_id(certificate_kind()),
                                         .name = body_name(body),
                                         .body = body.dump()};
                target = certificate_target(document.id);
                target.summary =
                    fmt::format("created certificate id={} project={} type={} fingerprint={}", document.id,
                                project, text_field(body, "type"), text_field(body, "fingerprint"));
                auto saved = transaction.insert(document, {});
                if (!saved) {
                    return store_error(saved.error());
                }
                if (body["type"] == "server") {
                    if (auto stored = store_key(transaction, *saved, upload->private_key); !stored) {
                        return stored.error();
                    }
                }
                return single_response(201, *saved);
            });
    }

    api::ApiResult<api::ApiResponse> update(const api::ApiRequest& request) {
        auto object = resource_object(request, certificate_kind(), false);
        if (!object) {
            return object.error();
        }
        // A client that sends back the object it read sends the mask, which changes nothing.
        if (object->value(kPrivateKeyField, json()) == kMaskedPrivateKey) {
            object->erase(kPrivateKeyField);
        }
        if (auto fields = check_certificate_fields(*object); !fields) {
            return fields.error();
        }
        return plane_.change([&](store::Transaction& transaction,
                                 ChangeTarget& target) -> api::ApiResult<api::ApiResponse> {
            auto stored = load_resource(transaction, certificate_kind(), request.params.at("project_id"),
                                        request.params.at("certificate_id"));
            if (!stored) {
                return stored.error();
            }
            const json current = certificate_view(stored->document);
            if (auto immutable = check_immutable(certificate_kind(), current, *object); !immutable) {
                return immutable.error();
            }
            store::Document document = stored->document;
            target = certificate_target(document.id);
            json body = merge_update(stored->body, *object);
            body.erase(kPrivateKeyField);
            if (object->contains("certificate") || object->contains(kPrivateKeyField)) {
                if (auto replaced = replace_content(transaction, document, *object, body); !replaced) {
                    return replaced.error();
                }
            }
            target.summary = fmt::format("updated certificate id={} project={} fingerprint={}", document.id,
                                         document.project_id, text_field(body, "fingerprint"));
            document.name = body_name(body);
            document.body = body.dump();
            auto saved = transaction.update(document, {});
            if (!saved) {
                return store_error(saved.error());
            }
            return single_response(200, *saved);
        });
    }

    api::ApiResult<api::ApiResponse> show(const api::ApiRequest& request) {
        return plane_.read([&](store::Transaction& transaction) -> api::ApiResult<api::ApiResponse> {
            auto stored = load_resource(transaction, certificate_kind(), request.params.at("project_id"),
                                        request.params.at("certificate_id"));
            if (!stored) {
                return stored.error();
            }
            return single_response(200, stored->document);
        });
    }

    api::ApiResult<api::ApiResponse> list(const api::ApiRequest& request) {
        auto parsed = parse_list_request(request.query, certificate_view, filterable_);
        if (!parsed) {
            return parsed.error();
        }
        return plane_.read([&](store::Transaction& transaction) -> api::ApiResult<api::ApiResponse> {
            auto page = transaction.list("certificate", request.params.at("project_id"), parsed->query);
            if (!page) {
                return store_error(page.error());
            }
            json items = json::array();
            for (const auto& document : page->documents) {
                items.push_back(response_view(document));
            }
            return api::ApiResponse{200, json{{"certificates", std::move(items)},
                                              {"page_info", page_info(*page, parsed->query)}}};
        });
    }

    api::ApiResult<api::ApiResponse> remove(const api::ApiRequest& request) {
        return plane_.change(
            [&](store::Transaction& transaction, ChangeTarget& target) -> api::ApiResult<api::ApiResponse> {
                const std::string& project = request.params.at("project_id");
                const std::string& id = request.params.at("certificate_id");
                auto stored = load_resource(transaction, certificate_kind(), project, id);
                if (!stored) {
                    return stored.error();
                }
                target = certificate_target(id);
                target.summary = fmt::format("deleted certificate id={} project={}", id, project);
                if (auto unused = check_unused(transaction, certificate_kind(), project, id); !unused) {
                    return unused.error();
                }
                if (auto removed = transaction.remove("certificate", project, id); !removed) {
                    return store_error(removed.error());
                }
                return api::ApiResponse{204, json::object()};
            });
    }

    // Deletes every listed certificate that exists and is unused, in one change, and reports
    // each id: "successful", "not found" (ELB.8904), or the in-use message (ELB.8907).
    api::ApiResult<api::ApiResponse> batch_delete(const api::ApiRequest& request) {
        auto ids = batch_ids(request.body);
        if (!ids) {
            return ids.error();
        }
        return plane_.change(
            [&](store::Transaction& transaction, ChangeTarget& target) -> api::ApiResult<api::ApiResponse> {
                const std::string& project = request.params.at("project_id");
                json results = json::array();
                std::vector<std::string> deleted;
                for (const std::string& id : *ids) {
                    auto result = delete_one(transaction, project, id);
                    if (!result) {
                        return result.error();
                    }
                    if ((*result)["ret_status"] == "successful") {
                        deleted.push_back(id);
                    }
                    results.push_back(std::move(*result));
                }
                target.api_key = "certificate";
                target.summary =
                    fmt::format("deleted certificates ids=[{}] project={}", fmt::join(deleted, ","), project);
                return api::ApiResponse{200, json{{"certificates", std::move(results)}}};
            });
    }

private:
    // Checks the new certificate or key against the other half, which may be the stored one,
    // and puts the new content into `body` and a new key into the store.
    api::ApiResult<void> replace_content(store::Transaction& transaction, const store::Document& document,
                                         const json& object, json& body) {
        const std::string type = text_field(body, "type");
        const bool key_sent = object.contains(kPrivateKeyField) && !object[kPrivateKeyField].is_null();
        if (type == "server" && object.contains(kPrivateKeyField) && !key_sent) {
            return api::ApiError::invalid_request(
                "certificate.private_key: cannot be removed from a server certificate: send a new private "
                "key "
                "instead");
        }
        std::string key;
        if (key_sent) {
            key = object[kPrivateKeyField].get<std::string>();
        } else if (type == "server") {
            auto stored_key =
                transaction.get_secret("certificate", document.project_id, document.id, kPrivateKeyField);
            if (!stored_key) {
                return store_error(stored_key.error());
            }
            key = std::string(stored_key->view());
        }
        auto upload = check_upload(type, text_field(body, "certificate"), key,
                                   key_sent ? KeySource::Request : KeySource::Store);
        if (!upload) {
            return upload.error();
        }
        body.update(upload->content);
        if (key_sent && type == "server") {
            return store_key(transaction, document, upload->private_key);
        }
        return {};
    }

    static api::ApiResult<std::vector<std::string>> batch_ids(const json& body) {
        const auto invalid = [] {
            return api::ApiError::invalid_request(
                "certificates: missing or invalid: send {\"certificates\": [\"<certificate id>\", ...]}");
        };
        if (!body.is_object() || body.size() != 1 || !body.contains("certificates") ||
            !body["certificates"].is_array()) {
            return invalid();
        }
        std::vector<std::string> ids;
        for (const json& id : body["certificates"]) {
            if (!id.is_string()) {
                return invalid();
            }
            ids.push_back(id.get<std::string>());
        }
        return ids;
    }

    static api::ApiResult<json> delete_one(store::Transaction& transaction, const std::string& project,
                                           const std::string& id) {
        auto found = transaction.get("certificate", project, id);
        if (!found) {
            return store_error(found.error());
        }
        if (!*found) {
            return ok(json{{"id", id}, {"ret_status", "not found"}, {"ret_code", "ELB.8904"}});
        }
        if (auto unused = check_unused(transaction, certificate_kind(), project, id); !unused) {
            if (unused.error().status != 409) {
                return unused.error();
            }
            return ok(
                json{{"id", id}, {"ret_status", unused.error().message}, {"ret_code", unused.error().code}});
        }
        if (auto removed = transaction.remove("certificate", project, id); !removed) {
            return store_error(removed.error());
        }
        return ok(json{{"id", id}, {"ret_status", "successful"}});
    }

    // A json converts to almost anything, so a result holding one is built explicitly.
    static api::ApiResult<json> ok(json value) {
        return api::ApiResult<json>(boost::system::in_place_value, std::move(value));
    }

    ControlPlane& plane_;
    std::set<std::string> filterable_;
};

// tollgate never returns private keys, so the project switch that would show them stays off.
api::ApiResult<api::ApiResponse> show_private_key_echo(const api::ApiRequest&) {
    return api::ApiResponse{200, json{{"private_key_echo", false}}};
}

api::ApiResult<api::ApiResponse> set_private_key_echo(const api::ApiRequest& request) {
    const json& body = request.body;
    if (!body.is_object() || body.size() != 1 || !body.contains("private_key_echo") ||
        !body["private_key_echo"].is_boolean()) {
        return api::ApiError::invalid_request(
            "private_key_echo: missing or invalid: send {\"private_key_echo\": false}");
    }
    if (body["private_key_echo"] == true) {
        return api::ApiError::invalid_request(
            "private_key_echo: invalid value true: tollgate never returns private keys, so responses always "
            "show private_key as \"******\". Keep a copy of each key where it was generated.");
    }
    return api::ApiResponse{200, json{{"private_key_echo", false}}};
}

}  // namespace

void add_certificate_routes(api::Router& router, ControlPlane& plane) {
    const std::string collection = collection_path();
    const std::string item = collection + "/{certificate_id}";
    auto routes = std::make_shared<CertificateRoutes>(plane);
    router.add("POST", collection,
               [routes](const api::ApiRequest& request) { return routes->create(request); });
    router.add("GET", collection, [routes](const api::ApiRequest& request) { return routes->list(request); });
    router.add("GET", item, [routes](const api::ApiRequest& request) { return routes->show(request); });
    router.add("PUT", item, [routes](const api::ApiRequest& request) { return routes->update(request); });
    router.add("DELETE", item, [routes](const api::ApiRequest& request) { return routes->remove(request); });
    router.add("POST", collection + "/batch-delete",
               [routes](const api::ApiRequest& request) { return routes->batch_delete(request); });
    router.add("GET", collection + "/settings/private-key-echo", show_private_key_echo);
    router.add("POST", collection + "/settings/private-key-echo", set_private_key_echo);
}

}  // namespace tollgate::control
