/// \file info_document.cpp
/// \brief The measurements of `asor info` and the `asor.info/1` document (see info_document.hpp).

#include "report/info_document.hpp"

#include <Eigen/SparseCholesky>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

#include "asor/io/errors.hpp"
#include "asor/validate.hpp"
#include "report/text.hpp"

namespace asor::reporting {

namespace {

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

}  // namespace

matrix_description describe_matrix(const sparse_matrix& A, const std::string& matrix_name,
                                   long long spd_check_limit) {
  matrix_description m;
  m.rows = A.rows();
  m.cols = A.cols();
  m.nnz = A.nonZeros();
  m.validation = "ok";
  try {
    validate_matrix(A);
  } catch (const input_error& e) {
    m.validation = e.problem();
  }

  json& j = m.document;
  j = json::object();
  j["schema"] = "asor.info/1";
  j["matrix"] = matrix_name.empty() ? json(nullptr) : json(matrix_name);
  j["rows"] = m.rows;
  j["cols"] = m.cols;
  j["nnz"] = m.nnz;
  j["validation"] = m.validation;
  if (m.rows != m.cols || m.rows == 0) return m;
  m.measured = true;

  m.sym = measure_symmetry(A);
  m.symmetric = m.sym.relative <= validation_options{}.symmetry_tolerance;
  j["symmetric"] = m.symmetric;
  j["max_asymmetry"] = m.sym.max_abs;
  j["relative_asymmetry"] = m.sym.relative;

  const diagonal_stats& dg = m.diagonal = measure_diagonal(A);
  j["diagonal"] = json{{"missing", dg.missing},
                       {"non_positive", dg.non_positive},
                       {"min", number_or_null(dg.min)},
                       {"max", number_or_null(dg.max)}};
  j["diagonally_dominant_rows"] =
      json{{"weak", static_cast<double>(dg.weakly_dominant) / static_cast<double>(m.rows)},
           {"strict", static_cast<double>(dg.strictly_dominant) / static_cast<double>(m.rows)}};

  m.spd = check_spd(A, m.symmetric, spd_check_limit);
  j["spd"] = json{{"verdict", m.spd.verdict},
                  {"detail", m.spd.detail},
                  {"seconds", number_or_null(m.spd.seconds)},
                  {"min_pivot", m.spd.min_pivot ? json(*m.spd.min_pivot) : nullptr},
                  {"limit", spd_check_limit}};

  if (dg.missing == 0 && dg.non_positive == 0) {
    const std::vector<double> inv_diag = inverse_diagonal(A);
    const csr_view view = view_of(A, inv_diag);
    m.sweep_bytes = view.sweep_bytes(0, view.rows);
    if (m.symmetric) {
      spectral_options so;
      so.estimate_beta = true;  // for SSOR's rule
      m.estimate = estimate_omega(view, so);
    }
  } else {
    // The kernels need 1 / a_ii; the byte count does not depend on it.
    const double entries = static_cast<double>(m.nnz);
    m.sweep_bytes = entries * 12.0 + static_cast<double>(m.rows) * 36.0;
  }
  j["bytes_per_sweep"] = number_or_null(m.sweep_bytes);
  if (const auto& est = m.estimate) {
    // The omega each method would start from, with the threads a solve would use by default.
    m.default_threads = default_threads();
    struct method_row {
      const char* name;
      method m;
      sweep_direction d;
      int threads;
    };
    const method_row method_rows[] = {
        {"sor", method::sor, sweep_direction::forward, 1},
        {"ssor", method::ssor, sweep_direction::symmetric, 1},
        {"jacobi", method::jacobi, sweep_direction::forward, m.default_threads},
        {"multicolor", method::multicolor, sweep_direction::forward, m.default_threads},
        {"block-jacobi", method::block_jacobi, sweep_direction::forward, m.default_threads},
        {"async", method::async, sweep_direction::forward, m.default_threads},
    };
    json methods = json::object();
    for (const method_row& r : method_rows) {
      m.methods.push_back({r.name, r.threads, choose_omega(*est, r.m, r.d, r.threads)});
      const omega_choice& c = m.methods.back().choice;
      methods[r.name] =
          json{{"omega", c.omega},     {"omega_min", c.omega_min}, {"omega_max", c.omega_max},
               {"threads", r.threads}, {"heuristic", c.heuristic}, {"rule", c.rule},
               {"reason", c.reason}};
    }
    j["omega_estimate"] = json{{"lambda_min", est->lambda_min},
                               {"lambda_min_error", est->lambda_min_error},
                               {"lambda_max", est->lambda_max},
                               {"lambda_max_error", est->lambda_max_error},
                               {"beta", number_or_null(est->beta)},
                               {"bipartite", est->bipartite},
                               {"consistently_ordered", est->consistently_ordered},
                               {"jacobi_rho", est->jacobi_rho},
                               {"converged", est->converged},
                               {"exact", est->exact},
                               {"lanczos_steps", est->lanczos_steps},
                               {"cost_sweeps", est->cost_sweeps},
                               {"beta_cost_sweeps", est->beta_cost_sweeps},
                               {"budget_sweeps", est->budget_sweeps},
                               {"predicted_sor_sweeps", est->predicted_sweeps},
                               {"seconds", est->seconds},
                               {"methods", methods}};
  } else {
    j["omega_estimate"] = nullptr;
  }
  return m;
}

}  // namespace asor::reporting
