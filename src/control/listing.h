#pragma once

// List requests of the ELB v3 API: limit, marker, page_reverse, filters on any response
// field, and the page_info of the response.

#include "api/router.h"
#include "store/store.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <set>
#include <string>

namespace tollgate::control {

// Builds the filterable view of a stored document: the response object without fields that
// need other resources.
using ViewFunction = std::function<nlohmann::json(const store::Document&)>;

struct ListRequest {
    store::ListQuery query;
};

// Reads limit (0-2000), marker and page_reverse, and turns every other parameter into a
// filter on the view's fields: `name=a&name=b` keeps documents whose name is a or b, and
// different parameters must all match. Values compare with the field as text: `true`,
// `8443`, `null`, or the string itself. A parameter that names no field of `filterable`,
// or a field whose default in `view` is a list or an object, gets 400.
api::ApiResult<ListRequest> parse_list_request(const api::QueryParams& params, const ViewFunction& view,
                                               const std::set<std::string>& filterable);

// Returns {"previous_marker", "next_marker", "current_count"}: previous_marker is the first id
// of the page, next_marker the last one when a further page follows in the forward direction.
nlohmann::json page_info(const store::Page& page, const store::ListQuery& query);

// Returns the names of the top-level fields of `object`.
std::set<std::string> field_names(const nlohmann::json& object);

}  // namespace tollgate::control
