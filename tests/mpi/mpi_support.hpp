#pragma once
/// \file mpi_support.hpp
/// \brief Helpers of the distributed tests (run under mpiexec by test_mpi): the world, a system
/// held by rank 0, scattering it, solving it on every rank and checking x on rank 0.

#include <gtest/gtest.h>
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "asor/asor.hpp"
#include "asor/distributed.hpp"
#include "support/watchdog.hpp"

namespace asor::mpi_test {

inline int world_rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}
inline int world_size() {
  int s = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &s);
  return s;
}

/// ASOR_STRESS_SCALE (default 1; the sanitizer presets run 0.2).
inline double stress_scale() {
  if (const char* s = std::getenv("ASOR_STRESS_SCALE")) return std::max(0.01, std::atof(s));
  return 1.0;
}

/// The seed of a randomized test: ASOR_SEED when set, else \p fallback; the same on every rank.
inline std::uint64_t test_seed(std::uint64_t fallback) {
  std::uint64_t seed = fallback;
  if (const char* s = std::getenv("ASOR_SEED")) seed = std::strtoull(s, nullptr, 10);
  MPI_Bcast(&seed, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
  if (world_rank() == 0) {
    std::printf("[ seed     ] ASOR_SEED=%llu\n", static_cast<unsigned long long>(seed));
  }
  return seed;
}

/// A scope with a time limit: aborts every rank (MPI_Abort) when it hangs.
class watchdog : public test_support::watchdog {
 public:
  watchdog(std::chrono::seconds limit, std::string what)
      : test_support::watchdog(limit,
                               "rank " + std::to_string(world_rank()) + ": " + std::move(what),
                               [] { MPI_Abort(MPI_COMM_WORLD, 99); }) {}
};

/// A system on rank 0 (empty elsewhere): A, its inverse diagonal, b = A * ones.
struct root_system {
  root_system() = default;
  /// \p make runs on rank 0 only.
  explicit root_system(const std::function<sparse_matrix()>& make) {
    if (world_rank() != 0) return;
    sparse_matrix m = make();
    A.swap(m);
    A.makeCompressed();
    inv = inverse_diagonal(A);
    b = A * vector::Ones(A.rows());
  }
  [[nodiscard]] csr_view view() const { return world_rank() == 0 ? view_of(A, inv) : csr_view{}; }
  [[nodiscard]] std::span<const double> rhs() const {
    return {b.data(), static_cast<std::size_t>(world_rank() == 0 ? b.size() : 0)};
  }
  /// ||b - A x|| / ||b|| of the whole system (rank 0; NaN elsewhere).
  [[nodiscard]] double true_residual(const std::vector<double>& x) const {
    if (world_rank() != 0) return std::nan("");
    const Eigen::Map<const vector> xv(x.data(), static_cast<Eigen::Index>(x.size()));
    return (b - A * xv).norm() / b.norm();
  }

  sparse_matrix A;
  std::vector<double> inv;
  vector b;
};

inline std::string data_file(const std::string& name) {
  return std::string(ASOR_TEST_DATA_DIR) + "/" + name + ".mtx";
}

/// A matrix of tests/data, on rank 0.
inline root_system data_system(const std::string& name) {
  return root_system([&] { return io::read_matrix_market(data_file(name)); });
}

/// One distributed solve: the report of this rank and, on rank 0, the whole x.
struct outcome {
  solve_report report;
  std::vector<double> x;  ///< rank 0: the solution in the original numbering
};

/// Scatters \p sys's b, solves on \p A with \p options from x = 0 and gathers x.
inline outcome solve_on(const distributed_matrix& A, const root_system& sys,
                        const solver_options& options) {
  engine e = make_distributed_engine(A, options);
  const std::vector<double> b = A.scatter_vector(sys.rhs());
  std::vector<double> x(b.size(), 0.0);
  outcome out;
  out.report = e.solve(b, x);
  out.x = A.gather_vector(x);
  return out;
}

/// Whether \p local is true on every rank.
inline bool all_ranks(bool local) {
  int mine = local ? 1 : 0;
  int all = 0;
  MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  return all == 1;
}

/// The same integer on every rank (checked by the caller).
inline bool same_everywhere(int value) {
  int lo = 0;
  int hi = 0;
  MPI_Allreduce(&value, &lo, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  MPI_Allreduce(&value, &hi, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return lo == hi;
}

}  // namespace asor::mpi_test
