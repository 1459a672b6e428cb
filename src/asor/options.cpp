#include "asor/options.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

namespace asor {

std::string_view to_string(method m) noexcept {
  switch (m) {
    case method::jacobi:
      return "jacobi";
    case method::sor:
      return "sor";
    case method::ssor:
      return "ssor";
    case method::multicolor:
      return "multicolor";
    case method::block_jacobi:
      return "block-jacobi";
    case method::async:
      return "async";
  }
  return "unknown";
}

std::optional<method> method_from_string(std::string_view name) noexcept {
  for (const method m : {method::jacobi, method::sor, method::ssor, method::multicolor,
                         method::block_jacobi, method::async}) {
    if (to_string(m) == name) return m;
  }
  return std::nullopt;
}

std::string_view to_string(sweep_direction d) noexcept {
  switch (d) {
    case sweep_direction::forward:
      return "forward";
    case sweep_direction::backward:
      return "backward";
    case sweep_direction::symmetric:
      return "symmetric";
  }
  return "unknown";
}

std::string_view to_string(halo_diagonal d) noexcept {
  return d == halo_diagonal::l1 ? "l1" : "plain";
}

namespace {

int positive_env(const char* name) {
  const char* s = std::getenv(name);
  if (s == nullptr) return 0;
  const std::string_view v(s);
  int value = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
  // OMP_NUM_THREADS may be a list ("4,2"): the first level counts.
  if (ec != std::errc{} || value <= 0) return 0;
  if (ptr != v.data() + v.size() && *ptr != ',') return 0;
  return value;
}

}  // namespace

int default_threads() {
  if (const int t = positive_env("OMP_NUM_THREADS")) return t;
  if (const int t = positive_env("SLURM_CPUS_PER_TASK")) return t;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

void check_options(const solver_options& o, int rows) {
  auto fail = [](const std::string& what) { throw std::invalid_argument(what); };
  if (o.omega && !(*o.omega > 0.0 && *o.omega < 2.0)) {
    fail("omega must be in (0, 2), got " + std::to_string(*o.omega));
  }
  if (!(o.stop.tolerance > 0.0) || !std::isfinite(o.stop.tolerance)) {
    fail("tolerance must be positive and finite, got " + std::to_string(o.stop.tolerance));
  }
  if (o.stop.max_sweeps < 1) fail("max sweeps must be at least 1");
  if (!(o.stop.time_limit_seconds > 0.0)) fail("time limit must be positive");
  if (!(o.stop.divergence_factor > 1.0)) fail("divergence factor must be greater than 1");
  if (o.stop.divergence_window < 1) fail("divergence window must be at least 1 sweep");
  if (o.stop.stagnation_window < 0) fail("stagnation window must be >= 0 (0 = off)");
  if (o.threads < 0) fail("threads must be >= 0 (0 = default)");
  if (o.blocks < 0) fail("blocks must be >= 0 (0 = default)");
  if (o.blocks > rows) {
    fail("blocks (" + std::to_string(o.blocks) + ") exceeds the number of rows (" +
         std::to_string(rows) + ")");
  }
  if (o.blocks > 0 && o.threads > 0 && o.blocks < o.threads &&
      (o.method == method::async || o.method == method::block_jacobi)) {
    fail("blocks (" + std::to_string(o.blocks) + ") must be >= threads (" +
         std::to_string(o.threads) + ")");
  }
  if (o.local_sweeps < 1) fail("local sweeps must be at least 1");
  if (o.publish_every < 1) fail("publish_every must be at least 1");
  if (o.pipeline_sweeps < 0 || o.pipeline_sweeps > max_pipeline_sweeps) {
    fail("pipeline sweeps must be in [0, " + std::to_string(max_pipeline_sweeps) +
         "] (0 = automatic), got " + std::to_string(o.pipeline_sweeps));
  }
  if (o.progress_interval_seconds < 0.0) fail("progress interval must be >= 0");
  if (o.coordinator_period.count() <= 0) fail("coordinator period must be positive");
  if (o.history_limit < 0) fail("history limit must be >= 0");
  if (o.provisional_limit < 0) fail("provisional limit must be >= 0");
}

}  // namespace asor
