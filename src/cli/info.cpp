/// \file info.cpp
/// \brief `asor info A`: size, symmetry, diagonal, dominance, SPD check, omega estimate, bytes.

#include <Eigen/SparseCholesky>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "asor/engine.hpp"
#include "asor/io/errors.hpp"
#include "asor/matrix.hpp"
#include "asor/validate.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/json_report.hpp"
#include "cli/output.hpp"

namespace asor::cli {

namespace {

/// \brief The flags of `asor info`.
struct info_args {
  std::string matrix;
  input_flags input;
  long long spd_check_limit = 200000;
  std::string json;
};

/// \brief Largest asymmetry |a_ij - a_ji| and where.
struct asymmetry {
  double max_abs = 0;
  double relative = 0;  ///< max_abs / max |a_ij|
  int row = -1;
  int col = -1;
};

asymmetry measure_symmetry(const sparse_matrix& A) {
  asymmetry s;
  const sparse_matrix At = A.transpose();
  const sparse_matrix D = A - At;
  for (int i = 0; i < D.outerSize(); ++i) {
    for (sparse_matrix::InnerIterator it(D, i); it; ++it) {
      if (std::fabs(it.value()) > s.max_abs) {
        s.max_abs = std::fabs(it.value());
        s.row = static_cast<int>(it.row());
        s.col = static_cast<int>(it.col());
      }
    }
  }
  double amax = 0;
  for (int k = 0; k < A.nonZeros(); ++k) amax = std::max(amax, std::fabs(A.valuePtr()[k]));
  s.relative = amax > 0 ? s.max_abs / amax : 0.0;
  return s;
}

/// \brief Diagonal and diagonal dominance, one pass over the rows.
struct diagonal_stats {
  int missing = 0;
  int non_positive = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  int weakly_dominant = 0;    ///< |a_ii| >= sum_{j != i} |a_ij|
  int strictly_dominant = 0;  ///< |a_ii| >  sum_{j != i} |a_ij|
};

diagonal_stats measure_diagonal(const sparse_matrix& A) {
  diagonal_stats d;
  for (int i = 0; i < A.outerSize(); ++i) {
    double diag = 0;
    double off = 0;
    bool found = false;
    for (sparse_matrix::InnerIterator it(A, i); it; ++it) {
      if (it.col() == i) {
        diag = it.value();
        found = true;
      } else {
        off += std::fabs(it.value());
      }
    }
    if (!found) {
      ++d.missing;
    } else {
      if (!(diag > 0)) ++d.non_positive;
      d.min = std::min(d.min, diag);
      d.max = std::max(d.max, diag);
    }
    if (std::fabs(diag) >= off) ++d.weakly_dominant;
    if (std::fabs(diag) > off) ++d.strictly_dominant;
  }
  return d;
}

/// \brief Outcome of the SPD check through SimplicialLDLT.
struct spd_check {
  std::string verdict;  ///< "yes", "no", "skipped"
  std::string detail;
  double seconds = std::numeric_limits<double>::quiet_NaN();
  std::optional<double> min_pivot;
};

spd_check check_spd(const sparse_matrix& A, bool symmetric, long long limit) {
  spd_check c;
  if (!symmetric) {
    c.verdict = "no";
    c.detail = "not symmetric";
    return c;
  }
  if (A.rows() > limit) {
    c.verdict = "skipped";
    c.detail = "n > limit " + std::to_string(limit) + " (--spd-check-limit)";
    return c;
  }
  const auto t0 = std::chrono::steady_clock::now();
  const Eigen::SparseMatrix<double> colmajor = A;
  Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>> ldlt(colmajor);
  c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (ldlt.info() != Eigen::Success) {
    c.verdict = "no";
    c.detail = "LDLT factorization failed (zero pivot)";
    return c;
  }
  const Eigen::VectorXd d = ldlt.vectorD();
  const auto bad = (d.array() <= 0.0).count();
  c.min_pivot = d.minCoeff();
  if (bad == 0) {
    c.verdict = "yes";
    c.detail = "LDLT: all " + std::to_string(d.size()) + " pivots > 0, smallest " +
               sci(*c.min_pivot) + ", " + duration(c.seconds);
  } else {
    c.verdict = "no";
    c.detail = "LDLT: " + std::to_string(bad) + " of " + std::to_string(d.size()) + " pivots <= 0";
  }
  return c;
}

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
  const long long rows = A.rows();
  const long long cols = A.cols();
  const long long nnz = A.nonZeros();
  const bool square = rows == cols;

