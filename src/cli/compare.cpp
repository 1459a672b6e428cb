/// \file compare.cpp
/// \brief `asor compare A --methods ... --threads 1,2,4 [--repeat R] [--json F] [--plot F.png]`:
/// every method at every thread count on one system, side by side.

#include <stdlib.h>  // mkstemps
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "asor/engine.hpp"
#include "asor/io/errors.hpp"
#include "asor/matrix.hpp"
#include "asor/reference.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/json_report.hpp"
#include "cli/plot.hpp"
#include "cli/progress_line.hpp"
#include "cli/serve.hpp"

namespace asor::cli {

namespace {

/// \brief Points kept per residual curve in the report (the plot needs no more).
constexpr std::size_t curve_points = 400;

/// \brief The flags of `asor compare`.
struct compare_args {
  std::string matrix;
  std::string rhs;
  std::string format = "auto";
  std::vector<std::string> methods{"async", "block-jacobi", "multicolor", "sor"};
  std::vector<int> threads;
  int repeat = 3;
  solver_flags solver;
  std::string reference = "ldlt";
  std::string json;
  std::string plot;
  bool progress_on = false;
  bool progress_off = false;
  bool quiet = false;
  serve_flags serve;
};

/// \brief One method at one thread count, run `repeat` times.
struct configuration {
  method m = method::async;
  int threads = 1;
  bool sequential = false;
  bool baseline_only = false;  ///< sequential SOR added as the speedup baseline
  std::vector<solve_report> runs;

  [[nodiscard]] int converged() const {
    return static_cast<int>(std::count_if(runs.begin(), runs.end(),
                                          [](const solve_report& r) { return r.converged(); }));
  }
  [[nodiscard]] bool all_converged() const {
    return !runs.empty() && converged() == static_cast<int>(runs.size());
  }
  /// \returns the index of the run with the median solve time.
  [[nodiscard]] std::size_t median_run() const {
    std::vector<std::size_t> idx(runs.size());
    std::iota(idx.begin(), idx.end(), std::size_t{0});
    std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
      return runs[a].solve_seconds < runs[b].solve_seconds;
    });
    return idx[(idx.size() - 1) / 2];
  }
};

double median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const std::size_t h = v.size() / 2;
  return v.size() % 2 == 1 ? v[h] : 0.5 * (v[h - 1] + v[h]);
}

template <class F>
double median_of(const configuration& c, F&& field) {
  std::vector<double> v;
  v.reserve(c.runs.size());
  for (const auto& r : c.runs) v.push_back(field(r));
  return median(std::move(v));
}

/// \brief The direct solve the comparison is measured against.
struct direct_result {
  reference_solver solver = reference_solver::ldlt;
  double median_seconds = 0;
  double relative_residual = 0;
  int runs = 0;
};

std::string label(method m) { return std::string(to_string(m)); }

json curve_json(const solve_report& r) {
  json t = json::array();
  json res = json::array();
  json vt = json::array();
  json vres = json::array();
  const std::size_t n = r.history.size();
  const std::size_t stride = n > curve_points ? (n + curve_points - 1) / curve_points : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& h = r.history[i];
    if (std::isfinite(h.verified_residual)) {
      vt.push_back(json(h.seconds));
      vres.push_back(json(h.verified_residual));
    }
    if ((i % stride == 0 || i + 1 == n) && std::isfinite(h.provisional_residual) &&
        h.provisional_residual > 0) {
      t.push_back(json(h.seconds));
      res.push_back(json(h.provisional_residual));
    }
  }
  return json{{"seconds", std::move(t)},
              {"provisional_residual", std::move(res)},
              {"verified_seconds", std::move(vt)},
              {"verified_residual", std::move(vres)}};
}

