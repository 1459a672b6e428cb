#pragma once
/// \file spectral.hpp
/// \brief `omega = auto`: a two-sided estimate of the spectrum of D^-1 A, and the rules that turn
/// it into the relaxation factor each method starts from (docs/algorithms.md, "omega = auto").
///
/// The estimate is Lanczos on S = D^-1/2 A D^-1/2 (similar to D^-1 A), run until the extreme
/// Ritz values carry a stated relative error bound, or until a cost budget (counted in sweeps of
/// the matrix, and derived from the solve it predicts) is spent. The rules are pure functions of
/// the estimate, so `asor info`, the engine and the benchmarks agree on them.

#include <cstdint>
#include <limits>
#include <string>

#include "asor/cancellation.hpp"
#include "asor/csr_view.hpp"
#include "asor/options.hpp"

namespace asor {

/// \brief What estimate_omega may spend, and when it may stop.
struct spectral_options {
  /// stop when the error bounds of lambda_min and lambda_max are both within this fraction of
  /// the estimates (see omega_estimate::lambda_min_error)
  double accuracy = 0.05;
  /// the budget: this fraction of the sequential SOR solve the current estimate predicts ...
  double budget_fraction = 0.05;
  /// ... but never less than this many sweeps of the matrix (the model problems need about
  /// 60-80 Lanczos steps for an omega within 3 % of the optimum)
  double min_budget_sweeps = 100.0;
  int max_steps = 5000;     ///< hard cap on Lanczos steps
  double tolerance = 1e-8;  ///< the solve's tolerance, used to predict its length
  /// also estimate beta = rho(D^-1 L D^-1 U), which SSOR's rule needs (about 20 more products)
  bool estimate_beta = false;
  unsigned seed = 1;  ///< the random start vector (std::mt19937_64, reproducible)
};

/// \brief Estimate of the extreme eigenvalues of D^-1 A, with error bounds and what it cost.
///
/// lambda_min and lambda_max are Ritz values, inside the spectrum: the true lambda_min lies in
/// [lambda_min - lambda_min_error, lambda_min] and the true lambda_max in
/// [lambda_max, lambda_max + lambda_max_error]. The error bounds are the usual a-posteriori ones
/// (Parlett, The Symmetric Eigenvalue Problem, ch. 11): min(r, r^2 / gap) with r the Ritz
/// residual norm and gap the distance to the next Ritz value. They assume that the random start
/// vector is not deficient in the extreme eigenvectors (true with probability one, but not
/// checkable); when a value is not resolved its bound is at least the value itself.
struct omega_estimate {
  double lambda_min = 0;        ///< smallest Ritz value (>= the true lambda_min)
  double lambda_max = 0;        ///< largest Ritz value (<= the true lambda_max)
  double lambda_min_error = 0;  ///< bound on lambda_min - true lambda_min
  double lambda_max_error = 0;  ///< bound on true lambda_max - lambda_max
  double jacobi_rho = 0;        ///< max(|1 - lambda_min|, |1 - lambda_max|) (for the report)
  /// beta = rho(D^-1 L D^-1 U) (upper estimate), NaN unless spectral_options::estimate_beta
  double beta = std::numeric_limits<double>::quiet_NaN();
  /// the rows' graph is bipartite (property A): red-black ordering is consistent
  bool bipartite = false;
  /// consistently ordered as given (Young): an ordering vector g exists with g_j = g_i + 1 for
  /// every entry a_ij, j > i. Then Young's relation between the SOR and Jacobi eigenvalues holds
  /// and SOR's rule is his theorem, not a heuristic (5- and 7-point stencils in natural order).
  bool consistently_ordered = false;
  bool converged = false;  ///< both relative error bounds within spectral_options::accuracy
  bool exact = false;      ///< the Krylov space became invariant: Ritz values are eigenvalues
  int lanczos_steps = 0;
  double cost_sweeps = 0;       ///< total cost in sweeps of the matrix (bytes moved / sweep_bytes)
  double beta_cost_sweeps = 0;  ///< the part of cost_sweeps spent on beta (outside the budget)
  double budget_sweeps = 0;     ///< the budget it ran under, in sweeps
  double predicted_sweeps = 0;  ///< sequential SOR sweeps to the tolerance the estimate predicts
  double seconds = 0;           ///< wall time

