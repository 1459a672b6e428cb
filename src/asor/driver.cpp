// The one driver of every solve (docs/architecture.md, docs/termination.md):
//
//   prepare -> relax (a schedule) -> candidate -> confirm -> verify on a quiescent x
//           -> resume | fall back | report
//
// Schedules (sync_schedules.cpp, async_engine.cpp) only relax and run the decision loop; the
// verification, the resume after a failed one, the fallback, the precedence of stop reasons and
// the report are written here once.
//
// A distributed solve (asor/distributed.hpp) runs this same driver on every rank. The engine
// then holds a `distribution` (distribution.hpp) and the few places below that need the other
// ranks ask it: the norms of b and of the residual (sums over the ranks), a cancel before
// relaxing, and the decisions taken between rounds (rank 0's, on every rank), so that every rank
// takes the same branches; its schedule ends each round with the decision all ranks agreed on.

#include <algorithm>
#include <cmath>
#include <exception>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>
#include "asor/io/errors.hpp"
#include "asor/logging.hpp"
#include "engine_impl.hpp"
#include "monitor.hpp"
#include "observer.hpp"
#include "omega_adaptation.hpp"
#include "schedule.hpp"

namespace asor::detail {
namespace {

/// The report fields every outcome shares, from the options and the preparation.
void describe_setup(solve_report& r, const solver_options& o, const prepared_method& p) {
  r.method = o.method;
  r.direction = o.method == method::ssor ? sweep_direction::symmetric : o.direction;
  r.omega = p.omega;
  r.initial_omega = p.omega;
  r.omega_auto = p.omega_auto;
  r.estimated_jacobi_rho = p.jacobi_rho;
  r.threads = p.threads;
  r.blocks = p.blocks;
  r.l1 = p.l1;
  r.halo_l1 = p.halo_l1;
  r.ordering = p.applied;
  r.tolerance = o.stop.tolerance;
  r.setup_seconds = p.setup_seconds;
}

/// ||b||: over every rank for a distributed solve (collective).
double rhs_norm_of(const engine::impl& e, std::span<const double> b) {
  double sum = 0.0;
  for (const double v : b) sum += v * v;
  return std::sqrt(e.dist ? e.dist->sum(sum) : sum);
}

/// ||b - A x|| on a quiescent x. Distributed (collective): x has this rank's rows then its ghost
/// entries, which are refreshed first, and the norm is the whole system's.
double true_residual_norm(const engine::impl& e, const csr_view& A, std::span<const double> b,
                          std::span<double> x) {
  return e.dist ? e.dist->residual_norm(A, b, x) : residual_norm(A, b, x);
}

/// The reference of the divergence test: ||b - A x0|| / ||b||, 1 without a product when x0 = 0
/// (on every rank).
double reference_residual(const engine::impl& e, const csr_view& A, std::span<const double> b,
                          std::span<double> x, double bnorm) {
  if (!e.dist) return initial_residual(A, b, x, bnorm);
  const bool nonzero = std::any_of(x.begin(), x.end(), [](double v) { return v != 0.0; });
  return e.dist->any(nonzero) ? e.dist->residual_norm(A, b, x) / bnorm : 1.0;
}

/// The decision taken between two rounds: rank 0's on every rank of a distributed solve.
stop_reason agreed(const engine::impl& e, stop_reason r) { return e.dist ? e.dist->agree(r) : r; }

/// A solve that ended before relaxing (cancelled before or during preparation): x is untouched.
void stopped_before_relaxing(const engine::impl& e, solve_report& r, const solver_options& o,
                             std::span<const double> b, std::span<const double> x,
                             stop_reason why) {
  r.method = o.method;
  r.direction = o.method == method::ssor ? sweep_direction::symmetric : o.direction;
  r.tolerance = o.stop.tolerance;
  r.omega = o.omega.value_or(std::numeric_limits<double>::quiet_NaN());
  r.initial_omega = r.omega;
  r.omega_auto = !o.omega;
  r.reason = why;
  r.rhs_norm = rhs_norm_of(e, b);
  if (!(r.rhs_norm > 0.0)) {
    r.relative_residual = std::numeric_limits<double>::quiet_NaN();
    return;
  }
  if (!e.dist) {
    r.relative_residual = residual_norm(e.user, b, x) / r.rhs_norm;
    return;
  }
  std::vector<double> xe(e.dist->extended_size(), 0.0);  // the rows, then the ghost entries
  std::copy(x.begin(), x.end(), xe.begin());
  r.relative_residual = e.dist->residual_norm(e.user, b, xe) / r.rhs_norm;
}

/// A cancel that arrived before any worker ran: its latency is the time from the cancel to the
/// end of the solve (validation or preparation stopped at their next poll).
void cancelled_before_relaxing(solve_report& r, const stop_control& control) {
  const double latency = std::max(0.0, seconds_between(control.decided_at(), clock::now()));
  r.cancel_latency_seconds = latency;
  r.max_cancel_latency_seconds = latency;
}

/// The one-line description of an exception (for solve_report::error).
std::string describe(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::bad_alloc&) {
    return "out of memory (std::bad_alloc)";
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "unknown exception";
  }
}

/// The sweep statistics over blocks.
sweep_stats stats_of(const std::vector<std::int64_t>& bs) {
  sweep_stats s;
  if (bs.empty()) return s;
  s.min = *std::min_element(bs.begin(), bs.end());
  s.max = *std::max_element(bs.begin(), bs.end());
  double total = 0.0;
  for (const auto v : bs) total += static_cast<double>(v);
  s.mean = total / static_cast<double>(bs.size());
  return s;
}

/// Relaxes b, x (in the solve's row order) to the end of the job; \p report has the setup.
void relax_to_the_end(const engine::impl& e, job_state& job, std::span<const double> b,
                      std::span<double> x, solve_report& report) {
  const solver_options& o = job.options;
  const prepared_method& prep = e.prep;
  stop_control& control = job.control;
  const double bnorm = report.rhs_norm;
  const auto t0 = clock::now();
  if (std::isfinite(o.stop.time_limit_seconds)) {
    control.set_deadline(t0 + std::chrono::duration_cast<clock::duration>(
                                  std::chrono::duration<double>(o.stop.time_limit_seconds)));
  }
  double omega = prep.omega;
  csr_view A = prep.kernel_view();
  monitor mon(o, bnorm, reference_residual(e, prep.A, b, x, bnorm), omega);
  omega_adaptation adapt(o, prep);  // inactive unless omega = auto
  const schedule_context ctx{job, prep, mon, b, x, t0, adapt};
  const std::unique_ptr<schedule> sched =
      e.dist ? e.dist->make_schedule(ctx, A, omega) : make_schedule(ctx, A, omega);
  observer obs(job);  // calls the progress callback on its own thread; joined below
  std::optional<std::vector<double>> restart_x;  // the last verified x, for the fallback
  if (o.fallback != fallback_policy::none || adapt.backs_off_on_divergence()) {
    restart_x.emplace(x.begin(), x.end());
  }
  std::vector<double> fallback_l1;
  double true_residual = std::numeric_limits<double>::quiet_NaN();
  stop_reason reason = stop_reason::none;
  while (reason == stop_reason::none) {
    control.new_round();
    const clock::time_point quiescent = sched->relax();
    reason = control.decision();
    if (reason != stop_reason::none) {
      const double latency = std::max(0.0, seconds_between(control.decided_at(), quiescent));
      report.cancel_latency_seconds = latency;
      report.max_cancel_latency_seconds =
          std::isnan(report.max_cancel_latency_seconds)
              ? latency
              : std::max(report.max_cancel_latency_seconds, latency);
    }
    if (reason == stop_reason::none) {
      throw std::logic_error("asor: internal error: a schedule returned without a decision");
    }
    if (reason == stop_reason::failed) break;
    if (reason == stop_reason::converged) {
      // x is quiescent: verify before saying "converged".
      true_residual = true_residual_norm(e, prep.A, b, x) / bnorm;
      if (mon.verified(true_residual, seconds_between(t0, clock::now()))) break;
      // The parallel schedules' back-off also judges the verified residuals (not across ranks:
      // its windows count sweeps, which differ between the ranks' monitors, and every rank must
      // take the same omega; there a divergence backs omega off, below).
      if (const std::optional<double> next =
              e.dist ? std::nullopt
                     : adapt.residual(mon.snapshot().min_sweeps, true_residual, true)) {
        omega = *next;
        mon.set_omega(omega);
        sched->reset(A, omega);
      }
      logger()->debug("verification failed at {} sweeps: estimate {:.3e}, true {:.3e}",
                      mon.snapshot().min_sweeps, mon.snapshot().provisional_residual,
                      true_residual);
      if (restart_x) restart_x->assign(x.begin(), x.end());
      // Resume from this x (no work lost), unless a stop was asked meanwhile or a budget ran out.
      reason = agreed(e, control.cancel_requested() ? stop_reason::cancelled
                         : control.user_stop_requested()
                             ? stop_reason::user_stop
                             : mon.budget_exhausted(seconds_between(t0, clock::now())));
      true_residual = std::numeric_limits<double>::quiet_NaN();
    } else if (reason == stop_reason::diverged && restart_x) {
      // Under auto, the parallel schedules back omega off and go on from the last verified x
      // (issue 11: "do not fail"); at the back-off's floor, or for a fixed omega, the fallback
      // policy decides, and without one the divergence stands.
      if (const std::optional<double> next = adapt.diverged(mon.snapshot().min_sweeps)) {
        // An adaptation under auto, recorded in the omega history (not a warning: the solve
        // goes on as asked; a fallback the user chose is different, and warns).
        logger()->info(
            "diverged after {} sweeps with omega {}; backed off to omega {} from the "
            "last verified x",
            mon.snapshot().min_sweeps, mon.snapshot().omega, *next);
        std::copy(restart_x->begin(), restart_x->end(), x.begin());
        omega = *next;
        sched->reset(A, omega);
        mon.restart(reference_residual(e, prep.A, b, x, bnorm), omega);
        reason = agreed(e, control.cancel_requested()      ? stop_reason::cancelled
                           : control.user_stop_requested() ? stop_reason::user_stop
                                                           : stop_reason::none);
        continue;
      }
      if (o.fallback == fallback_policy::none || report.fallback_used) break;
      std::copy(restart_x->begin(), restart_x->end(), x.begin());
      report.fallback_used = true;
      std::string what = "omega 1";
      // The l1 diagonal differs from the diagonal only for the block methods (one block: no
      // entry lies outside it).
      if (o.fallback == fallback_policy::l1 &&
          (o.method == method::async || o.method == method::block_jacobi)) {
        fallback_l1 = l1_inverse_diagonal(prep.A, prep.part);
        A = prep.A.with_inv_diag(fallback_l1);
        report.l1 = true;
        what = "the l1 diagonal and omega 1";
      }
      omega = mon.snapshot().omega;  // the schedule's, adapted under auto
      adapt.fallback(mon.snapshot().min_sweeps, omega, 1.0);
      report.fallback = "diverged after " + std::to_string(mon.snapshot().min_sweeps) +
                        " sweeps with omega " + std::to_string(omega) +
                        "; restarted from the last verified x with " + what;
      logger()->warn("{}", report.fallback);
      omega = 1.0;
      report.omega = omega;
      sched->reset(A, omega);
      mon.restart(reference_residual(e, prep.A, b, x, bnorm), omega);
      reason = agreed(e, control.cancel_requested()      ? stop_reason::cancelled
                         : control.user_stop_requested() ? stop_reason::user_stop
                                                         : stop_reason::none);
    }
  }
  report.observer_wait_seconds = obs.close();
  if (job.error()) return;  // failed: the caller reports it
  report.block_sweeps = sched->block_sweeps();
  report.sweeps = stats_of(report.block_sweeps);
  if (std::isnan(true_residual)) true_residual = true_residual_norm(e, prep.A, b, x) / bnorm;
  // A budget that ran out on an x within the tolerance (under load: a verification failed just
  // short of it, and the tightened estimate had not passed again when the budget ended): that
  // residual is a true residual of a quiescent x, as a verification's, so the solve converged,
  // within its budget.
  if ((reason == stop_reason::max_sweeps || reason == stop_reason::time_limit) &&
      true_residual <= o.stop.tolerance &&
      mon.verified(true_residual, seconds_between(t0, clock::now()))) {
    reason = stop_reason::converged;
  }
  report.reason = reason;
  report.relative_residual = true_residual;
  report.provisional_residual = mon.snapshot().provisional_residual;
  report.verifications = mon.snapshot().verifications;
  report.failed_verifications = mon.failed_verifications();
  report.history = std::move(mon.history());
  report.omega = mon.snapshot().omega;
  report.omega_history = std::move(adapt.history());
  sched->complete(report);
  report.solve_seconds = seconds_between(t0, clock::now()) - report.observer_wait_seconds;
  // The final snapshot agrees with the report: a block's last sweeps may not have been published
  // (publish_every, a full ring), so the counts come from the blocks themselves.
  progress& last = mon.snapshot();
  last.min_sweeps = report.sweeps.min;
  last.max_sweeps = report.sweeps.max;
  last.mean_sweeps = report.sweeps.mean;
  job.board.publish(last);
}

/// The whole job, from preparation to the report; x holds the result in the caller's order.
void drive(engine::impl& e, job_state& job, solve_report& report) {
  const solver_options& o = job.options;
  stop_control& control = job.control;
  // Distributed: a cancel on any rank counts on every rank (a collective step).
  if (e.dist ? e.dist->any(control.cancel_requested()) : control.cancel_requested()) {
    stopped_before_relaxing(e, report, o, job.b, job.x, stop_reason::cancelled);
    // On a rank that did not cancel itself there is no decision time to measure from.
    if (control.cancel_requested()) cancelled_before_relaxing(report, control);
    return;
  }
  bool prepared_now = false;
  try {
    prepared_now = e.prepare(o, [&control] { return control.cancel_requested(); });
  } catch (const operation_cancelled&) {
    // Distributed: every rank throws when one cancelled during the collective estimate.
    stopped_before_relaxing(e, report, o, job.b, job.x, stop_reason::cancelled);
    if (control.cancel_requested()) cancelled_before_relaxing(report, control);
    return;
  }
  const prepared_method& prep = e.prep;
  describe_setup(report, o, prep);
  report.setup_reused = !prepared_now;
  report.rhs_norm = rhs_norm_of(e, job.b);
  if (report.rhs_norm == 0.0) {  // The solution of A x = 0 is x = 0, exactly.
    std::fill(job.x.begin(), job.x.end(), 0.0);
    report.reason = stop_reason::converged;
    report.relative_residual = 0.0;
    report.provisional_residual = 0.0;
    report.block_sweeps.assign(static_cast<std::size_t>(report.blocks), 0);
    return;
  }
  if (e.dist) {
    // The schedules relax this rank's rows followed by its ghost entries; the caller's x holds
    // the rows only.
    std::vector<double> xe(e.dist->extended_size(), 0.0);
    std::copy(job.x.begin(), job.x.end(), xe.begin());
    relax_to_the_end(e, job, job.b, xe, report);
    std::copy_n(xe.begin(), job.x.size(), job.x.begin());
    return;
  }
  const std::vector<int>& order = prep.order;
  if (order.empty()) {
    relax_to_the_end(e, job, job.b, job.x, report);
    return;
  }
  // Reordered: the solve works on P b and P x, and x comes back in the caller's order.
  std::vector<double> pb(order.size());
  std::vector<double> px(order.size());
  for (std::size_t r = 0; r < order.size(); ++r) {
    const auto old = static_cast<std::size_t>(order[r]);
    pb[r] = job.b[old];
    px[r] = job.x[old];
  }
  relax_to_the_end(e, job, pb, px, report);
  for (std::size_t r = 0; r < order.size(); ++r) {
    job.x[static_cast<std::size_t>(order[r])] = px[r];
  }
}

}  // namespace

void run_job(engine::impl& e, job_state& job) noexcept {
  solve_report report;
  try {
    drive(e, job, report);
  } catch (...) {
    job.fail(std::current_exception());
  }
  // Distributed: every rank ends its job here, together; a failure of any rank fails every rank.
  if (e.dist) e.dist->end(job);
  if (const std::exception_ptr error = job.error()) {
    report.reason = stop_reason::failed;
    report.error = describe(error);
  }
  job.complete(std::move(report));
}

}  // namespace asor::detail
