#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>

#include <cstddef>
#include <string_view>

namespace tollgate::proxy::http1 {

inline constexpr std::size_t kMaxRequestLineBytes = 8 * 1024;
inline constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
inline constexpr std::size_t kReadChunkBytes = 16 * 1024;

using RequestParser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;

enum class HeadStatus {
    Complete,   // the head ends within the buffer
    Closed,     // the client closed the connection before sending a byte
    Timeout,    // the deadline of the stream passed
    TooLarge,   // request line or header block over its limit: 431
    Malformed,  // bare LF, obsolete line folding, or unparsable: 400
    Failed,     // a read error
};

// Returns where the request head in `data` ends (one past the blank line), or 0 when it is
// not complete yet. `from` is where the previous search stopped.
std::size_t find_head_end(std::string_view data, std::size_t from);

// Checks the raw head for what the parser would accept but a proxy must not: bare LF line
// endings and obsolete line folding (RFC 9112 section 5.2), and the request-line limit.
HeadStatus screen_head(std::string_view head);

// Checks limits of a head that is not complete yet.
HeadStatus screen_partial_head(std::string_view data);

// Parses a complete, screened head into `parser`. Returns Malformed on any parse error.
// Afterwards rejects what RFC 9112 forbids in requests: Transfer-Encoding other than
// "chunked" alone, a missing or repeated Host in HTTP/1.1.
HeadStatus parse_head(std::string_view head, RequestParser& parser);

// Reads until `buffer` contains a whole request head, then screens and parses it into
// `parser` and removes the head from `buffer` (body bytes and pipelined requests stay).
template <typename Stream>
boost::asio::awaitable<HeadStatus> read_request_head(Stream& stream, boost::beast::flat_buffer& buffer,
                                                     RequestParser& parser) {
    std::size_t searched = 0;
    for (;;) {
        std::string_view data(static_cast<const char*>(buffer.data().data()), buffer.size());
        if (std::size_t end = find_head_end(data, searched); end != 0) {
            std::string_view head = data.substr(0, end);
            HeadStatus status = screen_head(head);
            if (status == HeadStatus::Complete) {
                status = parse_head(head, parser);
            }
            buffer.consume(end);
            co_return status;
        }
        if (HeadStatus status = screen_partial_head(data); status != HeadStatus::Complete) {
            co_return status;
        }
        searched = data.size();
        auto [ec, bytes] = co_await stream.async_read_some(buffer.prepare(kReadChunkBytes),
                                                           boost::asio::as_tuple(boost::asio::use_awaitable));
        buffer.commit(bytes);
        if (ec) {
            if (ec == boost::beast::error::timeout) {
                co_return HeadStatus::Timeout;
            }
            co_return buffer.size() == 0 ? HeadStatus::Closed : HeadStatus::Failed;
        }
    }
}

}  // namespace tollgate::proxy::http1
