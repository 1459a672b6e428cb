#pragma once
/// \file engine.hpp
/// \brief The solver engine behind every method: works on a csr_view and spans, knows no Eigen.

#include <memory>
#include <span>

#include "asor/cancellation.hpp"
#include "asor/csr_view.hpp"
#include "asor/options.hpp"
#include "asor/progress.hpp"
#include "asor/report.hpp"
#include "asor/solve_handle.hpp"
#include "asor/spectral.hpp"

namespace asor {

namespace detail {
struct engine_access;
}  // namespace detail

/// \brief Runs one method on one matrix, any number of times.
///
/// The engine keeps what the method prepares once per matrix (row order, partition, coloring, l1
/// diagonal, the omega estimate) and runs solves on it. When the options' ordering renumbers the
/// rows (ordering.hpp) the engine owns one permuted copy of the matrix; b and x stay in the
/// caller's order. The asynchronous coordinator (Boost.Asio), the worker threads (OpenMP), the
/// observer thread that calls the progress callback and the thread that runs submitted solves live
/// in the implementation.
///
/// Every solve goes through one driver (docs/architecture.md): prepare, relax, candidate, confirm,
/// verify on a quiescent x, resume or fall back, report; the methods differ only in how they relax.
/// Its stopping rules and their precedence are in docs/termination.md.
///
/// Thread safety: one solve at a time per engine: `submit` or `solve` while a solve runs throws
/// std::logic_error. `cancel` may be called from any thread at any time. `set_options` throws
/// std::logic_error while a solve runs; `on_progress` may be called at any time and applies to the
/// next solve. Destroying an engine while a solve it runs is not finished is a contract violation:
/// debug builds assert; release builds cancel the solve and wait for it.
class engine {
 public:
  /// \pre \p A is a valid view (see validate.hpp) that outlives the engine.
  /// \throws std::invalid_argument when the options are invalid (check_options).
  engine(const csr_view& A, solver_options options);
  ~engine();
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;
  /// \brief Moves the engine; the moved-from engine may only be destroyed, assigned or cancelled
  /// (a no-op); anything else throws std::logic_error. \pre no solve is running on \p other.
  engine(engine&& other) noexcept;
  engine& operator=(engine&& other) noexcept;

  /// \brief Starts solving A x = b from the x passed in and returns at once.
  ///
  /// The solve runs on a thread of the engine; x holds the result once the handle is ready. b and x
  /// must stay alive and untouched until then (destroying the handle cancels and waits).
  /// \throws std::invalid_argument when b or x does not have A.rows entries;
  /// std::logic_error when a solve is already running on this engine.
  [[nodiscard]] solve_handle submit(std::span<const double> b, std::span<double> x);

  /// \brief Solve A x = b starting from the x passed in; x holds the result on return.
  /// The same as `submit(b, x).get()`.
  /// \pre b.size() == x.size() == A.rows
  /// \throws what ended the solve (a worker hook, a progress callback, std::bad_alloc ...), after
  /// every thread has stopped; std::logic_error when a solve is already running on this engine.
  solve_report solve(std::span<const double> b, std::span<double> x);

  /// \brief Called with progress snapshots on the observer thread (see progress_callback).
  void on_progress(progress_callback callback);

  /// \brief Stops the solve in progress or submitted, from any thread (cooperative, idempotent,
  /// first wins). With no solve running it does nothing: it does not cancel a later solve.
  void cancel() noexcept;

  /// \returns whether a submitted solve has not ended yet.
  [[nodiscard]] bool running() const;

  [[nodiscard]] const solver_options& options() const;
  /// \brief Replace the options. What the preparation depends on (method, threads, blocks,
  /// ordering, omega, l1, direction) is prepared again at the next solve only when it changed;
  /// stopping rules, budgets, callbacks and hooks change nothing prepared.
  /// \throws std::invalid_argument when they are invalid; std::logic_error during a solve.
  void set_options(solver_options options);

  /// \brief The implementation (opaque outside the library).
  struct impl;

 private:
  friend struct detail::engine_access;  // make_distributed_engine (asor/distributed.hpp)
  [[nodiscard]] impl& checked() const;
  std::unique_ptr<impl> impl_;
};

/// \brief ||b - A x||_2 computed in parallel (OpenMP, plain loads; x must be quiescent).
double residual_norm(const csr_view& A, std::span<const double> b, std::span<const double> x);

}  // namespace asor
