// omega = auto against the best omega of a grid, per matrix: sequential SOR (the engine under
// auto, which adapts omega during the solve, and the estimate's omega held fixed) and
// asynchronous SOR on T threads (the engine under auto, with its back-off, and each grid omega).
// One JSON line per matrix; bench/omega_report.py turns them into the table of
// docs/performance.md.
//
//   build/bench/bin/bench_omega [--tol 1e-8] [--cap 400000] [--threads 2] [--no-sor] [--no-fixed]
//       [--no-async] [--no-grid] [--time-limit 20] [--async-time-limit 20] [--patience 3]
//       [--grid-budget 60]
//       [--json out.jsonl] MATRIX...
//   MATRIX: a Matrix Market file, poisson2d:M or poisson3d:M
//
// The fixed-omega sequential runs are driven here, sweep by sweep, by the engine's kernel and
// stopping rule (a provisional residual <= tol is checked by the true residual): their sweep
// counts are deterministic and equal the engine's. Every run has a time limit (--time-limit for
// sequential runs, --async-time-limit for asynchronous ones) and every grid search a budget
// (--grid-budget seconds in all; a search cut by it says "complete": false): the machine is
// shared, and a run cut by its limit is reported as "more than its sweeps", not converged.
//
// The grid (1.0 .. 1.95 step 0.05, 1.97, 1.98, 1.99, 1.995, 1.998, 1.999) is run from the top
// down, each omega capped at the fewest sweeps found so far, starting from auto's sweeps (a run
// that does not beat the best within the best's sweeps cannot be the best; when no grid omega
// beats auto, the grid best is reported as "not better than auto"). The search stops after
// --patience omegas in a row that did not improve on the best once a grid omega has converged
// (sweeps against omega are unimodal on every matrix we looked at; 0 runs the whole grid).

#include <nlohmann/json.hpp>

#include <asor/asor.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace {

using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

double since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

struct problem {
  std::string name;
  asor::sparse_matrix A;
  std::vector<double> inv_diag;
  asor::csr_view view;
  asor::vector b;
};

void load(problem& p, const std::string& spec) {
  asor::sparse_matrix M;
  if (spec.rfind("poisson2d:", 0) == 0) {
    M = asor::poisson2d(std::stoi(spec.substr(10)));
    p.name = "poisson2d_" + spec.substr(10);
  } else if (spec.rfind("poisson3d:", 0) == 0) {
    M = asor::poisson3d(std::stoi(spec.substr(10)));
    p.name = "poisson3d_" + spec.substr(10);
  } else {
    M = asor::io::read_matrix(spec);
    p.name = spec.substr(spec.find_last_of('/') + 1);
  }
  p.A.swap(M);
  p.A.makeCompressed();
  p.inv_diag = asor::inverse_diagonal(p.A);
  p.view = asor::view_of(p.A, p.inv_diag);
  p.b = p.A * asor::vector::Ones(p.A.rows());
}

struct run_result {
  double omega = 0;  // the omega at the end
  std::int64_t sweeps = 0;
  bool converged = false;
  double seconds = 0;
  bool timed_out = false;
  double setup_seconds = 0;  // engine runs: the preparation (the estimate under auto)
  std::vector<asor::omega_update> changes;
};

/// Sequential SOR at a fixed omega from x = 0 to tol, cap sweeps or the time limit.
run_result sequential(const problem& p, double omega, std::int64_t cap, double tol,
                      double time_limit) {
  run_result r;
  const int n = p.view.rows;
  asor::vector x = asor::vector::Zero(n);
  const double bnorm = p.b.norm();
  const double w = omega;
  const auto t0 = clock_type::now();
  for (std::int64_t k = 1; k <= cap; ++k) {
    if (k % 16 == 0 && since(t0) > time_limit) {
      r.timed_out = true;
      break;
    }
    const double sq = asor::sor_sweep(p.view, p.b.data(), asor::plain_access{x.data()}, 0, n, w,
                                      asor::sweep_direction::forward)
                          .residual_sq;
    r.sweeps = k;
    const double estimate = std::sqrt(sq) / bnorm;
    if (!std::isfinite(estimate)) break;
    if (estimate <= tol) {
      const double truth = asor::residual_norm(p.view, {p.b.data(), static_cast<std::size_t>(n)},
                                               {x.data(), static_cast<std::size_t>(n)}) /
                           bnorm;
      if (truth <= tol) {
        r.converged = true;
        break;
      }
    }
  }
  r.seconds = since(t0);
  r.omega = w;
  return r;
}

