/// \file process_test.cpp
/// \brief The process around the solve: no hang at exit under `ulimit -v`, no BLAS loaded unless
/// CHOLMOD is used, interrupts (one cancels, a second ends, none is caught after the solve), the
/// warning about more threads than cores, and the SLURM script.

#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <csignal>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_helpers.hpp"

namespace asor::cli_test {
namespace {

using json = nlohmann::ordered_json;

TEST(CliProcess, NoBlasIsLoadedUnlessACholmodReferenceAsksForIt) {
  // LD_DEBUG=libs: the dynamic linker lists every library it loads, on stderr.
  // (stderr is not shown on failure: it is the linker's long trace.)
  const env_changes debug{{"LD_DEBUG", "libs"}};
  const std::string A = data_file("gr_30_30.mtx");
  const auto plain = run_cli({"solve", A, "--method", "sor"}, debug);
  ASSERT_EQ(plain.exit_code, 0);
  EXPECT_NE(plain.err.find("libasor.so"), std::string::npos);  // the trace is there
  EXPECT_EQ(plain.err.find("libcholmod"), std::string::npos);
  EXPECT_EQ(plain.err.find("libblas"), std::string::npos);
  EXPECT_EQ(plain.err.find("liblapack"), std::string::npos);
  const auto ldlt = run_cli({"solve", A, "--method", "sor", "--reference", "ldlt"}, debug);
  ASSERT_EQ(ldlt.exit_code, 0);
  EXPECT_EQ(ldlt.err.find("libblas"), std::string::npos);
  const auto cholmod = run_cli({"solve", A, "--method", "sor", "--reference", "cholmod"}, debug);
  ASSERT_EQ(cholmod.exit_code, 0);
  EXPECT_NE(cholmod.err.find("libasor_cholmod.so"), std::string::npos);
  EXPECT_NE(cholmod.err.find("libcholmod"), std::string::npos);
  EXPECT_NE(cholmod.err.find("libblas"), std::string::npos);
  EXPECT_NE(cholmod.out.find("reference  cholmod: ||x - x_ref||/||x_ref|| = "), std::string::npos)
      << cholmod.out;
}

TEST(CliProcess, ASolveUnderUlimitVPrintsItsResultAndExits) {
  if (ASOR_SANITIZED) GTEST_SKIP() << "a sanitizer cannot start under ulimit -v";
  // As in the report: ulimit -v 100000. OpenBLAS (a threaded BLAS under CHOLMOD) hung in its
  // thread shutdown inside exit() there; asor no longer loads a BLAS for a plain solve.
  // Where Debian's threaded OpenBLAS is installed, the run is repeated with it as the BLAS (as on
  // the reporter's machine, where it was the libblas.so.3 alternative).
  const std::string openblas = "/usr/lib/x86_64-linux-gnu/openblas-pthread";
  std::vector<env_changes> setups{{}};
  if (fs::exists(openblas + "/libblas.so.3")) setups.push_back({{"LD_LIBRARY_PATH", openblas}});
  for (const auto& env : setups) {
    run_options o;
    o.env = env;
    o.env["OMP_WAIT_POLICY"] = "passive";  // as ctest sets it: spinning on a loaded machine is slow
    o.address_space_bytes = rlim_t{100000} * 1024;
    o.timeout_seconds = 60;  // liveness only: the solve takes milliseconds
    // async is run many times: its threads' malloc arenas raced for the address space with the
    // stacks of the threads libgomp was starting, which ended 1 run in 8 with "libgomp: Thread
    // creation failed".
    for (const auto& [method, runs] : {std::pair{"sor", 1}, {"async", 20}, {"multicolor", 1}}) {
      for (int run = 0; run < runs; ++run) {
        const auto r = run_cli({"solve", data_file("gr_30_30.mtx"), "--method", method}, o);
        ASSERT_FALSE(r.timed_out) << method << (env.empty() ? "" : " with OpenBLAS");
        ASSERT_EQ(r.exit_code, 0) << method << " (run " << run << "): " << r.err;
        ASSERT_NE(r.out.find("status     converged"), std::string::npos) << r.out;
      }
    }
  }
}

/// A solve that runs until interrupted (or 60 s), drawing its progress line.
std::vector<std::string> long_solve(const temp_dir& dir) {
  const std::string A = dir.file("poisson200.mtx");
  const auto g = run_cli({"generate", "poisson2d", "--n", "200", "-o", A});
  if (g.exit_code != 0) throw std::runtime_error("generate failed: " + g.err);
  return {"solve",
          A,
          "--method",
          "jacobi",
          "--tol",
          "1e-15",
          "--time-limit",
          "60",
          "--max-sweeps",
          "1000000000",
          "--progress",
          "--json",
          "-"};
}

/// Sends \p signals, in order, once the child's progress line shows that the solve runs.
std::function<void(pid_t, const std::string&)> when_solving(std::vector<int> signals) {
  auto sent = std::make_shared<bool>(false);
  return [signals = std::move(signals), sent](pid_t pid, const std::string& err_path) {
    if (*sent || slurp(err_path).find("sweeps ") == std::string::npos) return;
    for (const int s : signals) kill(pid, s);
    *sent = true;
  };
}

TEST(CliProcess, OneInterruptCancelsTheSolveAndTheReportComesOut) {
  temp_dir dir;
  for (const int sig : {SIGINT, SIGTERM}) {
    run_options o;
    o.timeout_seconds = 120;
    o.while_running = when_solving({sig});
    const auto r = run_cli(long_solve(dir), o);
    ASSERT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, 3) << "signal " << sig << ": " << r.err;
    const json j = json::parse(r.out);
    EXPECT_EQ(j.at("status").get<std::string>(), "cancelled");
    EXPECT_EQ(j.at("stop_reason").get<std::string>().rfind("cancelled by an interrupt", 0), 0U);
  }
}

TEST(CliProcess, ASecondInterruptEndsTheProcess) {
  // Two different signals sent back to back: both are handled (pending standard signals are
  // delivered lowest number first, so either may come first), and whichever comes second ends
  // the process as its default action would. (Two of the same kind may merge into one while
  // pending: that is the kernel's, not a second interrupt.)
  temp_dir dir;
  for (const auto& pair : {std::vector<int>{SIGINT, SIGTERM}, std::vector<int>{SIGTERM, SIGINT}}) {
    run_options o;
    o.timeout_seconds = 120;
    o.while_running = when_solving(pair);
    const auto r = run_cli(long_solve(dir), o);
    ASSERT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, -1) << r.err;
    EXPECT_TRUE(r.signal == SIGINT || r.signal == SIGTERM) << "signal " << r.signal;
    EXPECT_EQ(r.out, "");  // ended, not cancelled: no report
  }
}

