// Asynchronous block SOR against synchronous block-Jacobi-SOR on the same system, same threads,
// same blocks, same omega: time, sweeps and the true residual, side by side.

#include <asor/asor.hpp>
#include <cstdio>
#include <exception>

namespace {

template <class Solver>
asor::solve_report solve_with(Solver solver, const asor::sparse_matrix& A, const asor::vector& b) {
  solver.setTolerance(1e-8).setThreads(2).setBlocks(8).setOmega(1.0).setMaxIterations(200000);
  solver.compute(A);
  const asor::vector x = solver.solve(b);
  const asor::reference_check check = asor::check_against_reference(A, b, x);
  const asor::solve_report& r = solver.report();
  std::printf("%-13s %-10s %8lld %10.4f %12.3e %14.3e\n",
              std::string(asor::to_string(r.method)).c_str(),
              std::string(asor::to_string(r.reason)).c_str(), static_cast<long long>(r.sweeps.min),
              r.solve_seconds, r.relative_residual, check.relative_error);
  return r;
}

int run() {
  const asor::sparse_matrix A = asor::poisson2d(32);
  const asor::vector b = A * asor::vector::Ones(A.rows());
  std::printf("%-13s %-10s %8s %10s %12s %14s\n", "method", "status", "sweeps", "seconds",
              "residual", "err vs LDLT");
  const auto a = solve_with(asor::AsyncSOR<>(), A, b);
  const auto j = solve_with(asor::BlockJacobiSOR<>(), A, b);
  std::printf("async / block-Jacobi time ratio: %.2f\n", a.solve_seconds / j.solve_seconds);
  return a.converged() && j.converged() ? 0 : 1;
}

}  // namespace

int main() {
  try {
    return run();
  } catch (const std::exception& e) {  // bad input, a failed solve: say so, exit non-zero
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
