#include "api/errors.h"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace tollgate::api {

ApiError ApiError::invalid_input(std::string_view field, std::string_view value, std::string_view fix) {
    return {400, "ELB.8902", fmt::format("Invalid input for '{}': '{}'. {}", field, value, fix)};
}

ApiError ApiError::invalid_request(std::string message) {
    return {400, "ELB.8902", std::move(message)};
}

ApiError ApiError::empty_body() {
    return {400, "ELB.0002", "The request body is empty. Send a JSON object."};
}

ApiError ApiError::unauthorized() {
    return {401, "ELB.1103", "The X-Auth-Token header is missing or invalid. Send the admin token."};
}

ApiError ApiError::not_found(std::string_view resource, std::string_view id) {
    return {404, "ELB.8904", fmt::format("{} {} could not be found", resource, id)};
}

ApiError ApiError::unknown_path(std::string_view path) {
    return {404, "ELB.8904", fmt::format("path {} could not be found", path)};
}

ApiError ApiError::method_not_allowed(std::string_view method, std::string_view path) {
    return {405, "ELB.8902",
            fmt::format("Method {} is not allowed on {}. See the Allow header.", method, path)};
}

ApiError ApiError::conflict(std::string message) {
    return {409, "ELB.8907", std::move(message)};
}

ApiError ApiError::body_too_large(std::size_t limit) {
    return {413, "ELB.8902", fmt::format("The request body is larger than the maximum of {} bytes.", limit)};
}

ApiError ApiError::internal(std::string message) {
    return {500, "ELB.8906", std::move(message)};
}

nlohmann::json error_body(const ApiError& error, std::string_view request_id) {
    return {{"error_msg", error.message}, {"error_code", error.code}, {"request_id", request_id}};
}

std::string hex_encode(std::string_view bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(bytes.size() * 2);
    for (unsigned char byte : bytes) {
        hex.push_back(kDigits[byte >> 4]);
        hex.push_back(kDigits[byte & 0x0f]);
    }
    return hex;
}

std::string new_request_id() {
    std::array<unsigned char, 16> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw std::runtime_error("RAND_bytes failed to generate a request id");
    }
    return hex_encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace tollgate::api
