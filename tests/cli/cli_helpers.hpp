#pragma once
/// \file cli_helpers.hpp
/// \brief Running the `asor` binary from tests: captured stdout, stderr and exit status, a
/// timeout guard, temporary directories, and an independent Matrix Market reader (the tests
/// check the tool's numbers without asor's own reader).

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <Eigen/SparseCore>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace asor::cli_test {

namespace fs = std::filesystem;

/// \brief What one run of the tool produced.
struct cli_result {
  int exit_code = -1;  ///< exit status; -1 when killed or not started
  std::string out;     ///< stdout
  std::string err;     ///< stderr
  bool timed_out = false;
};

/// \brief A fresh directory removed at the end of the test.
class temp_dir {
 public:
  temp_dir() {
    std::string templ = (fs::temp_directory_path() / "asor-cli-test-XXXXXX").string();
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = buf.data();
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// \brief Environment changes for a run: a value sets the variable, nullopt removes it.
using env_changes = std::map<std::string, std::optional<std::string>>;

/// \brief Runs the tool with \p args. OMP_NUM_THREADS defaults to 2 and SPDLOG_LEVEL is removed
/// unless \p env says otherwise. The run is killed after \p timeout_seconds (a hung tool fails
/// its test instead of stalling the suite).
inline cli_result run_cli(const std::vector<std::string>& args, env_changes env = {},
                          double timeout_seconds = 240) {
  temp_dir io;
  const std::string out_path = io.file("stdout");
  const std::string err_path = io.file("stderr");
  if (!env.count("OMP_NUM_THREADS")) env["OMP_NUM_THREADS"] = "2";
  if (!env.count("SPDLOG_LEVEL")) env["SPDLOG_LEVEL"] = std::nullopt;

  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const std::string name = entry.substr(0, entry.find('='));
    if (!env.count(name)) env_strings.push_back(entry);
  }
  for (const auto& [name, value] : env) {
    if (value) env_strings.push_back(name + "=" + *value);
  }
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
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  cli_result r;
  if (rc != 0) {
    r.err = "posix_spawn failed";
    return r;
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
  int status = 0;
  for (;;) {
    const pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      r.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!r.timed_out && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  return r;
}

/// \returns the path of a file under tests/data.
inline std::string data_file(const std::string& name) {
  return std::string(ASOR_TEST_DATA_DIR) + "/" + name;
}

/// \returns the number of lines of \p text (a final line without '\n' counts).
inline int count_lines(const std::string& text) {
  int n = 0;
  for (const char c : text) n += c == '\n' ? 1 : 0;
  if (!text.empty() && text.back() != '\n') ++n;
  return n;
}

/// \brief Independent Matrix Market reader (coordinate real/integer/pattern, general/symmetric):
/// deliberately not asor's, so that the tests check the tool against a second implementation.
inline Eigen::SparseMatrix<double> read_mm_matrix(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  const bool symmetric = line.find("symmetric") != std::string::npos;
  const bool pattern = line.find("pattern") != std::string::npos;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '%') break;
  }
  long rows = 0;
  long cols = 0;
  long entries = 0;
  std::istringstream(line) >> rows >> cols >> entries;
  std::vector<Eigen::Triplet<double>> t;
  for (long k = 0; k < entries && std::getline(in, line); ++k) {
    std::istringstream s(line);
    long i = 0;
    long j = 0;
    double v = 1.0;
    s >> i >> j;
    if (!pattern) s >> v;
    t.emplace_back(static_cast<int>(i - 1), static_cast<int>(j - 1), v);
    if (symmetric && i != j) t.emplace_back(static_cast<int>(j - 1), static_cast<int>(i - 1), v);
  }
  Eigen::SparseMatrix<double> A(rows, cols);
  A.setFromTriplets(t.begin(), t.end());
  return A;
}

/// \brief Independent reader of a Matrix Market `array` vector.
inline Eigen::VectorXd read_mm_array(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  if (line.find("array") == std::string::npos) throw std::runtime_error(path + ": not an array");
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '%') break;
  }
  long rows = 0;
  long cols = 0;
  std::istringstream(line) >> rows >> cols;
  Eigen::VectorXd x(rows);
  for (long i = 0; i < rows; ++i) in >> x[i];
  if (!in) throw std::runtime_error(path + ": truncated");
  return x;
}

}  // namespace asor::cli_test
