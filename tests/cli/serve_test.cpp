/// \file serve_test.cpp
/// \brief `asor solve|compare --serve`: the URL on stderr, a Cancel from the page ends the tool
/// with status cancelled and exit 3, the final report stays served for --serve-linger seconds,
/// bad addresses are usage errors, a non-loopback address is warned about.

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "cli_helpers.hpp"
#include "web/http_client.hpp"

namespace asor::cli_test {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;
using web_test::connection;
using web_test::http_exchange;
using web_test::request;

/// The tool running in the background: stdout and stderr go to files read on demand.
class background_cli {
 public:
  explicit background_cli(const std::vector<std::string>& args) {
    out_ = dir_.file("stdout");
    err_ = dir_.file("stderr");
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string entry(*e);
      if (entry.rfind("OMP_NUM_THREADS=", 0) == 0 || entry.rfind("SPDLOG_LEVEL=", 0) == 0) continue;
      env_strings.push_back(entry);
    }
    env_strings.emplace_back("OMP_NUM_THREADS=2");
    std::vector<char*> envp;
    envp.reserve(env_strings.size() + 1);
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_strings{ASOR_CLI_PATH};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    argv.reserve(argv_strings.size() + 1);
    for (auto& s : argv_strings) argv.push_back(s.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data()) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~background_cli() {
    if (pid_ > 0 && !exit_code_) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }
  background_cli(const background_cli&) = delete;
  background_cli& operator=(const background_cli&) = delete;

  [[nodiscard]] bool started() const { return pid_ > 0; }
  [[nodiscard]] std::string out() const { return slurp(out_); }
  [[nodiscard]] std::string err() const { return slurp(err_); }

  /// \brief Waits (at most \p limit) for the URL on stderr. \returns it, or "" when none came.
  std::string wait_for_url(std::chrono::seconds limit = 120s) {
    const std::regex url(
        R"(asor: monitor page: (http://127\.0\.0\.1:(\d+)/\?token=([0-9a-f]{32}))\n)");
    const auto until = steady::now() + limit;
    std::smatch m;
    while (steady::now() < until && !exited()) {
      const std::string e = err();
      if (std::regex_search(e, m, url)) {
        port = static_cast<std::uint16_t>(std::stoi(m[2].str()));
        token = m[3].str();
        return m[1].str();
      }
      std::this_thread::sleep_for(10ms);
    }
    return {};
  }

  /// \returns whether the process has ended (then exit_code() tells how).
  bool exited() {
    if (exit_code_) return true;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      return true;
    }
    return false;
  }
  /// \brief Waits at most \p limit. \returns the exit code, or nullopt when still running.
  std::optional<int> wait(std::chrono::seconds limit) {
    const auto until = steady::now() + limit;
    while (!exited()) {
      if (steady::now() > until) return std::nullopt;
      std::this_thread::sleep_for(2ms);
    }
    return exit_code_;
  }
  void signal(int sig) const { kill(pid_, sig); }

  std::uint16_t port = 0;
  std::string token;

 private:
  temp_dir dir_;
  std::string out_;
  std::string err_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

/// A Poisson matrix written by the tool itself.
std::string poisson(const temp_dir& dir, int n) {
  std::string path = dir.file("poisson_" + std::to_string(n) + ".mtx");
  const cli_result g = run_cli({"generate", "poisson2d", "--n", std::to_string(n), "-o", path});
  EXPECT_EQ(g.exit_code, 0) << g.err;
  return path;
}

/// The first Server-Sent Event of /events whose JSON satisfies \p want (liveness bound 60 s).
template <class Want>
std::optional<nlohmann::json> wait_for_event(std::uint16_t port, const std::string& token,
                                             Want want) {
  connection c(port, 60);
  c.send(request("GET", "/events?token=" + token));
  std::string stream;
  const auto until = steady::now() + 60s;
  while (steady::now() < until) {
    const std::string part = c.read_some();
    if (part.empty()) return std::nullopt;
    stream += part;
    for (const auto& e : web_test::sse_events(stream)) {
      nlohmann::json m = nlohmann::json::parse(e);
      if (want(m)) return m;
    }
  }
  return std::nullopt;
}

TEST(CliServe, CancelFromThePageEndsTheSolveWithExit3) {
  temp_dir dir;
  const std::string A = poisson(dir, 300);
  background_cli cli({"solve", A, "--threads", "2", "--tol", "1e-15", "--max-sweeps", "100000000",
                      "--time-limit", "200", "--serve", "127.0.0.1:0", "--no-progress"});
  ASSERT_TRUE(cli.started());
  const std::string url = cli.wait_for_url();
  ASSERT_FALSE(url.empty()) << cli.err();
  const auto running = wait_for_event(cli.port, cli.token, [](const nlohmann::json& m) {
    return m["status"] == "running" && m["progress"].is_object();
  });
  ASSERT_TRUE(running.has_value()) << cli.err();
  EXPECT_EQ((*running)["title"], "asor solve poisson_300.mtx");
  const auto t0 = steady::now();
  const auto r = http_exchange(cli.port, request("POST", "/cancel?token=" + cli.token));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"cancel\":\"requested\",\"run\":1}\n");
  const auto code = cli.wait(60s);
  const double seconds = std::chrono::duration<double>(steady::now() - t0).count();
  std::printf("[ timing   ] POST /cancel to exit: %.3f s (issue target: 1 s)\n", seconds);
  ASSERT_TRUE(code.has_value()) << "still running after the cancel";
  EXPECT_EQ(*code, 3);
  EXPECT_NE(cli.out().find("status     cancelled (cancelled by the monitor page's Cancel; true "
                           "residual"),
            std::string::npos)
      << cli.out();
  EXPECT_EQ(cli.err().find("serving the final report"), std::string::npos)
      << "a Cancel from the page ends the linger";
}

