#pragma once
/// \file solvers.hpp
/// \brief The Eigen-style solvers: `AsyncSOR`, `SOR`, `SSOR`, `Jacobi`, `MulticolorSOR`,
/// `BlockJacobiSOR`. They sit next to Eigen::ConjugateGradient in user code; a user swaps methods
/// by changing one type.
///
/// \code
/// asor::AsyncSOR<asor::sparse_matrix> solver;
/// solver.setTolerance(1e-8).setThreads(4).setOmega(1.5);
/// solver.onProgress([](const asor::progress& p) {  // on its own thread, ~10 times a second
///   std::printf("%g\n", p.provisional_residual);
///   return asor::callback_action::proceed;
/// });
/// solver.compute(A);
/// Eigen::VectorXd x = solver.solve(b);
/// if (solver.info() != Eigen::Success) { /* solver.report().reason says why */ }
///
/// asor::pending_solution s = solver.solveAsync(b);  // returns at once
/// while (!s.wait_for(std::chrono::milliseconds(100))) {
///   if (auto p = s.progress(); p && p->elapsed_seconds > 5) s.cancel();
/// }
/// Eigen::VectorXd y = s.get();  // s.info(), s.report() say how it ended
/// \endcode

#include <Eigen/Core>
#include <atomic>
#include <chrono>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <utility>

#include "asor/engine.hpp"
#include "asor/matrix.hpp"
#include "asor/options.hpp"
#include "asor/report.hpp"
#include "asor/validate.hpp"

namespace asor {

/// \returns Eigen's view of a stop reason: Success when converged, NoConvergence when a budget
/// ran out or the solve was stopped, NumericalIssue when it diverged or stagnated.
Eigen::ComputationInfo to_info(stop_reason r) noexcept;

/// \brief A solve started by `solveAsync` / `solveWithGuessAsync` of an Eigen-style solver: the
/// façade's spelling of solve_handle, owning its right-hand side and its solution.
///
/// `get()` waits and returns x (rethrowing what made the solve fail); `info()` and `report()` wait
/// and say how it ended; `ready()`, `wait()`, `wait_for()`, `cancel()`, `progress()` and
/// `block_progress()` are those of solve_handle. Destroying a running pending_solution cancels the
/// solve and waits for it. The solver that started it must outlive it, and runs one solve at a time
/// (starting another while this one runs throws std::logic_error).
///
/// Thread safety: as solve_handle.
class pending_solution {
 public:
  pending_solution(pending_solution&&) noexcept = default;
  pending_solution& operator=(pending_solution&&) noexcept = default;
  pending_solution(const pending_solution&) = delete;
  pending_solution& operator=(const pending_solution&) = delete;
  ~pending_solution() = default;  // handle_ (declared last) cancels and waits first

  [[nodiscard]] bool ready() const { return handle_.ready(); }
  void wait() const { handle_.wait(); }
  template <class Rep, class Period>
  bool wait_for(const std::chrono::duration<Rep, Period>& timeout) const {
    return handle_.wait_for(timeout);
  }
  void cancel() const { handle_.cancel(); }
  [[nodiscard]] std::optional<::asor::progress> progress() const { return handle_.progress(); }
  [[nodiscard]] std::optional<::asor::block_progress> block_progress() const {
    return handle_.block_progress();
  }
  /// \brief Waits. \returns the solution. \throws what made the solve fail.
  [[nodiscard]] vector get() const {
    (void)handle_.get();
    return *x_;
  }
  /// \brief Waits. \returns everything the solve reported (stop_reason::failed when it failed).
  [[nodiscard]] solve_report report() const { return handle_.report(); }
  /// \brief Waits. \returns Eigen's view of how the solve ended (see to_info).
  [[nodiscard]] Eigen::ComputationInfo info() const { return to_info(handle_.report().reason); }

 private:
  template <class, method>
  friend class relaxation_solver;
  pending_solution(std::unique_ptr<vector> b, std::unique_ptr<vector> x, engine& e)
      : b_(std::move(b)),
        x_(std::move(x)),
        handle_(e.submit({b_->data(), static_cast<std::size_t>(b_->size())},
                         {x_->data(), static_cast<std::size_t>(x_->size())})) {}

