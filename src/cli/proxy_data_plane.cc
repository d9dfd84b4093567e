#include "cli/proxy_data_plane.h"

#include "core/check.h"
#include "core/logging.h"

namespace tollgate::cli {
namespace {

class PreparedProxyChange final : public control::PreparedChange {
public:
    explicit PreparedProxyChange(proxy::PreparedConfig config) : config(std::move(config)) {}

    proxy::PreparedConfig config;
};

}  // namespace

core::Result<std::unique_ptr<control::PreparedChange>> ProxyDataPlane::prepare(const model::Config& config) {
    auto prepared = server_.prepare(config);
    if (!prepared) {
        return prepared.error();
    }
    return std::unique_ptr<control::PreparedChange>(
        std::make_unique<PreparedProxyChange>(std::move(*prepared)));
}

void ProxyDataPlane::publish(std::unique_ptr<control::PreparedChange> change) {
    auto* prepared = dynamic_cast<PreparedProxyChange*>(change.get());
    TG_CHECK(prepared != nullptr);
    server_.publish(std::move(prepared->config));
    core::logger("main")->info("published generation={} listeners={}", server_.generation(),
                               server_.listener_count());
}

}  // namespace tollgate::cli
