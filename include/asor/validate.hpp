#pragma once
/// \file validate.hpp
/// \brief Checks that say exactly what is wrong with a system before any solve starts.

#include <cstdint>
#include <span>

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

/// \brief A matrix in compressed sparse row arrays held elsewhere (a scipy.sparse matrix's
/// buffers, a file mapped in memory): what validate_matrix checks before a csr_view is made of it.
struct csr_arrays {
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::span<const int> row_ptr;    ///< rows + 1 offsets into col_idx and values
  std::span<const int> col_idx;    ///< column of each stored entry (any order within a row)
  std::span<const double> values;  ///< value of each stored entry
};

/// \brief validate_matrix on raw arrays, with no copy: the shape (empty, not square), then their
/// structure (row_ptr has rows + 1 entries, starts at 0, never decreases and ends at the number
/// of entries; every column index lies in [0, cols); no entry is stored twice in a row), then the
/// checks and messages of the sparse_matrix overload. Column indices need not be sorted.
/// \throws input_error naming the first problem.
void validate_matrix(const csr_arrays& A, const validation_options& options = {});

/// \brief validate_rhs for \p b against a matrix of \p rows rows (same messages).
void validate_rhs(std::int64_t rows, std::span<const double> b);

}  // namespace asor
