/// \file validate_test.cpp
/// \brief Every validation message, exactly.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "asor/generators.hpp"
#include "asor/validate.hpp"

namespace {

using triplet = Eigen::Triplet<double, int>;

asor::sparse_matrix from_triplets(int rows, int cols, const std::vector<triplet>& t) {
  asor::sparse_matrix A(rows, cols);
  A.setFromTriplets(t.begin(), t.end());
  A.makeCompressed();
  return A;
}

/// poisson2d(3) as triplets, with \p edit applied to the list before assembly.
template <class Edit>
asor::sparse_matrix edited_poisson(Edit&& edit) {
  const asor::sparse_matrix P = asor::poisson2d(3);
  std::vector<triplet> t;
  for (int i = 0; i < P.outerSize(); ++i) {
    for (asor::sparse_matrix::InnerIterator it(P, i); it; ++it) {
      t.emplace_back(static_cast<int>(it.row()), static_cast<int>(it.col()), it.value());
    }
  }
  edit(t);
  return from_triplets(9, 9, t);
}

void set_entry(std::vector<triplet>& t, int i, int j, double v) {
  for (auto& e : t) {
    if (e.row() == i && e.col() == j) {
      e = triplet(i, j, v);
      return;
    }
  }
  t.emplace_back(i, j, v);
}

/// The arrays of a compressed \p A, as a binding holding a matrix elsewhere would pass them.
asor::csr_arrays arrays_of(const asor::sparse_matrix& A) {
  const auto n = static_cast<std::size_t>(A.rows());
  const auto nnz = static_cast<std::size_t>(A.nonZeros());
  return {A.rows(),
          A.cols(),
          {A.outerIndexPtr(), n + 1},
          {A.innerIndexPtr(), nnz},
          {A.valuePtr(), nnz}};
}

/// The problem text of the input_error validate_matrix(\p A) throws ("" when it does not throw).
template <class Matrix>
std::string problem_of(const Matrix& A, const asor::validation_options& o) {
  try {
    asor::validate_matrix(A, o);
  } catch (const asor::input_error& e) {
    EXPECT_TRUE(e.file().empty());
    EXPECT_EQ(e.line(), 0U);
    EXPECT_EQ(std::string(e.what()), e.problem());  // no file: what() is the problem alone
    return e.problem();
  }
  return "";
}

/// The problem of \p A; when A is compressed, the raw-array overload must say the same.
std::string matrix_problem(const asor::sparse_matrix& A, const asor::validation_options& o = {}) {
  std::string problem = problem_of(A, o);
  if (A.isCompressed()) {
    EXPECT_EQ(problem_of(arrays_of(A), o), problem) << "csr_arrays overload";
  }
  return problem;
}

/// The problem of raw arrays (n x n) given as vectors.
std::string raw_problem(std::int64_t n, const std::vector<int>& row_ptr,
                        const std::vector<int>& col_idx, const std::vector<double>& values) {
  return problem_of(asor::csr_arrays{n, n, row_ptr, col_idx, values}, {});
}

std::string rhs_problem(const asor::sparse_matrix& A, const asor::vector& b) {
  std::string problem;
  try {
    asor::validate_rhs(A, b);
  } catch (const asor::input_error& e) {
    EXPECT_TRUE(e.file().empty());
    problem = e.problem();
  }
  std::string raw;
  try {
    asor::validate_rhs(A.rows(), {b.data(), static_cast<std::size_t>(b.size())});
  } catch (const asor::input_error& e) {
    raw = e.problem();
  }
  EXPECT_EQ(raw, problem) << "span overload";
  return problem;
}

TEST(Validate, AcceptsValidMatrices) {
  EXPECT_EQ(matrix_problem(asor::poisson2d(3)), "");
  EXPECT_EQ(matrix_problem(asor::poisson3d(4)), "");
  EXPECT_EQ(matrix_problem(asor::anisotropic2d(6, 1e-4)), "");
  EXPECT_EQ(matrix_problem(asor::random_spd(300, 7, 3)), "");
  EXPECT_EQ(matrix_problem(from_triplets(1, 1, {{0, 0, 2.5}})), "");
}

TEST(Validate, Empty) {
  EXPECT_EQ(matrix_problem(asor::sparse_matrix(0, 0)), "matrix is empty (0 x 0)");
}

TEST(Validate, NotSquare) {
  EXPECT_EQ(matrix_problem(asor::sparse_matrix(3, 4)), "matrix is not square (3 x 4)");
  EXPECT_EQ(matrix_problem(asor::sparse_matrix(0, 2)), "matrix is not square (0 x 2)");
}

TEST(Validate, NaNEntry) {
  const auto A = edited_poisson([](auto& t) { t.emplace_back(2, 5, std::nan("")); });
  EXPECT_EQ(matrix_problem(A), "entry (2, 5) is NaN");
}

TEST(Validate, InfEntry) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(matrix_problem(edited_poisson([&](auto& t) { t.emplace_back(2, 5, inf); })),
            "entry (2, 5) is Inf");
  EXPECT_EQ(matrix_problem(edited_poisson([&](auto& t) { set_entry(t, 4, 4, -inf); })),
            "entry (4, 4) is Inf");
}

