/// \file reference_test.cpp
/// \brief The direct reference solvers: known answers, agreement, failures.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "asor/config.hpp"
#include "asor/generators.hpp"
#include "asor/io/errors.hpp"
#include "asor/reference.hpp"

namespace {

std::uint64_t test_seed(std::uint64_t fallback) {
  std::uint64_t seed = fallback;
  if (const char* env = std::getenv("ASOR_SEED")) seed = std::strtoull(env, nullptr, 10);
  std::printf("[ seed     ] ASOR_SEED=%llu\n", static_cast<unsigned long long>(seed));
  return seed;
}

std::string runtime_message(const asor::sparse_matrix& A, const asor::vector& b,
                            asor::reference_solver s) {
  try {
    (void)asor::solve_reference(A, b, s);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(Reference, Names) {
  using asor::reference_solver;
  for (const auto s :
       {reference_solver::ldlt, reference_solver::cholmod, reference_solver::strumpack}) {
    EXPECT_EQ(asor::reference_solver_from_string(asor::to_string(s)), s);
  }
  EXPECT_EQ(asor::to_string(reference_solver::ldlt), "ldlt");
  EXPECT_EQ(asor::to_string(reference_solver::cholmod), "cholmod");
  EXPECT_EQ(asor::to_string(reference_solver::strumpack), "strumpack");
  EXPECT_EQ(asor::reference_solver_from_string("LDLT"), std::nullopt);
  EXPECT_EQ(asor::reference_solver_from_string(""), std::nullopt);
}

TEST(Reference, Availability) {
  EXPECT_TRUE(asor::reference_available(asor::reference_solver::ldlt));
  EXPECT_TRUE(asor::reference_available(asor::reference_solver::cholmod));
  EXPECT_EQ(asor::reference_available(asor::reference_solver::strumpack), ASOR_HAVE_STRUMPACK != 0);
}

TEST(Reference, StrumpackUnavailableThrows) {
  if (asor::reference_available(asor::reference_solver::strumpack)) {
    GTEST_SKIP() << "built with STRUMPACK";
  }
  const asor::sparse_matrix A = asor::poisson2d(4);
  const std::string msg =
      runtime_message(A, asor::vector::Ones(16), asor::reference_solver::strumpack);
  EXPECT_EQ(msg.rfind("strumpack: not available in this build", 0), 0U) << msg;
}

/// b = A * ones, so x = ones, on each available solver.
class ReferenceKnownAnswer : public ::testing::TestWithParam<asor::reference_solver> {};

TEST_P(ReferenceKnownAnswer, RecoversOnes) {
  if (!asor::reference_available(GetParam())) GTEST_SKIP() << "not in this build";
  const std::uint64_t seed = test_seed(11);
  const std::vector<asor::sparse_matrix> problems = {asor::poisson2d(30), asor::poisson3d(8),
                                                     asor::anisotropic2d(25, 1e-3),
                                                     asor::random_spd(800, 6, seed)};
  for (const auto& A : problems) {
    SCOPED_TRACE(A.rows());
    const asor::vector ones = asor::vector::Ones(A.rows());
    const asor::vector b = A * ones;
    const asor::reference_solution sol = asor::solve_reference(A, b, GetParam());
    EXPECT_EQ(sol.solver, GetParam());
    ASSERT_EQ(sol.x.size(), A.rows());
    EXPECT_LT((sol.x - ones).norm() / ones.norm(), 1e-10);
    EXPECT_LT(sol.relative_residual, 1e-13);
    EXPECT_NEAR(sol.relative_residual, (b - A * sol.x).norm() / b.norm(), 1e-15);
    EXPECT_GE(sol.seconds, 0.0);
  }
}

INSTANTIATE_TEST_SUITE_P(Solvers, ReferenceKnownAnswer,
                         ::testing::Values(asor::reference_solver::ldlt,
                                           asor::reference_solver::cholmod,
                                           asor::reference_solver::strumpack),
                         [](const auto& p) { return std::string(asor::to_string(p.param)); });

TEST(Reference, LdltAndCholmodAgree) {
  const std::uint64_t seed = test_seed(5);
  const asor::sparse_matrix A = asor::random_spd(1000, 6, seed);
  asor::vector b(A.rows());
  for (Eigen::Index i = 0; i < b.size(); ++i) b[i] = std::sin(static_cast<double>(i));
  const auto l = asor::solve_reference(A, b, asor::reference_solver::ldlt);
  const auto c = asor::solve_reference(A, b, asor::reference_solver::cholmod);
  EXPECT_LT((l.x - c.x).norm() / l.x.norm(), 1e-12);
  const asor::sparse_matrix P = asor::poisson2d(40);
  const asor::vector bp = asor::vector::Ones(P.rows());
  const auto lp = asor::solve_reference(P, bp, asor::reference_solver::ldlt);
  const auto cp = asor::solve_reference(P, bp, asor::reference_solver::cholmod);
  EXPECT_LT((lp.x - cp.x).norm() / lp.x.norm(), 1e-12);
}

TEST(Reference, IndefiniteMatrixIsRejected) {
  // symmetric, eigenvalues 3 and -1
  asor::sparse_matrix A(2, 2);
  const std::vector<Eigen::Triplet<double, int>> t = {{0, 0, 1}, {0, 1, 2}, {1, 0, 2}, {1, 1, 1}};
  A.setFromTriplets(t.begin(), t.end());
  const asor::vector b = asor::vector::Ones(2);
  EXPECT_EQ(runtime_message(A, b, asor::reference_solver::ldlt),
            "ldlt: matrix is not positive definite");
  EXPECT_EQ(runtime_message(A, b, asor::reference_solver::cholmod),
            "cholmod: matrix is not positive definite");
}

TEST(Reference, SingularMatrixIsRejected) {
  // the 1D Neumann Laplacian: positive semi-definite, singular
  const int n = 50;
  std::vector<Eigen::Triplet<double, int>> t;
  for (int i = 0; i < n; ++i) {
    t.emplace_back(i, i, (i == 0 || i == n - 1) ? 1.0 : 2.0);
    if (i > 0) t.emplace_back(i, i - 1, -1.0);
    if (i + 1 < n) t.emplace_back(i, i + 1, -1.0);
  }
  asor::sparse_matrix A(n, n);
  A.setFromTriplets(t.begin(), t.end());
  const asor::vector b = asor::vector::Ones(n);
  EXPECT_EQ(runtime_message(A, b, asor::reference_solver::ldlt),
            "ldlt: matrix is not positive definite");
  EXPECT_EQ(runtime_message(A, b, asor::reference_solver::cholmod),
            "cholmod: matrix is not positive definite");
}

TEST(Reference, BadRightHandSide) {
  const asor::sparse_matrix A = asor::poisson2d(2);
  try {
    (void)asor::solve_reference(A, asor::vector::Ones(5), asor::reference_solver::ldlt);
    FAIL() << "no exception";
  } catch (const asor::input_error& e) {
    EXPECT_EQ(e.problem(), "right-hand side has 5 entries, matrix has 4 rows");
  }
}

TEST(Reference, CheckAgainstReference) {
  const asor::sparse_matrix A = asor::poisson2d(20);
  const asor::vector ones = asor::vector::Ones(A.rows());
  const asor::vector b = A * ones;
  asor::vector x = ones;
  x[7] += 1e-3;
  for (const auto s : {asor::reference_solver::ldlt, asor::reference_solver::cholmod}) {
    const asor::reference_check c = asor::check_against_reference(A, b, x, s);
    EXPECT_EQ(c.reference.solver, s);
    EXPECT_NEAR(c.relative_error, 1e-3 / ones.norm(), 1e-12);
    EXPECT_NEAR(c.relative_residual, (b - A * x).norm() / b.norm(), 1e-15);
    EXPECT_LT(c.reference.relative_residual, 1e-13);
  }
  const asor::reference_check exact = asor::check_against_reference(A, b, ones);
  EXPECT_EQ(exact.reference.solver, asor::reference_solver::ldlt);
  EXPECT_LT(exact.relative_error, 1e-12);
}

}  // namespace
