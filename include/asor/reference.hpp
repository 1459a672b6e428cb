#pragma once
/// \file reference.hpp
/// \brief Direct solves that check the iterative ones.

#include <optional>
#include <string_view>

#include "asor/matrix.hpp"

namespace asor {

/// \brief The direct solvers asor can check against.
enum class reference_solver {
  ldlt,  ///< Eigen::SimplicialLDLT (AMD ordering)
  /// CHOLMOD supernodal Cholesky through Eigen's CholmodSupport, in the plugin
  /// libasor_cholmod.so (loaded on first use: CHOLMOD brings BLAS, LAPACK and METIS, and a
  /// threaded BLAS starts its threads when it is loaded)
  cholmod,
  strumpack,  ///< STRUMPACK sparse direct (only when built with it)
};

std::string_view to_string(reference_solver s) noexcept;
std::optional<reference_solver> reference_solver_from_string(std::string_view name) noexcept;
/// \returns whether \p s is compiled into this build (STRUMPACK is optional).
bool reference_available(reference_solver s) noexcept;

/// \brief A direct solve: its solution and what it cost.
struct reference_solution {
  reference_solver solver = reference_solver::ldlt;
  vector x;
  double relative_residual = 0;  ///< ||b - A x|| / ||b||
  double seconds = 0;            ///< factorization and solve (and the copy to column storage)
  double factor_seconds = 0;     ///< the factorization alone (ordering included)
  double solve_seconds = 0;      ///< the triangular solves alone, with the factor at hand
};

/// \brief Solves A x = b directly.
/// \throws std::runtime_error when the factorization fails (A not positive definite, names the
/// solver), when \p s is not available in this build, or when the CHOLMOD plugin cannot be
/// loaded.
reference_solution solve_reference(const sparse_matrix& A, const vector& b, reference_solver s);

/// \brief An iterative solution compared with a reference solution.
struct reference_check {
  reference_solution reference;
  double relative_error = 0;     ///< ||x - x_ref|| / ||x_ref||
  double relative_residual = 0;  ///< of the iterative x
};

/// \brief Solves directly with \p s and compares with \p x.
reference_check check_against_reference(const sparse_matrix& A, const vector& b, const vector& x,
                                        reference_solver s = reference_solver::ldlt);

}  // namespace asor
