#pragma once
/// \file logging.hpp
/// \brief asor logs through spdlog only, to a logger named "asor"; the library never prints
/// otherwise. The level comes from SPDLOG_LEVEL (spdlog's convention) or set_log_level.

#include <spdlog/fwd.h>
#include <memory>

namespace asor {

/// \returns the logger asor writes to (created on first use, stderr, level from SPDLOG_LEVEL or
/// "warn").
std::shared_ptr<spdlog::logger> logger();
/// \brief Replace the logger asor writes to (e.g. to route it into an application's sinks).
void set_logger(std::shared_ptr<spdlog::logger> l);
/// \brief Set the level of asor's logger.
void set_log_level(spdlog::level::level_enum level);

}  // namespace asor
