#pragma once

// Resources of the ELB v3 model, as loaded from a configuration file (and later written by
// the REST API). Field names follow the API; cloud-only fields are not represented.

#include "tls/client_auth.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::model {

enum class CertificateType { Server, Client };

// A server certificate with its key, or a bundle of CA certificates that verify clients
// (type "client" in the ELB API).
struct Certificate {
    std::string id;
    std::string name;
    CertificateType type = CertificateType::Server;
    std::string certificate;       // PEM, possibly a chain or a bundle
    std::string private_key;       // PEM, empty for type Client
    std::string certificate_path;  // file the certificate came from, empty when given inline
    std::string private_key_path;  // file the private key came from, empty when given inline
};

struct LoadBalancer {
    std::string id;
    std::string name;
    std::string vip_address;  // IPv4 or IPv6 literal the listeners bind to
};

enum class Protocol { Http, Https };
using tls::ClientAuth;
enum class XffMode { Append, Remove, Preserve };

// Headers a listener may add to requests. The order is the order of insertion.
enum class InsertedHeader : std::uint8_t {
    ForwardedElbIp,
    ForwardedPort,
    ForwardedForPort,
    ForwardedHost,
    ForwardedProto,
    RealIp,
    ForwardedElbId,
    TlsCertificateId,
    TlsProtocol,
    TlsCipher,
    TlsSni,
    TlsAlpnProtocol,
    Clientcert,
    ClientcertSubjectdn,
    ClientcertIssuerdn,
    ClientcertFingerprint,
    ClientcertClientverify,
    ClientcertSerialnumber,
    ClientcertEnd,
    Count_,
};
inline constexpr std::size_t kInsertedHeaderCount = static_cast<std::size_t>(InsertedHeader::Count_);

// Static description of one insertable header: its default name, the insert_headers keys
// that switch it on and rename it, and its default state.
struct InsertedHeaderSpec {
    InsertedHeader header;
    std::string_view default_name;  // e.g. "X-Forwarded-Clientcert-subjectdn"
    std::string_view enable_key;    // e.g. "X-Forwarded-Clientcert-subjectdn-enable"
    std::string_view alias_key;     // e.g. "X-Forwarded-Clientcert-subjectdn-alias", empty if none
    bool enabled_by_default;
    bool client_certificate_family;  // always stripped from client requests on every listener
    bool https_only;
};

// Returns the specification of every insertable header, indexed by InsertedHeader.
const std::array<InsertedHeaderSpec, kInsertedHeaderCount>& inserted_header_specs();

struct HeaderSetting {
    bool enabled = false;
    std::string name;  // the alias if one is set, else the default name
};

struct InsertHeaders {
    std::array<HeaderSetting, kInsertedHeaderCount> headers;  // indexed by InsertedHeader
    XffMode forwarded_for_mode = XffMode::Append;

    // Returns the defaults of the ELB API: X-Forwarded-Host on, the rest off.
    static InsertHeaders defaults();
    const HeaderSetting& operator[](InsertedHeader header) const {
        return headers[static_cast<std::size_t>(header)];
    }
    HeaderSetting& operator[](InsertedHeader header) { return headers[static_cast<std::size_t>(header)]; }
};

struct Listener {
    std::string id;
    std::string name;
    std::string loadbalancer_id;
    Protocol protocol = Protocol::Http;
    std::uint16_t protocol_port = 0;
    std::string default_tls_container_ref;    // server certificate id, empty when unset
    std::string client_ca_tls_container_ref;  // CA bundle id, empty when unset
    std::string default_pool_id;              // empty when unset (requests get 503)
    ClientAuth client_authentication = ClientAuth::None;
    int client_verify_depth = 4;  // longest accepted client chain below the trust anchor
    std::string tls_ciphers_policy = "tls-1-2-fs-with-1-3";
    std::chrono::seconds keepalive_timeout{60};
    std::chrono::seconds client_timeout{60};
    std::chrono::seconds member_timeout{60};
    bool enable_member_retry = true;
    InsertHeaders insert_headers = InsertHeaders::defaults();
};

enum class LbAlgorithm { RoundRobin, LeastConnections, SourceIp };

struct Member {
    std::string id;
    std::string name;
    std::string address;  // IPv4 or IPv6 literal
    std::uint16_t protocol_port = 0;
    int weight = 1;  // 0 to 100; 0 takes no new requests
};

// Passive health checking of a pool's members, a tollgate extension of the ELB pool: a member
// whose requests fail `consecutive_failures` times in a row (connect failure, no response or
// a 5xx status) gets no requests for `ejection_time`. Each further ejection without a
// successful request in between doubles the time, up to `max_ejection_time`.
struct PassiveHealthCheck {
    bool enable = true;
    int consecutive_failures = 5;
    std::chrono::seconds ejection_time{30};
    std::chrono::seconds max_ejection_time{300};
};

struct Pool {
    std::string id;
    std::string name;
    LbAlgorithm lb_algorithm = LbAlgorithm::RoundRobin;
    std::vector<Member> members;
    PassiveHealthCheck passive_health_check;
};

enum class MonitorType { Http, Https, Tcp };
enum class MonitorHttpMethod { Get, Head, Post };

// An inclusive range of HTTP status codes. A single code has first == last.
struct StatusCodeRange {
    int first = 200;
    int last = 200;
};

// The status codes that count as a healthy response to an HTTP or HTTPS probe, parsed from
// expected_codes ("200", "200,202", "200-204,300-399").
struct ExpectedCodes {
    std::vector<StatusCodeRange> ranges{StatusCodeRange{}};

    bool contains(int status) const;
};

// Active health check settings of one pool: how the members are probed.
struct HealthMonitor {
    std::string id;
    std::string name;
    std::string pool_id;
    MonitorType type = MonitorType::Http;
    // type, delay, timeout and max_retries are required, so their initial values never reach
    // a loaded Config.
    std::chrono::seconds delay{};               // interval between two probes of a member
    std::chrono::seconds timeout{};             // time a probe may take
    int max_retries = 0;                        // successes in a row that mark a member up
    int max_retries_down = 3;                   // failures in a row that mark a member down
    std::optional<std::uint16_t> monitor_port;  // nullopt: probe each member's protocol_port
    // The fields below apply to HTTP and HTTPS probes only.
    std::string url_path = "/";
    std::string domain_name;  // Host header of the probe, empty when unset
    ExpectedCodes expected_codes;
    MonitorHttpMethod http_method = MonitorHttpMethod::Get;
    bool admin_state_up = true;  // false turns the monitor off
};

// Every resource of one configuration, after validation: references resolve, values are in
// range.
struct Config {
    std::vector<Certificate> certificates;
    std::vector<LoadBalancer> loadbalancers;
    std::vector<Listener> listeners;
    std::vector<Pool> pools;
    std::vector<HealthMonitor> healthmonitors;  // at most one per pool

    const Certificate* find_certificate(std::string_view id) const;
    const LoadBalancer* find_loadbalancer(std::string_view id) const;
    const Pool* find_pool(std::string_view id) const;
    // Returns the health monitor of the pool `pool_id`, or nullptr when it has none.
    const HealthMonitor* find_pool_healthmonitor(std::string_view pool_id) const;
};

std::string_view to_string(Protocol protocol);
std::string_view to_string(LbAlgorithm algorithm);
std::string_view to_string(MonitorType type);
std::string_view to_string(MonitorHttpMethod method);

}  // namespace tollgate::model
