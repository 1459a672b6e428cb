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
