#pragma once
/// \file progress.hpp
/// \brief What workers publish (provisional results) and what callbacks see (progress).

#include <cstdint>
#include <functional>
#include <limits>
#include <type_traits>

namespace asor {

/// \brief One worker's report after a block sweep (or after `publish_every` of them).
///
/// Small and trivially copyable: workers write it into lock-free per-worker rings and
/// latest-value-wins per-block slots; a worker never blocks on the coordinator.
/// The residual is *provisional*: computed during the sweep from values of x of mixed ages.
struct provisional_result {
  int block = -1;                      ///< block relaxed
  int worker = -1;                     ///< worker (thread) that relaxed it
  std::int64_t sweeps = 0;             ///< sweeps done on this block so far in the solve
  double provisional_residual_sq = 0;  ///< sum over the block's rows of squared residuals
  double seconds = 0;                  ///< time since the solve began
};
static_assert(std::is_trivially_copyable_v<provisional_result>);

/// \brief The snapshot a progress callback receives (on the coordinator thread only).
///
/// Residuals are relative (divided by ||b||) and provisional unless named `verified`.
struct progress {
  double elapsed_seconds = 0;
  double provisional_residual = std::numeric_limits<double>::infinity();  ///< current estimate
  /// the true relative residual of the initial guess, computed once before the first sweep
  /// (the divergence reference, as PETSc's rnorm0; not provisional)
  double initial_residual = std::numeric_limits<double>::infinity();
  double best_provisional_residual = std::numeric_limits<double>::infinity();
  /// smallest estimate seen over the last `stop_criteria::divergence_window` sweeps
  double window_min_provisional_residual = std::numeric_limits<double>::infinity();
  std::int64_t sweeps_since_best = 0;  ///< min-sweeps since the best estimate improved by 1 %
  std::int64_t min_sweeps = 0;         ///< fewest sweeps over all blocks (= iterations())
  std::int64_t max_sweeps = 0;         ///< most sweeps over all blocks
  double mean_sweeps = 0;
  double sweeps_per_second = 0;      ///< rate of min_sweeps, recent
  bool all_blocks_reported = false;  ///< every block has published since the last (re)start
  int verifications = 0;             ///< true-residual checks done so far
  double last_verified_residual = std::numeric_limits<double>::quiet_NaN();
  provisional_result latest;  ///< the newest provisional result (async), if any
};

/// \brief What a progress callback asks for. Observers observe; their only power is `stop`.
enum class callback_action { proceed, stop };

/// \brief A progress observer. Called on the coordinator thread (async) or the solving thread
/// (synchronous methods); it must not call back into the solver except `cancel()`.
using progress_callback = std::function<callback_action(const progress&)>;

}  // namespace asor
