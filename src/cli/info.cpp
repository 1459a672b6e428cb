/// \file info.cpp
/// \brief `asor info A`: size, symmetry, diagonal, dominance, SPD check, omega estimate, bytes.

#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "asor/engine.hpp"
#include "asor/matrix.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/json_report.hpp"
#include "cli/output.hpp"
#include "report/info_document.hpp"

namespace asor::cli {

namespace {

/// \brief The flags of `asor info`.
struct info_args {
  std::string matrix;
  input_flags input;
  long long spd_check_limit = 200000;
  std::string json;
};

std::string percent(int count, long long total) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%",
                total > 0 ? 100.0 * static_cast<double>(count) / static_cast<double>(total) : 0.0);
  return buf;
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string bytes_text(double b) {
  char buf[64];
  if (b < 1e6) {
    std::snprintf(buf, sizeof buf, "%.1f kB", b / 1e3);
  } else if (b < 1e9) {
    std::snprintf(buf, sizeof buf, "%.1f MB", b / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f GB", b / 1e9);
  }
  return buf;
}

/// \brief The estimate's lines: both ends with their error bounds, and what it cost.
void print_estimate(const omega_estimate& e) {
  const auto bound = [](double err, double value) {
    if (err == 0.0) return std::string("exact");
    if (!(err < std::abs(value))) return "not resolved: error bound " + sci(err);
    return "error bound " + sci(err) + " = " + fixed(100.0 * err / std::abs(value), 2) + " %";
  };
  std::printf("lambda_min    %s of D^-1 A, true value in [%s, %s] (%s)\n",
              sci(e.lambda_min, 4).c_str(), sci(e.lambda_min_lower(), 4).c_str(),
              sci(e.lambda_min, 4).c_str(), bound(e.lambda_min_error, e.lambda_min).c_str());
  std::printf("lambda_max    %s of D^-1 A, true value in [%s, %s] (%s)\n",
              fixed(e.lambda_max, 6).c_str(), fixed(e.lambda_max, 6).c_str(),
              fixed(e.lambda_max_upper(), 6).c_str(),
              bound(e.lambda_max_error, e.lambda_max).c_str());
  std::printf(
      "estimate      Lanczos, %d steps, %s sweeps of cost (budget %s; beta %s more), %s; %s; "
      "Jacobi rho %s\n",
      e.lanczos_steps, fixed(e.cost_sweeps - e.beta_cost_sweeps, 1).c_str(),
      fixed(e.budget_sweeps, 1).c_str(), fixed(e.beta_cost_sweeps, 1).c_str(),
      duration(e.seconds).c_str(),
      e.exact       ? "exact (the Krylov space is invariant)"
      : e.converged ? "converged"
                    : "stopped by the budget",
      fixed(e.jacobi_rho, 6).c_str());
  std::printf("ordering      %s\n",
              e.consistently_ordered ? "consistently ordered (Young's theory holds for SOR)"
              : e.bipartite          ? "bipartite graph, not consistently ordered as given"
                                     : "not consistently ordered (the graph is not bipartite)");
  if (!std::isnan(e.beta)) {
    std::printf("beta          %s = rho(D^-1 L D^-1 U) (SSOR's rule)\n", fixed(e.beta, 4).c_str());
  }
}

int run_info(const info_args& a, const global_flags& global) {
  setup_logging(global.log_level, false);
  if (a.spd_check_limit < 0) throw usage_error("--spd-check-limit: must be >= 0");
  const output_file json_out("--json", a.json);
  const sparse_matrix A = load_matrix(a.matrix, a.input);
  // The measurements and the document are shared with the Python module (src/report/).
  const reporting::matrix_description m =
      reporting::describe_matrix(A, a.matrix, a.spd_check_limit);
  const long long rows = m.rows;

  const bool human = !json_out.to_stdout();
  if (human) {
    std::printf("asor info: %s\n", base_name(a.matrix).c_str());
    std::printf("size          %lld x %lld, nnz %lld (%.1f per row)\n", rows, m.cols, m.nnz,
                rows > 0 ? static_cast<double>(m.nnz) / static_cast<double>(rows) : 0.0);
  }
  if (!m.measured) {
    if (human) std::printf("validation    %s\n", m.validation.c_str());
    if (json_out.wanted()) write_json(m.document, json_out);
    return exit_ok;
  }

  const reporting::asymmetry& sym = m.sym;
  const reporting::diagonal_stats& dg = m.diagonal;
  const reporting::spd_check& spd = m.spd;
  const std::optional<omega_estimate>& est = m.estimate;
  if (human) {
    if (m.symmetric) {
      std::printf("symmetry      symmetric (max |a_ij - a_ji| / max |a_ij| = %s)\n",
                  sci(sym.relative).c_str());
    } else {
      std::printf("symmetry      NOT symmetric: |a_ij - a_ji| = %s at (%d, %d), relative %s\n",
                  sci(sym.max_abs).c_str(), sym.row, sym.col, sci(sym.relative).c_str());
    }
    if (dg.missing == 0 && dg.non_positive == 0) {
      std::printf("diagonal      all positive, min %s, max %s\n", sci(dg.min, 3).c_str(),
                  sci(dg.max, 3).c_str());
    } else {
      std::printf("diagonal      %d missing, %d non-positive (SOR needs a_ii > 0)\n", dg.missing,
                  dg.non_positive);
    }
    std::printf("dominance     %s of rows weakly diagonally dominant, %s strictly\n",
                percent(dg.weakly_dominant, rows).c_str(),
                percent(dg.strictly_dominant, rows).c_str());
    std::printf("SPD           %s (%s)\n", spd.verdict.c_str(), spd.detail.c_str());
    if (est) {
      print_estimate(*est);
      std::printf(
          "omega         where each method starts (auto; %d threads for the parallel ones):\n",
          m.default_threads);
      for (const auto& row : m.methods) {
        const omega_choice& c = row.choice;
        std::printf("  %-12s %.6f  %s%s\n", row.name.c_str(), c.omega, c.rule.c_str(),
                    c.heuristic ? "  (heuristic)" : "");
        std::printf("  %-12s   why: %s\n", "", c.reason.c_str());
      }
    } else {
      std::printf(
          "lambda        not estimated (needs a symmetric matrix with a positive "
          "diagonal)\n");
    }
    std::printf("sweep bytes   %s per sweep (12 B per entry, 36 B per row)\n",
                bytes_text(m.sweep_bytes).c_str());
    std::printf("validation    %s\n", m.validation.c_str());
    flush_stdout();
  }
  if (json_out.wanted()) write_json(m.document, json_out);
  return exit_ok;
}

}  // namespace

subcommand add_info(CLI::App& parent, const global_flags& global) {
  auto args = std::make_shared<info_args>();
  CLI::App* app = parent.add_subcommand("info", "Describe a matrix: size, symmetry, SPD, omega");
  app->add_option("A", args->matrix,
                  "Matrix file: Matrix Market, or triplet 'row col value' (0-based, both "
                  "triangles unless --symmetric); .gz read through zlib")
      ->required();
  add_input_flags(*app, args->input);
  app->add_option("--spd-check-limit", args->spd_check_limit,
                  "Largest n for which the SPD check factorizes A (LDLT)")
      ->capture_default_str();
  app->add_option("--json", args->json, "Write the JSON report to a file, or '-' for stdout");
  return {app, [args, &global] { return run_info(*args, global); }};
}

}  // namespace asor::cli
