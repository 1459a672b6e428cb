#pragma once
// Private to the library: how the driver and the schedules adapt omega during a solve under
// omega = auto (docs/algorithms.md, "omega adapted during the solve"). One object per solve,
// owned by the driver, used only by the thread that decides (the solving thread for the
// synchronous schedules, the coordinator for the asynchronous one; the driver between rounds,
// when the coordinator is idle), so it needs no synchronization.
//
// - sequential SOR and multicolor SOR (forward or backward sweeps): sor_omega_controller, fed
//   every complete sweep. Multicolor SOR is sequential SOR in the coloring's order, whatever the
//   number of threads (rows of one color do not couple), so the controller's theory holds for it
//   as is; with two colors that order is consistently ordered (Young's relation exact);
// - block-Jacobi and asynchronous SOR (and multicolor in the symmetric direction):
//   parallel_omega_backoff, fed every global residual (provisional from the decision loop, true
//   from the driver's verifications);
// - SSOR, the symmetric direction and weighted Jacobi: the estimate's rule only (not adapted);
// - a fixed omega given by the user: never adapted (the object is inactive).

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "asor/options.hpp"
#include "asor/report.hpp"
#include "engine_impl.hpp"
#include "omega_control.hpp"

namespace asor::detail {

class omega_adaptation {
 public:
  omega_adaptation(const solver_options& o, const prepared_method& p) {
    if (!p.omega_auto) return;
    const sweep_direction d = o.method == method::ssor ? sweep_direction::symmetric : o.direction;
    if ((o.method == method::sor || o.method == method::multicolor) &&
        d != sweep_direction::symmetric) {
      sor_omega_controller::settings s;
      s.omega_min = std::min(p.omega_min, p.omega);
      s.omega_max = std::max(p.omega_max, p.omega);
      s.consistently_ordered = p.consistently_ordered;
      sor_.emplace(p.omega, s);
    } else if (o.method == method::async || o.method == method::block_jacobi ||
               o.method == method::multicolor) {
      parallel_omega_backoff::settings s;
      if (p.lambda_min > 0.0 && p.lambda_min < 1.0) s.mu = 1.0 - p.lambda_min;
      // Divergence judged on verified (true) residuals and non-finite estimates only: judged on
      // the provisional estimates, the first version fired on solves that converged (a
      // "divergence" near the tolerance; Poisson 64^2 async, 2 threads: 7,334 and 15,234 sweeps
      // against 401-430). A stall is no progress of the best residual over a long window
      // (omega_control.hpp), provisional or verified.
      s.divergence_verified_only = true;
      // No stall rule: measured on the development set (async, 2 threads, 3 runs each), the
      // asynchronous schedule has windows without 1 % progress of the best estimate on solves
      // that then converge, and backing off there never made them faster (bcsstk22: 27,806 to
      // 95,337 sweeps, down to omega 1.0, against 593, 1,089 and 19,820 at the estimate's
      // 1.927; nos4: 230, 230, 10,355 against 303, 386, 17,571; mesh2e1: 2,879 to 5,131 against
      // 3,395 to 3,432). A stall is left to the stopping rules (stagnation_window).
      s.stall_progress = 0.0;
      backoff_.emplace(p.omega, s);
    }
  }

  /// \returns whether omega may change during this solve.
  [[nodiscard]] bool active() const noexcept { return sor_.has_value() || backoff_.has_value(); }

  /// Sequential SOR: one complete sweep (\p sweeps counted so far) with its residual_sq.
  /// \returns the new omega when it changes.
  std::optional<double> sweep(std::int64_t sweeps, double residual_sq) {
    if (!sor_) return std::nullopt;
    const omega_decision d = sor_->observe(residual_sq);
    return take(d, sweeps, sor_->history());
  }

  /// Parallel schedules: a global relative residual at \p sweeps (fewest over blocks), true when
  /// \p verified. \returns the new omega when it changes.
  std::optional<double> residual(std::int64_t sweeps, double residual, bool verified) {
    if (!backoff_) return std::nullopt;
    const omega_decision d = backoff_->observe(sweeps, residual, verified);
    return take(d, sweeps, backoff_->history());
  }

  /// \returns whether a divergence of this solve backs omega off (parallel schedules under auto)
  /// rather than ending it: the driver then keeps the last verified x to restart from.
  [[nodiscard]] bool backs_off_on_divergence() const noexcept { return backoff_.has_value(); }

  /// The stopping rule found divergence at \p sweeps. \returns the lower omega to restart from
  /// the last verified x with, or nullopt at the back-off's floor (the divergence stands).
  std::optional<double> diverged(std::int64_t sweeps) {
    if (!backoff_) return std::nullopt;
    return take(backoff_->diverged(sweeps), sweeps, backoff_->history());
  }

  /// The driver's fallback took over (omega 1 from the last verified x): adaptation ends.
  void fallback(std::int64_t sweeps, double from, double to) {
    sor_.reset();
    backoff_.reset();
    history_.push_back({sweeps, from, to, std::numeric_limits<double>::quiet_NaN(),
                        "fallback: diverged; restarted from the last verified x"});
  }

  [[nodiscard]] std::vector<omega_update>& history() noexcept { return history_; }

 private:
  std::optional<double> take(const omega_decision& d, std::int64_t sweeps,
                             const std::vector<omega_change>& changes) {
    if (!d.changed) return std::nullopt;
    // The controller may record two changes at once (a last change, then back to the best).
    for (std::size_t k = seen_; k < changes.size(); ++k) {
      const omega_change& c = changes[k];
      history_.push_back({sweeps, c.from, c.to, c.factor, std::string(c.why)});
    }
    seen_ = changes.size();
    return d.omega;
  }

  std::optional<sor_omega_controller> sor_;
  std::optional<parallel_omega_backoff> backoff_;
  std::size_t seen_ = 0;
  std::vector<omega_update> history_;
};

}  // namespace asor::detail
