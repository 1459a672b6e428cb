/// \file spectral_test.cpp
/// \brief estimate_omega against the theory of the model problem, and residual_norm against
/// Eigen.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <numbers>
#include <random>
#include <vector>

#include "asor/engine.hpp"
#include "asor/generators.hpp"
#include "asor/matrix.hpp"

namespace {

std::uint64_t test_seed(std::uint64_t fallback) {
  std::uint64_t seed = fallback;
  if (const char* env = std::getenv("ASOR_SEED")) seed = std::strtoull(env, nullptr, 10);
  std::printf("[ seed     ] ASOR_SEED=%llu\n", static_cast<unsigned long long>(seed));
  return seed;
}

/// A matrix with its inverse diagonal and view, kept together.
struct system {
  asor::sparse_matrix A;
  std::vector<double> inv_diag;
  asor::csr_view view;
  // Eigen 3.4's SparseMatrix has no move constructor: swap instead of a copy.
  explicit system(asor::sparse_matrix M) {
    A.swap(M);
    A.makeCompressed();
    inv_diag = asor::inverse_diagonal(A);
    view = asor::view_of(A, inv_diag);
  }
};

/// Jacobi spectral radius of the 5-point Laplacian on an m x m grid.
double poisson_rho(int m) { return std::cos(std::numbers::pi / (m + 1)); }
/// Young's optimal SOR factor for it.
double poisson_omega(int m) { return 2.0 / (1.0 + std::sin(std::numbers::pi / (m + 1))); }

TEST(EstimateOmega, ExactOnSmallPoissonWhenStepsCoverTheSpace) {
  for (const int m : {4, 8, 16}) {
    SCOPED_TRACE(m);
    const system s(asor::poisson2d(m));
    const asor::omega_estimate e = asor::estimate_omega(s.view, m * m + 10, 1);
    const double rho = poisson_rho(m);
    EXPECT_NEAR(e.lambda_min, 1.0 - rho, 1e-8);
    EXPECT_NEAR(e.lambda_max, 1.0 + rho, 1e-8);
    EXPECT_NEAR(e.jacobi_rho, rho, 1e-8);
    EXPECT_NEAR(e.omega, poisson_omega(m), 1e-8);
    EXPECT_NEAR(e.jacobi_omega, 1.0, 1e-8);
    EXPECT_GE(e.lanczos_steps, 1);
    EXPECT_LE(e.lanczos_steps, m * m);
  }
}

TEST(EstimateOmega, DefaultStepsOnSmallProblem) {
  // n = 64 < 80 steps: exact as well (breakdown or full space)
  const system s(asor::poisson2d(8));
  const asor::omega_estimate e = asor::estimate_omega(s.view);
  EXPECT_NEAR(e.jacobi_rho, poisson_rho(8), 1e-8);
  EXPECT_NEAR(e.omega, poisson_omega(8), 1e-8);
}

TEST(EstimateOmega, AnisotropicHasThePoissonJacobiRadius) {
  // D^-1 A of -eps u_xx - u_yy has eigenvalues 1 - (eps cos(j pi h) + cos(k pi h)) / (eps + 1)
  const int m = 12;
  const system s(asor::anisotropic2d(m, 0.01));
  const asor::omega_estimate e = asor::estimate_omega(s.view, 200, 3);
  EXPECT_NEAR(e.jacobi_rho, poisson_rho(m), 1e-8);
  EXPECT_NEAR(e.omega, poisson_omega(m), 1e-8);
}

TEST(EstimateOmega, RitzValuesBoundTheSpectrumFromInside) {
  // Lanczos eigenvalue estimates are Ritz values: inside [lambda_min, lambda_max], so rho and
  // omega are underestimated, never overestimated.
  for (const int m : {40, 64, 300}) {  // 300: n = 90000, beyond the full-reorthogonalization basis
    SCOPED_TRACE(m);
    const system s(asor::poisson2d(m));
    const asor::omega_estimate e = asor::estimate_omega(s.view, 80, 1);
    const double rho = poisson_rho(m);
    EXPECT_EQ(e.lanczos_steps, 80);
    EXPECT_GE(e.lambda_min, 1.0 - rho - 1e-12);
    EXPECT_LE(e.lambda_max, 1.0 + rho + 1e-12);
    EXPECT_LE(e.jacobi_rho, rho + 1e-12);
    EXPECT_LE(e.omega, poisson_omega(m) + 1e-12);
    EXPECT_GE(e.omega, 1.0);
    // the large end converges fast
    EXPECT_NEAR(e.lambda_max, 1.0 + rho, 1e-3);
    // and the estimate is useful (measured numbers in docs/algorithms.md)
    EXPECT_GT(e.omega, 1.5);
  }
}

TEST(EstimateOmega, ReproducibleBySeed) {
  const unsigned seed = static_cast<unsigned>(test_seed(17));
  const system s(asor::poisson2d(50));
  const asor::omega_estimate a = asor::estimate_omega(s.view, 30, seed);
  const asor::omega_estimate b = asor::estimate_omega(s.view, 30, seed);
  EXPECT_EQ(a.lambda_min, b.lambda_min);
  EXPECT_EQ(a.lambda_max, b.lambda_max);
  EXPECT_EQ(a.omega, b.omega);
  const asor::omega_estimate c = asor::estimate_omega(s.view, 30, seed + 1);
  EXPECT_NE(a.lambda_min, c.lambda_min);
  EXPECT_NEAR(a.lambda_max, c.lambda_max, 1e-2);
}

TEST(EstimateOmega, OneByOne) {
  const system s(asor::poisson2d(1));
  const asor::omega_estimate e = asor::estimate_omega(s.view, 80, 1);
  EXPECT_EQ(e.lanczos_steps, 1);
  EXPECT_NEAR(e.lambda_min, 1.0, 1e-15);
  EXPECT_NEAR(e.lambda_max, 1.0, 1e-15);
  EXPECT_NEAR(e.jacobi_rho, 0.0, 1e-15);
  EXPECT_EQ(e.omega, 1.0);
  EXPECT_NEAR(e.jacobi_omega, 1.0, 1e-15);
}

TEST(EstimateOmega, DiagonalMatrixBreaksDownAtOnce) {
  // D^-1 A = I: the start vector spans an invariant subspace, Lanczos stops after one step
  const system s(asor::random_spd(100, 0, 1));
  const asor::omega_estimate e = asor::estimate_omega(s.view, 80, 1);
  EXPECT_EQ(e.lanczos_steps, 1);
  EXPECT_NEAR(e.lambda_min, 1.0, 1e-14);
  EXPECT_NEAR(e.lambda_max, 1.0, 1e-14);
  EXPECT_EQ(e.omega, 1.0);
}

TEST(EstimateOmega, JacobiDivergentMatrixGivesGaussSeidel) {
  // SPD (eigenvalues 2.8, 0.1, 0.1) but D^-1 A = A has lambda_max = 2.8 > 2: Jacobi diverges,
  // rho = 1.8 >= 1, Young's formula is meaningless; omega falls back to 1.
  asor::sparse_matrix A(3, 3);
  std::vector<Eigen::Triplet<double, int>> t;
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) t.emplace_back(i, j, i == j ? 1.0 : 0.9);
  }
  A.setFromTriplets(t.begin(), t.end());
  const system s(A);
  const asor::omega_estimate e = asor::estimate_omega(s.view, 80, 1);
  EXPECT_LE(e.lanczos_steps, 3);
  EXPECT_NEAR(e.lambda_max, 2.8, 1e-12);
  EXPECT_NEAR(e.lambda_min, 0.1, 1e-12);
  EXPECT_NEAR(e.jacobi_rho, 1.8, 1e-12);
  EXPECT_EQ(e.omega, 1.0);
  EXPECT_NEAR(e.jacobi_omega, 2.0 / 2.9, 1e-12);
}

