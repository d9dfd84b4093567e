#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace tollgate::api {

// An ELB v3 error: the HTTP status and the body fields `error_code` and `error_msg`.
struct ApiError {
    int status = 500;
    std::string code;
    std::string message;

    // 400 ELB.8902. The message names the field, the value and what a valid value is.
    static ApiError invalid_input(std::string_view field, std::string_view value, std::string_view fix);
    // 400 ELB.8902 with a message the caller composed, for input that is not one field.
    static ApiError invalid_request(std::string message);
    // 400 ELB.0002.
    static ApiError empty_body();
    // 401 ELB.1103 for a missing or wrong X-Auth-Token.
    static ApiError unauthorized();
    // 404 ELB.8904: "<resource> <id> could not be found".
    static ApiError not_found(std::string_view resource, std::string_view id);
    // 404 ELB.8904 for a path that no route matches.
    static ApiError unknown_path(std::string_view path);
    // 405 ELB.8902 for a known path requested with a method it does not support.
    static ApiError method_not_allowed(std::string_view method, std::string_view path);
    // 409 ELB.8907.
    static ApiError conflict(std::string message);
    // 413 ELB.8902 for a request body above the limit.
    static ApiError body_too_large(std::size_t limit);
    // 500 ELB.8906. The message reaches the client, so it must not contain secrets.
    static ApiError internal(std::string message);
};

// Returns the ELB error body: {"error_msg", "error_code", "request_id"}.
nlohmann::json error_body(const ApiError& error, std::string_view request_id);

// Returns a new request id: 16 bytes from RAND_bytes as 32 lowercase hex characters.
std::string new_request_id();

// Returns `bytes` as lowercase hex.
std::string hex_encode(std::string_view bytes);

}  // namespace tollgate::api