TEST(CliProcess, AfterTheSolveAnInterruptEndsTheProcessAtOnce) {
  // x goes to a FIFO whose reader never reads: once the solve is over the tool blocks in its
  // write, with the interrupt handling of the solve gone. One SIGTERM must end it.
  temp_dir dir;
  const std::string A = dir.file("poisson100.mtx");
  ASSERT_EQ(run_cli({"generate", "poisson2d", "--n", "100", "-o", A}).exit_code, 0);
  const std::string fifo = dir.file("x.fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const int reader = open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(reader, 0);
  const int capacity = fcntl(reader, F_GETPIPE_SZ);
  ASSERT_GT(capacity, 0);
  run_options o;
  o.timeout_seconds = 120;
  bool sent = false;
  o.while_running = [&](pid_t pid, const std::string&) {
    int queued = 0;
    // 10000 values of x are 200 kB: a full pipe means the tool waits in write().
    if (!sent && ioctl(reader, FIONREAD, &queued) == 0 && queued >= capacity) {
      kill(pid, SIGTERM);
      sent = true;
    }
  };
  const auto r = run_cli({"solve", A, "--method", "sor", "--max-sweeps", "5", "--x-out", fifo}, o);
  close(reader);
  ASSERT_FALSE(r.timed_out);
  EXPECT_TRUE(sent);
  EXPECT_EQ(r.signal, SIGTERM) << "exit " << r.exit_code << ": " << r.err;
}

int cores_of_this_process() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  return CPU_COUNT(&set);
}

