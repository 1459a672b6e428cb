/// \file compare.cpp
/// \brief `asor compare A --methods ... --threads 1,2,4 [--repeat R] [--json F] [--plot F.pdf]`:
/// every method at every thread count on one system, side by side, with the spread of the
/// repeats beside every median.

#include <spdlog/spdlog.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <memory>
#include <numeric>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "asor/config.hpp"
#include "asor/engine.hpp"
#include "asor/io/errors.hpp"
#include "asor/matrix.hpp"
#include "asor/reference.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/json_report.hpp"
#include "cli/output.hpp"
#include "cli/plot.hpp"
#include "cli/processes.hpp"
#include "cli/progress_line.hpp"
#include "cli/serve.hpp"
#if ASOR_HAVE_MPI
#include "cli/mpi/session.hpp"
#endif

namespace asor::cli {

namespace {

/// \brief Points kept per residual curve in the report (the plot needs no more).
constexpr std::size_t curve_points = 400;
/// \brief Most provisional results an asynchronous run may record for its curve (40 MB).
constexpr std::int64_t max_recorded = std::int64_t{1} << 20;

/// \brief The flags of `asor compare`.
struct compare_args {
  std::string matrix;
  std::string rhs;
  input_flags input;
  std::vector<std::string> methods{"async", "block-jacobi", "multicolor", "sor"};
  std::vector<int> threads;
  int repeat = 3;
  solver_flags solver;
  std::string reference = "ldlt";
  std::string json;
  std::string plot;
  std::string partition = "nnz";  ///< under mpirun: how rows are split over the ranks
  std::string slow_rank;          ///< under mpirun: RANK:FACTOR, a slow rank (benchmarks)
  bool progress_on = false;
  bool progress_off = false;
  bool quiet = false;
  serve_flags serve;
};

/// \brief A residual curve: the estimate over time, and the verified true residuals.
struct curve {
  std::vector<double> seconds;
  std::vector<double> residual;
  std::vector<double> verified_seconds;
  std::vector<double> verified_residual;
};

/// \brief One solve of a configuration: its report (provisional records dropped) and its curve.
struct run_record {
  solve_report report;
  curve trace;
};

/// \brief One method at one thread count, run `repeat` times.
struct configuration {
  method m = method::async;
  int threads = 1;
  bool sequential = false;
  bool baseline_only = false;  ///< sequential SOR added as the speedup baseline
  std::vector<run_record> runs;

  [[nodiscard]] int converged() const {
    return static_cast<int>(std::count_if(
        runs.begin(), runs.end(), [](const run_record& r) { return r.report.converged(); }));
  }
  [[nodiscard]] bool all_converged() const {
    return !runs.empty() && converged() == static_cast<int>(runs.size());
  }
  /// \returns the index of the run with the median solve time.
  [[nodiscard]] std::size_t median_run() const {
    std::vector<std::size_t> idx(runs.size());
    std::iota(idx.begin(), idx.end(), std::size_t{0});
    std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
      return runs[a].report.solve_seconds < runs[b].report.solve_seconds;
    });
    return idx[(idx.size() - 1) / 2];
  }
};

/// \brief Median, smallest and largest of a set of measurements (NaN when empty).
struct spread {
  double median = std::nan("");
  double min = std::nan("");
  double max = std::nan("");
};

spread spread_of(std::vector<double> v) {
  spread s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  const std::size_t h = v.size() / 2;
  s.median = v.size() % 2 == 1 ? v[h] : 0.5 * (v[h - 1] + v[h]);
  s.min = v.front();
  s.max = v.back();
  return s;
}

template <class F>
spread spread_over(const configuration& c, F&& field) {
  std::vector<double> v;
  v.reserve(c.runs.size());
  for (const auto& r : c.runs) v.push_back(field(r.report));
  return spread_of(std::move(v));
}

/// \brief The direct solve the comparison is measured against.
struct direct_result {
  reference_solver solver = reference_solver::ldlt;
  spread total;     ///< everything: copy to column storage, factorization, solve
  spread factor;    ///< the factorization
  spread solution;  ///< the triangular solves with the factor at hand
  double relative_residual = 0;
  int runs = 0;
};

std::string label(method m) { return std::string(to_string(m)); }

