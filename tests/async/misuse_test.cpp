// Divergence and misuse (issue "Reliability", item 5): matrices on which a method cannot converge
// must stop with a negative reason within a bounded number of sweeps, never loop and never return
// non-finite numbers silently; omega near 2 never reports a false convergence; fallbacks say what
// they did; options out of their domain and wrongly sized vectors are exceptions naming the
// problem.

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "async_test_support.hpp"

namespace asor::test {
namespace {

using namespace std::chrono_literals;

constexpr method all_methods[] = {method::async,  method::sor,        method::ssor,
                                  method::jacobi, method::multicolor, method::block_jacobi};

/// Options of method \p m. Async workers are throttled (~20 us or more after each block sweep):
/// the coordinator decides on its own thread every 200 us, so on a loaded machine unthrottled
/// workers can run thousands of sweeps between two decisions, and an assertion on the number of
/// sweeps before a stop would measure the scheduler rather than the stopping rule.
solver_options options_for(method m) {
  solver_options o;
  if (m == method::async) {
    o.on_block_sweep = [](int, int, std::int64_t) { std::this_thread::sleep_for(20us); };
  }
  o.method = m;
  o.threads = 2;
  o.blocks = m == method::async ? 4 : 0;
  o.omega = 1.0;
  o.stop.tolerance = 1e-8;
  o.stop.max_sweeps = 100000;
  o.stop.time_limit_seconds = 60;
  return o;
}

sparse_matrix from_triplets(int n, const std::vector<Eigen::Triplet<double>>& t) {
  sparse_matrix A(n, n);
  A.setFromTriplets(t.begin(), t.end());
  A.makeCompressed();
  return A;
}

/// Symmetric tridiagonal, diagonal 1, off-diagonal 0.75 (with a small reproducible jitter):
/// eigenvalues down to about 1 - 1.5 = -0.5, so positive diagonal yet indefinite.
sparse_matrix indefinite_chain(int n) {
  std::vector<Eigen::Triplet<double>> t;
  std::mt19937 rng(7);
  for (int i = 0; i < n; ++i) {
    t.emplace_back(i, i, 1.0 + 0.01 * static_cast<double>(rng() % 10));
    if (i + 1 < n) {
      const double off = 0.75;
      t.emplace_back(i, i + 1, off);
      t.emplace_back(i + 1, i, off);
    }
  }
  return from_triplets(n, t);
}

/// Blocks [[1, .9, .9], [.9, 1, .9], [.9, .9, 1]] on the diagonal: SPD (eigenvalues 2.8, 0.1,
/// 0.1) but the Jacobi iteration matrix has eigenvalue -1.8, so Jacobi (weight 1) diverges.
sparse_matrix jacobi_divergent_spd(int groups) {
  std::vector<Eigen::Triplet<double>> t;
  for (int g = 0; g < groups; ++g) {
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) t.emplace_back(3 * g + i, 3 * g + j, i == j ? 1.0 : 0.9);
    }
  }
  return from_triplets(3 * groups, t);
}

/// Graph Laplacian of a path (Neumann 1D Poisson): positive semi-definite, null space = constants.
sparse_matrix path_laplacian(int n) {
  std::vector<Eigen::Triplet<double>> t;
  for (int i = 0; i < n; ++i) {
    t.emplace_back(i, i, (i == 0 || i == n - 1) ? 1.0 : 2.0);
    if (i + 1 < n) {
      t.emplace_back(i, i + 1, -1.0);
      t.emplace_back(i + 1, i, -1.0);
    }
  }
  return from_triplets(n, t);
}

double smallest_eigenvalue(const sparse_matrix& A) {
  const Eigen::MatrixXd dense = Eigen::MatrixXd(A);
  return Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(dense).eigenvalues().minCoeff();
}

/// A report must not hide non-finite numbers, and its residual is the one of the returned x.
void expect_honest(const system& sys, const vector& x, const solve_report& r) {
  if (!x.allFinite()) {
    EXPECT_EQ(r.reason, stop_reason::diverged)
        << "non-finite x returned as " << to_string(r.reason);
    return;
  }
  const double truth = sys.true_residual(x);
  if (std::isfinite(truth)) {
    EXPECT_NEAR(r.relative_residual, truth, 1e-8 * truth + 1e-15) << to_string(r.reason);
  }
  if (r.converged()) {
    EXPECT_LE(truth, r.tolerance) << "false convergence";
  }
  if (r.method == method::async && r.reason != stop_reason::none) {
    EXPECT_TRUE(std::isfinite(r.cancel_latency_seconds));
    EXPECT_GE(r.cancel_latency_seconds, 0.0);
  }
}

