#include "model/resources.h"

#include <algorithm>

namespace tollgate::model {
namespace {

using H = InsertedHeader;

constexpr std::array<InsertedHeaderSpec, kInsertedHeaderCount> kSpecs{{
    {H::ForwardedElbIp, "X-Forwarded-ELB-IP", "X-Forwarded-ELB-IP", "", false, false, false},
    {H::ForwardedPort, "X-Forwarded-Port", "X-Forwarded-Port", "", false, false, false},
    {H::ForwardedForPort, "X-Forwarded-For-Port", "X-Forwarded-For-Port", "", false, false, false},
    {H::ForwardedHost, "X-Forwarded-Host", "X-Forwarded-Host", "", true, false, false},
    {H::ForwardedProto, "X-Forwarded-Proto", "X-Forwarded-Proto", "", false, false, false},
    {H::RealIp, "X-Real-IP", "X-Real-IP", "", false, false, false},
    {H::ForwardedElbId, "X-Forwarded-ELB-ID", "X-Forwarded-ELB-ID", "", false, false, false},
    {H::TlsCertificateId, "X-Forwarded-TLS-Certificate-ID", "X-Forwarded-TLS-Certificate-ID", "", false,
     false, true},
    {H::TlsProtocol, "X-Forwarded-TLS-Protocol", "X-Forwarded-TLS-Protocol", "X-Forwarded-TLS-Protocol-alias",
     false, false, true},
    {H::TlsCipher, "X-Forwarded-TLS-Cipher", "X-Forwarded-TLS-Cipher", "X-Forwarded-TLS-Cipher-alias", false,
     false, true},
    {H::TlsSni, "X-Forwarded-Tls-Sni", "X-Forwarded-Tls-Sni-enable", "X-Forwarded-Tls-Sni-alias", false,
     false, true},
    {H::TlsAlpnProtocol, "X-Forwarded-Tls-Alpn-Protocol", "X-Forwarded-Tls-Alpn-Protocol-enable",
     "X-Forwarded-Tls-Alpn-Protocol-alias", false, false, true},
    {H::Clientcert, "X-Forwarded-Clientcert", "X-Forwarded-Clientcert-enable", "X-Forwarded-Clientcert-alias",
     false, true, true},
    {H::ClientcertSubjectdn, "X-Forwarded-Clientcert-subjectdn", "X-Forwarded-Clientcert-subjectdn-enable",
     "X-Forwarded-Clientcert-subjectdn-alias", false, true, true},
    {H::ClientcertIssuerdn, "X-Forwarded-Clientcert-issuerdn", "X-Forwarded-Clientcert-issuerdn-enable",
     "X-Forwarded-Clientcert-issuerdn-alias", false, true, true},
    {H::ClientcertFingerprint, "X-Forwarded-Clientcert-fingerprint",
     "X-Forwarded-Clientcert-fingerprint-enable", "X-Forwarded-Clientcert-fingerprint-alias", false, true,
     true},
    {H::ClientcertClientverify, "X-Forwarded-Clientcert-clientverify",
     "X-Forwarded-Clientcert-clientverify-enable", "X-Forwarded-Clientcert-clientverify-alias", false, true,
     true},
    {H::ClientcertSerialnumber, "X-Forwarded-Clientcert-serialnumber",
     "X-Forwarded-Clientcert-serialnumber-enable", "X-Forwarded-Clientcert-serialnumber-alias", false, true,
     true},
    {H::ClientcertEnd, "X-Forwarded-Clientcert-end", "X-Forwarded-Clientcert-end-enable",
     "X-Forwarded-Clientcert-end-alias", false, true, true},
}};

template <typename T>
const T* find_by_id(const std::vector<T>& items, std::string_view id) {
    auto found = std::find_if(items.begin(), items.end(), [&](const T& item) { return item.id == id; });
    return found == items.end() ? nullptr : &*found;
}

}  // namespace

const std::array<InsertedHeaderSpec, kInsertedHeaderCount>& inserted_header_specs() {
    return kSpecs;
}

InsertHeaders InsertHeaders::defaults() {
    InsertHeaders result;
    for (const auto& spec : kSpecs) {
        result[spec.header] = HeaderSetting{spec.enabled_by_default, std::string(spec.default_name)};
    }
    return result;
}

const Certificate* Config::find_certificate(std::string_view id) const {
    return find_by_id(certificates, id);
}

const LoadBalancer* Config::find_loadbalancer(std::string_view id) const {
    return find_by_id(loadbalancers, id);
}

const Pool* Config::find_pool(std::string_view id) const {
    return find_by_id(pools, id);
}

const HealthMonitor* Config::find_pool_healthmonitor(std::string_view pool_id) const {
    auto found = std::find_if(healthmonitors.begin(), healthmonitors.end(),
                              [&](const HealthMonitor& monitor) { return monitor.pool_id == pool_id; });
    return found == healthmonitors.end() ? nullptr : &*found;
}

bool ExpectedCodes::contains(int status) const {
    return std::any_of(ranges.begin(), ranges.end(), [&](const StatusCodeRange& range) {
        return status >= range.first && status <= range.last;
    });
}

std::string_view to_string(Protocol protocol) {
    return protocol == Protocol::Https ? "HTTPS" : "HTTP";
}

std::string_view to_string(LbAlgorithm algorithm) {
    switch (algorithm) {
        case LbAlgorithm::RoundRobin:
            return "ROUND_ROBIN";
        case LbAlgorithm::LeastConnections:
            return "LEAST_CONNECTIONS";
        case LbAlgorithm::SourceIp:
            return "SOURCE_IP";
    }
    return "ROUND_ROBIN";
}

std::string_view to_string(MonitorType type) {
    switch (type) {
        case MonitorType::Http:
            return "HTTP";
        case MonitorType::Https:
            return "HTTPS";
        case MonitorType::Tcp:
            return "TCP";
    }
    return "HTTP";
}

std::string_view to_string(MonitorHttpMethod method) {
    switch (method) {
        case MonitorHttpMethod::Get:
            return "GET";
        case MonitorHttpMethod::Head:
            return "HEAD";
        case MonitorHttpMethod::Post:
            return "POST";
    }
    return "GET";
}

}  // namespace tollgate::model
