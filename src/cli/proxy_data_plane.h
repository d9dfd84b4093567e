#pragma once

#include "control/data_plane.h"
#include "proxy/server.h"

namespace tollgate::cli {

// The control plane's view of the running proxy::Server. It is in src/cli because src/proxy
// must not depend on src/control. Calls must run on the server's control thread.
class ProxyDataPlane final : public control::DataPlane {
public:
    explicit ProxyDataPlane(proxy::Server& server) : server_(server) {}

    core::Result<std::unique_ptr<control::PreparedChange>> prepare(const model::Config& config) override;

    // Aborts when `change` does not come from this class's prepare().
    void publish(std::unique_ptr<control::PreparedChange> change) override;

    control::MemberHealth member_health(const std::string& pool_id, const std::string& address,
                                        std::uint16_t port) const override;

private:
    proxy::Server& server_;
};

}  // namespace tollgate::cli