/// A solve through the engine from x = 0 (omega nullopt = auto: estimated, then adapted).
run_result engine_run(const problem& p, asor::method m, std::optional<double> omega, int threads,
                      std::int64_t cap, double tol, double time_limit) {
  asor::solver_options o;
  o.method = m;
  o.threads = threads;
  o.omega = omega;
  o.stop.tolerance = tol;
  o.stop.max_sweeps = cap;
  o.stop.time_limit_seconds = time_limit;
  asor::engine e(p.view, o);
  asor::vector x = asor::vector::Zero(p.A.rows());
  const auto t0 = clock_type::now();
  const asor::solve_report rep = e.solve({p.b.data(), static_cast<std::size_t>(p.b.size())},
                                         {x.data(), static_cast<std::size_t>(x.size())});
  run_result r;
  r.seconds = since(t0);  // setup (estimate, ordering, partition) and solve
  r.setup_seconds = rep.setup_seconds;
  r.omega = rep.omega;
  r.sweeps = rep.sweeps.min;
  r.converged = rep.converged();
  r.timed_out = rep.reason == asor::stop_reason::time_limit;
  r.changes = rep.omega_history;
  return r;
}

json to_json(const run_result& r) {
  json j = {{"omega", r.omega},     {"sweeps", r.sweeps},       {"converged", r.converged},
            {"seconds", r.seconds}, {"timed_out", r.timed_out}, {"setup_seconds", r.setup_seconds}};
  if (!r.changes.empty()) {
    json c = json::array();
    for (const auto& ch : r.changes) {
      c.push_back({{"sweep", ch.sweep}, {"from", ch.from}, {"to", ch.to}, {"why", ch.why}});
    }
    j["changes"] = c;
  }
  return j;
}

std::vector<double> grid() {
  std::vector<double> g;
  for (int i = 0; i <= 19; ++i) g.push_back(1.0 + 0.05 * i);
  for (const double w : {1.97, 1.98, 1.99, 1.995, 1.998, 1.999}) g.push_back(w);
  return g;
}

/// The grid from the top down, each run capped at the best so far (first: \p cap, auto's sweeps
/// when auto converged); stops after \p patience runs in a row without a new best once one
/// converged (0: never).
/// Stops too when the search has run for \p budget seconds (then "complete" is false).
json grid_search(const std::vector<double>& omegas, std::int64_t cap, int patience, double budget,
                 const std::function<run_result(double, std::int64_t)>& run) {
  json rows = json::array();
  std::int64_t best = cap;
  json best_row = nullptr;
  int since_best = 0;
  bool complete = true;
  const auto t0 = clock_type::now();
  for (auto it = omegas.rbegin(); it != omegas.rend(); ++it) {
    // Patience counts once a grid omega converged (before, a capped run may lie on either side
    // of the best omega).
    if (patience > 0 && !best_row.is_null() && since_best >= patience) break;
    if (since(t0) > budget) {
      complete = false;
      break;
    }
    const run_result r = run(*it, best);
    json row = to_json(r);
    row["omega"] = *it;
    row["cap"] = best;
    ++since_best;
    if (r.converged && (best_row.is_null() || r.sweeps <= best)) {
      best = r.sweeps;
      best_row = row;
      since_best = 0;
    }
    rows.push_back(row);
    std::fprintf(stderr, "  omega %.3f: %s %lld sweeps (cap %lld), %.3f s\n", *it,
                 r.converged ? "converged" : "not converged", static_cast<long long>(r.sweeps),
                 static_cast<long long>(row["cap"].get<std::int64_t>()), r.seconds);
  }
  return {{"runs", rows}, {"best", best_row}, {"first_cap", cap}, {"complete", complete}};
}

}  // namespace

