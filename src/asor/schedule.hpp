#pragma once
// Private to the library: the strategy interface of the one driver (driver.cpp). A schedule is
// *how* a method relaxes (sequential, multicolor, block-Jacobi, weighted Jacobi, asynchronous);
// everything else — preparation, candidates, verification, resume, fallback, the report — is the
// driver's, written once.

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "asor/csr_view.hpp"
#include "asor/report.hpp"
#include "job.hpp"
#include "monitor.hpp"

namespace asor {
struct prepared_method;
}  // namespace asor

namespace asor::detail {

class omega_adaptation;

/// What a schedule works with during one job. The vectors are in the solve's row order.
struct schedule_context {
  job_state& job;
  const prepared_method& prep;
  monitor& mon;
  std::span<const double> b;
  std::span<double> x;
  clock::time_point t0;  ///< the start of relaxation: elapsed times and the deadline count from it
  /// omega = auto: fed by the decision loop; a schedule relaxes with the omega it answers from
  /// the next sweep on (and sets it on the monitor). Inactive for a fixed omega.
  omega_adaptation& adapt;
};

/// \brief How a method relaxes.
///
/// Contract of relax(): it relaxes x, feeds the monitor and publishes snapshots to the job's
/// board, and returns once x is quiescent (no thread of the schedule writes it any more) and the
/// round is decided — by itself (the decision loop: candidate, divergence, stagnation, budgets),
/// or by anyone through the job's stop_control (cancel, a callback's stop, the deadline, a
/// failure). It polls the stop_control every `poll_rows` rows, so a decision made elsewhere stops
/// it within that many rows. No block starts a sweep past the sweep budget. A schedule never calls
/// the progress callback.
class schedule {
 public:
  virtual ~schedule() = default;
  schedule() = default;
  schedule(const schedule&) = delete;
  schedule& operator=(const schedule&) = delete;

  /// \brief One round. \returns the moment x became quiescent.
  virtual clock::time_point relax() = 0;
  /// \brief The operator and factor of the next rounds (a fallback to omega 1 or the l1 diagonal,
  /// or omega adapted between rounds).
  virtual void reset(const csr_view& A, double omega) = 0;
  /// \returns the sweeps of each block so far.
  [[nodiscard]] virtual std::vector<std::int64_t> block_sweeps() const = 0;
  /// \brief Adds what only this schedule knows to the final report (provisional records, counts).
  virtual void complete(solve_report& /*report*/) {}
};

/// \returns the schedule of the job's method, relaxing with \p A and \p omega.
std::unique_ptr<schedule> make_schedule(const schedule_context& ctx, const csr_view& A,
                                        double omega);
/// The asynchronous schedule (async_engine.cpp).
std::unique_ptr<schedule> make_async_schedule(const schedule_context& ctx, const csr_view& A,
                                              double omega);

}  // namespace asor::detail
