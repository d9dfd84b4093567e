#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate::api {

// The Content-Security-Policy of every static file. Scripts, styles and fetch requests come
// only from the server's own origin, inline scripts and styles do not run, and forms cannot
// be submitted by the browser, so a form never puts its fields (the admin token) in a URL.
inline constexpr std::string_view kStaticContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

// Files served without a token by GET and HEAD at fixed paths, such as the web console.
// Every response has Content-Type, Content-Security-Policy, X-Content-Type-Options: nosniff,
// Referrer-Policy: no-referrer, X-Frame-Options: DENY, an ETag and `Cache-Control: no-cache`.
// With no-cache the browser keeps a copy but sends If-None-Match before using it, and the
// server returns 304 while the ETag is current.
class StaticFiles {
public:
    using Request = boost::beast::http::request<boost::beast::http::string_body>;
    using Response = boost::beast::http::response<boost::beast::http::string_body>;

    // Serves `body` at `path` (e.g. "/console/js/app.js"). `body` must outlive this object.
    void add(std::string path, std::string_view content_type, std::string_view body);

    bool contains(std::string_view path) const;

    // Returns the response to GET or HEAD of a registered path: 200, or 304 when
    // If-None-Match names the current ETag. Returns nothing for other methods and paths.
    std::optional<Response> respond(const Request& request, std::string_view path,
                                    std::string_view request_id) const;

private:
    struct File {
        std::string_view content_type;
        std::string_view body;
        std::string etag;  // quoted, e.g. "\"3f1a...\"": the first 16 bytes of the body's SHA-256
    };

    std::map<std::string, File, std::less<>> files_;
};

// Returns whether the If-None-Match value `header` ("\"a\", \"b\"", "W/\"a\"" or "*") names `etag`.
bool etag_matches(std::string_view header, std::string_view etag);

}  // namespace tollgate::api