  /// \returns the lower end of the interval known to hold lambda_min (>= 0).
  [[nodiscard]] double lambda_min_lower() const noexcept;
  /// \returns the upper end of the interval known to hold lambda_max.
  [[nodiscard]] double lambda_max_upper() const noexcept;
  /// \returns lambda_min_error / lambda_min (infinity when lambda_min <= 0).
  [[nodiscard]] double lambda_min_relative_error() const noexcept;
  /// \returns lambda_max_error / lambda_max.
  [[nodiscard]] double lambda_max_relative_error() const noexcept;
};

/// \brief Estimate the extreme eigenvalues of D^-1 A by Lanczos on S = D^-1/2 A D^-1/2.
///
/// Steps until both extreme Ritz values are within \p o.accuracy (relative error bound), the
/// Krylov space is invariant (then they are exact), max_steps were taken, or the next step would
/// exceed the budget max(min_budget_sweeps, budget_fraction * predicted SOR sweeps), where the
/// prediction is Young's for the omega of the current lambda_min (an underestimate while
/// lambda_min is unresolved, so the budget errs low). The three-term recurrence with local
/// reorthogonalization runs in O(n) memory (four vectors); its extreme Ritz values and their
/// bounds remain valid when orthogonality is lost (Paige 1976). One step costs one product and two
/// fused vector passes (56 bytes per row): 1.6 sweeps on a 5-point stencil, 1.1 on bcsstk16. Every
/// reduction adds fixed chunks in a fixed order: the result does not depend on the number of
/// OpenMP threads. The graph tests (bipartite, consistently ordered) are one breadth-first pass
/// over the pattern.
/// \p stop is polled before every Lanczos step and before the graph tests; when it asks to stop,
/// operation_cancelled is thrown (the engine's preparation is cancellable).
/// \pre A is a valid view of a symmetric matrix with a positive diagonal.
omega_estimate estimate_omega(const csr_view& A, const spectral_options& o = {},
                              const stop_predicate& stop = {});

/// \brief The omega a method starts from, the range an adaptive controller may move it in, and
/// why (the rule, its reference, and whether it is only a heuristic).
struct omega_choice {
  double omega = 1.0;      ///< where the solve starts
  double omega_min = 1.0;  ///< the least value an adaptive controller may lower it to
  double omega_max = 1.0;  ///< the clamp: the most the estimate justifies
  bool heuristic = true;   ///< false only where the rule is a theorem for this matrix class
  std::string rule;        ///< the formula, e.g. "2 / (1 + sqrt(l (2 - l))), l = lambda_min"
  std::string reason;      ///< why, with the reference
};

/// \brief Largest omega any rule returns: 2 - 1e-5. SOR's factor at omega is at least omega - 1,
/// so beyond it a solve to 1e-8 would need more than 1.8 million sweeps anyway.
inline constexpr double omega_ceiling = 2.0 - 1e-5;

/// \brief SOR's factor for lambda_min = \p lambda: 2 / (1 + sqrt(lambda (2 - lambda))), in
/// [1, omega_ceiling]. Young's optimum 2 / (1 + sqrt(1 - mu^2)) with mu = 1 - lambda.
double sor_omega_for(double lambda) noexcept;

/// \brief The rule of method \p m (direction \p d, \p threads workers) applied to \p e.
///
/// - sor, multicolor, and block-jacobi / async on one thread: sor_omega_for(lambda_min) (Young;
///   exact for consistently ordered matrices, a heuristic otherwise; see docs/algorithms.md for
///   the measured alternatives);
/// - ssor and the symmetric direction: 2 / (1 + sqrt(2 lambda_min + max(0, 4 beta - 1))), the
///   minimizer of Young's bound on the SSOR factor (Young 1971 ch. 15; Hageman and Young 1981
///   section 7.4); beta is estimated when e.beta is NaN it is taken as 1/4;
/// - jacobi: the weight 2 / (lambda_min + lambda_max_upper), Richardson's optimum made safe by
///   the upper bound of lambda_max (convergent whenever the bound holds);
/// - block-jacobi and async on two or more threads: a heuristic, parallel_omega_for(the SOR
///   rule) (docs/async_convergence.md).
omega_choice choose_omega(const omega_estimate& e, method m, sweep_direction d, int threads);

/// \brief The parallel schedules' factor from SOR's: kept up to 1.95; beyond, 2 - omega is
/// doubled but kept at 0.05 or more: 2 - max(d, min(2 d, 0.05)), d = 2 - \p omega_sor.
double parallel_omega_for(double omega_sor) noexcept;

}  // namespace asor
