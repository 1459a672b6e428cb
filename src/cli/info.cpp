/// \file info.cpp
/// \brief `asor info A`: size, symmetry, diagonal, dominance, SPD check, omega estimate, bytes.

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
      std::printf("Jacobi rho    %s (Lanczos, %d steps; eigenvalues of D^-1 A in [%s, %s])\n",
                  fixed(est->jacobi_rho, 4).c_str(), est->lanczos_steps,
                  sci(est->lambda_min, 2).c_str(), sci(est->lambda_max, 2).c_str());
      if (est->jacobi_rho < 1.0) {
        std::printf(
            "omega         %s suggested for SOR (Young: 2 / (1 + sqrt(1 - rho^2))); "
            "Jacobi weight %s\n",
            fixed(est->omega, 3).c_str(), fixed(est->jacobi_omega, 3).c_str());
      } else {
        std::printf(
            "omega         no suggestion: rho >= 1, Jacobi diverges (SOR with omega in "
            "(0, 2) still converges on SPD); Jacobi weight %s\n",
            fixed(est->jacobi_omega, 3).c_str());
      }
    } else {
      std::printf(
          "Jacobi rho    not estimated (needs a symmetric matrix with a positive "
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
