/// \file progress_line.cpp
/// \brief The live progress line (see progress_line.hpp).

#include "cli/progress_line.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>

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

progress_line::progress_line(bool enabled, double tolerance, std::string prefix)
    : enabled_(enabled), tolerance_(tolerance), prefix_(std::move(prefix)) {}

progress_line::~progress_line() { finish(); }

void progress_line::update(const progress& p) {
  if (!enabled_) return;
  const double est = p.provisional_residual;
  std::string text = prefix_;
  char buf[256];
  std::snprintf(buf, sizeof buf, "sweeps %lld  est %s  %s sweeps/s  elapsed %s",
                static_cast<long long>(p.min_sweeps), sci(est).c_str(),
                sci(p.sweeps_per_second).c_str(), duration(p.elapsed_seconds).c_str());
  text += buf;
  if (std::isfinite(est) && est > 0) {
    samples_.emplace_back(p.elapsed_seconds, std::log(est));
    while (samples_.size() > 2 &&
           samples_.front().first < p.elapsed_seconds - rate_window_seconds) {
      samples_.pop_front();
    }
    if (est <= tolerance_) {
      text += "  verifying";
    } else if (samples_.size() >= 2) {
      const auto& [t0, l0] = samples_.front();
      const auto& [t1, l1] = samples_.back();
      const double slope = (t1 > t0) ? (l1 - l0) / (t1 - t0) : 0.0;
      if (slope < 0) {
        const double left = (std::log(tolerance_) - l1) / slope;
        text += "  left ~" + duration(left);
      } else {
        text += "  left ?";
      }
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
