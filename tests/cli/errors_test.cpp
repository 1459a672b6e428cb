/// \file errors_test.cpp
/// \brief Exit code 2 with one clear stderr line for every malformed input class
/// (tests/data/bad/EXPECTED.tsv), usage errors and unwritable outputs.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli_helpers.hpp"

namespace asor::cli_test {
namespace {

/// \brief One row of tests/data/bad/EXPECTED.tsv.
struct expected_error {
  std::string file;
  std::string kind;
  std::string line;
  std::string message;
};

std::vector<expected_error> read_expected() {
  std::vector<expected_error> rows;
  std::ifstream in(data_file("bad/EXPECTED.tsv"));
  std::string text;
  while (std::getline(in, text)) {
    if (text.empty() || text[0] == '#' || text.rfind("file\t", 0) == 0) continue;
    std::vector<std::string> fields;
    std::stringstream s(text);
    std::string f;
    while (std::getline(s, f, '\t')) fields.push_back(f);
    if (fields.size() < 4) continue;
    rows.push_back({fields[0], fields[1], fields[2], fields[3]});
  }
  return rows;
}

/// \brief Checks the one-line error contract: exit 2, exactly one stderr line starting with
/// "asor: error: ", naming what \p must_contain says, nothing on stdout.
void expect_one_line_error(const cli_result& r, const std::string& must_contain,
                           const std::string& context) {
  EXPECT_FALSE(r.timed_out) << context;
  EXPECT_EQ(r.exit_code, 2) << context << "\nstderr: " << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << context << "\nstderr: " << r.err;
  EXPECT_EQ(r.err.rfind("asor: error: ", 0), 0u) << context << "\nstderr: " << r.err;
  EXPECT_NE(r.err.find(must_contain), std::string::npos)
      << context << "\nexpected: " << must_contain << "\nstderr:   " << r.err;
  EXPECT_EQ(r.out, "") << context;
}

TEST(CliErrors, EveryMalformedInputClassOfTheCorpus) {
  const auto rows = read_expected();
  ASSERT_GT(rows.size(), 50u) << "tests/data/bad/EXPECTED.tsv missing or short";
  const std::string good = data_file("LF10.mtx");  // 18 x 18, valid
  int checked = 0;
  for (const auto& e : rows) {
    const std::string path = data_file("bad/" + e.file);
    std::vector<std::string> args{"solve"};
    std::string named = path;  // the file the error must name
    if (e.kind == "matrix" || e.kind == "triplet-matrix" || e.kind == "system") {
      args.push_back(path);
      if (e.kind == "system") {
        std::string rhs = path.substr(0, path.size() - 4) + ".rhs.mtx";
        if (std::ifstream(rhs).good()) {
          args.insert(args.end(), {"--rhs", rhs});
          if (e.message.find("right-hand side") != std::string::npos) named = rhs;
        }
      }
    } else if (e.kind == "vector" || e.kind == "plain-vector") {
      args.insert(args.end(), {good, "--rhs", path});
    } else {
      ADD_FAILURE() << "unknown kind " << e.kind << " for " << e.file;
      continue;
    }
    args.insert(args.end(), {"--method", "sor", "--no-progress"});
    const auto r = run_cli(args, {}, 60);
    const std::string where = e.line == "0" ? named + ": " : named + ":" + e.line + ": ";
    expect_one_line_error(r, where + e.message, e.kind + " " + e.file);
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(rows.size()));
}

TEST(CliErrors, MissingFile) {
  const auto r = run_cli({"solve", "no/such/matrix.mtx"});
  expect_one_line_error(r, "no/such/matrix.mtx: no such file", "missing file");
}

TEST(CliErrors, InitialGuessOfTheWrongSize) {
  temp_dir dir;
  ASSERT_EQ(run_cli({"generate", "poisson2d", "--n", "3", "-o", dir.file("A.mtx"), "--rhs",
                     dir.file("b.mtx")})
                .exit_code,
            0);
  const auto r = run_cli({"solve", data_file("LF10.mtx"), "--x0", dir.file("b.mtx")});
  expect_one_line_error(r, dir.file("b.mtx") + ": initial guess has 9 entries, the matrix has 18",
                        "x0 size");
}

TEST(CliErrors, OmegaOutsideTheOpenInterval) {
  for (const char* w : {"2.5", "0", "2", "-1"}) {
    const auto r = run_cli({"solve", data_file("LF10.mtx"), "--omega", w});
    expect_one_line_error(r, "--omega", std::string("--omega ") + w);
    EXPECT_NE(r.err.find("(0, 2)"), std::string::npos) << r.err;
  }
  const auto r = run_cli({"solve", data_file("LF10.mtx"), "--omega", "fast"});
  expect_one_line_error(r, "--omega: 'fast' is not a number", "--omega fast");
}

TEST(CliErrors, PipelineSweepsOutsideOneToEight) {
  for (const char* t : {"0", "9", "-1", "2.5", "many"}) {
    const auto r = run_cli({"solve", data_file("LF10.mtx"), "--pipeline-sweeps", t});
    expect_one_line_error(
        r, std::string("--pipeline-sweeps: '") + t + "' is not auto or a whole number from 1 to 8",
        std::string("--pipeline-sweeps ") + t);
  }
}

TEST(CliErrors, ParseErrorsAreOneLineWithAHint) {
  auto r = run_cli({"solve", data_file("LF10.mtx"), "--no-such-flag"});
  expect_one_line_error(r, "--no-such-flag", "unknown flag");
  EXPECT_NE(r.err.find("asor solve --help"), std::string::npos) << r.err;

  r = run_cli({"solve"});
  expect_one_line_error(r, "A is required", "missing matrix");

  r = run_cli({});
  expect_one_line_error(r, "asor --help", "no subcommand");

  r = run_cli({"solve", data_file("LF10.mtx"), "--method", "gauss"});
  expect_one_line_error(r, "--method", "unknown method");

  r = run_cli({"solve", data_file("LF10.mtx"), "--ordering", "amd"});
  expect_one_line_error(r, "--ordering: amd not in {natural,rcm,auto}", "unknown ordering");

  r = run_cli({"solve", data_file("LF10.mtx"), "--progress", "--no-progress"});
  expect_one_line_error(r, "--progress", "exclusive flags");

  r = run_cli({"solve", data_file("LF10.mtx"), "--quiet", "--progress"});
  expect_one_line_error(r, "--progress excludes --quiet (see 'asor solve --help')",
                        "--quiet --progress");

  r = run_cli({"--log-level", "loud", "solve", data_file("LF10.mtx")});
  expect_one_line_error(r, "--log-level: unknown level 'loud'", "bad log level");
}

TEST(CliErrors, HelpAndVersionExitZero) {
  auto r = run_cli({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("solve"), std::string::npos);
  EXPECT_NE(r.out.find("compare"), std::string::npos);
  r = run_cli({"solve", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--omega"), std::string::npos);
  EXPECT_NE(r.out.find("--x-out"), std::string::npos);
  r = run_cli({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("asor ", 0), 0u);
}

TEST(CliErrors, UnwritableOutputNamesTheFile) {
  const auto r = run_cli({"solve", data_file("LF10.mtx"), "--method", "sor", "--max-sweeps", "2",
                          "--x-out", "/nonexistent-dir/x.mtx"});
  expect_one_line_error(r, "/nonexistent-dir/x.mtx: cannot write: No such file or directory",
                        "x-out");
}

TEST(CliErrors, ReferenceNotInThisBuild) {
  // STRUMPACK is optional; when it is compiled in this case has nothing to check.
  const auto r =
      run_cli({"solve", data_file("LF10.mtx"), "--reference", "strumpack", "--max-sweeps", "2"});
  if (r.exit_code == 2) {
    expect_one_line_error(r, "--reference: strumpack is not available", "strumpack");
  } else {
    GTEST_SKIP() << "STRUMPACK is compiled in";
  }
}

}  // namespace
}  // namespace asor::cli_test