/// \returns the curve of \p r: every provisional result of an asynchronous solve (its global
/// estimate right after it), else the history; at most curve_points points, the last kept.
curve curve_of(const solve_report& r) {
  std::vector<std::pair<double, double>> points;
  if (!r.provisional.empty()) {
    points.reserve(r.provisional.size());
    for (const auto& p : r.provisional) {
      points.emplace_back(p.result.seconds, p.global_provisional_residual);
    }
  } else {
    points.reserve(r.history.size());
    for (const auto& h : r.history) points.emplace_back(h.seconds, h.provisional_residual);
  }
  std::erase_if(points, [](const auto& p) { return !(std::isfinite(p.second) && p.second > 0); });
  curve c;
  const std::size_t n = points.size();
  const std::size_t stride = n > curve_points ? (n + curve_points - 1) / curve_points : 1;
  for (std::size_t i = 0; i < n; ++i) {
    if (i % stride == 0 || i + 1 == n) {
      c.seconds.push_back(points[i].first);
      c.residual.push_back(points[i].second);
    }
  }
  for (const auto& h : r.history) {
    if (std::isfinite(h.verified_residual)) {
      c.verified_seconds.push_back(h.seconds);
      c.verified_residual.push_back(h.verified_residual);
    }
  }
  return c;
}

json numbers(const std::vector<double>& v) {
  json a = json::array();
  for (const double x : v) a.push_back(json(x));
  return a;
}

json curve_json(const curve& c) {
  return json{{"seconds", numbers(c.seconds)},
              {"provisional_residual", numbers(c.residual)},
              {"verified_seconds", numbers(c.verified_seconds)},
              {"verified_residual", numbers(c.verified_residual)}};
}

/// \returns "2", or "4x2" (ranks x threads) under mpirun.
std::string threads_label(int threads) {
  const int ranks = world().size;
  return ranks > 1 ? std::to_string(ranks) + "x" + std::to_string(threads)
                   : std::to_string(threads);
}

json run_json(const configuration& c, std::size_t i) {
  const solve_report& r = c.runs[i].report;
  return json{
      {"method", label(c.m)},
      {"threads", r.threads},
      {"ranks", r.ranks},
      {"repeat", static_cast<std::int64_t>(i)},
      {"status", std::string(to_string(r.reason))},
      {"converged", r.converged()},
      {"blocks", r.blocks},
      {"ordering", std::string(to_string(r.ordering))},
      {"omega", number_or_null(r.omega)},
      {"sweeps", json{{"min", r.sweeps.min}, {"mean", r.sweeps.mean}, {"max", r.sweeps.max}}},
      {"relative_residual", number_or_null(r.relative_residual)},
      {"provisional_residual", number_or_null(r.provisional_residual)},
      {"verifications", r.verifications},
      {"setup_seconds", number_or_null(r.setup_seconds)},
      {"solve_seconds", number_or_null(r.solve_seconds)},
      {"cancel_latency_seconds", number_or_null(r.cancel_latency_seconds)}};
}

/// \brief Everything the tables, the JSON and the plot show about one configuration.
struct summary_row {
  const configuration* c = nullptr;
  spread time;      ///< solve_seconds
  spread setup;     ///< setup_seconds
  spread total;     ///< setup + solve, run by run
  spread sweeps;    ///< the mean over blocks
  spread residual;  ///< the true relative residual
  std::optional<double> vs_sor;
  std::optional<double> vs_direct_solve;       ///< direct solve phase / solve time
  std::optional<double> vs_direct_with_setup;  ///< direct total / (setup + solve)
  std::optional<double> vs_one_thread;         ///< the same method at 1 thread / this
};