TEST(Validate, FirstNonFiniteEntryInRowOrderWins) {
  const auto A = edited_poisson([](auto& t) {
    t.emplace_back(6, 2, std::nan(""));
    t.emplace_back(2, 6, std::numeric_limits<double>::infinity());
  });
  EXPECT_EQ(matrix_problem(A), "entry (2, 6) is Inf");
}

TEST(Validate, MissingDiagonal) {
  const auto A = edited_poisson([](auto& t) {
    std::erase_if(t, [](const triplet& e) { return e.row() == 7 && e.col() == 7; });
  });
  EXPECT_EQ(matrix_problem(A), "diagonal entry (7, 7) is missing");
}

TEST(Validate, NonPositiveDiagonal) {
  EXPECT_EQ(matrix_problem(edited_poisson([](auto& t) { set_entry(t, 7, 7, -2.0); })),
            "diagonal entry (7, 7) is -2 (must be positive)");
  EXPECT_EQ(matrix_problem(edited_poisson([](auto& t) { set_entry(t, 0, 0, 0.0); })),
            "diagonal entry (0, 0) is 0 (must be positive)");
  EXPECT_EQ(matrix_problem(edited_poisson([](auto& t) { set_entry(t, 3, 3, -0.125); })),
            "diagonal entry (3, 3) is -0.125 (must be positive)");
}

TEST(Validate, NonFiniteIsReportedBeforeTheDiagonal) {
  const auto A = edited_poisson([](auto& t) {
    set_entry(t, 1, 1, -2.0);
    t.emplace_back(8, 0, std::nan(""));
  });
  EXPECT_EQ(matrix_problem(A), "entry (8, 0) is NaN");
}

TEST(Validate, NotSymmetric) {
  const auto A = edited_poisson([](auto& t) {
    t.emplace_back(3, 1, 2.0);
    t.emplace_back(1, 3, 1.5);
  });
  EXPECT_EQ(matrix_problem(A),
            "matrix is not symmetric: largest asymmetry |a(3, 1) - a(1, 3)| = 0.5 (relative 0.25)");
}

TEST(Validate, NotSymmetricNamesTheLowerEntryFirstWhicheverIsStored) {
  // only the upper entry (1, 6) is stored: the pair is still named from the lower side
  const auto A = edited_poisson([](auto& t) { t.emplace_back(1, 6, 0.75); });
  EXPECT_EQ(matrix_problem(A),
            "matrix is not symmetric: largest asymmetry |a(6, 1) - a(1, 6)| = 0.75 (relative 1)");
}

TEST(Validate, NotSymmetricNamesTheLargestRelativeAsymmetry) {
  const auto A = edited_poisson([](auto& t) {
    set_entry(t, 1, 0, -1.1);  // relative 0.1/1.1
    set_entry(t, 8, 5, -3.0);  // relative 2/3: the largest
    set_entry(t, 6, 3, -1.5);  // relative 1/3
  });
  EXPECT_EQ(matrix_problem(A),
            "matrix is not symmetric: largest asymmetry |a(8, 5) - a(5, 8)| = 2 (relative "
            "0.666667)");
}

TEST(Validate, SymmetryTolerance) {
  const auto A = edited_poisson([](auto& t) { set_entry(t, 4, 1, -1.0 - 1e-13); });
  EXPECT_EQ(matrix_problem(A), "");  // relative 1e-13 <= 1e-10
  asor::validation_options strict;
  strict.symmetry_tolerance = 1e-14;
  EXPECT_NE(matrix_problem(A, strict).find("|a(4, 1) - a(1, 4)|"), std::string::npos);
  asor::validation_options any;
  any.require_symmetric = false;
  const auto B = edited_poisson([](auto& t) { t.emplace_back(0, 8, 3.0); });
  EXPECT_EQ(matrix_problem(B, any), "");
  EXPECT_NE(matrix_problem(B), "");
}

