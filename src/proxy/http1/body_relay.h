#pragma once

#include "proxy/http1/forwarding.h"
#include "proxy/http1/read_watchdog.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>

namespace tollgate::proxy::http1 {

enum class RelayStatus {
    Done,
    ReadTimeout,  // the sender stalled longer than its timeout
    ReadFailed,   // the sender closed or reset the connection early
    Malformed,    // invalid chunked coding
    WriteFailed,  // the receiver closed, reset or stalled
};

struct Deadlines {
    std::chrono::steady_clock::duration read;
    std::chrono::steady_clock::duration write;
};

// Streams the body that `parser` frames from `in` to `out` through `chunk`, a fixed buffer,
// so memory stays bounded whatever the body size. `out_framing` is the framing announced to
// the receiver: Chunked re-encodes each piece, the others copy bytes as they are.
// Room kept before and after each piece of a relayed body for the chunk-size line and the
// CRLF, so that a chunk goes out as one contiguous write (one TLS record).
inline constexpr std::size_t kChunkHeadroom = 18;
inline constexpr std::size_t kChunkTailroom = 2;

// Streams the body that `parser` frames from `in` to `out` through `chunk`, a fixed buffer,
// so memory stays bounded whatever the body size. `out_framing` is the framing announced to
// the receiver: Chunked re-encodes each piece, the others copy bytes as they are. `pending` contains
// bytes that must precede the body (a message head); they go out in the same write as the
// first piece, which saves a TLS record and a system call per message. With `watchdog`,
// a stalled sender leaves its connection open (so that it can be sent 408); without it,
// the stream's own expiry closes the connection.
template <typename In, typename Parser, typename Out>
boost::asio::awaitable<RelayStatus> relay_body(In& in, boost::beast::flat_buffer& in_buffer, Parser& parser,
                                               Out& out, BodyFraming out_framing, Deadlines deadlines,
                                               std::span<char> chunk, std::string& pending,
                                               std::uint64_t& bytes_relayed,
                                               ReadWatchdog* watchdog = nullptr) {
    namespace http = boost::beast::http;
    using boost::asio::as_tuple;
    using boost::asio::use_awaitable;

    char* const payload = chunk.data() + kChunkHeadroom;
    const std::size_t capacity = chunk.size() - kChunkHeadroom - kChunkTailroom;
    while (!parser.is_done()) {
        parser.get().body().data = payload;
        parser.get().body().size = capacity;
        if (watchdog != nullptr) {
            boost::beast::get_lowest_layer(in).expires_never();
            watchdog->arm(boost::beast::get_lowest_layer(in).socket(), deadlines.read);
        } else {
            boost::beast::get_lowest_layer(in).expires_after(deadlines.read);
        }
        auto [read_error, read_bytes] =
            co_await http::async_read_some(in, in_buffer, parser, as_tuple(use_awaitable));
        (void)read_bytes;
        if (watchdog != nullptr) {
            watchdog->disarm();
            if (read_error && watchdog->fired()) {
                co_return RelayStatus::ReadTimeout;
            }
        }
        if (read_error == http::error::need_buffer) {
            read_error = {};
        }
        if (read_error) {
            if (read_error == boost::beast::error::timeout) {
                co_return RelayStatus::ReadTimeout;
            }
            if (read_error.category() == make_error_code(http::error::bad_chunk).category() &&
                read_error != http::error::partial_message && read_error != http::error::end_of_stream) {
                co_return RelayStatus::Malformed;
            }
            co_return RelayStatus::ReadFailed;
        }
        std::size_t piece = capacity - parser.get().body().size;
        if (piece == 0) {
            continue;
        }
        bytes_relayed += piece;
        const char* begin = payload;
        std::size_t length = piece;
        if (out_framing == BodyFraming::Chunked) {
            char size_line[kChunkHeadroom + 1];
            int size_length = std::snprintf(size_line, sizeof size_line, "%zx\r\n", piece);
            std::memcpy(payload - size_length, size_line, static_cast<std::size_t>(size_length));
            std::memcpy(payload + piece, "\r\n", 2);
            begin = payload - size_length;
            length = piece + static_cast<std::size_t>(size_length) + 2;
        }
        if (!pending.empty()) {
            pending.append(begin, length);
            begin = pending.data();
            length = pending.size();
        }
        boost::beast::get_lowest_layer(out).expires_after(deadlines.write);
        auto [write_error, written] = co_await boost::asio::async_write(
            out, boost::asio::buffer(begin, length), as_tuple(use_awaitable));
        (void)written;
        pending.clear();
        if (write_error) {
            co_return RelayStatus::WriteFailed;
        }
    }
    if (out_framing == BodyFraming::Chunked) {
        pending.append("0\r\n\r\n");
    }
    if (!pending.empty()) {
        boost::beast::get_lowest_layer(out).expires_after(deadlines.write);
        auto [write_error, written] =
            co_await boost::asio::async_write(out, boost::asio::buffer(pending), as_tuple(use_awaitable));
        (void)written;
        pending.clear();
        if (write_error) {
            co_return RelayStatus::WriteFailed;
        }
    }
    co_return RelayStatus::Done;
}

}  // namespace tollgate::proxy::http1
