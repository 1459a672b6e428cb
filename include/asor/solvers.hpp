#pragma once
/// \file solvers.hpp
/// \brief The Eigen-style solvers: `AsyncSOR`, `SOR`, `SSOR`, `Jacobi`, `MulticolorSOR`,
/// `BlockJacobiSOR`. They sit next to Eigen::ConjugateGradient in user code; a user swaps methods
/// by changing one type.
///
/// \code
/// asor::AsyncSOR<asor::sparse_matrix> solver;
/// solver.setTolerance(1e-8).setThreads(4).setOmega(1.5);
/// solver.onProgress([](const asor::progress& p) {
///   std::printf("%g\n", p.provisional_residual);
///   return asor::callback_action::proceed;
/// });
/// solver.compute(A);
/// Eigen::VectorXd x = solver.solve(b);
/// if (solver.info() != Eigen::Success) { /* solver.report().reason says why */ }
/// \endcode

#include <Eigen/Core>
#include <limits>
#include <memory>
#include <optional>
#include <type_traits>

#include "asor/engine.hpp"
#include "asor/matrix.hpp"
#include "asor/options.hpp"
#include "asor/report.hpp"
#include "asor/validate.hpp"

namespace asor {

/// \returns Eigen's view of a stop reason: Success when converged, NoConvergence when a budget
/// ran out or the solve was stopped, NumericalIssue when it diverged or stagnated.
Eigen::ComputationInfo to_info(stop_reason r) noexcept;

/// \brief One relaxation method behind Eigen's iterative-solver interface.
///
/// `compute(A)` validates A (throws input_error when it is not a valid SPD candidate) and keeps a
/// reference to it when it is already an `asor::sparse_matrix` in compressed form (no copy: A must
/// outlive the solver, as with Eigen's solvers); any other sparse type is converted once.
///
/// Thread safety: one thread drives a solver; `cancel()` may be called from any thread.
template <class MatrixType, method Method>
class relaxation_solver {
 public:
  using matrix_type = MatrixType;

  relaxation_solver() { options_.method = Method; }
  explicit relaxation_solver(const MatrixType& A) : relaxation_solver() { compute(A); }

  /// \brief Validate and prepare \p A. \throws input_error when A is invalid.
  relaxation_solver& compute(const MatrixType& A) {
    if constexpr (std::is_same_v<MatrixType, sparse_matrix>) {
      if (A.isCompressed()) {
        owned_.reset();
        matrix_ = &A;
      } else {
        owned_ = std::make_unique<sparse_matrix>(A);
        owned_->makeCompressed();
        matrix_ = owned_.get();
      }
    } else {
      owned_ = std::make_unique<sparse_matrix>(A);
      owned_->makeCompressed();
      matrix_ = owned_.get();
    }
    validate_matrix(*matrix_);
    inv_diag_ = inverse_diagonal(*matrix_);
    engine_ = std::make_unique<engine>(view_of(*matrix_, inv_diag_), options_);
    if (callback_) engine_->on_progress(callback_);
    info_ = Eigen::Success;
    return *this;
  }

  /// \brief Solve from x0 = 0. \pre compute() was called.
  template <class Rhs>
  vector solve(const Eigen::MatrixBase<Rhs>& b) {
    return solveWithGuess(b, vector::Zero(b.rows()));
  }

  /// \brief Solve from the guess \p x0.
  /// \throws input_error when b does not match A or holds NaN/Inf; rethrows what a callback or a
  /// worker threw (after every thread has stopped).
  template <class Rhs, class Guess>
  vector solveWithGuess(const Eigen::MatrixBase<Rhs>& b, const Eigen::MatrixBase<Guess>& x0) {
    eigen_assert(engine_ && "asor: compute() must be called before solve()");
    const vector bb = b;
    validate_rhs(*matrix_, bb);
    vector x = x0;
    eigen_assert(x.size() == bb.size() && "asor: the guess has the wrong size");
    report_ = engine_->solve({bb.data(), static_cast<std::size_t>(bb.size())},
                             {x.data(), static_cast<std::size_t>(x.size())});
    info_ = to_info(report_.reason);
    return x;
  }

