#pragma once

#include "metrics/listener_stats.h"
#include "model/resources.h"
#include "proxy/balancer/balancer.h"
#include "proxy/health/member_health.h"
#include "proxy/health/registry.h"
#include "tls/server_context.h"

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tollgate::proxy {

// Formats an endpoint as "192.0.2.7:80" or "[2001:db8::7]:80", for logs and Host fields.
std::string endpoint_text(const boost::asio::ip::tcp::endpoint& endpoint);

// A pool ready for the data plane. The balancers are per worker: worker i only touches
// balancers[i], so they need no synchronisation. The health records are shared by every
// worker, the active checker and later snapshots that keep the member.
struct PoolRuntime {
    model::Pool config;
    std::vector<boost::asio::ip::tcp::endpoint> endpoints;      // indexed like config.members
    std::vector<std::string> endpoint_texts;                    // endpoint_text() of each member
    std::vector<std::unique_ptr<Balancer>> balancers;           // indexed by worker
    std::vector<std::shared_ptr<health::MemberHealth>> health;  // indexed like config.members
    // The pool's health monitor when it probes, i.e. it exists with admin_state_up true.
    std::optional<model::HealthMonitor> monitor;
};

// A listener ready for the data plane: its address, TLS context and default pool.
struct ListenerRuntime {
    model::Listener config;
    std::string vip_address;
    boost::asio::ip::tcp::endpoint endpoint;
    std::shared_ptr<const tls::ServerContext> tls;  // null for HTTP listeners
    std::shared_ptr<const PoolRuntime> pool;        // null without default_pool_id
    std::vector<std::string> stripped_headers;      // lowercase names removed from requests
    bool inserts_peer_certificate = false;          // any X-Forwarded-Clientcert* enabled
    // The listener's counters, shared with the snapshots before and after this one.
    std::shared_ptr<metrics::ListenerStats> stats;
};

// An immutable compiled configuration. Workers read it without locks; a change builds a new
// one and each worker swaps its pointer on its own thread.
// The validity end of one configured certificate, for the expiry metric.
struct CertificateExpiry {
    std::string id;
    std::string name;
    std::string type;                                 // "server" or "client"
    std::chrono::system_clock::time_point not_after;  // the earliest of its chain or bundle
};

struct Snapshot {
    std::uint64_t generation = 0;
    std::vector<std::shared_ptr<const ListenerRuntime>> listeners;
    std::vector<std::shared_ptr<const PoolRuntime>> pools;  // every pool, with a listener or not
    std::vector<CertificateExpiry> certificates;

    const ListenerRuntime* find_listener(std::string_view id) const;
};

// Reuses TLS contexts across snapshots when a listener's TLS settings are unchanged, so that
// a reload does not invalidate session tickets. Used by the control thread only.
class TlsContextCache {
public:
    core::Result<std::shared_ptr<const tls::ServerContext>> get(const tls::ServerTlsSettings& settings);

private:
    std::map<std::string, std::weak_ptr<const tls::ServerContext>> contexts_;
};

struct CompileResult {
    std::shared_ptr<const Snapshot> snapshot;  // null when errors is not empty
    std::vector<std::string> errors;
    std::vector<std::string> warnings;
};

// Builds the data-plane view of `config`: resolves addresses, builds TLS contexts and one
// balancer per worker for every pool. Members that `health` has a record for keep that record.
// Listeners take their counters from `stats`, or get counters of their own without it.
CompileResult compile_snapshot(const model::Config& config, std::uint64_t generation, std::size_t workers,
                               TlsContextCache& tls_cache, const health::HealthRegistry& health,
                               metrics::StatsRegistry* stats = nullptr);

}  // namespace tollgate::proxy
