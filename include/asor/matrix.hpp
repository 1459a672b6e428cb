#pragma once
/// \file matrix.hpp
/// \brief The matrix and vector types asor works on, and the view its kernels see.

#include <Eigen/SparseCore>
#include <span>
#include <vector>

#include "asor/csr_view.hpp"

namespace asor {

/// \brief A sparse matrix in compressed sparse row form with 32-bit indices.
///
/// Every reader and generator returns this type; every solver accepts it without a copy.
using sparse_matrix = Eigen::SparseMatrix<double, Eigen::RowMajor, int>;

/// \brief A dense vector (right-hand side, solution).
using vector = Eigen::VectorXd;

/// \brief The non-owning CSR view of \p A that the kernels work on.
/// \pre \p A is compressed (`A.isCompressed()`), and \p inv_diag has `A.rows()` entries.
/// \warning The view refers to \p A's storage: it is invalidated when \p A changes or dies.
csr_view view_of(const sparse_matrix& A, std::span<const double> inv_diag);

/// \brief 1 / a_ii for each row; throws input_error when a diagonal entry is missing or <= 0.
std::vector<double> inverse_diagonal(const sparse_matrix& A);

}  // namespace asor
