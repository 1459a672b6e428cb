/// \file validate.cpp
/// \brief Exact diagnostics of an invalid matrix or right-hand side.
///
/// Checks run by class, each over the whole matrix in row order, so the message names the first
/// problem of the most basic class: shape, then non-finite entries, then the diagonal, then
/// symmetry. Every check is O(nnz) (plus O(n) work space); the symmetry check transposes the
/// pattern by counting (CSR -> CSC) and compares row i of A with row i of A^T.

#include "asor/validate.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
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

/// Row ranges of A, compressed or not.
struct rows_of {
  const sparse_matrix& A;
  [[nodiscard]] Eigen::Index begin(Eigen::Index i) const { return A.outerIndexPtr()[i]; }
  [[nodiscard]] Eigen::Index end(Eigen::Index i) const {
    const int* nnz = A.innerNonZeroPtr();
    return nnz ? A.outerIndexPtr()[i] + nnz[i] : A.outerIndexPtr()[i + 1];
  }
};

void check_finite(const sparse_matrix& A, const rows_of& rows) {
  const int* col = A.innerIndexPtr();
  const double* val = A.valuePtr();
  for (Eigen::Index i = 0; i < A.rows(); ++i) {
    for (Eigen::Index k = rows.begin(i); k < rows.end(i); ++k) {
      if (std::isnan(val[k])) throw input_error("entry " + pos(i, col[k]) + " is NaN");
      if (std::isinf(val[k])) throw input_error("entry " + pos(i, col[k]) + " is Inf");
    }
  }
}

void check_diagonal(const sparse_matrix& A, const rows_of& rows) {
  const int* col = A.innerIndexPtr();
  const double* val = A.valuePtr();
  for (Eigen::Index i = 0; i < A.rows(); ++i) {
    bool found = false;
    for (Eigen::Index k = rows.begin(i); k < rows.end(i); ++k) {
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

void check_symmetric(const sparse_matrix& A, const rows_of& rows, double tolerance) {
  const auto n = static_cast<std::size_t>(A.rows());
  const int* col = A.innerIndexPtr();
  const double* val = A.valuePtr();

  // T = A^T in CSR (= A in CSC), by counting.
  std::vector<Eigen::Index> t_ptr(n + 1, 0);
  for (Eigen::Index i = 0; i < A.rows(); ++i) {
    for (Eigen::Index k = rows.begin(i); k < rows.end(i); ++k) {
      ++t_ptr[static_cast<std::size_t>(col[k]) + 1];
    }
  }
  for (std::size_t i = 0; i < n; ++i) t_ptr[i + 1] += t_ptr[i];
  std::vector<Eigen::Index> cursor(t_ptr.begin(), t_ptr.end() - 1);
  std::vector<int> t_col(static_cast<std::size_t>(t_ptr[n]));
  std::vector<double> t_val(t_col.size());
  for (Eigen::Index i = 0; i < A.rows(); ++i) {
    for (Eigen::Index k = rows.begin(i); k < rows.end(i); ++k) {
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
    for (Eigen::Index k = rows.begin(i); k < rows.end(i); ++k) {
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
    for (Eigen::Index k = rows.begin(i); k < rows.end(i); ++k) {
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

}  // namespace

void validate_matrix(const sparse_matrix& A, const validation_options& options) {
  if (A.rows() == 0 || A.cols() == 0) {
    if (A.rows() == A.cols()) throw input_error("matrix is empty (0 x 0)");
  }
  if (A.rows() != A.cols()) {
    throw input_error("matrix is not square (" + std::to_string(A.rows()) + " x " +
                      std::to_string(A.cols()) + ")");
  }
  const rows_of rows{A};
  check_finite(A, rows);
  check_diagonal(A, rows);
  if (options.require_symmetric) check_symmetric(A, rows, options.symmetry_tolerance);
}

void validate_rhs(const sparse_matrix& A, const vector& b) {
  if (b.size() != A.rows()) {
    throw input_error("right-hand side has " + std::to_string(b.size()) + " entries, matrix has " +
                      std::to_string(A.rows()) + " rows");
  }
  for (Eigen::Index i = 0; i < b.size(); ++i) {
    if (std::isnan(b[i]))
      throw input_error("right-hand side entry " + std::to_string(i) + " is NaN");
    if (std::isinf(b[i]))
      throw input_error("right-hand side entry " + std::to_string(i) + " is Inf");
  }
}

}  // namespace asor
