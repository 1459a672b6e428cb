// A minimal asynchronous solve: the provisional residuals stream to the terminal while the
// workers relax, and the solve stops on verified convergence.

#include <asor/asor.hpp>
#include <cstdio>
#include <exception>

namespace {

int run() {
  const asor::sparse_matrix A = asor::poisson2d(32);  // 1024 unknowns
  const asor::vector b = A * asor::vector::Ones(A.rows());

  asor::AsyncSOR<> solver;
  solver.setTolerance(1e-8).setThreads(2).setBlocks(8).setOmega(1.0).setMaxIterations(100000);
  asor::solver_options o = solver.options();
  o.progress_interval_seconds = 0.005;  // at most one line every 5 ms
  solver.setOptions(o);
  solver.onProgress([](const asor::progress& p) {
    std::printf("  %8.4f s  sweeps %6lld  provisional residual %.3e\n", p.elapsed_seconds,
                static_cast<long long>(p.min_sweeps), p.provisional_residual);
    return asor::callback_action::proceed;
  });
  solver.compute(A);
  const asor::vector x = solver.solve(b);

  const asor::solve_report& r = solver.report();
  std::printf(
      "status %s after %lld sweeps: true residual %.3e (verified %d time(s)), "
      "error vs ones %.3e, cancel latency %.1f us\n",
      std::string(asor::to_string(r.reason)).c_str(), static_cast<long long>(r.sweeps.min),
      r.relative_residual, r.verifications,
      (x - asor::vector::Ones(A.rows())).norm() / std::sqrt(double(A.rows())),
      r.cancel_latency_seconds * 1e6);
  return solver.info() == Eigen::Success ? 0 : 1;
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
