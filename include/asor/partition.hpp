#pragma once
/// \file partition.hpp
/// \brief Contiguous row blocks: who owns which rows of x.

#include <span>
#include <vector>

#include "asor/csr_view.hpp"

namespace asor {

/// \brief A split of rows [0, n) into contiguous blocks, stored like a CSR row pointer.
///
/// Block b owns rows [begin(b), end(b)). The type is separate from the engines so that a graph
/// partitioner (or a reordering) can replace the default `balanced_by_nnz` later.
class partition {
 public:
  partition() = default;

  /// \brief From explicit offsets: offsets[0] == 0, non-decreasing, at least two entries.
  /// \throws std::invalid_argument when the offsets are malformed.
  explicit partition(std::vector<int> offsets);

  /// \brief \p blocks blocks of (almost) equal row count.
  /// \pre 1 <= blocks <= n
  static partition uniform(int n, int blocks);

  /// \brief \p blocks contiguous blocks with (almost) equal numbers of stored entries.
  /// Every block gets at least one row.
  /// \pre 1 <= blocks <= A.rows
  static partition balanced_by_nnz(const csr_view& A, int blocks);

  [[nodiscard]] int blocks() const noexcept { return static_cast<int>(offsets_.size()) - 1; }
  [[nodiscard]] int rows() const noexcept { return offsets_.empty() ? 0 : offsets_.back(); }
  [[nodiscard]] int begin(int block) const noexcept {
    return offsets_[static_cast<std::size_t>(block)];
  }
  [[nodiscard]] int end(int block) const noexcept {
    return offsets_[static_cast<std::size_t>(block) + 1];
  }
  [[nodiscard]] std::span<const int> offsets() const noexcept { return offsets_; }

  /// \returns the block that owns \p row (binary search).
  [[nodiscard]] int block_of(int row) const noexcept;

 private:
  std::vector<int> offsets_;
};

/// \brief The l1 inverse diagonal of Baker, Falgout, Kolev and Yang (2011):
/// 1 / (a_ii + sum_{j outside the block of i} |a_ij|), one entry per row.
std::vector<double> l1_inverse_diagonal(const csr_view& A, const partition& blocks);

}  // namespace asor