std::vector<summary_row> summarize(const std::vector<configuration>& configs,
                                   const std::optional<direct_result>& direct) {
  std::vector<summary_row> rows;
  const configuration* sor = nullptr;
  for (const auto& c : configs) {
    if (c.m == method::sor && c.threads == 1) sor = &c;
  }
  const double sor_time =
      sor != nullptr && sor->all_converged()
          ? spread_over(*sor, [](const solve_report& r) { return r.solve_seconds; }).median
          : std::nan("");
  for (const auto& c : configs) {
    summary_row s;
    s.c = &c;
    s.time = spread_over(c, [](const solve_report& r) { return r.solve_seconds; });
    s.setup = spread_over(c, [](const solve_report& r) { return r.setup_seconds; });
    s.total =
        spread_over(c, [](const solve_report& r) { return r.setup_seconds + r.solve_seconds; });
    s.sweeps = spread_over(c, [](const solve_report& r) { return r.sweeps.mean; });
    s.residual = spread_over(c, [](const solve_report& r) { return r.relative_residual; });
    if (c.all_converged() && s.time.median > 0) {
      if (std::isfinite(sor_time)) s.vs_sor = sor_time / s.time.median;
      if (direct) {
        s.vs_direct_solve = direct->solution.median / s.time.median;
        s.vs_direct_with_setup = direct->total.median / s.total.median;
      }
    }
    rows.push_back(s);
  }
  // Parallel speedup: the same method's 1-thread median over this one.
  for (auto& s : rows) {
    if (!s.c->all_converged() || !(s.time.median > 0)) continue;
    for (const auto& one : rows) {
      if (one.c->m == s.c->m && one.c->threads == 1 && one.c->all_converged()) {
        s.vs_one_thread = one.time.median / s.time.median;
      }
    }
  }
  return rows;
}

json optional_json(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

json compare_json(const compare_args& a, const loaded_system& sys,
                  const std::vector<configuration>& configs, const std::vector<summary_row>& rows,
                  const std::optional<direct_result>& direct, const solver_options& options,
                  const std::vector<int>& threads) {
  json j = json::object();
  j["schema"] = "asor.compare/2";
  j["matrix"] = a.matrix;
  j["rhs"] = a.rhs.empty() ? json("A*ones") : json(a.rhs);
  j["n"] = static_cast<std::int64_t>(sys.A.rows());
  j["nnz"] = static_cast<std::int64_t>(sys.A.nonZeros());
  j["tolerance"] = options.stop.tolerance;
  j["omega"] = options.omega ? json(*options.omega) : json("auto");
  j["max_sweeps"] = options.stop.max_sweeps;
  j["time_limit_seconds"] = number_or_null(options.stop.time_limit_seconds);
  j["repeat"] = a.repeat;
  j["available_cores"] = available_cores();
  j["ranks"] = world().size;
  json m = json::array();
  for (const auto& s : a.methods) m.push_back(json(s));
  j["methods"] = std::move(m);
  json t = json::array();
  for (const int k : threads) t.push_back(json(k));
  j["thread_counts"] = std::move(t);
  if (direct) {
    j["direct"] = json{{"solver", std::string(to_string(direct->solver))},
                       {"median_seconds", number_or_null(direct->total.median)},
                       {"min_seconds", number_or_null(direct->total.min)},
                       {"max_seconds", number_or_null(direct->total.max)},
                       {"median_factor_seconds", number_or_null(direct->factor.median)},
                       {"min_factor_seconds", number_or_null(direct->factor.min)},
                       {"max_factor_seconds", number_or_null(direct->factor.max)},
                       {"median_solve_seconds", number_or_null(direct->solution.median)},
                       {"min_solve_seconds", number_or_null(direct->solution.min)},
                       {"max_solve_seconds", number_or_null(direct->solution.max)},
                       {"relative_residual", number_or_null(direct->relative_residual)},
                       {"runs", direct->runs}};
  } else {
    j["direct"] = nullptr;
  }
  json runs = json::array();
  for (const auto& c : configs) {
    for (std::size_t i = 0; i < c.runs.size(); ++i) runs.push_back(run_json(c, i));
  }
  j["runs"] = std::move(runs);
  json summary = json::array();
  for (const auto& s : rows) {
    const configuration& c = *s.c;
    summary.push_back(
        json{{"method", label(c.m)},
             {"threads", c.threads},
             {"sequential", c.sequential},
             {"baseline_only", c.baseline_only},
             {"runs", static_cast<std::int64_t>(c.runs.size())},
             {"converged_runs", c.converged()},
             {"median_solve_seconds", number_or_null(s.time.median)},
             {"min_solve_seconds", number_or_null(s.time.min)},
             {"max_solve_seconds", number_or_null(s.time.max)},
             {"median_setup_seconds", number_or_null(s.setup.median)},
             {"min_setup_seconds", number_or_null(s.setup.min)},
             {"max_setup_seconds", number_or_null(s.setup.max)},
             {"median_total_seconds", number_or_null(s.total.median)},
             {"min_total_seconds", number_or_null(s.total.min)},
             {"max_total_seconds", number_or_null(s.total.max)},
             {"median_sweeps", number_or_null(s.sweeps.median)},
             {"min_sweeps", number_or_null(s.sweeps.min)},
             {"max_sweeps", number_or_null(s.sweeps.max)},
             {"median_relative_residual", number_or_null(s.residual.median)},
             {"min_relative_residual", number_or_null(s.residual.min)},
             {"max_relative_residual", number_or_null(s.residual.max)},
             {"speedup_vs_sor", optional_json(s.vs_sor)},
             {"speedup_vs_direct_solve", optional_json(s.vs_direct_solve)},
             {"speedup_vs_direct_with_setup", optional_json(s.vs_direct_with_setup)},
             {"speedup_vs_one_thread", optional_json(s.vs_one_thread)},
             {"curve", c.runs.empty() ? json(nullptr) : curve_json(c.runs[c.median_run()].trace)}});
  }
  j["summary"] = std::move(summary);
  return j;
}

/// \returns "  (diverged x2, max_sweeps x1)" for the runs that did not converge, else "".
std::string stop_note(const configuration& c) {
  std::vector<std::pair<stop_reason, int>> counts;
  for (const auto& run : c.runs) {
    const solve_report& r = run.report;
    if (r.converged()) continue;
    auto it = std::find_if(counts.begin(), counts.end(),
                           [&](const auto& p) { return p.first == r.reason; });
    if (it == counts.end()) {
      counts.emplace_back(r.reason, 1);
    } else {
      ++it->second;
    }
  }
  if (counts.empty()) return {};
  std::string note = "  (";
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (i > 0) note += ", ";
    note += std::string(to_string(counts[i].first)) + " x" + std::to_string(counts[i].second);
  }
  return note + ")";
}

