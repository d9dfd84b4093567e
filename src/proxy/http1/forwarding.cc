#include "proxy/http1/forwarding.h"

#include <fmt/format.h>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>

#include <algorithm>

namespace tollgate::proxy::http1 {
namespace http = boost::beast::http;
using model::InsertedHeader;

namespace {

void append_field(std::string& out, std::string_view name, std::string_view value) {
    out.append(name);
    out.append(": ");
    out.append(value);
    out.append("\r\n");
}

bool is_stripped(const ListenerRuntime& listener, std::string_view name) {
    // The whole X-Forwarded-Clientcert family goes, including names tollgate never inserts
    // (-ciphers), so a backend can trust any header of that family it receives.
    static constexpr std::string_view kClientcertPrefix = "x-forwarded-clientcert";
    if (name.size() >= kClientcertPrefix.size() &&
        boost::beast::iequals(name.substr(0, kClientcertPrefix.size()), kClientcertPrefix)) {
        return true;
    }
    // stripped_headers is sorted lowercase; a few entries, so a linear case-insensitive scan.
    return std::any_of(listener.stripped_headers.begin(), listener.stripped_headers.end(),
                       [&](const std::string& stripped) { return boost::beast::iequals(stripped, name); });
}

// Collects the names listed in Connection, which are hop-by-hop for this message too.
std::vector<std::string_view> connection_options(const http::request_header<>& request) {
    std::vector<std::string_view> options;
    auto [begin, end] = request.equal_range(http::field::connection);
    for (auto field = begin; field != end; ++field) {
        for (auto token : http::token_list(field->value())) {
            options.emplace_back(token.data(), token.size());
        }
    }
    return options;
}

std::string_view inserted_value(InsertedHeader header, const ListenerRuntime& listener,
                                const ClientFacts& client, std::string_view host, std::string& scratch) {
    const auto& config = listener.config;
    switch (header) {
        case InsertedHeader::ForwardedElbIp:
            return listener.vip_address;
        case InsertedHeader::ForwardedPort:
            scratch = std::to_string(config.protocol_port);
            return scratch;
        case InsertedHeader::ForwardedForPort:
            return client.port;
        case InsertedHeader::ForwardedHost:
            return host;
        case InsertedHeader::ForwardedProto:
            return config.protocol == model::Protocol::Https ? "https" : "http";
        case InsertedHeader::RealIp:
            return client.address;
        case InsertedHeader::ForwardedElbId:
            return config.loadbalancer_id;
        case InsertedHeader::TlsCertificateId:
            return config.default_tls_container_ref;
        case InsertedHeader::TlsProtocol:
            return client.tls_protocol;
        case InsertedHeader::TlsCipher:
            return client.tls_cipher;
        case InsertedHeader::TlsSni:
            return client.sni;
        case InsertedHeader::TlsAlpnProtocol:
            return client.alpn;
        case InsertedHeader::Clientcert:
            return client.peer ? std::string_view(client.peer->pem_url_encoded) : "";
        case InsertedHeader::ClientcertSubjectdn:
            return client.peer ? std::string_view(client.peer->subject) : "";
        case InsertedHeader::ClientcertIssuerdn:
            return client.peer ? std::string_view(client.peer->issuer) : "";
        case InsertedHeader::ClientcertFingerprint:
            return client.peer ? std::string_view(client.peer->fingerprint_sha256) : "";
        case InsertedHeader::ClientcertClientverify:
            return client.peer ? "SUCCESS" : "NONE";
        case InsertedHeader::ClientcertSerialnumber:
            return client.peer ? std::string_view(client.peer->serial_hex) : "";
        case InsertedHeader::ClientcertEnd:
            return client.peer ? std::string_view(client.peer->not_after) : "";
        case InsertedHeader::Count_:
            break;
    }
    return "";
}

}  // namespace

bool is_hop_by_hop(http::field field, std::string_view name) {
    switch (field) {
        case http::field::connection:
        case http::field::keep_alive:
        case http::field::proxy_connection:
        case http::field::te:
        case http::field::trailer:
        case http::field::transfer_encoding:
        case http::field::upgrade:
        case http::field::content_length:
        case http::field::expect:
            return true;
        default:
            return boost::beast::iequals(name, "proxy-connection");
    }
}

bool is_valid_request_id(std::string_view value) {
    return !value.empty() && value.size() <= 128 &&
           std::all_of(value.begin(), value.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

std::string build_upstream_request(const http::request_header<>& request, const ListenerRuntime& listener,
                                   const ClientFacts& client, BodyFraming framing,
                                   std::uint64_t content_length, std::string_view backend_host,
                                   std::string_view request_id) {
    std::string out;
    out.reserve(1024);
    out.append(request.method_string());
    out.push_back(' ');
    out.append(request.target());
    out.append(" HTTP/1.1\r\n");

    const auto options = connection_options(request);
    const auto xff_mode = listener.config.insert_headers.forwarded_for_mode;
    std::string forwarded_for;
    std::string_view host;
    for (const auto& field : request) {
        std::string_view name = field.name_string();
        if (field.name() == http::field::host) {
            host = field.value();
        }
        if (xff_mode == model::XffMode::Append && boost::beast::iequals(name, "x-forwarded-for")) {
            if (!forwarded_for.empty()) {
                forwarded_for.append(", ");
            }
            forwarded_for.append(field.value());
            continue;
        }
        if (is_hop_by_hop(field.name(), name) || is_stripped(listener, name)) {
            continue;
        }
        if (!request_id.empty() && boost::beast::iequals(name, "x-request-id")) {
            continue;
        }
        bool listed_in_connection = std::any_of(options.begin(), options.end(), [&](std::string_view option) {
            return boost::beast::iequals(option, name);
        });
        if (listed_in_connection) {
            continue;
        }
        append_field(out, name, field.value());
    }
    if (host.empty()) {
        append_field(out, "Host", backend_host);
    }
    if (!request_id.empty()) {
        append_field(out, "X-Request-Id", request_id);
    }

    if (xff_mode == model::XffMode::Append) {
        if (!forwarded_for.empty()) {
            forwarded_for.append(", ");
        }
        forwarded_for.append(client.address);
        append_field(out, "X-Forwarded-For", forwarded_for);
    }

    std::string scratch;
    const auto& headers = listener.config.insert_headers;
    for (const auto& spec : model::inserted_header_specs()) {
        const auto& setting = headers[spec.header];
        if (!setting.enabled) {
            continue;
        }
        if (spec.https_only && listener.config.protocol != model::Protocol::Https) {
            continue;
        }
        std::string_view value = inserted_value(spec.header, listener, client, host, scratch);
        if (value.empty() && spec.header != InsertedHeader::ClientcertClientverify) {
            continue;
        }
        append_field(out, setting.name, value);
    }

    if (framing == BodyFraming::ContentLength) {
        out.append("Content-Length: ");
        out.append(std::to_string(content_length));
        out.append("\r\n");
    } else if (framing == BodyFraming::Chunked) {
        out.append("Transfer-Encoding: chunked\r\n");
    }
    out.append("\r\n");
    return out;
}

std::string build_client_response(const http::response_header<>& response, BodyFraming framing,
                                  std::uint64_t content_length, bool keep_alive,
                                  std::string_view request_id) {
    std::string out;
    out.reserve(512);
    out.append(fmt::format("HTTP/1.1 {} ", response.result_int()));
    std::string_view reason = response.reason();
    if (reason.empty()) {
        reason = http::obsolete_reason(response.result());
    }
    out.append(reason);
    out.append("\r\n");
    for (const auto& field : response) {
        // Without a body the backend's Content-Length describes the representation (HEAD,
        // 304) and is kept.
        bool keep_length = framing == BodyFraming::None && field.name() == http::field::content_length;
        if (is_hop_by_hop(field.name(), field.name_string()) && !keep_length) {
            continue;
        }
        if (!request_id.empty() && boost::beast::iequals(field.name_string(), "x-request-id")) {
            continue;
        }
        append_field(out, field.name_string(), field.value());
    }
    if (!request_id.empty()) {
        append_field(out, "X-Request-Id", request_id);
    }
    if (framing == BodyFraming::ContentLength) {
        out.append("Content-Length: ");
        out.append(std::to_string(content_length));
        out.append("\r\n");
    } else if (framing == BodyFraming::Chunked) {
        out.append("Transfer-Encoding: chunked\r\n");
    }
    if (!keep_alive || framing == BodyFraming::UntilClose) {
        out.append("Connection: close\r\n");
    }
    out.append("\r\n");
    return out;
}

}  // namespace tollgate::proxy::http1
