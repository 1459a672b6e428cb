// stop_criteria::evaluate is pure: every rule is tested here without threads.

#include <gtest/gtest.h>

#include <limits>

#include "asor/monitor.hpp"
#include "asor/options.hpp"
#include "asor/stop.hpp"

namespace asor {
namespace {

progress healthy() {
  progress p;
  p.provisional_residual = 1e-3;
  p.initial_residual = 1.0;
  p.best_provisional_residual = 1e-3;
  p.window_min_provisional_residual = 1e-3;
  p.min_sweeps = 50;
  p.sweeps_since_restart = 50;
  p.max_sweeps = 55;
  p.elapsed_seconds = 1.0;
  p.all_blocks_reported = true;
  return p;
}

TEST(StopCriteria, KeepsGoingWhenNothingApplies) {
  EXPECT_EQ(stop_criteria{}.evaluate(healthy()), stop_reason::none);
}

TEST(StopCriteria, ConvergedIsACandidateOnlyWhenEveryBlockReported) {
  stop_criteria c;
  c.tolerance = 1e-2;
  progress p = healthy();
  EXPECT_EQ(c.evaluate(p), stop_reason::converged);
  p.all_blocks_reported = false;
  EXPECT_EQ(c.evaluate(p), stop_reason::none);
}

TEST(StopCriteria, NonFiniteEstimateDiverges) {
  progress p = healthy();
  p.provisional_residual = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(stop_criteria{}.evaluate(p), stop_reason::diverged);
  p.provisional_residual = std::numeric_limits<double>::infinity();
  EXPECT_EQ(stop_criteria{}.evaluate(p), stop_reason::diverged);
}

TEST(StopCriteria, DivergenceNeedsSustainedGrowthNotAnUptick) {
  stop_criteria c;
  c.divergence_factor = 1e4;
  c.divergence_window = 20;
  progress p = healthy();
  p.initial_residual = 1e-2;
  p.best_provisional_residual = 1e-6;
  p.provisional_residual = 1e3;              // a spike of 1e5 x the initial estimate ...
  p.window_min_provisional_residual = 1e-5;  // ... but the window dipped back: not divergence
  EXPECT_EQ(c.evaluate(p), stop_reason::none);
  p.window_min_provisional_residual = 1.0;  // the whole window is 100 x the initial: not yet
  EXPECT_EQ(c.evaluate(p), stop_reason::none);
  p.window_min_provisional_residual = 500.0;  // the whole window is 5e4 x the initial
  EXPECT_EQ(c.evaluate(p), stop_reason::diverged);
  // An initial guess already near the solution: growth is measured from the tolerance.
  p.initial_residual = 1e-20;
  c.tolerance = 1e-8;
  p.window_min_provisional_residual = 1e-5;
  EXPECT_EQ(c.evaluate(p), stop_reason::none);
  p.window_min_provisional_residual = 500.0;
  p.sweeps_since_restart = 10;  // not yet a full window of sweeps (since the start or a restart)
  EXPECT_EQ(c.evaluate(p), stop_reason::none);
}

// After a divergence the driver restarts from the last verified x (omega backed off under auto):
// the window starts empty and must span divergence_window sweeps again before it can say
// "diverged". It said so at the first evaluation of the new round, before every block had
// reported (min-sweeps counts from the start of the solve): the distributed solve backed omega
// off in a cascade down to its floor.
TEST(Monitor, DivergenceWindowIsRefilledAfterARestart) {
  solver_options o;
  o.stop.divergence_window = 20;
  detail::monitor mon(o, 1.0, 1.0, 1.5);
  const auto at = [&mon](std::int64_t sweeps, double estimate, bool all) {
    const auto s = static_cast<double>(sweeps);
    mon.observe(estimate, sweeps, s, sweeps, 0.01 * s, all);
  };
  for (std::int64_t s = 1; s <= 40; ++s) at(s, 1e6, true);
  EXPECT_EQ(mon.evaluate(), stop_reason::diverged);
  mon.restart(1.0, 1.2);
  // The new round: not every block has reported yet (their sweep counts are those of before).
  at(40, 0.5, false);
  EXPECT_EQ(mon.evaluate(), stop_reason::none);
  for (std::int64_t s = 41; s < 60; ++s) {
    at(s, 1e6, true);
    EXPECT_EQ(mon.evaluate(), stop_reason::none) << "after " << s - 40 << " sweeps";
  }
  at(60, 1e6, true);
  EXPECT_EQ(mon.evaluate(), stop_reason::diverged);
}

TEST(StopCriteria, StagnationOnlyWhenEnabled) {
  progress p = healthy();
  p.sweeps_since_best = 1000;
  EXPECT_EQ(stop_criteria{}.evaluate(p), stop_reason::none);
  stop_criteria c;
  c.stagnation_window = 500;
  EXPECT_EQ(c.evaluate(p), stop_reason::stagnated);
}

TEST(StopCriteria, BudgetsAndOrder) {
  stop_criteria c;
  c.max_sweeps = 50;
  progress p = healthy();
  EXPECT_EQ(c.evaluate(p), stop_reason::max_sweeps);
  c.max_sweeps = 1000;
  c.time_limit_seconds = 0.5;
  EXPECT_EQ(c.evaluate(p), stop_reason::time_limit);
  // A converged candidate wins over an exhausted budget: it is verified first.
  c.tolerance = 1e-2;
  EXPECT_EQ(c.evaluate(p), stop_reason::converged);
}

TEST(StopReason, NamesAndSigns) {
  EXPECT_EQ(to_string(stop_reason::converged), "converged");
  EXPECT_EQ(to_string(stop_reason::max_sweeps), "max_sweeps");
  EXPECT_EQ(to_string(stop_reason::user_stop), "user_stop");
  EXPECT_GT(static_cast<int>(stop_reason::converged), 0);
  for (auto r : {stop_reason::max_sweeps, stop_reason::time_limit, stop_reason::diverged,
                 stop_reason::stagnated, stop_reason::user_stop, stop_reason::cancelled}) {
    EXPECT_LT(static_cast<int>(r), 0) << to_string(r);
  }
}

}  // namespace
}  // namespace asor
