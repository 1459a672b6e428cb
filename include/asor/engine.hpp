#pragma once
/// \file engine.hpp
/// \brief The solver engine behind every method: works on a csr_view and spans, knows no Eigen.

#include <memory>
#include <span>

#include "asor/csr_view.hpp"
#include "asor/options.hpp"
#include "asor/progress.hpp"
#include "asor/report.hpp"
#include "asor/spectral.hpp"

namespace asor {

/// \brief Runs one method on one matrix, any number of times.
///
/// The engine keeps what the method prepares once per matrix (row order, partition, coloring, l1
/// diagonal, the omega estimate) and runs solves on it. When the options' ordering renumbers the
/// rows (ordering.hpp) the engine owns one permuted copy of the matrix; b and x stay in the
/// caller's order. The asynchronous coordinator (Boost.Asio) and the
/// worker threads (OpenMP) live in the implementation.
///
/// Thread safety: `solve` must not be called concurrently on one engine. `cancel` may be called
/// from any thread at any time; it stops the solve in progress (if any) with
/// stop_reason::cancelled, idempotently; with no solve in progress it does nothing.
class engine {
 public:
  /// \pre \p A is a valid view (see validate.hpp) that outlives the engine.
  /// \throws std::invalid_argument when the options are invalid (check_options).
  engine(const csr_view& A, solver_options options);
  ~engine();
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;
  engine(engine&&) noexcept;
  engine& operator=(engine&&) noexcept;

  /// \brief Solve A x = b starting from the x passed in; x holds the result on return.
  /// \pre b.size() == x.size() == A.rows
  /// \throws whatever a worker hook or a progress callback threw, after every thread has stopped.
  solve_report solve(std::span<const double> b, std::span<double> x);

  /// \brief Called with each progress snapshot (see progress_callback).
  void on_progress(progress_callback callback);

  /// \brief Stop the solve in progress from any thread (cooperative, idempotent, first wins).
  void cancel() noexcept;

  [[nodiscard]] const solver_options& options() const noexcept;
  /// \brief Replace the options; what depends on them is prepared again at the next solve.
  void set_options(solver_options options);

  /// \brief The implementation (opaque outside the library).
  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

/// \brief ||b - A x||_2 computed in parallel (OpenMP, plain loads; x must be quiescent).
double residual_norm(const csr_view& A, std::span<const double> b, std::span<const double> x);

}  // namespace asor
