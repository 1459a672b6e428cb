/// \file omega_control_test.cpp
/// \brief The adaptive-omega controllers, driven without an engine: sequential SOR is `sor_sweep`
/// in a plain loop (sweep counts are deterministic), block-Jacobi SOR is `sor_sweep` on frozen
/// copies, and the back-off rule is also fed synthetic residual trends.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <numbers>
#include <optional>
#include <string>
#include <vector>

#include "asor/engine.hpp"
#include "asor/generators.hpp"
#include "asor/io/triplet.hpp"
#include "asor/matrix.hpp"
#include "asor/omega_control.hpp"
#include "asor/partition.hpp"
#include "asor/spectral.hpp"
#include "asor/sweep.hpp"

namespace {

using asor::omega_decision;
using asor::parallel_omega_backoff;
using asor::sor_omega_controller;

/// A system A x = b with b = A * ones, its inverse diagonal and view.
struct system {
  asor::sparse_matrix A;
  std::vector<double> inv_diag;
  asor::csr_view view;
  asor::vector b;
  explicit system(asor::sparse_matrix M) {
    A.swap(M);
    A.makeCompressed();
    inv_diag = asor::inverse_diagonal(A);
    view = asor::view_of(A, inv_diag);
    b = A * asor::vector::Ones(A.rows());
  }
};

asor::sparse_matrix data_matrix(const std::string& name) {
  return asor::io::read_matrix(std::string(ASOR_TEST_DATA_DIR) + "/" + name + ".mtx");
}

struct outcome {
  std::int64_t sweeps = 0;
  bool converged = false;
  double omega = 0;  // at the end
  int changes = 0;
};

/// Sequential forward SOR from x = 0 to ||b - A x|| / ||b|| <= tol, as the engine stops it (a
/// provisional residual at or below tol is confirmed by the true residual), with omega adapted by
/// \p ctl when given: fed once per complete sweep with the sweep's residual_sq.
outcome solve_sor(const system& s, double omega, std::int64_t cap,
                  sor_omega_controller* ctl = nullptr, double tol = 1e-8) {
  outcome out;
  const int n = s.view.rows;
  asor::vector x = asor::vector::Zero(n);
  const double bnorm = s.b.norm();
  double w = ctl != nullptr ? ctl->omega() : omega;
  for (std::int64_t k = 1; k <= cap; ++k) {
    const double sq = asor::sor_sweep(s.view, s.b.data(), asor::plain_access{x.data()}, 0, n, w,
                                      asor::sweep_direction::forward)
                          .residual_sq;
    out.sweeps = k;
    if (std::sqrt(sq) / bnorm <= tol &&
        asor::residual_norm(s.view, {s.b.data(), static_cast<std::size_t>(n)},
                            {x.data(), static_cast<std::size_t>(n)}) /
                bnorm <=
            tol) {
      out.converged = true;
      break;
    }
    if (ctl != nullptr) {
      const omega_decision d = ctl->observe(sq);
      EXPECT_FALSE(d.restart);  // never for sequential SOR on an SPD matrix
      if (d.changed) {
        EXPECT_FALSE(d.why.empty());
        EXPECT_GT(d.omega, 0.0);
        EXPECT_LT(d.omega, 2.0);
        w = d.omega;
      }
    }
  }
  out.omega = w;
  if (ctl != nullptr) out.changes = static_cast<int>(ctl->history().size());
  return out;
}

/// The estimate, the SOR rule and a controller set up from them, as a driver does under auto.
struct auto_sor {
  asor::omega_estimate estimate;
  asor::omega_choice choice;
  sor_omega_controller controller;
  explicit auto_sor(const system& s)
      : estimate(asor::estimate_omega(s.view)),
        choice(asor::choose_omega(estimate, asor::method::sor, asor::sweep_direction::forward, 1)),
        controller(choice.omega, settings_for(estimate, choice)) {}
  static sor_omega_controller::settings settings_for(const asor::omega_estimate& e,
                                                     const asor::omega_choice& c) {
    sor_omega_controller::settings st;
    st.omega_min = c.omega_min;
    st.omega_max = c.omega_max;
    st.consistently_ordered = e.consistently_ordered;
    return st;
  }
};

void print_history(const char* what, const sor_omega_controller& c) {
  for (const asor::omega_change& ch : c.history()) {
    std::printf("[ omega    ] %s: sweep %lld, %.6f -> %.6f (factor %.6f): %s\n", what,
                static_cast<long long>(ch.sweep), ch.from, ch.to, ch.factor,
                std::string(ch.why).c_str());
  }
}

double poisson_optimum(int m) { return 2.0 / (1.0 + std::sin(std::numbers::pi / (m + 1))); }

// ---------------------------------------------------------------------------------------------
// Sequential SOR

/// 2D Poisson m x m under auto (estimate + controller) against \p optimum_sweeps, the sweeps at
/// the exact optimum 2 / (1 + sin(pi h)).
void expect_within_a_quarter(int m, std::int64_t optimum_sweeps) {
  const system s(asor::poisson2d(m));
  auto_sor a(s);
  const outcome adaptive = solve_sor(s, 0.0, 100000, &a.controller);
  print_history(("poisson2d " + std::to_string(m)).c_str(), a.controller);
  std::printf("[ sweeps   ] poisson2d %d: auto %lld (start %.5f, end %.5f), optimum %lld (%.5f)\n",
              m, static_cast<long long>(adaptive.sweeps), a.choice.omega, adaptive.omega,
              static_cast<long long>(optimum_sweeps), poisson_optimum(m));
  ASSERT_TRUE(adaptive.converged);
  EXPECT_LE(static_cast<double>(adaptive.sweeps), 1.25 * static_cast<double>(optimum_sweeps));
  EXPECT_TRUE(a.estimate.consistently_ordered);
}

TEST(SorOmegaController, Poisson64WithinOneQuarterOfTheOptimum) {
  // The test at m = 64. Measured (deterministic): auto 261 sweeps against 241 at the
  // optimum (the estimate's omega 1.90473 held fixed: 266).
  const system s(asor::poisson2d(64));
  const outcome optimum = solve_sor(s, poisson_optimum(64), 100000);
  ASSERT_TRUE(optimum.converged);
  expect_within_a_quarter(64, optimum.sweeps);
}

TEST(SorOmegaController, Poisson512WithinOneQuarterOfTheOptimum) {
  // m = 512: the estimate's omega is 1.92140 (-3.3 %, 15618 sweeps if held), the controller
  // raises it to 1.988 and takes 2278 sweeps. The optimum's 1881 sweeps (omega 1.98783, the same
  // kernel and stopping rule; measured once, deterministic) are not recomputed here: that run
  // alone would double this test's time (about 5 s of one core in RelWithDebInfo).
  expect_within_a_quarter(512, 1881);
}

/// The best sweeps over the grid (1.0 .. 1.95 step 0.05, then 1.97 .. 1.999), each run
/// capped at the best so far.
std::int64_t grid_best(const system& s, double* best_omega) {
  std::vector<double> grid;
  for (int i = 0; i <= 19; ++i) grid.push_back(1.0 + 0.05 * i);
  for (const double w : {1.97, 1.98, 1.99, 1.995, 1.998, 1.999}) grid.push_back(w);
  std::int64_t best = 400000;
  for (auto it = grid.rbegin(); it != grid.rend(); ++it) {
    const outcome o = solve_sor(s, *it, best);
    if (o.converged && o.sweeps <= best) {
      best = o.sweeps;
      *best_omega = *it;
    }
  }
  return best;
}

TEST(SorOmegaController, DevelopmentMatricesWithLambdaMaxAboveTwo) {
  // nos4 (lambda_max(D^-1 A) = 2.03) and bcsstk01 (2.10): Jacobi diverges, the old estimate fell
  // back to omega = 1 (nos4: 3461 sweeps, bcsstk01: 2136). auto, with and without adaptation,
  // within 1.5x of the grid's best (measured: nos4 200 vs 228 at 1.85, bcsstk01 168 vs 177 at
  // 1.90).
  for (const char* name : {"nos4", "bcsstk01"}) {
    SCOPED_TRACE(name);
    const system s(data_matrix(name));
    auto_sor a(s);
    EXPECT_GT(a.estimate.lambda_max, 2.0);
    double best_omega = 0;
    const std::int64_t best = grid_best(s, &best_omega);
    const outcome fixed = solve_sor(s, a.choice.omega, 400000);
    const outcome adaptive = solve_sor(s, 0.0, 400000, &a.controller);
    std::printf(
        "[ sweeps   ] %s: auto %lld (omega %.5f), adaptive %lld (end %.5f), grid best %lld "
        "(omega %.3f)\n",
        name, static_cast<long long>(fixed.sweeps), a.choice.omega,
        static_cast<long long>(adaptive.sweeps), adaptive.omega, static_cast<long long>(best),
        best_omega);
    ASSERT_TRUE(fixed.converged);
    ASSERT_TRUE(adaptive.converged);
    EXPECT_LE(static_cast<double>(fixed.sweeps), 1.5 * static_cast<double>(best));
    EXPECT_LE(static_cast<double>(adaptive.sweeps), 1.5 * static_cast<double>(best));
  }
}

TEST(SorOmegaController, ARaiseMeasuredWorseIsMeasuredAgainBeforeItIsGivenUp) {
  // bcsstk20 (lambda_min of D^-1 A about 1e-8; the estimate resolves 2.4e-4): the start omega
  // 1.957 does not reach 1e-8 in 400,000 sweeps, and the grid's best is 164,997 sweeps at 1.999
  // (bench/run_omega.sh, docs/performance.md). The first raise (to 1.961) is measured against the
  // start's rate, taken while the error still had fast components, and looks worse; measured
  // again, the start is the worse one, and the controller goes on up from the raise.
  const system s(data_matrix("bcsstk20"));
  auto_sor a(s);
  const outcome adaptive = solve_sor(s, 0.0, 400000, &a.controller);
  print_history("bcsstk20", a.controller);
  std::printf("[ sweeps   ] bcsstk20: adaptive %lld (start %.5f, end %.5f), grid best 164997\n",
              static_cast<long long>(adaptive.sweeps), a.choice.omega, adaptive.omega);
  ASSERT_TRUE(adaptive.converged);
  EXPECT_LE(static_cast<double>(adaptive.sweeps), 1.5 * 164997.0);
  EXPECT_GT(adaptive.omega, 1.998);
  bool measured_again = false;
  for (const asor::omega_change& ch : a.controller.history()) {
    measured_again = measured_again || ch.why ==
                                           "back to the raised omega: the best's rate, "
                                           "measured again, is worse";
  }
  EXPECT_TRUE(measured_again);
}

TEST(SorOmegaController, RecoversFromAStartFarBelowTheOptimum) {
  // omega = 1 (Gauss-Seidel): the classic ITPACK start. One measurement of the factor gives mu
  // through Young's relation, and omega jumps to the optimum.
  for (const auto& [name, matrix] :
       {std::pair<const char*, asor::sparse_matrix>{"poisson2d 64", asor::poisson2d(64)},
        {"nos4", data_matrix("nos4")},
        {"gr_30_30", data_matrix("gr_30_30")}}) {
    SCOPED_TRACE(name);
    const system s(matrix);
    const asor::omega_estimate e = asor::estimate_omega(s.view);
    sor_omega_controller::settings st;
    st.consistently_ordered = e.consistently_ordered;
    sor_omega_controller c(1.0, st);
    const outcome gauss_seidel = solve_sor(s, 1.0, 400000);
    const outcome adaptive = solve_sor(s, 0.0, 400000, &c);
    double best_omega = 0;
    const std::int64_t best = grid_best(s, &best_omega);
    print_history(name, c);
    std::printf("[ sweeps   ] %s from omega 1: %lld (Gauss-Seidel %lld, grid best %lld)\n", name,
                static_cast<long long>(adaptive.sweeps),
                static_cast<long long>(gauss_seidel.sweeps), static_cast<long long>(best));
    ASSERT_TRUE(adaptive.converged);
    EXPECT_GE(adaptive.changes, 1);
    EXPECT_GT(adaptive.omega, 1.5);
    EXPECT_LE(static_cast<double>(adaptive.sweeps), 2.0 * static_cast<double>(best));
    EXPECT_LE(5 * adaptive.sweeps, gauss_seidel.sweeps);
  }
}

TEST(SorOmegaController, RecoversFromAStartAboveTheOptimum) {
  // omega = 1.999 on matrices whose optimum is 1.78 .. 1.91: the factor is omega - 1, within
  // ITPACK's test, so nothing says "too low"; a start that is not known to be below the optimum
  // is probed downwards until a phase measures a factor above (omega - 1)^F.
  for (const auto& [name, matrix] :
       {std::pair<const char*, asor::sparse_matrix>{"poisson2d 64", asor::poisson2d(64)},
        {"gr_30_30", data_matrix("gr_30_30")}}) {
    SCOPED_TRACE(name);
    const system s(matrix);
    const asor::omega_estimate e = asor::estimate_omega(s.view);
    sor_omega_controller::settings st;
    st.start_from_below = false;
    st.consistently_ordered = e.consistently_ordered;
    sor_omega_controller c(1.999, st);
    const outcome stuck = solve_sor(s, 1.999, 400000);
    const outcome adaptive = solve_sor(s, 0.0, 400000, &c);
    print_history(name, c);
    std::printf("[ sweeps   ] %s from omega 1.999: %lld (fixed: %lld)\n", name,
                static_cast<long long>(adaptive.sweeps), static_cast<long long>(stuck.sweeps));
    ASSERT_TRUE(adaptive.converged);
    EXPECT_LT(adaptive.omega, 1.96);
    EXPECT_LE(10 * adaptive.sweeps, stuck.sweeps);
  }
}

TEST(SorOmegaController, ConstantFactorGivesYoungsOmega) {
  // A synthetic residual with factor R per sweep at omega = 1: Young gives mu = sqrt(R) and the
  // optimum 2 / (1 + sqrt(1 - R)) at the first stable measurement.
  const double R = 0.99;
  sor_omega_controller c(1.0);
  double r = 1.0;
  std::optional<omega_decision> first;
  for (int k = 0; k < 200 && !first; ++k) {
    const omega_decision d = c.observe(r * r);
    if (d.changed) first = d;
    r *= R;
  }
  ASSERT_TRUE(first.has_value());
  EXPECT_NEAR(first->omega, 2.0 / (1.0 + std::sqrt(1.0 - R)), 1e-9);
  EXPECT_FALSE(first->restart);
  ASSERT_EQ(c.history().size(), 1U);
  EXPECT_NEAR(c.history()[0].factor, R, 1e-12);
  EXPECT_EQ(c.history()[0].from, 1.0);
}

TEST(SorOmegaController, KeepsAnOmegaThatPassesItpacksTest) {
  // Factor omega - 1 (what omega >= omega_opt gives): within (omega - 1)^F, nothing changes.
  sor_omega_controller c(1.9);
  double r = 1.0;
  for (int k = 0; k < 2000; ++k) {
    EXPECT_FALSE(c.observe(r * r).changed) << k;
    r *= 0.9;
    if (r < 1e-200) r = 1.0;  // keep it finite; the factor is what matters
  }
  EXPECT_TRUE(c.history().empty());
}

TEST(SorOmegaController, ClampAndNonFiniteInput) {
  sor_omega_controller::settings st;
  st.omega_max = 1.95;
  sor_omega_controller c(1.0, st);
  double r = 1.0;
  for (int k = 0; k < 2000; ++k) {
    const omega_decision d = c.observe(r * r);
    EXPECT_LE(d.omega, 1.95);
    r *= 0.9999;  // Young: mu = 0.99995, omega 1.980
  }
  EXPECT_EQ(c.omega(), 1.95);
  // Zero, NaN and infinity teach nothing and change nothing.
  for (const double v :
       {0.0, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
    EXPECT_FALSE(c.observe(v).changed);
  }
}

// ---------------------------------------------------------------------------------------------
// Parallel schedules: the back-off rule

TEST(ParallelOmegaBackoff, NextLowerDoublesTheDistanceToTwoThenHalvesTowardsTheFloor) {
  EXPECT_NEAR(parallel_omega_backoff::next_lower(1.99, 0.5), 1.98, 1e-12);
  EXPECT_NEAR(parallel_omega_backoff::next_lower(1.98, 0.5), 1.96, 1e-12);
  EXPECT_NEAR(parallel_omega_backoff::next_lower(1.6, 0.5), 1.2, 1e-12);
  EXPECT_NEAR(parallel_omega_backoff::next_lower(1.2, 0.5), 1.0, 1e-12);
  EXPECT_NEAR(parallel_omega_backoff::next_lower(1.0, 0.5), 0.75, 1e-12);
  EXPECT_NEAR(parallel_omega_backoff::next_lower(0.5005, 0.5), 0.5, 1e-12);
  EXPECT_EQ(parallel_omega_backoff::next_lower(0.5, 0.5), 0.5);
}

TEST(ParallelOmegaBackoff, ConvergingScheduleKeepsItsOmega) {
  // Residual falling at the sequential rate (Young's factor for mu at omega 1.9, mu such that
  // 1.9 is the optimum): no change, whatever the cadence.
  parallel_omega_backoff b(1.9);
  double r = 1.0;
  for (std::int64_t s = 0; s < 5000; s += 3) {
    EXPECT_FALSE(b.observe(s, r, s % 30 == 0).changed) << s;
    r *= std::pow(0.9, 3);
    if (r < 1e-250) break;
  }
  EXPECT_TRUE(b.history().empty());
}

TEST(ParallelOmegaBackoff, StallBacksOffWithoutRestart) {
  // The residual creeps (factor 0.99999 per sweep where sequential SOR at 1.96 would give 0.96:
  // under 1 % over a window): after one window, omega backs off to 1.92 and the iterate is kept.
  parallel_omega_backoff b(1.96);
  const std::int64_t window = b.window();
  EXPECT_GE(window, 50);
  double r = 1.0;
  std::optional<omega_decision> first;
  for (std::int64_t s = 0; s <= 2 * window && !first; ++s) {
    const omega_decision d = b.observe(s, r, false);
    if (d.changed) first = d;
    r *= 0.99999;
  }
  ASSERT_TRUE(first.has_value());
  EXPECT_NEAR(first->omega, 1.92, 1e-12);
  EXPECT_FALSE(first->restart);
  EXPECT_EQ(b.history().size(), 1U);
}

TEST(ParallelOmegaBackoff, SustainedGrowthBacksOffWithRestartButNotASingleSpike) {
  parallel_omega_backoff b(1.98);
  EXPECT_FALSE(b.observe(0, 1.0, true).changed);
  EXPECT_FALSE(b.observe(10, 1e-3, false).changed);
  // One spike far above the best: nothing yet.
  EXPECT_FALSE(b.observe(20, 10.0, false).changed);
  EXPECT_FALSE(b.observe(30, 1e-3, false).changed);
  // Sustained growth: three points in a row beyond 1e3 times the best.
  EXPECT_FALSE(b.observe(40, 5.0, false).changed);
  EXPECT_FALSE(b.observe(50, 50.0, false).changed);
  const omega_decision d = b.observe(60, 500.0, true);
  EXPECT_TRUE(d.changed);
  EXPECT_TRUE(d.restart);
  EXPECT_NEAR(d.omega, 1.96, 1e-12);
  // A non-finite residual backs off at once.
  const omega_decision n = b.observe(70, std::numeric_limits<double>::quiet_NaN(), false);
  EXPECT_TRUE(n.changed);
  EXPECT_TRUE(n.restart);
  EXPECT_NEAR(n.omega, 1.92, 1e-12);
}

TEST(ParallelOmegaBackoff, NeverRaisesNeverBelowTheFloor) {
  parallel_omega_backoff::settings st;
  st.omega_min = 0.5;
  parallel_omega_backoff b(1.5, st);
  double last = b.omega();
  for (std::int64_t s = 0; s < 200000; s += 10) {
    const omega_decision d = b.observe(s, 1.0, false);  // never improves
    EXPECT_LE(d.omega, last);
    EXPECT_GE(d.omega, 0.5);
    last = d.omega;
  }
  EXPECT_EQ(b.omega(), 0.5);
  EXPECT_FALSE(b.history().empty());
}

TEST(ParallelOmegaBackoff, SlowProgressIsNotAStall) {
  // Ten times slower than sequential SOR at 1.96 (factor 0.996 per sweep against 0.96), but
  // progress: omega stays. (The first version called this a stall and made converging
  // asynchronous solves many times slower.)
  parallel_omega_backoff b(1.96);
  double r = 1.0;
  for (std::int64_t s = 0; s < 20 * b.window(); ++s) {
    EXPECT_FALSE(b.observe(s, r, false).changed) << s;
    r *= 0.996;
  }
  EXPECT_TRUE(b.history().empty());
}

TEST(ParallelOmegaBackoff, DivergenceJudgedOnVerifiedResidualsOnly) {
  parallel_omega_backoff::settings st;
  st.divergence_verified_only = true;
  parallel_omega_backoff b(1.96, st);
  EXPECT_FALSE(b.observe(0, 1e-3, true).changed);
  // Estimates far above the best (stale, noisy): no divergence from them.
  for (std::int64_t s = 1; s <= 10; ++s) EXPECT_FALSE(b.observe(s, 10.0, false).changed);
  // Verified residuals far above it, sustained: diverged.
  EXPECT_FALSE(b.observe(11, 10.0, true).changed);
  EXPECT_FALSE(b.observe(12, 10.0, true).changed);
  const omega_decision d = b.observe(13, 10.0, true);
  EXPECT_TRUE(d.changed);
  EXPECT_TRUE(d.restart);
}

/// Synchronous block-Jacobi SOR (each block relaxed with sor_sweep against a frozen copy of the
/// others, as the engine's block-Jacobi schedule does), omega backed off by the rule on the true
/// residual every \p every sweeps, with the last good x restored on a restart.
struct block_jacobi_outcome {
  std::int64_t sweeps = 0;
  bool converged = false;
  double omega = 0;
  int backoffs = 0;
  int restarts = 0;
};

block_jacobi_outcome block_jacobi(const system& s, int blocks, double omega, std::int64_t cap,
                                  parallel_omega_backoff* backoff, int every = 10) {
  block_jacobi_outcome out;
  const int n = s.view.rows;
  const asor::partition part = asor::partition::balanced_by_nnz(s.view, blocks);
  asor::vector x = asor::vector::Zero(n);
  asor::vector frozen = x;
  asor::vector good = x;
  const double bnorm = s.b.norm();
  double w = backoff != nullptr ? backoff->omega() : omega;
  for (std::int64_t k = 1; k <= cap; ++k) {
    frozen = x;
    for (int blk = 0; blk < part.blocks(); ++blk) {
      const asor::block_frozen_access access{x.data(), frozen.data(), part.begin(blk),
                                             part.end(blk)};
      asor::sor_sweep(s.view, s.b.data(), access, part.begin(blk), part.end(blk), w,
                      asor::sweep_direction::forward);
    }
    out.sweeps = k;
    if (k % every != 0) continue;
    const double truth = asor::residual_norm(s.view, {s.b.data(), static_cast<std::size_t>(n)},
                                             {x.data(), static_cast<std::size_t>(n)}) /
                         bnorm;
    if (truth <= 1e-8) {
      out.converged = true;
      break;
    }
    if (backoff == nullptr) {
      if (!std::isfinite(truth) || truth > 1e12) break;
      continue;
    }
    const omega_decision d = backoff->observe(k, truth, true);
    if (d.restart) {
      x = good;
      ++out.restarts;
    } else if (std::isfinite(truth)) {
      good = x;
    }
    if (d.changed) {
      w = d.omega;
      ++out.backoffs;
    }
  }
  out.omega = w;
  return out;
}

TEST(ParallelOmegaBackoff, RescuesADivergingBlockJacobiSchedule) {
  // bcsstk01 is SPD but not an H-matrix: block-Jacobi SOR on 4 blocks diverges at omega 1.9
  // (its splitting is not convergent there), converges at a smaller omega. The rule, fed the
  // true residual every 10 sweeps, backs off (restoring the last good x) until it converges.
  const system s(data_matrix("bcsstk01"));
  const block_jacobi_outcome plain = block_jacobi(s, 4, 1.9, 20000, nullptr);
  parallel_omega_backoff backoff(1.9);
  const block_jacobi_outcome rescued = block_jacobi(s, 4, 0.0, 200000, &backoff);
  for (const asor::omega_change& ch : backoff.history()) {
    std::printf("[ backoff  ] sweep %lld: %.4f -> %.4f: %s\n", static_cast<long long>(ch.sweep),
                ch.from, ch.to, std::string(ch.why).c_str());
  }
  std::printf(
      "[ sweeps   ] bcsstk01 block-Jacobi 4 blocks: omega 1.9 %s after %lld; with back-off "
      "%s after %lld (omega %.4f, %d back-offs, %d restarts)\n",
      plain.converged ? "converged" : "not converged", static_cast<long long>(plain.sweeps),
      rescued.converged ? "converged" : "not", static_cast<long long>(rescued.sweeps),
      rescued.omega, rescued.backoffs, rescued.restarts);
  EXPECT_FALSE(plain.converged);
  EXPECT_TRUE(rescued.converged);
  EXPECT_GE(rescued.backoffs, 1);
  EXPECT_LT(rescued.omega, 1.9);
}

}  // namespace