  std::string validation = "ok";
  try {
    validate_matrix(A);
  } catch (const input_error& e) {
    validation = e.problem();
  }

  json j = json::object();
  j["schema"] = "asor.info/1";
  j["matrix"] = a.matrix;
  j["rows"] = rows;
  j["cols"] = cols;
  j["nnz"] = nnz;
  j["validation"] = validation;

  const bool human = !json_out.to_stdout();
  if (human) {
    std::printf("asor info: %s\n", base_name(a.matrix).c_str());
    std::printf("size          %lld x %lld, nnz %lld (%.1f per row)\n", rows, cols, nnz,
                rows > 0 ? static_cast<double>(nnz) / static_cast<double>(rows) : 0.0);
  }
  if (!square || rows == 0) {
    if (human) std::printf("validation    %s\n", validation.c_str());
    if (json_out.wanted()) write_json(j, json_out);
    return exit_ok;
  }

  const asymmetry sym = measure_symmetry(A);
  const bool symmetric = sym.relative <= validation_options{}.symmetry_tolerance;
  j["symmetric"] = symmetric;
  j["max_asymmetry"] = sym.max_abs;
  j["relative_asymmetry"] = sym.relative;

  const diagonal_stats dg = measure_diagonal(A);
  j["diagonal"] = json{{"missing", dg.missing},
                       {"non_positive", dg.non_positive},
                       {"min", number_or_null(dg.min)},
                       {"max", number_or_null(dg.max)}};
  j["diagonally_dominant_rows"] =
      json{{"weak", static_cast<double>(dg.weakly_dominant) / static_cast<double>(rows)},
           {"strict", static_cast<double>(dg.strictly_dominant) / static_cast<double>(rows)}};

  const spd_check spd = check_spd(A, symmetric, a.spd_check_limit);
  j["spd"] = json{{"verdict", spd.verdict},
                  {"detail", spd.detail},
                  {"seconds", number_or_null(spd.seconds)},
                  {"min_pivot", spd.min_pivot ? json(*spd.min_pivot) : nullptr},
                  {"limit", a.spd_check_limit}};

  std::optional<omega_estimate> est;
  double sweep_bytes = std::numeric_limits<double>::quiet_NaN();
  if (dg.missing == 0 && dg.non_positive == 0) {
    const std::vector<double> inv_diag = inverse_diagonal(A);
    const csr_view view = view_of(A, inv_diag);
    sweep_bytes = view.sweep_bytes(0, view.rows);
    if (symmetric) est = estimate_omega(view);
  } else {
    // The kernels need 1 / a_ii; the byte count does not depend on it.
    const double entries = static_cast<double>(nnz);
    sweep_bytes = entries * 12.0 + static_cast<double>(rows) * 36.0;
  }
  j["bytes_per_sweep"] = number_or_null(sweep_bytes);
  if (est) {
    j["omega_estimate"] =
        json{{"jacobi_rho", est->jacobi_rho},      {"lambda_min", est->lambda_min},
             {"lambda_max", est->lambda_max},      {"omega", est->omega},
             {"jacobi_omega", est->jacobi_omega},  {"lanczos_steps", est->lanczos_steps},
             {"meaningful", est->jacobi_rho < 1.0}};
  } else {
    j["omega_estimate"] = nullptr;
  }

  if (human) {
    if (symmetric) {
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
                bytes_text(sweep_bytes).c_str());
    std::printf("validation    %s\n", validation.c_str());
    flush_stdout();
  }
  if (json_out.wanted()) write_json(j, json_out);
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
