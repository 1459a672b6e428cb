#pragma once
/// \file options.hpp
/// \brief Everything that configures a solve.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "asor/ordering.hpp"
#include "asor/progress.hpp"
#include "asor/stop.hpp"
#include "asor/sweep.hpp"

namespace asor {

/// \brief The relaxation methods. All run on the kernel of sweep.hpp.
enum class method {
  jacobi,        ///< weighted Jacobi (parallel, exact residual each sweep)
  sor,           ///< sequential SOR (direction forward, backward or symmetric)
  ssor,          ///< sequential symmetric SOR (sor with direction = symmetric)
  multicolor,    ///< parallel multicolor SOR (greedy coloring; colors in sequence)
  block_jacobi,  ///< parallel block-Jacobi with inner SOR sweeps, a barrier between sweeps
  async,         ///< asynchronous block SOR: no barrier, provisional results, verified stop
};

/// \returns "jacobi", "sor", "ssor", "multicolor", "block-jacobi" or "async".
std::string_view to_string(method m) noexcept;
/// \returns the method named \p name (as to_string writes it), or nullopt.
std::optional<method> method_from_string(std::string_view name) noexcept;
/// \returns "forward", "backward" or "symmetric".
std::string_view to_string(sweep_direction d) noexcept;

/// \brief What to do when a solve diverges.
enum class fallback_policy {
  none,       ///< stop with stop_reason::diverged
  omega_one,  ///< restart from the last verified x with omega = 1
  l1,         ///< restart from the last verified x in l1 mode (omega = 1)
};

/// \brief The diagonal of the rows that read other ranks' values, in a solve across ranks
/// (asor/distributed.hpp, docs/distributed.md). Ignored by a solve in one process.
enum class halo_diagonal {
  /// the l1 diagonal on those rows: a_ii plus the absolute values of the row's entries in other
  /// ranks' columns. The halo values a rank reads are a message old, so across ranks the
  /// relaxation is block-Jacobi-like; with the l1 diagonal, block-Jacobi SOR with one block
  /// per rank converges for every omega in (0, 2) on any SPD matrix (for async it is a
  /// safeguard, not a proof); with a_ii it may not near omega = 2 (nos1 and nos6, which are not
  /// H-matrices, do not converge on 4 ranks).
  l1,
  plain,  ///< a_ii: the shared-memory kernel unchanged (fastest on M-matrices such as Poisson)
};

/// \returns "l1" or "plain".
std::string_view to_string(halo_diagonal d) noexcept;

/// \brief Fault-injection hook, called on a worker thread after each block sweep with
/// (worker, block, sweeps of that block). It may sleep (a stalled or slow worker) or throw (the
/// exception stops the solve and reaches the caller of solve). Empty in production.
using worker_hook = std::function<void(int worker, int block, std::int64_t sweeps)>;

/// \brief Fault-injection hook, called by the thread that runs the decision loop each time it is
/// about to evaluate the stopping rules (the coordinator thread for async, the solving thread
/// after each sweep of a synchronous method). It may throw, std::bad_alloc included: the solve
/// stops with stop_reason::failed and the exception reaches the caller. Empty in production.
using decision_hook = std::function<void()>;

/// \brief Options of a solve. Defaults are safe for any SPD matrix.
struct solver_options {
  asor::method method = asor::method::async;
  sweep_direction direction = sweep_direction::forward;
  /// relaxation factor in (0, 2), never changed by the solver; nullopt (the default) = auto:
  /// estimated per method (estimate_omega and choose_omega, spectral.hpp). Jacobi uses it as
  /// weight.
  std::optional<double> omega;
  int threads = 0;  ///< 0 = default_threads()
  /// 0 = one block per thread (sync, and async across ranks), 4 per thread (async in one process)
  int blocks = 0;
  int local_sweeps = 1;   ///< sweeps over a block between publications (async, block-Jacobi)
  int publish_every = 1;  ///< publish a provisional result every k block sweeps (async)
  /// SOR sweeps per pass over the rows (sor_pipeline in sweep.hpp): 1 = one sweep per pass (the
  /// kernel sor_sweep; the default), 2 .. max_pipeline_sweeps = that many, pipelined; 0 =
  /// automatic, from the bandwidth and the cache size (automatic_pipeline_sweeps). With a fixed
  /// omega the iterate is bitwise the same for every value: only the speed changes, and the
  /// stopping rules see the residuals of a pass after it. Used by forward and backward SOR, the
  /// local sweeps of block-Jacobi and the asynchronous workers; SSOR and the symmetric direction
  /// run one sweep per pass (docs/algorithms.md). The default is 1 because no setting was
  /// measurably faster on the machines measured (docs/performance.md, "Pipelined sweeps").
  int pipeline_sweeps = 1;
  bool l1 = false;  ///< l1 diagonal at every block boundary (async and block-Jacobi)
  /// the rows that read other ranks' values, across ranks (async and block-Jacobi); l1 always
  /// when l1 is on
  halo_diagonal halo = halo_diagonal::l1;
  /// row order of the solve (see ordering); x and b stay in the caller's order
  asor::ordering ordering = asor::ordering::automatic;
  fallback_policy fallback = fallback_policy::none;
  stop_criteria stop;  ///< tolerance, budgets, divergence
  /// minimum interval between two progress callbacks (they get the newest snapshot, never a
  /// backlog); 0 = every new snapshot, as fast as the callback takes them
  double progress_interval_seconds = 0.1;
  /// how often the coordinator drains provisional results and decides (async)
  std::chrono::microseconds coordinator_period{200};
  bool record_provisional = false;          ///< keep every provisional result in the report (async)
  std::int64_t history_limit = 100000;      ///< points kept in the report's residual history
  std::int64_t provisional_limit = 100000;  ///< records kept when record_provisional (thinned)
  worker_hook on_block_sweep;               ///< fault injection (tests only)
  decision_hook on_decision;                ///< fault injection (tests only)
};

/// \brief Threads to use by default: OMP_NUM_THREADS, then SLURM_CPUS_PER_TASK, then the
/// hardware count (first one that parses as a positive integer).
int default_threads();

/// \throws std::invalid_argument when an option is out of its domain (omega outside (0, 2),
/// tolerance <= 0, threads < 0, blocks < threads, ...), with a message naming it.
void check_options(const solver_options& o, int rows);

}  // namespace asor
