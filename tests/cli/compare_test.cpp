/// \file compare_test.cpp
/// \brief `asor compare`: the tables, the asor.compare/2 document (spread beside every median,
/// "vs direct" with and without setup) and the plot (error bars, speedup panel, vector output,
/// the async curve of a short solve).

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_helpers.hpp"

namespace asor::cli_test {
namespace {

using json = nlohmann::ordered_json;

bool have_matplotlib() {
  return std::system("/usr/bin/python3 -c 'import matplotlib' >/dev/null 2>&1") == 0 ||
         std::system("python3 -c 'import matplotlib' >/dev/null 2>&1") == 0;
}

/// Median, min and max computed here from the runs, independently of the tool's summary.
struct stats {
  double median = 0;
  double min = 0;
  double max = 0;
};

stats stats_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t h = v.size() / 2;
  return {v.size() % 2 == 1 ? v[h] : 0.5 * (v[h - 1] + v[h]), v.front(), v.back()};
}

TEST(CliCompare, TablesJsonAndPlot) {
  temp_dir dir;
  const bool plot = have_matplotlib();
  std::vector<std::string> args{"compare",   data_file("gr_30_30.mtx"),
                                "--methods", "multicolor,block-jacobi,ssor",
                                "--threads", "1,2",
                                "--repeat",  "3",
                                "--json",    dir.file("cmp.json")};
  if (plot) args.insert(args.end(), {"--plot", dir.file("cmp.png")});
  const auto r = run_cli(args);
  ASSERT_FALSE(r.timed_out);
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;

  // The tables: every configuration, the sequential marks and the baseline note.
  EXPECT_NE(r.out.find("asor compare: gr_30_30.mtx  n=900  nnz=7744"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("direct solve (ldlt), median [min, max] of 3: factorization "),
            std::string::npos);
  EXPECT_NE(r.out.find("time, median and range over the repeats"), std::string::npos);
  EXPECT_NE(r.out.find("convergence, median and range over the repeats"), std::string::npos);
  EXPECT_NE(r.out.find("vs SOR"), std::string::npos);
  EXPECT_NE(r.out.find("sor+"), std::string::npos);  // baseline, not asked for
  EXPECT_NE(r.out.find("1*"), std::string::npos);    // sequential: one thread only
  EXPECT_NE(r.out.find("not run at 2 threads"), std::string::npos);

  const json j = json::parse(slurp(dir.file("cmp.json")));
  EXPECT_EQ(j.at("schema").get<std::string>(), "asor.compare/2");
  EXPECT_EQ(j.at("n").get<std::int64_t>(), 900);
  const json& direct = j.at("direct");
  EXPECT_EQ(direct.at("solver").get<std::string>(), "ldlt");
  EXPECT_LE(direct.at("min_factor_seconds").get<double>(),
            direct.at("median_factor_seconds").get<double>());
  EXPECT_LE(direct.at("median_solve_seconds").get<double>(),
            direct.at("max_solve_seconds").get<double>());
  // sor (baseline) x1, multicolor x2 counts, block-jacobi x2 counts, ssor x1: 6 configurations.
  const auto& summary = j.at("summary");
  ASSERT_EQ(summary.size(), 6U);
  std::map<std::string, int> configs;
  for (const auto& o : summary) {
    const std::string m(o.at("method").get<std::string>());
    const int t = o.at("threads").get<int>();
    ++configs[m];
    if (m == "sor" || m == "ssor") {
      EXPECT_TRUE(o.at("sequential").get<bool>());
      EXPECT_EQ(t, 1);
    }
    EXPECT_EQ(o.at("runs").get<std::int64_t>(), 3);
    EXPECT_EQ(o.at("converged_runs").get<std::int64_t>(), 3);
    // The spread beside every median, as the runs of this configuration give it.
    std::vector<double> solve;
    std::vector<double> total;
    std::vector<double> residual;
    for (const auto& run : j.at("runs")) {
      if (run.at("method") != m || run.at("threads").get<int>() != t) continue;
      solve.push_back(run.at("solve_seconds").get<double>());
      total.push_back(run.at("setup_seconds").get<double>() +
                      run.at("solve_seconds").get<double>());
      residual.push_back(run.at("relative_residual").get<double>());
    }
    ASSERT_EQ(solve.size(), 3U) << m << " " << t;
    const stats s = stats_of(solve);
    EXPECT_DOUBLE_EQ(o.at("median_solve_seconds").get<double>(), s.median);
    EXPECT_DOUBLE_EQ(o.at("min_solve_seconds").get<double>(), s.min);
    EXPECT_DOUBLE_EQ(o.at("max_solve_seconds").get<double>(), s.max);
    const stats res = stats_of(residual);
    EXPECT_DOUBLE_EQ(o.at("min_relative_residual").get<double>(), res.min);
    EXPECT_DOUBLE_EQ(o.at("max_relative_residual").get<double>(), res.max);
    EXPECT_LE(o.at("min_sweeps").get<double>(), o.at("median_sweeps").get<double>());
    EXPECT_LE(o.at("median_sweeps").get<double>(), o.at("max_sweeps").get<double>());
    EXPECT_LE(res.max, 1e-8);
    // vs direct compares like with like: solve phases alone, and everything with its setup.
    const stats tot = stats_of(total);
    EXPECT_DOUBLE_EQ(o.at("median_total_seconds").get<double>(), tot.median);
    EXPECT_DOUBLE_EQ(o.at("speedup_vs_direct_solve").get<double>(),
                     direct.at("median_solve_seconds").get<double>() / s.median);
    EXPECT_DOUBLE_EQ(o.at("speedup_vs_direct_with_setup").get<double>(),
                     direct.at("median_seconds").get<double>() / tot.median);
    EXPECT_TRUE(o.at("speedup_vs_sor").is_number_float());
    if (m == "multicolor" || m == "block-jacobi") {
      EXPECT_TRUE(o.at("speedup_vs_one_thread").is_number_float()) << m;
    }
    EXPECT_FALSE(o.at("curve").at("seconds").empty());
  }
  EXPECT_EQ(configs["sor"], 1);
  EXPECT_EQ(configs["ssor"], 1);
  EXPECT_EQ(configs["multicolor"], 2);
  EXPECT_EQ(configs["block-jacobi"], 2);
  EXPECT_EQ(j.at("runs").size(), 18U);  // 6 configurations x 3 repeats
  for (const auto& run : j.at("runs")) {
    EXPECT_EQ(run.at("status").get<std::string>(), "converged");
  }

  if (plot) {
    const std::string png = slurp(dir.file("cmp.png"));
    ASSERT_GT(png.size(), 20000U);  // a real picture, not an empty canvas
    EXPECT_EQ(png.substr(1, 3), "PNG");
  }
}

TEST(CliCompare, OneUnitPerColumn) {
  const auto r = run_cli({"compare", data_file("gr_30_30.mtx"), "--methods", "sor,jacobi",
                          "--threads", "1", "--repeat", "1", "--reference", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The unit is in the header; the cells are bare numbers.
  std::istringstream lines(r.out);
  std::string line;
  bool header = false;
  int rows = 0;
  while (std::getline(lines, line)) {
    if (line.find("solve time [") != std::string::npos) header = true;
    if (line.rfind("sor ", 0) == 0 || line.rfind("jacobi ", 0) == 0) {
      ++rows;
      EXPECT_EQ(line.find(" us"), std::string::npos) << line;
      EXPECT_EQ(line.find(" ms"), std::string::npos) << line;
      EXPECT_EQ(line.find(" s "), std::string::npos) << line;
    }
  }
  EXPECT_TRUE(header) << r.out;
  EXPECT_EQ(rows, 4) << r.out;  // each configuration in both tables
}

TEST(CliCompare, AShortAsyncSolveKeepsItsCurve) {
  // gr_30_30 by async on one thread takes milliseconds; the coordinator's history gave its curve
  // three points. Every provisional result now draws it.
  const auto r = run_cli({"compare", data_file("gr_30_30.mtx"), "--methods", "async", "--threads",
                          "1", "--repeat", "1", "--reference", "none", "--json", "-"});
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 3) << r.err;
  const json j = json::parse(r.out);
  bool seen = false;
  for (const auto& s : j.at("summary")) {
    if (s.at("method") != "async") continue;
    seen = true;
    const auto& t = s.at("curve").at("seconds");
    EXPECT_GE(t.size(), 50U);
    EXPECT_LE(t.size(), 400U);
    EXPECT_TRUE(std::is_sorted(t.begin(), t.end(), [](const json& a, const json& b) {
      return a.get<double>() < b.get<double>();
    }));
  }
  EXPECT_TRUE(seen);
}

TEST(CliCompare, ThePlotIsVectorGraphicsByExtensionWithSpreadAndSpeedup) {
  if (!have_matplotlib()) GTEST_SKIP() << "python3 with matplotlib is not installed";
  temp_dir dir;
  const std::vector<std::string> base{"compare",   data_file("gr_30_30.mtx"),
                                      "--methods", "sor,jacobi,block-jacobi",
                                      "--threads", "1,2",
                                      "--repeat",  "3"};
  auto svg_args = base;
  svg_args.insert(svg_args.end(), {"--plot", dir.file("cmp.svg")});
  const auto svg = run_cli(svg_args);
  ASSERT_EQ(svg.exit_code, 0) << svg.err;
  const std::string text = slurp(dir.file("cmp.svg"));
  EXPECT_NE(text.find("<svg"), std::string::npos);
  // Text stays text in the SVG: the panels and their legends can be read back.
  for (const char* label : {"time to tolerance: median, min-max bars, dots: repeats",
                            "parallel speedup", "ideal: T(1)/T(t) = t", "speedup T(1) / T(t)",
                            "convergence (median run)", "block-jacobi"}) {
    EXPECT_NE(text.find(label), std::string::npos) << label;
  }
  // jacobi takes about ten times sor's time and more: the time axis is logarithmic, which
  // matplotlib marks with power-of-ten tick labels.
  EXPECT_NE(text.find("10^{"), std::string::npos);

  auto pdf_args = base;
  pdf_args.insert(pdf_args.end(), {"--plot", dir.file("cmp.pdf"), "--quiet"});
  const auto pdf = run_cli(pdf_args);
  ASSERT_EQ(pdf.exit_code, 0) << pdf.err;
  EXPECT_EQ(slurp(dir.file("cmp.pdf")).rfind("%PDF-", 0), 0U);
  EXPECT_EQ(files_in(dir.path()), (std::vector<std::string>{"cmp.pdf", "cmp.svg"}));
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
  for (const auto& s : j.at("summary")) {
    EXPECT_TRUE(s.at("speedup_vs_direct_solve").is_null());
    EXPECT_TRUE(s.at("speedup_vs_direct_with_setup").is_null());
  }
}

TEST(CliCompare, BadThreadListIsAUsageError) {
  const auto r = run_cli({"compare", data_file("LF10.mtx"), "--threads", "1,0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "asor: error: --threads: thread counts must be at least 1\n");
}

}  // namespace
}  // namespace asor::cli_test
