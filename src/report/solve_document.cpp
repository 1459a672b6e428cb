/// \file solve_document.cpp
/// \brief The `asor.solve/1` document (see solve_document.hpp, docs/cli.md).

#include "report/solve_document.hpp"

#include "report/text.hpp"

namespace asor::reporting {

std::string stop_sentence(const solve_report& r, std::int64_t max_sweeps, double time_limit,
                          std::string_view cancelled_by) {
  // A stop that is not a convergence may still leave an x within the tolerance (a cancel or a
  // callback's stop that came once x was there; the driver reports a budget that ends there as
  // converged): the sentence says which side the true residual is on.
  const std::string true_res = "; true residual " + sci(r.relative_residual) +
                               (r.relative_residual <= r.tolerance ? " <= tol " : " > tol ") +
                               sci(r.tolerance, 0);
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
      return "cancelled by " + std::string(cancelled_by) + true_res;
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
  j["stop_reason"] = stop_sentence(r, o.max_sweeps, o.time_limit, o.cancelled_by);
  j["converged"] = r.converged();
  j["matrix"] = o.in_memory ? json(nullptr) : json(o.matrix_path);
  j["rhs"] = o.in_memory ? json(nullptr) : o.rhs_path.empty() ? json("A*ones") : json(o.rhs_path);
  j["method"] = std::string(to_string(r.method));
  j["direction"] = std::string(to_string(r.direction));
  j["n"] = o.n;
  j["nnz"] = o.nnz;
  j["threads"] = r.threads;
  j["ranks"] = r.ranks;
  j["blocks"] = r.blocks;
  j["local_sweeps"] = o.local_sweeps;
  j["pipeline_sweeps"] = r.pipeline_sweeps;
  j["l1"] = r.l1;
  j["halo_diagonal"] = r.ranks > 1 ? json(r.halo_l1 ? "l1" : "plain") : json(nullptr);
  j["ordering"] = std::string(to_string(r.ordering));
  j["omega"] = number_or_null(r.omega);
  j["omega_auto"] = r.omega_auto;
  j["initial_omega"] = number_or_null(r.initial_omega);
  json changes = json::array();
  for (const auto& c : r.omega_history) {
    changes.push_back(json{{"sweep", c.sweep},
                           {"from", c.from},
                           {"to", c.to},
                           {"factor", number_or_null(c.factor)},
                           {"why", c.why}});
  }
  j["omega_history"] = changes;
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
  j["distribution"] = o.distribution.is_object() ? o.distribution : json(nullptr);
  return j;
}

}  // namespace asor::reporting
