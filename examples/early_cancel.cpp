// Early cancel on a user criterion: the callback knows the exact solution and stops the solve as
// soon as the provisional residual suggests the error is small enough, or a time budget runs out.
// The report says why it stopped (user_stop), and the error is checked on the returned x.

#include <asor/asor.hpp>
#include <cstdio>
#include <exception>

namespace {

int run() {
  const asor::sparse_matrix A = asor::poisson2d(64);  // 4096 unknowns
  const asor::vector exact = asor::vector::Ones(A.rows());
  const asor::vector b = A * exact;

  const double budget_seconds = 20.0;
  asor::AsyncSOR<> solver;
  solver.setTolerance(1e-12).setThreads(2).setBlocks(8).setOmega(1.0).setMaxIterations(1000000);
  solver.onProgress([&](const asor::progress& p) {
    // A residual of 1e-4 is enough for this application; so is the time budget.
    if (p.all_blocks_reported && p.provisional_residual < 1e-4) return asor::callback_action::stop;
    if (p.elapsed_seconds > budget_seconds) return asor::callback_action::stop;
    return asor::callback_action::proceed;
  });
  solver.compute(A);
  const asor::vector x = solver.solve(b);
  const asor::solve_report& r = solver.report();
  const double error = (x - exact).norm() / exact.norm();
  std::printf(
      "stopped: %s after %lld sweeps in %.3f s; true residual %.3e, error %.3e; "
      "workers stopped %.1f us after the decision\n",
      std::string(asor::to_string(r.reason)).c_str(), static_cast<long long>(r.sweeps.min),
      r.solve_seconds, r.relative_residual, error, r.cancel_latency_seconds * 1e6);
  // The callback stopped it: not converged to 1e-12, but a useful answer.
  const bool ok = r.reason == asor::stop_reason::user_stop &&
                  solver.info() == Eigen::NoConvergence && r.relative_residual < 1e-2;
  return ok ? 0 : 1;
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
