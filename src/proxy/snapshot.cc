#include "proxy/snapshot.h"

#include "tls/certificate_info.h"

#include "tls/pem.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include "tls/certificate_check.h"

#include <boost/algorithm/string/case_conv.hpp>

#include <algorithm>

namespace tollgate::proxy {
namespace {

using boost::asio::ip::make_address;
using boost::asio::ip::tcp;

// Returns a key that changes whenever anything that shapes the SSL_CTX changes.
std::string settings_key(const tls::ServerTlsSettings& settings) {
    std::string material =
        fmt::format("{}\n{}\n{}\n{}\n{}\n{}\n{}\n", settings.listener_id, settings.certificate_pem,
                    settings.private_key_pem, settings.client_ca_pem, tls::to_string(settings.client_auth),
                    settings.verify_depth, settings.policy_name);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(material.data(), material.size(), digest, &length, EVP_sha256(), nullptr);
    return std::string(reinterpret_cast<const char*>(digest), length);
}

std::vector<std::string> stripped_header_names(const model::Listener& listener) {
    std::vector<std::string> names;
    for (const auto& spec : model::inserted_header_specs()) {
        const auto& setting = listener.insert_headers[spec.header];
        if (setting.enabled || spec.client_certificate_family) {
            names.push_back(boost::algorithm::to_lower_copy(std::string(spec.default_name)));
            names.push_back(boost::algorithm::to_lower_copy(setting.name));
        }
    }
    if (listener.insert_headers.forwarded_for_mode != model::XffMode::Preserve) {
        names.emplace_back("x-forwarded-for");
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
}

bool inserts_peer_certificate(const model::Listener& listener) {
    for (const auto& spec : model::inserted_header_specs()) {
        if (spec.client_certificate_family && listener.insert_headers[spec.header].enabled) {
            return true;
        }
    }
    return false;
}

std::shared_ptr<PoolRuntime> compile_pool(const model::Config& config, const model::Pool& pool,
                                          std::size_t workers, const health::HealthRegistry& health,
                                          std::vector<std::string>& errors) {
    auto runtime = std::make_shared<PoolRuntime>();
    runtime->config = pool;
    if (const auto* monitor = config.find_pool_healthmonitor(pool.id);
        monitor != nullptr && monitor->admin_state_up) {
        runtime->monitor = *monitor;
    }
    for (const auto& member : pool.members) {
        boost::system::error_code ec;
        auto address = make_address(member.address, ec);
        if (ec) {
            errors.push_back(fmt::format(
                "pools[{}].members[{}].address: invalid address \"{}\": use an IPv4 or IPv6 literal", pool.id,
                member.id, member.address));
            return nullptr;
        }
        runtime->endpoints.emplace_back(address, member.protocol_port);
        runtime->endpoint_texts.push_back(endpoint_text(runtime->endpoints.back()));
        runtime->health.push_back(health.find_or_create(pool.id, runtime->endpoints.back()));
    }
    for (std::size_t worker = 0; worker < workers; ++worker) {
        runtime->balancers.push_back(make_balancer(pool.lb_algorithm, pool.members));
    }
    return runtime;
}

// Parses a certificate resource and matches its key, reporting each problem under the field
// it came from (certificate_file and its path, or the inline certificate). Returns false on
// any error.
bool check_certificate(const model::Certificate& certificate, std::vector<std::string>& errors) {
    const bool client = certificate.type == model::CertificateType::Client;
    tls::CertificateUpload upload{client ? "client" : "server", certificate.certificate,
                                  certificate.private_key};
    auto check = tls::check_certificate_upload(upload, std::chrono::system_clock::now());
    for (const auto& problem : check.errors) {
        const bool key = problem.field == "private_key";
        const std::string& path = key ? certificate.private_key_path : certificate.certificate_path;
        std::string field = problem.field;
        if (!path.empty()) {
            field = fmt::format("{}_file \"{}\"", problem.field, path);
        }
        errors.push_back(fmt::format("certificates[{}].{}: {}", certificate.id, field, problem.message));
    }
    return check.errors.empty();
}

std::shared_ptr<const tls::ServerContext> compile_tls(const model::Config& config,
                                                      const model::Listener& listener, TlsContextCache& cache,
                                                      CompileResult& result) {
    const auto* server = config.find_certificate(listener.default_tls_container_ref);
    if (server == nullptr) {
        result.errors.push_back(
            fmt::format("listeners[{}].default_tls_container_ref: certificate \"{}\" not found", listener.id,
                        listener.default_tls_container_ref));
        return nullptr;
    }
    bool usable = check_certificate(*server, result.errors);
    const auto* ca = config.find_certificate(listener.client_ca_tls_container_ref);
    if (ca != nullptr) {
        usable = check_certificate(*ca, result.errors) && usable;
    }
    if (!usable) {
        return nullptr;
    }

    tls::ServerTlsSettings settings;
    settings.listener_id = listener.id;
    settings.certificate_id = server->id;
    settings.certificate_pem = server->certificate;
    settings.private_key_pem = server->private_key;
    settings.client_auth = listener.client_authentication;
    settings.verify_depth = listener.client_verify_depth;
    settings.policy_name = listener.tls_ciphers_policy;
    if (ca != nullptr) {
        settings.client_ca_id = ca->id;
        settings.client_ca_pem = ca->certificate;
    }
    auto context = cache.get(settings);
    if (!context) {
        result.errors.push_back(fmt::format("listeners[{}]: {}", listener.id, context.error().message));
        return nullptr;
    }
    for (const auto& warning : (*context)->warnings) {
        result.warnings.push_back(fmt::format("listeners[{}]: {}", listener.id, warning));
    }
    return *context;
}

}  // namespace

std::string endpoint_text(const tcp::endpoint& endpoint) {
    if (endpoint.address().is_v6()) {
        return fmt::format("[{}]:{}", endpoint.address().to_string(), endpoint.port());
    }
    return fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
}

const ListenerRuntime* Snapshot::find_listener(std::string_view id) const {
    for (const auto& listener : listeners) {
        if (listener->config.id == id) {
            return listener.get();
        }
    }
    return nullptr;
}

core::Result<std::shared_ptr<const tls::ServerContext>> TlsContextCache::get(
    const tls::ServerTlsSettings& settings) {
    std::string key = settings_key(settings);
    if (auto found = contexts_.find(key); found != contexts_.end()) {
        if (auto context = found->second.lock()) {
            return context;
        }
    }
    auto built = tls::build_server_context(settings);
    if (!built) {
        return built.error();
    }
    std::erase_if(contexts_, [](const auto& entry) { return entry.second.expired(); });
    contexts_[key] = *built;
    return *built;
}

// Returns the earliest notAfter of each certificate's PEM. Certificates that do not parse are
// left out: the loader has rejected them before a configuration gets here.
std::vector<CertificateExpiry> certificate_expiries(const model::Config& config) {
    std::vector<CertificateExpiry> result;
    for (const auto& certificate : config.certificates) {
        auto parsed = tls::parse_certificates(certificate.certificate);
        if (!parsed || parsed->empty()) {
            continue;
        }
        CertificateExpiry expiry{certificate.id, certificate.name,
                                 certificate.type == model::CertificateType::Server ? "server" : "client",
                                 std::chrono::system_clock::time_point::max()};
        for (const auto& x509 : *parsed) {
            expiry.not_after = std::min(expiry.not_after, tls::inspect_certificate(x509.get()).not_after);
        }
        result.push_back(std::move(expiry));
    }
    return result;
}

CompileResult compile_snapshot(const model::Config& config, std::uint64_t generation, std::size_t workers,
                               TlsContextCache& tls_cache, const health::HealthRegistry& health,
                               metrics::StatsRegistry* stats) {
    CompileResult result;
    auto snapshot = std::make_shared<Snapshot>();
    snapshot->generation = generation;

    std::map<std::string, std::shared_ptr<const PoolRuntime>> pools;
    for (const auto& pool : config.pools) {
        if (auto runtime = compile_pool(config, pool, workers, health, result.errors)) {
            snapshot->pools.push_back(runtime);
            pools[pool.id] = std::move(runtime);
        }
    }

    for (const auto& listener : config.listeners) {
        auto runtime = std::make_shared<ListenerRuntime>();
        runtime->config = listener;
        const auto* loadbalancer = config.find_loadbalancer(listener.loadbalancer_id);
        runtime->vip_address = loadbalancer != nullptr ? loadbalancer->vip_address : "0.0.0.0";
        boost::system::error_code ec;
        auto address = make_address(runtime->vip_address, ec);
        if (ec) {
            result.errors.push_back(fmt::format(
                "loadbalancers[{}].vip_address: invalid address \"{}\": use an IPv4 or IPv6 literal",
                listener.loadbalancer_id, runtime->vip_address));
            continue;
        }
        runtime->endpoint = tcp::endpoint(address, listener.protocol_port);
        if (listener.protocol == model::Protocol::Https) {
            runtime->tls = compile_tls(config, listener, tls_cache, result);
            if (!runtime->tls) {
                continue;
            }
        }
        if (!listener.default_pool_id.empty()) {
            auto found = pools.find(listener.default_pool_id);
            if (found != pools.end()) {
                runtime->pool = found->second;
            }
        }
        runtime->stripped_headers = stripped_header_names(listener);
        runtime->inserts_peer_certificate = inserts_peer_certificate(listener);
        runtime->stats = stats != nullptr ? stats->listener(listener.id, listener.loadbalancer_id)
                                          : std::make_shared<metrics::ListenerStats>(
                                                listener.id, listener.loadbalancer_id, workers);
        snapshot->listeners.push_back(std::move(runtime));
    }

    snapshot->certificates = certificate_expiries(config);

    // A certificate used by several listeners is checked once per listener; report it once.
    for (auto* messages : {&result.errors, &result.warnings}) {
        std::vector<std::string> unique;
        for (auto& message : *messages) {
            if (std::find(unique.begin(), unique.end(), message) == unique.end()) {
                unique.push_back(std::move(message));
            }
        }
        *messages = std::move(unique);
    }
    if (result.errors.empty()) {
        result.snapshot = std::move(snapshot);
    }
    return result;
}

}  // namespace tollgate::proxy
