/// \file reference.cpp
/// \brief Direct solves (Eigen SimplicialLDLT, CHOLMOD, optionally STRUMPACK) that check the
/// iterative ones.
///
/// CHOLMOD lives in the plugin libasor_cholmod.so, loaded with dlopen on first use (see
/// src/plugins/cholmod_plugin.hpp): no BLAS is loaded, and no BLAS thread started, by a program
/// that never asks for a CHOLMOD reference.

#include <dlfcn.h>

#include <Eigen/SparseCholesky>
#include <Eigen/SparseCore>

#include "asor/reference.hpp"

#include <array>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "asor/config.hpp"
#include "asor/validate.hpp"
#include "plugins/cholmod_plugin.hpp"

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

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

vector solve_ldlt(const sparse_matrix& A, const vector& b, reference_solution& out) {
  const col_matrix C = A;
  const auto t0 = clock_type::now();
  Eigen::SimplicialLDLT<col_matrix, Eigen::Lower, Eigen::AMDOrdering<int>> ldlt;
  ldlt.compute(C);
  out.factor_seconds = seconds_since(t0);
  // LDL^T succeeds on indefinite matrices; positive definite means every pivot of D is > 0.
  if (ldlt.info() != Eigen::Success || !(ldlt.vectorD().array() > 0.0).all()) {
    not_positive_definite(reference_solver::ldlt);
  }
  const auto t1 = clock_type::now();
  vector x = ldlt.solve(b);
  out.solve_seconds = seconds_since(t1);
  if (ldlt.info() != Eigen::Success) {
    throw std::runtime_error("ldlt: solve failed");
  }
  return x;
}

/// An object of libasor's own, whose address tells dladdr where the library was loaded from.
const char library_anchor = 0;

/// The plugin's entry point, or why it could not be loaded.
struct cholmod_entry {
  asor_cholmod_solve_fn solve = nullptr;
  std::string error;
};

/// Loads the plugin once: from the directory libasor itself was loaded from (build tree and
/// install tree alike), else through the dynamic linker's search path. The handle stays open for
/// the life of the process (unloading a BLAS is asking for trouble).
const cholmod_entry& cholmod_plugin() {
  static const cholmod_entry entry = [] {
    constexpr const char* file = "libasor_cholmod.so";
    cholmod_entry e;
    void* handle = nullptr;
    Dl_info self{};
    if (dladdr(&library_anchor, &self) != 0 && self.dli_fname != nullptr) {
      const std::string beside =
          (std::filesystem::path(self.dli_fname).parent_path() / file).string();
      handle = dlopen(beside.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (handle == nullptr) e.error = dlerror();
    }
    if (handle == nullptr) {
      handle = dlopen(file, RTLD_NOW | RTLD_LOCAL);
      if (handle == nullptr) e.error += (e.error.empty() ? "" : "; ") + std::string(dlerror());
    }
    if (handle != nullptr) {
      e.solve = reinterpret_cast<asor_cholmod_solve_fn>(dlsym(handle, ASOR_CHOLMOD_SOLVE_SYMBOL));
      if (e.solve == nullptr) e.error = dlerror();
    }
    return e;
  }();
  if (entry.solve == nullptr) {
    throw std::runtime_error("cholmod: cannot load the CHOLMOD plugin: " + entry.error);
  }
  return entry;
}

vector solve_cholmod(const sparse_matrix& A, const vector& b, reference_solution& out) {
  const asor_cholmod_solve_fn solve = cholmod_plugin().solve;
  // A is symmetric: its compressed rows are its compressed columns.
  sparse_matrix compressed;
  const sparse_matrix* M = &A;
  if (!A.isCompressed()) {
    compressed = A;
    compressed.makeCompressed();
    M = &compressed;
  }
  vector x(A.rows());
  std::array<char, 256> message{};
  const int status = solve(static_cast<int>(M->rows()), M->outerIndexPtr(), M->innerIndexPtr(),
                           M->valuePtr(), b.data(), x.data(), &out.factor_seconds,
                           &out.solve_seconds, message.data(), message.size());
  switch (status) {
    case asor_cholmod_ok:
      return x;
    case asor_cholmod_not_positive_definite:
      not_positive_definite(reference_solver::cholmod);
    case asor_cholmod_solve_failed:
      throw std::runtime_error("cholmod: solve failed");
    default:
      throw std::runtime_error(std::string("cholmod: ") + message.data());
  }
}

#if ASOR_HAVE_STRUMPACK
/// STRUMPACK's sequential sparse direct solver (multifrontal LU) on A's CSR arrays, no copy.
/// No MC64 matching (an SPD matrix needs no pivoting help), no Krylov refinement: a pure direct
/// solve, like the other references.
vector solve_strumpack(const sparse_matrix& A, const vector& b, reference_solution& out) {
  const auto t0 = clock_type::now();
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
  out.factor_seconds = seconds_since(t0);
  const auto t1 = clock_type::now();
  vector x(A.rows());
  if (solver.solve(b.data(), x.data(), false) != strumpack::ReturnCode::SUCCESS) {
    throw std::runtime_error("strumpack: solve failed");
  }
  out.solve_seconds = seconds_since(t1);
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

  const auto start = clock_type::now();
  reference_solution out;
  out.solver = s;
  switch (s) {
    case reference_solver::ldlt:
      out.x = solve_ldlt(A, b, out);
      break;
    case reference_solver::cholmod:
      out.x = solve_cholmod(A, b, out);
      break;
    case reference_solver::strumpack:
#if ASOR_HAVE_STRUMPACK
      if (A.isCompressed()) {
        out.x = solve_strumpack(A, b, out);
      } else {
        sparse_matrix compressed = A;
        compressed.makeCompressed();
        out.x = solve_strumpack(compressed, b, out);
      }
#endif
      break;
  }
  out.seconds = seconds_since(start);
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
