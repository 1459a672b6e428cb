#pragma once
/// \file omega_control.hpp
/// \brief Adapting omega during a solve (private to the library): pure, engine-independent
/// controllers that a driver feeds with what it observes and that answer "keep omega" or "switch
/// to omega'". They own no thread, no vector and no clock; everything they decide is a function
/// of the numbers fed to them, so they are unit-tested by driving `sor_sweep` in a plain loop.
///
/// A fixed omega given by the user is never adapted: a driver creates a controller only when
/// `solver_options::omega` is nullopt (auto), starting from `choose_omega` (spectral.hpp).
///
/// Thread safety: none needed. A controller is used by the one thread that decides (the
/// coordinator in the asynchronous schedule), like the stopping rules.

#include <cstdint>
#include <string_view>
#include <vector>

#include "asor/spectral.hpp"

namespace asor {

/// \brief A controller's answer to one observation.
struct omega_decision {
  double omega = 1.0;    ///< the omega to use from the next sweep on
  bool changed = false;  ///< omega differs from the one in use
  bool restart = false;  ///< restart from the last verified x before going on (divergence)
  std::string_view why;  ///< static text naming the rule that fired (empty when unchanged)
};

/// \brief One change of omega, for the report's omega history.
struct omega_change {
  std::int64_t sweep = 0;  ///< the sweep count at which the new omega takes effect
  double from = 1.0;
  double to = 1.0;
  double factor = 0.0;   ///< the observed convergence factor per sweep that prompted it
  std::string_view why;  ///< as in omega_decision
};

/// \brief ITPACK-style adaptive omega for sequential SOR (forward or backward sweeps).
///
/// **What to feed.** Call `observe(residual_sq)` once after every *complete* sweep (an interrupted
/// sweep is not fed), with the sweep's `sweep_result::residual_sq`: the sum of the squared
/// pre-update residuals r_i that `sor_sweep` returns anyway. No other output of the kernel is
/// needed: at a fixed omega the vector of pre-update residuals is D (x_{k+1} - x_k) / omega, and
/// the updates follow the SOR iteration exactly (delta_k = L_omega delta_{k-1}), so the ratio of
/// successive norms tends to rho(L_omega), as ITPACK's ratio of update norms does.
///
/// **What to do with the answer.** If `changed`, use `omega` from the next sweep on and record the
/// change (`history()` keeps them all, with the sweep count: the report's omega history). `restart`
/// is never set: for an SPD matrix SOR reduces the A-norm of the error at every omega in (0, 2)
/// (Ostrowski-Reich), so the iterate is always worth keeping.
///
/// **The rule** (Hageman and Young 1981, sections 9.4-9.5; ITPACK 2C's SOR routine, Kincaid,
/// Respess, Young and Grimes 1982), with two safeguards of ours for matrices that are not
/// consistently ordered:
/// 1. After a change, `settle_sweeps` sweeps are skipped (the switch transient). Then the factor
///    R (geometric mean of the per-sweep ratios) is measured on the last two thirds of the phase,
///    as two windows; it is *stable* when their rates -ln R agree within `stability` and each
///    window reduced the residual by e^min_reduction at least (or both together by e^12, for
///    residuals that oscillate).
/// 2. ITPACK's test: if R <= (omega - 1)^F (F = `damping`, ITPACK's FF = 0.75), the rate is within
///    F of what omega can give at best: keep omega.
/// 3. Otherwise omega is below the optimum (for consistently ordered matrices): Young's relation
///    (R + omega - 1)^2 = R omega^2 mu^2 gives mu = (R + omega - 1) / (omega sqrt(R)) and the new
///    omega = 2 / (1 + sqrt(1 - mu^2)), clamped into [omega_min, omega_max]. With R measured from
///    below (it rises towards rho(L_omega)), mu and omega err low: the omegas rise towards the
///    optimum without passing it (Hageman and Young, theorem 9.4.?).
/// 4. Safeguard (ours): every measured (omega, rate) is kept. A change whose measured rate is worse
///    than the best by more than `worse_margin` (both measured over windows that reduced the
///    residual by e^compare_reduction, so that transients do not decide) sends omega back to the
///    best, whose rate is then measured again: the first measurement was taken earlier, while the
///    error still had fast components, so it is biased high. If the new measurement is still
///    better than the raise's, omega stays there for good; otherwise the earlier rates are
///    dropped as transients and omega returns to the raised value and goes on from it.
/// 5. Safeguard (ours): when the start may lie above the optimum (`start_from_below` false, e.g.
///    a user's guess) and step 2 holds at once with R close to omega - 1 (the signature of
///    omega >= omega_opt in Young's theory), omega is probed downwards with
///    omega' - 1 = (omega - 1)^4 (four times the rate if still above the optimum) until a phase
///    measures R > (omega - 1)^F; step 3 then takes it to the optimum.
/// At most `max_changes` changes are made; then omega stays at the best measured one.
class sor_omega_controller {
 public:
  struct settings {
    double damping = 0.75;             ///< ITPACK's FF
    double omega_min = 1.0;            ///< never below
    double omega_max = omega_ceiling;  ///< the clamp (omega_choice::omega_max)
    /// the start is at or below the optimum (true for choose_omega: lambda_min is a Ritz value,
    /// too high, so its omega errs low); false enables the downward probe (step 5)
    bool start_from_below = true;
    /// the matrix is consistently ordered (omega_estimate::consistently_ordered): Young's
    /// relation is exact, and raises need no comparison (Hageman and Young's procedure as is)
    bool consistently_ordered = false;
    int settle_sweeps = 4;   ///< sweeps skipped after each change
    int min_window = 6;      ///< sweeps in each half of the smallest window
    double stability = 0.1;  ///< relative agreement of the two windows' rates
    /// each window must reduce the residual by at least e^min_reduction: short windows at a slow
    /// rate see the switch transient, not rho(L_omega)
    double min_reduction = 0.05;
    /// a measurement is compared with others (safeguard 4) only when each of its windows reduced
    /// the residual by e^compare_reduction: comparing rates needs more than steering by them
    double compare_reduction = 0.5;
    double worse_margin = 0.05;  ///< a rate this much below the best is "worse"
    int max_changes = 16;
    /// consistently ordered, first phase: raise before the factor settles when Young's omega
    /// from the rising factor brings 2 - omega down to this fraction
    double eager_step = 0.5;
    /// a raise must bring 2 - omega down to this fraction of its value at least (smaller steps
    /// only restart the measurement)
    double min_step = 0.9;
  };

