#include "core/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <array>
#include <mutex>

namespace tollgate::core {
namespace {

constexpr std::array kLoggerNames = {"main",  "config", "tls",   "proxy", "upstream", "balancer",
                                     "store", "api",    "bench", "demo",  "health"};

std::once_flag init_once;

void create_loggers() {
    auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    sink->set_formatter(std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ [%n] %v",
                                                                    spdlog::pattern_time_type::utc));
    for (const char* name : kLoggerNames) {
        auto created = std::make_shared<spdlog::logger>(name, sink);
        spdlog::register_logger(created);
    }
}

}  // namespace

std::shared_ptr<spdlog::logger> logger(const std::string& name) {
    std::call_once(init_once, create_loggers);
    auto found = spdlog::get(name);
    return found ? found : spdlog::get("main");
}

void init_logging(const std::string& level) {
    std::call_once(init_once, create_loggers);
    spdlog::set_level(spdlog::level::from_str(level));
}

}  // namespace tollgate::core
