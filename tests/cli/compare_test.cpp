/// \file compare_test.cpp
/// \brief `asor compare`: the table, the asor.compare/1 document and the plot.

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_helpers.hpp"

namespace asor::cli_test {
namespace {

using json = nlohmann::ordered_json;

bool have_matplotlib() {
  return std::system("/usr/bin/python3 -c 'import matplotlib' >/dev/null 2>&1") == 0 ||
         std::system("python3 -c 'import matplotlib' >/dev/null 2>&1") == 0;
}

TEST(CliCompare, TableJsonAndPlot) {
  temp_dir dir;
  const bool plot = have_matplotlib();
  std::vector<std::string> args{"compare",   data_file("gr_30_30.mtx"),
                                "--methods", "multicolor,block-jacobi,ssor",
                                "--threads", "1,2",
                                "--repeat",  "2",
                                "--json",    dir.file("cmp.json")};
  if (plot) args.insert(args.end(), {"--plot", dir.file("cmp.png")});
  const auto r = run_cli(args);
  ASSERT_FALSE(r.timed_out);
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;

  // The table: every configuration, the sequential marks and the baseline note.
  EXPECT_NE(r.out.find("asor compare: gr_30_30.mtx  n=900  nnz=7744"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("direct solve (ldlt)"), std::string::npos);
  EXPECT_NE(r.out.find("vs SOR"), std::string::npos);
  EXPECT_NE(r.out.find("sor+"), std::string::npos);  // baseline, not asked for
  EXPECT_NE(r.out.find("1*"), std::string::npos);    // sequential: one thread only
  EXPECT_NE(r.out.find("not run at 2 threads"), std::string::npos);

  const json j = json::parse(slurp(dir.file("cmp.json")));
  EXPECT_EQ(j.at("schema").get<std::string>(), "asor.compare/1");
  EXPECT_EQ(j.at("n").get<std::int64_t>(), 900);
  EXPECT_EQ(j.at("direct").at("solver").get<std::string>(), "ldlt");
  // sor (baseline) x1, multicolor x2 counts, block-jacobi x2 counts, ssor x1: 6 configurations.
  const auto& summary = j.at("summary");
  ASSERT_EQ(summary.size(), 6u);
  std::map<std::string, int> configs;
  for (const auto& s : summary) {
    const auto& o = s;
    const std::string m(o.at("method").get<std::string>());
    ++configs[m];
    if (m == "sor" || m == "ssor") {
      EXPECT_TRUE(o.at("sequential").get<bool>());
      EXPECT_EQ(o.at("threads").get<std::int64_t>(), 1);
    }
    EXPECT_EQ(o.at("runs").get<std::int64_t>(), 2);
    EXPECT_EQ(o.at("converged_runs").get<std::int64_t>(), 2);
    EXPECT_GT(o.at("median_solve_seconds").get<double>(), 0.0);
    EXPECT_LE(o.at("median_relative_residual").get<double>(), 1e-8);
    EXPECT_TRUE(o.at("speedup_vs_sor").is_number_float());
    EXPECT_TRUE(o.at("speedup_vs_direct").is_number_float());
    EXPECT_FALSE(o.at("curve").at("seconds").empty());
  }
  EXPECT_EQ(configs["sor"], 1);
  EXPECT_EQ(configs["ssor"], 1);
  EXPECT_EQ(configs["multicolor"], 2);
  EXPECT_EQ(configs["block-jacobi"], 2);
  EXPECT_EQ(j.at("runs").size(), 12u);  // 6 configurations x 2 repeats
  for (const auto& run : j.at("runs")) {
    EXPECT_EQ(run.at("status").get<std::string>(), "converged");
  }

  if (plot) {
    const std::string png = slurp(dir.file("cmp.png"));
    ASSERT_GT(png.size(), 20000u);  // a real picture, not an empty canvas
    EXPECT_EQ(png.substr(1, 3), "PNG");
  }
}

TEST(CliCompare, JsonToStdoutAndNotConvergedExitsThree) {
  const auto r =
      run_cli({"compare", data_file("gr_30_30.mtx"), "--methods", "jacobi", "--threads", "1",
               "--repeat", "1", "--max-sweeps", "4", "--reference", "none", "--json", "-"});
  ASSERT_EQ(r.exit_code, 3) << r.err;
  const json j = json::parse(r.out);
  EXPECT_TRUE(j.at("direct").is_null());
  for (const auto& run : j.at("runs")) {
    EXPECT_EQ(run.at("status").get<std::string>(), "max_sweeps");
  }
}

TEST(CliCompare, BadThreadListIsAUsageError) {
  const auto r = run_cli({"compare", data_file("LF10.mtx"), "--threads", "1,0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--threads"), std::string::npos) << r.err;
  EXPECT_EQ(count_lines(r.err), 1);
}

}  // namespace
}  // namespace asor::cli_test
