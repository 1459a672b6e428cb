// The engine's contract for every method (issue "One decision loop for every schedule"): decisions
// never wait for a slow observer, budgets hold exactly, cancels are never lost, failures reach the
// caller as exceptions and as a report, nothing is made up, preparation is kept, and the handle
// behaves like a future. Each case runs on sequential SOR, SSOR, weighted Jacobi, multicolor SOR,
// block-Jacobi SOR and asynchronous SOR through the one driver. Durations appear only as generous
// liveness bounds ("stops within a second, not after the callback's two").

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "asor/job.hpp"
#include "async_test_support.hpp"

namespace asor::test {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

/// Blocks until \p h has published its first snapshot: relaxation is under way (preparation
/// done), so a cancel now stops workers, not the preparation.
void wait_until_relaxing(const solve_handle& h) {
  while (!h.progress() && !h.ready()) std::this_thread::sleep_for(1ms);
}

/// A problem no method solves to 1e-15 in seconds: Poisson 256^2 (65536 unknowns).
const system& big() {
  static const system s(poisson2d(256));
  return s;
}

double seconds_since(steady::time_point t0) {
  return std::chrono::duration<double>(steady::now() - t0).count();
}

class EngineContract : public ::testing::TestWithParam<method> {};

INSTANTIATE_TEST_SUITE_P(Methods, EngineContract, ::testing::ValuesIn(every_method), name_of);

// Finding 1: a callback that sleeps 2 s must not keep a 0.2 s time limit from stopping the
// workers: the relaxation ends near 0.2 s; solve() returns after the callback, as documented.
TEST_P(EngineContract, SlowCallbackDoesNotDelayTheTimeLimit) {
  const watchdog dog(60s);
  solver_options o = options_for(GetParam());
  o.stop.tolerance = 1e-15;
  o.stop.time_limit_seconds = 0.2;
  engine e(big().view(), o);
  std::atomic<int> calls{0};
  e.on_progress([&calls](const progress&) {
    if (calls++ == 0) std::this_thread::sleep_for(2s);
    return callback_action::proceed;
  });
  vector x = vector::Zero(big().A.rows());
  const auto t0 = steady::now();
  const solve_report r = big().solve(e, x);
  const double wall = seconds_since(t0);
  EXPECT_EQ(r.reason, stop_reason::time_limit) << to_string(r.reason);
  EXPECT_LT(r.solve_seconds, 1.0) << "the workers waited for the callback";
  EXPECT_GE(calls.load(), 1);
  EXPECT_GE(wall, 1.5) << "solve() returned while the callback was still running";
  EXPECT_GT(r.observer_wait_seconds, 0.5);
}

// Finding 1: the same for a cancel issued at 0.1 s while the callback sleeps.
TEST_P(EngineContract, SlowCallbackDoesNotDelayACancel) {
  const watchdog dog(60s);
  solver_options o = options_for(GetParam());
  o.stop.tolerance = 1e-15;
  engine e(big().view(), o);
  std::atomic<bool> sleeping{false};
  e.on_progress([&sleeping](const progress&) {
    sleeping = true;
    std::this_thread::sleep_for(2s);
    return callback_action::proceed;
  });
  vector x = vector::Zero(big().A.rows());
  const solve_handle h = e.submit(span_of(big().b), span_of(x));
  while (!sleeping.load()) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(100ms);  // the callback blocks; the workers must not
  h.cancel();
  const solve_report r = h.get();
  EXPECT_EQ(r.reason, stop_reason::cancelled) << to_string(r.reason);
  EXPECT_LT(r.solve_seconds, 1.0) << "the workers waited for the callback";
  EXPECT_LT(r.cancel_latency_seconds, 0.5);
  EXPECT_GT(r.sweeps.max, 0);
  EXPECT_NEAR(r.relative_residual, big().true_residual(x), 1e-12);
}

// Finding 1: a callback taking 1 ms per call at default settings neither keeps a solve from
// converging nor delays a time limit.
TEST_P(EngineContract, MillisecondCallbackAtDefaultSettings) {
  const watchdog dog(60s);
  const system sys(poisson2d(48));
  engine e(sys.view(), options_for(GetParam()));
  std::atomic<int> calls{0};
  const auto slow = [&calls](const progress&) {
    ++calls;
    std::this_thread::sleep_for(1ms);
    return callback_action::proceed;
  };
  e.on_progress(slow);
  vector x = vector::Zero(sys.A.rows());
  const solve_report r = sys.solve(e, x);
  EXPECT_EQ(r.reason, stop_reason::converged) << to_string(r.reason);
  EXPECT_LE(sys.true_residual(x), 1e-8);

  solver_options o = options_for(GetParam());
  o.stop.tolerance = 1e-15;
  o.stop.time_limit_seconds = 0.2;
  engine e2(big().view(), o);
  e2.on_progress(slow);
  vector y = vector::Zero(big().A.rows());
  const solve_report r2 = big().solve(e2, y);
  EXPECT_EQ(r2.reason, stop_reason::time_limit) << to_string(r2.reason);
  EXPECT_LT(r2.solve_seconds, 1.0);
}

// Finding 2: the sweep budget is exact: no block sweeps past it, whatever the schedule (local
// sweeps of block-Jacobi and async included), and a budget stop is never "converged".
TEST_P(EngineContract, SweepBudgetHoldsExactly) {
  const watchdog dog(60s);
  const system sys(poisson2d(30));
  for (const std::int64_t budget : {1, 2, 7}) {
    solver_options o = options_for(GetParam());
    o.stop.max_sweeps = budget;
    o.local_sweeps = 3;
    engine e(sys.view(), o);
    for (int run = 0; run < 3; ++run) {
      vector x = vector::Zero(sys.A.rows());
      const solve_report r = sys.solve(e, x);
      SCOPED_TRACE("budget " + std::to_string(budget));
      EXPECT_EQ(r.reason, stop_reason::max_sweeps) << to_string(r.reason);
      EXPECT_LE(r.sweeps.max, budget);
      EXPECT_EQ(r.sweeps.min, budget) << "every block runs to the budget when nothing else stops";
      for (const auto s : r.block_sweeps) EXPECT_LE(s, budget);
    }
  }
}

// Issue 12: with pipelined passes (4 sweeps per pass) the budget is still exact: the last pass is
// shortened, never run past it; with one local sweep (the async workers' passes over all of their
// blocks) and with three (passes over one block's local sweeps).
TEST_P(EngineContract, PipelinedSweepBudgetHoldsExactly) {
  const watchdog dog(60s);
  const system sys(poisson2d(30));
  for (const int local : {1, 3}) {
    for (const std::int64_t budget : {1, 2, 7, 9}) {
      solver_options o = options_for(GetParam());
      o.stop.max_sweeps = budget;
      o.local_sweeps = local;
      o.pipeline_sweeps = 4;
      engine e(sys.view(), o);
      for (int run = 0; run < 2; ++run) {
        vector x = vector::Zero(sys.A.rows());
        const solve_report r = sys.solve(e, x);
        SCOPED_TRACE("budget " + std::to_string(budget) + ", local sweeps " +
                     std::to_string(local));
        EXPECT_EQ(r.reason, stop_reason::max_sweeps) << to_string(r.reason);
        EXPECT_EQ(r.sweeps.min, budget);
        EXPECT_EQ(r.sweeps.max, budget);
        EXPECT_NEAR(r.relative_residual, sys.true_residual(x), 1e-12);
      }
    }
  }
}

// Issue 12: pipelined passes converge to a verified residual, and the report says how many
// sweeps a pass ran: 4 for SOR and the async workers, block-Jacobi's 2 local sweeps, and 1 for
// SSOR (its halves alternate directions). Jacobi and multicolor have no SOR sweep to pipeline.
TEST_P(EngineContract, PipelinedSolveConvergesVerified) {
  const method m = GetParam();
  if (m == method::jacobi || m == method::multicolor) GTEST_SKIP() << "nothing to pipeline";
  const watchdog dog(60s);
  const system sys(poisson2d(40));
  solver_options o = options_for(m);
  o.omega = std::nullopt;
  o.fallback = fallback_policy::omega_one;
  o.pipeline_sweeps = 4;
  o.local_sweeps = m == method::block_jacobi ? 2 : 1;
  engine e(sys.view(), o);
  vector x = vector::Zero(sys.A.rows());
  const solve_report r = sys.solve(e, x);
  EXPECT_EQ(r.reason, stop_reason::converged) << to_string(r.reason);
  EXPECT_LE(sys.true_residual(x), 1e-8);
  EXPECT_EQ(r.pipeline_sweeps, m == method::ssor ? 1 : (m == method::block_jacobi ? 2 : 4));
}

// A budget that runs out on an x within the tolerance is converged (docs/termination.md, rule 3):
// the final residual is a true residual of a quiescent x, as a verification's. Each budget up to
// the sweeps of a free run: converged exactly when the returned x passes. A sweep's estimate is the
// residual before its updates, a sweep behind x: on the sequential schedules the budget one short
// of the free run's sweeps ends within the tolerance (it said max_sweeps before).
TEST_P(EngineContract, ABudgetEndingWithinTheToleranceIsConverged) {
  const watchdog dog(60s);
  const system sys(poisson2d(16));
  solver_options o = options_for(GetParam());
  o.stop.tolerance = 1e-6;
  vector x = vector::Zero(sys.A.rows());
  engine free_run(sys.view(), o);
  const solve_report full = sys.solve(free_run, x);
  ASSERT_EQ(full.reason, stop_reason::converged) << to_string(full.reason);
  int converged_within_a_budget = 0;
  for (std::int64_t budget = std::max<std::int64_t>(1, full.sweeps.min - 3);
       budget <= full.sweeps.min; ++budget) {
    SCOPED_TRACE("budget " + std::to_string(budget) + " of " + std::to_string(full.sweeps.min));
    o.stop.max_sweeps = budget;
    engine e(sys.view(), o);
    vector y = vector::Zero(sys.A.rows());
    const solve_report r = sys.solve(e, y);
    ASSERT_TRUE(r.reason == stop_reason::converged || r.reason == stop_reason::max_sweeps)
        << to_string(r.reason);
    EXPECT_EQ(r.reason == stop_reason::converged, r.relative_residual <= o.stop.tolerance)
        << to_string(r.reason) << ", true residual " << r.relative_residual;
    EXPECT_NEAR(sys.true_residual(y), r.relative_residual, 1e-3 * o.stop.tolerance);
    EXPECT_LE(r.sweeps.max, budget);
    if (r.reason == stop_reason::converged && budget < full.sweeps.min) {
      ++converged_within_a_budget;
      EXPECT_GE(r.verifications, 1);
    }
  }
  if (GetParam() != method::async) {
    EXPECT_GT(converged_within_a_budget, 0);
  }
}

// Finding 2: a 10-row system with a budget of 1 sweep.
TEST_P(EngineContract, OneSweepBudgetOnATinySystem) {
  const watchdog dog(60s);
  const system sys(random_spd(10, 3, 5));
  solver_options o = options_for(GetParam());
  o.stop.max_sweeps = 1;
  o.blocks = GetParam() == method::async || GetParam() == method::block_jacobi ? 2 : 0;
  engine e(sys.view(), o);
  for (int run = 0; run < 3; ++run) {
    vector x = vector::Zero(sys.A.rows());
    const solve_report r = sys.solve(e, x);
    EXPECT_EQ(r.reason, stop_reason::max_sweeps) << to_string(r.reason);
    EXPECT_EQ(r.sweeps.max, 1);
    EXPECT_GT(sys.true_residual(x), 1e-8);
  }
}

// Finding 2 and 8: a time limit of 1 ns stops every solve before any sweep: never "converged",
// and no estimate is made up (the provisional residual is NaN: no block published).
TEST_P(EngineContract, NanosecondTimeLimitNeverConverges) {
  const watchdog dog(60s);
  const system sys(poisson2d(100));
  solver_options o = options_for(GetParam());
  o.stop.time_limit_seconds = 1e-9;
  engine e(sys.view(), o);
  for (int run = 0; run < 6; ++run) {
    vector x = vector::Zero(sys.A.rows());
    const solve_report r = sys.solve(e, x);
    EXPECT_EQ(r.reason, stop_reason::time_limit) << to_string(r.reason);
    EXPECT_EQ(r.sweeps.max, 0);
    EXPECT_TRUE(std::isnan(r.provisional_residual)) << r.provisional_residual;
    EXPECT_DOUBLE_EQ(r.relative_residual, 1.0);
  }
}

// Finding 3: a cancel right after submit() — while the job is queued, preparing or starting — is
// never lost.
TEST_P(EngineContract, CancelRightAfterSubmitIsNeverLost) {
  const watchdog dog(120s);
  solver_options o = options_for(GetParam());
  o.stop.tolerance = 1e-15;
  engine e(big().view(), o);
  for (int run = 0; run < 20; ++run) {
    vector x = vector::Zero(big().A.rows());
    const solve_handle h = e.submit(span_of(big().b), span_of(x));
    if (run % 2 == 0) {
      h.cancel();
    } else {
      e.cancel();
    }
    const solve_report r = h.get();
    EXPECT_EQ(r.reason, stop_reason::cancelled) << "run " << run << ": " << to_string(r.reason);
  }
}

// Finding 3: preparation (reverse Cuthill-McKee, the Lanczos omega estimate) stops on a cancel:
// the solve ends without relaxing and without finishing the preparation.
TEST_P(EngineContract, CancelDuringPreparation) {
  const watchdog dog(120s);
  static const system huge(poisson2d(700));  // 490000 rows: seconds of Lanczos steps
  solver_options o = options_for(GetParam());
  o.omega = std::nullopt;
  o.ordering = ordering::rcm;
  engine e(huge.view(), o);
  vector x = vector::Zero(huge.A.rows());
  const solve_handle h = e.submit(span_of(huge.b), span_of(x));
  std::this_thread::sleep_for(5ms);
  h.cancel();
  const solve_report r = h.get();
  EXPECT_EQ(r.reason, stop_reason::cancelled);
  EXPECT_EQ(r.sweeps.max, 0);
  EXPECT_TRUE(std::isnan(r.omega)) << "the omega estimate finished: " << r.omega;
  EXPECT_TRUE(x.isZero()) << "x must be untouched";
}

// Finding 3: every method reports its cancel latency, and the latency of a stop made while a
// sweep runs is bounded by polling inside the sweep.
TEST_P(EngineContract, CancelLatencyIsMeasured) {
  const watchdog dog(60s);
  solver_options o = options_for(GetParam());
  o.stop.tolerance = 1e-15;
  engine e(big().view(), o);
  vector x = vector::Zero(big().A.rows());
  const solve_handle h = e.submit(span_of(big().b), span_of(x));
  wait_until_relaxing(h);
  std::this_thread::sleep_for(20ms);
  h.cancel();
  const solve_report r = h.get();
  EXPECT_EQ(r.reason, stop_reason::cancelled);
  EXPECT_TRUE(std::isfinite(r.cancel_latency_seconds));
  EXPECT_GE(r.cancel_latency_seconds, 0.0);
  EXPECT_LT(r.cancel_latency_seconds, 0.5);
}

// A callback's stop is user_stop, for every method.
TEST_P(EngineContract, CallbackStopIsUserStop) {
  const watchdog dog(60s);
  solver_options o = options_for(GetParam());
  o.stop.tolerance = 1e-15;
  o.progress_interval_seconds = 0;
  engine e(big().view(), o);
  e.on_progress([](const progress& p) {
    return p.min_sweeps >= 3 ? callback_action::stop : callback_action::proceed;
  });
  vector x = vector::Zero(big().A.rows());
  const solve_report r = big().solve(e, x);
  EXPECT_EQ(r.reason, stop_reason::user_stop) << to_string(r.reason);
  EXPECT_GE(r.sweeps.min, 3);
  EXPECT_NEAR(r.relative_residual, big().true_residual(x), 1e-12);
}

// Finding 4 and 6: an exception in the decision loop (std::bad_alloc, as a coordinator that runs
// out of memory) reaches get() after every thread has stopped — never std::terminate — and the
// report describes the failure; the engine solves again afterwards.
TEST_P(EngineContract, OutOfMemoryInTheDecisionLoopReachesTheCaller) {
  const watchdog dog(60s);
  const system sys(poisson2d(48));
  solver_options o = options_for(GetParam());
  std::atomic<int> decisions{0};
  o.on_decision = [&decisions] {
    if (++decisions == 3) throw std::bad_alloc();
  };
  engine e(sys.view(), o);
  vector x = vector::Zero(sys.A.rows());
  const solve_handle h = e.submit(span_of(sys.b), span_of(x));
  EXPECT_THROW((void)h.get(), std::bad_alloc);
  const solve_report failed = h.report();
  EXPECT_EQ(failed.reason, stop_reason::failed);
  EXPECT_EQ(failed.error, "out of memory (std::bad_alloc)");
  EXPECT_TRUE(h.exception() != nullptr);
  e.set_options(options_for(GetParam()));
  vector y = vector::Zero(sys.A.rows());
  EXPECT_EQ(sys.solve(e, y).reason, stop_reason::converged);
}

// Finding 4: the history and the recorded provisional results stay within their limits however
// long the solve runs.
TEST_P(EngineContract, HistoryAndRecordsAreBounded) {
  const watchdog dog(60s);
  const system sys(poisson2d(64));
  solver_options o = options_for(GetParam());
  o.stop.tolerance = 1e-15;
  o.stop.max_sweeps = 3000;
  o.history_limit = 64;
  o.record_provisional = true;
  o.provisional_limit = 100;
  engine e(sys.view(), o);
  vector x = vector::Zero(sys.A.rows());
  const solve_report r = sys.solve(e, x);
  EXPECT_EQ(r.reason, stop_reason::max_sweeps);
  EXPECT_LE(r.history.size(), 64u);
  EXPECT_GE(r.history.size(), 16u);
  EXPECT_LE(r.provisional.size(), 100u);
  if (GetParam() == method::async) {
    EXPECT_GE(r.provisional.size(), 25u);
  }
  for (std::size_t k = 1; k < r.history.size(); ++k) {
    EXPECT_LE(r.history[k - 1].seconds, r.history[k].seconds) << "thinning keeps the order";
  }
}

// Finding 7: changing only stopping options keeps the preparation (row order, omega estimate);
// changing omega prepares again.
TEST_P(EngineContract, PreparationIsKeptWhenOnlyStoppingOptionsChange) {
  const watchdog dog(60s);
  const system sys(poisson2d(32));
  solver_options o = options_for(GetParam());
  o.omega = std::nullopt;
  engine e(sys.view(), o);
  vector x = vector::Zero(sys.A.rows());
  const solve_report first = sys.solve(e, x);
  EXPECT_FALSE(first.setup_reused);
  o.stop.tolerance = 1e-6;
  o.stop.max_sweeps = 12345;
  o.progress_interval_seconds = 0.5;
  e.set_options(o);
  x.setZero();
  const solve_report second = sys.solve(e, x);
  EXPECT_TRUE(second.setup_reused);
  EXPECT_EQ(second.setup_seconds, first.setup_seconds);
  EXPECT_EQ(second.omega, first.omega);
  o.omega = 1.1;
  e.set_options(o);
  x.setZero();
  EXPECT_FALSE(sys.solve(e, x).setup_reused);
}

// The handle behaves like a future: ready, wait_for, progress, get any number of times, cancel
// after the end does nothing.
TEST_P(EngineContract, HandleLikeAFuture) {
  const watchdog dog(240s);
  // Poisson 32: Jacobi needs about 4,000 sweeps; under TSan on a loaded 2-core machine Poisson 64
  // (16,000 sweeps of 4x the rows) once took longer than the 30 s this test used to wait.
  const system sys(poisson2d(32));
  engine e(sys.view(), options_for(GetParam()));
  vector x = vector::Zero(sys.A.rows());
  const solve_handle h = e.submit(span_of(sys.b), span_of(x));
  EXPECT_TRUE(h.valid());
  EXPECT_TRUE(h.wait_for(180s));  // liveness only
  EXPECT_TRUE(h.ready());
  const solve_report r1 = h.get();
  h.cancel();  // after the end: nothing happens
  const solve_report r2 = h.get();
  EXPECT_EQ(r1.reason, stop_reason::converged);
  EXPECT_EQ(r2.reason, stop_reason::converged);
  EXPECT_EQ(r1.sweeps.min, r2.sweeps.min);
  const auto p = h.progress();
  ASSERT_TRUE(p.has_value()) << "the final snapshot is kept";
  EXPECT_TRUE(p->all_blocks_reported);
  EXPECT_EQ(p->min_sweeps, r1.sweeps.min);
  EXPECT_LE(sys.true_residual(x), 1e-8);
}

// on_ready: each notification runs once, in order, after the end (ready() is already true), on
// the engine's thread; one registered after the end runs at once on the caller's thread; a
// notification that throws is dropped without stopping the others.
TEST_P(EngineContract, OnReadyNotifiesOnceAfterTheEnd) {
  const watchdog dog(60s);
  solver_options o = options_for(GetParam());
  o.stop.tolerance = 1e-15;
  engine e(big().view(), o);
  vector x = vector::Zero(big().A.rows());
  const solve_handle h = e.submit(span_of(big().b), span_of(x));
  std::mutex m;
  std::vector<int> calls;
  std::vector<bool> ready_then;
  std::vector<std::thread::id> threads;
  const auto note = [&](int which) {
    return [&, which] {
      const std::lock_guard lock(m);
      calls.push_back(which);
      ready_then.push_back(h.ready());
      threads.push_back(std::this_thread::get_id());
    };
  };
  h.on_ready(note(1));
  h.on_ready([] { throw std::runtime_error("a notification that throws"); });
  h.on_ready(note(2));
  wait_until_relaxing(h);
  {
    const std::lock_guard lock(m);
    EXPECT_TRUE(calls.empty()) << "notified before the end";
  }
  h.cancel();
  EXPECT_EQ(h.get().reason, stop_reason::cancelled);
  // get() may return before the engine's thread has run the notifications: wait for them.
  const auto t0 = steady::now();
  while (seconds_since(t0) < 30) {
    {
      const std::lock_guard lock(m);
      if (calls.size() == 2) break;
    }
    std::this_thread::sleep_for(1ms);
  }
  h.on_ready(note(3));
  const std::lock_guard lock(m);
  ASSERT_EQ(calls, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(ready_then, (std::vector<bool>{true, true, true}));
  EXPECT_NE(threads[0], std::this_thread::get_id()) << "not on the engine's thread";
  EXPECT_EQ(threads[1], threads[0]);
  EXPECT_EQ(threads[2], std::this_thread::get_id()) << "after the end: on the caller's thread";
}

// A second submit while a solve runs is refused, and so is a change of options.
TEST_P(EngineContract, OneSolveAtATime) {
  const watchdog dog(60s);
  solver_options o = options_for(GetParam());
  o.stop.tolerance = 1e-15;
  engine e(big().view(), o);
  vector x = vector::Zero(big().A.rows());
  vector y = vector::Zero(big().A.rows());
  const solve_handle h = e.submit(span_of(big().b), span_of(x));
  EXPECT_TRUE(e.running());
  EXPECT_THROW((void)e.submit(span_of(big().b), span_of(y)), std::logic_error);
  EXPECT_THROW(e.solve(span_of(big().b), span_of(y)), std::logic_error);
  EXPECT_THROW(e.set_options(o), std::logic_error);
  h.cancel();
  EXPECT_EQ(h.get().reason, stop_reason::cancelled);
  EXPECT_FALSE(e.running());
  EXPECT_TRUE(y.isZero());
}

// Destroying the handle of a running solve cancels it and waits: x is then final and finite.
TEST_P(EngineContract, DestroyingARunningHandleCancelsAndWaits) {
  const watchdog dog(60s);
  solver_options o = options_for(GetParam());
  o.stop.tolerance = 1e-15;
  engine e(big().view(), o);
  vector x = vector::Zero(big().A.rows());
  {
    const solve_handle h = e.submit(span_of(big().b), span_of(x));
    wait_until_relaxing(h);
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_FALSE(e.running());
  EXPECT_TRUE(x.allFinite());
  EXPECT_LT(big().true_residual(x), 1.0);
}

TEST(EngineMisuse, MovedFromEngineCancelsNothingAndRefusesTheRest) {
  const system sys(poisson2d(8));
  engine a(sys.view(), options_for(method::sor));
  engine b(std::move(a));
  a.cancel();  // NOLINT(bugprone-use-after-move): the documented no-op
  vector x = vector::Zero(sys.A.rows());
  EXPECT_THROW((void)a.submit(span_of(sys.b), span_of(x)), std::logic_error);  // NOLINT
  EXPECT_THROW(a.set_options(options_for(method::sor)), std::logic_error);     // NOLINT
  EXPECT_EQ(b.solve(span_of(sys.b), span_of(x)).reason, stop_reason::converged);
}

TEST(EngineMisuse, EmptyHandleRefusesToBeUsed) {
  const solve_handle h;
  EXPECT_FALSE(h.valid());
  EXPECT_THROW((void)h.ready(), std::logic_error);
  EXPECT_THROW((void)h.get(), std::logic_error);
  EXPECT_THROW(h.cancel(), std::logic_error);
}

// Destroying an engine while a solve it runs is unfinished: debug builds assert; release builds
// cancel the solve and wait for it (no crash).
TEST(EngineMisuseDeathTest, DestroyingAnEngineUnderARunningHandle) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const auto destroy_under_handle = [] {
    solver_options o = options_for(method::async);
    o.stop.tolerance = 1e-15;
    auto e = std::make_unique<engine>(big().view(), o);
    vector x = vector::Zero(big().A.rows());
    const solve_handle h = e->submit(span_of(big().b), span_of(x));
    std::this_thread::sleep_for(10ms);
    e.reset();
    EXPECT_TRUE(h.ready());
    EXPECT_EQ(h.get().reason, stop_reason::cancelled);
  };
  EXPECT_DEBUG_DEATH(destroy_under_handle(), "destroyed while a solve it runs is not finished");
}

// Destroying an Eigen-style solver while another thread is in its solve(): the solve is cancelled
// and the destructor waits for it, so nothing is used after it is freed.
TEST(FacadeMisuse, DestroyingASolverDuringASolveInAnotherThread) {
  const watchdog dog(60s);
  auto solver = std::make_unique<AsyncSOR<>>();
  solver->setTolerance(1e-15).setThreads(2).setOmega(1.0).setMaxIterations(1000000000);
  solver->compute(big().A);
  std::atomic<bool> started{false};
  solver->onProgress([&started](const progress&) {
    started = true;
    return callback_action::proceed;
  });
  std::atomic<bool> returned{false};
  vector x;
  std::thread t([&] {
    x = solver->solve(big().b);
    returned = true;
  });
  while (!started.load()) std::this_thread::sleep_for(1ms);  // the solve is under way
  solver.reset();
  t.join();
  EXPECT_TRUE(returned.load());
  EXPECT_TRUE(x.allFinite());
}

// The facade: a failed solve leaves info() and report() describing the failure, not the solve
// before it; a concurrent solve is refused; solveAsync gives a pending solution.
TEST(FacadeContract, FailureIsReportedAndAsyncSolveWorks) {
  const watchdog dog(60s);
  const system sys(poisson2d(24));
  SOR<> solver;
  solver.setOmega(1.5);
  solver.compute(sys.A);
  const vector good = solver.solve(sys.b);
  ASSERT_EQ(solver.info(), Eigen::Success);
  solver.setOptions([] {
    solver_options o;
    o.omega = 1.5;
    o.on_decision = [] { throw std::runtime_error("decision failed"); };
    return o;
  }());
  EXPECT_THROW((void)solver.solve(sys.b), std::runtime_error);
  EXPECT_EQ(solver.info(), Eigen::InvalidInput);
  EXPECT_EQ(solver.report().reason, stop_reason::failed);
  EXPECT_EQ(solver.report().error, "decision failed");
  vector bad = sys.b;
  bad(2) = std::numeric_limits<double>::infinity();
  EXPECT_THROW((void)solver.solve(bad), input_error);
  EXPECT_EQ(solver.report().reason, stop_reason::failed);
  EXPECT_EQ(solver.report().error, "right-hand side entry 2 is Inf");

  // The workers wait until the second solve has been refused: without that, a fast machine can
  // finish the first solve before the second call (seen once on a loaded one).
  std::atomic<bool> refused{false};
  solver.setOptions([&refused] {
    solver_options o;
    o.omega = 1.5;
    o.on_block_sweep = [&refused](int, int, std::int64_t) {
      while (!refused.load()) std::this_thread::sleep_for(1ms);
    };
    return o;
  }());
  pending_solution s = solver.solveAsync(sys.b);
  EXPECT_THROW((void)solver.solve(sys.b), std::logic_error);  // one solve at a time
  refused = true;
  const vector x = s.get();
  EXPECT_EQ(s.info(), Eigen::Success);
  EXPECT_LE((sys.b - sys.A * x).norm() / sys.b.norm(), 1e-8);
  EXPECT_EQ(s.report().reason, stop_reason::converged);
}

// The stop_control's rules, without threads: the first decision of a round wins; cancel and user
// stop are sticky across rounds; the poll decides time_limit past the deadline.
TEST(StopControl, FirstDecisionWinsAndStickyRequestsOutliveTheRound) {
  detail::stop_control c;
  EXPECT_EQ(c.decision(), stop_reason::none);
  EXPECT_TRUE(c.decide(stop_reason::converged));
  EXPECT_FALSE(c.decide(stop_reason::max_sweeps));
  c.cancel();  // too late for this round, but sticky
  EXPECT_EQ(c.decision(), stop_reason::converged);
  EXPECT_TRUE(c.cancel_requested());
  c.new_round();
  EXPECT_EQ(c.decision(), stop_reason::cancelled) << "a sticky cancel decides the next round";
  EXPECT_TRUE(c.token().stop_requested());

  detail::stop_control d;
  d.user_stop();
  EXPECT_EQ(d.decision(), stop_reason::user_stop);
  d.new_round();
  EXPECT_EQ(d.decision(), stop_reason::user_stop);

  detail::stop_control t;
  const std::stop_token token = t.token();
  EXPECT_FALSE(t.poll(token));
  t.set_deadline(detail::clock::now() - std::chrono::seconds(1));
  EXPECT_TRUE(t.poll(token));
  EXPECT_EQ(t.decision(), stop_reason::time_limit);
  EXPECT_TRUE(token.stop_requested());
  t.new_round();
  EXPECT_EQ(t.decision(), stop_reason::none) << "a time limit is not sticky: the poll decides";
}

}  // namespace
}  // namespace asor::test