std::string ratio(const std::optional<double>& r) {
  if (!r) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fx", *r);
  return buf;
}

std::string fixed0(double v) {
  if (!std::isfinite(v)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

/// \returns the largest finite value of \p field over the rows (0 when none).
template <class F>
double largest(const std::vector<summary_row>& rows, F&& field) {
  double m = 0;
  for (const auto& s : rows) {
    const spread v = field(s);
    if (std::isfinite(v.max)) m = std::max(m, v.max);
  }
  return m;
}

void print_tables(const compare_args& a, const loaded_system& sys,
                  const std::vector<summary_row>& rows, const std::optional<direct_result>& direct,
                  const solver_options& options, const std::vector<int>& threads) {
  char omega[32] = "auto";
  if (options.omega) std::snprintf(omega, sizeof omega, "%.3f", *options.omega);
  const std::string repeats = std::to_string(a.repeat) + (a.repeat == 1 ? " repeat" : " repeats");
  std::printf("asor compare: %s  n=%lld  nnz=%lld  tol %s  omega %s  %s\n",
              base_name(a.matrix).c_str(), static_cast<long long>(sys.A.rows()),
              static_cast<long long>(sys.A.nonZeros()), sci(options.stop.tolerance, 0).c_str(),
              omega, repeats.c_str());
  if (direct) {
    const time_unit du = unit_for(std::max(direct->factor.max, direct->solution.max));
    const auto range = [&](const spread& s) {
      return in_unit(s.median, du) + " [" + in_unit(s.min, du, false) + ", " +
             in_unit(s.max, du, false) + "]";
    };
    std::printf(
        "direct solve (%s), median [min, max] of %d: factorization %s, solve %s; relative "
        "residual %s\n\n",
        std::string(to_string(direct->solver)).c_str(), direct->runs, range(direct->factor).c_str(),
        range(direct->solution).c_str(), sci(direct->relative_residual).c_str());
  } else {
    std::printf("direct solve: none (--reference none)\n\n");
  }

  // Names as shown: sequential thread counts marked *, the unasked SOR baseline +.
  bool any_sequential = false;
  bool any_baseline = false;
  bool any_unconverged = false;
  std::vector<std::string> names;
  std::vector<std::string> counts;
  for (const auto& s : rows) {
    const configuration& c = *s.c;
    names.push_back(label(c.m) + (c.baseline_only ? "+" : ""));
    counts.push_back(threads_label(c.threads) + (c.sequential ? "*" : ""));
    any_sequential = any_sequential || c.sequential;
    any_baseline = any_baseline || c.baseline_only;
    any_unconverged = any_unconverged || !c.all_converged();
  }

  // Table 1: times. One unit per column group, chosen by its largest value.
  const time_unit tu = unit_for(largest(rows, [](const summary_row& s) { return s.time; }));
  const time_unit su = unit_for(largest(rows, [](const summary_row& s) { return s.setup; }));
  const std::string solve_head = std::string("solve time [") + tu.name + "]";
  const std::string setup_head = std::string("setup [") + su.name + "]";
  std::printf("time, median and range over the repeats\n");
  std::printf("%-13s %7s %5s  %-26s  %-26s  %7s  %9s  %9s\n", "", "", "", solve_head.c_str(),
              setup_head.c_str(), "speedup", "speedup", "speedup");
  const char* count_head = world().distributed() ? "ranksxt" : "threads";
  std::printf("%-13s %7s %5s  %8s %8s %8s  %8s %8s %8s  %7s  %9s  %9s\n", "method", count_head,
              "conv", "median", "min", "max", "median", "min", "max", "vs SOR", "vs direct",
              "vs direct");
  std::printf("%-13s %7s %5s  %26s  %26s  %7s  %9s  %9s\n", "", "", "", "", "", "", "solve",
              "+setup");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const summary_row& s = rows[i];
    const configuration& c = *s.c;
    char conv[32];
    std::snprintf(conv, sizeof conv, "%d/%zu", c.converged(), c.runs.size());
    std::printf("%-13s %7s %5s  %8s %8s %8s  %8s %8s %8s  %7s  %9s  %9s\n", names[i].c_str(),
                counts[i].c_str(), conv, in_unit(s.time.median, tu, false).c_str(),
                in_unit(s.time.min, tu, false).c_str(), in_unit(s.time.max, tu, false).c_str(),
                in_unit(s.setup.median, su, false).c_str(), in_unit(s.setup.min, su, false).c_str(),
                in_unit(s.setup.max, su, false).c_str(), ratio(s.vs_sor).c_str(),
                ratio(s.vs_direct_solve).c_str(), ratio(s.vs_direct_with_setup).c_str());
  }

  // Table 2: convergence.
  std::printf("\nconvergence, median and range over the repeats\n");
  std::printf("%-13s %7s  %-20s  %-29s\n", "", "", "sweeps", "true residual");
  std::printf("%-13s %7s  %6s %6s %6s  %9s %9s %9s\n", "method", count_head, "median", "min", "max",
              "median", "min", "max");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const summary_row& s = rows[i];
    std::printf("%-13s %7s  %6s %6s %6s  %9s %9s %9s%s\n", names[i].c_str(), counts[i].c_str(),
                fixed0(s.sweeps.median).c_str(), fixed0(s.sweeps.min).c_str(),
                fixed0(s.sweeps.max).c_str(), sci(s.residual.median).c_str(),
                sci(s.residual.min).c_str(), sci(s.residual.max).c_str(), stop_note(*s.c).c_str());
  }
  std::printf("\n");

  std::string reordered;
  for (const auto& s : rows) {
    const configuration& c = *s.c;
    if (c.runs.empty() || c.runs.front().report.ordering != ordering::rcm) continue;
    reordered += (reordered.empty() ? "" : ", ") + label(c.m) + " at " + std::to_string(c.threads) +
                 (c.threads == 1 ? " thread" : " threads");
  }
  if (!reordered.empty()) {
    std::printf("rows in reverse Cuthill-McKee order (--ordering %s): %s.\n",
                std::string(to_string(options.ordering)).c_str(), reordered.c_str());
  }
  if (any_sequential) {
    std::string list;
    for (const int t : threads) {
      if (t != 1) list += (list.empty() ? "" : ", ") + std::to_string(t);
    }
    std::printf("* sequential method: runs on one thread only%s.\n",
                list.empty() ? "" : ("; not run at " + list + " threads").c_str());
  }
  if (any_baseline) std::printf("+ not asked for: run as the baseline of 'vs SOR'.\n");
  std::printf(
      "solve time: first sweep to verified x; setup: omega estimate, coloring, partition, "
      "row order (the engine is prepared once per configuration); sweeps: the mean over "
      "blocks.\n");
  std::printf(
      "speedup (> 1: faster): vs SOR = sequential SOR's median solve time / this one; vs direct "
      "solve = the direct triangular solves / this solve time (neither with its setup); vs "
      "direct +setup = factorization and solve / setup and solve");
  std::printf(any_unconverged ? "; '-' where a run did not converge.\n" : ".\n");
  flush_stdout();
}

