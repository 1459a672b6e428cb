#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "asor/engine.hpp"
#include "asor/generators.hpp"
#include "asor/matrix.hpp"
#include "asor/ordering.hpp"
#include "asor/reference.hpp"

namespace asor {
namespace {

/// A with rows and columns renumbered by a random permutation (seeded): the same problem in a
/// scrambled order, as a mesh numbered element by element can be.
sparse_matrix scrambled(const sparse_matrix& A, unsigned seed) {
  std::vector<int> position(static_cast<std::size_t>(A.rows()));
  std::iota(position.begin(), position.end(), 0);
  std::shuffle(position.begin(), position.end(), std::mt19937(seed));
  std::vector<Eigen::Triplet<double>> entries;
  for (int i = 0; i < A.outerSize(); ++i) {
    for (sparse_matrix::InnerIterator it(A, i); it; ++it) {
      entries.emplace_back(position[static_cast<std::size_t>(it.row())],
                           position[static_cast<std::size_t>(it.col())], it.value());
    }
  }
  sparse_matrix B(A.rows(), A.cols());
  B.setFromTriplets(entries.begin(), entries.end());
  B.makeCompressed();
  return B;
}

/// A 1-D Laplacian (tridiagonal, 2 on the diagonal, -1 beside it).
sparse_matrix path(int n) {
  std::vector<Eigen::Triplet<double>> entries;
  for (int i = 0; i < n; ++i) {
    entries.emplace_back(i, i, 2.0);
    if (i > 0) entries.emplace_back(i, i - 1, -1.0);
    if (i + 1 < n) entries.emplace_back(i, i + 1, -1.0);
  }
  sparse_matrix A(n, n);
  A.setFromTriplets(entries.begin(), entries.end());
  A.makeCompressed();
  return A;
}

bool is_permutation_of_rows(const std::vector<int>& order, int n) {
  std::vector<int> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int> identity(static_cast<std::size_t>(n));
  std::iota(identity.begin(), identity.end(), 0);
  return sorted == identity;
}

TEST(Ordering, Names) {
  for (const ordering o : {ordering::natural, ordering::rcm, ordering::automatic}) {
    EXPECT_EQ(ordering_from_string(to_string(o)), o);
  }
  EXPECT_EQ(to_string(ordering::automatic), "auto");
  EXPECT_FALSE(ordering_from_string("amd").has_value());
}

TEST(Ordering, BandwidthOfKnownMatrices) {
  const sparse_matrix T = path(50);
  const std::vector<double> t_inv = inverse_diagonal(T);
  EXPECT_EQ(bandwidth(view_of(T, t_inv)), 1);
  const sparse_matrix P = poisson2d(12);
  const std::vector<double> p_inv = inverse_diagonal(P);
  EXPECT_EQ(bandwidth(view_of(P, p_inv)), 12);
  std::vector<int> reversed(144);
  std::iota(reversed.rbegin(), reversed.rend(), 0);
  EXPECT_EQ(bandwidth(view_of(P, p_inv), reversed), 12);
}

TEST(Ordering, RcmRecoversTheBandOfAScrambledPath) {
  // A path numbered at random has a bandwidth near n; Cuthill-McKee from a peripheral vertex
  // numbers it end to end again: bandwidth 1.
  const sparse_matrix A = scrambled(path(200), 7);
  const std::vector<double> inv = inverse_diagonal(A);
  const csr_view v = view_of(A, inv);
  EXPECT_GT(bandwidth(v), 100);
  const std::vector<int> order = reverse_cuthill_mckee(v);
  ASSERT_TRUE(is_permutation_of_rows(order, 200));
  EXPECT_EQ(bandwidth(v, order), 1);
}

TEST(Ordering, RcmShrinksAScrambledGridToItsLevelSets) {
  const sparse_matrix A = scrambled(poisson2d(30), 11);
  const std::vector<double> inv = inverse_diagonal(A);
  const csr_view v = view_of(A, inv);
  const std::vector<int> order = reverse_cuthill_mckee(v);
  ASSERT_TRUE(is_permutation_of_rows(order, 900));
  // Level sets of a 30 x 30 grid from a corner are its anti-diagonals (at most 30 vertices).
  EXPECT_GT(bandwidth(v), 400);
  EXPECT_LE(bandwidth(v, order), 60);
}

TEST(Ordering, RcmCoversEveryComponent) {
  // Three components: a path, isolated vertices (a diagonal part), another path.
  std::vector<Eigen::Triplet<double>> entries;
  entries.reserve(30 + 4 * 9);
  for (int i = 0; i < 30; ++i) entries.emplace_back(i, i, 4.0);
  for (int i = 1; i < 10; ++i) {
    entries.emplace_back(i, i - 1, -1.0);
    entries.emplace_back(i - 1, i, -1.0);
  }
  for (int i = 21; i < 30; ++i) {
    entries.emplace_back(i, i - 1, -1.0);
    entries.emplace_back(i - 1, i, -1.0);
  }
  sparse_matrix A(30, 30);
  A.setFromTriplets(entries.begin(), entries.end());
  A.makeCompressed();
  const std::vector<double> inv = inverse_diagonal(A);
  const std::vector<int> order = reverse_cuthill_mckee(view_of(A, inv));
  EXPECT_TRUE(is_permutation_of_rows(order, 30));
  EXPECT_EQ(bandwidth(view_of(A, inv), order), 1);
}

TEST(Ordering, RcmOfManySmallComponentsKeepsEachTogether) {
  // 3000 coupled pairs (2i, 2i+1) scrambled: every pair must come out on adjacent rows.
  const int n = 6000;
  std::vector<Eigen::Triplet<double>> entries;
  entries.reserve(2 * static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) entries.emplace_back(i, i, 4.0);
  for (int i = 0; i < n; i += 2) {
    entries.emplace_back(i, i + 1, -1.0);
    entries.emplace_back(i + 1, i, -1.0);
  }
  sparse_matrix pairs(n, n);
  pairs.setFromTriplets(entries.begin(), entries.end());
  const sparse_matrix A = scrambled(pairs, 13);
  const std::vector<double> inv = inverse_diagonal(A);
  const csr_view v = view_of(A, inv);
  const std::vector<int> order = reverse_cuthill_mckee(v);
  ASSERT_TRUE(is_permutation_of_rows(order, n));
  EXPECT_GT(bandwidth(v), n / 2);
  EXPECT_EQ(bandwidth(v, order), 1);
}

TEST(Ordering, RcmOfAOneWayPatternIsStillAPermutation) {
  // An explicitly stored zero at (1, 2) without (2, 1): breadth-first search from row 2 never
  // reaches row 1, and row 1 must still get a place.
  for (const int n : {3, 7}) {
    std::vector<Eigen::Triplet<double>> entries;
    entries.reserve(static_cast<std::size_t>(n) + 1);
    for (int i = 0; i < n; ++i) entries.emplace_back(i, i, 2.0);
    entries.emplace_back(1, 2, 0.0);
    sparse_matrix A(n, n);
    A.setFromTriplets(entries.begin(), entries.end());
    A.makeCompressed();
    ASSERT_EQ(A.nonZeros(), n + 1);
    const std::vector<double> inv = inverse_diagonal(A);
    EXPECT_TRUE(is_permutation_of_rows(reverse_cuthill_mckee(view_of(A, inv)), n)) << n;
  }
}

TEST(Ordering, PermuteIsPAPTransposedWithSortedRows) {
  const sparse_matrix A = random_spd(60, 5, 3);
  const std::vector<double> inv = inverse_diagonal(A);
  const csr_view v = view_of(A, inv);
  std::vector<int> order(60);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937(5));
  const permuted_matrix P = permute(v, order);
  const csr_view p = P.view();
  ASSERT_EQ(p.rows, 60);
  ASSERT_EQ(p.nnz(), v.nnz());
  const Eigen::MatrixXd dense(A);
  for (int r = 0; r < 60; ++r) {
    const auto ur = static_cast<std::size_t>(r);
    EXPECT_EQ(p.inv_diag[ur], inv[static_cast<std::size_t>(order[ur])]);
    int row_entries = 0;
    for (int k = p.row_ptr[ur]; k < p.row_ptr[ur + 1]; ++k) {
      const auto uk = static_cast<std::size_t>(k);
      if (k > p.row_ptr[ur]) {
        EXPECT_LT(p.col_idx[uk - 1], p.col_idx[uk]) << "row " << r;
      }
      const int c = p.col_idx[uk];
      EXPECT_EQ(p.values[uk], dense(order[ur], order[static_cast<std::size_t>(c)]));
      ++row_entries;
    }
    EXPECT_EQ(row_entries, (dense.row(order[ur]).array() != 0.0).count()) << "row " << r;
  }
}

/// Solves with \p options and checks x, which must come back in the caller's order, against LDLT.
solve_report solve_and_check(const sparse_matrix& A, const solver_options& options) {
  const std::vector<double> inv = inverse_diagonal(A);
  const vector b = A * vector::LinSpaced(A.rows(), 1.0, 2.0);
  std::vector<double> x(inv.size(), 0.0);
  engine e(view_of(A, inv), options);
  solve_report r = e.solve({b.data(), inv.size()}, x);
  EXPECT_TRUE(r.converged()) << to_string(r.reason);
  const reference_check check =
      check_against_reference(A, b, Eigen::Map<const vector>(x.data(), A.rows()));
  EXPECT_LT(check.relative_residual, 1e-8);
  EXPECT_LT(check.relative_error, 1e-6);
  return r;
}

solver_options options_for(method m, ordering o, int threads) {
  solver_options opt;
  opt.method = m;
  opt.ordering = o;
  opt.threads = threads;
  opt.omega = 1.5;
  opt.stop.tolerance = 1e-10;
  opt.stop.max_sweeps = 100000;
  return opt;
}

TEST(Ordering, EveryMethodSolvesInRcmOrderAndAnswersInTheCallersOrder) {
  const sparse_matrix A = scrambled(poisson2d(20), 3);
  for (const method m : {method::jacobi, method::sor, method::ssor, method::multicolor,
                         method::block_jacobi, method::async}) {
    SCOPED_TRACE(std::string(to_string(m)));
    solver_options opt = options_for(m, ordering::rcm, 2);
    if (m == method::jacobi) opt.omega = 0.8;
    EXPECT_EQ(solve_and_check(A, opt).ordering, ordering::rcm);
  }
}

TEST(Ordering, AutomaticReordersOnlyTheBlockMethodsOnTwoThreadsWhenItHalvesTheBandwidth) {
  const sparse_matrix scrambled_grid = scrambled(poisson2d(20), 9);
  EXPECT_EQ(
      solve_and_check(scrambled_grid, options_for(method::async, ordering::automatic, 2)).ordering,
      ordering::rcm);
  EXPECT_EQ(
      solve_and_check(scrambled_grid, options_for(method::block_jacobi, ordering::automatic, 2))
          .ordering,
      ordering::rcm);
  // One thread: no boundary between threads to shrink.
  EXPECT_EQ(
      solve_and_check(scrambled_grid, options_for(method::async, ordering::automatic, 1)).ordering,
      ordering::natural);
  // Sequential SOR keeps the caller's order (its sweep order is the caller's choice).
  EXPECT_EQ(
      solve_and_check(scrambled_grid, options_for(method::sor, ordering::automatic, 2)).ordering,
      ordering::natural);
  // The grid in its natural order has bandwidth m already: RCM cannot halve it.
  EXPECT_EQ(
      solve_and_check(poisson2d(20), options_for(method::async, ordering::automatic, 2)).ordering,
      ordering::natural);
  EXPECT_EQ(
      solve_and_check(scrambled_grid, options_for(method::async, ordering::natural, 2)).ordering,
      ordering::natural);
}

TEST(Ordering, ChangingTheOptionsPreparesTheOrderAgain) {
  const sparse_matrix A = scrambled(poisson2d(16), 4);
  const std::vector<double> inv = inverse_diagonal(A);
  const vector solution = vector::LinSpaced(A.rows(), 1.0, 2.0);  // not permutation-invariant
  const vector b = A * solution;
  engine e(view_of(A, inv), options_for(method::async, ordering::rcm, 2));
  for (const ordering o : {ordering::rcm, ordering::natural, ordering::rcm}) {
    e.set_options(options_for(method::async, o, 2));
    std::vector<double> x(inv.size(), 0.0);
    const solve_report r = e.solve({b.data(), inv.size()}, x);
    EXPECT_EQ(r.ordering, o);
    ASSERT_TRUE(r.converged());
    for (Eigen::Index i = 0; i < A.rows(); ++i) {
      EXPECT_NEAR(x[static_cast<std::size_t>(i)], solution[i], 1e-6) << "row " << i;
    }
  }
}

}  // namespace
}  // namespace asor
