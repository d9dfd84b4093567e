#include "proxy/balancer/balancer.h"

#include "core/check.h"
#include "proxy/balancer/least_connections.h"
#include "proxy/balancer/round_robin.h"
#include "proxy/balancer/source_ip.h"

namespace tollgate::proxy {

std::unique_ptr<Balancer> make_balancer(model::LbAlgorithm algorithm,
                                        std::span<const model::Member> members) {
    switch (algorithm) {
        case model::LbAlgorithm::RoundRobin:
            return std::make_unique<RoundRobinBalancer>(members);
        case model::LbAlgorithm::LeastConnections:
            return std::make_unique<LeastConnectionsBalancer>(members);
        case model::LbAlgorithm::SourceIp:
            return std::make_unique<SourceIpBalancer>(members);
    }
    // Only a value cast from outside the enumerators gets here.
    TG_CHECK(false && "unknown load balancing algorithm");
    return nullptr;
}

}  // namespace tollgate::proxy
