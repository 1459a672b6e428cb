/// \file json_report.cpp
/// \brief The `asor.solve/1` document and JSON output (see json_report.hpp, docs/cli.md).

#include "cli/json_report.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "cli/common.hpp"

namespace asor::cli {

namespace {

/// \returns the shortest text that reads back as \p v ("1", "0.5", "4.97e-09"); null when
/// \p v is not finite (JSON has no NaN or Inf).
std::string number_text(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  std::string text(buf, res.ptr);
  // Keep the type visible: a double always reads back as a double ("1.0", not "1").
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

/// \returns the JSON text of a scalar (string, integer, boolean, null) as nlohmann writes it;
/// bytes that are not valid UTF-8 (a file name in another encoding) become U+FFFD, not an error.
std::string scalar_text(const json& v) {
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

void pretty(std::string& out, const json& v, int indent) {
  const auto pad = [&](int level) { out.append(static_cast<std::size_t>(level) * 2, ' '); };
  if (v.is_object()) {
    if (v.empty()) {
      out += "{}";
      return;
    }
    out += "{\n";
    bool first = true;
    for (const auto& [key, value] : v.items()) {
      if (!first) out += ",\n";
      first = false;
      pad(indent + 1);
      out += scalar_text(json(key));
      out += ": ";
      pretty(out, value, indent + 1);
    }
    out += "\n";
    pad(indent);
    out += "}";
    return;
  }
  if (v.is_array()) {
    if (v.empty()) {
      out += "[]";
      return;
    }
    // Arrays of scalars (curves) stay on one line.
    bool scalars = true;
    for (const auto& e : v) scalars = scalars && !e.is_object() && !e.is_array();
    bool first = true;
    if (scalars) {
      out += '[';
      for (const auto& e : v) {
        if (!first) out += ", ";
        first = false;
        pretty(out, e, indent + 1);
      }
      out += ']';
      return;
    }
    out += "[\n";
    for (const auto& e : v) {
      if (!first) out += ",\n";
      first = false;
      pad(indent + 1);
      pretty(out, e, indent + 1);
    }
    out += "\n";
    pad(indent);
    out += "]";
    return;
  }
  if (v.is_number_float()) {
    out += number_text(v.get<double>());
    return;
  }
  out += scalar_text(v);
}

}  // namespace

json number_or_null(double v) {
  if (!std::isfinite(v)) return nullptr;
  return v;
}

std::string pretty_json(const json& v) {
  std::string out;
  pretty(out, v, 0);
  out += '\n';
  return out;
}

void write_json(const json& v, const output_file& out) {
  const std::string text = pretty_json(v);
  out.write([&](std::FILE* f, const std::string& name) {
    if (std::fwrite(text.data(), 1, text.size(), f) != text.size()) {
      throw output_error(name + ": cannot write: " + std::strerror(errno));
    }
  });
}

std::string stop_sentence(const solve_report& r, std::int64_t max_sweeps, double time_limit) {
  const std::string true_res =
      "; true residual " + sci(r.relative_residual) + " > tol " + sci(r.tolerance, 0);
  switch (r.reason) {
    case stop_reason::converged:
      return "verified: true residual " + sci(r.relative_residual) + " <= tol " +
             sci(r.tolerance, 0);
    case stop_reason::max_sweeps:
      return "sweep budget of " + std::to_string(max_sweeps) + " sweeps used up" + true_res;
    case stop_reason::time_limit:
      return "time limit of " + duration(time_limit) + " reached" + true_res;
    case stop_reason::diverged:
      return "the residual estimate diverged: non-finite, or growing over a window" + true_res;
    case stop_reason::stagnated:
      return "no progress over the stagnation window" + true_res;
    case stop_reason::user_stop:
      return "stopped by a progress observer" + true_res;
    case stop_reason::cancelled:
      return "cancelled by an interrupt" + true_res;
    case stop_reason::failed:
      return "failed: " + r.error;
    case stop_reason::none:
      break;
  }
  return "did not run";
}

json solve_json(const solve_outcome& o) {
  const solve_report& r = o.report;
  json j = json::object();
  j["schema"] = "asor.solve/1";
  j["status"] = std::string(to_string(r.reason));
  j["stop_reason"] = stop_sentence(r, o.max_sweeps, o.time_limit);
  j["converged"] = r.converged();
  j["matrix"] = o.matrix_path;
  j["rhs"] = o.rhs_path.empty() ? json("A*ones") : json(o.rhs_path);
  j["method"] = std::string(to_string(r.method));
  j["direction"] = std::string(to_string(r.direction));
  j["n"] = o.n;
  j["nnz"] = o.nnz;
  j["threads"] = r.threads;
  j["blocks"] = r.blocks;
  j["local_sweeps"] = o.local_sweeps;
  j["pipeline_sweeps"] = r.pipeline_sweeps;
  j["l1"] = r.l1;
  j["ordering"] = std::string(to_string(r.ordering));
  j["omega"] = number_or_null(r.omega);
  j["omega_auto"] = r.omega_auto;
  j["estimated_jacobi_rho"] = number_or_null(r.estimated_jacobi_rho);
  j["tolerance"] = r.tolerance;
  j["max_sweeps"] = o.max_sweeps;
  j["time_limit_seconds"] = number_or_null(o.time_limit);
  j["sweeps"] = json{{"min", r.sweeps.min}, {"mean", r.sweeps.mean}, {"max", r.sweeps.max}};
  j["relative_residual"] = number_or_null(r.relative_residual);
  j["provisional_residual"] = number_or_null(r.provisional_residual);
  j["verifications"] = r.verifications;
  j["failed_verifications"] = r.failed_verifications;
  j["provisional_results"] = r.provisional_results;
  j["provisional_results_dropped"] = r.provisional_results_dropped;
  j["setup_seconds"] = number_or_null(r.setup_seconds);
  j["solve_seconds"] = number_or_null(r.solve_seconds);
  j["cancel_latency_seconds"] = number_or_null(r.cancel_latency_seconds);
  j["max_cancel_latency_seconds"] = number_or_null(r.max_cancel_latency_seconds);
  if (o.reference) {
    j["reference"] =
        json{{"solver", std::string(to_string(o.reference->reference.solver))},
             {"seconds", number_or_null(o.reference->reference.seconds)},
             {"factor_seconds", number_or_null(o.reference->reference.factor_seconds)},
             {"solve_seconds", number_or_null(o.reference->reference.solve_seconds)},
             {"relative_error", number_or_null(o.reference->relative_error)},
             {"relative_residual", number_or_null(o.reference->reference.relative_residual)},
             {"error", nullptr}};
  } else if (!o.reference_name.empty()) {
    j["reference"] = json{{"solver", o.reference_name},  {"seconds", nullptr},
                          {"factor_seconds", nullptr},   {"solve_seconds", nullptr},
                          {"relative_error", nullptr},   {"relative_residual", nullptr},
                          {"error", o.reference_failure}};
  } else {
    j["reference"] = nullptr;
  }
  j["error_vs_ones"] = o.error_vs_ones ? number_or_null(*o.error_vs_ones) : json(nullptr);
  j["fallback"] = r.fallback_used ? json(r.fallback) : json(nullptr);
  j["x_out"] = o.x_out.empty() ? json(nullptr) : json(o.x_out);
  j["history_out"] = o.history_out.empty() ? json(nullptr) : json(o.history_out);
  return j;
}

}  // namespace asor::cli
