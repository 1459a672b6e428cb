/// \file solve_test.cpp
/// \brief `asor solve`: results, JSON, exit codes, outputs, streams.

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "cli_helpers.hpp"

namespace asor::cli_test {
namespace {

using json = nlohmann::ordered_json;

/// Keys every `asor.solve/1` document has (docs/cli.md).
const char* const solve_keys[] = {"schema",
                                  "status",
                                  "stop_reason",
                                  "converged",
                                  "matrix",
                                  "rhs",
                                  "method",
                                  "direction",
                                  "n",
                                  "nnz",
                                  "threads",
                                  "ranks",
                                  "blocks",
                                  "local_sweeps",
                                  "pipeline_sweeps",
                                  "l1",
                                  "halo_diagonal",
                                  "ordering",
                                  "omega",
                                  "omega_auto",
                                  "initial_omega",
                                  "omega_history",
                                  "estimated_jacobi_rho",
                                  "tolerance",
                                  "max_sweeps",
                                  "time_limit_seconds",
                                  "sweeps",
                                  "relative_residual",
                                  "provisional_residual",
                                  "verifications",
                                  "failed_verifications",
                                  "provisional_results",
                                  "provisional_results_dropped",
                                  "setup_seconds",
                                  "solve_seconds",
                                  "cancel_latency_seconds",
                                  "max_cancel_latency_seconds",
                                  "reference",
                                  "error_vs_ones",
                                  "fallback",
                                  "x_out",
                                  "history_out",
                                  "distribution"};

json parse_object(const std::string& text) {
  json v = json::parse(text);
  return v;
}

double number(const json& v) { return v.get<double>(); }

/// ||b - A x|| / ||b|| with b = A * ones, computed here with Eigen from the files.
double independent_residual(const std::string& matrix, const std::string& x_file) {
  const Eigen::SparseMatrix<double> A = read_mm_matrix(matrix);
  const Eigen::VectorXd x = read_mm_array(x_file);
  const Eigen::VectorXd b = A * Eigen::VectorXd::Ones(A.cols());
  return (b - A * x).norm() / b.norm();
}

TEST(CliSolve, ConvergesOnRealMatrixAndXOutHasTheReportedResidual) {
  temp_dir dir;
  const std::string A = data_file("gr_30_30.mtx");
  const auto r = run_cli({"solve", A, "--method", "sor", "--x-out", dir.file("x.mtx"), "--json",
                          dir.file("report.json")});
  ASSERT_FALSE(r.timed_out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("asor solve: gr_30_30.mtx  n=900  nnz=7744"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("status     converged (verified: true residual"), std::string::npos);
  const json j = parse_object(slurp(dir.file("report.json")));
  EXPECT_EQ(j.at("status").get<std::string>(), "converged");
  const double reported = number(j.at("relative_residual"));
  const double mine = independent_residual(A, dir.file("x.mtx"));
  EXPECT_LE(mine, 1e-8);
  EXPECT_NEAR(mine, reported, 1e-3 * reported);
  // b was generated: the error against the exact solution (ones) is reported.
  EXPECT_TRUE(j.at("error_vs_ones").is_number_float());
}

TEST(CliSolve, AsyncReportsTheTrueResidualOfTheReturnedX) {
  // Whatever the asynchronous run's outcome, the residual it reports is the one of the x it
  // returns, and "converged" implies residual <= tol; the exit code follows the status.
  temp_dir dir;
  const std::string A = data_file("gr_30_30.mtx");
  const auto r = run_cli({"solve", A, "--method", "async", "--threads", "2", "--x-out",
                          dir.file("x.mtx"), "--json", "-"});
  ASSERT_FALSE(r.timed_out);
  const json j = parse_object(r.out);
  const bool converged = j.at("status").get<std::string>() == "converged";
  EXPECT_EQ(r.exit_code, converged ? 0 : 3) << r.err;
  const double reported = number(j.at("relative_residual"));
  const double mine = independent_residual(A, dir.file("x.mtx"));
  EXPECT_NEAR(mine, reported, 1e-3 * reported);
  if (converged) {
    EXPECT_LE(mine, 1e-8);
  }
  EXPECT_EQ(j.at("method").get<std::string>(), "async");
  EXPECT_TRUE(j.at("cancel_latency_seconds").is_number_float() ||
              j.at("cancel_latency_seconds").is_null());
}

TEST(CliSolve, JsonToStdoutIsPureJsonWithEveryKey) {
  const auto r = run_cli({"solve", data_file("gr_30_30.mtx"), "--method", "multicolor", "--json",
                          "-", "--reference", "ldlt"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json v;
  ASSERT_NO_THROW(v = json::parse(r.out)) << r.out;  // the whole of stdout is one document
  const json& j = v;
  for (const char* key : solve_keys) EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j.at("schema").get<std::string>(), "asor.solve/1");
  EXPECT_EQ(j.at("method").get<std::string>(), "multicolor");
  EXPECT_EQ(j.at("n").get<std::int64_t>(), 900);
  EXPECT_EQ(j.at("nnz").get<std::int64_t>(), 7744);
  EXPECT_EQ(j.at("threads").get<std::int64_t>(), 2);
  EXPECT_DOUBLE_EQ(number(j.at("tolerance")), 1e-8);
  const auto& sweeps = j.at("sweeps");
  EXPECT_LE(number(sweeps.at("min")), number(sweeps.at("mean")));
  EXPECT_LE(number(sweeps.at("mean")), number(sweeps.at("max")));
  EXPECT_GE(number(sweeps.at("min")), 1.0);
  EXPECT_LE(number(j.at("relative_residual")), 1e-8);
  EXPECT_GE(j.at("verifications").get<std::int64_t>(), 1);
  // Measured for every method: from the stop decision to a quiescent x.
  EXPECT_GE(number(j.at("cancel_latency_seconds")), 0.0);
  const auto& ref = j.at("reference");
  EXPECT_EQ(ref.at("solver").get<std::string>(), "ldlt");
  EXPECT_LT(number(ref.at("relative_error")), 1e-5);
  EXPECT_LT(number(ref.at("relative_residual")), 1e-12);
  EXPECT_GT(number(ref.at("seconds")), 0.0);
  EXPECT_GT(number(ref.at("factor_seconds")), 0.0);
  EXPECT_GT(number(ref.at("solve_seconds")), 0.0);
  EXPECT_LE(number(ref.at("factor_seconds")) + number(ref.at("solve_seconds")),
            number(ref.at("seconds")));
  EXPECT_TRUE(j.at("fallback").is_null());
}

TEST(CliSolve, StoppedWithoutConvergingExitsThree) {
  const auto r = run_cli(
      {"solve", data_file("gr_30_30.mtx"), "--method", "sor", "--max-sweeps", "3", "--json", "-"});
  ASSERT_EQ(r.exit_code, 3) << r.err;
  const json j = parse_object(r.out);
  EXPECT_EQ(j.at("status").get<std::string>(), "max_sweeps");
  EXPECT_FALSE(j.at("converged").get<bool>());
  EXPECT_EQ(j.at("sweeps").at("min").get<std::int64_t>(), 3);
  EXPECT_GT(number(j.at("relative_residual")), 1e-8);
  EXPECT_NE(j.at("stop_reason").get<std::string>().find("sweep budget of 3"), std::string::npos);
}

// Issue 12: --pipeline-sweeps changes the speed, not the iterate: the same residual (the JSON
// writes it with every digit) after the same budget of sweeps, and the JSON says what was used.
TEST(CliSolve, PipelineSweepsGiveTheSameIterate) {
  std::vector<json> runs;
  runs.reserve(2);
  for (const char* t : {"1", "4"}) {
    const auto r = run_cli({"solve", data_file("gr_30_30.mtx"), "--method", "sor", "--omega", "1.5",
                            "--max-sweeps", "11", "--pipeline-sweeps", t, "--json", "-"});
    ASSERT_EQ(r.exit_code, 3) << r.err;
    runs.push_back(parse_object(r.out));
    EXPECT_EQ(runs.back().at("pipeline_sweeps").get<int>(), std::stoi(t));
    EXPECT_EQ(runs.back().at("sweeps").at("max").get<std::int64_t>(), 11);
  }
  EXPECT_EQ(number(runs[0].at("relative_residual")), number(runs[1].at("relative_residual")));
}

TEST(CliSolve, HumanSummaryNamesTheStopWhenNotConverged) {
  const auto r =
      run_cli({"solve", data_file("gr_30_30.mtx"), "--method", "jacobi", "--max-sweeps", "5"});
  ASSERT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.out.find("status     max_sweeps"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "");  // nothing on stderr: no progress line (not a terminal), no logs
}

TEST(CliSolve, RhsAndInitialGuessFiles) {
  temp_dir dir;
  const auto g = run_cli(
      {"generate", "poisson2d", "--n", "12", "-o", dir.file("A.mtx"), "--rhs", dir.file("b.mtx")});
  ASSERT_EQ(g.exit_code, 0) << g.err;
  const auto first = run_cli({"solve", dir.file("A.mtx"), "--rhs", dir.file("b.mtx"), "--method",
                              "ssor", "--x-out", dir.file("x.mtx"), "--json", "-"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const json j1 = parse_object(first.out);
  EXPECT_TRUE(j1.at("error_vs_ones").is_null());  // b came from a file
  EXPECT_EQ(j1.at("direction").get<std::string>(), "symmetric");
  // Restarting from the solution needs (almost) no work.
  const auto second = run_cli({"solve", dir.file("A.mtx"), "--rhs", dir.file("b.mtx"), "--method",
                               "ssor", "--x0", dir.file("x.mtx"), "--json", "-"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const json j2 = parse_object(second.out);
  EXPECT_LT(j2.at("sweeps").at("max").get<std::int64_t>(),
            j1.at("sweeps").at("max").get<std::int64_t>());
}

TEST(CliSolve, HistoryCsvSynchronousAndAsync) {
  temp_dir dir;
  const std::string A = data_file("gr_30_30.mtx");
  auto r = run_cli({"solve", A, "--method", "sor", "--history", dir.file("sor.csv")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string csv = slurp(dir.file("sor.csv"));
  EXPECT_EQ(
      csv.rfind("seconds,block,sweep,block_residual,global_residual,verified_residual,omega\n", 0),
      0u);
  EXPECT_NE(csv.find(",all,1,"), std::string::npos);  // one row per sweep, block "all"
  EXPECT_GT(count_lines(csv), 100);

  r = run_cli({"solve", A, "--method", "async", "--threads", "2", "--blocks", "4", "--history",
               dir.file("async.csv")});
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 3) << r.err;
  csv = slurp(dir.file("async.csv"));
  EXPECT_NE(csv.find(",0,1,"), std::string::npos);  // block 0, first sweep
  EXPECT_NE(csv.find(",3,1,"), std::string::npos);  // block 3, first sweep
  EXPECT_GT(count_lines(csv), 4);
}

TEST(CliSolve, ProgressLineOnlyOnATerminalUnlessForced) {
  temp_dir dir;
  ASSERT_EQ(run_cli({"generate", "poisson2d", "--n", "200", "-o", dir.file("A.mtx")}).exit_code, 0);
  // Jacobi on 40000 unknowns needs ~3e5 sweeps for 1e-12: the 1 s time limit stops it first,
  // after enough time for several progress calls (every 0.1 s).
  const std::vector<std::string> base{"solve",        dir.file("A.mtx"), "--method",     "jacobi",
                                      "--tol",        "1e-12",           "--time-limit", "1",
                                      "--max-sweeps", "100000000"};
  auto args = base;
  const auto plain = run_cli(args);  // stderr is a file here, not a terminal
  EXPECT_EQ(plain.exit_code, 3) << plain.err;
  EXPECT_NE(plain.out.find("status     time_limit"), std::string::npos) << plain.out;
  EXPECT_EQ(plain.err.find('\r'), std::string::npos);

  args.push_back("--progress");
  const auto forced = run_cli(args);
  EXPECT_EQ(forced.exit_code, 3) << forced.err;
  EXPECT_NE(forced.err.find('\r'), std::string::npos);
  EXPECT_NE(forced.err.find("sweeps "), std::string::npos);
  EXPECT_EQ(forced.out.find('\r'), std::string::npos);  // stdout carries results only

  args.back() = "--no-progress";
  const auto off = run_cli(args);
  EXPECT_EQ(off.err.find('\r'), std::string::npos);
}

/// One drawing of the progress line: its sweeps, elapsed time and time left.
struct progress_record {
  std::string text;
  double elapsed = -1;
  double left = -1;   ///< -1: not shown
  std::string bound;  ///< "time limit", "sweep budget" or "" (the extrapolation)
  long long sweeps = -1;
  double rate = 0;
};

double seconds_of(const std::string& number, const std::string& unit) {
  return std::stod(number) * (unit == "us" ? 1e-6 : unit == "ms" ? 1e-3 : 1.0);
}

std::vector<progress_record> progress_records(const std::string& err) {
  static const std::regex elapsed(R"(elapsed ([0-9.]+) (us|ms|s))");
  static const std::regex left(
      R"(left (?:~|<= )([0-9.]+) (us|ms|s)(?: \((time limit|sweep budget)\))?)");
  static const std::regex sweeps(
      R"(sweeps ([0-9]+) of [0-9]+  (?:omega \S+  )?est \S+ -> tol \S+  (\S+) sweeps/s)");
  std::vector<progress_record> records;
  std::stringstream in(err);
  std::string text;
  while (std::getline(in, text, '\r')) {
    std::smatch m;
    if (!std::regex_search(text, m, elapsed)) continue;
    progress_record r;
    r.text = text;
    r.elapsed = seconds_of(m[1], m[2]);
    if (std::regex_search(text, m, left)) {
      r.left = seconds_of(m[1], m[2]);
      r.bound = m[3];
    }
    if (std::regex_search(text, m, sweeps)) {
      r.sweeps = std::stoll(m[1]);
      r.rate = std::stod(m[2]);
    }
    records.push_back(r);
  }
  return records;
}

TEST(CliSolve, ProgressLineShowsTheToleranceAndItsTimeLeftKeepsToTheBudgets) {
  temp_dir dir;
  ASSERT_EQ(run_cli({"generate", "poisson2d", "--n", "200", "-o", dir.file("A.mtx")}).exit_code, 0);
  // Jacobi to 1e-14 on 40000 unknowns needs ~10^6 sweeps: the budget stops it long before, and
  // the extrapolation alone would promise minutes (as it did: "123 s" on a 20 s solve).
  const std::vector<std::string> base{"solve", dir.file("A.mtx"), "--method",  "jacobi",
                                      "--tol", "1e-14",           "--progress"};
  auto timed = base;
  timed.insert(timed.end(), {"--time-limit", "1.5", "--max-sweeps", "1000000000"});
  const auto t = run_cli(timed);
  EXPECT_EQ(t.exit_code, 3) << t.err;
  const auto records = progress_records(t.err);
  ASSERT_GE(records.size(), 5U) << t.err;
  int bounded = 0;
  for (const auto& r : records) {
    EXPECT_NE(r.text.find(" -> tol 1e-14 "), std::string::npos) << r.text;
    EXPECT_NE(r.text.find("sweeps "), std::string::npos) << r.text;
    if (r.left < 0) continue;
    EXPECT_LE(r.elapsed + r.left, 1.5 + 0.01) << r.text;
    bounded += r.bound == "time limit" ? 1 : 0;
  }
  EXPECT_GT(bounded, 0) << t.err;

  auto budget = base;
  budget.insert(budget.end(), {"--max-sweeps", "3000"});
  const auto b = run_cli(budget);
  EXPECT_EQ(b.exit_code, 3) << b.err;
  int by_sweeps = 0;
  for (const auto& r : progress_records(b.err)) {
    EXPECT_NE(r.text.find(" of 3000  omega "), std::string::npos) << r.text;
    if (r.bound != "sweep budget") continue;
    ++by_sweeps;
    ASSERT_GT(r.rate, 0) << r.text;
    // The line's own numbers: the sweeps left at its rate (shown with two digits).
    EXPECT_LE(r.left, static_cast<double>(3000 - r.sweeps) / r.rate * 1.06 + 0.01) << r.text;
  }
  EXPECT_GT(by_sweeps, 0) << b.err;
}

TEST(CliSolve, QuietPrintsNothing) {
  const auto r = run_cli({"solve", data_file("gr_30_30.mtx"), "--method", "sor", "--quiet"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
}

TEST(CliSolve, OmegaAutoAndExplicit) {
  auto r = run_cli(
      {"solve", data_file("gr_30_30.mtx"), "--method", "sor", "--omega", "auto", "--json", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = parse_object(r.out);
  EXPECT_TRUE(j.at("omega_auto").get<bool>());
  EXPECT_GT(number(j.at("omega")), 1.0);
  EXPECT_LT(number(j.at("omega")), 2.0);

  r = run_cli(
      {"solve", data_file("gr_30_30.mtx"), "--method", "sor", "--omega", "1.5", "--json", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = parse_object(r.out);
  EXPECT_FALSE(j.at("omega_auto").get<bool>());
  EXPECT_DOUBLE_EQ(number(j.at("omega")), 1.5);
}

TEST(CliSolve, OrderingAutoReordersAScatteredMeshForAsyncOnTwoThreads) {
  // mesh1e1 (a finite element mesh): bandwidth 47 as numbered in the file, 15 in RCM order.
  const std::vector<std::string> base{"solve",       data_file("mesh1e1.mtx"),
                                      "--method",    "async",
                                      "--threads",   "2",
                                      "--reference", "ldlt",
                                      "--json",      "-"};
  for (const auto& [flag, expected] : std::vector<std::pair<std::string, std::string>>{
           {"", "rcm"}, {"auto", "rcm"}, {"rcm", "rcm"}, {"natural", "natural"}}) {
    std::vector<std::string> args = base;
    if (!flag.empty()) args.insert(args.end(), {"--ordering", flag});
    const auto r = run_cli(args);
    ASSERT_EQ(r.exit_code, 0) << flag << ": " << r.err;
    const auto j = parse_object(r.out);
    EXPECT_EQ(j.at("ordering").get<std::string>(), expected) << flag;
    // The solution comes back in the file's order: it matches the direct solve (measured
    // 1e-10; a solution left in RCM order would be off by O(1)).
    EXPECT_LT(number(j.at("reference").at("relative_error")), 1e-6) << flag;
  }
  const auto sor = run_cli({"solve", data_file("mesh1e1.mtx"), "--method", "sor", "--json", "-"});
  ASSERT_EQ(sor.exit_code, 0) << sor.err;
  EXPECT_EQ(parse_object(sor.out).at("ordering").get<std::string>(), "natural");
  const auto text = run_cli(
      {"solve", data_file("mesh1e1.mtx"), "--method", "async", "--threads", "2", "--no-progress"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("2 threads, 8 blocks, rows in RCM order)"), std::string::npos)
      << text.out;
}

TEST(CliSolve, ThreadsDefaultToOmpThenSlurm) {
  const std::vector<std::string> args{
      "solve", data_file("gr_30_30.mtx"), "--method", "multicolor", "--json", "-"};
  auto r = run_cli(args, {{"OMP_NUM_THREADS", "1"}, {"SLURM_CPUS_PER_TASK", "2"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(parse_object(r.out).at("threads").get<std::int64_t>(), 1);
  r = run_cli(args, {{"OMP_NUM_THREADS", std::nullopt}, {"SLURM_CPUS_PER_TASK", "2"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(parse_object(r.out).at("threads").get<std::int64_t>(), 2);
}

TEST(CliSolve, SequentialMethodRunsOnOneThread) {
  const auto r = run_cli(
      {"solve", data_file("gr_30_30.mtx"), "--method", "sor", "--threads", "2", "--json", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(parse_object(r.out).at("threads").get<std::int64_t>(), 1);
  EXPECT_NE(r.err.find("sequential"), std::string::npos);  // the warning says so
}

}  // namespace
}  // namespace asor::cli_test

namespace asor::cli_test {
namespace {

// No made-up numbers: a solve stopped before any block published has no provisional estimate;
// the JSON says null and the summary "n/a", for the asynchronous and a synchronous method.
TEST(CliSolve, NoEstimateIsNullNotZero) {
  for (const char* method : {"async", "sor"}) {
    const auto r = run_cli({"solve", data_file("gr_30_30.mtx"), "--method", method, "--threads",
                            "2", "--time-limit", "1e-9", "--json", "-"});
    ASSERT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, 3) << r.err;
    const json j = parse_object(r.out);
    EXPECT_EQ(j.at("status").get<std::string>(), "time_limit") << method;
    EXPECT_TRUE(j.at("provisional_residual").is_null()) << method << ": " << j.dump();
    EXPECT_EQ(j.at("converged").get<bool>(), false);
    const auto text = run_cli({"solve", data_file("gr_30_30.mtx"), "--method", method, "--threads",
                               "2", "--time-limit", "1e-9"});
    EXPECT_NE(text.out.find("provisional estimate n/a"), std::string::npos) << text.out;
  }
}

// The history CSV never makes up a global estimate: where there is none yet the cell is empty
// (never 0), and every global value shown is positive. Which rows come before the first global
// value is not fixed: the coordinator computes it from the blocks' newest results when it drains
// a record, so on a loaded machine even a worker's first record may find every block reported.
// (That the estimate is NaN until every block has reported is asserted on the engine's progress.)
TEST(CliSolve, HistoryHasNoGlobalEstimateBeforeEveryBlockReported) {
  temp_dir dir;
  const auto r = run_cli({"solve", data_file("gr_30_30.mtx"), "--method", "async", "--threads", "2",
                          "--blocks", "8", "--history", dir.file("h.csv"), "--json", "-"});
  ASSERT_FALSE(r.timed_out);
  // 3: the sweep budget ran out. On a loaded machine one worker may sweep its blocks to the budget
  // against stale neighbours before the other runs (docs/async_convergence.md); the history is
  // written either way, and it is what this test is about.
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 3) << r.exit_code << ": " << r.err;
  std::istringstream csv(slurp(dir.file("h.csv")));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line, "seconds,block,sweep,block_residual,global_residual,verified_residual,omega");
  int per_worker[2] = {0, 0};  // rows of worker 0 (blocks 0-3) and worker 1 (blocks 4-7)
  int with_global = 0;
  while (std::getline(csv, line)) {
    std::vector<std::string> cell;
    std::stringstream fields(line);
    for (std::string c; std::getline(fields, c, ',');) cell.push_back(c);
    cell.resize(7);
    if (cell[1] == "all") continue;  // a verification point
    const int worker = std::stoi(cell[1]) / 4;
    ++per_worker[worker];
    if (!cell[4].empty()) {
      EXPECT_GT(std::stod(cell[4]), 0.0) << line;
      ++with_global;
    }
  }
  EXPECT_GE(per_worker[0], 4);
  EXPECT_GE(per_worker[1], 4);
  EXPECT_GT(with_global, 0);
}

}  // namespace
}  // namespace asor::cli_test
