// The C++ side of bench/python_bench.py (issue "import asor", item 9): what one asor.solve call
// does, done in C++ with no Python in it, so that the script can measure what the binding adds.
// Each call validates the CSR arrays (asor::validate_matrix on csr_arrays, as the module does on
// a scipy matrix's buffers) and b, computes 1 / a_ii, builds an engine, solves, and destroys what
// it made, all timed by steady_clock inside the call.
//
// A shared library with a C entry point, so that the script can call it through ctypes in its
// own process, alternating call by call with asor.solve: both sides then see the same CPU, the
// same OpenMP runtime and the same moment of a noisy machine. bench_python_baseline is the same
// function as a program.

#include "python_baseline.h"

#include <asor/asor.hpp>
#include <chrono>
#include <cstddef>
#include <exception>
#include <string>
#include <vector>

namespace {

using steady = std::chrono::steady_clock;

/// The 2D Poisson problems already built, by grid size (a ctypes caller calls one at a time).
struct problem {
  int grid = 0;
  asor::sparse_matrix A;
  asor::vector b;
};

problem& problem_of(int grid) {
  static problem p;
  if (p.grid != grid) {
    p.A = asor::poisson2d(grid);
    p.b = p.A * asor::vector::Ones(p.A.rows());
    p.grid = grid;
  }
  return p;
}

}  // namespace

extern "C" int asor_python_baseline(int grid, const char* method, int threads, double omega,
                                    long long max_sweeps, double tol, double progress_interval,
                                    int callback, int calls, double* seconds, double* solve_seconds,
                                    long long* sweeps) {
  const auto m = asor::method_from_string(method == nullptr ? "" : method);
  if (grid < 1 || calls < 0 || !m) return 2;
  try {
    asor::solver_options o;
    o.method = *m;
    o.threads = threads;
    o.omega = omega;
    o.ordering = asor::ordering::natural;
    o.stop.max_sweeps = max_sweeps;
    o.stop.tolerance = tol;
    o.progress_interval_seconds = progress_interval;
    const problem& p = problem_of(grid);
    const asor::sparse_matrix& A = p.A;
    const auto n = static_cast<std::size_t>(A.rows());
    const auto nnz = static_cast<std::size_t>(A.nonZeros());
    const asor::csr_arrays arrays{A.rows(),
                                  A.cols(),
                                  {A.outerIndexPtr(), n + 1},
                                  {A.innerIndexPtr(), nnz},
                                  {A.valuePtr(), nnz}};
    for (int k = 0; k < calls; ++k) {
      const auto t0 = steady::now();
      asor::solve_report r;
      {
        // Everything the call owns is destroyed inside the timed region, as at the end of an
        // asor.solve call: the engine (its solve thread joined), x, the inverse diagonal.
        asor::validate_matrix(arrays);
        asor::validate_rhs(A.rows(), {p.b.data(), n});
        std::vector<double> inv_diag(n);
        for (std::size_t i = 0; i < n; ++i) {
          for (int q = A.outerIndexPtr()[i]; q < A.outerIndexPtr()[i + 1]; ++q) {
            if (static_cast<std::size_t>(A.innerIndexPtr()[q]) == i) {
              inv_diag[i] = 1.0 / A.valuePtr()[q];
            }
          }
        }
        std::vector<double> x(n, 0.0);
        asor::engine e(asor::view_of(A, inv_diag), o);
        if (callback != 0) {
          e.on_progress([](const asor::progress&) { return asor::callback_action::proceed; });
        }
        r = e.solve({p.b.data(), n}, x);
      }
      seconds[k] = std::chrono::duration<double>(steady::now() - t0).count();
      solve_seconds[k] = r.solve_seconds;
      sweeps[k] = static_cast<long long>(r.sweeps.min);
    }
    return 0;
  } catch (const std::exception&) {
    return 1;
  }
}