// ---------------------------------------------------------------------------------------------
// Divergence

TEST(Divergence, IndefiniteMatrixStopsEveryMethodWithinBoundedSweeps) {
  const watchdog dog(120s, "indefinite");
  const system sys(indefinite_chain(200));
  ASSERT_LT(smallest_eigenvalue(sys.A), -0.1);  // the premise: indefinite
  validate_matrix(sys.A);                       // ... yet a valid SPD candidate by its entries
  for (const method m : all_methods) {
    SCOPED_TRACE(std::string(to_string(m)));
    const solver_options o = options_for(m);
    engine e(sys.view(), o);
    vector x = vector::Zero(sys.A.rows());
    const solve_report r = sys.solve(e, x);
    EXPECT_TRUE(r.reason == stop_reason::diverged || r.reason == stop_reason::stagnated)
        << to_string(r.reason);
    EXPECT_LT(r.sweeps.min, o.stop.max_sweeps / 20) << "divergence must be detected early";
    expect_honest(sys, x, r);
    std::printf("[ diverge  ] %-12s %-9s after %lld sweeps (true residual %.3g)\n",
                std::string(to_string(m)).c_str(), std::string(to_string(r.reason)).c_str(),
                static_cast<long long>(r.sweeps.min), r.relative_residual);
  }
}

TEST(Divergence, IndefiniteMatrixThroughTheFacadeIsANumericalIssue) {
  const watchdog dog(60s, "indefinite facade");
  const sparse_matrix A = indefinite_chain(100);
  const vector b = A * vector::Ones(A.rows());
  SOR<> solver;
  solver.setMaxIterations(100000).setTolerance(1e-8);
  solver.compute(A);
  const vector x = solver.solve(b);
  EXPECT_EQ(solver.info(), Eigen::NumericalIssue) << to_string(solver.report().reason);
  EXPECT_TRUE(x.allFinite() || solver.report().reason == stop_reason::diverged);
  EXPECT_LT(solver.iterations(), 5000);
}

TEST(Divergence, OmegaNearTwoSequentialSorNeverConvergesFalsely) {
  const watchdog dog(120s, "omega 1.99");
  const system sys(poisson2d(16));
  for (const method m : {method::sor, method::ssor}) {
    SCOPED_TRACE(std::string(to_string(m)));
    solver_options o = options_for(m);
    o.omega = 1.99;
    o.stop.max_sweeps = 20000;
    engine e(sys.view(), o);
    vector x = vector::Zero(sys.A.rows());
    const solve_report r = sys.solve(e, x);
    // Ostrowski-Reich: SOR converges on an SPD matrix for any omega in (0, 2), slowly near 2.
    EXPECT_TRUE(r.reason == stop_reason::converged || r.reason == stop_reason::max_sweeps)
        << to_string(r.reason);
    if (r.reason == stop_reason::max_sweeps) {
      EXPECT_GT(sys.true_residual(x), o.stop.tolerance);
    }
    expect_honest(sys, x, r);
    std::printf("[ omega2   ] %-4s omega 1.99: %s after %lld sweeps (true residual %.3g)\n",
                std::string(to_string(m)).c_str(), std::string(to_string(r.reason)).c_str(),
                static_cast<long long>(r.sweeps.min), r.relative_residual);
  }
}

TEST(Divergence, JacobiDivergesOnSpdMatrixWhereSorConverges) {
  const watchdog dog(60s, "jacobi divergent");
  const system sys(jacobi_divergent_spd(100));
  ASSERT_GT(smallest_eigenvalue(sys.A), 0.05);  // the premise: SPD
  {
    const solver_options o = options_for(method::jacobi);
    engine e(sys.view(), o);
    vector x = vector::Zero(sys.A.rows());
    const solve_report r = sys.solve(e, x);
    EXPECT_EQ(r.reason, stop_reason::diverged) << to_string(r.reason);
    EXPECT_LT(r.sweeps.min, 1000);
    expect_honest(sys, x, r);
  }
  {  // Same matrix, sequential SOR: SPD, so it converges (Ostrowski-Reich).
    const solver_options o = options_for(method::sor);
    engine e(sys.view(), o);
    vector x = vector::Zero(sys.A.rows());
    const solve_report r = sys.solve(e, x);
    EXPECT_EQ(r.reason, stop_reason::converged) << to_string(r.reason);
    expect_honest(sys, x, r);
  }
}

