#include "control/crud.h"

#include <fmt/format.h>

#include <memory>

namespace tollgate::control {
namespace {

using nlohmann::json;

std::string default_label(const ResourceKind& kind, const store::Document& document) {
    return fmt::format("{}[{}]", kind.collection, document.id);
}

class CrudRoutes {
public:
    CrudRoutes(ControlPlane& plane, CrudSpec spec) : plane_(plane), spec_(std::move(spec)) {
        filterable_ = field_names(spec_.view(store::Document{}));
    }

    bool has_parent() const { return !spec_.parent_param.empty(); }

    api::ApiResult<api::ApiResponse> create(const api::ApiRequest& request) {
        auto object = request_object(request, true);
        if (!object) {
            return object.error();
        }
        return plane_.change(
            [&](store::Transaction& transaction, ChangeTarget& target) -> api::ApiResult<api::ApiResponse> {
                const std::string& project = request.params.at("project_id");
                store::Document document{
                    .kind = std::string(spec_.kind->kind), .project_id = project, .id = new_id(*spec_.kind)};
                auto parent = check_parent(transaction, request, document);
                if (!parent) {
                    return parent.error();
                }
                target = make_target(document);
                target.summary =
                    fmt::format("created {} id={} project={}", spec_.kind->kind, document.id, project);
                json body = *object;
                return write(transaction, document, body, nullptr, 201,
                             [&](store::Document& saved) -> api::ApiResult<void> {
                                 if (spec_.after_create) {
                                     return spec_.after_create(transaction, saved, *object);
                                 }
                                 return {};
                             });
            });
    }

    api::ApiResult<api::ApiResponse> update(const api::ApiRequest& request) {
        auto object = request_object(request, false);
        if (!object) {
            return object.error();
        }
        return plane_.change(
            [&](store::Transaction& transaction, ChangeTarget& target) -> api::ApiResult<api::ApiResponse> {
                auto stored = find(transaction, request);
                if (!stored) {
                    return stored.error();
                }
                if (auto immutable = check_immutable(*spec_.kind, spec_.view(stored->document), *object);
                    !immutable) {
                    return immutable.error();
                }
                target = make_target(stored->document);
                target.summary = fmt::format("updated {} id={} project={}", spec_.kind->kind,
                                             stored->document.id, stored->document.project_id);
                json body = merge_update(stored->body, *object);
                return write(transaction, stored->document, body, &stored->body, 200, nullptr);
            });
    }

    api::ApiResult<api::ApiResponse> remove(const api::ApiRequest& request) {
        return plane_.change(
            [&](store::Transaction& transaction, ChangeTarget& target) -> api::ApiResult<api::ApiResponse> {
                auto stored = find(transaction, request);
                if (!stored) {
                    return stored.error();
                }
                target = make_target(stored->document);
                const auto& document = stored->document;
                if (auto unused = check_unused(transaction, *spec_.kind, document.project_id, document.id);
                    !unused) {
                    return unused.error();
                }
                if (spec_.before_delete) {
                    if (auto allowed = spec_.before_delete(transaction, *stored); !allowed) {
                        return allowed.error();
                    }
                }
                if (auto removed = transaction.remove(spec_.kind->kind, document.project_id, document.id);
                    !removed) {
                    return store_error(removed.error());
                }
                target.summary = fmt::format("deleted {} id={} project={}", spec_.kind->kind, document.id,
                                             document.project_id);
                return api::ApiResponse{204, json::object()};
            });
    }

    api::ApiResult<api::ApiResponse> show(const api::ApiRequest& request) {
        return plane_.read([&](store::Transaction& transaction) -> api::ApiResult<api::ApiResponse> {
            auto stored = find(transaction, request);
            if (!stored) {
                return stored.error();
            }
            auto view = full_view(transaction, stored->document);
            if (!view) {
                return view.error();
            }
            return api::ApiResponse{200, json{{std::string(spec_.kind->kind), std::move(*view)}}};
        });
    }

