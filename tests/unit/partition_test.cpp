#include <gtest/gtest.h>

#include "asor/generators.hpp"
#include "asor/matrix.hpp"
#include "asor/partition.hpp"
#include "asor/sweep.hpp"

namespace asor {
namespace {

TEST(Partition, BalancedByNonzerosCoversEveryRowOnce) {
  const sparse_matrix A = random_spd(1000, 8, 3);
  const std::vector<double> inv = inverse_diagonal(A);
  const csr_view v = view_of(A, inv);
  for (int k : {1, 2, 3, 7, 64, 1000}) {
    const partition p = partition::balanced_by_nnz(v, k);
    ASSERT_EQ(p.blocks(), k);
    EXPECT_EQ(p.begin(0), 0);
    EXPECT_EQ(p.end(k - 1), 1000);
    std::int64_t largest = 0;
    for (int b = 0; b < k; ++b) {
      EXPECT_LT(p.begin(b), p.end(b)) << "block " << b << " of " << k << " is empty";
      largest =
          std::max<std::int64_t>(largest, v.row_ptr[static_cast<std::size_t>(p.end(b))] -
                                              v.row_ptr[static_cast<std::size_t>(p.begin(b))]);
    }
    // No block holds much more than its share (one row of slack).
    EXPECT_LE(static_cast<double>(largest), static_cast<double>(v.nnz()) / k + 40.0) << k;
  }
}

TEST(Partition, BlockOfAndValidation) {
  const partition p(std::vector<int>{0, 3, 3, 10});
  EXPECT_EQ(p.block_of(0), 0);
  EXPECT_EQ(p.block_of(2), 0);
  EXPECT_EQ(p.block_of(3), 2);
  EXPECT_EQ(p.block_of(9), 2);
  EXPECT_THROW(partition(std::vector<int>{1, 3}), std::invalid_argument);
  EXPECT_THROW(partition(std::vector<int>{0, 5, 4}), std::invalid_argument);
  const partition u = partition::uniform(10, 3);
  EXPECT_EQ(u.end(0), 3);
  EXPECT_EQ(u.end(2), 10);
}

TEST(Partition, L1DiagonalAddsOffBlockAbsoluteRowSums) {
  // Poisson 1D-like tridiagonal 4 x 4 split in two blocks: rows 1 and 2 couple across the cut.
  const sparse_matrix A = poisson2d(2);  // 4 x 4: diag 4, neighbours -1
  const std::vector<double> inv = inverse_diagonal(A);
  const csr_view v = view_of(A, inv);
  const partition p(std::vector<int>{0, 2, 4});
  const std::vector<double> l1 = l1_inverse_diagonal(v, p);
  // Row 0 couples to 1 (same block) and 2 (other block): 4 + 1.
  EXPECT_DOUBLE_EQ(l1[0], 1.0 / 5.0);
  EXPECT_DOUBLE_EQ(l1[3], 1.0 / 5.0);
  const std::vector<double> whole = l1_inverse_diagonal(v, partition(std::vector<int>{0, 4}));
  EXPECT_DOUBLE_EQ(whole[1], 0.25);
}

TEST(Sweep, ForwardSweepResidualIsThePrePassResidualOfEachRow) {
  const sparse_matrix A = poisson2d(3);
  const std::vector<double> inv = inverse_diagonal(A);
  const csr_view v = view_of(A, inv);
  const vector b = vector::Ones(9);
  vector x = vector::Zero(9);
  // From x = 0, row 0's residual is b_0 = 1 exactly.
  vector x0 = x;
  const sweep_result r =
      sor_sweep(v, b.data(), plain_access{x.data()}, 0, 1, 1.0, sweep_direction::forward);
  EXPECT_DOUBLE_EQ(r.residual_sq, 1.0);
  EXPECT_DOUBLE_EQ(x(0), 0.25);
  // A poll that fires stops the sweep before any row.
  const sweep_result stopped = sor_sweep(v, b.data(), plain_access{x0.data()}, 0, 9, 1.0,
                                         sweep_direction::forward, [] { return true; });
  EXPECT_TRUE(stopped.interrupted);
  EXPECT_EQ(stopped.rows, 0);
  EXPECT_EQ(x0, vector::Zero(9));
}

TEST(Sweep, PlainAndRelaxedAccessGiveBitIdenticalSweeps) {
  const sparse_matrix A = random_spd(300, 6, 11);
  const std::vector<double> inv = inverse_diagonal(A);
  const csr_view v = view_of(A, inv);
  const vector b = vector::LinSpaced(300, -1.0, 1.0);
  vector x1 = vector::Zero(300);
  vector x2 = vector::Zero(300);
  for (int s = 0; s < 5; ++s) {
    const double r1 =
        sor_sweep(v, b.data(), plain_access{x1.data()}, 0, 300, 1.3, sweep_direction::symmetric)
            .residual_sq;
    const double r2 =
        sor_sweep(v, b.data(), relaxed_access{x2.data()}, 0, 300, 1.3, sweep_direction::symmetric)
            .residual_sq;
    EXPECT_EQ(r1, r2);
  }
  EXPECT_EQ(x1, x2);
}

}  // namespace
}  // namespace asor
