/// \file validate.cpp
/// \brief Exact diagnostics of an invalid matrix or right-hand side.
///
/// Checks run by class, each over the whole matrix in row order, so the message names the first
/// problem of the most basic class: shape, then non-finite entries, then the diagonal, then
/// symmetry. Every check is O(nnz) (plus O(n) work space); the symmetry check transposes the
/// pattern by counting (CSR -> CSC) and compares row i of A with row i of A^T. Raw CSR arrays
/// (csr_arrays) first have their structure checked, which Eigen guarantees by itself.

#include "asor/validate.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace asor {
namespace {

/// Shortest decimal form that reads back as \p v ("-2", "0.5", "1e-10").
std::string exact(double v) {
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

/// Six significant digits, like printf's %g (for derived quantities).
std::string approx(double v) {
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 6);
  return std::string(buf, res.ptr);
}

std::string pos(Eigen::Index i, Eigen::Index j) {
  return "(" + std::to_string(i) + ", " + std::to_string(j) + ")";
}

/// The rows of a square matrix in row-major storage: an Eigen matrix (compressed or not) or raw
/// CSR arrays whose structure has been checked.
struct rows_of {
  Eigen::Index n = 0;          ///< rows (= columns)
  const int* outer = nullptr;  ///< row starts (n + 1 entries when compressed)
  const int* nnz = nullptr;    ///< entries per row when not compressed, else null
  const int* col = nullptr;
  const double* val = nullptr;

