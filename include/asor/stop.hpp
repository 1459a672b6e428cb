#pragma once
/// \file stop.hpp
/// \brief Stopping rules as a value type with a pure `evaluate`, and the reasons a solve stops.

#include <cstdint>
#include <limits>
#include <string_view>

#include "asor/progress.hpp"

namespace asor {

/// \brief Why a solve stopped. PETSc's sign convention: positive converged, negative not.
enum class stop_reason : int {
  none = 0,         ///< not stopped (still running, or never run)
  converged = 1,    ///< verified: the true ||b - A x|| / ||b|| <= tolerance on the returned x
  max_sweeps = -1,  ///< the sweep budget ran out
  time_limit = -2,  ///< the time budget ran out
  diverged = -3,    ///< the estimate became non-finite or grew by divergence_factor, sustained
  stagnated = -4,   ///< no 1 % improvement over stagnation_window sweeps
  user_stop = -5,   ///< a progress callback returned callback_action::stop
  cancelled = -6,   ///< cancel() was called
  failed = -7,      ///< an exception ended the solve (solve_report::error says which)
};

/// \returns a stable lower-case name ("converged", "max_sweeps", ...).
std::string_view to_string(stop_reason r) noexcept;

/// \brief When a solve stops. A plain value: `evaluate` is pure and testable without threads.
struct stop_criteria {
  double tolerance = 1e-8;          ///< on the relative residual ||b - A x|| / ||b||
  std::int64_t max_sweeps = 10000;  ///< on the fewest sweeps any block has done
  double time_limit_seconds = std::numeric_limits<double>::infinity();
  double divergence_factor = 1e4;       ///< growth over the best estimate that means divergence
  std::int64_t divergence_window = 20;  ///< ... sustained over this many sweeps
  std::int64_t stagnation_window = 0;   ///< sweeps without 1 % progress; 0 = never stagnates

  /// \brief Decide from a progress snapshot.
  /// \returns `none` to go on; `converged` means *candidate*: the engine verifies the true
  /// residual before it reports convergence; any negative reason means stop now.
  /// Order: non-finite estimate (diverged), converged candidate, sustained growth (diverged),
  /// stagnation, max sweeps, time limit. An estimate that does not exist yet (NaN while
  /// `all_blocks_reported` is false) decides nothing; the budgets still apply.
  [[nodiscard]] stop_reason evaluate(const progress& p) const noexcept;
};

}  // namespace asor
