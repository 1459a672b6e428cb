// A consumer of the installed package: includes only <asor/asor.hpp>, links only asor::asor.
#include <asor/asor.hpp>
#include <cstdio>
#include <optional>

namespace {

double relative_residual(const asor::sparse_matrix& A, const asor::vector& b,
                         const asor::vector& x) {
  return (b - A * x).norm() / b.norm();
}

}  // namespace

int main() {
  const asor::sparse_matrix A = asor::poisson2d(32);  // n = 1024
  const asor::vector b = asor::vector::Ones(A.rows());
  constexpr double tolerance = 1e-8;
  int failures = 0;

  asor::SOR<asor::sparse_matrix> sor;
  sor.setTolerance(tolerance).setOmega(std::nullopt).setMaxIterations(20000);
  sor.compute(A);
  const asor::vector x_sor = sor.solve(b);
  const double r_sor = relative_residual(A, b, x_sor);
  std::printf("SOR: info %d, %lld sweeps, omega %.4f, residual %.3e\n",
              static_cast<int>(sor.info()), static_cast<long long>(sor.iterations()),
              sor.report().omega, r_sor);
  if (sor.info() != Eigen::Success || !(r_sor <= tolerance * (1 + 1e-6))) ++failures;

  int callbacks = 0;
  asor::AsyncSOR<asor::sparse_matrix> async;
  async.setTolerance(tolerance).setThreads(2).setOmega(std::nullopt).setMaxIterations(20000);
  async.onProgress([&callbacks](const asor::progress&) {
    ++callbacks;
    return asor::callback_action::proceed;
  });
  async.compute(A);
  const asor::vector x_async = async.solve(b);
  const double r_async = relative_residual(A, b, x_async);
  std::printf("AsyncSOR: info %d, %lld sweeps (min over blocks), residual %.3e, %d callbacks\n",
              static_cast<int>(async.info()), static_cast<long long>(async.iterations()), r_async,
              callbacks);
  if (async.info() != Eigen::Success || !(r_async <= tolerance * (1 + 1e-6))) ++failures;

  std::printf("asor %s consumer: %s\n", ASOR_VERSION_STRING, failures == 0 ? "OK" : "FAILED");
  return failures == 0 ? 0 : 1;
}
