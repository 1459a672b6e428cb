#include "asor/matrix.hpp"

#include <cassert>
#include <string>

#include "asor/io/errors.hpp"

namespace asor {

csr_view view_of(const sparse_matrix& A, std::span<const double> inv_diag) {
  assert(A.isCompressed() && "asor::view_of: the matrix must be compressed");
  assert(static_cast<Eigen::Index>(inv_diag.size()) == A.rows());
  const auto n = static_cast<std::size_t>(A.rows());
  const auto nnz = static_cast<std::size_t>(A.nonZeros());
  csr_view v;
  v.rows = static_cast<int>(A.rows());
  v.row_ptr = {A.outerIndexPtr(), n + 1};
  v.col_idx = {A.innerIndexPtr(), nnz};
  v.values = {A.valuePtr(), nnz};
  v.inv_diag = inv_diag;
  return v;
}

std::vector<double> inverse_diagonal(const sparse_matrix& A) {
  std::vector<double> d(static_cast<std::size_t>(A.rows()), 0.0);
  for (Eigen::Index i = 0; i < A.outerSize(); ++i) {
    double a_ii = 0.0;
    bool found = false;
    for (sparse_matrix::InnerIterator it(A, i); it; ++it) {
      if (it.col() == i) {
        a_ii = it.value();
        found = true;
      }
    }
    if (!found) {
      throw input_error("diagonal entry (" + std::to_string(i) + ", " + std::to_string(i) +
                        ") is missing");
    }
    if (!(a_ii > 0.0)) {
      throw input_error("diagonal entry (" + std::to_string(i) + ", " + std::to_string(i) +
                        ") is not positive");
    }
    d[static_cast<std::size_t>(i)] = 1.0 / a_ii;
  }
  return d;
}

}  // namespace asor
