/// \file solve.cpp
/// \brief `asor solve A [--rhs B] ...`: solve one system, report on stdout (human or JSON).

#include <spdlog/spdlog.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "asor/config.hpp"
#include "asor/engine.hpp"
#include "asor/io/errors.hpp"
#include "asor/io/matrix_market.hpp"
#include "asor/io/triplet.hpp"
#include "asor/matrix.hpp"
#include "asor/reference.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/json_report.hpp"
#include "cli/output.hpp"
#include "cli/processes.hpp"
#include "cli/progress_line.hpp"
#include "cli/serve.hpp"
#include "cli/solve.hpp"

namespace asor::cli {

namespace {

bool is_sequential(method m) { return m == method::sor || m == method::ssor; }

/// \brief "1 thread" / "2 threads".
std::string plural(long long count, const char* word) {
  return std::to_string(count) + " " + word + (count == 1 ? "" : "s");
}

std::string omega_text(const solve_report& r) {
  char buf[128];
  if (r.omega_auto && !r.omega_history.empty()) {
    std::snprintf(buf, sizeof buf, "%.4f = auto, adapted from %.4f (%zu change%s)", r.omega,
                  r.initial_omega, r.omega_history.size(), r.omega_history.size() == 1 ? "" : "s");
  } else if (r.omega_auto) {
    std::snprintf(buf, sizeof buf, "%.3f = auto", r.omega);
  } else {
    std::snprintf(buf, sizeof buf, "%.3f", r.omega);
  }
  return buf;
}

/// \returns "async (forward SOR, omega 1.000, 2 threads, 8 blocks)" and the like.
std::string method_text(const solve_report& r, int local_sweeps) {
  const std::string dir(to_string(r.direction));
  const std::string w = omega_text(r);
  const std::string threads = r.ranks > 1
                                  ? plural(r.ranks, "rank") + " x " + plural(r.threads, "thread")
                                  : plural(r.threads, "thread");
  std::string text(to_string(r.method));
  switch (r.method) {
    case method::async:
    case method::block_jacobi:
      text += " (" + dir + " SOR, omega " + w + ", " + threads + ", " + plural(r.blocks, "block");
      if (local_sweeps > 1) text += ", " + plural(local_sweeps, "local sweep");
      if (r.pipeline_sweeps > 1) text += ", " + plural(r.pipeline_sweeps, "sweep") + " per pass";
      if (r.l1) text += ", l1 diagonal";
      if (r.halo_l1 && !r.l1) text += ", l1 diagonal on halo rows";
      if (r.ordering == ordering::rcm) text += ", rows in RCM order";
      text += ")";
      break;
    case method::multicolor:
      text += " (" + dir + " SOR by colors, omega " + w + ", " + threads + ")";
      break;
    case method::jacobi:
      text += " (weight " + w + ", " + threads + ")";
      break;
    case method::sor:
    case method::ssor:
      text += " (" + dir + ", omega " + w + ", sequential, 1 thread";
      if (r.pipeline_sweeps > 1) text += ", " + plural(r.pipeline_sweeps, "sweep") + " per pass";
      text += ")";
      break;
  }
  return text;
}

}  // namespace

/// \brief Writes the history CSV: one row per provisional result (async with
/// record_provisional), or per recorded sweep (synchronous methods, block "all"); verification
/// points carry the true residual. \returns the number of rows.
std::size_t write_history(const output_file& out, const solve_report& r) {
  struct row {
    double seconds;
    std::string block;
    long long sweep;
    double block_residual;
    double global_residual;
    double verified;
    double omega;
  };
  // The factor in effect at a sweep count: the start, then each change of the omega history.
  const auto omega_at = [&r](std::int64_t sweep) {
    double w = r.initial_omega;
    for (const auto& c : r.omega_history) {
      if (c.sweep > sweep) break;
      w = c.to;
    }
    return w;
  };
  std::vector<row> rows;
  const double bnorm = r.rhs_norm > 0 ? r.rhs_norm : 1.0;
  const bool per_block = !r.provisional.empty();
  for (const auto& p : r.provisional) {
    rows.push_back({p.result.seconds, std::to_string(p.result.block),
                    static_cast<long long>(p.result.sweeps),
                    std::sqrt(p.result.provisional_residual_sq) / bnorm,
                    p.global_provisional_residual, std::nan(""), omega_at(p.result.sweeps)});
  }
  for (const auto& h : r.history) {
    if (per_block && std::isnan(h.verified_residual)) continue;
    rows.push_back({h.seconds, "all", static_cast<long long>(h.sweeps), h.provisional_residual,
                    h.provisional_residual, h.verified_residual,
                    std::isnan(h.omega) ? omega_at(h.sweeps) : h.omega});
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const row& a, const row& b) { return a.seconds < b.seconds; });
  const auto num = [](double v) {
    if (std::isnan(v)) return std::string();
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return std::string(buf);
  };
  out.write([&](std::FILE* f, const std::string&) {
    std::fputs("seconds,block,sweep,block_residual,global_residual,verified_residual,omega\n", f);
    for (const auto& w : rows) {
      std::fprintf(f, "%.9g,%s,%lld,%s,%s,%s,%s\n", w.seconds, w.block.c_str(), w.sweep,
                   num(w.block_residual).c_str(), num(w.global_residual).c_str(),
                   num(w.verified).c_str(), num(w.omega).c_str());
    }
  });
  return rows.size();
}

