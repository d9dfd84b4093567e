#include "cli/demo_reply.h"

#include <fmt/format.h>
#include <boost/beast/http/error.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <string_view>

namespace tollgate::cli {
namespace {

std::string lowercase(std::string_view text) {
    std::string result(text);
    std::transform(result.begin(), result.end(), result.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return result;
}

// Returns the value of the first header called `name` (any case), or an empty string.
std::string header_value(const SeenRequest& request, std::string_view name) {
    for (const auto& [header, value] : request.headers) {
        if (lowercase(header) == name) {
            return value;
        }
    }
    return {};
}

// Returns one sentence about the client certificate, built from the headers that a listener inserts.
std::string certificate_summary(const SeenRequest& request) {
    std::string subject = header_value(request, "x-forwarded-clientcert-subjectdn");
    std::string verify = header_value(request, "x-forwarded-clientcert-clientverify");
    if (subject.empty()) {
        return "No client certificate headers arrived: the listener inserts none, or the client sent no "
               "certificate.";
    }
    std::string sentence = fmt::format("The client presented the certificate \"{}\"", subject);
    if (!verify.empty()) {
        sentence += fmt::format(", verification result {}", verify);
    }
    return sentence + ".";
}

std::string html_escape(std::string_view text) {
    std::string result;
    result.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&':
                result += "&amp;";
                break;
            case '<':
                result += "&lt;";
                break;
            case '>':
                result += "&gt;";
                break;
            case '"':
                result += "&quot;";
                break;
            case '\'':
                result += "&#39;";
                break;
            default:
                result += c;
        }
    }
    return result;
}

DemoReply text_reply(const SeenRequest& request) {
    std::string body =
        fmt::format("demo-backend {} got {} {} from {}\n{}\n\nHeaders received:\n", request.backend_name,
                    request.method, request.target, request.client, certificate_summary(request));
    for (const auto& [name, value] : request.headers) {
        body += fmt::format("  {}: {}\n", name, value);
    }
    return {"text/plain; charset=utf-8", std::move(body)};
}

DemoReply json_reply(const SeenRequest& request) {
    nlohmann::json headers = nlohmann::json::array();
    for (const auto& [name, value] : request.headers) {
        headers.push_back({name, value});
    }
    nlohmann::json body = {{"backend", request.backend_name},
                           {"method", request.method},
                           {"target", request.target},
                           {"client", request.client},
                           {"headers", std::move(headers)}};
    // Header values are bytes from the network, so bytes that are not UTF-8 are replaced instead of
    // making dump() throw.
    return {"application/json", body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"};
}

DemoReply html_reply(const SeenRequest& request) {
    std::string rows;
    for (const auto& [name, value] : request.headers) {
        rows += fmt::format("<tr><th scope=\"row\">{}</th><td>{}</td></tr>\n", html_escape(name),
                            html_escape(value));
    }
    std::string body = fmt::format(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width\"><title>demo-backend {0}</title>"
        "<style>body{{font-family:sans-serif;margin:2em;max-width:60em}}th{{text-align:left;padding-right:"
        "1em;"
        "vertical-align:top}}td{{word-break:break-all}}</style></head>\n<body>\n"
        "<h1>demo-backend {0}</h1>\n<p id=\"request\">{1} {2} from {3}</p>\n<p id=\"certificate\">{4}</p>\n"
        "<h2>Headers received</h2>\n<table>\n{5}</table>\n</body></html>\n",
        html_escape(request.backend_name), html_escape(request.method), html_escape(request.target),
        html_escape(request.client), html_escape(certificate_summary(request)), rows);
    return {"text/html; charset=utf-8", std::move(body)};
}

}  // namespace

DemoReply demo_reply(const SeenRequest& request, const std::string& accept) {
    std::string accepted_types = lowercase(accept);
    if (accepted_types.find("text/html") != std::string::npos) {
        return html_reply(request);
    }
    if (accepted_types.find("application/json") != std::string::npos) {
        return json_reply(request);
    }
    return text_reply(request);
}

std::optional<DemoRejection> demo_rejection(const boost::system::error_code& error) {
    namespace http = boost::beast::http;
    if (error.category() != http::make_error_code(http::error::bad_method).category() ||
        error == http::error::end_of_stream || error == http::error::partial_message) {
        return std::nullopt;
    }
    if (error == http::error::header_limit) {
        return DemoRejection{431, fmt::format("request header fields too large: the request line and headers "
                                              "exceed {} bytes\n",
                                              kDemoHeaderLimit)};
    }
    if (error == http::error::body_limit) {
        return DemoRejection{
            413, fmt::format("content too large: the request body exceeds {} bytes\n", kDemoBodyLimit)};
    }
    return DemoRejection{400, fmt::format("bad request: {}\n", error.message())};
}

}  // namespace tollgate::cli
