#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace tollgate::core {

// Named loggers, one per subsystem. They are created by init_logging() and are safe to
// use from every thread.
std::shared_ptr<spdlog::logger> logger(const std::string& name);

// Sets up the console sink and the level for every named logger ("trace" to "off").
void init_logging(const std::string& level);

}  // namespace tollgate::core