  static rows_of of(const sparse_matrix& A) {
    return {A.rows(), A.outerIndexPtr(), A.innerNonZeroPtr(), A.innerIndexPtr(), A.valuePtr()};
  }
  [[nodiscard]] Eigen::Index rows() const { return n; }
  [[nodiscard]] Eigen::Index begin(Eigen::Index i) const { return outer[i]; }
  [[nodiscard]] Eigen::Index end(Eigen::Index i) const {
    return nnz ? outer[i] + nnz[i] : outer[i + 1];
  }
};

void check_finite(const rows_of& A) {
  const int* col = A.col;
  const double* val = A.val;
  for (Eigen::Index i = 0; i < A.rows(); ++i) {
    for (Eigen::Index k = A.begin(i); k < A.end(i); ++k) {
      if (std::isnan(val[k])) throw input_error("entry " + pos(i, col[k]) + " is NaN");
      if (std::isinf(val[k])) throw input_error("entry " + pos(i, col[k]) + " is Inf");
    }
  }
}

void check_diagonal(const rows_of& A) {
  const int* col = A.col;
  const double* val = A.val;
  for (Eigen::Index i = 0; i < A.rows(); ++i) {
    bool found = false;
    for (Eigen::Index k = A.begin(i); k < A.end(i); ++k) {
      if (col[k] != i) continue;
      found = true;
      if (!(val[k] > 0.0)) {
        throw input_error("diagonal entry " + pos(i, i) + " is " + exact(val[k]) +
                          " (must be positive)");
      }
    }
    if (!found) throw input_error("diagonal entry " + pos(i, i) + " is missing");
  }
}

void check_symmetric(const rows_of& A, double tolerance) {
  const auto n = static_cast<std::size_t>(A.rows());
  const int* col = A.col;
  const double* val = A.val;

  // T = A^T in CSR (= A in CSC), by counting.
  std::vector<Eigen::Index> t_ptr(n + 1, 0);
  for (Eigen::Index i = 0; i < A.rows(); ++i) {
    for (Eigen::Index k = A.begin(i); k < A.end(i); ++k) {
      ++t_ptr[static_cast<std::size_t>(col[k]) + 1];
    }
  }
  for (std::size_t i = 0; i < n; ++i) t_ptr[i + 1] += t_ptr[i];
  std::vector<Eigen::Index> cursor(t_ptr.begin(), t_ptr.end() - 1);
  std::vector<int> t_col(static_cast<std::size_t>(t_ptr[n]));
  std::vector<double> t_val(t_col.size());
  for (Eigen::Index i = 0; i < A.rows(); ++i) {
    for (Eigen::Index k = A.begin(i); k < A.end(i); ++k) {
      const auto slot = static_cast<std::size_t>(cursor[static_cast<std::size_t>(col[k])]++);
      t_col[slot] = static_cast<int>(i);
      t_val[slot] = val[k];
    }
  }

  // Row i of A scattered into a dense work row; then each entry (i, j), j < i, of the union of the
  // patterns of A and A^T is compared once: a(i, j) against a(j, i) = T(i, j).
  std::vector<double> work(n, 0.0);
  std::vector<Eigen::Index> mark_a(n, -1), mark_t(n, -1);
  double worst_rel = -1.0, worst_abs = 0.0;
  Eigen::Index wi = 0, wj = 0;
  auto consider = [&](Eigen::Index i, Eigen::Index j, double aij, double aji) {
    const double diff = std::abs(aij - aji);
    const double scale = std::max(std::abs(aij), std::abs(aji));
    const double rel = scale > 0.0 ? diff / scale : 0.0;
    if (rel > worst_rel) {
      worst_rel = rel;
      worst_abs = diff;
      wi = i;
      wj = j;
    }
  };
  for (Eigen::Index i = 0; i < A.rows(); ++i) {
    for (Eigen::Index k = A.begin(i); k < A.end(i); ++k) {
      const auto j = static_cast<std::size_t>(col[k]);
      work[j] = val[k];
      mark_a[j] = i;
    }
    const auto ui = static_cast<std::size_t>(i);
    for (Eigen::Index k = t_ptr[ui]; k < t_ptr[ui + 1]; ++k) {
      const auto j = static_cast<std::size_t>(t_col[static_cast<std::size_t>(k)]);
      mark_t[j] = i;
      if (static_cast<Eigen::Index>(j) >= i) continue;
      const double aij = mark_a[j] == i ? work[j] : 0.0;
      consider(i, static_cast<Eigen::Index>(j), aij, t_val[static_cast<std::size_t>(k)]);
    }
    // entries (i, j), j < i, of A whose mirror (j, i) is not stored
    for (Eigen::Index k = A.begin(i); k < A.end(i); ++k) {
      const auto j = static_cast<std::size_t>(col[k]);
      if (static_cast<Eigen::Index>(j) >= i || mark_t[j] == i) continue;
      consider(i, static_cast<Eigen::Index>(j), val[k], 0.0);
    }
  }
  if (worst_rel > tolerance) {
    throw input_error("matrix is not symmetric: largest asymmetry |a" + pos(wi, wj) + " - a" +
                      pos(wj, wi) + "| = " + approx(worst_abs) + " (relative " + approx(worst_rel) +
                      ")");
  }
}

void check_shape(std::int64_t rows, std::int64_t cols) {
  if (rows == 0 || cols == 0) {
    if (rows == cols) throw input_error("matrix is empty (0 x 0)");
  }
  if (rows != cols) {
    throw input_error("matrix is not square (" + std::to_string(rows) + " x " +
                      std::to_string(cols) + ")");
  }
}

void check_values(const rows_of& rows, const validation_options& options) {
  check_finite(rows);
  check_diagonal(rows);
  if (options.require_symmetric) check_symmetric(rows, options.symmetry_tolerance);
}

/// The structure of raw CSR arrays of a square n x n matrix: what Eigen guarantees by itself.
void check_structure(const csr_arrays& A) {
  const auto n = static_cast<std::size_t>(A.rows);
  if (A.row_ptr.size() != n + 1) {
    throw input_error("row pointer has " + std::to_string(A.row_ptr.size()) +
                      " entries, expected rows + 1 = " + std::to_string(n + 1));
  }
  if (A.col_idx.size() != A.values.size()) {
    throw input_error("there are " + std::to_string(A.col_idx.size()) + " column indices but " +
                      std::to_string(A.values.size()) + " values");
  }
  if (A.row_ptr[0] != 0) {
    throw input_error("row pointer starts at " + std::to_string(A.row_ptr[0]) + ", not 0");
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (A.row_ptr[i + 1] < A.row_ptr[i]) {
      throw input_error("row pointer decreases at row " + std::to_string(i) + " (from " +
                        std::to_string(A.row_ptr[i]) + " to " + std::to_string(A.row_ptr[i + 1]) +
                        ")");
    }
  }
  if (static_cast<std::size_t>(A.row_ptr[n]) != A.values.size()) {
    throw input_error("row pointer ends at " + std::to_string(A.row_ptr[n]) + ", but there are " +
                      std::to_string(A.values.size()) + " entries");
  }
  std::vector<std::size_t> seen_in(n, n);  // seen_in[j] == i: row i has an entry in column j
  for (std::size_t i = 0; i < n; ++i) {
    for (auto k = static_cast<std::size_t>(A.row_ptr[i]);
         k < static_cast<std::size_t>(A.row_ptr[i + 1]); ++k) {
      const int j = A.col_idx[k];
      if (j < 0 || static_cast<std::size_t>(j) >= n) {
        throw input_error("entry " + std::to_string(k) + " (row " + std::to_string(i) +
                          ") has column index " + std::to_string(j) + ", outside [0, " +
                          std::to_string(n) + ")");
      }
      if (seen_in[static_cast<std::size_t>(j)] == i) {
        throw input_error("entry " + pos(static_cast<Eigen::Index>(i), j) + " is stored twice");
      }
      seen_in[static_cast<std::size_t>(j)] = i;
    }
  }
}

}  // namespace

void validate_matrix(const sparse_matrix& A, const validation_options& options) {
  check_shape(A.rows(), A.cols());
  check_values(rows_of::of(A), options);
}

void validate_matrix(const csr_arrays& A, const validation_options& options) {
  check_shape(A.rows, A.cols);
  check_structure(A);
  check_values({static_cast<Eigen::Index>(A.rows), A.row_ptr.data(), nullptr, A.col_idx.data(),
                A.values.data()},
               options);
}

void validate_rhs(std::int64_t rows, std::span<const double> b) {
  if (static_cast<std::int64_t>(b.size()) != rows) {
    throw input_error("right-hand side has " + std::to_string(b.size()) + " entries, matrix has " +
                      std::to_string(rows) + " rows");
  }
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (std::isnan(b[i])) {
      throw input_error("right-hand side entry " + std::to_string(i) + " is NaN");
    }
    if (std::isinf(b[i])) {
      throw input_error("right-hand side entry " + std::to_string(i) + " is Inf");
    }
  }
}

void validate_rhs(const sparse_matrix& A, const vector& b) {
  validate_rhs(A.rows(), {b.data(), static_cast<std::size_t>(b.size())});
}

}  // namespace asor