  /// \pre omega_min <= omega0 <= omega_max, all in (0, 2).
  explicit sor_omega_controller(double omega0) : sor_omega_controller(omega0, settings{}) {}
  sor_omega_controller(double omega0, const settings& s);

  /// \brief Feed one complete sweep. \p residual_sq: the sweep's sum of squared pre-update
  /// residuals (any positive multiple of it works; the controller uses ratios only).
  omega_decision observe(double residual_sq);

  [[nodiscard]] double omega() const noexcept { return omega_; }
  [[nodiscard]] std::int64_t sweeps() const noexcept { return sweeps_; }
  [[nodiscard]] const std::vector<omega_change>& history() const noexcept { return history_; }
  /// \returns whether the controller has stopped adapting (at the best measured omega).
  [[nodiscard]] bool frozen() const noexcept { return frozen_; }

 private:
  struct measurement {
    double omega;
    double rate;    // -ln(factor) per sweep
    bool reliable;  // windows long enough to compare rates (settings::compare_reduction)
  };
  omega_decision change_to(double target, double factor, std::string_view why);
  [[nodiscard]] const measurement* best() const noexcept;

  settings s_;
  double omega_;
  std::int64_t sweeps_ = 0;
  std::vector<double> log_residual_;  // 0.5 ln(residual_sq) of this phase's sweeps
  std::vector<measurement> measured_;
  std::vector<omega_change> history_;
  bool anchored_;  // omega came from Young's relation measured below the optimum
  bool measured_here_ = false;
  bool frozen_ = false;
  // Back at the best omega to measure its rate again (safeguard 4): the raise it is compared with.
  bool confirming_ = false;
  double candidate_omega_ = 0.0;
  double candidate_rate_ = 0.0;
  std::size_t candidate_index_ = 0;
};

/// \brief Safe back-off of omega for the parallel schedules (asynchronous, block-Jacobi and
/// multicolor SOR), fed with the residual trend at a coarse cadence.
///
/// **What to feed.** `observe(sweeps, residual, verified)` whenever the driver has a new global
/// residual: `sweeps` is the fewest sweeps over blocks (what the stopping rule counts),
/// `residual` the relative residual ||b - A x|| / ||b||, `verified` true when it is a true residual
/// of a quiescent x and false for the provisional estimate. Every coordinator tick is fine: the
/// rule only looks at points at least `min_spacing` sweeps apart. A non-finite residual may be fed.
///
/// **What it decides**, on the trend and never on a single point:
/// - *diverged*: the residual is non-finite, or the last `divergence_points` points spanning at
///   least `min_spacing` sweeps all exceed `divergence_factor` times the best residual seen at
///   this omega (verified points only when `divergence_verified_only`): back off with `restart`
///   set. The driver restores the last verified x and goes on at the new omega (it does the same
///   when its own stopping rule finds divergence: `diverged()`).
/// - *stalled*: over a window of W sweeps, the best residual seen (provisional or verified) fell
///   by less than `stall_progress` (1 %): no progress at all, not merely slow progress. W =
///   max(min_window, stall_ratio * window_reductions / expected_rate): stall_ratio times the
///   sweeps in which sequential SOR at this omega would reduce the residual by
///   e^window_reductions (expected_rate: -ln of Young's factor for settings::mu). Back off, no
///   restart. (A first version judged "slower than sequential SOR / stall_ratio" instead; on the
///   verified residuals, which come only from failed verifications near the tolerance and so
///   barely differ, it fired on solves that were converging: async nos4 backed off from 1.88 to
///   1.76 at ~500 sweeps and took ~9,000 sweeps instead of 200-400.)
/// Backing off moves omega from 2 by doubling 2 - omega (1.99 -> 1.98 -> 1.96 -> ... -> 1), then
/// halving towards `omega_min` (1 -> 0.75 -> 0.5). It never raises omega, never switches methods
/// and never stops the solve: at omega_min it only reports, and the stopping rule decides.
class parallel_omega_backoff {
 public:
  struct settings {
    double omega_min = 0.5;
    /// the Jacobi radius mu = 1 - lambda_min of the estimate, from which Young's factor gives
    /// sequential SOR's rate at each omega; 0 = unknown: omega0 is then taken as the optimum
    /// (mu = 2 sqrt(omega0 - 1) / omega0)
    double mu = 0.0;
    double stall_ratio = 8.0;
    double window_reductions = 3.0;
    std::int64_t min_window = 50;
    /// less relative progress of the best over a window is a stall; 0: stalls are not judged
    double stall_progress = 0.01;
    double divergence_factor = 1e3;
    int divergence_points = 3;
    std::int64_t min_spacing = 1;
    /// the divergence test looks at verified (true) residuals only: provisional estimates of
    /// the asynchronous schedule are stale and noisy near the tolerance
    bool divergence_verified_only = false;
  };

