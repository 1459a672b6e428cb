// Fault injection into the asynchronous engine (issue "Reliability", item 4): stalled, slow and
// throwing workers, throwing and blocking callbacks, cancel() at random moments and repeated
// solve/cancel cycles. Each case runs under a watchdog (a hung solve aborts the test) and checks a
// behaviour, never a duration: converged means the true residual of the returned x is <= tol, the
// reported residual is the one recomputed here, exceptions reach the caller with every thread
// joined, and the engine solves again afterwards.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

#include "async_test_support.hpp"

namespace asor::test {
namespace {

using namespace std::chrono_literals;

/// Threads of this process (entries of /proc/self/task).
int thread_count() {
  int n = 0;
  for ([[maybe_unused]] const auto& entry :
       std::filesystem::directory_iterator("/proc/self/task")) {
    ++n;
  }
  return n;
}

solver_options async_options(int blocks = 4) {
  solver_options o;
  o.method = method::async;
  o.threads = 2;
  o.blocks = blocks;
  o.omega = 1.0;
  o.stop.tolerance = 1e-8;
  o.stop.max_sweeps = 1000000;
  o.stop.time_limit_seconds = 60;
  return o;
}

/// What every async report must satisfy, whatever the fault: the reported true residual is the
/// one recomputed here for the returned x, convergence is real, and a stopped solve measured its
/// cancel latency.
void expect_honest(const system& sys, const vector& x, const solve_report& r) {
  const double truth = sys.true_residual(x);
  ASSERT_TRUE(std::isfinite(truth)) << to_string(r.reason);
  EXPECT_NEAR(r.relative_residual, truth, 1e-8 * truth + 1e-15) << to_string(r.reason);
  if (r.converged()) {
    EXPECT_LE(truth, r.tolerance) << "false convergence";
    EXPECT_GE(r.verifications, 1);
  }
  EXPECT_TRUE(std::isfinite(r.cancel_latency_seconds)) << to_string(r.reason);
  EXPECT_GE(r.cancel_latency_seconds, 0.0);
}

struct worker_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct callback_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A worker that stalls for long stretches (50-200 ms) now and then: the others race ahead, its
// blocks' provisional residuals go stale, and only the verified residual may decide.
TEST(FaultInjection, StalledWorkerStillConvergesVerified) {
  const watchdog dog(120s, "stalled worker");
  const std::uint64_t seed = test_seed(4101);
  const system sys(poisson2d(16));
  for (int rep = 0; rep < repeat_count(); ++rep) {
    std::mt19937_64 rng(seed + static_cast<std::uint64_t>(rep));
    const int stalled_block = static_cast<int>(rng() % 4);
    const auto stall_seed = static_cast<unsigned>(rng());
    std::atomic<int> stalls{0};
    solver_options o = async_options(4);
    o.on_block_sweep = [&stalls, stalled_block, stall_seed](int, int block, std::int64_t sweeps) {
      // The first sweeps of the block always stall once; later ones one time in 40, at most six
      // stalls in all (a few seconds at most on a loaded machine).
      if (block != stalled_block || stalls.load() >= 6) return;
      std::minstd_rand local(stall_seed + static_cast<unsigned>(sweeps));
      if (sweeps == 3 || local() % 40 == 0) {
        stalls.fetch_add(1);
        std::this_thread::sleep_for(std::chrono::milliseconds(50 + local() % 151));
      }
    };
    engine e(sys.view(), o);
    vector x = vector::Zero(sys.A.rows());
    const solve_report r = sys.solve(e, x);
    EXPECT_EQ(r.reason, stop_reason::converged) << to_string(r.reason);
    EXPECT_GE(stalls.load(), 1) << "the fault was not injected";
    expect_honest(sys, x, r);
    std::printf("[ fault    ] stalled block %d: %d stalls, %lld..%lld sweeps, %d verifications\n",
                stalled_block, stalls.load(), static_cast<long long>(r.sweeps.min),
                static_cast<long long>(r.sweeps.max), r.verifications);
  }
}

// One worker's blocks are slowed on every sweep (~100 us): sweep counts drift apart, the solve
// still converges and says so only after verification.
TEST(FaultInjection, SlowWorkerEverySweepStillConverges) {
  const watchdog dog(120s, "slow worker");
  const system sys(poisson2d(16));
  solver_options o = async_options(4);
  std::atomic<std::int64_t> delayed{0};
  o.on_block_sweep = [&delayed](int, int block, std::int64_t) {
    if (block >= 2) return;  // blocks 0 and 1: the first worker's when two run
    delayed.fetch_add(1, std::memory_order_relaxed);
    std::this_thread::sleep_for(100us);
  };
  engine e(sys.view(), o);
  vector x = vector::Zero(sys.A.rows());
  const solve_report r = sys.solve(e, x);
  EXPECT_EQ(r.reason, stop_reason::converged) << to_string(r.reason);
  EXPECT_GT(delayed.load(), 0);
  expect_honest(sys, x, r);
}

// A worker throws: the exception (its own type and message) reaches the caller of solve after
// every thread has stopped; no thread is leaked; the engine solves again afterwards. Both the
// solving thread's own worker (block 0) and another worker's block throw, several times each.
TEST(FaultInjection, WorkerExceptionReachesCallerNoThreadLeakEngineReusable) {
  const watchdog dog(120s, "worker exception");
  const system sys(poisson2d(16));
  engine e(sys.view(), async_options(4));
  {
    vector warm = vector::Zero(sys.A.rows());
    ASSERT_EQ(sys.solve(e, warm).reason, stop_reason::converged);  // OpenMP pool now exists
  }
  const int threads_before = thread_count();
  for (int cycle = 0; cycle < 6; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    const int failing_block = cycle % 2 == 0 ? 0 : 3;
    solver_options o = async_options(4);
    o.on_block_sweep = [failing_block](int, int block, std::int64_t sweeps) {
      if (block == failing_block && sweeps == 7) throw worker_failure("injected worker failure");
    };
    e.set_options(o);
    vector x = vector::Zero(sys.A.rows());
    try {
      (void)sys.solve(e, x);
      ADD_FAILURE() << "the worker's exception did not reach the caller";
    } catch (const worker_failure& err) {
      EXPECT_STREQ(err.what(), "injected worker failure");
    }
    EXPECT_EQ(thread_count(), threads_before) << "threads leaked by a failed solve";
    e.set_options(async_options(4));  // no hook: the engine must be fully usable again
    vector y = vector::Zero(sys.A.rows());
    const solve_report r = sys.solve(e, y);
    EXPECT_EQ(r.reason, stop_reason::converged) << to_string(r.reason);
    expect_honest(sys, y, r);
  }
  EXPECT_EQ(thread_count(), threads_before);
}

// A progress callback throws: same contract as a worker.
TEST(FaultInjection, CallbackExceptionReachesCallerNoThreadLeakEngineReusable) {
  const watchdog dog(120s, "callback exception");
  system sys(poisson2d(16));
  // Not A * ones: with integer entries SOR can reach that solution exactly (residual 0 passes any
  // tolerance), and these solves must not converge.
  sys.b = vector::LinSpaced(sys.A.rows(), 0.3, 1.7);
  engine e(sys.view(), async_options(4));
  {
    vector warm = vector::Zero(sys.A.rows());
    ASSERT_EQ(sys.solve(e, warm).reason, stop_reason::converged);
  }
  const int threads_before = thread_count();
  for (int cycle = 0; cycle < 6; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    const int throw_at_call = 1 + cycle * 3;  // the first call, and later ones
    int calls = 0;
    solver_options o = async_options(4);
    o.stop.tolerance = 1e-30;  // never converges, no budget: only the callback ends it
    o.stop.max_sweeps = 1000000000000;
    o.progress_interval_seconds = 0;
    e.set_options(o);
    e.on_progress([&calls, throw_at_call](const progress&) -> callback_action {
      if (++calls == throw_at_call) throw callback_failure("injected callback failure");
      return callback_action::proceed;
    });
    vector x = vector::Zero(sys.A.rows());
    try {
      const solve_report r = sys.solve(e, x);
      ADD_FAILURE() << "the callback's exception did not reach the caller (" << calls
                    << " calls): " << to_string(r.reason) << " " << r.relative_residual;
    } catch (const callback_failure& err) {
      EXPECT_STREQ(err.what(), "injected callback failure");
    }
    EXPECT_EQ(thread_count(), threads_before) << "threads leaked by a failed solve";
    e.on_progress({});
    e.set_options(async_options(4));
    vector y = vector::Zero(sys.A.rows());
    const solve_report r = sys.solve(e, y);
    EXPECT_EQ(r.reason, stop_reason::converged) << to_string(r.reason);
    expect_honest(sys, y, r);
  }
  EXPECT_EQ(thread_count(), threads_before);
}

// A callback that blocks (100 ms on some calls) holds the coordinator, never the workers: the
// sweeps the workers finish keep growing while the callback sleeps, and the solve converges.
TEST(FaultInjection, BlockingCallbackDoesNotHoldWorkers) {
  const watchdog dog(120s, "blocking callback");
  const system sys(poisson2d(32));
  solver_options o = async_options(8);
  o.progress_interval_seconds = 0;  // called for every provisional result
  std::atomic<std::int64_t> worker_sweeps{0};
  o.on_block_sweep = [&worker_sweeps](int, int, std::int64_t) {
    worker_sweeps.fetch_add(1, std::memory_order_relaxed);
  };
  engine e(sys.view(), o);
  int calls = 0;
  int blocked = 0;
  int advanced = 0;
  // The snapshot of the first blocking call, and the first later one the coordinator refreshed
  // (a newer elapsed_seconds: callbacks for one tick's provisional results share a snapshot).
  std::int64_t min_sweeps_at_block = -1;
  std::int64_t min_sweeps_after_block = -1;
  double elapsed_at_block = 0;
  e.on_progress([&](const progress& p) {
    ++calls;
    if (blocked > 0 && min_sweeps_after_block < 0 && p.elapsed_seconds > elapsed_at_block) {
      min_sweeps_after_block = p.min_sweeps;
    }
    if (calls == 2 || calls == 200) {
      ++blocked;
      if (blocked == 1) {
        min_sweeps_at_block = p.min_sweeps;
        elapsed_at_block = p.elapsed_seconds;
      }
      const std::int64_t before = worker_sweeps.load();
      std::this_thread::sleep_for(100ms);
      // On a machine so loaded that no worker ran in 100 ms, wait on (bounded by the watchdog):
      // workers waiting for this callback would never advance, and the test fails below.
      for (int k = 0; k < 100 && worker_sweeps.load() == before; ++k) {
        std::this_thread::sleep_for(50ms);
      }
      if (worker_sweeps.load() > before) ++advanced;
    }
    return callback_action::proceed;
  });
  vector x = vector::Zero(sys.A.rows());
  const solve_report r = sys.solve(e, x);
  EXPECT_EQ(r.reason, stop_reason::converged) << to_string(r.reason);
  expect_honest(sys, x, r);
  ASSERT_GE(blocked, 1) << calls << " callbacks";
  EXPECT_EQ(advanced, blocked) << "workers stopped sweeping while the callback blocked";
  // The snapshots after the block reflect the sweeps done during it. (The solve may also converge
  // right after the block, before the coordinator calls back with a refreshed snapshot.)
  if (min_sweeps_after_block >= 0) {
    EXPECT_GT(min_sweeps_after_block, min_sweeps_at_block);
  }
  EXPECT_GT(r.sweeps.min, min_sweeps_at_block);
}

// cancel() from another thread at random moments: before the solve starts (ignored: no solve in
// progress), during it, or after it ended. Every solve ends converged or cancelled, honestly.
void cancel_at_random_moments(bool facade) {
  const watchdog dog(180s, facade ? "random cancel (facade)" : "random cancel (engine)");
  const std::uint64_t seed = test_seed(facade ? 4202 : 4201);
  std::mt19937_64 rng(seed);
  const int iterations = std::max(20, static_cast<int>(80 * stress_scale())) * repeat_count();
  const system sys(poisson2d(32));
  solver_options o = async_options(8);
  engine e(sys.view(), o);
  AsyncSOR<> solver;
  solver.setOptions(o);
  solver.compute(sys.A);
  int converged = 0;
  int cancelled = 0;
  for (int k = 0; k < iterations; ++k) {
    SCOPED_TRACE("iteration " + std::to_string(k));
    const int when = static_cast<int>(rng() % 8);  // 0: before the solve, 7: long after it began
    const auto delay = std::chrono::microseconds(when == 7 ? 50000 : rng() % 5001);
    auto cancel = [&] { facade ? solver.cancel() : e.cancel(); };
    if (when == 0) cancel();  // no solve in progress: no effect
    vector x = vector::Zero(sys.A.rows());
    solve_report r;
    {
      const std::jthread canceller([&cancel, delay, when] {
        if (when == 0) return;
        std::this_thread::sleep_for(delay);
        cancel();
      });
      if (facade) {
        x = solver.solve(sys.b);
        r = solver.report();
      } else {
        r = sys.solve(e, x);
      }
    }
    ASSERT_TRUE(r.reason == stop_reason::converged || r.reason == stop_reason::cancelled)
        << to_string(r.reason);
    if (when == 0) {
      EXPECT_EQ(r.reason, stop_reason::converged) << "a cancel before the solve";
    }
    if (facade) {
      EXPECT_EQ(solver.info(), r.converged() ? Eigen::Success : Eigen::NoConvergence);
      EXPECT_EQ(solver.error(), r.relative_residual);
    }
    expect_honest(sys, x, r);
    (r.converged() ? converged : cancelled) += 1;
  }
  std::printf(
      "[ fault    ] %d solves with cancel() at random moments: %d converged, %d cancelled\n",
      iterations, converged, cancelled);
}

TEST(FaultInjection, CancelAtRandomMomentsEngine) { cancel_at_random_moments(false); }
TEST(FaultInjection, CancelAtRandomMomentsFacade) { cancel_at_random_moments(true); }

// 50 solve/cancel cycles on one solver object. On odd cycles a worker, at its first block sweep,
// waits until another thread has called cancel(): no candidate can be confirmed while one of its
// blocks cannot sweep again, so the cancel lands inside the solve for certain and the solve must
// end cancelled; even cycles run to convergence on the same object.
template <class Solve, class Cancel, class SetHook>
void solve_cancel_cycles(Solve solve, Cancel cancel, SetHook set_hook, const system& sys) {
  std::atomic<bool> running{false};
  std::atomic<bool> sent{false};
  std::atomic<bool> wait_for_cancel{false};
  set_hook([&](int, int, std::int64_t) {
    if (wait_for_cancel.load() && !running.exchange(true)) {
      while (!sent.load()) std::this_thread::sleep_for(100us);  // bounded by the watchdog
    }
  });
  int cancelled = 0;
  for (int cycle = 0; cycle < 50; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    wait_for_cancel = cycle % 2 == 1;
    running = false;
    sent = false;
    vector x;
    solve_report r;
    {
      const std::jthread canceller([&] {
        if (!wait_for_cancel.load()) return;
        while (!running.load()) std::this_thread::sleep_for(100us);
        cancel();
        cancel();  // idempotent
        sent = true;
      });
      r = solve(x);
    }
    if (wait_for_cancel.load()) {
      EXPECT_EQ(r.reason, stop_reason::cancelled) << to_string(r.reason);
      cancelled += r.reason == stop_reason::cancelled ? 1 : 0;
    } else {
      EXPECT_EQ(r.reason, stop_reason::converged) << to_string(r.reason);
    }
    expect_honest(sys, x, r);
  }
  EXPECT_EQ(cancelled, 25);
}

TEST(FaultInjection, RepeatedSolveCancelCyclesEngine) {
  const watchdog dog(120s, "solve/cancel cycles (engine)");
  const system sys(poisson2d(16));
  engine e(sys.view(), async_options(4));
  solve_cancel_cycles(
      [&](vector& x) {
        x = vector::Zero(sys.A.rows());
        return sys.solve(e, x);
      },
      [&] { e.cancel(); },
      [&](worker_hook hook) {
        solver_options o = async_options(4);
        o.on_block_sweep = std::move(hook);
        e.set_options(o);
      },
      sys);
}

TEST(FaultInjection, RepeatedSolveCancelCyclesFacade) {
  const watchdog dog(120s, "solve/cancel cycles (facade)");
  const system sys(poisson2d(16));
  AsyncSOR<> solver;
  solver.setOptions(async_options(4));
  solver.compute(sys.A);
  solve_cancel_cycles(
      [&](vector& x) {
        x = solver.solve(sys.b);
        return solver.report();
      },
      [&] { solver.cancel(); },
      [&](worker_hook hook) {
        solver_options o = async_options(4);
        o.on_block_sweep = std::move(hook);
        solver.setOptions(o);
      },
      sys);
}

}  // namespace
}  // namespace asor::test
