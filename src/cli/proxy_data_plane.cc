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

control::MemberHealth ProxyDataPlane::member_health(const std::string& pool_id, const std::string& address,
                                                    std::uint16_t port) const {
    boost::system::error_code ec;
    const auto parsed = boost::asio::ip::make_address(address, ec);
    if (ec) {
        return {};
    }
    const auto report = server_.health().report(pool_id, boost::asio::ip::tcp::endpoint(parsed, port),
                                                proxy::health::Clock::now());
    if (!report) {
        return {};
    }
    control::MemberHealth health;
    health.operating_status = proxy::health::to_string(report->operating_status);
    health.reason_code = proxy::health::reason_code(report->reason);
    if (report->reason == proxy::health::Failure::StatusMismatch) {
        health.expected_response = report->expected_codes;
        health.healthcheck_response = std::to_string(report->status_code);
    }
    return health;
}

}  // namespace tollgate::cli
