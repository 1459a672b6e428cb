#pragma once
/// \file progress_line.hpp
/// \brief The live progress line on stderr: one line rewritten in place with '\r'.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <utility>

#include "asor/engine.hpp"
#include "asor/progress.hpp"
#include "asor/report.hpp"

namespace asor::web {
class monitor_server;
}  // namespace asor::web

namespace asor::cli {

/// \brief Whether the progress line should be drawn: \p forced_on (--progress) wins, then
/// \p forced_off (--no-progress, --quiet), then whether stderr is a terminal.
bool progress_wanted(bool forced_on, bool forced_off) noexcept;

/// \brief Draws "sweeps 1234 of 10000  est 3.2e-05 -> tol 1e-08  1.1e+04 sweeps/s  elapsed
/// 1.2 s  left ~3.4 s".
///
/// The time left is extrapolated from the convergence rate over the last few seconds: the
/// estimate falls by a roughly constant factor per second, so the time to reach the tolerance is
/// log(tol / est) / slope of log(est) over time. The budgets bound it: the solve stops at the
/// time limit, or when the sweep budget is used up at the current sweep rate, whichever comes
/// first; when a budget comes before the extrapolation (or there is none yet: the estimate is not
/// falling), the line says so: "left ~18.5 s (time limit)", "left <= 2.1 s (sweep budget)".
///
/// Thread safety: one thread at a time.
class progress_line {
 public:
  /// \param enabled draw nothing when false
  /// \param tolerance target of the relative residual (shown, and for the time left)
  /// \param prefix text in front of the numbers (e.g. the method)
  /// \param time_limit seconds the solve may take (infinity: none)
  /// \param max_sweeps the sweep budget (on the slowest block)
  progress_line(bool enabled, double tolerance, std::string prefix = {},
                double time_limit = std::numeric_limits<double>::infinity(),
                std::int64_t max_sweeps = std::numeric_limits<std::int64_t>::max());
  ~progress_line();
  progress_line(const progress_line&) = delete;
  progress_line& operator=(const progress_line&) = delete;

  /// \brief Redraw from a progress snapshot.
  void update(const progress& p);
  /// \brief Redraw with free text (compare: which run is going).
  void show(const std::string& text);
  /// \brief Erase the line (so that what follows starts on a clean line).
  void finish();

  [[nodiscard]] bool enabled() const noexcept { return enabled_; }

 private:
  void draw(const std::string& text);

  bool enabled_;
  double tolerance_;
  std::string prefix_;
  double time_limit_;
  std::int64_t max_sweeps_;
  std::size_t last_width_ = 0;
  std::deque<std::pair<double, double>> samples_;  ///< (seconds, log residual)
};

/// \brief Runs one solve on \p eng in the background and watches it from the calling thread:
/// redraws \p line from the solve's newest snapshot and cancels the solve when an interrupt
/// (SIGINT, SIGTERM) arrives, every 50 ms. The solve never waits for the terminal. With a
/// \p monitor (--serve), the monitor watches the solve too, labelled \p run_label.
/// \returns the report. \throws what ended the solve when it failed.
solve_report solve_watched(engine& eng, std::span<const double> b, std::span<double> x,
                           progress_line& line, web::monitor_server* monitor = nullptr,
                           const std::string& run_label = {});

}  // namespace asor::cli
