#include "proxy/http1/request_head.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>

namespace tollgate::proxy::http1 {
namespace http = boost::beast::http;

std::size_t find_head_end(std::string_view data, std::size_t from) {
    // Empty lines before the request line are tolerated (RFC 9112 section 2.2), so the
    // search for the blank line starts after them.
    std::size_t start = 0;
    while (start + 1 < data.size() && data[start] == '\r' && data[start + 1] == '\n') {
        start += 2;
    }
    std::size_t search_from = std::max(start, from >= 3 ? from - 3 : 0);
    std::size_t found = data.find("\r\n\r\n", search_from);
    return found == std::string_view::npos ? 0 : found + 4;
}

HeadStatus screen_partial_head(std::string_view data) {
    if (data.size() > kMaxHeaderBytes) {
        return HeadStatus::TooLarge;
    }
    // A head written with bare LF line endings never contains the CRLF blank line, so it is
    // rejected as soon as a bare LF arrives rather than after client_timeout.
    for (std::size_t i = data.find('\n'); i != std::string_view::npos; i = data.find('\n', i + 1)) {
        if (i == 0 || data[i - 1] != '\r') {
            return HeadStatus::Malformed;
        }
    }
    std::size_t line_end = data.find('\n');
    if (line_end == std::string_view::npos && data.size() > kMaxRequestLineBytes) {
        return HeadStatus::TooLarge;
    }
    return HeadStatus::Complete;
}

HeadStatus screen_head(std::string_view head) {
    if (head.size() > kMaxHeaderBytes) {
        return HeadStatus::TooLarge;
    }
    while (head.starts_with("\r\n")) {
        head.remove_prefix(2);
    }
    std::size_t line_end = head.find("\r\n");
    if (line_end > kMaxRequestLineBytes) {
        return HeadStatus::TooLarge;
    }
    for (std::size_t i = 0; i < head.size(); ++i) {
        if (head[i] == '\n' && (i == 0 || head[i - 1] != '\r')) {
            return HeadStatus::Malformed;  // bare LF
        }
        if (head[i] == '\r' && (i + 1 >= head.size() || head[i + 1] != '\n')) {
            return HeadStatus::Malformed;  // bare CR
        }
        bool line_start = i > 0 && head[i - 1] == '\n';
        if (line_start && (head[i] == ' ' || head[i] == '\t')) {
            return HeadStatus::Malformed;  // obsolete line folding
        }
    }
    return HeadStatus::Complete;
}

HeadStatus parse_head(std::string_view head, RequestParser& parser) {
    parser.header_limit(static_cast<std::uint32_t>(kMaxHeaderBytes + 4));
    parser.body_limit(boost::none);
    parser.eager(false);
    boost::beast::error_code ec;
    std::size_t used = 0;
    while (!parser.is_header_done() && used < head.size()) {
        std::size_t consumed = parser.put(boost::asio::buffer(head.data() + used, head.size() - used), ec);
        if (ec) {
            return ec == http::error::header_limit ? HeadStatus::TooLarge : HeadStatus::Malformed;
        }
        if (consumed == 0) {
            break;
        }
        used += consumed;
    }
    if (!parser.is_header_done()) {
        return HeadStatus::Malformed;
    }

    const auto& request = parser.get();
    std::size_t transfer_encodings = 0;
    std::size_t hosts = 0;
    for (const auto& field : request) {
        if (field.name() == http::field::transfer_encoding) {
            ++transfer_encodings;
            if (!boost::beast::iequals(field.value(), "chunked")) {
                return HeadStatus::Malformed;
            }
        } else if (field.name() == http::field::host) {
            ++hosts;
        }
    }
    if (transfer_encodings > 1 || hosts > 1) {
        return HeadStatus::Malformed;
    }
    if (request.version() == 11 && hosts == 0) {
        return HeadStatus::Malformed;
    }
    if (request.version() != 11 && request.version() != 10) {
        return HeadStatus::Malformed;
    }
    return HeadStatus::Complete;
}

}  // namespace tollgate::proxy::http1
