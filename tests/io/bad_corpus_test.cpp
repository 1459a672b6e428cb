/// \file bad_corpus_test.cpp
/// \brief One test per malformed-input class of tests/data/bad/, driven by EXPECTED.tsv: the
/// reader must throw input_error naming the file, the exact line and the exact problem.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "asor/io/matrix_market.hpp"
#include "asor/io/triplet.hpp"
#include "asor/validate.hpp"
#include "io_test_support.hpp"

namespace asor::io::test {
namespace {

/// One row of EXPECTED.tsv.
struct bad_case {
  std::string file;
  std::string kind;
  std::size_t line = 0;
  std::string message;
};

std::string bad_dir() { return data_path("bad"); }

std::vector<bad_case> load_cases() {
  std::vector<bad_case> cases;
  std::ifstream in(bad_dir() + "/EXPECTED.tsv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() == '#' || line.starts_with("file\t")) {
      continue;
    }
    std::istringstream fields(line);
    bad_case c;
    std::string number;
    std::getline(fields, c.file, '\t');
    std::getline(fields, c.kind, '\t');
    std::getline(fields, number, '\t');
    std::getline(fields, c.message);
    c.line = static_cast<std::size_t>(std::stoul(number));
    cases.push_back(c);
  }
  return cases;
}

const std::vector<bad_case>& all_cases() {
  static const std::vector<bad_case> cases = load_cases();
  return cases;
}

class bad_input : public ::testing::TestWithParam<bad_case> {};

/// Reads \p c.file with the reader its kind names (kind=system: reads and validates).
void read_as_kind(const bad_case& c, const std::string& path) {
  if (c.kind == "matrix") {
    (void)read_matrix_market(path);
  } else if (c.kind == "vector") {
    (void)read_matrix_market_vector(path);
  } else if (c.kind == "triplet-matrix") {
    (void)read_triplet(path);
  } else if (c.kind == "plain-vector") {
    (void)read_plain_vector(path);
  } else if (c.kind == "system") {
    const sparse_matrix A = read_matrix_market(path);
    validate_matrix(A);
    const std::string rhs = path.substr(0, path.size() - 4) + ".rhs.mtx";
    if (std::filesystem::exists(rhs)) {
      validate_rhs(A, read_matrix_market_vector(rhs));
    }
  } else {
    FAIL() << "unknown kind '" << c.kind << "' in EXPECTED.tsv";
  }
}

TEST_P(bad_input, reports_file_line_and_problem) {
  const bad_case& c = GetParam();
  const std::string path = bad_dir() + "/" + c.file;
  ASSERT_TRUE(std::filesystem::exists(path)) << path;
  try {
    read_as_kind(c, path);
    FAIL() << c.file << ": accepted, expected '" << c.message << "'";
  } catch (const input_error& e) {
    if (c.kind == "system") {
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << e.what();
      return;
    }
    EXPECT_EQ(e.file(), path);
    EXPECT_EQ(e.line(), c.line) << e.what();
    EXPECT_EQ(e.problem(), c.message) << e.what();
    const std::string where = c.line == 0 ? path : path + ":" + std::to_string(c.line);
    EXPECT_EQ(std::string(e.what()), where + ": " + c.message);
  }
}

std::string case_name(const ::testing::TestParamInfo<bad_case>& info) {
  std::string name = info.param.file;
  std::replace_if(
      name.begin(), name.end(),
      [](char ch) { return !std::isalnum(static_cast<unsigned char>(ch)); }, '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(corpus, bad_input, ::testing::ValuesIn(all_cases()), case_name);

TEST(bad_corpus, every_file_is_listed_and_every_listed_file_exists) {
  std::set<std::string> listed;
  for (const bad_case& c : all_cases()) {
    EXPECT_TRUE(listed.insert(c.file).second) << "listed twice: " << c.file;
  }
  EXPECT_GE(listed.size(), 30U);
  for (const auto& entry : std::filesystem::directory_iterator(bad_dir())) {
    const std::string name = entry.path().filename().string();
    if (name == "EXPECTED.tsv" || name == "make_corpus.py" || name.ends_with(".rhs.mtx")) {
      continue;
    }
    EXPECT_TRUE(listed.count(name) == 1) << "not in EXPECTED.tsv: " << name;
  }
}

// Classes generated at run time (too large to commit).

TEST(bad_corpus, ten_megabyte_value_token_is_reported_shortened) {
  const std::string token = std::string(10 << 20, '9') + "z";
  const temp_file file(".mtx",
                       "%%MatrixMarket matrix coordinate real general\n1 1 1\n1 1 " + token + "\n");
  try {
    (void)read_matrix_market(file.path());
    FAIL() << "accepted";
  } catch (const input_error& e) {
    EXPECT_EQ(e.line(), 3U);
    EXPECT_EQ(e.problem(), "non-numeric value '" + std::string(40, '9') + "...'");
  }
}

TEST(bad_corpus, ten_megabyte_comment_line_is_fine) {
  const temp_file file(".mtx", "%%MatrixMarket matrix coordinate real general\n%" +
                                   std::string(10 << 20, 'c') + "\n1 1 1\n1 1 2.5\n");
  const sparse_matrix A = read_matrix_market(file.path());
  ASSERT_EQ(A.rows(), 1);
  EXPECT_EQ(A.coeff(0, 0), 2.5);
}

TEST(bad_corpus, ten_megabyte_triplet_line_is_one_field_too_many) {
  const temp_file file(".txt", "0 0 1 " + std::string(10 << 20, '1') + "\n");
  try {
    (void)read_triplet(file.path());
    FAIL() << "accepted";
  } catch (const input_error& e) {
    EXPECT_EQ(e.line(), 1U);
    EXPECT_EQ(e.problem(), "expected 3 fields (row col value), got 4");
  }
}

TEST(bad_corpus, missing_file_names_the_path_without_line) {
  const std::string path = data_path("no_such_file.mtx");
  try {
    (void)read_matrix(path);
    FAIL() << "accepted";
  } catch (const input_error& e) {
    EXPECT_EQ(e.file(), path);
    EXPECT_EQ(e.line(), 0U);
    EXPECT_EQ(e.problem(), "cannot open: No such file or directory");
  }
}

TEST(bad_corpus, directory_is_not_a_file) {
  try {
    (void)read_plain_vector(data_path("bad"));
    FAIL() << "accepted";
  } catch (const input_error& e) {
    EXPECT_EQ(e.line(), 0U);
    EXPECT_EQ(e.problem(), "cannot read: Is a directory");
  }
}

}  // namespace
}  // namespace asor::io::test
