#include "asor/stop.hpp"

#include <algorithm>
#include <cmath>

namespace asor {

std::string_view to_string(stop_reason r) noexcept {
  switch (r) {
    case stop_reason::none:
      return "none";
    case stop_reason::converged:
      return "converged";
    case stop_reason::max_sweeps:
      return "max_sweeps";
    case stop_reason::time_limit:
      return "time_limit";
    case stop_reason::diverged:
      return "diverged";
    case stop_reason::stagnated:
      return "stagnated";
    case stop_reason::user_stop:
      return "user_stop";
    case stop_reason::cancelled:
      return "cancelled";
    case stop_reason::failed:
      return "failed";
  }
  return "unknown";
}

stop_reason stop_criteria::evaluate(const progress& p) const noexcept {
  // +inf: some block's residual is not finite. NaN: no estimate yet, unless every block reported
  // (then a NaN residual came from the matrix or the iterate, which is divergence too).
  if (std::isinf(p.provisional_residual) ||
      (p.all_blocks_reported && std::isnan(p.provisional_residual))) {
    return stop_reason::diverged;
  }
  if (p.all_blocks_reported && p.provisional_residual <= tolerance) return stop_reason::converged;
  // Sustained growth (PETSc's divergence rule, made robust to one stale estimate): even the
  // smallest estimate of the last window is divergence_factor times the initial residual. The
  // window must have been filled since the last restart (a restart empties it).
  const double reference = std::max(p.initial_residual, tolerance);
  if (p.sweeps_since_restart >= divergence_window && std::isfinite(reference) &&
      p.window_min_provisional_residual > divergence_factor * reference) {
    return stop_reason::diverged;
  }
  if (stagnation_window > 0 && p.sweeps_since_best >= stagnation_window) {
    return stop_reason::stagnated;
  }
  if (p.min_sweeps >= max_sweeps) return stop_reason::max_sweeps;
  if (p.elapsed_seconds >= time_limit_seconds) return stop_reason::time_limit;
  return stop_reason::none;
}

}  // namespace asor