TEST(CliServe, TheFinalReportIsServedDuringTheLingerAndAnInterruptEndsIt) {
  temp_dir dir;
  const std::string A = poisson(dir, 40);
  // Sequential SOR: converges whatever the load (async on a loaded machine may use up its sweeps).
  background_cli cli({"solve", A, "--method", "sor", "--threads", "1", "--serve", "127.0.0.1:0",
                      "--serve-linger", "120", "--no-progress"});
  ASSERT_TRUE(cli.started());
  ASSERT_FALSE(cli.wait_for_url().empty()) << cli.err();
  const auto final = wait_for_event(cli.port, cli.token,
                                    [](const nlohmann::json& m) { return m["finished"] == true; });
  ASSERT_TRUE(final.has_value()) << cli.err();
  EXPECT_EQ((*final)["status"], "converged");
  EXPECT_LE((*final)["report"]["relative_residual"].get<double>(), 1e-8);
  const auto r = http_exchange(cli.port, request("POST", "/cancel?token=" + cli.token));
  EXPECT_EQ(r.status, 409);
  EXPECT_FALSE(cli.exited()) << "still lingering";
  EXPECT_NE(cli.err().find("asor: monitor: serving the final report for 120 s more (Ctrl-C to "
                           "stop now)"),
            std::string::npos)
      << cli.err();
  cli.signal(SIGINT);
  const auto code = cli.wait(30s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << "converged";
  EXPECT_NE(cli.out().find("status     converged"), std::string::npos);
}

TEST(CliServe, ComparePageCancelStopsTheComparison) {
  temp_dir dir;
  const std::string A = poisson(dir, 300);
  background_cli cli({"compare", A, "--methods", "async,sor", "--threads", "2", "--repeat", "3",
                      "--tol", "1e-15", "--max-sweeps", "100000000", "--time-limit", "200",
                      "--reference", "none", "--serve", "127.0.0.1:0", "--no-progress"});
  ASSERT_TRUE(cli.started());
  ASSERT_FALSE(cli.wait_for_url().empty()) << cli.err();
  const auto running = wait_for_event(
      cli.port, cli.token, [](const nlohmann::json& m) { return m["status"] == "running"; });
  ASSERT_TRUE(running.has_value()) << cli.err();
  EXPECT_NE((*running)["label"].get<std::string>().find("[1/"), std::string::npos);
  EXPECT_EQ(http_exchange(cli.port, request("POST", "/cancel?token=" + cli.token)).status, 200);
  const auto code = cli.wait(60s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 3);
  EXPECT_NE(cli.out().find("cancelled x1"), std::string::npos) << cli.out();
}

TEST(CliServe, NonLoopbackAddressIsWarnedAbout) {
  temp_dir dir;
  const std::string A = poisson(dir, 20);
  const cli_result r =
      run_cli({"solve", A, "--method", "sor", "--serve", "0.0.0.0:0", "--serve-linger", "0",
               "--no-progress"});  // sequential: the test is about the warning, not about async
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("asor: warning: --serve 0.0.0.0:0 is not a loopback address: anyone who "
                       "can reach this machine on port "),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(std::regex_search(
      r.err, std::regex(R"(asor: monitor page: http://127\.0\.0\.1:\d+/\?token=[0-9a-f]{32}\n)")));
}

TEST(CliServe, BadAddressesAreUsageErrors) {
  const std::string A = data_file("gr_30_30.mtx");
  const auto expect = [&](const std::vector<std::string>& extra, const std::string& message) {
    std::vector<std::string> args{"solve", A};
    args.insert(args.end(), extra.begin(), extra.end());
    const cli_result r = run_cli(args);
    EXPECT_EQ(r.exit_code, 2) << message;
    EXPECT_EQ(r.err, "asor: error: " + message + "\n");
    EXPECT_EQ(r.out, "");
  };
  expect({"--serve", "abc"}, "--serve: 'abc' is not a port number (0 to 65535)");
  expect({"--serve", "1.2.3:80"},
         "--serve: '1.2.3' is not an IP address (give an IPv4 or IPv6 address, or localhost)");
  expect({"--serve", "8080", "--serve-linger", "-1"},
         "--serve-linger: must be a number of seconds >= 0");
  // A port in use: taken by a monitor of another tool run.
  temp_dir dir;
  background_cli holder({"solve", poisson(dir, 300), "--tol", "1e-15", "--time-limit", "200",
                         "--serve", "127.0.0.1:0", "--no-progress"});
  ASSERT_FALSE(holder.wait_for_url().empty());
  const std::string port = std::to_string(holder.port);
  expect({"--serve", "127.0.0.1:" + port},
         "--serve: cannot listen on 127.0.0.1:" + port + ": Address already in use");
  holder.signal(SIGINT);
  EXPECT_EQ(holder.wait(60s), std::optional<int>(3));
}

}  // namespace
}  // namespace asor::cli_test
