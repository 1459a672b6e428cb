/// \file matrix_market_test.cpp
/// \brief The Matrix Market reader on real and hand-written files, and writer round trips.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "asor/io/matrix_market.hpp"
#include "asor/io/triplet.hpp"
#include "asor/io_detail.hpp"
#include "io_test_support.hpp"

namespace asor::io::test {
namespace {

using entry_map = std::map<std::pair<int, int>, double>;

/// An independent, slow reading of a coordinate file (iostreams), mirrored when symmetric.
entry_map reference_entries(const std::string& path, int& rows, int& cols) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  const bool symmetric = line.find("symmetric") != std::string::npos;
  while (std::getline(in, line) && line.front() == '%') {
  }
  long long nnz = 0;
  std::istringstream(line) >> rows >> cols >> nnz;
  entry_map entries;
  for (long long k = 0; k < nnz; ++k) {
    int i = 0;
    int j = 0;
    double v = 0.0;
    in >> i >> j >> v;
    entries[{i - 1, j - 1}] = v;
    if (symmetric) {
      entries[{j - 1, i - 1}] = v;
    }
  }
  return entries;
}

entry_map entries_of(const sparse_matrix& A) {
  entry_map entries;
  for (Eigen::Index i = 0; i < A.outerSize(); ++i) {
    for (sparse_matrix::InnerIterator it(A, i); it; ++it) {
      entries[{static_cast<int>(it.row()), static_cast<int>(it.col())}] = it.value();
    }
  }
  return entries;
}

/// Compressed, columns strictly increasing in every row.
void expect_well_formed(const sparse_matrix& A) {
  ASSERT_TRUE(A.isCompressed());
  for (Eigen::Index i = 0; i < A.outerSize(); ++i) {
    for (int k = A.outerIndexPtr()[i] + 1; k < A.outerIndexPtr()[i + 1]; ++k) {
      ASSERT_LT(A.innerIndexPtr()[k - 1], A.innerIndexPtr()[k]) << "row " << i;
    }
  }
}

struct real_matrix {
  const char* file;
  int n;
  int nnz;  // both triangles, as listed in tests/data/ATTRIBUTION.md
};

class real_matrices : public ::testing::TestWithParam<real_matrix> {};

TEST_P(real_matrices, read_like_the_reference_and_symmetric) {
  const real_matrix m = GetParam();
  const std::string path = data_path(m.file);
  const sparse_matrix A = read_matrix_market(path);
  expect_well_formed(A);
  EXPECT_EQ(A.rows(), m.n);
  EXPECT_EQ(A.cols(), m.n);
  EXPECT_EQ(A.nonZeros(), m.nnz);
  int rows = 0;
  int cols = 0;
  const entry_map expected = reference_entries(path, rows, cols);
  EXPECT_EQ(rows, m.n);
  EXPECT_TRUE(entries_of(A) == expected);
  const sparse_matrix At = A.transpose();
  EXPECT_TRUE(bit_identical(A, At));
  for (int i = 0; i < m.n; ++i) {
    EXPECT_GT(A.coeff(i, i), 0.0) << "row " << i;
  }
}

std::string real_matrix_name(const ::testing::TestParamInfo<real_matrix>& param_info) {
  const std::string name = param_info.param.file;
  return name.substr(0, name.size() - 4);
}

INSTANTIATE_TEST_SUITE_P(
    data, real_matrices,
    ::testing::Values(real_matrix{"LF10.mtx", 18, 82}, real_matrix{"mesh1e1.mtx", 48, 306},
                      real_matrix{"bcsstk01.mtx", 48, 400}, real_matrix{"nos4.mtx", 100, 594},
                      real_matrix{"nos1.mtx", 237, 1017}, real_matrix{"494_bus.mtx", 494, 1666},
                      real_matrix{"nos6.mtx", 675, 3255}, real_matrix{"gr_30_30.mtx", 900, 7744}),
    real_matrix_name);

TEST(matrix_market, crlf_file_reads_the_same_matrix) {
  const sparse_matrix lf = read_matrix_market(data_path("LF10.mtx"));
  const sparse_matrix crlf = read_matrix_market(data_path("LF10_crlf.mtx"));
  EXPECT_TRUE(bit_identical(lf, crlf));
}

TEST(matrix_market, integer_field_values_are_integers) {
  const sparse_matrix A = read_matrix_market(data_path("gr_30_30.mtx"));
  for (int i = 0; i < A.rows(); ++i) {
    EXPECT_EQ(A.coeff(i, i), 8.0);
  }
  const sparse_matrix B = read_matrix_market(data_path("nos1.mtx"));
  for (int k = 0; k < B.nonZeros(); ++k) {
    EXPECT_EQ(B.valuePtr()[k], std::round(B.valuePtr()[k]));
  }
}

TEST(matrix_market, symmetric_mirrors_off_diagonal_entries_of_either_triangle) {
  // (3, 1) in the lower triangle, (2, 3) in the upper: both mirrored; diagonal not doubled.
  const temp_file file(".mtx",
                       "%%MatrixMarket matrix coordinate real symmetric\n3 3 5\n"
                       "1 1 4\n3 1 -1\n2 2 5\n2 3 -2\n3 3 6\n");
  const sparse_matrix A = read_matrix_market(file.path());
  expect_well_formed(A);
  EXPECT_EQ(A.nonZeros(), 7);
  const Eigen::MatrixXd expected{{4, 0, -1}, {0, 5, -2}, {-1, -2, 6}};
  EXPECT_EQ(Eigen::MatrixXd(A), expected);
}

TEST(matrix_market, pattern_entries_are_one) {
  const temp_file file(".mtx",
                       "%%MatrixMarket matrix coordinate pattern symmetric\n3 3 4\n"
                       "1 1\n2 1\n2 2\n3 3\n");
  const sparse_matrix A = read_matrix_market(file.path());
  const Eigen::MatrixXd expected{{1, 1, 0}, {1, 1, 0}, {0, 0, 1}};
  EXPECT_EQ(Eigen::MatrixXd(A), expected);
}

TEST(matrix_market, comments_blank_lines_case_and_whitespace) {
  const temp_file file(".mtx",
                       "%%matrixmarket MATRIX Coordinate REAL General\n"
                       "% a comment\n\n   \t\n%another\n"
                       "  2 3 3  \n"
                       "% a comment between entries\n"
                       "1\t1   +1.5\n\n"
                       "  2 3 -2e-3 \n"
                       "2 1 .25");  // no newline at the end
  const sparse_matrix A = read_matrix_market(file.path());
  expect_well_formed(A);
  ASSERT_EQ(A.rows(), 2);
  ASSERT_EQ(A.cols(), 3);  // the reader accepts non-square; the validator rejects
  EXPECT_EQ(A.coeff(0, 0), 1.5);
  EXPECT_EQ(A.coeff(1, 2), -2e-3);
  EXPECT_EQ(A.coeff(1, 0), 0.25);
}

TEST(matrix_market, unsorted_entries_are_sorted_within_rows) {
  const temp_file file(".mtx",
                       "%%MatrixMarket matrix coordinate real general\n3 3 6\n"
                       "3 3 9\n1 3 3\n1 1 1\n3 1 7\n2 2 5\n1 2 2\n");
  const sparse_matrix A = read_matrix_market(file.path());
  expect_well_formed(A);
  const Eigen::MatrixXd expected{{1, 2, 3}, {0, 5, 0}, {7, 0, 9}};
  EXPECT_EQ(Eigen::MatrixXd(A), expected);
}

TEST(matrix_market, byte_order_mark_and_empty_matrix) {
  const temp_file file(".mtx",
                       "\xEF\xBB\xBF%%MatrixMarket matrix coordinate real general\n0 0 0\n");
  const sparse_matrix A = read_matrix_market(file.path());
  EXPECT_EQ(A.rows(), 0);
  EXPECT_EQ(A.nonZeros(), 0);
}

TEST(matrix_market, extreme_values) {
  const temp_file file(".mtx",
                       "%%MatrixMarket matrix coordinate real general\n6 1 6\n"
                       "1 1 1e-400\n2 1 -1e-400\n3 1 4.9406564584124654e-324\n"
                       "4 1 1.7976931348623157e308\n5 1 -0\n6 1 0.1\n");
  const sparse_matrix A = read_matrix_market(file.path());
  EXPECT_EQ(bits(A.coeff(0, 0)), bits(0.0));
  EXPECT_EQ(bits(A.coeff(1, 0)), bits(-0.0));
  EXPECT_EQ(A.coeff(2, 0), std::numeric_limits<double>::denorm_min());
  EXPECT_EQ(A.coeff(3, 0), std::numeric_limits<double>::max());
  EXPECT_EQ(bits(A.coeff(4, 0)), bits(-0.0));
  EXPECT_EQ(A.coeff(5, 0), 0.1);
}

TEST(matrix_market, absurd_entry_count_is_truncated_without_allocating) {
  // 10^12 declared entries in a 60-byte text: the reservation is capped by the text's size.
  const std::string text =
      "%%MatrixMarket matrix coordinate real general\n1000000 1000000 1000000000000\n1 1 1\n";
  try {
    (void)detail::parse_matrix_market(text, "x.mtx");
    FAIL() << "accepted";
  } catch (const input_error& e) {
    EXPECT_STREQ(e.what(),
                 "x.mtx:3: expected 1000000000000 entries, file ends after 1 (truncated)");
  }
}

TEST(matrix_market_vector, array_and_coordinate) {
  const temp_file array(".mtx",
                        "%%MatrixMarket matrix array real general\n% comment\n3 1\n1.5\n-2\n"
                        "3e2\n");
  const vector x = read_matrix_market_vector(array.path());
  ASSERT_EQ(x.size(), 3);
  EXPECT_EQ(x[0], 1.5);
  EXPECT_EQ(x[1], -2.0);
  EXPECT_EQ(x[2], 300.0);

  const temp_file coordinate(".mtx",
                             "%%MatrixMarket matrix coordinate integer general\n4 1 2\n"
                             "4 1 7\n2 1 -3\n");
  const vector y = read_matrix_market_vector(coordinate.path());
  ASSERT_EQ(y.size(), 4);
  EXPECT_EQ(y, (vector(4) << 0, -3, 0, 7).finished());
}

/// Random doubles of every kind a solver may produce: ordinary, tiny, huge, subnormal, -0.
double random_value(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> pick(0, 5);
  switch (pick(rng)) {
    case 0:
      return std::uniform_real_distribution<double>(-1.0, 1.0)(rng);
    case 1:
      return -0.0;
    case 2:
      return std::numeric_limits<double>::denorm_min() *
             static_cast<double>(std::uniform_int_distribution<int>(1, 1000)(rng));
    default: {
      double v = 0.0;
      do {  // any finite bit pattern
        v = std::bit_cast<double>(rng());
      } while (!std::isfinite(v));
      return v;
    }
  }
}

sparse_matrix random_matrix(std::mt19937_64& rng, int n, bool symmetric) {
  std::vector<Eigen::Triplet<double, int>> t;
  t.reserve(9 * static_cast<std::size_t>(n));
  std::uniform_int_distribution<int> index(0, n - 1);
  for (int i = 0; i < n; ++i) {
    t.emplace_back(i, i, random_value(rng));
  }
  for (int k = 0; k < 4 * n; ++k) {
    const int i = index(rng);
    const int j = index(rng);
    if (i == j) {
      continue;
    }
    const double v = random_value(rng);
    t.emplace_back(i, j, v);
    if (symmetric) {
      t.emplace_back(j, i, v);
    }
  }
  sparse_matrix A(n, n);
  // Keep the last value given for a position (duplicates must not be summed).
  A.setFromTriplets(t.begin(), t.end(), [](double, double b) { return b; });
  return A;
}

TEST(writers, matrix_market_round_trip_is_bit_identical) {
  const std::uint64_t seed = test_seed();
  SCOPED_TRACE("seed " + std::to_string(seed) + " (set ASOR_SEED to repeat)");
  std::mt19937_64 rng(seed);
  for (const bool symmetric : {false, true}) {
    const sparse_matrix A = random_matrix(rng, 200, symmetric);
    const temp_file file(".mtx");
    write_matrix_market(file.path(), A, symmetric);
    const sparse_matrix B = read_matrix_market(file.path());
    EXPECT_TRUE(bit_identical(A, B)) << (symmetric ? "symmetric" : "general");
  }
  // A real matrix too, through both storage forms.
  const sparse_matrix lf = read_matrix_market(data_path("nos6.mtx"));
  for (const bool symmetric : {false, true}) {
    const temp_file file(".mtx");
    write_matrix_market(file.path(), lf, symmetric);
    EXPECT_TRUE(bit_identical(lf, read_matrix_market(file.path())));
  }
}

TEST(writers, vector_round_trip_is_bit_identical) {
  std::mt19937_64 rng(test_seed());
  vector x(500);
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    x[i] = random_value(rng);
  }
  const temp_file mtx(".mtx");
  write_matrix_market_vector(mtx.path(), x);
  const vector y = read_matrix_market_vector(mtx.path());
  ASSERT_EQ(y.size(), x.size());
  const temp_file txt(".txt");
  write_plain_vector(txt.path(), x);
  const vector z = read_plain_vector(txt.path());
  ASSERT_EQ(z.size(), x.size());
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    EXPECT_EQ(bits(x[i]), bits(y[i])) << i;
    EXPECT_EQ(bits(x[i]), bits(z[i])) << i;
  }
}