// Singular (positive semi-definite) matrix, right-hand side with a component in the null space:
// no x reaches the tolerance. With a stagnation window every method stops stagnated; without, it
// spends its sweep budget; it never loops forever.
TEST(Divergence, SingularInconsistentSystemStagnatesOrSpendsItsBudget) {
  const watchdog dog(180s, "singular inconsistent");
  const int n = 40;
  system sys(path_laplacian(n));
  sys.b = vector::Zero(n);
  sys.b(0) = 1.0;  // component 1/sqrt(n) of the relative residual lies in the null space
  const double floor = 1.0 / std::sqrt(static_cast<double>(n));
  for (const bool window : {true, false}) {
    for (const method m : all_methods) {
      SCOPED_TRACE(std::string(to_string(m)) + (window ? " with" : " without") +
                   " stagnation window");
      solver_options o = options_for(m);
      o.stop.stagnation_window = window ? 200 : 0;
      o.stop.max_sweeps = window ? 100000 : 3000;
      engine e(sys.view(), o);
      vector x = vector::Zero(n);
      const solve_report r = sys.solve(e, x);
      EXPECT_EQ(r.reason, window ? stop_reason::stagnated : stop_reason::max_sweeps)
          << to_string(r.reason);
      if (window) {
        EXPECT_LT(r.sweeps.min, o.stop.max_sweeps / 10);
      }
      EXPECT_GE(r.relative_residual, floor * (1 - 1e-6));
      std::printf(
          "[ singular ] %-12s %-10s after %lld sweeps (true residual %.3g, estimate %.3g)\n",
          std::string(to_string(m)).c_str(), std::string(to_string(r.reason)).c_str(),
          static_cast<long long>(r.sweeps.min), r.relative_residual, r.provisional_residual);
      expect_honest(sys, x, r);
    }
  }
}

TEST(Divergence, SingularConsistentSystemReportsWhatItReached) {
  const watchdog dog(120s, "singular consistent");
  const int n = 40;
  system sys(path_laplacian(n));
  std::mt19937_64 rng(test_seed(5301));
  vector xs(n);
  for (int i = 0; i < n; ++i) xs(i) = std::uniform_real_distribution<double>(-1, 1)(rng);
  sys.b = sys.A * xs;  // in the range of A
  for (const method m : all_methods) {
    SCOPED_TRACE(std::string(to_string(m)));
    solver_options o = options_for(m);
    o.stop.stagnation_window = 500;
    o.stop.max_sweeps = 50000;
    engine e(sys.view(), o);
    vector x = vector::Zero(n);
    const solve_report r = sys.solve(e, x);
    EXPECT_NE(r.reason, stop_reason::none);
    expect_honest(sys, x, r);
  }
}

// Fallback policies: a divergence restarts once from the last verified x, and the report says so.
TEST(Divergence, FallbackOmegaOneRescuesOverRelaxedJacobi) {
  const watchdog dog(60s, "fallback jacobi");
  const system sys(poisson2d(8));
  solver_options o = options_for(method::jacobi);
  o.omega = 1.5;  // the weight times lambda_max(D^-1 A) ~ 2.9: Jacobi diverges
  o.fallback = fallback_policy::omega_one;
  engine e(sys.view(), o);
  vector x = vector::Zero(sys.A.rows());
  const solve_report r = sys.solve(e, x);
  EXPECT_TRUE(r.fallback_used);
  EXPECT_NE(r.fallback.find("omega 1"), std::string::npos) << r.fallback;
  EXPECT_DOUBLE_EQ(r.omega, 1.0);
  EXPECT_EQ(r.reason, stop_reason::converged) << to_string(r.reason);
  expect_honest(sys, x, r);

  o.fallback = fallback_policy::none;  // the same solve without a fallback just diverges
  e.set_options(o);
  vector y = vector::Zero(sys.A.rows());
  const solve_report plain = sys.solve(e, y);
  EXPECT_EQ(plain.reason, stop_reason::diverged) << to_string(plain.reason);
  EXPECT_FALSE(plain.fallback_used);
  EXPECT_TRUE(plain.fallback.empty()) << plain.fallback;
  expect_honest(sys, y, plain);
}