TEST(EstimateOmega, OmegaIsClampedBelowTwo) {
  // [[1, a], [a, 1]] with a = 0.99999: rho = a, Young's formula gives 1.99109 > 1.99
  const double a = 0.99999;
  asor::sparse_matrix A(2, 2);
  const std::vector<Eigen::Triplet<double, int>> t = {
      {0, 0, 1.0}, {0, 1, a}, {1, 0, a}, {1, 1, 1.0}};
  A.setFromTriplets(t.begin(), t.end());
  const system s(A);
  const asor::omega_estimate e = asor::estimate_omega(s.view, 80, 1);
  EXPECT_NEAR(e.jacobi_rho, a, 1e-12);
  EXPECT_GT(2.0 / (1.0 + std::sqrt(1.0 - a * a)), 1.99);
  EXPECT_EQ(e.omega, 1.99);
}

TEST(ResidualNorm, MatchesEigen) {
  const std::uint64_t seed = test_seed(23);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);  // fine here: compared with itself
  for (const auto& M :
       {asor::poisson2d(150), asor::random_spd(3000, 6, seed), asor::poisson3d(3)}) {
    const system s(M);
    asor::vector b(s.A.rows()), x(s.A.rows());
    for (Eigen::Index i = 0; i < b.size(); ++i) {
      b[i] = u(rng);
      x[i] = u(rng);
    }
    const double expected = (b - s.A * x).norm();
    const double got = asor::residual_norm(s.view, {b.data(), static_cast<std::size_t>(b.size())},
                                           {x.data(), static_cast<std::size_t>(x.size())});
    EXPECT_NEAR(got, expected, 1e-12 * expected) << "n = " << s.A.rows();
  }
}

TEST(ResidualNorm, ZeroAtTheSolution) {
  const system s(asor::poisson2d(10));
  const asor::vector x = asor::vector::Ones(s.A.rows());
  const asor::vector b = s.A * x;
  EXPECT_EQ(asor::residual_norm(s.view, {b.data(), static_cast<std::size_t>(b.size())},
                                {x.data(), static_cast<std::size_t>(x.size())}),
            0.0);
}

}  // namespace