json run_json(const configuration& c, std::size_t i) {
  const solve_report& r = c.runs[i];
  return json{
      {"method", label(c.m)},
      {"threads", r.threads},
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

/// \brief Everything the table, the JSON and the plot show about one configuration.
struct summary_row {
  const configuration* c = nullptr;
  double median_seconds = 0;
  double median_sweeps = 0;
  double median_residual = 0;
  std::optional<double> vs_sor;
  std::optional<double> vs_direct;
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
          ? median_of(*sor, [](const solve_report& r) { return r.solve_seconds; })
          : std::nan("");
  for (const auto& c : configs) {
    summary_row s;
    s.c = &c;
    s.median_seconds = median_of(c, [](const solve_report& r) { return r.solve_seconds; });
    s.median_sweeps = median_of(c, [](const solve_report& r) { return r.sweeps.mean; });
    s.median_residual = median_of(c, [](const solve_report& r) { return r.relative_residual; });
    if (c.all_converged() && s.median_seconds > 0) {
      if (std::isfinite(sor_time)) s.vs_sor = sor_time / s.median_seconds;
      if (direct) s.vs_direct = direct->median_seconds / s.median_seconds;
    }
    rows.push_back(s);
  }
  return rows;
}

json compare_json(const compare_args& a, const loaded_system& sys,
                  const std::vector<configuration>& configs, const std::vector<summary_row>& rows,
                  const std::optional<direct_result>& direct, const solver_options& options,
                  const std::vector<int>& threads) {
  json j = json::object();
  j["schema"] = "asor.compare/1";
  j["matrix"] = a.matrix;
  j["rhs"] = a.rhs.empty() ? json("A*ones") : json(a.rhs);
  j["n"] = static_cast<std::int64_t>(sys.A.rows());
  j["nnz"] = static_cast<std::int64_t>(sys.A.nonZeros());
  j["tolerance"] = options.stop.tolerance;
  j["omega"] = options.omega ? json(*options.omega) : json("auto");
  j["max_sweeps"] = options.stop.max_sweeps;
  j["time_limit_seconds"] = number_or_null(options.stop.time_limit_seconds);
  j["repeat"] = a.repeat;
  json m = json::array();
  for (const auto& s : a.methods) m.push_back(json(s));
  j["methods"] = std::move(m);
  json t = json::array();
  for (const int k : threads) t.push_back(json(k));
  j["thread_counts"] = std::move(t);
  if (direct) {
    j["direct"] = json{{"solver", std::string(to_string(direct->solver))},
                       {"median_seconds", direct->median_seconds},
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
             {"median_solve_seconds", number_or_null(s.median_seconds)},
             {"median_sweeps", number_or_null(s.median_sweeps)},
             {"median_relative_residual", number_or_null(s.median_residual)},
             {"speedup_vs_sor", s.vs_sor ? json(*s.vs_sor) : json(nullptr)},
             {"speedup_vs_direct", s.vs_direct ? json(*s.vs_direct) : json(nullptr)},
             {"curve", c.runs.empty() ? json(nullptr) : json(curve_json(c.runs[c.median_run()]))}});
  }
  j["summary"] = std::move(summary);
  return j;
}

/// \returns "  (diverged x2, max_sweeps x1)" for the runs that did not converge, else "".
std::string stop_note(const configuration& c) {
  std::vector<std::pair<stop_reason, int>> counts;
  for (const auto& r : c.runs) {
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

void print_table(const compare_args& a, const loaded_system& sys,
                 const std::vector<summary_row>& rows, const std::optional<direct_result>& direct,
                 const solver_options& options, const std::vector<int>& threads) {
  char omega[32] = "auto";
  if (options.omega) std::snprintf(omega, sizeof omega, "%.3f", *options.omega);
  std::printf("asor compare: %s  n=%lld  nnz=%lld  tol %s  omega %s  %d repeat%s\n",
              base_name(a.matrix).c_str(), static_cast<long long>(sys.A.rows()),
              static_cast<long long>(sys.A.nonZeros()), sci(options.stop.tolerance, 0).c_str(),
              omega, a.repeat, a.repeat == 1 ? "" : "s");
  if (direct) {
    std::printf("direct solve (%s): %s median of %d, relative residual %s\n\n",
                std::string(to_string(direct->solver)).c_str(),
                duration(direct->median_seconds).c_str(), direct->runs,
                sci(direct->relative_residual).c_str());
  } else {
    std::printf("direct solve: none (--reference none)\n\n");
  }
  std::printf("%-13s %7s %9s %12s %9s %13s %8s %9s\n", "method", "threads", "converged",
              "median time", "sweeps", "true residual", "vs SOR", "vs direct");
  bool any_sequential = false;
  bool any_baseline = false;
  bool any_unconverged = false;
  for (const auto& s : rows) {
    const configuration& c = *s.c;
    std::string th = std::to_string(c.threads);
    if (c.sequential) {
      th += "*";
      any_sequential = true;
    }
    std::string name = label(c.m);
    if (c.baseline_only) {
      name += "+";
      any_baseline = true;
    }
    char conv[32];
    std::snprintf(conv, sizeof conv, "%d/%zu", c.converged(), c.runs.size());
    if (!c.all_converged()) any_unconverged = true;
    char sweeps[32];
    std::snprintf(sweeps, sizeof sweeps, "%.0f", s.median_sweeps);
    std::printf("%-13s %7s %9s %12s %9s %13s %8s %9s%s\n", name.c_str(), th.c_str(), conv,
                duration(s.median_seconds).c_str(), sweeps, sci(s.median_residual).c_str(),
                ratio(s.vs_sor).c_str(), ratio(s.vs_direct).c_str(), stop_note(c).c_str());
  }
  std::printf("\n");
  std::string reordered;
  for (const auto& s : rows) {
    const configuration& c = *s.c;
    if (c.runs.empty() || c.runs.front().ordering != ordering::rcm) continue;
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
      "median time: solve only (setup excluded), median over repeats; sweeps: median of "
      "the mean over blocks.\n");
  std::printf(
      "vs SOR / vs direct: time of sequential SOR / of the direct solve divided by the "
      "median time (> 1 is faster)");
  std::printf(any_unconverged ? "; '-' where a run did not converge.\n" : ".\n");
  std::fflush(stdout);
}

/// \brief A temporary file removed when it goes out of scope.
struct temp_file {
  std::string path;
  temp_file() {
    const char* dir = std::getenv("TMPDIR");
    std::string templ =
        std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/asor-compare-XXXXXX.json";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    const int fd = mkstemps(buf.data(), 5);
    if (fd < 0) throw output_error("--plot: cannot create a temporary file in " + templ);
    close(fd);
    path = buf.data();
  }
  ~temp_file() { std::remove(path.c_str()); }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
};

int run_compare(const compare_args& a, const global_flags& global) {
  setup_logging(global.log_level, a.quiet);
  const file_format format = parse_format(a.format);
  if (a.repeat < 1) throw usage_error("--repeat: must be at least 1");
  std::vector<method> methods;
  for (const auto& name : a.methods) {
    const auto m = method_from_string(name);
    if (!m) throw usage_error("--methods: unknown method '" + name + "'");
    if (std::find(methods.begin(), methods.end(), *m) == methods.end()) methods.push_back(*m);
  }
  if (methods.empty()) throw usage_error("--methods: at least one method is needed");
  std::vector<int> threads = a.threads;
  if (threads.empty()) threads = {1, default_threads()};
  for (const int t : threads) {
    if (t < 1) throw usage_error("--threads: thread counts must be at least 1");
  }
  std::sort(threads.begin(), threads.end());
  threads.erase(std::unique(threads.begin(), threads.end()), threads.end());
  solver_flags flags = a.solver;
  flags.method = "sor";
  const solver_options base = to_options(flags);
  const auto reference = parse_reference(a.reference);
  if (!a.plot.empty()) find_plot_script();  // fail before the work, not after

  const loaded_system sys = load_system(a.matrix, a.rhs, format);
  std::vector<double> inv_diag;
  try {
    inv_diag = inverse_diagonal(sys.A);
  } catch (const input_error& e) {
    throw e.in_file(a.matrix);
  }
  const csr_view view = view_of(sys.A, inv_diag);
  const int n = view.rows;

  // Configurations in table order: the SOR baseline first, then each method at each count.
  std::vector<configuration> configs;
  const bool sor_asked = std::find(methods.begin(), methods.end(), method::sor) != methods.end();
  configs.push_back({method::sor, 1, true, !sor_asked, {}});
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
  if (reference) {
    std::vector<double> times;
    direct_result d;
    d.solver = *reference;
    for (int r = 0; r < a.repeat; ++r) {
      reference_solution s;
      try {
        s = solve_reference(sys.A, sys.b, *reference);
      } catch (const std::runtime_error& e) {
        throw input_error(a.matrix, 0, std::string("direct solve failed: ") + e.what());
      }
      times.push_back(s.seconds);
      d.relative_residual = s.relative_residual;
    }
    d.runs = a.repeat;
    d.median_seconds = median(times);
    direct = d;
    log()->info("direct solve ({}): {:.4g} s", to_string(*reference), d.median_seconds);
  }

  install_interrupt_handler();
  const auto monitor = start_monitor(a.serve, "asor compare " + base_name(a.matrix));
  const bool show = progress_wanted(a.progress_on, a.progress_off || a.quiet);
  const std::size_t total = configs.size() * static_cast<std::size_t>(a.repeat);
  std::size_t done = 0;
  bool stopped = false;
  // One engine per configuration, prepared at its first solve and kept for its repeats.
  std::vector<std::unique_ptr<engine>> engines;
  std::vector<solver_options> options;
  for (const auto& c : configs) {
    solver_options o = base;
    o.method = c.m;
    if (c.m == method::ssor) o.direction = sweep_direction::symmetric;
    o.threads = c.threads;
    try {
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
      progress_line line(show, options[k].stop.tolerance, prefix);
      line.show("starting");
      vector x = vector::Zero(n);
      solve_report rep = solve_watched(*raw, {sys.b.data(), static_cast<std::size_t>(sys.b.size())},
                                       {x.data(), static_cast<std::size_t>(x.size())}, line,
                                       monitor.get(), prefix);
      line.finish();
      log()->info("{} x{} #{}: {} in {:.4g} s, {} sweeps, true residual {:.3g}", label(c.m),
                  c.threads, r + 1, to_string(rep.reason), rep.solve_seconds, rep.sweeps.min,
                  rep.relative_residual);
      rep.provisional.clear();
      c.runs.push_back(std::move(rep));
      if (interrupted() || (monitor && monitor->cancel_requested())) stopped = true;
    }
  }
  if (stopped) log()->warn("interrupted: the table shows the runs done so far");
  std::erase_if(configs, [](const configuration& c) { return c.runs.empty(); });

  const std::vector<summary_row> rows = summarize(configs, direct);
  const json report = compare_json(a, sys, configs, rows, direct, base, threads);
  if (!a.json.empty()) write_json(report, a.json);
  if (!a.quiet && a.json != "-") print_table(a, sys, rows, direct, base, threads);
  if (!a.plot.empty()) {
    const temp_file tmp;
    write_json(report, tmp.path);
    run_plot_script(tmp.path, a.plot);
    if (!a.quiet && a.json != "-") std::printf("plot: %s\n", a.plot.c_str());
  }
  finish_monitor(monitor.get(), a.serve, a.quiet);
  const bool all = !stopped && std::all_of(configs.begin(), configs.end(),
                                           [](const auto& c) { return c.all_converged(); });
  return all ? exit_ok : exit_not_converged;
}

}  // namespace

subcommand add_compare(CLI::App& parent, const global_flags& global) {
  auto args = std::make_shared<compare_args>();
  CLI::App* app = parent.add_subcommand(
      "compare", "Run methods at several thread counts on one system and compare them");
  app->add_option("A", args->matrix, "Matrix file (Matrix Market .mtx, or triplet CSV)")
      ->required();
  app->add_option("--rhs", args->rhs, "Right-hand side b (default: b = A * ones)");
  app->add_option("--format", args->format, "Input format (default: by extension)")
      ->check(CLI::IsMember({"auto", "mm", "triplet"}))
      ->capture_default_str();
  app->add_option("--methods", args->methods, "Comma-separated methods")
      ->delimiter(',')
      ->check(CLI::IsMember({"async", "sor", "ssor", "multicolor", "block-jacobi", "jacobi"}))
      ->capture_default_str();
  app->add_option("--threads", args->threads,
                  "Comma-separated thread counts (default: 1 and OMP_NUM_THREADS, "
                  "SLURM_CPUS_PER_TASK or the hardware count)")
      ->delimiter(',');
  app->add_option("--repeat", args->repeat, "Runs per method and thread count (median reported)")
      ->capture_default_str();
  add_solver_flags(*app, args->solver);
  add_reference_option(*app, args->reference, "Direct solver timed for 'vs direct'");
  app->add_option("--json", args->json, "Write the JSON report to a file, or '-' for stdout");
  app->add_option("--plot", args->plot, "Draw time and residual-vs-time curves to a PNG");
  add_progress_flags(*app, args->progress_on, args->progress_off);
  app->add_flag("-q,--quiet", args->quiet, "No table on stdout, only errors on stderr");
  add_serve_flags(*app, args->serve);
  return {app, [args, &global] { return run_compare(*args, global); }};
}

}  // namespace asor::cli
