// Distributed termination: never "converged" on stale data under injected per-rank delays;
// budgets, the time limit, divergence, a callback on rank 0 and cancel() on any rank stop every
// rank, with the same reason everywhere and the latency measured.

#include <atomic>
#include <chrono>
#include <random>
#include <thread>

#include "mpi_support.hpp"

namespace asor::mpi_test {
namespace {

using namespace std::chrono_literals;

/// Hundreds of solves (ASOR_STRESS_SCALE) on small problems whose ranks are stalled for random
/// stretches, a different rank each time: a rank's residuals then age while the others race ahead
/// (the failure mode docs/termination.md measured on one node, now across processes). Every solve
/// reported converged must have a true residual below the tolerance; a solve with a budget too
/// small must say so; no block sweeps past its budget.
TEST(DistributedTermination, NeverConvergedOnStaleDataUnderInjectedRankDelays) {
  const watchdog dog(900s, "termination stress");
  const std::uint64_t seed = test_seed(20261216);
  const int solves = std::max(20, static_cast<int>(200 * stress_scale()));
  std::mt19937_64 rng(seed);  // the same sequence on every rank
  const root_system problems[] = {root_system([] { return poisson2d(12); }),
                                  root_system([] { return random_spd(150, 5, 7); }),
                                  root_system([] { return anisotropic2d(10, 0.1); })};
  std::vector<distributed_matrix> split;
  for (const auto& p : problems) {
    split.push_back(distributed_matrix::scatter(MPI_COMM_WORLD, p.view()));
  }
  int converged = 0;
  int budget_stops = 0;
  int caught = 0;
  int diverged = 0;
  int false_convergences = 0;
  for (int k = 0; k < solves; ++k) {
    const std::size_t which = static_cast<std::size_t>(k) % 3;
    solver_options o;
    o.method = k % 5 == 4 ? method::block_jacobi : method::async;
    o.threads = 1;
    o.blocks = 1 + static_cast<int>(rng() % 3);
    o.omega = std::uniform_real_distribution<double>(0.9, 1.3)(rng);
    o.local_sweeps = 1 + static_cast<int>(rng() % 2);
    o.stop.tolerance = std::pow(10.0, -std::uniform_real_distribution<double>(6, 9)(rng));
    const bool tight = rng() % 4 == 0;
    o.stop.max_sweeps = tight ? 3 + static_cast<std::int64_t>(rng() % 10) : 1000000000;
    o.stop.time_limit_seconds = 60;
    const int stalled = static_cast<int>(rng() % static_cast<unsigned>(world_size()));
    const unsigned stall_seed = static_cast<unsigned>(rng());
    if (world_rank() == stalled) {
      o.on_block_sweep = [stall_seed](int /*worker*/, int block, std::int64_t sweeps) {
        std::minstd_rand local(stall_seed + static_cast<unsigned>(block * 7919) +
                               static_cast<unsigned>(sweeps));
        if (local() % 4 == 0)
          std::this_thread::sleep_for(std::chrono::microseconds(local() % 1000));
      };
    }
    const outcome out = solve_on(split[which], problems[which], o);
    const solve_report& r = out.report;
    EXPECT_TRUE(same_everywhere(static_cast<int>(r.reason))) << "solve " << k;
    EXPECT_LE(r.sweeps.max, o.stop.max_sweeps) << "solve " << k << " swept past its budget";
    if (world_rank() != 0) continue;
    const double truth = problems[which].true_residual(out.x);
    EXPECT_NEAR(r.relative_residual, truth, 1e-9 * std::max(1.0, truth)) << "solve " << k;
    if (r.converged()) {
      ++converged;
      if (truth > o.stop.tolerance) ++false_convergences;
      EXPECT_LE(truth, o.stop.tolerance) << "false convergence in solve " << k;
    } else if (r.reason == stop_reason::diverged && o.method == method::block_jacobi) {
      // Synchronous block-Jacobi at a fixed omega above 1 on 8 to 12 blocks can truly diverge
      // (block-Jacobi SOR is not convergent for every SPD matrix; seen at omega 1.12 to 1.30 on
      // the anisotropic and random problems): then the true residual of x grew past the initial
      // one (1, from x0 = 0).
      EXPECT_GT(truth, 1.0) << "solve " << k << ": diverged, but the true residual fell";
      ++diverged;
    } else {
      EXPECT_EQ(r.reason, stop_reason::max_sweeps) << "solve " << k << ": " << to_string(r.reason);
      EXPECT_TRUE(tight) << "solve " << k << " had a generous budget";
      ++budget_stops;
    }
    caught += r.failed_verifications;
  }
  if (world_rank() == 0) {
    std::printf(
        "[ stress   ] %d solves on %d ranks: %d converged (all verified: %d false), %d stopped on "
        "budget, %d block-Jacobi solves diverged (truly), %d verifications caught a stale "
        "estimate\n",
        solves, world_size(), converged, false_convergences, budget_stops, diverged, caught);
    EXPECT_GT(converged, solves / 2);
  }
}

/// A problem big enough that a solve runs for seconds on this machine.
root_system long_problem() {
  return root_system([] { return poisson2d(256); });
}

solver_options slow_options() {
  solver_options o;
  o.method = method::async;
  o.threads = 1;
  o.omega = 1.0;
  o.stop.tolerance = 1e-12;
  o.stop.max_sweeps = 100000000;
  o.stop.time_limit_seconds = 120;
  return o;
}

TEST(DistributedTermination, CancelOnAnyRankStopsEveryRank) {
  const watchdog dog(300s, "cancel");
  const root_system sys = long_problem();
  const distributed_matrix A = distributed_matrix::scatter(MPI_COMM_WORLD, sys.view());
  const std::vector<double> b = A.scatter_vector(sys.rhs());
  for (const method m : {method::async, method::block_jacobi}) {
    for (int who = 0; who < world_size(); who += std::max(1, world_size() - 1)) {
      solver_options o = slow_options();
      o.method = m;
      engine e = make_distributed_engine(A, o);
      std::vector<double> x(b.size(), 0.0);
      const auto t0 = std::chrono::steady_clock::now();
      solve_handle h = e.submit(b, x);
      if (world_rank() == who) {
        std::this_thread::sleep_for(200ms);
        h.cancel();
      }
      const solve_report r = h.get();
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      EXPECT_EQ(r.reason, stop_reason::cancelled) << to_string(m) << ", cancel on rank " << who;
      EXPECT_TRUE(std::isfinite(r.cancel_latency_seconds));
      EXPECT_LT(seconds, 60.0) << "liveness: the cancel took effect";
      if (world_rank() == 0) {
        std::printf("[ cancel   ] %s, cancel on rank %d: latency %.3g s at rank 0\n",
                    std::string(to_string(m)).c_str(), who, r.cancel_latency_seconds);
      }
    }
  }
}

TEST(DistributedTermination, BudgetsAndTheTimeLimitStopEveryRank) {
  const watchdog dog(300s, "budgets");
  const root_system sys = long_problem();
  const distributed_matrix A = distributed_matrix::scatter(MPI_COMM_WORLD, sys.view());
  for (const method m : {method::async, method::block_jacobi}) {
    solver_options o = slow_options();
    o.method = m;
    o.blocks = 2;
    o.stop.max_sweeps = 7;
    const outcome budget = solve_on(A, sys, o);
    EXPECT_EQ(budget.report.reason, stop_reason::max_sweeps) << to_string(m);
    EXPECT_LE(budget.report.sweeps.max, 7) << to_string(m);
    if (world_rank() == 0) {
      EXPECT_EQ(budget.report.sweeps.min, 7) << to_string(m);
      for (const sweep_stats& s : budget.report.rank_sweeps) EXPECT_EQ(s.max, 7);
    }
    o.stop.max_sweeps = 100000000;
    o.stop.time_limit_seconds = 0.3;
    const auto t0 = std::chrono::steady_clock::now();
    const outcome timed = solve_on(A, sys, o);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(timed.report.reason, stop_reason::time_limit) << to_string(m);
    EXPECT_LT(seconds, 30.0) << "liveness";
  }
}

TEST(DistributedTermination, ACallbackOnRankZeroStopsEveryRank) {
  const watchdog dog(300s, "callback");
  const root_system sys = long_problem();
  const distributed_matrix A = distributed_matrix::scatter(MPI_COMM_WORLD, sys.view());
  for (const method m : {method::async, method::block_jacobi}) {
    solver_options o = slow_options();
    o.method = m;
    o.progress_interval_seconds = 0.01;
    engine e = make_distributed_engine(A, o);
    std::atomic<int> calls{0};
    e.on_progress([&calls](const progress& p) {
      ++calls;
      return p.min_sweeps >= 20 ? callback_action::stop : callback_action::proceed;
    });
    const std::vector<double> b = A.scatter_vector(sys.rhs());
    std::vector<double> x(b.size(), 0.0);
    const solve_report r = e.solve(b, x);
    EXPECT_EQ(r.reason, stop_reason::user_stop) << to_string(m);
    if (world_rank() == 0) {
      EXPECT_GT(calls.load(), 0);
    } else {
      EXPECT_EQ(calls.load(), 0) << "callbacks run on rank 0";
    }
  }
}

TEST(DistributedTermination, DivergenceStopsEveryRank) {
  const watchdog dog(300s, "divergence");
  // Symmetric with a positive diagonal but indefinite (eigenvalues 1 + 1.8 cos(k pi / (n + 1))):
  // SOR diverges.
  const root_system sys([] {
    const int n = 400;
    std::vector<Eigen::Triplet<double>> t;
    for (int i = 0; i < n; ++i) {
      t.emplace_back(i, i, 1.0);
      if (i + 1 < n) {
        t.emplace_back(i, i + 1, 0.9);
        t.emplace_back(i + 1, i, 0.9);
      }
    }
    sparse_matrix M(n, n);
    M.setFromTriplets(t.begin(), t.end());
    return M;
  });
  const distributed_matrix A = distributed_matrix::scatter(MPI_COMM_WORLD, sys.view());
  for (const method m : {method::async, method::block_jacobi}) {
    solver_options o = slow_options();
    o.method = m;
    o.omega = 1.0;
    const outcome out = solve_on(A, sys, o);
    EXPECT_EQ(out.report.reason, stop_reason::diverged) << to_string(m);
    EXPECT_TRUE(same_everywhere(static_cast<int>(out.report.reason)));
  }
}

}  // namespace
}  // namespace asor::mpi_test
