#pragma once
/// \file report.hpp
/// \brief Everything a solve reports: outcome, work, residuals, history, times.

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "asor/options.hpp"
#include "asor/progress.hpp"
#include "asor/stop.hpp"

namespace asor {

/// \brief Min / mean / max of the sweep counts over blocks.
struct sweep_stats {
  std::int64_t min = 0;
  double mean = 0;
  std::int64_t max = 0;
};

/// \brief One point of the global residual history.
struct history_point {
  double seconds = 0;               ///< since the solve began
  std::int64_t sweeps = 0;          ///< fewest sweeps over blocks at that time
  double provisional_residual = 0;  ///< relative estimate at that time
  /// true residual when this point is a verification, NaN otherwise
  double verified_residual = std::numeric_limits<double>::quiet_NaN();
  double omega = std::numeric_limits<double>::quiet_NaN();  ///< the factor in use at that time
};

/// \brief One change of omega during a solve (omega = auto adapts it; docs/algorithms.md).
struct omega_update {
  std::int64_t sweep = 0;  ///< fewest sweeps over blocks when the new omega took effect
  double from = 1.0;
  double to = 1.0;
  /// the observed convergence factor per sweep behind the change (NaN when none, e.g. fallback)
  double factor = std::numeric_limits<double>::quiet_NaN();
  std::string why;  ///< the rule that fired
};

/// \brief A provisional result as recorded for the report, with the global estimate it produced.
struct provisional_record {
  provisional_result result;
  double global_provisional_residual = 0;  ///< relative global estimate right after it
};

/// \brief The full outcome of a solve.
struct solve_report {
  stop_reason reason = stop_reason::none;
  asor::method method = asor::method::sor;
  sweep_direction direction = sweep_direction::forward;
  double omega = 1.0;  ///< the relaxation factor at the end (after auto, adaptation, fallback)
  /// the factor the solve started from (the estimate's rule under auto, else the user's)
  double initial_omega = 1.0;
  /// every change of omega, in order (empty when omega was fixed, or auto never changed it)
  std::vector<omega_update> omega_history;
  bool omega_auto = false;                                                 ///< omega was estimated
  double estimated_jacobi_rho = std::numeric_limits<double>::quiet_NaN();  ///< when auto
  int threads = 1;
  int blocks = 1;
  bool l1 = false;  ///< the l1 diagonal at every block boundary (solver_options::l1)
  /// across ranks: the l1 diagonal on the rows that read other ranks' values
  /// (solver_options::halo, or l1 everywhere); false in one process
  bool halo_l1 = false;
  asor::ordering ordering = asor::ordering::natural;  ///< applied: natural or rcm
  double tolerance = 0;
  /// SOR sweeps per pass over the rows (solver_options::pipeline_sweeps, after the automatic
  /// choice; the largest over the blocks or workers); 1 = one sweep per pass
  int pipeline_sweeps = 1;

  sweep_stats sweeps;                      ///< over blocks (all equal for synchronous methods)
  std::vector<std::int64_t> block_sweeps;  ///< per block
  double relative_residual = std::numeric_limits<double>::quiet_NaN();     ///< true, returned x
  double provisional_residual = std::numeric_limits<double>::quiet_NaN();  ///< last estimate
  double rhs_norm = 0;
  int verifications = 0;         ///< true-residual checks (each on a quiescent x)
  int failed_verifications = 0;  ///< checks that found the estimate too optimistic

  double setup_seconds = 0;  ///< omega estimate, coloring, partition (before the first sweep)
  /// the engine reused the preparation of an earlier solve (setup_seconds is that one's time)
  bool setup_reused = false;
  double solve_seconds = 0;  ///< from the first sweep to the returned x (verification included)
  /// from the stop decision (the decision loop's, a cancel, a callback's stop, the deadline) to
  /// the moment x was quiescent (every worker returned), at the final stop; every method. NaN when
  /// the solve never relaxed (b = 0, cancelled during preparation).
  double cancel_latency_seconds = std::numeric_limits<double>::quiet_NaN();
  double max_cancel_latency_seconds = std::numeric_limits<double>::quiet_NaN();  ///< over stops
  /// time the solve waited, after x was final, for a progress callback still running (the callback
  /// runs on its own thread; solve() returns only once it has returned)
  double observer_wait_seconds = 0;

  bool fallback_used = false;
  std::string fallback;  ///< what the fallback did, empty when none

  std::int64_t provisional_results = 0;          ///< published by workers
  std::int64_t provisional_results_dropped = 0;  ///< lost because a ring was full (never blocks)

  /// global estimate over time: at most solver_options::history_limit points (thinned to every
  /// other point, then recorded half as often, whenever the limit is reached; verifications kept)
  std::vector<history_point> history;
  /// every result, when record_provisional: at most solver_options::provisional_limit records,
  /// thinned the same way as the history
  std::vector<provisional_record> provisional;

  /// what ended the solve when reason == stop_reason::failed (the exception's message)
  std::string error;

  /// Distributed solves (asor/distributed.hpp): the processes that solved (1 for a shared-memory
  /// engine); on rank 0 the sweeps of each rank over its blocks (empty otherwise), and the halo
  /// messages and values all ranks sent during relaxation.
  int ranks = 1;
  std::vector<sweep_stats> rank_sweeps;
  std::int64_t halo_messages = 0;
  std::int64_t halo_values = 0;

  [[nodiscard]] bool converged() const noexcept { return reason == stop_reason::converged; }
};

}  // namespace asor
