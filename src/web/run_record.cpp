/// \file run_record.cpp
/// \brief One watched solve as the monitor page sees it (see run_record.hpp).

#include "web/run_record.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

namespace asor::web {

namespace {

using json = nlohmann::ordered_json;

/// \returns \p v rounded to 5 significant digits (the page draws pixels; shorter messages), as is
/// when not finite (written as null).
double rounded(double v) {
  if (!std::isfinite(v) || v == 0.0) return v;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.5g", v);
  return std::strtod(buf, nullptr);
}

/// \returns \p v as a JSON number, or null when not finite (JSON has no NaN or infinity).
json number(double v) { return std::isfinite(v) ? json(rounded(v)) : json(nullptr); }

json progress_json(const progress& p) {
  return json{{"t", number(p.elapsed_seconds)},
              {"estimate", number(p.provisional_residual)},
              {"best_estimate", number(p.best_provisional_residual)},
              {"all_blocks_reported", p.all_blocks_reported},
              {"min_sweeps", p.min_sweeps},
              {"mean_sweeps", number(p.mean_sweeps)},
              {"max_sweeps", p.max_sweeps},
              {"sweeps_per_second", number(p.sweeps_per_second)},
              {"omega", number(p.omega)},
              {"verifications", p.verifications},
              {"last_verified_residual", number(p.last_verified_residual)},
              {"last_verified_seconds", number(p.last_verified_seconds)}};
}

json blocks_json(const block_progress& b) {
  json residual = json::array();
  for (const double r : b.provisional_residual) residual.push_back(number(r));
  return json{{"t", number(b.elapsed_seconds)},
              {"sweeps", b.sweeps},
              {"estimate", std::move(residual)},
              {"worker", b.worker}};
}

json report_json(const solve_report& r) {
  return json{{"status", std::string(to_string(r.reason))},
              {"converged", r.converged()},
              {"relative_residual", number(r.relative_residual)},
              {"provisional_residual", number(r.provisional_residual)},
              {"tolerance", number(r.tolerance)},
              {"sweeps",
               json{{"min", r.sweeps.min}, {"mean", number(r.sweeps.mean)}, {"max", r.sweeps.max}}},
              {"block_sweeps", r.block_sweeps},
              {"verifications", r.verifications},
              {"failed_verifications", r.failed_verifications},
              {"omega", number(r.omega)},
              {"omega_auto", r.omega_auto},
              {"threads", r.threads},
              {"blocks", r.blocks},
              {"setup_seconds", number(r.setup_seconds)},
              {"solve_seconds", number(r.solve_seconds)},
              {"cancel_latency_seconds", number(r.cancel_latency_seconds)},
              {"max_cancel_latency_seconds", number(r.max_cancel_latency_seconds)},
              {"fallback", r.fallback_used ? json(r.fallback) : json(nullptr)},
              {"error", r.error.empty() ? json(nullptr) : json(r.error)}};
}

json pairs_json(const std::vector<std::pair<double, double>>& v) {
  json a = json::array();
  for (const auto& [t, value] : v) a.push_back(json::array({number(t), number(value)}));
  return a;
}

}  // namespace

run_record::run_record(int id, run_info info) : id_(id), info_(std::move(info)) {}

bool run_record::add(const std::optional<progress>& p, const std::optional<block_progress>& blocks,
                     const solve_report* final_report) {
  if (report_) return false;  // the final state is kept as it is
  bool changed = false;
  if (p && (!progress_ || p->elapsed_seconds != progress_->elapsed_seconds ||
            p->verifications != progress_->verifications || p->omega != progress_->omega)) {
    changed = true;
    if (omegas_.empty() || omegas_.back().second != p->omega) {
      omegas_.emplace_back(omegas_.empty() ? 0.0 : p->elapsed_seconds, p->omega);
    }
    if (p->verifications > verifications_seen_) {
      verifications_seen_ = p->verifications;
      verified_.emplace_back(p->last_verified_seconds, p->last_verified_residual);
    }
    point pt{p->elapsed_seconds, p->provisional_residual, {}};
    if (blocks && blocks->provisional_residual.size() <= max_history_blocks) {
      pt.blocks = blocks->provisional_residual;
    }
    if (history_.empty() || pt.seconds > history_.back().seconds) {
      if (history_.size() >= history_limit) {
        // Every other point goes (the first stays; the newest is added next).
        std::size_t kept = 0;
        for (std::size_t k = 0; k < history_.size(); k += 2)
          history_[kept++] = std::move(history_[k]);
        history_.resize(kept);
      }
      history_.push_back(std::move(pt));
    }
    progress_ = p;
  }
  if (blocks && (!blocks_ || blocks->elapsed_seconds != blocks_->elapsed_seconds)) {
    blocks_ = blocks;
    changed = true;
  }
  if (final_report != nullptr) {
    report_ = *final_report;
    // The report's history keeps every verification (thinning never drops one): the complete list.
    verified_.clear();
    for (const history_point& h : report_->history) {
      if (!std::isnan(h.verified_residual)) verified_.emplace_back(h.seconds, h.verified_residual);
    }
    report_->history.clear();  // the page needs none of the rest; free it
    report_->provisional.clear();
    changed = true;
  }
  return changed;
}

std::string run_record::status() const {
  if (report_) return std::string(to_string(report_->reason));
  if (progress_) return "running";
  return detached_ ? "detached" : "preparing";
}

std::string run_record::message(bool with_history, const std::string& title, bool finished) const {
  json m{{"title", title},
         {"run", id_},
         {"label", info_.label},
         {"method", info_.method},
         {"threads", info_.threads},
         {"tolerance", number(info_.tolerance)},
         {"max_sweeps", info_.max_sweeps},
         {"status", status()},
         {"ended", ended()},
         {"finished", finished},
         {"progress", progress_ ? progress_json(*progress_) : json(nullptr)},
         {"blocks", blocks_ ? blocks_json(*blocks_) : json(nullptr)},
         {"verified", pairs_json(verified_)},
         {"omega_changes", pairs_json(omegas_)},
         {"report", report_ ? report_json(*report_) : json(nullptr)}};
  if (with_history) {
    json h = json::array();
    for (const point& pt : history_) {
      json blocks = json::array();
      for (const double r : pt.blocks) blocks.push_back(number(r));
      h.push_back(json::array({number(pt.seconds), number(pt.estimate), std::move(blocks)}));
    }
    m["history"] = std::move(h);
  }
  return m.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string run_record::waiting_message(const std::string& title, bool finished) {
  const json m{{"title", title},
               {"run", nullptr},
               {"status", "waiting"},
               {"ended", false},
               {"finished", finished}};
  return m.dump(-1, ' ', false, json::error_handler_t::replace);
}

run_info describe_run(const solver_options& options, std::string label) {
  run_info info;
  info.label = std::move(label);
  info.method = std::string(to_string(options.method));
  info.threads = options.threads;
  info.tolerance = options.stop.tolerance;
  info.max_sweeps = options.stop.max_sweeps;
  return info;
}

}  // namespace asor::web
