/// \file inputs_test.cpp
/// \brief Inputs as people have them: CSV triplets with a b file, gzip-compressed files, Matrix
/// Market whatever the extension, 1-based triplets, one triangle, pipes, mistyped options, and
/// running out of memory.

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_helpers.hpp"

namespace asor::cli_test {
namespace {

using json = nlohmann::ordered_json;

/// The README's first example: 0-based `row col value`, both triangles, and b.
const char* const readme_csv = "0,0,4\n0,1,-1\n1,0,-1\n1,1,4\n1,2,-1\n2,1,-1\n2,2,4\n";

TEST(CliInputs, TheReadmeCsvSystemIsSolved) {
  temp_dir dir;
  write_file(dir.file("A.csv"), readme_csv);
  write_file(dir.file("b.csv"), "3\n2\n3\n");
  const auto r = run_cli(
      {"solve", dir.file("A.csv"), "--rhs", dir.file("b.csv"), "--x-out", dir.file("x.csv")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("asor solve: A.csv  n=3  nnz=7"), std::string::npos) << r.out;
  const Eigen::VectorXd x = read_plain_values(dir.file("x.csv"));
  ASSERT_EQ(x.size(), 3);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(x[i], 1.0, 1e-7);  // the exact solution is (1, 1, 1)
}

/// n and nnz that `asor info --json -` reports for \p path.
std::pair<int, int> size_of(const std::vector<std::string>& args) {
  const auto r = run_cli(args);
  if (r.exit_code != 0) return {-1, -1};
  const json j = json::parse(r.out);
  return {j.at("rows").get<int>(), j.at("nnz").get<int>()};
}

TEST(CliInputs, GzipFilesAreReadThroughZlib) {
  temp_dir dir;
  const std::string text = slurp(data_file("gr_30_30.mtx"));
  write_gzip(dir.file("gr_30_30.mtx.gz"), text);
  write_gzip(dir.file("two_members.mtx.gz"), text, 2);  // as `cat a.gz b.gz` makes
  write_gzip(dir.file("A.csv.gz"), readme_csv);
  write_gzip(dir.file("compressed.dat"), text);  // recognised by its bytes, not its name
  for (const char* name : {"gr_30_30.mtx.gz", "two_members.mtx.gz", "compressed.dat"}) {
    EXPECT_EQ(size_of({"info", dir.file(name), "--json", "-"}), std::make_pair(900, 7744)) << name;
  }
  EXPECT_EQ(size_of({"info", dir.file("A.csv.gz"), "--json", "-"}), std::make_pair(3, 7));
  const auto r = run_cli({"solve", dir.file("gr_30_30.mtx.gz"), "--method", "sor"});
  EXPECT_EQ(r.exit_code, 0) << r.err;

  // A download cut short, and bytes that are not deflate data.
  const std::string whole = slurp(dir.file("gr_30_30.mtx.gz"));
  write_file(dir.file("cut.mtx.gz"), whole.substr(0, whole.size() / 2));
  const auto cut = run_cli({"solve", dir.file("cut.mtx.gz")});
  EXPECT_EQ(cut.exit_code, 2);
  const std::string cut_prefix = "asor: error: " + dir.file("cut.mtx.gz") +
                                 ": the gzip data ends early (a truncated download?) after ";
  EXPECT_EQ(cut.err.rfind(cut_prefix, 0), 0U) << cut.err;
  EXPECT_EQ(count_lines(cut.err), 1);
  std::string broken = whole;
  for (std::size_t i = 20; i < 60; ++i) broken[i] = static_cast<char>(0xff);
  write_file(dir.file("broken.mtx.gz"), broken);
  const auto bad = run_cli({"solve", dir.file("broken.mtx.gz")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err.rfind("asor: error: " + dir.file("broken.mtx.gz") + ": corrupt gzip data: ", 0),
            0U)
      << bad.err;
}

TEST(CliInputs, MatrixMarketIsRecognisedByItsBannerWhateverTheExtension) {
  temp_dir dir;
  write_file(dir.file("mesh.dat"), slurp(data_file("mesh1e1.mtx")));
  write_file(dir.file("mesh.txt"), slurp(data_file("mesh1e1.mtx")));
  for (const char* name : {"mesh.dat", "mesh.txt"}) {
    EXPECT_EQ(size_of({"info", dir.file(name), "--json", "-"}), std::make_pair(48, 306)) << name;
    const auto r = run_cli({"solve", dir.file(name), "--method", "sor"});
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err;
  }
  // --format triplet still forces the triplet reader.
  const auto forced = run_cli({"solve", dir.file("mesh.dat"), "--format", "triplet"});
  EXPECT_EQ(forced.exit_code, 2);
  EXPECT_EQ(forced.err, "asor: error: " + dir.file("mesh.dat") +
                            ":1: expected 3 fields (row col value), got 5\n");
}

TEST(CliInputs, OneBasedTripletsAreDetectedAndReadWithTheFlag) {
  temp_dir dir;
  const std::string A = dir.file("one_based.txt");
  write_file(A, "1 1 4\n1 2 -1\n2 1 -1\n2 2 4\n2 3 -1\n3 2 -1\n3 3 4\n");
  const auto r = run_cli({"solve", A});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "asor: error: " + A +
                       ": no row or column index is 0 and the largest is 3: the indices look "
                       "1-based (a triplet file is read 0-based); pass --one-based to read them "
                       "as 1-based\n");
  const auto ok = run_cli({"solve", A, "--one-based", "--method", "sor", "--json", "-"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  const json j = json::parse(ok.out);
  EXPECT_EQ(j.at("n").get<int>(), 3);
  EXPECT_EQ(j.at("nnz").get<int>(), 7);

  const std::string zero = dir.file("zero.txt");
  write_file(zero, "1 1 4\n0 0 4\n");
  const auto z = run_cli({"solve", zero, "--one-based"});
  EXPECT_EQ(z.exit_code, 2);
  EXPECT_EQ(z.err, "asor: error: " + zero +
                       ":2: row index 0 in a file read as 1-based (its indices start at 1)\n");
}

TEST(CliInputs, OneTriangleIsReadWithTheSymmetricFlagAndTheErrorSaysSo) {
  temp_dir dir;
  const std::string lower = dir.file("lower.csv");
  write_file(lower, "0,0,4\n1,0,-1\n1,1,4\n2,1,-1\n2,2,4\n");
  const auto r = run_cli({"solve", lower});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "asor: error: " + lower +
                       ": matrix is not symmetric: largest asymmetry |a(1, 0) - a(0, 1)| = 1 "
                       "(relative 1); the file holds one triangle: pass --symmetric to mirror "
                       "it\n");
  const auto ok = run_cli({"solve", lower, "--symmetric", "--method", "sor", "--json", "-"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(json::parse(ok.out).at("nnz").get<int>(), 7);  // both triangles once mirrored

  // Both triangles given with --symmetric: each off-diagonal entry twice.
  const std::string both = dir.file("both.csv");
  write_file(both, readme_csv);
  const auto twice = run_cli({"solve", both, "--symmetric"});
  EXPECT_EQ(twice.exit_code, 2);
  EXPECT_EQ(twice.err, "asor: error: " + both +
                           ":3: duplicate entry (1, 0): a symmetric file already has its mirror "
                           "(0, 1) at line 2\n");

  // Not triangular, just asymmetric: the hint is a question.
  const std::string skew = dir.file("skew.csv");
  write_file(skew, "0,0,4\n0,1,-1\n1,0,-2\n1,1,4\n");
  const auto s = run_cli({"solve", skew});
  EXPECT_EQ(s.exit_code, 2);
  EXPECT_EQ(s.err, "asor: error: " + skew +
                       ": matrix is not symmetric: largest asymmetry |a(1, 0) - a(0, 1)| = 1 "
                       "(relative 0.5); if the file holds one triangle, pass --symmetric to "
                       "mirror it\n");

  // A Matrix Market file holding one triangle under a 'general' banner.
  const std::string general = dir.file("general.mtx");
  write_file(general,
             "%%MatrixMarket matrix coordinate real general\n2 2 3\n1 1 4\n2 1 -1\n2 2 4\n");
  const auto g = run_cli({"solve", general});
  EXPECT_EQ(g.exit_code, 2);
  EXPECT_EQ(g.err, "asor: error: " + general +
                       ": matrix is not symmetric: largest asymmetry |a(1, 0) - a(0, 1)| = 1 "
                       "(relative 1); the file holds one triangle: its banner must say "
                       "'symmetric', not 'general'\n");

  // The triplet flags on a Matrix Market file: a warning, and the file's own banner rules.
  const auto w = run_cli({"solve", data_file("mesh1e1.mtx"), "--symmetric", "--method", "sor"});
  EXPECT_EQ(w.exit_code, 0) << w.err;
  EXPECT_NE(w.err.find(data_file("mesh1e1.mtx") +
                       " is a Matrix Market file: --symmetric applies to triplet files only "
                       "(its banner says whether it is symmetric; its indices are 1-based)"),
            std::string::npos)
      << w.err;
}

TEST(CliInputs, AMistypedOptionGetsTheNearestOne) {
  const std::string A = data_file("LF10.mtx");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"solve", A, "--tolerance", "1e-6"},
       "unknown option --tolerance; did you mean --tol? (see 'asor solve --help')"},
      {{"solve", A, "--thread", "2"},
       "unknown option --thread; did you mean --threads? (see 'asor solve --help')"},
      {{"solve", A, "--x_out", "x.mtx"},
       "unknown option --x_out; did you mean --x-out? (see 'asor solve --help')"},
      {{"compare", A, "--method", "sor"},
       "unknown option --method; did you mean --methods? (see 'asor compare --help')"},
      {{"solve", A, "--frobnicate"}, "unknown option --frobnicate (see 'asor solve --help')"},
      {{"slove", A}, "unknown command 'slove'; did you mean 'solve'? (see 'asor --help')"},
  };
  for (const auto& [args, message] : cases) {
    const auto r = run_cli(args);
    EXPECT_EQ(r.exit_code, 2) << message;
    EXPECT_EQ(r.err, "asor: error: " + message + "\n");
  }
}

TEST(CliInputs, APipeIsReadWithoutASecondCopy) {
  // 64 MB of comment lines, then a small matrix, through a pipe: the reader holds the text once
  // (an anonymous mapping grown with mremap). A reader that doubles a buffer and copies holds
  // it two to three times at its peak. The text goes to a file first and `cat` feeds the pipe:
  // a child's peak memory (getrusage) counts what its parent held when it forked, so this test
  // must not hold 64 MB itself.
  temp_dir dir;
  const std::string big = dir.file("big.txt");
  std::size_t size = 0;
  {
    std::ofstream out(big, std::ios::binary);
    const std::string line = "# " + std::string(125, 'c') + "\n";
    while (size < (std::size_t{64} << 20)) {
      out << line;
      size += line.size();
    }
    out << readme_csv;
    size += std::string(readme_csv).size();
  }
  write_file(dir.file("small.txt"), readme_csv);
  const auto through_cat = [&](const std::string& file) {
    return run_program(
        {"/bin/sh", "-c",
         "cat '" + file + "' | exec '" + ASOR_CLI_PATH + "' info /dev/stdin --json -"});
  };
  const auto base = through_cat(dir.file("small.txt"));
  ASSERT_EQ(base.exit_code, 0) << base.err;
  const auto r = through_cat(big);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out).at("nnz").get<int>(), 7);
  const double text_mb = static_cast<double>(size) / 1048576.0;
  const double grew_mb = static_cast<double>(r.max_rss_kb - base.max_rss_kb) / 1024.0;
  std::printf("pipe of %.1f MiB: peak resident memory grew by %.1f MiB\n", text_mb, grew_mb);
  EXPECT_LT(grew_mb, 1.5 * text_mb);
  EXPECT_GT(grew_mb, 0.5 * text_mb);  // the measurement sees the text at all
}

TEST(CliInputs, RunningOutOfMemoryNamesTheFileAndTheSize) {
  if (ASOR_SANITIZED) GTEST_SKIP() << "a sanitizer cannot start under ulimit -v";
  temp_dir dir;
  run_options limited;
  limited.address_space_bytes = rlim_t{400} << 20;  // ulimit -v 409600

  // A 2 GB file (a hole: no disk used) cannot even be mapped.
  const std::string huge = dir.file("huge.mtx");
  { std::ofstream f(huge); }
  fs::resize_file(huge, std::uintmax_t{2} << 30);
  const auto m = run_cli({"solve", huge}, limited);
  EXPECT_EQ(m.exit_code, 2);
  EXPECT_EQ(m.err, "asor: error: " + huge + ": out of memory mapping this 2.15 GB file\n");

  // A small gzip file that inflates to 2 GB of comments (2048 members of 1 MiB each).
  const std::string chunk = [] {
    std::string c;
    while (c.size() < (std::size_t{1} << 20)) c += "% " + std::string(60, 'x') + "\n";
    return c;
  }();
  write_gzip(dir.file("member.gz"), chunk);
  const std::string member = slurp(dir.file("member.gz"));
  {
    std::ofstream bomb(dir.file("bomb.mtx.gz"), std::ios::binary);
    bomb << "";
    for (int i = 0; i < 2048; ++i) bomb << member;
  }
  const auto g = run_cli({"solve", dir.file("bomb.mtx.gz")}, limited);
  EXPECT_EQ(g.exit_code, 2);
  const std::string prefix =
      "asor: error: " + dir.file("bomb.mtx.gz") + ": out of memory reading this file after ";
  EXPECT_EQ(g.err.rfind(prefix, 0), 0U) << g.err;
  EXPECT_NE(g.err.find(" MB of text (inflated from "), std::string::npos) << g.err;
  EXPECT_NE(g.err.find(" of gzip so far)\n"), std::string::npos) << g.err;
  EXPECT_EQ(count_lines(g.err), 1);
}

}  // namespace
}  // namespace asor::cli_test
