#include "asor/partition.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <stdexcept>
#include <string>

namespace asor {

partition::partition(std::vector<int> offsets) : offsets_(std::move(offsets)) {
  if (offsets_.size() < 2 || offsets_.front() != 0) {
    throw std::invalid_argument("partition: offsets must start at 0 and have at least 2 entries");
  }
  for (std::size_t k = 1; k < offsets_.size(); ++k) {
    if (offsets_[k] < offsets_[k - 1]) {
      throw std::invalid_argument("partition: offsets must be non-decreasing (offset " +
                                  std::to_string(k) + ")");
    }
  }
}

partition partition::uniform(int n, int blocks) {
  assert(blocks >= 1 && blocks <= std::max(n, 1));
  std::vector<int> off(static_cast<std::size_t>(blocks) + 1);
  for (int b = 0; b <= blocks; ++b) {
    off[static_cast<std::size_t>(b)] = static_cast<int>(static_cast<std::int64_t>(n) * b / blocks);
  }
  return partition(std::move(off));
}

partition partition::balanced_by_nnz(const csr_view& A, int blocks) {
  const int n = A.rows;
  assert(blocks >= 1 && blocks <= std::max(n, 1));
  std::vector<int> off(static_cast<std::size_t>(blocks) + 1, 0);
  const auto total = static_cast<double>(A.row_ptr[static_cast<std::size_t>(n)]);
  int row = 0;
  for (int b = 1; b < blocks; ++b) {
    // First row whose prefix count reaches the b-th share, leaving >= 1 row per later block.
    const double target = total * b / blocks;
    const auto* first = A.row_ptr.data() + row;
    const auto* last = A.row_ptr.data() + n;
    const auto* it = std::lower_bound(first, last, target,
                                      [](int v, double t) { return static_cast<double>(v) < t; });
    int cut = static_cast<int>(it - A.row_ptr.data());
    cut = std::clamp(cut, off[static_cast<std::size_t>(b) - 1] + 1, n - (blocks - b));
    off[static_cast<std::size_t>(b)] = cut;
    row = cut;
  }
  off[static_cast<std::size_t>(blocks)] = n;
  return partition(std::move(off));
}

int partition::block_of(int row) const noexcept {
  const auto it = std::upper_bound(offsets_.begin(), offsets_.end(), row);
  return static_cast<int>(it - offsets_.begin()) - 1;
}

std::vector<double> l1_inverse_diagonal(const csr_view& A, const partition& blocks) {
  std::vector<double> d(static_cast<std::size_t>(A.rows));
  for (int b = 0; b < blocks.blocks(); ++b) {
    const int lo = blocks.begin(b);
    const int hi = blocks.end(b);
    for (int i = lo; i < hi; ++i) {
      double diag = 0.0;
      double off_block = 0.0;
      for (int k = A.row_ptr[static_cast<std::size_t>(i)];
           k < A.row_ptr[static_cast<std::size_t>(i) + 1]; ++k) {
        const int j = A.col_idx[static_cast<std::size_t>(k)];
        const double a = A.values[static_cast<std::size_t>(k)];
        if (j == i) {
          diag += a;
        } else if (j < lo || j >= hi) {
          off_block += std::abs(a);
        }
      }
      d[static_cast<std::size_t>(i)] = 1.0 / (diag + off_block);
    }
  }
  return d;
}

}  // namespace asor
