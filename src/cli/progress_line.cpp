/// \file progress_line.cpp
/// \brief The live progress line (see progress_line.hpp).

#include "cli/progress_line.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "cli/common.hpp"
#include "web/monitor_server.hpp"

namespace asor::cli {

namespace {
/// Seconds of history the convergence rate is measured over.
constexpr double rate_window_seconds = 3.0;
}  // namespace

bool progress_wanted(bool forced_on, bool forced_off) noexcept {
  if (forced_on) return true;
  if (forced_off) return false;
  return isatty(STDERR_FILENO) == 1;
}

progress_line::progress_line(bool enabled, double tolerance, std::string prefix, double time_limit,
                             std::int64_t max_sweeps)
    : enabled_(enabled),
      tolerance_(tolerance),
      prefix_(std::move(prefix)),
      time_limit_(time_limit),
      max_sweeps_(max_sweeps) {}

progress_line::~progress_line() { finish(); }

void progress_line::update(const progress& p) {
  if (!enabled_) return;
  const double est = p.provisional_residual;
  std::string text = prefix_;
  char buf[256];
  const bool budget = max_sweeps_ < std::numeric_limits<std::int64_t>::max();
  std::snprintf(buf, sizeof buf,
                "sweeps %lld%s%s  omega %.4f  est %s -> tol %s  %s sweeps/s  elapsed %s",
                static_cast<long long>(p.min_sweeps), budget ? " of " : "",
                budget ? std::to_string(max_sweeps_).c_str() : "", p.omega, sci(est).c_str(),
                sci(tolerance_, 0).c_str(), sci(p.sweeps_per_second).c_str(),
                duration(p.elapsed_seconds).c_str());
  text += buf;
  // What the budgets leave: the solve stops then at the latest.
  double bound = std::numeric_limits<double>::infinity();
  const char* bound_name = "";
  if (std::isfinite(time_limit_)) {
    bound = std::max(0.0, time_limit_ - p.elapsed_seconds);
    bound_name = "time limit";
  }
  if (budget && p.sweeps_per_second > 0) {
    const double by_sweeps =
        std::max(0.0, static_cast<double>(max_sweeps_ - p.min_sweeps) / p.sweeps_per_second);
    if (by_sweeps < bound) {
      bound = by_sweeps;
      bound_name = "sweep budget";
    }
  }
  if (std::isfinite(est) && est > 0) {
    samples_.emplace_back(p.elapsed_seconds, std::log(est));
    while (samples_.size() > 2 &&
           samples_.front().first < p.elapsed_seconds - rate_window_seconds) {
      samples_.pop_front();
    }
  }
  if (std::isfinite(est) && est > 0 && est <= tolerance_) {
    text += "  verifying";
  } else {
    double left = std::numeric_limits<double>::quiet_NaN();
    if (samples_.size() >= 2) {
      const auto& [t0, l0] = samples_.front();
      const auto& [t1, l1] = samples_.back();
      const double slope = (t1 > t0) ? (l1 - l0) / (t1 - t0) : 0.0;
      if (slope < 0) left = (std::log(tolerance_) - l1) / slope;
    }
    if (std::isfinite(left) && left <= bound) {
      text += "  left ~" + duration(left);
    } else if (std::isfinite(left)) {
      text += "  left ~" + duration(bound) + " (" + bound_name + ")";
    } else if (std::isfinite(bound)) {
      text += "  left <= " + duration(bound) + " (" + bound_name + ")";
    } else {
      text += "  left ?";
    }
  }
  draw(text);
}

void progress_line::show(const std::string& text) {
  if (!enabled_) return;
  draw(prefix_ + text);
}

void progress_line::draw(const std::string& text) {
  std::string line = "\r" + text;
  if (text.size() < last_width_) line.append(last_width_ - text.size(), ' ');
  last_width_ = text.size();
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

void progress_line::finish() {
  if (!enabled_ || last_width_ == 0) return;
  std::string blank = "\r";
  blank.append(last_width_, ' ');
  blank += '\r';
  std::fputs(blank.c_str(), stderr);
  std::fflush(stderr);
  last_width_ = 0;
}

solve_report solve_watched(engine& eng, std::span<const double> b, std::span<double> x,
                           progress_line& line, web::monitor_server* monitor,
                           const std::string& run_label) {
  const solve_handle h = eng.submit(b, x);
  // Declared after h: detaches (taking the final state) before h goes.
  web::monitor_server::attachment watched;
  if (monitor != nullptr) watched = monitor->attach(h, web::describe_run(eng.options(), run_label));
  while (!h.wait_for(std::chrono::milliseconds(50))) {
    if (interrupted()) h.cancel();
    if (const auto p = h.progress()) line.update(*p);
  }
  return h.get();
}

}  // namespace asor::cli
