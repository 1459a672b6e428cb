#pragma once
// Private to the library: progress bookkeeping shared by the synchronous loop and the
// asynchronous coordinator. Not thread-safe: one thread owns a monitor (the solving thread for
// synchronous methods, the coordinator thread for async).

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

namespace asor::detail {

using clock = std::chrono::steady_clock;

inline double seconds_between(clock::time_point a, clock::time_point b) noexcept {
  return std::chrono::duration<double>(b - a).count();
}

/// Tracks the estimate over time: best, sustained-growth window, stagnation, rate, history.
class monitor {
 public:
  monitor(const solver_options& options, double rhs_norm, double initial_residual)
      : options_(options), rhs_norm_(rhs_norm), tolerance_(options.stop.tolerance) {
    p_.initial_residual = initial_residual;
  }

  /// A new global estimate (relative) at \p seconds with the given sweep statistics.
  void observe(double estimate, std::int64_t min_sweeps, double mean_sweeps,
               std::int64_t max_sweeps, double seconds, bool all_blocks_reported) {
    progress& p = p_;
    p.elapsed_seconds = seconds;
    p.provisional_residual = estimate;
    p.min_sweeps = min_sweeps;
    p.mean_sweeps = mean_sweeps;
    p.max_sweeps = max_sweeps;
    p.all_blocks_reported = all_blocks_reported;
    if (!all_blocks_reported) return;
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
    record({seconds, min_sweeps, estimate, std::numeric_limits<double>::quiet_NaN()});
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
    record({seconds, p_.min_sweeps, p_.provisional_residual, true_residual});
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

  [[nodiscard]] const progress& snapshot() const noexcept { return p_; }
  [[nodiscard]] progress& snapshot() noexcept { return p_; }
  [[nodiscard]] int failed_verifications() const noexcept { return failed_; }
  /// The tolerance the estimate must pass now: the user's, tightened after failed verifications.
  [[nodiscard]] double effective_tolerance() const noexcept { return tolerance_; }
  [[nodiscard]] double rhs_norm() const noexcept { return rhs_norm_; }
  [[nodiscard]] std::vector<history_point>& history() noexcept { return history_; }

  /// Whether a callback is due at \p seconds (progress_interval_seconds; 0 = always).
  bool callback_due(double seconds) noexcept {
    if (options_.progress_interval_seconds <= 0.0) return true;
    if (seconds - last_callback_ < options_.progress_interval_seconds) return false;
    last_callback_ = seconds;
    return true;
  }

 private:
  struct window_entry {
    std::int64_t sweeps;
    double estimate;
  };

  void record(const history_point& h) {
    if (options_.history_limit == 0) return;
    if (++history_counter_ % history_stride_ != 0 && std::isnan(h.verified_residual)) return;
    history_.push_back(h);
    if (static_cast<std::int64_t>(history_.size()) >= options_.history_limit) {
      // Keep every other point, and from now on record half as often.
      std::size_t kept = 0;
      for (std::size_t k = 0; k < history_.size(); ++k) {
        if (k % 2 == 0 || !std::isnan(history_[k].verified_residual))
          history_[kept++] = history_[k];
      }
      history_.resize(kept);
      history_stride_ *= 2;
    }
  }

  const solver_options& options_;
  double rhs_norm_;
  double tolerance_;
  progress p_;
  std::deque<window_entry> window_;
  double improvement_reference_ = std::numeric_limits<double>::infinity();
  std::int64_t sweeps_at_improvement_ = 0;
  double rate_seconds_ = 0.0;
  std::int64_t rate_sweeps_ = 0;
  double last_callback_ = -1e300;
  int failed_ = 0;
  std::vector<history_point> history_;
  std::int64_t history_counter_ = 0;
  std::int64_t history_stride_ = 1;
};

}  // namespace asor::detail
