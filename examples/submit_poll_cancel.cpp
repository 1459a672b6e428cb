// A solve in the background: submit it, watch its newest snapshot from this thread, and cancel it
// when an application criterion says so (here: a wall-clock budget that a 1e-13 tolerance on a
// 65536-unknown problem cannot meet). The handle then holds the x reached and a report that says
// "cancelled"; a second, unobstructed solve on the same engine converges.

#include <asor/asor.hpp>
#include <chrono>
#include <cstdio>
#include <exception>
#include <span>

namespace {

int run() {
  const asor::sparse_matrix A = asor::poisson2d(256);  // 65536 unknowns
  const std::vector<double> inv_diag = asor::inverse_diagonal(A);
  const asor::vector b = A * asor::vector::Ones(A.rows());
  asor::vector x = asor::vector::Zero(A.rows());
  const std::span<const double> rhs(b.data(), static_cast<std::size_t>(b.size()));
  const std::span<double> sol(x.data(), static_cast<std::size_t>(x.size()));

  asor::solver_options o;
  o.method = asor::method::async;
  o.threads = 2;
  o.omega = 1.9;
  o.stop.tolerance = 1e-13;
  o.stop.max_sweeps = 1000000;
  asor::engine engine(asor::view_of(A, inv_diag), o);

  const auto start = std::chrono::steady_clock::now();
  const asor::solve_handle h = engine.submit(rhs, sol);  // returns at once
  while (!h.wait_for(std::chrono::milliseconds(50))) {
    if (const auto p = h.progress()) {
      std::printf("  %6.3f s  %7lld sweeps  provisional residual %.2e  (omega %.2f)\n",
                  p->elapsed_seconds, static_cast<long long>(p->min_sweeps),
                  p->provisional_residual, p->omega);
    }
    if (std::chrono::steady_clock::now() - start > std::chrono::milliseconds(300)) h.cancel();
  }
  const asor::solve_report r = h.get();
  std::printf(
      "first solve: %s after %lld sweeps, true residual %.2e, workers stopped %.0f us "
      "after the cancel\n",
      std::string(asor::to_string(r.reason)).c_str(), static_cast<long long>(r.sweeps.min),
      r.relative_residual, r.cancel_latency_seconds * 1e6);

  // The same engine, a reachable tolerance, resumed from the x the cancelled solve reached.
  o.stop.tolerance = 1e-8;
  engine.set_options(o);  // keeps the preparation: only a stopping rule changed
  const asor::solve_report again = engine.submit(rhs, sol).get();
  std::printf("second solve: %s after %lld more sweeps, true residual %.2e (preparation %s)\n",
              std::string(asor::to_string(again.reason)).c_str(),
              static_cast<long long>(again.sweeps.min), again.relative_residual,
              again.setup_reused ? "reused" : "redone");
  const bool ok = r.reason == asor::stop_reason::cancelled && again.converged() &&
                  (b - A * x).norm() / b.norm() <= 1e-8;
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
