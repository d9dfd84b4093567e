#include "control/listing.h"

#include <fmt/format.h>

#include <charconv>
#include <map>
#include <vector>

namespace tollgate::control {
namespace {

using nlohmann::json;

const std::string& single_value(const std::vector<std::string>& values) {
    return values.back();
}

api::ApiResult<std::size_t> parse_limit(const std::string& text) {
    std::size_t limit = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (error != std::errc() || end != text.data() + text.size() || limit > store::kMaxListLimit) {
        return api::ApiError::invalid_request(fmt::format(
            "limit: invalid value \"{}\": use a whole number from 0 to {}", text, store::kMaxListLimit));
    }
    return api::ApiResult<std::size_t>(boost::system::in_place_value, limit);
}

// Renders a scalar field the way a query parameter writes it.
std::string field_text(const json& value) {
    return value.is_string() ? value.get<std::string>() : value.dump();
}

// Rejects a filter on a list or object field, because no query value matches one.
api::ApiResult<void> check_single_value(const ViewFunction& view, const std::string& name) {
    const json defaults = view(store::Document{});
    if (auto field = defaults.find(name); field != defaults.end() && field->is_structured()) {
        return api::ApiError::invalid_request(
            fmt::format("{}: cannot filter on {} field: use a field with a single value, such as id", name,
                        field->is_array() ? "a list" : "an object"));
    }
    return {};
}

}  // namespace

std::set<std::string> field_names(const json& object) {
    std::set<std::string> names;
    for (const auto& [name, value] : object.items()) {
        names.insert(name);
    }
    return names;
}

api::ApiResult<ListRequest> parse_list_request(const api::QueryParams& params, const ViewFunction& view,
                                               const std::set<std::string>& filterable) {
    ListRequest request;
    std::map<std::string, std::vector<std::string>> filters;
    for (const auto& [name, values] : params) {
        if (name == "limit") {
            auto limit = parse_limit(single_value(values));
            if (!limit) {
                return limit.error();
            }
            request.query.limit = *limit;
        } else if (name == "marker") {
            if (single_value(values).empty()) {
                return api::ApiError::invalid_request(
                    "marker: invalid value \"\": use the id of the last resource of the previous page");
            }
            request.query.marker = single_value(values);
        } else if (name == "page_reverse") {
            const std::string& value = single_value(values);
            if (value != "true" && value != "false") {
                return api::ApiError::invalid_request(
                    fmt::format("page_reverse: invalid value \"{}\": use true or false", value));
            }
            request.query.page_reverse = value == "true";
        } else if (filterable.contains(name)) {
            if (auto structured = check_single_value(view, name); !structured) {
                return structured.error();
            }
            filters[name] = values;
        } else {
            return api::ApiError::invalid_request(fmt::format(
                "{}: unknown query parameter: use limit, marker, page_reverse or a field of the response",
                name));
        }
    }
    if (!filters.empty()) {
        request.query.filter = [view, filters = std::move(filters)](const store::Document& document) {
            const json object = view(document);
            for (const auto& [name, values] : filters) {
                auto field = object.find(name);
                if (field == object.end() || field->is_structured()) {
                    return false;
                }
                const std::string text = field_text(*field);
                bool any = false;
                for (const auto& value : values) {
                    any = any || value == text;
                }
                if (!any) {
                    return false;
                }
            }
            return true;
        };
    }
    return request;
}

json page_info(const store::Page& page, const store::ListQuery& query) {
    json info{{"current_count", page.documents.size()}};
    if (!page.documents.empty()) {
        info["previous_marker"] = page.documents.front().id;
        const bool more_forward = query.page_reverse ? query.marker.has_value() : page.has_more;
        if (more_forward) {
            info["next_marker"] = page.documents.back().id;
        }
    }
    return info;
}

}  // namespace tollgate::control