    api::ApiResult<api::ApiResponse> list(const api::ApiRequest& request, bool scoped_to_parent) {
        auto parsed = parse_list_request(request.query, spec_.view, filterable_);
        if (!parsed) {
            return parsed.error();
        }
        return plane_.read([&](store::Transaction& transaction) -> api::ApiResult<api::ApiResponse> {
            const std::string& project = request.params.at("project_id");
            store::ListQuery& query = parsed->query;
            if (scoped_to_parent) {
                auto parent = load_resource(transaction, *spec_.parent_kind, project,
                                            request.params.at(spec_.parent_param));
                if (!parent) {
                    return parent.error();
                }
                query.parent_id = request.params.at(spec_.parent_param);
            }
            if (auto marker = check_marker(transaction, project, query); !marker) {
                return marker.error();
            }
            auto page = transaction.list(spec_.kind->kind, project, query);
            if (!page) {
                return store_error(page.error());
            }
            json items = json::array();
            for (const auto& document : page->documents) {
                auto view = full_view(transaction, document);
                if (!view) {
                    return view.error();
                }
                items.push_back(std::move(*view));
            }
            return api::ApiResponse{200, json{{std::string(spec_.kind->collection), std::move(items)},
                                              {"page_info", page_info(*page, query)}}};
        });
    }

private:
    api::ApiResult<json> request_object(const api::ApiRequest& request, bool creating) {
        auto object = resource_object(request, *spec_.kind, creating);
        if (object && spec_.normalize) {
            spec_.normalize(*object);
        }
        return object;
    }

    // The store also rejects an unknown marker, but names neither the parameter nor the fix.
    // A marker of another parent's child would page by position in the whole collection.
    api::ApiResult<void> check_marker(store::Transaction& transaction, const std::string& project,
                                      const store::ListQuery& query) {
        if (!query.marker) {
            return {};
        }
        auto document = transaction.get(spec_.kind->kind, project, *query.marker);
        if (!document) {
            return store_error(document.error());
        }
        if (!*document || (query.parent_id && (*document)->parent_id != query.parent_id)) {
            return api::ApiError::invalid_request(fmt::format(
                "marker: invalid value \"{}\": use the id of a {} in this list, such as next_marker of "
                "the previous page",
                *query.marker, spec_.kind->noun));
        }
        return {};
    }

    ChangeTarget make_target(const store::Document& document) const {
        return {spec_.label ? spec_.label(document) : default_label(*spec_.kind, document),
                std::string(spec_.kind->kind)};
    }

    api::ApiResult<void> check_parent(store::Transaction& transaction, const api::ApiRequest& request,
                                      store::Document& document) {
        if (spec_.parent_param.empty()) {
            return {};
        }
        const std::string& parent_id = request.params.at(spec_.parent_param);
        auto parent = load_resource(transaction, *spec_.parent_kind, document.project_id, parent_id);
        if (!parent) {
            return parent.error();
        }
        document.parent_id = parent_id;
        return {};
    }

    api::ApiResult<StoredResource> find(store::Transaction& transaction, const api::ApiRequest& request) {
        const std::string& project = request.params.at("project_id");
        auto stored = load_resource(transaction, *spec_.kind, project, request.params.at(spec_.id_param));
        if (!stored) {
            return stored.error();
        }
        if (!spec_.parent_param.empty() &&
            stored->document.parent_id != request.params.at(spec_.parent_param)) {
            return api::ApiError::not_found(spec_.kind->noun, request.params.at(spec_.id_param));
        }
        return stored;
    }

