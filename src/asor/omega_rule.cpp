/// \file omega_rule.cpp
/// \brief The rules that turn the spectral estimate into the omega each method starts from
/// (spectral.hpp; the measurements behind them are in docs/algorithms.md).

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "asor/spectral.hpp"

namespace asor {
namespace {

/// \p v with \p digits significant digits ("%.*g").
std::string num(double v, int digits = 4) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

/// SSOR's factor for lambda_min = \p lambda and beta: the minimizer over omega of Young's bound
/// 1 - omega (2 - omega) lambda / (1 - omega + omega^2 beta + omega lambda) on the SSOR factor,
/// 2 / (1 + sqrt(2 lambda + max(0, 4 beta - 1))) (Young 1971, ch. 15; Hageman and Young 1981,
/// section 7.4). With beta <= 1/4 (e.g. consistently ordered with mu^2/4 = beta) it is
/// 2 / (1 + sqrt(2 lambda)).
double ssor_omega_for(double lambda, double beta) {
  const double q = 2.0 * std::max(lambda, 0.0) + std::max(0.0, 4.0 * beta - 1.0);
  return std::clamp(2.0 / (1.0 + std::sqrt(q)), 1.0, omega_ceiling);
}

omega_choice sor_rule(const omega_estimate& e, const char* what, bool consistent) {
  omega_choice c;
  c.omega = sor_omega_for(e.lambda_min);
  c.omega_min = 1.0;
  c.omega_max = sor_omega_for(e.lambda_min_lower());
  // Young's theorem needs a consistent ordering and mu = rho(J) = 1 - lambda_min, i.e. the
  // Jacobi spectrum symmetric about 1 (lambda_min + lambda_max = 2, true for consistently ordered
  // matrices, whose Jacobi eigenvalues come in pairs +-mu).
  c.heuristic = !consistent;
  c.rule = "2 / (1 + sqrt(l (2 - l))), l = lambda_min";
  c.reason = std::string(what) +
             ": Young's optimum 2 / (1 + sqrt(1 - mu^2)) with mu = 1 - lambda_min, the slow modes "
             "of an SPD matrix; " +
             (consistent ? std::string("the matrix is consistently ordered, so this is Young's "
                                       "theorem (up to the estimate)")
                         : std::string("the matrix is not consistently ordered, so this is a "
                                       "heuristic (measured within 1.5x of the best omega on most "
                                       "of the development set, docs/performance.md)")) +
             ". lambda_min is a Ritz value (too high), so omega errs low" +
             (e.lambda_min_error < e.lambda_min
                  ? "; the clamp " + num(c.omega_max, 7) + " follows from the lower bound " +
                        num(e.lambda_min_lower(), 3) + " of lambda_min"
                  : std::string("; lambda_min is not resolved, so the clamp is 2 - 1e-5"));
  return c;
}

}  // namespace

double sor_omega_for(double lambda) noexcept {
  if (!(lambda > 0.0)) return omega_ceiling;
  if (lambda >= 1.0) return 1.0;
  return std::clamp(2.0 / (1.0 + std::sqrt(lambda * (2.0 - lambda))), 1.0, omega_ceiling);
}

double parallel_omega_for(double omega_sor) noexcept {
  const double d = 2.0 - omega_sor;
  return 2.0 - std::max(d, std::min(2.0 * d, 0.05));
}

omega_choice choose_omega(const omega_estimate& e, method m, sweep_direction d, int threads) {
  const bool symmetric = m == method::ssor || d == sweep_direction::symmetric;
  const bool parallel_blocks = (m == method::async || m == method::block_jacobi) && threads > 1;
  if (m == method::jacobi) {
    omega_choice c;
    const double upper = e.lambda_max_upper();
    c.omega = std::clamp(2.0 / (e.lambda_min + upper), 1e-3, omega_ceiling);
    c.omega_min = std::min(c.omega, 2.0 / (e.lambda_min + upper) / 4.0);
    c.omega_max = c.omega;
    c.heuristic = false;
    c.rule = "2 / (lambda_min + lambda_max_upper)";
    c.reason =
        "weighted Jacobi: Richardson's optimal weight 2 / (lambda_min + lambda_max) (Saad 2003, "
        "section 4.2), with the upper bound " +
        num(upper, 7) +
        " of lambda_max so that weight * lambda_max < 2 (convergent whenever the "
        "bound holds)";
    return c;
  }
  if (symmetric && !parallel_blocks) {
    omega_choice c;
    const bool known = !std::isnan(e.beta);
    const double beta = known ? e.beta : 0.25;
    c.omega = ssor_omega_for(e.lambda_min, beta);
    c.omega_min = 1.0;
    c.omega_max = ssor_omega_for(e.lambda_min_lower(), beta);
    c.heuristic = true;
    c.rule = "2 / (1 + sqrt(2 l + max(0, 4 beta - 1))), l = lambda_min, beta = rho(D^-1 L D^-1 U)";
    c.reason =
        "SSOR: the minimizer of Young's bound on the SSOR factor (Young 1971 ch. 15; Hageman and "
        "Young 1981 section 7.4), beta = " +
        num(beta) + (known ? "" : " (assumed: not estimated)") +
        "; the bound is a theorem for SPD matrices, its minimizer a heuristic for the factor "
        "itself";
    return c;
  }
  if (!parallel_blocks) {
    if (m == method::multicolor) {
      // SOR in the coloring's order; a bipartite graph is 2-colored (red-black), which is a
      // consistent ordering.
      return sor_rule(e, "multicolor SOR (SOR in the coloring's order)", e.bipartite);
    }
    return sor_rule(
        e, m == method::sor ? "sequential SOR" : "one worker: the block schedule is sequential SOR",
        e.consistently_ordered);
  }
  // Block-Jacobi and asynchronous block SOR on 2+ threads: no theory covers omega near 2 (the
  // Chazan-Miranker condition rho(|H|) < 1 allows little over-relaxation), and the coupling
  // between the threads' blocks is relaxed Jacobi-like or with stale values. Measured failures
  // are all near 2 (docs/async_convergence.md): the rule keeps SOR's omega up to 1.95 and moves
  // it away from 2 beyond, doubling 2 - omega but stopping at 1.95.
  omega_choice c = sor_rule(e, "parallel blocks", false);
  c.omega = parallel_omega_for(c.omega);
  c.omega_max = c.omega;
  c.omega_min = 0.5;
  c.heuristic = true;
  c.rule = "2 - max(d, min(2 d, 0.05)), d = 2 - omega_sor";
  c.reason = std::string(m == method::async ? "asynchronous block SOR" : "block-Jacobi SOR") +
             " on " + std::to_string(threads) +
             " threads: a heuristic. The blocks of different threads couple Jacobi-like or "
             "through stale values, and no asynchronous convergence theory covers omega near 2 "
             "(Chazan-Miranker: rho(|H|) < 1). SOR's omega is kept up to 1.95; beyond, 2 - omega "
             "is doubled but not below 0.05 (the measured failures of async SOR were all at "
             "omega >= 1.95). A solve that diverges backs omega off and restarts from the last "
             "verified x";
  return c;
}

}  // namespace asor
