#pragma once
// Private to the library: the bookkeeping of the decision loop, shared by every schedule. Not
// thread-safe: one thread owns a monitor at a time (the solving thread for synchronous methods;
// for async the coordinator during a round and the solving thread between rounds).

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <vector>

#include "asor/options.hpp"
#include "asor/progress.hpp"
#include "asor/report.hpp"
#include "job.hpp"

namespace asor::detail {

/// \brief Keeps \p v within \p limit entries: when it reaches the limit, drops every other entry
/// (those \p keep selects stay) and doubles \p stride, the recording interval of the caller.
template <class T, class Keep>
void thin_when_full(std::vector<T>& v, std::int64_t limit, std::int64_t& stride, Keep keep) {
  if (static_cast<std::int64_t>(v.size()) < limit) return;
  std::size_t kept = 0;
  for (std::size_t k = 0; k < v.size(); ++k) {
    if (k % 2 == 0 || keep(v[k])) v[kept++] = v[k];
  }
  v.resize(kept);
  stride *= 2;
}

/// Tracks the estimate over time: best, sustained-growth window, stagnation, rate, history.
class monitor {
 public:
  monitor(const solver_options& options, double rhs_norm, double initial_residual, double omega)
      : options_(options), rhs_norm_(rhs_norm), tolerance_(options.stop.tolerance) {
    p_.initial_residual = initial_residual;
    p_.omega = omega;
  }

  /// \brief After a fallback: a new reference residual and factor; the best estimate, the
  /// divergence window and the stagnation reference start again. History, verifications and the
  /// tightened tolerance stay.
  void restart(double initial_residual, double omega) {
    p_.initial_residual = initial_residual;
    p_.omega = omega;
    p_.best_provisional_residual = std::numeric_limits<double>::infinity();
    p_.window_min_provisional_residual = std::numeric_limits<double>::infinity();
    p_.sweeps_since_best = 0;
    p_.sweeps_since_restart = 0;
    restart_sweeps_ = p_.min_sweeps;
    improvement_reference_ = std::numeric_limits<double>::infinity();
    window_.clear();
  }

  /// A new global estimate (relative) at \p seconds with the given sweep statistics. When not
  /// every block has reported, \p estimate covers only those that have: it then counts only when
  /// it is not finite (some block diverged); otherwise the snapshot says NaN (no estimate yet).
  void observe(double estimate, std::int64_t min_sweeps, double mean_sweeps,
               std::int64_t max_sweeps, double seconds, bool all_blocks_reported) {
    progress& p = p_;
    p.elapsed_seconds = seconds;
    if (!std::isfinite(estimate)) {
      p.provisional_residual = std::numeric_limits<double>::infinity();
    } else {
      p.provisional_residual =
          all_blocks_reported ? estimate : std::numeric_limits<double>::quiet_NaN();
    }
    p.min_sweeps = min_sweeps;
    p.sweeps_since_restart = min_sweeps - restart_sweeps_;
    p.mean_sweeps = mean_sweeps;
    p.max_sweeps = max_sweeps;
    p.all_blocks_reported = all_blocks_reported;
    if (!all_blocks_reported || !std::isfinite(estimate)) return;
    if (estimate < p.best_provisional_residual) p.best_provisional_residual = estimate;
    if (estimate < improvement_reference_ * 0.99 || !std::isfinite(improvement_reference_)) {
      improvement_reference_ = estimate;
      sweeps_at_improvement_ = min_sweeps;
    }
    p.sweeps_since_best = min_sweeps - sweeps_at_improvement_;
    // Monotonic deque: the minimum estimate over the last divergence_window sweeps.
    while (!window_.empty() && window_.back().estimate >= estimate) window_.pop_back();
    window_.push_back({min_sweeps, estimate});
    while (window_.front().sweeps < min_sweeps - options_.stop.divergence_window) {
      window_.pop_front();
    }
    p.window_min_provisional_residual = window_.front().estimate;
    // Rate of the fewest-sweeps block, over at least a quarter second.
    if (seconds - rate_seconds_ >= 0.25) {
      if (rate_seconds_ > 0.0 || rate_sweeps_ > 0) {
        p.sweeps_per_second =
            static_cast<double>(min_sweeps - rate_sweeps_) / (seconds - rate_seconds_);
      }
      rate_seconds_ = seconds;
      rate_sweeps_ = min_sweeps;
    } else if (p.sweeps_per_second == 0.0 && seconds > 0.0) {
      p.sweeps_per_second = static_cast<double>(min_sweeps) / seconds;
    }
    record({seconds, min_sweeps, estimate, std::numeric_limits<double>::quiet_NaN(), p.omega});
  }

