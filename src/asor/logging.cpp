#include "asor/logging.hpp"

#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <mutex>

namespace asor {
namespace {

std::mutex& logger_mutex() {
  static std::mutex m;
  return m;
}

std::shared_ptr<spdlog::logger>& logger_slot() {
  static std::shared_ptr<spdlog::logger> l;
  return l;
}

}  // namespace

std::shared_ptr<spdlog::logger> logger() {
  const std::lock_guard lock(logger_mutex());
  auto& l = logger_slot();
  if (!l) {
    l = spdlog::get("asor");
    if (!l) {
      l = spdlog::stderr_color_mt("asor");
      l->set_level(spdlog::level::warn);
      spdlog::cfg::load_env_levels();  // SPDLOG_LEVEL=info or SPDLOG_LEVEL=asor=debug
    }
  }
  return l;
}

void set_logger(std::shared_ptr<spdlog::logger> l) {
  const std::lock_guard lock(logger_mutex());
  logger_slot() = std::move(l);
}

void set_log_level(spdlog::level::level_enum level) { logger()->set_level(level); }

}  // namespace asor