    api::ApiResult<api::ApiResponse> write(
        store::Transaction& transaction, store::Document document, json& body, const json* stored, int status,
        const std::function<api::ApiResult<void>(store::Document&)>& after) {
        if (spec_.prepare) {
            if (auto prepared = spec_.prepare(transaction, document, body, stored); !prepared) {
                return prepared.error();
            }
        }
        auto references = resolve_references(transaction, *spec_.kind, document.project_id, body);
        if (!references) {
            return references.error();
        }
        if (document.parent_id) {
            references->push_back(
                {spec_.parent_param, std::string(spec_.parent_kind->kind), *document.parent_id});
        }
        document.name = body_name(body);
        document.body = body.dump();
        auto saved =
            stored ? transaction.update(document, *references) : transaction.insert(document, *references);
        if (!saved) {
            return store_error(saved.error());
        }
        if (after) {
            if (auto done = after(*saved); !done) {
                return done.error();
            }
        }
        auto view = full_view(transaction, *saved);
        if (!view) {
            return view.error();
        }
        return api::ApiResponse{status, json{{std::string(spec_.kind->kind), std::move(*view)}}};
    }

    api::ApiResult<json> full_view(store::Transaction& transaction, const store::Document& document) {
        json view = spec_.view(document);
        if (spec_.relations) {
            if (auto added = spec_.relations(transaction, document, view); !added) {
                return added.error();
            }
        }
        return api::ApiResult<json>(boost::system::in_place_value, std::move(view));
    }

    ControlPlane& plane_;
    CrudSpec spec_;
    std::set<std::string> filterable_;
};

}  // namespace

void add_crud_routes(api::Router& router, ControlPlane& plane, CrudSpec spec) {
    const std::string collection = spec.collection_path;
    const std::string flat_list_path = spec.flat_list_path;
    const std::string item = collection + "/{" + spec.id_param + "}";
    auto routes = std::make_shared<CrudRoutes>(plane, std::move(spec));
    const bool scoped = routes->has_parent();
    router.add("POST", collection,
               [routes](const api::ApiRequest& request) { return routes->create(request); });
    router.add("GET", collection,
               [routes, scoped](const api::ApiRequest& request) { return routes->list(request, scoped); });
    if (!flat_list_path.empty()) {
        router.add("GET", flat_list_path,
                   [routes](const api::ApiRequest& request) { return routes->list(request, false); });
    }
    router.add("GET", item, [routes](const api::ApiRequest& request) { return routes->show(request); });
    router.add("PUT", item, [routes](const api::ApiRequest& request) { return routes->update(request); });
    router.add("DELETE", item, [routes](const api::ApiRequest& request) { return routes->remove(request); });
}

json standard_view(const store::Document& document, const json& defaults) {
    json view = defaults;
    view["id"] = document.id;
    view["project_id"] = document.project_id;
    view["name"] = "";
    json body = json::parse(document.body, nullptr, false);
    if (body.is_object()) {
        for (const auto& [field, value] : body.items()) {
            view[field] = value;
        }
    }
    view["created_at"] = document.created_at;
    view["updated_at"] = document.updated_at;
    return view;
}

json with_status_defaults(json defaults) {
    defaults.update(json{
        {"admin_state_up", true},
        {"provisioning_status", "ACTIVE"},
        {"operating_status", "ONLINE"},
        {"protection_status", "nonProtection"},
        {"protection_reason", ""},
        {"enterprise_project_id", "0"},
    });
    return defaults;
}

json id_list(const std::vector<std::string>& ids) {
    json list = json::array();
    for (const auto& id : ids) {
        if (!id.empty()) {
            list.push_back({{"id", id}});
        }
    }
    return list;
}

api::ApiResult<std::vector<std::string>> referrer_ids(store::Transaction& transaction,
                                                      std::string_view ref_kind, std::string_view project_id,
                                                      std::string_view ref_id, std::string_view kind,
                                                      std::string_view field) {
    auto referrers = transaction.referrers(ref_kind, project_id, ref_id);
    if (!referrers) {
        return store_error(referrers.error());
    }
    std::vector<std::string> ids;
    for (const auto& reference : *referrers) {
        if (reference.kind == kind && reference.field == field) {
            ids.push_back(reference.id);
        }
    }
    return ids;
}

}  // namespace tollgate::control
