#pragma once
/// \file cholmod_plugin.hpp
/// \brief The interface between libasor and its CHOLMOD plugin, libasor_cholmod.so (private).
///
/// CHOLMOD pulls in BLAS, LAPACK and METIS; a threaded BLAS (OpenBLAS's pthread build) starts its
/// threads when it is loaded and joins them in exit(), where under a tight `ulimit -v` it was seen
/// to hang for good. libasor therefore does not link CHOLMOD: reference.cpp loads this plugin
/// with dlopen the first time a CHOLMOD reference solve is asked for, so that no other use of the
/// library or the tool loads a BLAS at all.

#include <cstddef>

/// Name of the plugin's one entry point (C linkage; bump the suffix when its signature changes).
#define ASOR_CHOLMOD_SOLVE_SYMBOL "asor_cholmod_solve_v1"

extern "C" {

/// \brief Outcomes of asor_cholmod_solve_v1.
enum asor_cholmod_status {
  asor_cholmod_ok = 0,
  asor_cholmod_not_positive_definite = 1,  ///< the factorization failed
  asor_cholmod_solve_failed = 2,           ///< the triangular solves failed
  asor_cholmod_error = 3,                  ///< anything else; \p message says what
};

/// \brief Solves A x = b with CHOLMOD's supernodal Cholesky factorization.
/// \param n rows of the symmetric matrix A
/// \param outer, inner, values A in compressed storage (both triangles; row- and column-major
///        storage are the same for a symmetric matrix)
/// \param b, x right-hand side and solution (n entries each)
/// \param factor_seconds, solve_seconds what the factorization and the solve took
/// \param message, message_size where to put a message when the result is asor_cholmod_error
/// \returns an asor_cholmod_status
int asor_cholmod_solve_v1(int n, const int* outer, const int* inner, const double* values,
                          const double* b, double* x, double* factor_seconds, double* solve_seconds,
                          char* message, std::size_t message_size);
}

/// The type of the entry point, for dlsym.
using asor_cholmod_solve_fn = decltype(&asor_cholmod_solve_v1);