  /// The stop decision for the current snapshot, with the tolerance tightened after failed
  /// verifications (see docs/termination.md).
  [[nodiscard]] stop_reason evaluate() const noexcept {
    stop_criteria c = options_.stop;
    c.tolerance = tolerance_;
    return c.evaluate(p_);
  }

  /// Records a verification of the true residual; returns whether it passed.
  bool verified(double true_residual, double seconds) {
    ++p_.verifications;
    p_.last_verified_residual = true_residual;
    p_.last_verified_seconds = seconds;
    record({seconds, p_.min_sweeps, p_.provisional_residual, true_residual, p_.omega});
    const bool ok = true_residual <= options_.stop.tolerance;
    if (!ok) {
      ++failed_;
      // The estimate was too optimistic by true/estimate: demand more of it next time, by at most
      // 10x per failure (one very stale estimate must not make the tolerance unreachable) and
      // 1000x in all (further down the estimate sits at the rounding floor).
      const double ratio = p_.provisional_residual > 0.0 ? true_residual / p_.provisional_residual
                                                         : true_residual / options_.stop.tolerance;
      const double factor = std::clamp(ratio * 1.05, 1.05, 10.0);
      tolerance_ = std::max(tolerance_ / factor, options_.stop.tolerance * 1e-3);
    }
    return ok;
  }

  /// After a failed verification the solve resumes, unless a budget ran out meanwhile (evaluate()
  /// reports the converged candidate before the budgets, so they must be checked here too).
  [[nodiscard]] stop_reason budget_exhausted(double seconds) const noexcept {
    if (p_.min_sweeps >= options_.stop.max_sweeps) return stop_reason::max_sweeps;
    if (seconds >= options_.stop.time_limit_seconds) return stop_reason::time_limit;
    return stop_reason::none;
  }

  /// Estimates gathered after a restart (resume or fallback) must come from every block again.
  void restart_window() { window_.clear(); }

  /// The factor the schedule relaxes with now (shown in snapshots).
  void set_omega(double omega) noexcept { p_.omega = omega; }

  [[nodiscard]] const progress& snapshot() const noexcept { return p_; }
  [[nodiscard]] progress& snapshot() noexcept { return p_; }
  [[nodiscard]] int failed_verifications() const noexcept { return failed_; }
  /// The tolerance the estimate must pass now: the user's, tightened after failed verifications.
  [[nodiscard]] double effective_tolerance() const noexcept { return tolerance_; }
  [[nodiscard]] double rhs_norm() const noexcept { return rhs_norm_; }
  [[nodiscard]] std::vector<history_point>& history() noexcept { return history_; }

 private:
  struct window_entry {
    std::int64_t sweeps;
    double estimate;
  };

  void record(const history_point& h) {
    if (options_.history_limit == 0) return;
    if (++history_counter_ % history_stride_ != 0 && std::isnan(h.verified_residual)) return;
    history_.push_back(h);
    thin_when_full(history_, options_.history_limit, history_stride_,
                   [](const history_point& q) { return !std::isnan(q.verified_residual); });
  }

  const solver_options& options_;
  double rhs_norm_;
  double tolerance_;
  progress p_;
  std::deque<window_entry> window_;
  double improvement_reference_ = std::numeric_limits<double>::infinity();
  std::int64_t sweeps_at_improvement_ = 0;
  std::int64_t restart_sweeps_ = 0;  // min-sweeps at the last restart()
  double rate_seconds_ = 0.0;
  std::int64_t rate_sweeps_ = 0;
  int failed_ = 0;
  std::vector<history_point> history_;
  std::int64_t history_counter_ = 0;
  std::int64_t history_stride_ = 1;
};

}  // namespace asor::detail
