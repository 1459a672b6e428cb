#pragma once
/// \file csr_view.hpp
/// \brief A non-owning compressed-sparse-row view: what every kernel of asor works on.

#include <cstddef>
#include <cstdint>
#include <span>

namespace asor {

/// \brief Non-owning CSR view of a square matrix plus its inverse diagonal.
///
/// Kernels know nothing of Eigen: they see four spans. `inv_diag` is part of the view because
/// every relaxation needs it and because the l1 variant of a method is the same kernel run on a
/// view whose `inv_diag` holds 1 / (a_ii + sum of |a_ij| outside the row's block).
///
/// Thread safety: a view is read-only and may be shared freely between threads.
struct csr_view {
  int rows = 0;                      ///< n (the matrix is n x n)
  std::span<const int> row_ptr;      ///< n + 1 offsets into col_idx / values
  std::span<const int> col_idx;      ///< column of each stored entry
  std::span<const double> values;    ///< value of each stored entry
  std::span<const double> inv_diag;  ///< 1 / a_ii (or the l1-modified diagonal) per row

  /// \returns the number of stored entries.
  [[nodiscard]] std::int64_t nnz() const noexcept {
    return static_cast<std::int64_t>(values.size());
  }

  /// \returns a copy of this view whose inverse diagonal is \p d (same pattern and values).
  [[nodiscard]] csr_view with_inv_diag(std::span<const double> d) const noexcept {
    csr_view v = *this;
    v.inv_diag = d;
    return v;
  }

  /// \returns the bytes one sweep over rows [begin, end) moves at least: values (8 B) and column
  /// indices (4 B) per entry, the row pointers, x read and written, b and inv_diag read.
  [[nodiscard]] double sweep_bytes(int begin, int end) const noexcept {
    const auto b = static_cast<std::size_t>(begin);
    const auto e = static_cast<std::size_t>(end);
    const double entries = static_cast<double>(row_ptr[e] - row_ptr[b]);
    const double n = static_cast<double>(end - begin);
    return entries * 12.0 + n * (4.0 + 8.0 * 4.0);
  }
};

}  // namespace asor
