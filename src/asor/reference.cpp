/// \file reference.cpp
/// \brief Direct solves (Eigen SimplicialLDLT, CHOLMOD, optionally STRUMPACK) that check the
/// iterative ones.

// GCC 12 reports -Wnull-dereference inside Eigen's sparse headers once viewAsCholmod is inlined
// here (a middle-end warning that escapes the system-header suppression). The pragma covers the
// headers' text only, not this file's code.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <Eigen/CholmodSupport>
#include <Eigen/SparseCholesky>
#include <Eigen/SparseCore>
#pragma GCC diagnostic pop

#include "asor/reference.hpp"

#include <chrono>
#include <stdexcept>
#include <string>

#include "asor/config.hpp"
#include "asor/validate.hpp"

#if ASOR_HAVE_STRUMPACK
#include <StrumpackSparseSolver.hpp>
#endif

namespace asor {
namespace {

/// The factorizations below want column-major storage. A is symmetric, so only the storage
/// order changes (one O(nnz) pass).
using col_matrix = Eigen::SparseMatrix<double, Eigen::ColMajor, int>;

[[noreturn]] void not_positive_definite(reference_solver s) {
  throw std::runtime_error(std::string(to_string(s)) + ": matrix is not positive definite");
}

vector solve_ldlt(const sparse_matrix& A, const vector& b) {
  const col_matrix C = A;
  Eigen::SimplicialLDLT<col_matrix, Eigen::Lower, Eigen::AMDOrdering<int>> ldlt;
  ldlt.compute(C);
  // LDL^T succeeds on indefinite matrices; positive definite means every pivot of D is > 0.
  if (ldlt.info() != Eigen::Success || !(ldlt.vectorD().array() > 0.0).all()) {
    not_positive_definite(reference_solver::ldlt);
  }
  vector x = ldlt.solve(b);
  if (ldlt.info() != Eigen::Success) {
    throw std::runtime_error("ldlt: solve failed");
  }
  return x;
}

vector solve_cholmod(const sparse_matrix& A, const vector& b) {
  const col_matrix C = A;
  Eigen::CholmodSupernodalLLT<col_matrix, Eigen::Lower> llt;
  llt.cholmod().print = 0;  // the library never prints; failures come back as exceptions
  llt.compute(C);
  if (llt.info() != Eigen::Success) not_positive_definite(reference_solver::cholmod);
  vector x = llt.solve(b);
  if (llt.info() != Eigen::Success) {
    throw std::runtime_error("cholmod: solve failed");
  }
  return x;
}

#if ASOR_HAVE_STRUMPACK
/// STRUMPACK's sequential sparse direct solver (multifrontal LU) on A's CSR arrays, no copy.
/// No MC64 matching (an SPD matrix needs no pivoting help), no Krylov refinement: a pure direct
/// solve, like the other references.
vector solve_strumpack(const sparse_matrix& A, const vector& b) {
  strumpack::StrumpackSparseSolver<double, int> solver(/*verbose=*/false, /*root=*/true);
  solver.options().set_verbose(false);
  solver.options().set_matching(strumpack::MatchingJob::NONE);
  solver.options().set_Krylov_solver(strumpack::KrylovSolver::DIRECT);
  const auto n = static_cast<int>(A.rows());
  solver.set_csr_matrix(n, A.outerIndexPtr(), A.innerIndexPtr(), A.valuePtr(),
                        /*symmetric_pattern=*/true);
  if (solver.reorder() != strumpack::ReturnCode::SUCCESS) {
    throw std::runtime_error("strumpack: reordering failed");
  }
  if (solver.factor() != strumpack::ReturnCode::SUCCESS) {
    throw std::runtime_error("strumpack: factorization failed (matrix singular?)");
  }
  vector x(A.rows());
  if (solver.solve(b.data(), x.data(), false) != strumpack::ReturnCode::SUCCESS) {
    throw std::runtime_error("strumpack: solve failed");
  }
  return x;
}
#endif

/// ||b - A x|| / ||b||, or ||b - A x|| when b = 0.
double relative_residual_of(const sparse_matrix& A, const vector& b, const vector& x) {
  const double r = (b - A * x).norm();
  const double nb = b.norm();
  return nb > 0.0 ? r / nb : r;
}

}  // namespace

std::string_view to_string(reference_solver s) noexcept {
  switch (s) {
    case reference_solver::ldlt:
      return "ldlt";
    case reference_solver::cholmod:
      return "cholmod";
    case reference_solver::strumpack:
      return "strumpack";
  }
  return "unknown";
}

std::optional<reference_solver> reference_solver_from_string(std::string_view name) noexcept {
  for (const auto s :
       {reference_solver::ldlt, reference_solver::cholmod, reference_solver::strumpack}) {
    if (name == to_string(s)) return s;
  }
  return std::nullopt;
}

bool reference_available(reference_solver s) noexcept {
  switch (s) {
    case reference_solver::ldlt:
    case reference_solver::cholmod:
      return true;
    case reference_solver::strumpack:
      return ASOR_HAVE_STRUMPACK != 0;
  }
  return false;
}

reference_solution solve_reference(const sparse_matrix& A, const vector& b, reference_solver s) {
  if (!reference_available(s)) {
    throw std::runtime_error(std::string(to_string(s)) +
                             ": not available in this build (configure with "
                             "-DASOR_WITH_STRUMPACK=ON and STRUMPACK installed)");
  }
  if (A.rows() == 0 && A.cols() == 0) throw input_error("matrix is empty (0 x 0)");
  if (A.rows() != A.cols()) {
    throw input_error("matrix is not square (" + std::to_string(A.rows()) + " x " +
                      std::to_string(A.cols()) + ")");
  }
  validate_rhs(A, b);

  const auto start = std::chrono::steady_clock::now();
  reference_solution out;
  out.solver = s;
  switch (s) {
    case reference_solver::ldlt:
      out.x = solve_ldlt(A, b);
      break;
    case reference_solver::cholmod:
      out.x = solve_cholmod(A, b);
      break;
    case reference_solver::strumpack:
#if ASOR_HAVE_STRUMPACK
      if (A.isCompressed()) {
        out.x = solve_strumpack(A, b);
      } else {
        sparse_matrix compressed = A;
        compressed.makeCompressed();
        out.x = solve_strumpack(compressed, b);
      }
#endif
      break;
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.relative_residual = relative_residual_of(A, b, out.x);
  return out;
}

reference_check check_against_reference(const sparse_matrix& A, const vector& b, const vector& x,
                                        reference_solver s) {
  reference_check out;
  out.reference = solve_reference(A, b, s);
  if (x.size() != out.reference.x.size()) {
    throw input_error("solution has " + std::to_string(x.size()) + " entries, matrix has " +
                      std::to_string(A.rows()) + " rows");
  }
  const double nref = out.reference.x.norm();
  const double diff = (x - out.reference.x).norm();
  out.relative_error = nref > 0.0 ? diff / nref : diff;
  out.relative_residual = relative_residual_of(A, b, x);
  return out;
}

}  // namespace asor
