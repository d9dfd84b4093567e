#pragma once

// Calls of the ELB v3 REST API: paths, envelopes, pagination and error bodies.

#include "client/resource_kind.h"
#include "client/transport.h"
#include "core/error.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace tollgate::client {

// Objects keep the order of their keys as the API sent them, so output follows it.
using Json = nlohmann::ordered_json;

// Wraps a value in a Result. Json converts implicitly to any type, which makes the implicit
// constructors of Result ambiguous.
inline core::Result<Json> json_result(Json value) {
    return core::Result<Json>(boost::system::in_place_value, std::move(value));
}

// A resource as the API returned it after a create or update, with the `warnings` that the
// API attached (certificate uploads report weaknesses there).
struct Saved {
    Json object;
    std::vector<std::string> warnings;
};

// Formats a response with an error status as `<error_msg> (<error_code>, HTTP <status>,
// request id <id>)`, or with the start of the body when it is not an ELB error body. The
// error kind follows the status: 400 InvalidInput, 404 NotFound, 409 Conflict.
core::Error api_error(const HttpResponse& response);

class ApiClient {
public:
    // Number of objects asked for per list page; the API's maximum.
    static constexpr int kPageSize = 2000;

    // `transport` must outlive the client. `project` must satisfy is_valid_project().
    ApiClient(Transport& transport, std::string project);

    // Lists every object of `kind`, following the pages. Members need the id of their pool.
    core::Result<std::vector<Json>> list(Kind kind, std::string_view pool_id = {});
    core::Result<Json> get(Kind kind, std::string_view id, std::string_view pool_id = {});
    core::Result<Saved> create(Kind kind, const Json& fields, std::string_view pool_id = {});
    core::Result<Saved> update(Kind kind, std::string_view id, const Json& fields,
                               std::string_view pool_id = {});
    core::Result<void> remove(Kind kind, std::string_view id, std::string_view pool_id = {});

    const std::string& project() const { return project_; }

private:
    std::string collection_path(Kind kind, std::string_view pool_id) const;
    core::Result<Json> call(const std::string& method, const std::string& target, const Json* body);
    core::Result<Saved> save(Kind kind, const std::string& method, const std::string& target,
                             const Json& fields);

    Transport& transport_;
    std::string project_;
};

// Returns object[key] when `object` is an object and the value a string, else "".
std::string text_field(const Json& object, std::string_view key);

// Returns object[key] when it is an integer, else `fallback`.
long long integer_field(const Json& object, std::string_view key, long long fallback = 0);

// Percent-encodes a path segment: everything but letters, digits and "-._~".
std::string encode_path_segment(std::string_view segment);

}  // namespace tollgate::client
