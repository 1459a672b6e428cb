#pragma once
/// \file progress.hpp
/// \brief What workers publish (provisional results) and what callbacks see (progress).

#include <cstdint>
#include <functional>
#include <limits>
#include <type_traits>
#include <vector>

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

/// \brief A snapshot of a running solve: what a progress callback receives and what
/// solve_handle::progress() returns.
///
/// Residuals are relative (divided by ||b||) and provisional unless named `verified`. An estimate
/// that does not exist yet is NaN, never a made-up 0: the global provisional residual exists once
/// every block has published since the last (re)start (`all_blocks_reported`).
struct progress {
  double elapsed_seconds = 0;
  /// current global estimate; NaN until every block has reported, +inf when some block's residual
  /// is not finite (divergence)
  double provisional_residual = std::numeric_limits<double>::quiet_NaN();
  /// the true relative residual of the initial guess, computed once before the first sweep
  /// (the divergence reference, as PETSc's rnorm0; not provisional)
  double initial_residual = std::numeric_limits<double>::infinity();
  double best_provisional_residual = std::numeric_limits<double>::infinity();
  /// smallest estimate seen over the last `stop_criteria::divergence_window` sweeps
  double window_min_provisional_residual = std::numeric_limits<double>::infinity();
  std::int64_t sweeps_since_best = 0;  ///< min-sweeps since the best estimate improved by 1 %
  /// min-sweeps since the solve started or, after a divergence, restarted from the last verified
  /// x: the span of sweeps the divergence window has had to fill
  std::int64_t sweeps_since_restart = 0;
  std::int64_t min_sweeps = 0;  ///< fewest sweeps over all blocks (= iterations())
  std::int64_t max_sweeps = 0;  ///< most sweeps over all blocks
  double mean_sweeps = 0;
  double sweeps_per_second = 0;      ///< rate of min_sweeps, recent
  bool all_blocks_reported = false;  ///< every block has published since the last (re)start
  int verifications = 0;             ///< true-residual checks done so far
  double last_verified_residual = std::numeric_limits<double>::quiet_NaN();
  /// when the last true-residual check was made (same clock as elapsed_seconds); NaN before it
  double last_verified_seconds = std::numeric_limits<double>::quiet_NaN();
  double omega = 1.0;         ///< the relaxation factor the workers use now
  provisional_result latest;  ///< the newest provisional result (async), if any
};

/// \brief The newest state of every block of a running solve: what solve_handle::block_progress()
/// returns (a live monitor draws each block's curve and sweep count from it).
///
/// The decision loop takes it from what it already holds (the asynchronous coordinator from the
/// blocks' latest-value slots; a synchronous schedule from its sweep count) at most every 10 ms and
/// at the end of every round; workers do nothing more for it. Every vector has one entry per block.
/// Residuals are relative (divided by ||b||) and provisional: each block's newest value, so blocks
/// of different ages sit side by side — that is what makes a lagging worker visible.
struct block_progress {
  double elapsed_seconds = 0;        ///< when it was taken (same clock as progress)
  std::vector<std::int64_t> sweeps;  ///< sweeps done on each block so far in the solve
  /// sqrt(sum of the block's squared provisional residuals) / ||b||, from the block's newest
  /// publication; NaN for a block that has not published yet, and for every block of the
  /// synchronous methods (one sweep of theirs gives one residual for all rows)
  std::vector<double> provisional_residual;
  /// the worker that published the block's newest value (async); -1 when none has, and for the
  /// synchronous methods (blocks sweep in lockstep there: their sweep counts are all equal)
  std::vector<int> worker;
};

/// \brief What a progress callback asks for. Observers observe; their only power is `stop`.
enum class callback_action { proceed, stop };

/// \brief A progress observer.
///
/// Called on an observer thread of its own, never on a thread that relaxes or decides: a callback
/// may be slow, block or throw, and the stopping rules, budgets and cancel still act on time. It
/// receives the newest snapshot, at most every `solver_options::progress_interval_seconds`,
/// never a backlog. Returning `stop` stops the solve with stop_reason::user_stop; throwing stops it
/// with stop_reason::failed and the exception reaches the caller of solve() / get(). An answer
/// that arrives after the solve has already stopped is ignored, but solve() and get() return only
/// once the call in progress has returned (a callback may use the caller's stack). A callback must
/// not call back into the solver except `cancel()`.
using progress_callback = std::function<callback_action(const progress&)>;

}  // namespace asor
