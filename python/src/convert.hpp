#pragma once
// Private to the Python module: asor's documents and matrices as Python objects.

#include "asor/matrix.hpp"
#include "binding.hpp"
#include "report/json.hpp"

namespace asor::python {

/// \returns \p j as Python objects: objects become dicts (keys in the document's order), arrays
/// lists, null None.
py::object to_python(const reporting::json& j);

/// \returns (rows, cols, data, indices, indptr) of \p A, whose storage the three numpy arrays
/// take over (no copy; \p A is left empty): what scipy.sparse.csr_array((data, indices, indptr),
/// shape) is made from.
py::tuple csr_parts(sparse_matrix& A);

/// \returns \p v as a numpy array that takes over its storage (no copy; \p v is left empty).
py::array vector_array(vector& v);

/// \returns a copy of the CSR arrays as an asor::sparse_matrix. \pre sorted column indices, no
/// duplicates (the Python layer passes scipy's canonical format).
sparse_matrix copy_matrix(std::int64_t rows, std::int64_t cols, const index_array& row_ptr,
                          const index_array& col_idx, const value_array& values);

}  // namespace asor::python