void print_summary(const solve_outcome& o, std::size_t history_rows) {
  // stdout is checked once at the end (finish_stdout in main): a lost summary is exit 2.
  const solve_report& r = o.report;
  std::printf("asor solve: %s  n=%d  nnz=%lld\n", base_name(o.matrix_path).c_str(), o.n,
              static_cast<long long>(o.nnz));
  std::printf("method     %s\n", method_text(r, o.local_sweeps).c_str());
  std::printf("status     %s (%s)\n", std::string(to_string(r.reason)).c_str(),
              stop_sentence(r, o.max_sweeps, o.time_limit, o.cancelled_by).c_str());
  std::printf("sweeps     min %lld  mean %.1f  max %lld\n", static_cast<long long>(r.sweeps.min),
              r.sweeps.mean, static_cast<long long>(r.sweeps.max));
  std::printf("residual   true %s, provisional estimate %s, %s", sci(r.relative_residual).c_str(),
              sci(r.provisional_residual).c_str(), plural(r.verifications, "verification").c_str());
  if (r.failed_verifications > 0)
    std::printf(" (%d found the estimate optimistic)", r.failed_verifications);
  std::printf("\n");
  // One unit for the whole line: the one that suits the longest of the times.
  double longest = std::max(r.solve_seconds, r.setup_seconds);
  const bool latency = std::isfinite(r.cancel_latency_seconds);
  if (latency) longest = std::max(longest, r.cancel_latency_seconds);
  const time_unit unit = unit_for(longest);
  std::printf("time       %s solve, %s setup", in_unit(r.solve_seconds, unit).c_str(),
              in_unit(r.setup_seconds, unit).c_str());
  if (latency) std::printf(", cancel latency %s", in_unit(r.cancel_latency_seconds, unit).c_str());
  std::printf("\n");
  if (o.error_vs_ones) {
    std::printf("solution   ||x - ones||/||ones|| = %s (b = A*ones)\n",
                sci(*o.error_vs_ones).c_str());
  }
  if (o.reference) {
    const reference_solution& ref = o.reference->reference;
    const time_unit ref_unit = unit_for(std::max(ref.factor_seconds, ref.solve_seconds));
    std::printf("reference  %s: ||x - x_ref||/||x_ref|| = %s (%s factorization, %s solve)\n",
                std::string(to_string(ref.solver)).c_str(),
                sci(o.reference->relative_error).c_str(),
                in_unit(ref.factor_seconds, ref_unit).c_str(),
                in_unit(ref.solve_seconds, ref_unit).c_str());
  } else if (!o.reference_name.empty()) {
    std::printf("reference  %s failed: %s\n", o.reference_name.c_str(),
                o.reference_failure.c_str());
  }
  if (r.fallback_used) std::printf("fallback   %s\n", r.fallback.c_str());
  if (r.ranks > 1 && o.distribution.is_object()) {
    const json& d = o.distribution;
    std::printf("ranks      %d, rows split %s, %lld ghost entries, %lld halo messages\n", r.ranks,
                d.value("partition", std::string("nnz")).c_str(),
                static_cast<long long>(d.value("ghosts", std::int64_t{0})),
                static_cast<long long>(r.halo_messages));
    for (std::size_t k = 0; k < r.rank_sweeps.size(); ++k) {
      const sweep_stats& s = r.rank_sweeps[k];
      std::printf("  rank %zu   sweeps min %lld  mean %.1f  max %lld\n", k,
                  static_cast<long long>(s.min), s.mean, static_cast<long long>(s.max));
    }
  }
  if (!o.x_out.empty()) {
    std::printf("output     x written to %s (%s)\n", o.x_out.c_str(),
                o.x_out_matrix_market ? "Matrix Market array" : "one value per line");
  }
  if (!o.history_out.empty()) {
    std::printf("history    %s (%zu rows)\n", o.history_out.c_str(), history_rows);
  }
  flush_stdout();
}