  explicit parallel_omega_backoff(double omega0) : parallel_omega_backoff(omega0, settings{}) {}
  parallel_omega_backoff(double omega0, const settings& s);

  /// \brief Feed one global residual (see the class comment).
  omega_decision observe(std::int64_t sweeps, double residual, bool verified);

  /// \brief The driver's stopping rule found divergence at \p sweeps (sustained growth of the
  /// estimate, or a non-finite one): back off with `restart` set. At the floor nothing changes
  /// (`changed` false) and the divergence stands.
  omega_decision diverged(std::int64_t sweeps);

  [[nodiscard]] double omega() const noexcept { return omega_; }
  [[nodiscard]] const std::vector<omega_change>& history() const noexcept { return history_; }
  /// \returns the window (in sweeps) over which a stall is judged at the current omega.
  [[nodiscard]] std::int64_t window() const noexcept { return window_; }

  /// \returns the next omega when backing off from \p omega (doubling 2 - omega above 1,
  /// halving towards \p floor below).
  static double next_lower(double omega, double floor) noexcept;

 private:
  void start_phase(std::int64_t sweeps);
  omega_decision back_off(std::int64_t sweeps, double factor, bool restart, std::string_view why);

  settings s_;
  double omega_;
  double mu_;                   // the Jacobi radius behind the expected rates
  double expected_rate_ = 0.0;  // -ln(factor) of sequential SOR at omega_
  std::int64_t window_ = 0;
  std::int64_t phase_start_ = -1;  // sweeps at the first point of this omega
  double phase_best_ = 0.0;
  std::int64_t window_start_ = 0;  // start of the current stall window
  double window_start_best_ = 0.0;
  std::int64_t last_sweeps_ = -1;
  int above_ = 0;  // consecutive points above divergence_factor * best
  std::int64_t above_since_ = 0;
  std::vector<omega_change> history_;
};

}  // namespace asor