/// \returns the methods of \p given that run across ranks under mpirun: async and block-jacobi
/// by default. \throws usage_error for any other.
std::vector<std::string> distributed_methods(const std::vector<std::string>& given) {
  if (given == compare_args{}.methods) return {"async", "block-jacobi"};
  for (const auto& name : given) {
    if (name != "async" && name != "block-jacobi") {
      throw usage_error("--methods " + name + ": across " + std::to_string(world().size) +
                        " ranks only async and block-jacobi run (docs/distributed.md)");
    }
  }
  return given;
}

int run_compare(const compare_args& given, const global_flags& global) {
  // Under mpirun -np N > 1 every rank runs this function: rank 0 checks the outputs, reads the
  // files, times the direct solve, prints and writes; every solve runs across the ranks
  // (docs/distributed.md).
  const bool root = world().root();
  const bool across_ranks = world().distributed();
  compare_args a = given;
  if (across_ranks) a.methods = distributed_methods(a.methods);
  setup_logging(global.log_level, a.quiet || !root);
  if (a.repeat < 1) throw usage_error("--repeat: must be at least 1");
  if (!across_ranks && !a.slow_rank.empty()) {
    throw usage_error("--slow-rank: only across MPI ranks (mpirun -np N with N > 1)");
  }
  if (across_ranks && !a.serve.address.empty()) {
    throw usage_error("--serve: not across MPI ranks (run the monitor with one process)");
  }
  std::vector<method> methods;
  for (const auto& name : a.methods) {
    const auto m = method_from_string(name);
    if (!m) throw usage_error("--methods: unknown method '" + name + "'");
    if (std::find(methods.begin(), methods.end(), *m) == methods.end()) methods.push_back(*m);
  }
  if (methods.empty()) throw usage_error("--methods: at least one method is needed");
  std::vector<int> threads = a.threads;
  if (threads.empty()) threads = {1, across_ranks ? default_threads_per_rank() : default_threads()};
  for (const int t : threads) {
    if (t < 1) throw usage_error("--threads: thread counts must be at least 1");
  }
  std::sort(threads.begin(), threads.end());
  threads.erase(std::unique(threads.begin(), threads.end()), threads.end());
  solver_flags flags = a.solver;
  flags.method = "sor";
  const solver_options base = to_options(flags);
  const auto reference = parse_reference(a.reference);
  // Rank 0 (the only rank without mpirun) checks the outputs, the plotting script and its
  // interpreter before any work, and reads the input; every rank learns how that went.
  output_file json_out;
  output_file plot_out;
  std::optional<plot_tool> plotter;
  loaded_system sys;
  std::vector<double> inv_diag;
  std::exception_ptr failure;
  if (root) {
    try {
      json_out = output_file("--json", a.json);
      plot_out = output_file("--plot", a.plot);
      check_distinct({&json_out, &plot_out});
      if (plot_out.wanted()) {
        check_plot_output(plot_out);
        plotter = find_plot_tool();
      }
      const bool any_parallel = std::any_of(methods.begin(), methods.end(), [](method m) {
        return m != method::sor && m != method::ssor;
      });
      if (any_parallel && !across_ranks) warn_if_oversubscribed(threads.back());
      sys = load_system(a.matrix, a.rhs, a.input);
      try {
        inv_diag = inverse_diagonal(sys.A);
      } catch (const input_error& e) {
        throw e.in_file(a.matrix);
      }
    } catch (...) {
      failure = std::current_exception();
    }
  }
#if ASOR_HAVE_MPI
  if (across_ranks) share_root_outcome(failure);
#endif
  if (failure) std::rethrow_exception(failure);
  const bool table = root && !a.quiet && !json_out.to_stdout() && !plot_out.to_stdout();
  const csr_view view = root ? view_of(sys.A, inv_diag) : csr_view{};

  // Configurations in table order: the SOR baseline first, then each method at each count.
  std::vector<configuration> configs;
  const bool sor_asked = std::find(methods.begin(), methods.end(), method::sor) != methods.end();
  if (!across_ranks) configs.push_back({method::sor, 1, true, !sor_asked, {}});
  for (const method m : methods) {
    if (m == method::sor) continue;
    const bool sequential = m == method::ssor;
    if (sequential) {
      configs.push_back({m, 1, true, false, {}});
      continue;
    }
    for (const int t : threads) configs.push_back({m, t, false, false, {}});
  }

  std::optional<direct_result> direct;
  if (reference && root) {
    std::vector<double> total;
    std::vector<double> factor;
    std::vector<double> solution;
    direct_result d;
    d.solver = *reference;
    for (int r = 0; r < a.repeat; ++r) {
      reference_solution s;
      try {
        s = solve_reference(sys.A, sys.b, *reference);
      } catch (const std::runtime_error& e) {
        throw input_error(a.matrix, 0, std::string("direct solve failed: ") + e.what());
      }
      total.push_back(s.seconds);
      factor.push_back(s.factor_seconds);
      solution.push_back(s.solve_seconds);
      d.relative_residual = s.relative_residual;
    }
    d.runs = a.repeat;
    d.total = spread_of(std::move(total));
    d.factor = spread_of(std::move(factor));
    d.solution = spread_of(std::move(solution));
    direct = d;
    log()->info("direct solve ({}): {:.4g} s", to_string(*reference), d.total.median);
  }

  std::optional<interrupt_guard> interrupts(std::in_place);  // reset when the solves are done
  const auto monitor = start_monitor(a.serve, "asor compare " + base_name(a.matrix));
  const bool show = root && progress_wanted(a.progress_on, a.progress_off || a.quiet);
  const std::size_t total = configs.size() * static_cast<std::size_t>(a.repeat);
  std::size_t done = 0;
  bool stopped = false;
  // One engine per configuration, prepared at its first solve and kept for its repeats.
  std::vector<std::unique_ptr<engine>> engines;
  std::vector<solver_options> options;
  std::span<const double> b{sys.b.data(), static_cast<std::size_t>(sys.b.size())};
  std::size_t local_rows = static_cast<std::size_t>(view.rows);
#if ASOR_HAVE_MPI
  std::optional<distributed_system> split;
  if (across_ranks) {
    const std::vector<double> zeros(local_rows, 0.0);  // x0 = 0, rank 0's (others: empty)
    split.emplace(view, b, zeros, a.partition);
    b = split->b();
    local_rows = b.size();
  }
#endif
  for (const auto& c : configs) {
    solver_options o = base;
    o.method = c.m;
    if (c.m == method::ssor) o.direction = sweep_direction::symmetric;
    o.threads = c.threads;
    // Every provisional result of an asynchronous solve, for its curve: the coordinator's
    // history alone gave a short solve three points. The same in every repeat, and only where
    // the sweep budget bounds the records (40 bytes each, one per block sweep); a budget that
    // allows more also allows a solve long enough for the history to have its points.
    const std::int64_t blocks = o.blocks > 0 ? o.blocks : std::int64_t{4} * c.threads;
    o.record_provisional = c.m == method::async && o.stop.max_sweeps <= max_recorded / blocks;
    try {
#if ASOR_HAVE_MPI
      if (split) {
        inject_slow_rank(o, a.slow_rank);
        engines.push_back(std::make_unique<engine>(split->make_engine(o)));
        options.push_back(std::move(o));
        continue;
      }
#endif
      engines.push_back(std::make_unique<engine>(view, o));
    } catch (const std::invalid_argument& e) {
      throw usage_error("invalid solver options for " + label(c.m) + " at " +
                        std::to_string(c.threads) + " threads: " + e.what());
    }
    options.push_back(std::move(o));
  }
  // Repeats are interleaved: round r solves once with every configuration, so that a burst of
  // load from elsewhere on a shared machine falls on all of them alike instead of on whichever
  // configuration happened to be running.
  for (int r = 0; r < a.repeat && !stopped; ++r) {
    for (std::size_t k = 0; k < configs.size() && !stopped; ++k) {
      configuration& c = configs[k];
      engine* raw = engines[k].get();
      ++done;
      char prefix[128];
      std::snprintf(prefix, sizeof prefix, "[%zu/%zu] %s, %d thread%s, repeat %d/%d  ", done, total,
                    label(c.m).c_str(), c.threads, c.threads == 1 ? "" : "s", r + 1, a.repeat);
      progress_line line(show, options[k].stop.tolerance, prefix,
                         options[k].stop.time_limit_seconds, options[k].stop.max_sweeps);
      line.show("starting");
      std::vector<double> x(local_rows, 0.0);
      solve_report rep = solve_watched(*raw, b, x, line, monitor.get(), prefix);
      line.finish();
      log()->info("{} x{} #{}: {} in {:.4g} s, {} sweeps, true residual {:.3g}", label(c.m),
                  c.threads, r + 1, to_string(rep.reason), rep.solve_seconds, rep.sweeps.min,
                  rep.relative_residual);
      run_record record;
      record.trace = curve_of(rep);
      rep.provisional.clear();
      rep.provisional.shrink_to_fit();
      record.report = std::move(rep);
      c.runs.push_back(std::move(record));
      stopped = interrupted() || (monitor && monitor->cancel_requested());
#if ASOR_HAVE_MPI
      if (across_ranks) stopped = any_rank(stopped);  // every rank leaves the loop together
#endif
    }
  }
  interrupts.reset();
  if (stopped) log()->warn("interrupted: the tables show the runs done so far");
  std::erase_if(configs, [](const configuration& c) { return c.runs.empty(); });
  const bool all = !stopped && std::all_of(configs.begin(), configs.end(),
                                           [](const auto& c) { return c.all_converged(); });
  const int code = all ? exit_ok : exit_not_converged;  // the same on every rank
  if (!root) return code;

  const std::vector<summary_row> rows = summarize(configs, direct);
  const json report = compare_json(a, sys, configs, rows, direct, base, threads);
  if (json_out.wanted()) write_json(report, json_out);
  if (table) print_tables(a, sys, rows, direct, base, threads);
  if (plotter) {
    draw_plot(*plotter, pretty_json(report), plot_out);
    if (table) std::printf("plot: %s\n", plot_out.path().c_str());
  }
  finish_monitor(monitor.get(), a.serve, a.quiet);
  return code;
}

}  // namespace

