// The stop sentence of the summary and of the JSON's "stop_reason" (src/report/solve_document.cpp).

#include <gtest/gtest.h>

#include "report/solve_document.hpp"

namespace asor::reporting {
namespace {

// Seen under load: an async solve's budget ran out before the decision loop confirmed a
// convergence, and the sentence said "true residual 4.0e-09 > tol 1e-08". (The driver now reports
// that case as converged; a cancel can still end within the tolerance. The sentence is written
// from the report either way.)
TEST(StopSentence, SaysWhichSideOfTheToleranceTheTrueResidualIs) {
  solve_report r;
  r.tolerance = 1e-8;
  r.reason = stop_reason::max_sweeps;
  r.relative_residual = 4e-9;
  EXPECT_EQ(stop_sentence(r, 10000, 0),
            "sweep budget of 10000 sweeps used up; true residual 4.0e-09 <= tol 1e-08");
  r.relative_residual = 2.5e-3;
  EXPECT_EQ(stop_sentence(r, 10000, 0),
            "sweep budget of 10000 sweeps used up; true residual 2.5e-03 > tol 1e-08");
  r.reason = stop_reason::cancelled;
  r.relative_residual = 1e-8;
  EXPECT_EQ(stop_sentence(r, 10000, 0, "cancel()"),
            "cancelled by cancel(); true residual 1.0e-08 <= tol 1e-08");
  r.reason = stop_reason::converged;
  EXPECT_EQ(stop_sentence(r, 10000, 0), "verified: true residual 1.0e-08 <= tol 1e-08");
}

}  // namespace
}  // namespace asor::reporting