TEST(Divergence, FallbackPoliciesAreReportedOnIndefiniteMatrix) {
  const watchdog dog(120s, "fallback report");
  const system sys(indefinite_chain(200));
  for (const method m : all_methods) {
    for (const fallback_policy f : {fallback_policy::omega_one, fallback_policy::l1}) {
      const bool l1 = f == fallback_policy::l1;
      SCOPED_TRACE(std::string(to_string(m)) + (l1 ? " fallback l1" : " fallback omega_one"));
      solver_options o = options_for(m);
      o.omega = 1.5;
      o.fallback = f;
      engine e(sys.view(), o);
      vector x = vector::Zero(sys.A.rows());
      const solve_report r = sys.solve(e, x);
      // Nothing rescues an indefinite matrix: the fallback is tried once, then it diverges.
      EXPECT_TRUE(r.reason == stop_reason::diverged || r.reason == stop_reason::stagnated)
          << to_string(r.reason);
      EXPECT_TRUE(r.fallback_used);
      EXPECT_NE(r.fallback.find("restarted from the last verified x"), std::string::npos)
          << r.fallback;
      EXPECT_DOUBLE_EQ(r.omega, 1.0);
      if (m == method::async && l1) {
        EXPECT_TRUE(r.l1);
        EXPECT_NE(r.fallback.find("l1"), std::string::npos) << r.fallback;
      }
      // The report never claims an l1 restart it did not do.
      if (!r.l1) {
        EXPECT_EQ(r.fallback.find("l1"), std::string::npos) << r.fallback;
      }
      EXPECT_LT(r.sweeps.min, o.stop.max_sweeps / 10);
      expect_honest(sys, x, r);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Misuse

/// Expects std::invalid_argument whose message contains \p name.
template <class F>
void expect_rejected(F&& f, const std::string& name, const std::string& what) {
  try {
    f();
    ADD_FAILURE() << what << ": accepted";
  } catch (const std::invalid_argument& err) {
    EXPECT_NE(std::string(err.what()).find(name), std::string::npos)
        << what << ": the message does not name '" << name << "': " << err.what();
  } catch (...) {
    ADD_FAILURE() << what << ": threw something other than std::invalid_argument";
  }
}

TEST(Misuse, OptionsOutOfDomainThrowInvalidArgumentNamingTheOption) {
  const system sys(poisson2d(8));  // 64 rows
  struct bad_case {
    std::string what;
    std::string name;
    void (*edit)(solver_options&);
  };
  const std::vector<bad_case> cases = {
      {"omega 0", "omega", [](solver_options& o) { o.omega = 0.0; }},
      {"omega 2", "omega", [](solver_options& o) { o.omega = 2.0; }},
      {"omega -1", "omega", [](solver_options& o) { o.omega = -1.0; }},
      {"omega NaN", "omega",
       [](solver_options& o) { o.omega = std::numeric_limits<double>::quiet_NaN(); }},
      {"tolerance 0", "tolerance", [](solver_options& o) { o.stop.tolerance = 0.0; }},
      {"tolerance -1", "tolerance", [](solver_options& o) { o.stop.tolerance = -1.0; }},
      {"tolerance NaN", "tolerance",
       [](solver_options& o) { o.stop.tolerance = std::numeric_limits<double>::quiet_NaN(); }},
      {"tolerance inf", "tolerance",
       [](solver_options& o) { o.stop.tolerance = std::numeric_limits<double>::infinity(); }},
      {"blocks < threads (async)", "blocks",
       [](solver_options& o) {
         o.method = method::async;
         o.threads = 4;
         o.blocks = 2;
       }},
      {"blocks < threads (block-jacobi)", "blocks",
       [](solver_options& o) {
         o.method = method::block_jacobi;
         o.threads = 4;
         o.blocks = 3;
       }},
      {"blocks > rows", "blocks", [](solver_options& o) { o.blocks = 65; }},
      {"blocks -1", "blocks", [](solver_options& o) { o.blocks = -1; }},
      {"threads -1", "threads", [](solver_options& o) { o.threads = -1; }},
      {"max sweeps 0", "max sweeps", [](solver_options& o) { o.stop.max_sweeps = 0; }},
      {"time limit 0", "time limit", [](solver_options& o) { o.stop.time_limit_seconds = 0; }},
      {"divergence factor 1", "divergence factor",
       [](solver_options& o) { o.stop.divergence_factor = 1.0; }},
      {"divergence window 0", "divergence window",
       [](solver_options& o) { o.stop.divergence_window = 0; }},
      {"stagnation window -1", "stagnation window",
       [](solver_options& o) { o.stop.stagnation_window = -1; }},
      {"local sweeps 0", "local sweeps", [](solver_options& o) { o.local_sweeps = 0; }},
      {"publish_every 0", "publish_every", [](solver_options& o) { o.publish_every = 0; }},
      {"coordinator period 0", "coordinator period",
       [](solver_options& o) { o.coordinator_period = std::chrono::microseconds(0); }},
  };
  for (const auto& c : cases) {
    solver_options o = options_for(method::async);
    c.edit(o);
    expect_rejected([&] { check_options(o, 64); }, c.name, c.what + " (check_options)");
    expect_rejected([&] { const engine e(sys.view(), o); }, c.name, c.what + " (engine)");
    // set_options on a working engine: rejected, and the engine keeps its old options.
    engine e(sys.view(), options_for(o.method));
    expect_rejected([&] { e.set_options(o); }, c.name, c.what + " (set_options)");
    EXPECT_EQ(e.options().stop.tolerance, 1e-8) << c.what;
    EXPECT_EQ(e.options().omega, std::optional<double>(1.0)) << c.what;
  }
  // The boundaries that are valid stay valid.
  solver_options ok = options_for(method::async);
  ok.threads = 2;
  ok.blocks = 64;
  EXPECT_NO_THROW(check_options(ok, 64));
  ok.omega = std::nullopt;  // auto
  EXPECT_NO_THROW(check_options(ok, 64));
}

TEST(Misuse, FacadeSettersRejectOutOfDomainAndKeepTheOldOptions) {
  const sparse_matrix A = poisson2d(8);
  const vector b = A * vector::Ones(A.rows());
  AsyncSOR<> solver;
  solver.setTolerance(1e-9).setThreads(2).setBlocks(4).setOmega(1.1);
  expect_rejected([&] { solver.setOmega(0.0); }, "omega", "setOmega(0)");
  expect_rejected([&] { solver.setOmega(2.0); }, "omega", "setOmega(2)");
  expect_rejected([&] { solver.setOmega(std::numeric_limits<double>::quiet_NaN()); }, "omega",
                  "setOmega(NaN)");
  expect_rejected([&] { solver.setTolerance(0.0); }, "tolerance", "setTolerance(0)");
  expect_rejected([&] { solver.setThreads(8); }, "blocks", "setThreads(8) with 4 blocks");
  EXPECT_EQ(solver.options().omega, std::optional<double>(1.1));
  EXPECT_EQ(solver.options().stop.tolerance, 1e-9);
  EXPECT_EQ(solver.options().threads, 2);
  solver.compute(A);
  expect_rejected([&] { solver.setBlocks(65); }, "blocks", "setBlocks(65) on 64 rows");
  EXPECT_EQ(solver.options().blocks, 4);
  const vector x = solver.solve(b);
  EXPECT_EQ(solver.info(), Eigen::Success);
  EXPECT_LE((b - A * x).norm() / b.norm(), 1e-9);

  // Options valid in general but not for this matrix: compute() says so.
  AsyncSOR<> too_many_blocks;
  too_many_blocks.setThreads(2).setBlocks(100);
  expect_rejected([&] { too_many_blocks.compute(A); }, "blocks", "compute with 100 blocks");
}

TEST(Misuse, SolveWithWrongSizesThrows) {
  const watchdog dog(60s, "wrong sizes");
  const system sys(poisson2d(8));
  engine e(sys.view(), options_for(method::async));
  const auto n = static_cast<std::size_t>(sys.A.rows());
  std::vector<double> short_b(n - 1, 1.0);
  std::vector<double> long_x(n + 1, 0.0);
  std::vector<double> x(n, 0.0);
  EXPECT_THROW((void)e.solve(short_b, x), std::invalid_argument);
  EXPECT_THROW((void)e.solve({sys.b.data(), n}, long_x), std::invalid_argument);
  EXPECT_THROW((void)e.solve({}, std::span<double>{}), std::invalid_argument);
  // Rejected solves leave the engine usable.
  vector y = vector::Zero(sys.A.rows());
  const solve_report r = sys.solve(e, y);
  EXPECT_EQ(r.reason, stop_reason::converged);
  expect_honest(sys, y, r);

  SOR<> solver(sys.A);
  EXPECT_THROW((void)solver.solve(vector::Ones(sys.A.rows() - 1)), input_error);
  EXPECT_THROW((void)solver.solve(vector::Ones(sys.A.rows() + 3)), input_error);
  const vector z = solver.solve(sys.b);
  EXPECT_EQ(solver.info(), Eigen::Success);
  EXPECT_LE(sys.true_residual(z), 1e-8);
}

}  // namespace
}  // namespace asor::test