void finish_solve(const solve_args& a, const solver_options& options, const loaded_system& sys,
                  const vector& x, const std::optional<reference_solver>& reference,
                  const output_file& json_out, const output_file& x_out,
                  const output_file& history_out, solve_outcome& o) {
  o.matrix_path = a.matrix;
  o.rhs_path = a.rhs;
  o.n = static_cast<int>(sys.A.rows());
  o.nnz = sys.A.nonZeros();
  o.max_sweeps = options.stop.max_sweeps;
  o.time_limit = options.stop.time_limit_seconds;
  o.local_sweeps = options.local_sweeps;
  if (sys.b_generated) {
    const vector ones = vector::Ones(x.size());
    o.error_vs_ones = (x - ones).norm() / ones.norm();
  }
  if (x_out.wanted()) write_solution(x_out, x, o);
  if (reference) {
    o.reference_name = std::string(to_string(*reference));
    try {
      o.reference = check_against_reference(sys.A, sys.b, x, *reference);
    } catch (const std::runtime_error& e) {
      o.reference_failure = e.what();
      log()->warn("reference solve failed: {}", e.what());
    }
  }
  std::size_t history_rows = 0;
  if (history_out.wanted()) {
    history_rows = write_history(history_out, o.report);
    o.history_out = history_out.name();
  }
  if (json_out.wanted()) write_json(solve_json(o), json_out);
  const bool summary =
      !a.quiet && !json_out.to_stdout() && !x_out.to_stdout() && !history_out.to_stdout();
  if (summary) print_summary(o, history_rows);
}

vector load_initial_guess(const std::string& path, const input_flags& input, Eigen::Index rows) {
  vector x = load_vector(path, input);
  if (x.size() != rows) {
    throw input_error(path, 0,
                      "initial guess has " + std::to_string(x.size()) +
                          " entries, the matrix has " + std::to_string(rows) + " rows");
  }
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) {
      throw input_error(path, 0,
                        "entry " + std::to_string(i) + " of the initial guess is not finite");
    }
  }
  return x;
}

void write_solution(const output_file& out, const vector& x, solve_outcome& o) {
  // .mtx (.mtx.gz) is Matrix Market, anything else one value per line, as the inputs are read.
  o.x_out_matrix_market = out.has_extension(".mtx");
  out.write([&](std::FILE* f, const std::string& name) {
    if (o.x_out_matrix_market) {
      io::write_matrix_market_vector(f, name, x);
    } else {
      io::write_plain_vector(f, name, x);
    }
  });
  o.x_out = out.name();
}