TEST(writers, seventeen_significant_digits_like_printf) {
  const vector x = (vector(4) << 0.1, -1.0 / 3.0, 1e300, 6.02214076e23).finished();
  const temp_file file(".txt");
  write_plain_vector(file.path(), x);
  std::ifstream in(file.path());
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    std::string line;
    std::getline(in, line);
    char expected[64];
    std::snprintf(expected, sizeof expected, "%.17g", x[i]);
    EXPECT_EQ(line, expected);
  }
}

TEST(writers, symmetric_file_holds_the_lower_triangle) {
  const sparse_matrix A = read_matrix_market(data_path("LF10.mtx"));
  const temp_file file(".mtx");
  write_matrix_market(file.path(), A, true);
  std::ifstream in(file.path());
  std::string banner;
  std::string size;
  std::getline(in, banner);
  std::getline(in, size);
  EXPECT_EQ(banner, "%%MatrixMarket matrix coordinate real symmetric");
  EXPECT_EQ(size, "18 18 50");  // (82 - 18) / 2 + 18
}

TEST(writers, unwritable_path_is_an_input_error) {
  try {
    write_matrix_market("/nonexistent-asor-dir/x.mtx", sparse_matrix(1, 1));
    FAIL() << "accepted";
  } catch (const input_error& e) {
    EXPECT_EQ(e.line(), 0U);
    EXPECT_EQ(e.problem(), "cannot open for writing: No such file or directory");
  }
}

}  // namespace
}  // namespace asor::io::test
