#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace tollgate::accesslog {

// One request as the access log reports it. Empty strings are fields that do not apply, such
// as the TLS fields of an HTTP listener or the member of a request that no member served.
struct AccessRecord {
    std::chrono::system_clock::time_point time;  // when the request head arrived
    std::string listener_id;
    std::string loadbalancer_id;
    std::string client_address;
    std::uint16_t client_port = 0;
    std::string tls_version;  // "TLSv1.3"
    std::string cipher;       // "TLS_AES_128_GCM_SHA256"
    std::string sni;
    std::string client_subject;  // RFC 4514 subject of the client certificate
    std::string client_serial;   // hexadecimal serial number
    std::string client_verify;   // SUCCESS, FAILED:<reason> or NONE
    std::string method;
    std::string host;
    std::string path;            // the request target, with its query
    unsigned http_version = 11;  // 10 or 11
    std::string user_agent;
    std::string referer;
    unsigned status = 0;
    std::uint64_t bytes_received = 0;  // request head and body
    std::uint64_t bytes_sent = 0;      // response head and body
    std::string member_id;
    std::string member_address;  // "192.0.2.7:80"
    std::chrono::microseconds upstream_time{
        -1};  // from connecting to the member to its response head; -1 when none
    std::chrono::microseconds total_time{0};  // from the request head to the end of the response
    std::string request_id;
};

enum class Format { Json, Combined };

// Formats one record as a line ending in '\n'. JSON is one object with the field names of
// AccessRecord, except tls_cipher and client_cert_*. Combined is the Apache combined log
// format, with the request id, member, times and client certificate subject appended.
std::string format_line(const AccessRecord& record, Format format);

}  // namespace tollgate::accesslog
