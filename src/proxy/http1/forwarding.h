#pragma once

#include "proxy/snapshot.h"
#include "tls/peer_certificate.h"

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>

#include <optional>
#include <string>

namespace tollgate::proxy::http1 {

// Facts about the client connection that inserted headers carry, formatted once per connection.
struct ClientFacts {
    std::string address;  // "192.0.2.7" or "2001:db8::7", without brackets
    std::string port;
    std::string tls_protocol;  // "TLSv1.3", empty for HTTP
    std::string tls_cipher;
    std::string sni;
    std::string alpn;
    std::optional<tls::PeerCertificate> peer;  // set when a certificate was verified
};

// Framing of a message body as it is sent on.
enum class BodyFraming {
    None,           // no body follows the head
    ContentLength,  // exactly content_length bytes
    Chunked,        // chunked transfer coding
    UntilClose,     // raw bytes until the connection closes (HTTP/1.0 clients)
};

// Builds the request head sent to a backend: the client's request line and fields without
// hop-by-hop fields and without any field the listener inserts, then the inserted fields,
// then the framing of the body. A non-empty `request_id` replaces the client's X-Request-Id.
std::string build_upstream_request(const boost::beast::http::request_header<>& request,
                                   const ListenerRuntime& listener, const ClientFacts& client,
                                   BodyFraming framing, std::uint64_t content_length,
                                   std::string_view backend_host, std::string_view request_id = {});

// Builds the response head sent to the client from a backend's response head. Framing
// fields are replaced by `framing`; `keep_alive` false adds "Connection: close". A non-empty
// `request_id` replaces the backend's X-Request-Id.
std::string build_client_response(const boost::beast::http::response_header<>& response, BodyFraming framing,
                                  std::uint64_t content_length, bool keep_alive,
                                  std::string_view request_id = {});

// Returns whether a client's X-Request-Id can be passed on: 1 to 128 visible ASCII
// characters. Other values are replaced by a generated id.
bool is_valid_request_id(std::string_view value);

// Returns true for fields that describe one connection and are never forwarded.
bool is_hop_by_hop(boost::beast::http::field field, std::string_view name);

}  // namespace tollgate::proxy::http1
