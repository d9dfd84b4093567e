#include "api/static_files.h"

#include "api/errors.h"

#include <openssl/sha.h>
#include <boost/beast/http/field.hpp>

#include <array>

namespace tollgate::api {
namespace {

namespace http = boost::beast::http;

constexpr std::size_t kEtagBytes = 16;

std::string make_etag(std::string_view body) {
    std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
    SHA256(reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest.data());
    std::string_view prefix(reinterpret_cast<const char*>(digest.data()), kEtagBytes);
    return "\"" + hex_encode(prefix) + "\"";
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

}  // namespace

bool etag_matches(std::string_view header, std::string_view etag) {
    while (!header.empty()) {
        std::size_t comma = header.find(',');
        std::string_view candidate = trim(header.substr(0, comma));
        header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
        // If-None-Match compares weakly (RFC 9110, section 13.1.2), so W/ is ignored.
        if (candidate.starts_with("W/")) {
            candidate.remove_prefix(2);
        }
        if (candidate == "*" || candidate == etag) {
            return true;
        }
    }
    return false;
}

void StaticFiles::add(std::string path, std::string_view content_type, std::string_view body) {
    files_.insert_or_assign(std::move(path), File{content_type, body, make_etag(body)});
}

bool StaticFiles::contains(std::string_view path) const {
    return files_.find(path) != files_.end();
}

std::optional<StaticFiles::Response> StaticFiles::respond(const Request& request, std::string_view path,
                                                          std::string_view request_id) const {
    const bool head = request.method() == http::verb::head;
    if (request.method() != http::verb::get && !head) {
        return std::nullopt;
    }
    auto found = files_.find(path);
    if (found == files_.end()) {
        return std::nullopt;
    }
    const File& file = found->second;

    const bool not_modified = etag_matches(request[http::field::if_none_match], file.etag);
    Response response{not_modified ? http::status::not_modified : http::status::ok, request.version()};
    response.set(http::field::content_type, file.content_type);
    response.set(http::field::etag, file.etag);
    response.set(http::field::cache_control, "no-cache");
    response.set("Content-Security-Policy", kStaticContentSecurityPolicy);
    response.set("X-Content-Type-Options", "nosniff");
    response.set("Referrer-Policy", "no-referrer");
    response.set("X-Frame-Options", "DENY");
    response.set("X-Request-Id", request_id);
    response.keep_alive(request.keep_alive());
    if (not_modified) {
        return response;
    }
    // A HEAD response states the length of the body that GET would send, without the body.
    response.content_length(file.body.size());
    if (!head) {
        response.body() = std::string(file.body);
    }
    return response;
}

}  // namespace tollgate::api