  std::unique_ptr<vector> b_;  // heap: their addresses stay when the pending_solution moves
  std::unique_ptr<vector> x_;
  solve_handle handle_;
};

/// \brief One relaxation method behind Eigen's iterative-solver interface.
///
/// `compute(A)` validates A (throws input_error when it is not a valid SPD candidate) and keeps a
/// reference to it when it is already an `asor::sparse_matrix` in compressed form (no copy: A must
/// outlive the solver, as with Eigen's solvers); any other sparse type is converted once.
/// `solve` blocks; `solveAsync` returns a pending_solution at once.
///
/// Thread safety: one solve at a time (a second one, from any thread, throws std::logic_error);
/// `cancel()` may be called from any thread: it stops the solve in progress, including one whose
/// solve() call is still validating b. Setters throw std::logic_error during a solve. Destroying
/// the solver while another thread is in its solve() cancels that solve and waits for it.
template <class MatrixType, method Method>
class relaxation_solver {
 public:
  using matrix_type = MatrixType;

  relaxation_solver() { options_.method = Method; }
  explicit relaxation_solver(const MatrixType& A) : relaxation_solver() { compute(A); }
  relaxation_solver(const relaxation_solver&) = delete;
  relaxation_solver& operator=(const relaxation_solver&) = delete;
  ~relaxation_solver() {
    cancel();
    // A solve() in another thread is past its last use of *this once it leaves the count.
    while (calls_->active.load() > 0) std::this_thread::yield();
  }

  /// \brief Validate and prepare \p A. \throws input_error when A is invalid;
  /// std::logic_error while a solve runs on this solver.
  relaxation_solver& compute(const MatrixType& A) {
    if (engine_ && engine_->running()) {
      throw std::logic_error("asor: compute() while a solve runs on this solver");
    }
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
  /// worker threw (after every thread has stopped); std::logic_error when a solve is running.
  /// After a failure info() and report() describe it (stop_reason::failed, report().error).
  template <class Rhs, class Guess>
  vector solveWithGuess(const Eigen::MatrixBase<Rhs>& b, const Eigen::MatrixBase<Guess>& x0) {
    eigen_assert(engine_ && "asor: compute() must be called before solve()");
    const std::shared_ptr<call_count> calls = calls_;  // outlives *this if it is destroyed
    const call_scope in_call(*calls);                  // from here on a cancel() is not lost
    vector bb = b;
    vector x = x0;
    eigen_assert(x.size() == bb.size() && "asor: the guess has the wrong size");
    try {
      validate_rhs(*matrix_, bb);
    } catch (const std::exception& e) {
      report_ = failed_report(e.what());
      info_ = Eigen::InvalidInput;
      throw;
    }
    solve_handle h = engine_->submit({bb.data(), static_cast<std::size_t>(bb.size())},
                                     {x.data(), static_cast<std::size_t>(x.size())});
    if (calls->cancel_pending.load()) h.cancel();
    report_ = h.report();
    info_ = to_info(report_.reason);
    if (const std::exception_ptr error = h.exception()) std::rethrow_exception(error);
    return x;
  }

  /// \brief Starts solving from x0 = 0 and returns at once. \pre compute() was called.
  /// \throws input_error when b does not match A or holds NaN/Inf; std::logic_error when a solve
  /// is running on this solver.
  template <class Rhs>
  [[nodiscard]] pending_solution solveAsync(const Eigen::MatrixBase<Rhs>& b) {
    return solveWithGuessAsync(b, vector::Zero(b.rows()));
  }
  /// \brief Starts solving from the guess \p x0 and returns at once (see solveAsync).
  template <class Rhs, class Guess>
  [[nodiscard]] pending_solution solveWithGuessAsync(const Eigen::MatrixBase<Rhs>& b,
                                                     const Eigen::MatrixBase<Guess>& x0) {
    eigen_assert(engine_ && "asor: compute() must be called before solve()");
    auto bb = std::make_unique<vector>(b);
    auto x = std::make_unique<vector>(x0);
    eigen_assert(x->size() == bb->size() && "asor: the guess has the wrong size");
    validate_rhs(*matrix_, *bb);
    return pending_solution(std::move(bb), std::move(x), *engine_);
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
    calls_->cancel_pending.store(true);
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

  /// Solve calls in progress, and a cancel() that came while one was not yet submitted. Shared, so
  /// that a solve() in another thread can leave the count after the solver is gone.
  struct call_count {
    std::atomic<int> active{0};
    std::atomic<bool> cancel_pending{false};
  };
  struct call_scope {
    explicit call_scope(call_count& c) : count(c) {
      count.cancel_pending.store(false);
      ++count.active;
    }
    ~call_scope() { --count.active; }
    call_scope(const call_scope&) = delete;
    call_scope& operator=(const call_scope&) = delete;
    call_count& count;
  };

  solve_report failed_report(const char* what) const {
    solve_report r;
    r.method = Method;
    r.reason = stop_reason::failed;
    r.error = what;
    r.tolerance = options_.stop.tolerance;
    return r;
  }

  std::shared_ptr<call_count> calls_ = std::make_shared<call_count>();
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
