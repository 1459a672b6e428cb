// The compiled part of the Python package asor: asor._asor. The public API is Python
// (python/asor/); this module gives it the engine, the readers, the generators, the reference
// solvers and the documents, with the rules of docs/python.md on threads and the GIL.

#include <pybind11/stl.h>

#include <cmath>
#include <limits>
#include <optional>
#include <sstream>
#include <string>

#include "asor/config.hpp"
#include "asor/engine.hpp"
#include "asor/generators.hpp"
#include "asor/io/errors.hpp"
#include "asor/io/matrix_market.hpp"
#include "asor/io/triplet.hpp"
#include "asor/options.hpp"
#include "asor/reference.hpp"
#include "asor/validate.hpp"
#include "binding.hpp"
#include "convert.hpp"
#include "matrix.hpp"
#include "report/info_document.hpp"
#include "solve.hpp"

namespace asor::python {

py::object float_or_none(double v) {
  if (std::isnan(v)) return py::none();
  return py::float_(v);
}

namespace {

/// \returns \p v, or None when it is not finite (as the documents write it: null).
py::object finite_or_none(double v) {
  if (!std::isfinite(v)) return py::none();
  return py::float_(v);
}

/// \returns the values of the document's keys status, converged, relative_residual, sweeps,
/// omega, setup_seconds and solve_seconds, as solve_json writes them (a number that is not finite
/// is null): the fields of an asor.Result.
py::tuple summary_of(const solve_report& r) {
  py::dict sweeps;
  sweeps["min"] = r.sweeps.min;
  sweeps["mean"] = r.sweeps.mean;
  sweeps["max"] = r.sweeps.max;
  return py::make_tuple(std::string(to_string(r.reason)), r.converged(),
                        finite_or_none(r.relative_residual), sweeps, finite_or_none(r.omega),
                        finite_or_none(r.setup_seconds), finite_or_none(r.solve_seconds));
}

/// The options of one solve, from values the Python layer has checked (their messages are
/// there); check_options still guards the engine (std::invalid_argument: ValueError).
solver_options make_options(const std::string& method_name, std::optional<double> omega,
                            int threads, double tol, std::int64_t max_sweeps,
                            std::optional<double> time_limit, const std::string& ordering_name,
                            bool l1, double progress_interval) {
  solver_options o;
  const auto m = method_from_string(method_name);
  if (!m) throw py::value_error("method: unknown method '" + method_name + "'");
  o.method = *m;
  if (o.method == method::ssor) o.direction = sweep_direction::symmetric;
  o.omega = omega;
  o.threads = threads;
  o.stop.tolerance = tol;
  o.stop.max_sweeps = max_sweeps;
  o.stop.time_limit_seconds = time_limit.value_or(std::numeric_limits<double>::infinity());
  const auto order = ordering_from_string(ordering_name);
  if (!order) throw py::value_error("ordering: unknown ordering '" + ordering_name + "'");
  o.ordering = *order;
  o.l1 = l1;
  o.progress_interval_seconds = progress_interval;
  return o;
}

std::string repr(const progress_snapshot& s) {
  const progress& p = s.p;
  std::ostringstream out;
  out.precision(4);
  out << "Progress(elapsed=" << p.elapsed_seconds << ", provisional_residual=";
  if (std::isnan(p.provisional_residual)) {
    out << "None";
  } else {
    out << p.provisional_residual;
  }
  out << ", min_sweeps=" << p.min_sweeps << ", max_sweeps=" << p.max_sweeps << ", omega=" << p.omega
      << ", verifications=" << p.verifications
      << ", all_blocks_reported=" << (p.all_blocks_reported ? "True" : "False") << ")";
  return out.str();
}

reference_solver reference_kind(const std::string& kind) {
  const auto s = reference_solver_from_string(kind);
  if (!s) {
    throw py::value_error("kind: unknown solver '" + kind +
                          "' (expected ldlt, cholmod or strumpack)");
  }
  if (!reference_available(*s)) {
    throw py::value_error("kind: " + kind + " is not available in this build of asor");
  }
  return *s;
}

void bind_progress(py::module_& m) {
  py::class_<progress_snapshot>(m, "Progress",
                                "A snapshot of a running solve (residuals relative, provisional "
                                "unless named verified; None where no estimate exists yet).")
      .def_property_readonly("elapsed",
                             [](const progress_snapshot& s) { return s.p.elapsed_seconds; })
      .def_property_readonly(
          "provisional_residual",
          [](const progress_snapshot& s) { return float_or_none(s.p.provisional_residual); })
      .def_property_readonly("min_sweeps",
                             [](const progress_snapshot& s) { return s.p.min_sweeps; })
      .def_property_readonly("max_sweeps",
                             [](const progress_snapshot& s) { return s.p.max_sweeps; })
      .def_property_readonly("mean_sweeps",
                             [](const progress_snapshot& s) { return s.p.mean_sweeps; })
      .def_property_readonly("sweeps_per_second",
                             [](const progress_snapshot& s) { return s.p.sweeps_per_second; })
      .def_property_readonly("omega", [](const progress_snapshot& s) { return s.p.omega; })
      .def_property_readonly("verifications",
                             [](const progress_snapshot& s) { return s.p.verifications; })
      .def_property_readonly(
          "last_verified_residual",
          [](const progress_snapshot& s) { return float_or_none(s.p.last_verified_residual); })
      .def_property_readonly("initial_residual",
                             [](const progress_snapshot& s) { return s.p.initial_residual; })
      .def_property_readonly("all_blocks_reported",
                             [](const progress_snapshot& s) { return s.p.all_blocks_reported; })
      .def("__repr__", &repr);
}

void bind_solve(py::module_& m) {
  py::class_<py_matrix>(m, "_Matrix")
      .def(py::init<std::int64_t, std::int64_t, index_array, index_array, value_array>(),
           py::arg("rows"), py::arg("cols"), py::arg("indptr").noconvert(),
           py::arg("indices").noconvert(), py::arg("data").noconvert())
      .def_property_readonly("rows", &py_matrix::rows)
      .def_property_readonly("nnz", &py_matrix::nnz)
      .def_property_readonly("array_bytes", &py_matrix::array_bytes)
      .def_property_readonly("addresses", &py_matrix::addresses);

  py::class_<py_stream, std::shared_ptr<py_stream>>(m, "_Stream")
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", &py_stream::next)
      .def_property_readonly("dropped", &py_stream::dropped);

  // How a solve ended: the Result's fields at once (_Solve.ended), the document (a dict) only
  // when asked for.
  py::class_<reporting::solve_outcome>(m, "_Outcome")
      .def("document",
           [](const reporting::solve_outcome& o) { return to_python(reporting::solve_json(o)); });

  py::class_<py_solve>(m, "_Solve")
      .def(py::init([](py::object matrix, value_array b, value_array x, const std::string& method,
                       std::optional<double> omega, int threads, double tol,
                       std::int64_t max_sweeps, std::optional<double> time_limit,
                       const std::string& ordering, bool l1, double progress_interval,
                       py::object on_progress, bool observe, const std::string& serve) {
             return std::make_unique<py_solve>(
                 std::move(matrix), std::move(b), std::move(x),
                 make_options(method, omega, threads, tol, max_sweeps, time_limit, ordering, l1,
                              progress_interval),
                 std::move(on_progress), observe, serve);
           }),
           py::arg("matrix"), py::arg("b").noconvert(), py::arg("x").noconvert(), py::arg("method"),
           py::arg("omega"), py::arg("threads"), py::arg("tol"), py::arg("max_sweeps"),
           py::arg("time_limit"), py::arg("ordering"), py::arg("l1"), py::arg("progress_interval"),
           py::arg("on_progress"), py::arg("observe"), py::arg("serve") = "")
      .def("done", &py_solve::done)
      .def("wait", &py_solve::wait, py::arg("timeout"))
      .def("wait_quietly", &py_solve::wait_quietly)
      .def("cancel", &py_solve::cancel, py::arg("by"))
      .def("progress", &py_solve::progress)
      .def("report", &py_solve::report)
      .def("ended",
           [](const py_solve& s) {
             // One call for what asor.solve needs at the end: (exception, None, None) when one
             // ended the solve, else (None, outcome, summary).
             py::object error = s.exception();
             if (!error.is_none()) return py::make_tuple(error, py::none(), py::none());
             reporting::solve_outcome o = s.outcome();
             py::tuple summary = summary_of(o.report);
             return py::make_tuple(py::none(), py::cast(std::move(o)), summary);
           })
      .def("exception", &py_solve::exception)
      .def_property_readonly("x", &py_solve::x)
      .def_property_readonly("url", &py_solve::url)
      .def_property_readonly("loopback", &py_solve::loopback)
      .def("stream", &py_solve::stream, py::arg("capacity"))
      .def(
          "on_done",
          [](const py::object& self, const py::object& fn) {
            self.cast<py_solve&>().on_done(self, fn);
          },
          py::arg("fn"));

  m.def(
      "_validate_rhs",
      [](std::int64_t rows, const value_array& b) {
        require_1d(b, "b");
        validate_rhs(rows, {b.data(), static_cast<std::size_t>(b.size())});
      },
      py::arg("rows"), py::arg("b").noconvert());
  m.def("_dispatch_forever", &dispatch_forever);
  m.def("_dispatch_stop", [] { dispatch_queue::instance().stop(); });
  m.def("_dispatch_restart", [] { dispatch_queue::instance().restart(); });
  m.def("_cancel_all", &cancel_all);
  m.def("_running_solves", &running_solves);
  m.def("default_threads", &default_threads,
        "Threads a solve uses by default: OMP_NUM_THREADS, then SLURM_CPUS_PER_TASK, then the "
        "hardware count.");
}

void bind_library(py::module_& m) {
  m.def("_read_matrix_market", [](const std::string& path) {
    sparse_matrix A;
    {
      const py::gil_scoped_release nogil;
      A = io::read_matrix_market(path);
    }
    return csr_parts(A);
  });
  m.def("_read_triplet", [](const std::string& path) {
    sparse_matrix A;
    {
      const py::gil_scoped_release nogil;
      A = io::read_triplet(path);
    }
    return csr_parts(A);
  });
  m.def("_read_vector", [](const std::string& path) {
    vector v;
    {
      const py::gil_scoped_release nogil;
      v = io::read_vector(path);
    }
    return vector_array(v);
  });
  m.def("_poisson2d", [](int m_) {
    sparse_matrix A = poisson2d(m_);
    return csr_parts(A);
  });
  m.def("_poisson3d", [](int m_) {
    sparse_matrix A = poisson3d(m_);
    return csr_parts(A);
  });
  m.def("_anisotropic2d", [](int m_, double eps) {
    sparse_matrix A = anisotropic2d(m_, eps);
    return csr_parts(A);
  });
  m.def("_random_spd", [](int n, int per_row, std::uint64_t seed) {
    sparse_matrix A = random_spd(n, per_row, seed);
    return csr_parts(A);
  });
  m.def(
      "_reference_solve",
      [](std::int64_t rows, std::int64_t cols, const index_array& indptr,
         const index_array& indices, const value_array& data, const value_array& b,
         const std::string& kind) {
        const reference_solver s = reference_kind(kind);
        require_1d(b, "b");
        validate_matrix(arrays_of(rows, cols, indptr, indices, data));
        validate_rhs(rows, {b.data(), static_cast<std::size_t>(b.size())});
        const sparse_matrix A = copy_matrix(rows, cols, indptr, indices, data);
        const vector bb = Eigen::Map<const vector>(b.data(), b.size());
        reference_solution r;
        {
          const py::gil_scoped_release nogil;
          r = solve_reference(A, bb, s);
        }
        return vector_array(r.x);
      },
      py::arg("rows"), py::arg("cols"), py::arg("indptr").noconvert(),
      py::arg("indices").noconvert(), py::arg("data").noconvert(), py::arg("b").noconvert(),
      py::arg("kind"));
  m.def(
      "_info",
      [](std::int64_t rows, std::int64_t cols, const index_array& indptr,
         const index_array& indices, const value_array& data, long long spd_check_limit) {
        const sparse_matrix A = copy_matrix(rows, cols, indptr, indices, data);
        reporting::json document;
        {
          const py::gil_scoped_release nogil;
          document = reporting::describe_matrix(A, "", spd_check_limit).document;
        }
        return to_python(document);
      },
      py::arg("rows"), py::arg("cols"), py::arg("indptr").noconvert(),
      py::arg("indices").noconvert(), py::arg("data").noconvert(), py::arg("spd_check_limit"));
}

}  // namespace

}  // namespace asor::python

PYBIND11_MODULE(_asor, m) {
  namespace ap = asor::python;
  m.doc() = "The compiled part of asor (private: use the package asor).";
  m.attr("__version__") = ASOR_VERSION_STRING;
  // Bad input is a ValueError with the library's message, the same words as the tool's errors.
  // By value: pybind11's translator type is void (*)(std::exception_ptr).
  pybind11::register_exception_translator([](std::exception_ptr e) {  // NOLINT(performance-*)
    try {
      if (e) std::rethrow_exception(e);
    } catch (const asor::input_error& ex) {
      PyErr_SetString(PyExc_ValueError, ex.what());
    }
  });
  ap::bind_progress(m);
  ap::bind_solve(m);
  ap::bind_library(m);
}
