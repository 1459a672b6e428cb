#pragma once
// Helpers shared by the async tests: seeds, scale, a watchdog.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <thread>

#include "asor/asor.hpp"
#include "support/watchdog.hpp"

namespace asor::test {

/// The seed of a randomized test: ASOR_SEED when set, else a fixed default; printed.
inline std::uint64_t test_seed(std::uint64_t fallback) {
  std::uint64_t seed = fallback;
  if (const char* s = std::getenv("ASOR_SEED")) seed = std::strtoull(s, nullptr, 10);
  std::printf("[ seed     ] ASOR_SEED=%llu\n", static_cast<unsigned long long>(seed));
  return seed;
}

/// Multiplies the size of stress tests: ASOR_STRESS_SCALE (default 1; CI's sanitizer runs 0.2).
inline double stress_scale() {
  if (const char* s = std::getenv("ASOR_STRESS_SCALE")) return std::max(0.01, std::atof(s));
  return 1.0;
}

/// ASOR_REPEAT: run a randomized test body this many times (default 1).
inline int repeat_count() {
  if (const char* s = std::getenv("ASOR_REPEAT")) return std::max(1, std::atoi(s));
  return 1;
}

/// A scope with a time limit: aborts the process (ctest reports the test as failed) when it hangs.
class watchdog : public test_support::watchdog {
 public:
  explicit watchdog(std::chrono::seconds limit, std::string what = "test")
      : test_support::watchdog(limit, std::move(what), [] { std::abort(); }) {}
};

/// A prepared system: A (owned), its inverse diagonal, b = A * ones.
struct system {
  // Eigen 3.4's SparseMatrix has no move constructor: swap instead of a copy.
  explicit system(sparse_matrix matrix) {
    A.swap(matrix);
    A.makeCompressed();
    inv = inverse_diagonal(A);
    b = A * vector::Ones(A.rows());
  }
  [[nodiscard]] csr_view view() const { return view_of(A, inv); }
  solve_report solve(engine& e, vector& x) const {
    return e.solve({b.data(), static_cast<std::size_t>(b.size())},
                   {x.data(), static_cast<std::size_t>(x.size())});
  }
  [[nodiscard]] double true_residual(const vector& x) const {
    return (b - A * x).norm() / b.norm();
  }

  sparse_matrix A;
  std::vector<double> inv;
  vector b;
};

/// \returns the options of the suites parameterized over methods: 2 threads (8 blocks for async,
/// 2 for block-Jacobi), omega 1, tolerance 1e-8, no sweep budget to speak of, a 60 s limit.
inline solver_options options_for(method m) {
  solver_options o;
  o.method = m;
  o.threads = 2;
  o.blocks = m == method::async ? 8 : (m == method::block_jacobi ? 2 : 0);
  o.omega = 1.0;
  o.stop.tolerance = 1e-8;
  o.stop.max_sweeps = 1000000000;
  o.stop.time_limit_seconds = 60;
  return o;
}

/// \returns \p v as the span the engine takes.
inline std::span<const double> span_of(const vector& v) {
  return {v.data(), static_cast<std::size_t>(v.size())};
}
inline std::span<double> span_of(vector& v) {
  return {v.data(), static_cast<std::size_t>(v.size())};
}

/// Every method, in the tool's order: the parameters of the suites that run on all of them.
inline constexpr method every_method[] = {method::sor,        method::ssor,         method::jacobi,
                                          method::multicolor, method::block_jacobi, method::async};

/// \returns the method as a test name ("block_jacobi"), for suites parameterized over methods.
inline std::string name_of(const ::testing::TestParamInfo<method>& info) {
  std::string n(to_string(info.param));
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}

}  // namespace asor::test
