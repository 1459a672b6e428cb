/// \file omega_control.cpp
/// \brief The adaptive-omega controllers (omega_control.hpp).

#include "omega_control.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace asor {
namespace {

/// Young's factor rho(L_omega) of SOR for a Jacobi radius \p mu (consistently ordered, real
/// Jacobi eigenvalues): omega - 1 at or above the optimum, the larger root below it.
double young_factor(double omega, double mu) {
  const double disc = omega * omega * mu * mu - 4.0 * (omega - 1.0);
  if (disc <= 0.0) return std::abs(omega - 1.0);
  const double root = 0.5 * (omega * mu + std::sqrt(disc));
  return root * root;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// sor_omega_controller

sor_omega_controller::sor_omega_controller(double omega0, const settings& s)
    : s_(s), omega_(std::clamp(omega0, s.omega_min, s.omega_max)), anchored_(s.start_from_below) {}

const sor_omega_controller::measurement* sor_omega_controller::best() const noexcept {
  const measurement* b = nullptr;
  for (const measurement& m : measured_) {
    if (m.reliable && (b == nullptr || m.rate > b->rate)) b = &m;
  }
  return b;
}

omega_decision sor_omega_controller::change_to(double target, double factor, std::string_view why) {
  history_.push_back({sweeps_, omega_, target, factor, why});
  omega_ = target;
  log_residual_.clear();
  measured_here_ = false;
  if (!frozen_ && static_cast<int>(history_.size()) >= s_.max_changes) {
    // Out of changes: settle on the best measured omega.
    const measurement* b = best();
    if (b != nullptr && b->omega != omega_) {
      history_.push_back({sweeps_, omega_, b->omega, factor, "back to the best measured omega"});
      omega_ = b->omega;
    }
    frozen_ = true;
  }
  return {omega_, true, false, history_.back().why};
}

omega_decision sor_omega_controller::observe(double residual_sq) {
  ++sweeps_;
  const omega_decision keep{omega_, false, false, {}};
  if (frozen_ || !(residual_sq > 0.0) || !std::isfinite(residual_sq)) return keep;
  log_residual_.push_back(0.5 * std::log(residual_sq));

  // The phase's usable points, after the switch transient; the last two thirds of them form two
  // windows of h sweeps each (the first third, closest to the switch, is left out).
  const int count = static_cast<int>(log_residual_.size()) - s_.settle_sweeps;
  if (count < 3 * s_.min_window + 1) return keep;
  const int last = static_cast<int>(log_residual_.size()) - 1;
  const int h = (count - 1) / 3;
  const auto at = [&](int i) { return log_residual_[static_cast<std::size_t>(i)]; };
  const double r1 = (at(last - 2 * h) - at(last - h)) / h;
  const double r2 = (at(last - h) - at(last)) / h;
  const bool stable = r2 > 0.0 && r1 > 0.0 &&
                      std::abs(r2 - r1) <= s_.stability * std::max(r1, r2) &&
                      std::min(r1, r2) * h >= s_.min_reduction;
  // Oscillating residuals (complex dominant eigenvalues) may never give two agreeing windows:
  // once the windows have reduced the residual by e^12, their mean rate is used.
  const bool long_enough = at(last - 2 * h) - at(last) >= 12.0;
  // This phase's record always reflects the latest windows: a rate measured while the factor
  // still drifts is not comparable.
  if (measured_here_ && !stable && !long_enough) measured_.back().reliable = false;
  const double ideal = omega_ > 1.0 ? std::pow(omega_ - 1.0, s_.damping) : 0.0;
  const auto young_for = [&](double factor) {
    const double mu = (factor + omega_ - 1.0) / (omega_ * std::sqrt(factor));
    return std::clamp(mu >= 1.0 ? s_.omega_max : 2.0 / (1.0 + std::sqrt(1.0 - mu * mu)),
                      s_.omega_min, s_.omega_max);
  };
  const auto material = [&](double target) { return 2.0 - target <= s_.min_step * (2.0 - omega_); };
  if (!stable && !long_enough) {
    // Consistently ordered, first phase, started below the optimum: while the factor rises
    // towards rho(L_omega) from below (the recent window slower than the older one), Young's
    // omega from it is a lower bound of the optimum (Hageman and Young): raise without waiting
    // for the factor to settle, once that brings 2 - omega down by eager_step.
    if (s_.consistently_ordered && history_.empty() && anchored_ && r2 > 0.0 && r2 <= r1 &&
        r2 * h >= s_.min_reduction) {
      const double factor = std::exp(-r2);
      const double target = young_for(factor);
      if (factor > ideal && 2.0 - target <= s_.eager_step * (2.0 - omega_)) {
        return change_to(target, factor, "raised by Young's relation from the rising factor");
      }
    }
    return keep;
  }
  const double rate = stable ? r2 : (at(last - 2 * h) - at(last)) / (2.0 * h);
  if (!(rate > 0.0)) return keep;
  const double factor = std::exp(-rate);

  // Comparable with other phases: windows long enough to have left the switch transient. The
  // first phase's stable measurement is the baseline the first raise must beat (it starts from
  // x0, where the fast modes make the rate look better: the comparison errs towards the start).
  const bool reliable =
      history_.empty() || long_enough || std::min(r1, r2) * h >= s_.compare_reduction;
  if (measured_here_) {
    measured_.back().rate = rate;
    measured_.back().reliable = reliable;
  } else {
    // A later measurement at the same omega supersedes an earlier one (rates measured later are
    // biased low: only the latest compares with the other omegas' latest).
    for (measurement& m : measured_) {
      if (m.omega == omega_) m.reliable = false;
    }
    measured_.push_back({omega_, rate, reliable});
    measured_here_ = true;
  }
  if (!reliable) return keep;
  if (confirming_) {
    // Back at the best omega after a raise measured worse: the best's rate was measured earlier,
    // when the error still had fast components, and rates measured later are biased low. This
    // phase re-measures it at the same point of the solve as the raise's.
    confirming_ = false;
    if (rate >= (1.0 - s_.worse_margin) * candidate_rate_) {
      frozen_ = true;  // confirmed: the raise was worse; stay here
      return keep;
    }
    // The raise was better after all: the earlier rates (all but the raise's) were the start's
    // transient, and this one is worse. Back to the raised omega, and on from there.
    for (std::size_t k = 0; k < measured_.size(); ++k) {
      if (k != candidate_index_) measured_[k].reliable = false;
    }
    return change_to(candidate_omega_, factor,
                     "back to the raised omega: the best's rate, measured again, is worse");
  }
  const measurement* b = best();
  // Not consistently ordered: Young's model is a heuristic, so each raise must show. A raise
  // measured worse than the best sends omega back to the best, whose rate is measured again
  // before the raise is given up (rates measured later in a solve are biased low, the error having
  // lost its fast components, so the first comparison errs towards the earlier omega). For
  // consistently ordered matrices Young's relation is exact and the comparison would only see
  // that bias, so it is not made.
  if (!s_.consistently_ordered && b->omega != omega_ && rate < (1.0 - s_.worse_margin) * b->rate) {
    if (history_.size() + 2 <= static_cast<std::size_t>(s_.max_changes)) {
      confirming_ = true;
      candidate_omega_ = omega_;
      candidate_rate_ = rate;
      candidate_index_ = measured_.size() - 1;
    } else {
      frozen_ = true;
    }
    return change_to(b->omega, factor, "back to the best measured omega");
  }
  if (factor <= ideal) {
    // ITPACK's test: within F of what omega can give. A start above the optimum is probed.
    if (!anchored_ && omega_ > s_.omega_min) {
      const double target = std::max(s_.omega_min, 1.0 + std::pow(omega_ - 1.0, 4.0));
      if (target < omega_) {
        return change_to(target, factor, "probed down from a start above the optimum");
      }
    }
    return keep;
  }
  // Slower than omega can give: below the optimum (Young). Hageman and Young's estimate of mu
  // from (R + omega - 1)^2 = R omega^2 mu^2, and its optimum, short of any omega measured worse.
  const double young = young_for(factor);
  if (!material(young)) return keep;
  anchored_ = true;
  return change_to(young, factor, "raised by Young's relation from the observed factor");
}

// ---------------------------------------------------------------------------------------------
// parallel_omega_backoff

parallel_omega_backoff::parallel_omega_backoff(double omega0, const settings& s)
    : s_(s), omega_(omega0), mu_(s.mu) {
  // Without a mu from the estimate, omega0 is taken as the optimum: mu = 2 sqrt(omega0 - 1) /
  // omega0 (Young); below 1 that says nothing, and mu = 1 - 1e-3 stands in.
  if (!(mu_ > 0.0 && mu_ < 1.0)) {
    mu_ = omega0 > 1.0 ? std::min(2.0 * std::sqrt(omega0 - 1.0) / omega0, 1.0 - 1e-12) : 1.0 - 1e-3;
  }
  start_phase(-1);
}

double parallel_omega_backoff::next_lower(double omega, double floor) noexcept {
  double next = omega > 1.0 ? 2.0 - 2.0 * (2.0 - omega) : floor + 0.5 * (omega - floor);
  if (omega > 1.0 && next < 1.0) next = 1.0;
  if (next - floor < 1e-3) next = floor;
  return std::max(next, floor);
}

void parallel_omega_backoff::start_phase(std::int64_t sweeps) {
  // Sequential SOR's rate at this omega: Young's factor for mu.
  const double factor = std::clamp(young_factor(omega_, mu_), 1e-6, 1.0 - 1e-12);
  expected_rate_ = -std::log(factor);
  window_ = std::max(
      s_.min_window,
      static_cast<std::int64_t>(std::ceil(s_.stall_ratio * s_.window_reductions / expected_rate_)));
  phase_start_ = sweeps;
  last_sweeps_ = sweeps;
  above_ = 0;
}

omega_decision parallel_omega_backoff::back_off(std::int64_t sweeps, double factor, bool restart,
                                                std::string_view why) {
  const double next = next_lower(omega_, s_.omega_min);
  if (!(next < omega_)) {
    // At the floor: nothing left to back off to; the stopping rule decides.
    start_phase(sweeps);
    phase_start_ = -1;
    return {omega_, false, restart, why};
  }
  history_.push_back({sweeps, omega_, next, factor, why});
  omega_ = next;
  start_phase(sweeps);
  phase_start_ = -1;  // the next point (after a restart: of the restored x) opens the phase
  return {omega_, true, restart, why};
}

omega_decision parallel_omega_backoff::diverged(std::int64_t sweeps) {
  return back_off(sweeps, std::numeric_limits<double>::infinity(), true,
                  "backed off: diverged (the stopping rule's divergence test); restarted from the "
                  "last verified x");
}

omega_decision parallel_omega_backoff::observe(std::int64_t sweeps, double residual,
                                               bool verified) {
  const omega_decision keep{omega_, false, false, {}};
  if (!std::isfinite(residual)) {
    return back_off(sweeps, std::numeric_limits<double>::infinity(), true,
                    "backed off: the residual is not finite");
  }
  if (phase_start_ < 0) {
    phase_start_ = sweeps;
    last_sweeps_ = sweeps;
    phase_best_ = residual;
    window_start_ = sweeps;
    window_start_best_ = residual;
    above_ = 0;
    return keep;
  }
  if (sweeps - last_sweeps_ < s_.min_spacing) return keep;
  last_sweeps_ = sweeps;

  // Divergence: several points in a row far above the best of this omega.
  if (verified || !s_.divergence_verified_only) {
    if (residual > s_.divergence_factor * phase_best_) {
      if (above_ == 0) above_since_ = sweeps;
      ++above_;
      if (above_ >= s_.divergence_points && sweeps - above_since_ >= s_.min_spacing) {
        return back_off(sweeps, residual / phase_best_, true,
                        "backed off: the residual grew by the divergence factor, sustained");
      }
    } else {
      above_ = 0;
    }
  }
  phase_best_ = std::min(phase_best_, residual);

  // Stall: the best residual did not move over a whole window.
  const std::int64_t span = sweeps - window_start_;
  if (span >= window_) {
    const double gained = window_start_best_ / phase_best_;  // >= 1
    const double factor = std::pow(1.0 / gained, 1.0 / static_cast<double>(span));
    window_start_ = sweeps;
    window_start_best_ = phase_best_;
    if (s_.stall_progress > 0.0 && gained < 1.0 + s_.stall_progress) {
      return back_off(
          sweeps, factor, false,
          "backed off: stalled (the best residual fell by less than 1 % over a window)");
    }
  }
  return keep;
}

}  // namespace asor
