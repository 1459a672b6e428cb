#pragma once
/// \file validate.hpp
/// \brief Checks that say exactly what is wrong with a system before any solve starts.

#include "asor/io/errors.hpp"
#include "asor/matrix.hpp"

namespace asor {

/// \brief Options of validate_matrix.
struct validation_options {
  /// largest accepted |a_ij - a_ji| relative to max(|a_ij|, |a_ji|)
  double symmetry_tolerance = 1e-10;
  bool require_symmetric = true;
};

/// \brief Throws input_error (no file; the caller attributes it) when \p A is empty, not square,
/// has a NaN or Inf (names the entry), a missing or non-positive diagonal entry (names the row),
/// or is not symmetric (names the largest asymmetry and where). Indices in messages are 0-based
/// as "(row, col)".
void validate_matrix(const sparse_matrix& A, const validation_options& options = {});

/// \brief Throws input_error when b's size differs from A's or b has a NaN or Inf entry.
void validate_rhs(const sparse_matrix& A, const vector& b);

}  // namespace asor