TEST(Validate, ExplicitZerosAreSymmetric) {
  const auto A = edited_poisson([](auto& t) {
    t.emplace_back(0, 8, 0.0);  // stored zero, mirror not stored
  });
  EXPECT_EQ(matrix_problem(A), "");
}

TEST(Validate, UncompressedMatrix) {
  asor::sparse_matrix A = asor::poisson2d(3);
  A.uncompress();
  A.coeffRef(2, 5) = std::nan("");
  ASSERT_FALSE(A.isCompressed());
  EXPECT_EQ(matrix_problem(A), "entry (2, 5) is NaN");
  asor::sparse_matrix B = asor::poisson2d(3);
  B.uncompress();
  B.coeffRef(5, 0) = 1.0;
  EXPECT_EQ(matrix_problem(B),
            "matrix is not symmetric: largest asymmetry |a(5, 0) - a(0, 5)| = 1 (relative 1)");
}

TEST(Validate, LargeMatrixIsChecked) {
  asor::sparse_matrix A = asor::poisson2d(512);
  EXPECT_EQ(matrix_problem(A), "");
  A.coeffRef(200000, 200001) = -1.0 + 2e-3;
  EXPECT_EQ(matrix_problem(A),
            "matrix is not symmetric: largest asymmetry |a(200001, 200000) - a(200000, 200001)| = "
            "0.002 (relative 0.002)");
}

TEST(Validate, RhsSize) {
  const asor::sparse_matrix A = asor::poisson2d(2);
  EXPECT_EQ(rhs_problem(A, asor::vector::Ones(5)),
            "right-hand side has 5 entries, matrix has 4 rows");
  EXPECT_EQ(rhs_problem(A, asor::vector::Ones(4)), "");
}

TEST(Validate, RhsNonFinite) {
  const asor::sparse_matrix A = asor::poisson2d(2);
  asor::vector b = asor::vector::Ones(4);
  b[3] = std::nan("");
  EXPECT_EQ(rhs_problem(A, b), "right-hand side entry 3 is NaN");
  b[3] = 1.0;
  b[1] = -std::numeric_limits<double>::infinity();
  EXPECT_EQ(rhs_problem(A, b), "right-hand side entry 1 is Inf");
}

}  // namespace

// Raw arrays have a structure to check first (Eigen guarantees it by itself); columns may come in
// any order within a row.
TEST(ValidateArrays, Structure) {
  // [[2, -1], [-1, 2]]
  EXPECT_EQ(raw_problem(2, {0, 2, 4}, {0, 1, 0, 1}, {2, -1, -1, 2}), "");
  EXPECT_EQ(raw_problem(2, {0, 2, 4}, {1, 0, 1, 0}, {-1, 2, 2, -1}), "") << "unsorted columns";
  EXPECT_EQ(raw_problem(2, {0, 2}, {0, 1}, {2, -1}),
            "row pointer has 2 entries, expected rows + 1 = 3");
  EXPECT_EQ(raw_problem(2, {0, 2, 4}, {0, 1, 0, 1}, {2, -1, -1}),
            "there are 4 column indices but 3 values");
  EXPECT_EQ(raw_problem(2, {1, 2, 4}, {0, 1, 0, 1}, {2, -1, -1, 2}),
            "row pointer starts at 1, not 0");
  EXPECT_EQ(raw_problem(2, {0, 3, 2}, {0, 1, 0}, {2, -1, -1}),
            "row pointer decreases at row 1 (from 3 to 2)");
  EXPECT_EQ(raw_problem(2, {0, 2, 3}, {0, 1, 0, 1}, {2, -1, -1, 2}),
            "row pointer ends at 3, but there are 4 entries");
  EXPECT_EQ(raw_problem(2, {0, 2, 4}, {0, 1, 0, 2}, {2, -1, -1, 2}),
            "entry 3 (row 1) has column index 2, outside [0, 2)");
  EXPECT_EQ(raw_problem(2, {0, 2, 4}, {0, -1, 0, 1}, {2, -1, -1, 2}),
            "entry 1 (row 0) has column index -1, outside [0, 2)");
  EXPECT_EQ(raw_problem(2, {0, 3, 5}, {0, 1, 1, 0, 1}, {2, -0.5, -0.5, -1, 2}),
            "entry (0, 1) is stored twice");
  EXPECT_EQ(problem_of(asor::csr_arrays{2, 3, {}, {}, {}}, {}), "matrix is not square (2 x 3)");
  EXPECT_EQ(problem_of(asor::csr_arrays{0, 0, {}, {}, {}}, {}), "matrix is empty (0 x 0)");
}