int main(int argc, char** argv) try {
  double tol = 1e-8;
  std::int64_t cap = 400000;
  int threads = 2;
  bool do_sor = true;
  bool do_fixed = true;
  bool do_async = true;
  bool do_grid = true;
  double async_time_limit = 20.0;
  double time_limit = 20.0;
  int patience = 3;
  double grid_budget = 60.0;
  std::string json_path;
  std::vector<std::string> specs;
  for (int k = 1; k < argc; ++k) {
    const std::string a = argv[k];
    const auto value = [&]() -> std::string {
      if (k + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++k];
    };
    if (a == "--tol") {
      tol = std::stod(value());
    } else if (a == "--cap") {
      cap = std::stoll(value());
    } else if (a == "--threads") {
      threads = std::stoi(value());
    } else if (a == "--no-async") {
      do_async = false;
    } else if (a == "--no-sor") {
      do_sor = false;
    } else if (a == "--no-fixed") {
      do_fixed = false;
    } else if (a == "--no-grid") {
      do_grid = false;
    } else if (a == "--time-limit") {
      time_limit = std::stod(value());
    } else if (a == "--grid-budget") {
      grid_budget = std::stod(value());
    } else if (a == "--patience") {
      patience = std::stoi(value());
    } else if (a == "--async-time-limit") {
      async_time_limit = std::stod(value());
    } else if (a == "--json") {
      json_path = value();
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    } else {
      specs.push_back(a);
    }
  }
  std::ofstream out;
  if (!json_path.empty()) out.open(json_path, std::ios::app);
  for (const std::string& spec : specs) {
    problem p;
    load(p, spec);
    std::fprintf(stderr, "%s: n = %d, nnz = %lld\n", p.name.c_str(), p.view.rows,
                 static_cast<long long>(p.view.nnz()));
    json j = {{"matrix", p.name}, {"n", p.view.rows}, {"nnz", p.view.nnz()},
              {"tol", tol},       {"cap", cap},       {"threads", threads}};

    // The estimate and the rules, timed (one thread for the sequential solves' setup).
    asor::spectral_options so;
    so.tolerance = tol;
    const asor::omega_estimate est = asor::estimate_omega(p.view, so);
    const asor::omega_choice sor =
        asor::choose_omega(est, asor::method::sor, asor::sweep_direction::forward, 1);
    const asor::omega_choice par =
        asor::choose_omega(est, asor::method::async, asor::sweep_direction::forward, threads);
    j["estimate"] = {
        {"lambda_min", est.lambda_min},   {"lambda_min_error", est.lambda_min_error},
        {"lambda_max", est.lambda_max},   {"lambda_max_error", est.lambda_max_error},
        {"converged", est.converged},     {"consistently_ordered", est.consistently_ordered},
        {"steps", est.lanczos_steps},     {"cost_sweeps", est.cost_sweeps},
        {"seconds", est.seconds},         {"omega_sor", sor.omega},
        {"omega_sor_max", sor.omega_max}, {"omega_parallel", par.omega}};
    std::fprintf(
        stderr,
        "  estimate: lambda_min %.4e (error %.2e), lambda_max %.5f, %d steps, %.1f sweeps, "
        "%.3f s; omega sor %.6f, parallel %.6f\n",
        est.lambda_min, est.lambda_min_error, est.lambda_max, est.lanczos_steps, est.cost_sweeps,
        est.seconds, sor.omega, par.omega);

    // Sequential SOR: the engine under auto (estimate + adaptation), then the estimate's omega
    // held fixed, then the grid.
    const auto cap_of = [&](const run_result& r) { return r.converged ? r.sweeps : cap; };
    if (do_sor) {
      const run_result adaptive =
          engine_run(p, asor::method::sor, std::nullopt, 1, cap, tol, time_limit);
      std::fprintf(stderr,
                   "  sor auto (engine): %s %lld sweeps (%.5f -> %.5f, %zu changes), %.3f s\n",
                   adaptive.converged ? "converged" : "not converged",
                   static_cast<long long>(adaptive.sweeps), sor.omega, adaptive.omega,
                   adaptive.changes.size(), adaptive.seconds);
      j["sor"] = {{"adaptive", to_json(adaptive)}};
      if (do_fixed) {
        const run_result fixed = sequential(p, sor.omega, cap, tol, time_limit);
        std::fprintf(stderr, "  sor auto, omega held at %.5f: %s %lld sweeps, %.3f s\n", sor.omega,
                     fixed.converged ? "converged" : "not converged",
                     static_cast<long long>(fixed.sweeps), fixed.seconds);
        j["sor"]["auto_fixed"] = to_json(fixed);
      }
      if (do_grid) {
        j["sor"]["grid"] = grid_search(
            grid(), cap_of(adaptive), patience, grid_budget,
            [&](double w, std::int64_t c) { return sequential(p, w, c, tol, time_limit); });
      }
    }
    if (do_async) {
      const run_result a =
          engine_run(p, asor::method::async, std::nullopt, threads, cap, tol, async_time_limit);
      std::fprintf(stderr, "  async auto (%.5f, %zu changes): %s %lld sweeps, %.3f s\n", a.omega,
                   a.changes.size(), a.converged ? "converged" : "not converged",
                   static_cast<long long>(a.sweeps), a.seconds);
      j["async"] = {{"auto", to_json(a)}};
      if (do_grid) {
        j["async"]["grid"] =
            grid_search(grid(), cap_of(a), patience, grid_budget, [&](double w, std::int64_t c) {
              return engine_run(p, asor::method::async, w, threads, c, tol, async_time_limit);
            });
      }
    }
    if (out.is_open()) {
      out << j.dump() << "\n";
      out.flush();
    } else {
      std::printf("%s\n", j.dump().c_str());
    }
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_omega: %s\n", e.what());
  return 1;
}
