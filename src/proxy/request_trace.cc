#include "proxy/request_trace.h"

namespace tollgate::proxy {

namespace http = boost::beast::http;

void RequestTrace::begin(std::chrono::steady_clock::time_point now) {
    *this = RequestTrace{};
    started = now;
    wall_clock = std::chrono::system_clock::now();
}

std::uint64_t head_bytes(const http::request_header<>& request) {
    // "METHOD TARGET HTTP/1.1\r\n", each "Name: value\r\n", and the closing "\r\n".
    std::uint64_t size = request.method_string().size() + 1 + request.target().size() + 11;
    for (const auto& field : request) {
        size += field.name_string().size() + 2 + field.value().size() + 2;
    }
    return size + 2;
}

std::string client_verify_result(const http1::ClientFacts& client, SSL* ssl) {
    if (client.peer) {
        return "SUCCESS";
    }
    if (ssl != nullptr && SSL_get0_peer_certificate(ssl) != nullptr) {
        return "FAILED";
    }
    return "NONE";
}

accesslog::AccessRecord access_record(const RequestTrace& trace, const http::request_header<>* request,
                                      const ListenerRuntime& listener, const http1::ClientFacts& client,
                                      SSL* ssl, std::chrono::microseconds total_time) {
    accesslog::AccessRecord record;
    record.time = trace.wall_clock;
    record.listener_id = listener.config.id;
    record.loadbalancer_id = listener.config.loadbalancer_id;
    record.client_address = client.address;
    record.client_port = static_cast<std::uint16_t>(std::stoul(client.port.empty() ? "0" : client.port));
    record.tls_version = client.tls_protocol;
    record.cipher = client.tls_cipher;
    record.sni = client.sni;
    if (client.peer) {
        record.client_subject = client.peer->subject;
        record.client_serial = client.peer->serial_hex;
    }
    if (ssl != nullptr) {
        record.client_verify = client_verify_result(client, ssl);
    }
    if (request != nullptr) {
        record.method = request->method_string();
        record.host = (*request)[http::field::host];
        record.path = request->target();
        record.http_version = request->version();
        record.user_agent = (*request)[http::field::user_agent];
        record.referer = (*request)[http::field::referer];
    }
    record.status = trace.status;
    record.bytes_received = trace.bytes_received;
    record.bytes_sent = trace.bytes_sent;
    if (trace.pool != nullptr && trace.member) {
        record.member_id = trace.pool->config.members[*trace.member].id;
        record.member_address = trace.pool->endpoint_texts[*trace.member];
    }
    record.upstream_time = trace.upstream_time;
    record.total_time = total_time;
    record.request_id = trace.request_id;
    return record;
}

}  // namespace tollgate::proxy