namespace {

int run_solve(const solve_args& a, const global_flags& global) {
#if ASOR_HAVE_MPI
  if (world().distributed()) return run_solve_distributed(a, global);  // mpirun -np N, N > 1
#endif
  setup_logging(global.log_level, a.quiet);
  if (!a.slow_rank.empty()) {
    throw usage_error("--slow-rank: only across MPI ranks (mpirun -np N with N > 1)");
  }
  solver_options options = to_options(a.solver);
  if (options.threads == 0) options.threads = default_threads();
  if (is_sequential(options.method) && options.threads > 1) {
    if (a.solver.threads > 1) {
      log()->warn("{} is sequential: running on 1 thread, not {}", to_string(options.method),
                  options.threads);
    }
    options.threads = 1;
  }
  const auto reference = parse_reference(a.reference);
  options.record_provisional = !a.history.empty();
  // Every output is checked before anything is read or solved: a bad path costs no solve.
  const output_file json_out("--json", a.json);
  const output_file x_out("--x-out", a.x_out);
  const output_file history_out("--history", a.history);
  check_distinct({&json_out, &x_out, &history_out});
  warn_if_oversubscribed(options.threads);

  loaded_system sys = load_system(a.matrix, a.rhs, a.input);
  const int n = static_cast<int>(sys.A.rows());

  vector x = vector::Zero(n);
  if (!a.x0.empty()) x = load_initial_guess(a.x0, a.input, n);

  std::vector<double> inv_diag;
  try {
    inv_diag = inverse_diagonal(sys.A);
  } catch (const input_error& e) {
    throw e.in_file(a.matrix);
  }
  const csr_view view = view_of(sys.A, inv_diag);

  std::unique_ptr<engine> eng;
  try {
    eng = std::make_unique<engine>(view, options);
  } catch (const std::invalid_argument& e) {
    throw usage_error(std::string("invalid solver options: ") + e.what());
  }

  progress_line line(progress_wanted(a.progress_on, a.progress_off || a.quiet),
                     options.stop.tolerance, std::string(to_string(options.method)) + "  ",
                     options.stop.time_limit_seconds, options.stop.max_sweeps);
  const auto monitor = start_monitor(a.serve, "asor solve " + base_name(a.matrix));

  log()->info("solving with {} on {} threads, tol {:g}", to_string(options.method), options.threads,
              options.stop.tolerance);
  solve_outcome o;
  {
    const interrupt_guard interrupts;  // the previous handlers come back when the solve returns
    o.report = solve_watched(*eng, {sys.b.data(), static_cast<std::size_t>(sys.b.size())},
                             {x.data(), static_cast<std::size_t>(x.size())}, line, monitor.get());
  }
  line.finish();
  const solve_report& r = o.report;
  log()->info("stopped: {} after {} sweeps, {:.4g} s", to_string(r.reason), r.sweeps.min,
              r.solve_seconds);

  if (r.reason == stop_reason::cancelled && !interrupted() && monitor &&
      monitor->cancel_requested()) {
    o.cancelled_by = "the monitor page's Cancel";
  }
  finish_solve(a, options, sys, x, reference, json_out, x_out, history_out, o);
  finish_monitor(monitor.get(), a.serve, a.quiet);
  return r.converged() ? exit_ok : exit_not_converged;
}

}  // namespace

subcommand add_solve(CLI::App& parent, const global_flags& global) {
  auto args = std::make_shared<solve_args>();
  CLI::App* app = parent.add_subcommand("solve", "Solve A x = b by (asynchronous) SOR");
  app->add_option("A", args->matrix,
                  "Matrix file: Matrix Market, or triplet 'row col value' (0-based, both "
                  "triangles unless --symmetric); .gz read through zlib")
      ->required();
  app->add_option("--rhs", args->rhs,
                  "Right-hand side b: Matrix Market, or one value per line (default: b = A * "
                  "ones)");
  add_input_flags(*app, args->input);
  app->add_option("--method", args->solver.method, "Relaxation method")
      ->check(CLI::IsMember({"async", "sor", "ssor", "multicolor", "block-jacobi", "jacobi"}))
      ->capture_default_str();
  app->add_option("--threads", args->solver.threads,
                  "Threads (default: OMP_NUM_THREADS, SLURM_CPUS_PER_TASK, hardware)");
  add_solver_flags(*app, args->solver);
  add_reference_option(*app, args->reference, "Check the solution against a direct solve");
  app->add_option("--x0", args->x0, "Initial guess (default: zeros)");
  app->add_option("--x-out", args->x_out,
                  "Write the solution x: Matrix Market array for .mtx, else one value per line "
                  "('-': stdout; .gz: compressed)");
  app->add_option("--history", args->history, "Write the residual history (CSV; '-': stdout)");
  app->add_option("--json", args->json, "Write the JSON report to a file, or '-' for stdout");
  app->add_option("--partition", args->partition,
                  "Under mpirun -np N > 1: split rows over the ranks balanced by nonzeros (nnz) "
                  "or by METIS (metis)")
      ->check(CLI::IsMember({"nnz", "metis"}))
      ->capture_default_str();
  app->add_option("--slow-rank", args->slow_rank,
                  "Under mpirun, for benchmarks: RANK:FACTOR makes rank RANK relax FACTOR times "
                  "slower (it sleeps after each block sweep; docs/distributed.md)");
  add_progress_flags(*app, args->progress_on, args->progress_off, args->quiet,
                     "No summary on stdout, no progress line, only errors on stderr");
  add_serve_flags(*app, args->serve);
  return {app, [args, &global] { return run_solve(*args, global); }};
}

}  // namespace asor::cli
