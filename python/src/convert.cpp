// asor's documents and matrices as Python objects (see convert.hpp).

#include "convert.hpp"

#include <cstddef>
#include <memory>

#include "matrix.hpp"

namespace asor::python {

py::object to_python(const reporting::json& j) {
  using value_t = reporting::json::value_t;
  switch (j.type()) {
    case value_t::null:
    case value_t::discarded:
      return py::none();
    case value_t::boolean:
      return py::bool_(j.get<bool>());
    case value_t::number_integer:
      return py::int_(j.get<std::int64_t>());
    case value_t::number_unsigned:
      return py::int_(j.get<std::uint64_t>());
    case value_t::number_float:
      return py::float_(j.get<double>());
    case value_t::string:
      return py::str(j.get_ref<const std::string&>());
    case value_t::array: {
      py::list list;
      for (const auto& e : j) list.append(to_python(e));
      return list;
    }
    case value_t::object: {
      py::dict dict;
      for (const auto& [key, value] : j.items()) dict[py::str(key)] = to_python(value);
      return dict;
    }
    case value_t::binary:
      break;
  }
  throw std::logic_error("asor: a document holds a JSON value of a type it never writes");
}

py::tuple csr_parts(sparse_matrix& A) {
  A.makeCompressed();
  auto owned = std::make_unique<sparse_matrix>();
  owned->swap(A);  // Eigen 3.4's SparseMatrix has no move constructor
  const auto n = static_cast<py::ssize_t>(owned->rows());
  const auto nnz = static_cast<py::ssize_t>(owned->nonZeros());
  const sparse_matrix& M = *owned;
  const py::capsule base(owned.release(),
                         [](void* p) { delete static_cast<sparse_matrix*>(p); });  // NOLINT
  const index_array indptr(n + 1, M.outerIndexPtr(), base);
  const index_array indices(nnz, M.innerIndexPtr(), base);
  const value_array data(nnz, M.valuePtr(), base);
  return py::make_tuple(M.rows(), M.cols(), data, indices, indptr);
}

py::array vector_array(vector& v) {
  auto owned = std::make_unique<vector>(std::move(v));
  const auto n = static_cast<py::ssize_t>(owned->size());
  const double* data = owned->data();
  const py::capsule base(owned.release(), [](void* p) { delete static_cast<vector*>(p); });
  return value_array(n, data, base);
}

sparse_matrix copy_matrix(std::int64_t rows, std::int64_t cols, const index_array& row_ptr,
                          const index_array& col_idx, const value_array& values) {
  const csr_arrays a = arrays_of(rows, cols, row_ptr, col_idx, values);
  // The structure only (a matrix that is not square or not SPD is still copied): what reading
  // the arrays safely needs.
  const auto n = static_cast<std::size_t>(rows);
  if (rows < 0 || cols < 0 || a.row_ptr.size() != n + 1 || a.row_ptr[0] != 0 ||
      static_cast<std::size_t>(a.row_ptr[n]) != a.values.size() ||
      a.col_idx.size() != a.values.size()) {
    throw py::value_error("the CSR arrays do not describe a " + std::to_string(rows) + " x " +
                          std::to_string(cols) + " matrix");
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (a.row_ptr[i + 1] < a.row_ptr[i]) {
      throw py::value_error("row pointer decreases at row " + std::to_string(i));
    }
  }
  for (const int j : a.col_idx) {
    if (j < 0 || j >= cols) {
      throw py::value_error("column index " + std::to_string(j) + " outside [0, " +
                            std::to_string(cols) + ")");
    }
  }
  const Eigen::Map<const sparse_matrix> map(static_cast<Eigen::Index>(rows),
                                            static_cast<Eigen::Index>(cols),
                                            static_cast<Eigen::Index>(a.values.size()),
                                            a.row_ptr.data(), a.col_idx.data(), a.values.data());
  sparse_matrix A = map;
  A.makeCompressed();
  return A;
}

}  // namespace asor::python
