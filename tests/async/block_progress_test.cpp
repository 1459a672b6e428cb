// The per-block state of a running solve (solve_handle::block_progress(), issue "A live monitor
// page"): what a monitor draws each block's curve and sweep count from. For every method it ends
// equal to the report's block sweeps; for async it carries each block's residual and worker, never
// a made-up number, only grows, and shows a slow worker's blocks lagging. The verification time in
// the snapshot (last_verified_seconds) is the one of the report's history.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "async_test_support.hpp"

namespace asor::test {
namespace {

using namespace std::chrono_literals;

class BlockProgress : public ::testing::TestWithParam<method> {};

INSTANTIATE_TEST_SUITE_P(Methods, BlockProgress, ::testing::ValuesIn(every_method), name_of);

// After the end, the block state is the one of the returned x: the report's sweeps per block.
TEST_P(BlockProgress, FinalStateIsTheReportsBlockSweeps) {
  const watchdog dog(60s);
  const system sys(poisson2d(64));
  engine e(sys.view(), options_for(GetParam()));
  vector x = vector::Zero(sys.A.rows());
  const solve_handle h = e.submit(span_of(sys.b), span_of(x));
  const solve_report r = h.get();
  ASSERT_EQ(r.reason, stop_reason::converged);
  const auto bp = h.block_progress();
  ASSERT_TRUE(bp.has_value());
  const auto blocks = static_cast<std::size_t>(r.blocks);
  ASSERT_EQ(bp->sweeps.size(), blocks);
  ASSERT_EQ(bp->provisional_residual.size(), blocks);
  ASSERT_EQ(bp->worker.size(), blocks);
  EXPECT_EQ(bp->sweeps, r.block_sweeps);
  EXPECT_GT(bp->elapsed_seconds, 0.0);
  for (std::size_t b = 0; b < blocks; ++b) {
    if (GetParam() == method::async) {
      EXPECT_TRUE(std::isfinite(bp->provisional_residual[b])) << "block " << b;
      EXPECT_GE(bp->provisional_residual[b], 0.0);
      EXPECT_GE(bp->worker[b], 0);
      EXPECT_LT(bp->worker[b], r.threads);
    } else {
      EXPECT_TRUE(std::isnan(bp->provisional_residual[b])) << "no residual of its own: NaN";
      EXPECT_EQ(bp->worker[b], -1);
    }
  }
}

// The snapshot says when the last verification was made: the time of the report's verification
// point, and NaN before any.
TEST_P(BlockProgress, LastVerificationTimeIsTheHistorys) {
  const watchdog dog(60s);
  const system sys(poisson2d(48));
  engine e(sys.view(), options_for(GetParam()));
  vector x = vector::Zero(sys.A.rows());
  const solve_handle h = e.submit(span_of(sys.b), span_of(x));
  const solve_report r = h.get();
  ASSERT_EQ(r.reason, stop_reason::converged);
  const auto p = h.progress();
  ASSERT_TRUE(p.has_value());
  ASSERT_GE(p->verifications, 1);
  const auto last = std::find_if(r.history.rbegin(), r.history.rend(), [](const history_point& q) {
    return !std::isnan(q.verified_residual);
  });
  ASSERT_NE(last, r.history.rend());
  EXPECT_EQ(p->last_verified_seconds, last->seconds);
  EXPECT_EQ(p->last_verified_residual, last->verified_residual);
  EXPECT_TRUE(std::isnan(progress{}.last_verified_seconds));
}

// A solve that never relaxes (b = 0: x = 0 exactly) has no block state, as it has no snapshot.
TEST_P(BlockProgress, NoneBeforeRelaxing) {
  const watchdog dog(60s);
  const system sys(poisson2d(16));
  engine e(sys.view(), options_for(GetParam()));
  const vector zero = vector::Zero(sys.A.rows());
  vector x = vector::Ones(sys.A.rows());
  const solve_handle h = e.submit(span_of(zero), span_of(x));
  EXPECT_EQ(h.get().reason, stop_reason::converged);
  EXPECT_FALSE(h.block_progress().has_value());
  EXPECT_FALSE(h.progress().has_value());
}

// Read while the solve runs, from another thread, the block state only grows: sweeps never go
// back, time never goes back, every vector keeps one entry per block.
TEST_P(BlockProgress, LiveReadsOnlyGrow) {
  const watchdog dog(60s);
  const system sys(poisson2d(160));
  solver_options o = options_for(GetParam());
  o.stop.tolerance = 1e-15;
  o.stop.time_limit_seconds = 0.6;
  engine e(sys.view(), o);
  vector x = vector::Zero(sys.A.rows());
  const solve_handle h = e.submit(span_of(sys.b), span_of(x));
  std::vector<std::int64_t> last;
  double last_t = -1.0;
  int reads = 0;
  while (!h.ready()) {
    if (const auto bp = h.block_progress()) {
      ++reads;
      ASSERT_EQ(bp->sweeps.size(), bp->provisional_residual.size());
      ASSERT_EQ(bp->sweeps.size(), bp->worker.size());
      if (!last.empty()) {
        ASSERT_EQ(bp->sweeps.size(), last.size());
        for (std::size_t b = 0; b < last.size(); ++b) EXPECT_GE(bp->sweeps[b], last[b]);
      }
      EXPECT_GE(bp->elapsed_seconds, last_t);
      last = bp->sweeps;
      last_t = bp->elapsed_seconds;
      for (std::size_t b = 0; b < last.size(); ++b) {
        // A block with a residual has published; one without has not (async) or never has one.
        if (GetParam() == method::async) {
          EXPECT_EQ(std::isnan(bp->provisional_residual[b]), bp->sweeps[b] == 0) << "block " << b;
        }
      }
    }
    std::this_thread::sleep_for(2ms);
  }
  EXPECT_EQ(h.get().reason, stop_reason::time_limit);
  EXPECT_GT(reads, 0);
}

// A slow worker shows: the blocks of a worker that sleeps after each block sweep have fewer sweeps
// than those of the other worker, and the block state names which worker owns which block.
TEST(BlockProgressAsync, SlowWorkerLagsBehind) {
  const watchdog dog(60s);
  const system sys(poisson2d(128));
  solver_options o = options_for(method::async);
  o.stop.tolerance = 1e-15;
  o.on_block_sweep = [](int worker, int, std::int64_t) {
    if (worker == 1) std::this_thread::sleep_for(2ms);
  };
  engine e(sys.view(), o);
  vector x = vector::Zero(sys.A.rows());
  const solve_handle h = e.submit(span_of(sys.b), span_of(x));
  std::this_thread::sleep_for(400ms);
  h.cancel();
  const solve_report r = h.get();
  EXPECT_EQ(r.reason, stop_reason::cancelled);
  const auto bp = h.block_progress();
  ASSERT_TRUE(bp.has_value());
  EXPECT_EQ(bp->sweeps, r.block_sweeps);
  std::int64_t fast_min = std::numeric_limits<std::int64_t>::max();
  std::int64_t slow_max = -1;
  for (std::size_t b = 0; b < bp->sweeps.size(); ++b) {
    if (bp->worker[b] == 1) {
      slow_max = std::max(slow_max, bp->sweeps[b]);
    } else if (bp->worker[b] == 0) {
      fast_min = std::min(fast_min, bp->sweeps[b]);
    }
  }
  if (slow_max < 0 || fast_min == std::numeric_limits<std::int64_t>::max()) {
    GTEST_SKIP() << "OpenMP granted one thread: no second worker to lag";
  }
  EXPECT_LT(slow_max, fast_min) << "the slow worker's blocks must lag";
}

}  // namespace
}  // namespace asor::test