  /// \returns Success when the last solve converged (verified), see to_info.
  [[nodiscard]] Eigen::ComputationInfo info() const noexcept { return info_; }
  /// \returns the fewest sweeps any block did in the last solve.
  [[nodiscard]] Eigen::Index iterations() const noexcept { return report_.sweeps.min; }
  /// \returns the true relative residual ||b - A x|| / ||b|| of the last solve's x.
  [[nodiscard]] double error() const noexcept { return report_.relative_residual; }
  /// \returns everything the last solve reported.
  [[nodiscard]] const solve_report& report() const noexcept { return report_; }

  relaxation_solver& setTolerance(double tol) {
    return update([&](auto& o) { o.stop.tolerance = tol; });
  }
  relaxation_solver& setMaxIterations(Eigen::Index sweeps) {
    return update([&](auto& o) { o.stop.max_sweeps = static_cast<std::int64_t>(sweeps); });
  }
  relaxation_solver& setTimeLimit(double seconds) {
    return update([&](auto& o) { o.stop.time_limit_seconds = seconds; });
  }
  relaxation_solver& setThreads(int threads) {
    return update([&](auto& o) { o.threads = threads; });
  }
  relaxation_solver& setBlocks(int blocks) {
    return update([&](auto& o) { o.blocks = blocks; });
  }
  /// \brief omega in (0, 2); std::nullopt = estimate it (see estimate_omega).
  relaxation_solver& setOmega(std::optional<double> omega) {
    return update([&](auto& o) { o.omega = omega; });
  }
  relaxation_solver& setDirection(sweep_direction d) {
    return update([&](auto& o) { o.direction = d; });
  }
  relaxation_solver& setLocalSweeps(int k) {
    return update([&](auto& o) { o.local_sweeps = k; });
  }
  relaxation_solver& setL1(bool on) {
    return update([&](auto& o) { o.l1 = on; });
  }
  /// \brief Replace all options at once (the method stays this solver's).
  relaxation_solver& setOptions(const solver_options& o) {
    return update([&](auto& mine) { mine = o; });
  }
  [[nodiscard]] const solver_options& options() const noexcept { return options_; }

  /// \brief Observe progress; the callback's only power is to return callback_action::stop.
  relaxation_solver& onProgress(progress_callback cb) {
    callback_ = std::move(cb);
    if (engine_) engine_->on_progress(callback_);
    return *this;
  }

  /// \brief Stop the solve in progress, from any thread (idempotent; no effect when idle).
  void cancel() noexcept {
    if (engine_) engine_->cancel();
  }

  /// \returns the matrix the solver works on.
  [[nodiscard]] const sparse_matrix& matrix() const noexcept { return *matrix_; }

 private:
  /// Applies \p f to a copy of the options and keeps it only when it is valid (strong guarantee).
  template <class F>
  relaxation_solver& update(F&& f) {
    solver_options next = options_;
    f(next);
    next.method = Method;
    if (Method == method::ssor) next.direction = sweep_direction::symmetric;
    if (engine_) {
      engine_->set_options(next);
    } else {
      check_options(next, std::numeric_limits<int>::max());
    }
    options_ = std::move(next);
    return *this;
  }

  solver_options options_;
  progress_callback callback_;
  std::unique_ptr<sparse_matrix> owned_;
  const sparse_matrix* matrix_ = nullptr;
  std::vector<double> inv_diag_;
  std::unique_ptr<engine> engine_;
  solve_report report_;
  Eigen::ComputationInfo info_ = Eigen::InvalidInput;
};

template <class MatrixType = sparse_matrix>
using AsyncSOR = relaxation_solver<MatrixType, method::async>;
template <class MatrixType = sparse_matrix>
using SOR = relaxation_solver<MatrixType, method::sor>;
template <class MatrixType = sparse_matrix>
using SSOR = relaxation_solver<MatrixType, method::ssor>;
template <class MatrixType = sparse_matrix>
using Jacobi = relaxation_solver<MatrixType, method::jacobi>;
template <class MatrixType = sparse_matrix>
using MulticolorSOR = relaxation_solver<MatrixType, method::multicolor>;
template <class MatrixType = sparse_matrix>
using BlockJacobiSOR = relaxation_solver<MatrixType, method::block_jacobi>;

}  // namespace asor