TEST(CliProcess, MoreThreadsThanCoresAreWarnedOnce) {
  const int cores = cores_of_this_process();
  const int too_many = cores + 1;
  const std::string warning = std::to_string(too_many) + " threads on " + std::to_string(cores) +
                              " available core" + (cores == 1 ? "" : "s") +
                              ": threads will wait for one another and times will not mean "
                              "much (the default thread count comes from OMP_NUM_THREADS=2, "
                              "then SLURM_CPUS_PER_TASK unset, then the cores)";
  const env_changes env{{"SLURM_CPUS_PER_TASK", std::nullopt}};
  const auto c =
      run_cli({"compare", data_file("LF10.mtx"), "--methods", "async,block-jacobi", "--threads",
               "1," + std::to_string(too_many), "--repeat", "2", "--reference", "none"},
              env);
  EXPECT_TRUE(c.exit_code == 0 || c.exit_code == 3) << c.err;
  EXPECT_EQ(occurrences(c.err, warning), 1) << c.err;
  EXPECT_EQ(count_lines(c.err), 1) << c.err;
  const auto s = run_cli(
      {"solve", data_file("LF10.mtx"), "--method", "async", "--threads", std::to_string(too_many)},
      env);
  EXPECT_EQ(occurrences(s.err, warning), 1) << s.err;
  const auto fits = run_cli(
      {"solve", data_file("gr_30_30.mtx"), "--method", "async", "--threads", std::to_string(cores)},
      env);
  EXPECT_TRUE(fits.exit_code == 0 || fits.exit_code == 3) << fits.err;
  EXPECT_EQ(fits.err.find("available core"), std::string::npos) << fits.err;
}

bool have_matplotlib() {
  return std::system("/usr/bin/python3 -c 'import matplotlib' >/dev/null 2>&1") == 0;
}

TEST(CliProcess, TheSlurmScriptGoesOnAfterAFailingMatrix) {
  temp_dir dir;
  // The binary where the README's plain build puts it, under the directory sbatch ran in.
  fs::create_directories(dir.path() / "build" / "bin");
  fs::create_symlink(ASOR_CLI_PATH, dir.path() / "build" / "bin" / "asor");
  write_gzip(dir.file("mesh1e1.mtx.gz"), slurp(data_file("mesh1e1.mtx")));
  const std::string good = data_file("gr_30_30.mtx");
  const std::string missing = dir.file("missing.mtx");
  const std::string out = dir.file("out");
  run_options o;
  o.env = {{"ASOR", std::nullopt},
           {"SLURM_JOB_ID", std::nullopt},
           {"SLURM_SUBMIT_DIR", dir.path().string()},
           {"SLURM_CPUS_PER_TASK", "2"},
           {"OUT", out},
           {"METHODS", "sor,block-jacobi"},
           {"REPEAT", "1"},
           {"PLOT", have_matplotlib() ? "svg" : "none"}};
  const auto r =
      run_program({"/bin/bash", std::string(ASOR_SOURCE_DIR) + "/docs/slurm_compare.sbatch", good,
                   missing, dir.file("mesh1e1.mtx.gz")},
                  o);
  ASSERT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 2) << r.err;  // one matrix failed; the others were done
  EXPECT_NE(r.err.find("binary " + dir.file("build/bin/asor")), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("asor-compare: " + missing +
                       ": asor info failed (above); going on with the next matrix"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("asor-compare: 3 matrices: 2 converged everywhere, 0 with runs that did "
                       "not converge, 1 failed (" +
                       missing + "); results in " + out + "/"),
            std::string::npos)
      << r.err;
  for (const char* name : {"gr_30_30", "mesh1e1"}) {
    const json j = json::parse(slurp(out + "/" + name + ".json"));
    EXPECT_EQ(j.at("schema").get<std::string>(), "asor.compare/2") << name;
    EXPECT_EQ(j.at("omega").get<std::string>(), "auto") << name;  // --omega auto was passed
    EXPECT_EQ(j.at("thread_counts"), json::parse("[1, 2]")) << name;
    EXPECT_NE(slurp(out + "/" + name + ".txt").find("asor compare: "), std::string::npos);
    if (have_matplotlib()) {
      EXPECT_NE(slurp(out + "/" + name + ".svg").find("<svg"), std::string::npos) << name;
    }
  }
}

}  // namespace
}  // namespace asor::cli_test
