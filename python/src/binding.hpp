#pragma once
// Private to the Python module asor._asor: what its translation units share.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>

#include "asor/csr_view.hpp"
#include "asor/progress.hpp"

namespace asor::python {

namespace py = pybind11;

/// \brief The numpy arrays a CSR matrix arrives in from scipy: int32 row pointers and column
/// indices, float64 values, 1-D and C-contiguous (the Python layer converts other dtypes once,
/// by the documented rule; the module never copies silently: its arguments are `noconvert`).
using index_array = py::array_t<int, py::array::c_style>;
using value_array = py::array_t<double, py::array::c_style>;

/// \brief Checks that \p a is 1-D. \throws ValueError naming \p what.
void require_1d(const py::array& a, const char* what);

/// \brief The Python view of a progress snapshot (asor.Progress): a copy, readable from Python.
struct progress_snapshot {
  ::asor::progress p;
};

/// \returns \p v, or None when it is NaN (an estimate that does not exist yet).
py::object float_or_none(double v);

/// \brief An exception raised by a Python progress callback, as the engine carries it: the
/// message ("on_progress raised ValueError: ..."); the Python exception itself is kept by the
/// solve and re-raised by result().
class callback_raised : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace asor::python
