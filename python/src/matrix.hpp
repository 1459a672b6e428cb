#pragma once
// Private to the Python module: a matrix held in the caller's numpy arrays.

#include <cstdint>
#include <tuple>
#include <vector>

#include "asor/validate.hpp"
#include "binding.hpp"

namespace asor::python {

/// \brief A square matrix in the caller's CSR arrays (a scipy.sparse matrix's buffers), validated,
/// with its inverse diagonal: what an engine solves on. The arrays are referenced, never copied;
/// this object keeps them alive while an engine works on them.
///
/// Thread safety: immutable after construction (the caller must not modify the arrays while a
/// solve runs; docs/python.md).
class py_matrix {
 public:
  /// \brief Validates (asor::validate_matrix on the arrays, with the GIL released) and computes
  /// 1 / a_ii. \throws ValueError with validate_matrix's message.
  py_matrix(std::int64_t rows, std::int64_t cols, index_array row_ptr, index_array col_idx,
            value_array values);

  [[nodiscard]] const csr_view& view() const noexcept { return view_; }
  [[nodiscard]] int rows() const noexcept { return view_.rows; }
  [[nodiscard]] std::int64_t nnz() const noexcept { return view_.nnz(); }
  /// \returns the bytes of the three arrays this matrix refers to (not owned).
  [[nodiscard]] std::int64_t array_bytes() const noexcept;
  /// \returns the addresses of the first row pointer, column index and value the engine reads
  /// (tests: the caller's own buffers).
  [[nodiscard]] std::tuple<std::uintptr_t, std::uintptr_t, std::uintptr_t> addresses()
      const noexcept;

 private:
  index_array row_ptr_;
  index_array col_idx_;
  value_array values_;
  std::vector<double> inv_diag_;
  csr_view view_;
};

/// \returns the arrays of \p row_ptr, \p col_idx and \p values as asor::csr_arrays (no copy).
csr_arrays arrays_of(std::int64_t rows, std::int64_t cols, const index_array& row_ptr,
                     const index_array& col_idx, const value_array& values);

}  // namespace asor::python
