#include "client/api_client.h"

#include <set>

namespace tollgate::client {
namespace {

// Part of a body that is not an ELB error body, shown in the error message.
constexpr std::size_t kBodyExcerptChars = 200;

core::ErrorKind kind_for_status(int status) {
    switch (status) {
        case 400:
        case 401:
        case 403:
        case 413:
            return core::ErrorKind::InvalidInput;
        case 404:
            return core::ErrorKind::NotFound;
        case 409:
            return core::ErrorKind::Conflict;
        default:
            return core::ErrorKind::Internal;
    }
}

std::string excerpt(const std::string& body) {
    std::string text = body.substr(0, kBodyExcerptChars);
    for (char& c : text) {
        if (static_cast<unsigned char>(c) < 0x20) {
            c = ' ';
        }
    }
    return body.size() > kBodyExcerptChars ? text + "..." : text;
}

core::Error unexpected_response(const std::string& what) {
    return core::Error::internal("unexpected response from the API: " + what);
}

void collect_warnings(const Json& holder, std::vector<std::string>& warnings) {
    auto found = holder.find("warnings");
    if (found == holder.end() || !found->is_array()) {
        return;
    }
    for (const Json& warning : *found) {
        warnings.push_back(warning.is_string() ? warning.get<std::string>() : warning.dump());
    }
}

}  // namespace

core::Error api_error(const HttpResponse& response) {
    core::Error error{kind_for_status(response.status), core::Side::Internal, "", false};
    std::string status = "HTTP " + std::to_string(response.status);
    Json body = Json::parse(response.body, nullptr, false);
    if (body.is_object() && body.contains("error_msg") && body["error_msg"].is_string()) {
        std::string details;
        if (auto code = body.find("error_code"); code != body.end() && code->is_string()) {
            details = code->get<std::string>() + ", ";
        }
        details += status;
        std::string request_id = response.request_id;
        if (auto id = body.find("request_id"); id != body.end() && id->is_string()) {
            request_id = id->get<std::string>();
        }
        if (!request_id.empty()) {
            details += ", request id " + request_id;
        }
        error.message = body["error_msg"].get<std::string>() + " (" + details + ")";
    } else {
        error.message = "the API returned " + status;
        if (!response.body.empty()) {
            error.message += ": " + excerpt(response.body);
        }
    }
    if (response.status == 401) {
        error.message += "; the token does not match the admin-token file of the running server";
    }
    return error;
}

std::string text_field(const Json& object, std::string_view key) {
    if (!object.is_object()) {
        return "";
    }
    auto found = object.find(key);
    return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

long long integer_field(const Json& object, std::string_view key, long long fallback) {
    if (!object.is_object()) {
        return fallback;
    }
    auto found = object.find(key);
    return found != object.end() && found->is_number_integer() ? found->get<long long>() : fallback;
}

std::string encode_path_segment(std::string_view segment) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : segment) {
        auto byte = static_cast<unsigned char>(c);
        bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                          c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
            out += c;
        } else {
            out += '%';
            out += kHex[byte >> 4];
            out += kHex[byte & 0xf];
        }
    }
    return out;
}

ApiClient::ApiClient(Transport& transport, std::string project)
    : transport_(transport), project_(std::move(project)) {}

std::string ApiClient::collection_path(Kind kind, std::string_view pool_id) const {
    std::string path = "/v3/" + encode_path_segment(project_) + "/elb/";
    if (info(kind).in_pool) {
        path += "pools/" + encode_path_segment(pool_id) + "/";
    }
    return path + std::string(info(kind).plural);
}

core::Result<Json> ApiClient::call(const std::string& method, const std::string& target, const Json* body) {
    HttpRequest request{method, target, body ? body->dump() : std::string()};
    auto response = transport_.send(request);
    if (!response) {
        return response.error();
    }
    if (response->status < 200 || response->status > 299) {
        return api_error(*response);
    }
    if (response->status == 204 || response->body.empty()) {
        return json_result(Json());
    }
    Json parsed = Json::parse(response->body, nullptr, false);
    if (parsed.is_discarded()) {
        return unexpected_response("invalid JSON in the answer to " + method + " " + target + ": " +
                                   excerpt(response->body));
    }
    return json_result(std::move(parsed));
}

core::Result<std::vector<Json>> ApiClient::list(Kind kind, std::string_view pool_id) {
    std::string base = collection_path(kind, pool_id) + "?limit=" + std::to_string(kPageSize);
    std::string key(info(kind).plural);
    std::vector<Json> items;
    std::set<std::string> markers_seen;
    std::string marker;
    while (true) {
        std::string target = marker.empty() ? base : base + "&marker=" + encode_path_segment(marker);
        auto body = call("GET", target, nullptr);
        if (!body) {
            return body.error();
        }
        auto page = body->find(key);
        if (!body->is_object() || page == body->end() || !page->is_array()) {
            return unexpected_response("no \"" + key + "\" list in the answer to GET " + target);
        }
        for (Json& item : *page) {
            items.push_back(std::move(item));
        }
        // A short page is the last one. A full page may be followed by another, which
        // starts after page_info.next_marker, or after the last id when that is missing.
        if (page->size() < static_cast<std::size_t>(kPageSize)) {
            return items;
        }
        std::string next;
        if (auto page_info = body->find("page_info"); page_info != body->end() && page_info->is_object()) {
            next = text_field(*page_info, "next_marker");
        }
        if (next.empty()) {
            next = text_field(items.back(), "id");
        }
        // A marker seen before would repeat the same page forever.
        if (next.empty() || !markers_seen.insert(next).second) {
            return items;
        }
        marker = next;
    }
}

core::Result<Json> ApiClient::get(Kind kind, std::string_view id, std::string_view pool_id) {
    std::string target = collection_path(kind, pool_id) + "/" + encode_path_segment(id);
    auto body = call("GET", target, nullptr);
    if (!body) {
        return body.error();
    }
    std::string key(info(kind).singular);
    auto object = body->find(key);
    if (!body->is_object() || object == body->end() || !object->is_object()) {
        return unexpected_response("no \"" + key + "\" object in the answer to GET " + target);
    }
    return json_result(std::move(*object));
}

core::Result<Saved> ApiClient::save(Kind kind, const std::string& method, const std::string& target,
                                    const Json& fields) {
    std::string key(info(kind).singular);
    Json envelope = Json::object();
    envelope[key] = fields;
    auto body = call(method, target, &envelope);
    if (!body) {
        return body.error();
    }
    auto object = body->find(key);
    if (!body->is_object() || object == body->end() || !object->is_object()) {
        return unexpected_response("no \"" + key + "\" object in the answer to " + method + " " + target);
    }
    Saved saved;
    collect_warnings(*body, saved.warnings);
    collect_warnings(*object, saved.warnings);
    saved.object = std::move(*object);
    return saved;
}

core::Result<Saved> ApiClient::create(Kind kind, const Json& fields, std::string_view pool_id) {
    return save(kind, "POST", collection_path(kind, pool_id), fields);
}

core::Result<Saved> ApiClient::update(Kind kind, std::string_view id, const Json& fields,
                                      std::string_view pool_id) {
    return save(kind, "PUT", collection_path(kind, pool_id) + "/" + encode_path_segment(id), fields);
}

core::Result<void> ApiClient::remove(Kind kind, std::string_view id, std::string_view pool_id) {
    auto body = call("DELETE", collection_path(kind, pool_id) + "/" + encode_path_segment(id), nullptr);
    if (!body) {
        return body.error();
    }
    return {};
}

}  // namespace tollgate::client
