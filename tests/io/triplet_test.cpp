/// \file triplet_test.cpp
/// \brief The triplet and plain-vector formats, and the readers that choose by extension.

#include <gtest/gtest.h>

#include <string>

#include "asor/io/matrix_market.hpp"
#include "asor/io/triplet.hpp"
#include "io_test_support.hpp"

namespace asor::io::test {
namespace {

TEST(triplet, separators_comments_and_blank_lines) {
  const temp_file file(".txt",
                       "# row col value\n"
                       "0 0 4\n"
                       "0,1,-1   # trailing comment\n"
                       "1 , 0 , -1\n"
                       "\n"
                       "\t1\t1\t4\r\n"
                       "2, 2, 1e1");
  const sparse_matrix A = read_triplet(file.path());
  ASSERT_EQ(A.rows(), 3);  // largest index + 1
  ASSERT_EQ(A.cols(), 3);
  EXPECT_EQ(A.nonZeros(), 5);
  const Eigen::MatrixXd expected{{4, -1, 0}, {-1, 4, 0}, {0, 0, 10}};
  EXPECT_EQ(Eigen::MatrixXd(A), expected);
}

TEST(triplet, both_triangles_are_stored_as_given) {
  const temp_file file(".txt", "1 0 -1\n0 0 2\n");
  const sparse_matrix A = read_triplet(file.path());
  EXPECT_EQ(A.coeff(1, 0), -1.0);
  EXPECT_EQ(A.coeff(0, 1), 0.0);  // no mirroring
}

TEST(triplet, round_trip_is_bit_identical) {
  const sparse_matrix A = read_matrix_market(data_path("494_bus.mtx"));
  const temp_file file(".txt");
  write_triplet(file.path(), A);
  EXPECT_TRUE(bit_identical(A, read_triplet(file.path())));
}

TEST(plain_vector, values_comments_and_blank_lines) {
  const temp_file file(".txt", "# b\n1.5\n\n  -2  # two\n3e2\r\n");
  const vector x = read_plain_vector(file.path());
  EXPECT_EQ(x, (vector(3) << 1.5, -2.0, 300.0).finished());
}

TEST(triplet, one_based_indices_with_the_option) {
  const temp_file file(".txt", "1 1 4\n2 1 -1\n1 2 -1\n2 2 4\n");
  triplet_options options;
  options.one_based = true;
  const sparse_matrix A = read_triplet(file.path(), options);
  const Eigen::MatrixXd expected{{4, -1}, {-1, 4}};
  EXPECT_EQ(Eigen::MatrixXd(A), expected);
  try {
    (void)read_triplet(file.path());
    FAIL() << "a 1-based file read 0-based was accepted";
  } catch (const suspected_one_based& e) {
    EXPECT_EQ(e.line(), 0U);
    EXPECT_EQ(e.problem(),
              "no row or column index is 0 and the largest is 2: the indices look 1-based (a "
              "triplet file is read 0-based)");
  }
  const temp_file zero(".txt", "1 1 4\n0 0 4\n");
  try {
    (void)read_triplet(zero.path(), options);
    FAIL() << "index 0 accepted as 1-based";
  } catch (const input_error& e) {
    EXPECT_EQ(e.line(), 2U);
    EXPECT_EQ(e.problem(), "row index 0 in a file read as 1-based (its indices start at 1)");
  }
}

TEST(triplet, one_triangle_is_mirrored_with_the_option) {
  const temp_file file(".txt", "0 0 4\n1 0 -1\n1 1 4\n1 2 -2\n2 2 4\n");
  triplet_options options;
  options.symmetric = true;
  const sparse_matrix A = read_triplet(file.path(), options);
  const Eigen::MatrixXd expected{{4, -1, 0}, {-1, 4, -2}, {0, -2, 4}};
  EXPECT_EQ(Eigen::MatrixXd(A), expected);
  const temp_file both(".txt", "0 0 4\n1 0 -1\n0 1 -1\n1 1 4\n");
  try {
    (void)read_triplet(both.path(), options);
    FAIL() << "an entry and its mirror accepted as one triangle";
  } catch (const input_error& e) {
    EXPECT_EQ(e.line(), 3U);
    EXPECT_EQ(e.problem(),
              "duplicate entry (0, 1): a symmetric file already has its mirror (1, 0) at line 2");
  }
}

TEST(read_by_content, the_banner_decides_whatever_the_name) {
  const std::string mm = "%%MatrixMarket matrix coordinate real general\n1 1 1\n1 1 2\n";
  for (const char* suffix : {".mtx", ".MTX", ".dat", ".txt", ""}) {
    const temp_file file(suffix, mm);
    format found = format::triplet;
    EXPECT_EQ(read_matrix(file.path(), {}, &found).coeff(0, 0), 2.0) << suffix;
    EXPECT_EQ(found, format::matrix_market) << suffix;
  }
  const temp_file txt(".txt", "0 0 3\n");
  format found = format::matrix_market;
  EXPECT_EQ(read_matrix(txt.path(), {}, &found).coeff(0, 0), 3.0);
  EXPECT_EQ(found, format::triplet);
  const temp_file vdat(".dat", "%%MatrixMarket matrix array real general\n1 1\n4\n");
  EXPECT_EQ(read_vector(vdat.path(), &found)[0], 4.0);
  EXPECT_EQ(found, format::matrix_market);
  // A .mtx name without a banner is still read (and refused) as Matrix Market.
  const temp_file named(".mtx", "0 0 3\n");
  EXPECT_THROW((void)read_matrix(named.path()), input_error);
}

TEST(read_by_extension, mtx_is_matrix_market_anything_else_triplet) {
  const temp_file mtx(".MTX", "%%MatrixMarket matrix coordinate real general\n1 1 1\n1 1 2\n");
  EXPECT_EQ(read_matrix(mtx.path()).coeff(0, 0), 2.0);
  const temp_file txt(".txt", "0 0 3\n");
  EXPECT_EQ(read_matrix(txt.path()).coeff(0, 0), 3.0);
  const temp_file vmtx(".mtx", "%%MatrixMarket matrix array real general\n1 1\n4\n");
  EXPECT_EQ(read_vector(vmtx.path())[0], 4.0);
  const temp_file vtxt(".csv", "5\n");
  EXPECT_EQ(read_vector(vtxt.path())[0], 5.0);
}

TEST(input_error, message_forms) {
  EXPECT_STREQ(input_error("a.mtx", 7, "bad").what(), "a.mtx:7: bad");
  EXPECT_STREQ(input_error("a.mtx", 0, "bad").what(), "a.mtx: bad");
  EXPECT_STREQ(input_error("", 3, "bad").what(), "bad");
  EXPECT_STREQ(input_error("bad").what(), "bad");
  const input_error e = input_error("bad").in_file("b.txt");
  EXPECT_STREQ(e.what(), "b.txt: bad");
  EXPECT_EQ(e.file(), "b.txt");
  EXPECT_EQ(e.line(), 0U);
  EXPECT_EQ(e.problem(), "bad");
}

}  // namespace
}  // namespace asor::io::test
