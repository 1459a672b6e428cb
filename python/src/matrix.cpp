// A matrix held in the caller's numpy arrays (see matrix.hpp).

#include "matrix.hpp"

#include <cstddef>

namespace asor::python {

void require_1d(const py::array& a, const char* what) {
  if (a.ndim() != 1) {
    throw py::value_error(std::string(what) + " must be 1-D, got " + std::to_string(a.ndim()) +
                          " dimensions");
  }
}

csr_arrays arrays_of(std::int64_t rows, std::int64_t cols, const index_array& row_ptr,
                     const index_array& col_idx, const value_array& values) {
  require_1d(row_ptr, "indptr");
  require_1d(col_idx, "indices");
  require_1d(values, "data");
  return {rows,
          cols,
          {row_ptr.data(), static_cast<std::size_t>(row_ptr.size())},
          {col_idx.data(), static_cast<std::size_t>(col_idx.size())},
          {values.data(), static_cast<std::size_t>(values.size())}};
}

py_matrix::py_matrix(std::int64_t rows, std::int64_t cols, index_array row_ptr, index_array col_idx,
                     value_array values)
    : row_ptr_(std::move(row_ptr)), col_idx_(std::move(col_idx)), values_(std::move(values)) {
  const csr_arrays a = arrays_of(rows, cols, row_ptr_, col_idx_, values_);
  {
    // O(nnz) work on memory this object keeps alive: other Python threads may run meanwhile.
    const py::gil_scoped_release nogil;
    validate_matrix(a);
    // Valid: every row has exactly one diagonal entry, and it is positive.
    const auto n = static_cast<std::size_t>(rows);
    inv_diag_.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      for (auto k = static_cast<std::size_t>(a.row_ptr[i]);
           k < static_cast<std::size_t>(a.row_ptr[i + 1]); ++k) {
        if (static_cast<std::size_t>(a.col_idx[k]) == i) inv_diag_[i] = 1.0 / a.values[k];
      }
    }
  }
  view_.rows = static_cast<int>(rows);
  view_.row_ptr = a.row_ptr;
  view_.col_idx = a.col_idx;
  view_.values = a.values;
  view_.inv_diag = inv_diag_;
}

std::int64_t py_matrix::array_bytes() const noexcept {
  return static_cast<std::int64_t>(row_ptr_.nbytes() + col_idx_.nbytes() + values_.nbytes());
}

std::tuple<std::uintptr_t, std::uintptr_t, std::uintptr_t> py_matrix::addresses() const noexcept {
  return {reinterpret_cast<std::uintptr_t>(view_.row_ptr.data()),  // NOLINT: an address, for tests
          reinterpret_cast<std::uintptr_t>(view_.col_idx.data()),  // NOLINT
          reinterpret_cast<std::uintptr_t>(view_.values.data())};  // NOLINT
}

}  // namespace asor::python