subcommand add_compare(CLI::App& parent, const global_flags& global) {
  auto args = std::make_shared<compare_args>();
  CLI::App* app = parent.add_subcommand(
      "compare", "Run methods at several thread counts on one system and compare them");
  app->add_option("A", args->matrix,
                  "Matrix file: Matrix Market, or triplet 'row col value' (0-based, both "
                  "triangles unless --symmetric); .gz read through zlib")
      ->required();
  app->add_option("--rhs", args->rhs, "Right-hand side b (default: b = A * ones)");
  add_input_flags(*app, args->input);
  app->add_option("--methods", args->methods, "Comma-separated methods")
      ->delimiter(',')
      ->check(CLI::IsMember({"async", "sor", "ssor", "multicolor", "block-jacobi", "jacobi"}))
      ->capture_default_str();
  app->add_option("--threads", args->threads,
                  "Comma-separated thread counts (default: 1 and OMP_NUM_THREADS, "
                  "SLURM_CPUS_PER_TASK or the hardware count)")
      ->delimiter(',');
  app->add_option("--repeat", args->repeat,
                  "Runs per method and thread count (median and range reported)")
      ->capture_default_str();
  add_solver_flags(*app, args->solver);
  add_reference_option(*app, args->reference, "Direct solver timed for 'vs direct'");
  app->add_option("--json", args->json, "Write the JSON report to a file, or '-' for stdout");
  app->add_option("--plot", args->plot,
                  "Draw times, speedups and residual curves: .png, .pdf or .svg by the "
                  "extension ('-': PNG on stdout)");
  add_progress_flags(*app, args->progress_on, args->progress_off, args->quiet,
                     "No tables on stdout, no progress line, only errors on stderr");
  app->add_option("--partition", args->partition,
                  "Under mpirun -np N > 1: split rows over the ranks balanced by nonzeros (nnz) "
                  "or by METIS (metis)")
      ->check(CLI::IsMember({"nnz", "metis"}))
      ->capture_default_str();
  app->add_option("--slow-rank", args->slow_rank,
                  "Under mpirun, for benchmarks: RANK:FACTOR makes rank RANK relax FACTOR times "
                  "slower (it sleeps after each block sweep; docs/distributed.md)");
  add_serve_flags(*app, args->serve);
#if ASOR_HAVE_MPI
  return {app, [args, &global] {
            return with_remote_errors([&] { return run_compare(*args, global); });
          }};
#else
  return {app, [args, &global] { return run_compare(*args, global); }};
#endif
}

}  // namespace asor::cli
