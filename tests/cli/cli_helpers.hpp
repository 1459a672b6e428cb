#pragma once
/// \file cli_helpers.hpp
/// \brief Running the `asor` binary from tests: captured stdout, stderr, exit status or signal,
/// resource limits (`ulimit -v`, `ulimit -f`), a closed or full stdout, a pipe on stdin, a
/// timeout guard, temporary directories, and independent readers of Matrix Market and plain
/// vector files (the tests check the tool's numbers without asor's own reader).

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zlib.h>

#include <Eigen/SparseCore>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
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
  int exit_code = -1;  ///< exit status; -1 when killed by a signal or not started
  int signal = 0;      ///< the signal that ended it, 0 when it exited
  std::string out;     ///< stdout (empty unless captured)
  std::string err;     ///< stderr
  bool timed_out = false;
  long max_rss_kb = 0;  ///< peak resident memory (getrusage), in KiB
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

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

/// \brief Environment changes for a run: a value sets the variable, nullopt removes it.
using env_changes = std::map<std::string, std::optional<std::string>>;

/// \brief Where the child's stdout goes.
enum class stdout_mode {
  capture,   ///< a file, returned in cli_result::out
  closed,    ///< closed (`>&-`)
  dev_full,  ///< /dev/full: every write fails with ENOSPC
};

/// \brief How to run the tool.
struct run_options {
  env_changes env;
  double timeout_seconds = 240;
  stdout_mode out = stdout_mode::capture;
  std::optional<rlim_t> address_space_bytes;  ///< RLIMIT_AS (`ulimit -v`)
  std::optional<rlim_t> file_size_bytes;      ///< RLIMIT_FSIZE (`ulimit -f`), SIGXFSZ ignored
  std::optional<std::string> stdin_data;      ///< written to a pipe on stdin (else /dev/null)
  /// called about every 5 ms while the child runs, with its pid and the path of its stderr
  std::function<void(pid_t, const std::string&)> while_running;
};

/// \brief Runs \p argv (argv[0] a path). OMP_NUM_THREADS defaults to 2 and SPDLOG_LEVEL is
/// removed unless \p o.env says otherwise. The run is killed after \p o.timeout_seconds (a hung
/// process fails its test instead of stalling the suite).
inline cli_result run_program(const std::vector<std::string>& args, run_options o = {}) {
  temp_dir io;
  const std::string out_path = io.file("stdout");
  const std::string err_path = io.file("stderr");
  if (!o.env.count("OMP_NUM_THREADS")) o.env["OMP_NUM_THREADS"] = "2";
  if (!o.env.count("SPDLOG_LEVEL")) o.env["SPDLOG_LEVEL"] = std::nullopt;

  // Everything the child needs is prepared before fork: after it, only system calls.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const std::string name = entry.substr(0, entry.find('='));
    if (!o.env.count(name)) env_strings.push_back(entry);
  }
  for (const auto& [name, value] : o.env) {
    if (value) env_strings.push_back(name + "=" + *value);
  }
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_strings = args;
  std::vector<char*> argv;
  argv.reserve(argv_strings.size() + 1);
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);

  int in_pipe[2] = {-1, -1};
  if (o.stdin_data && pipe2(in_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  const int out_fd = o.out == stdout_mode::capture
                         ? open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)
                     : o.out == stdout_mode::dev_full ? open("/dev/full", O_WRONLY | O_CLOEXEC)
                                                      : -1;
  const int err_fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

  cli_result r;
  const pid_t pid = fork();
  if (pid < 0) {
    r.err = "fork failed";
    return r;
  }
  if (pid == 0) {
    dup2(o.stdin_data ? in_pipe[0] : null_fd, STDIN_FILENO);
    if (out_fd >= 0) {
      dup2(out_fd, STDOUT_FILENO);
    } else {
      close(STDOUT_FILENO);
    }
    dup2(err_fd, STDERR_FILENO);
    signal(SIGPIPE, SIG_DFL);
    if (o.address_space_bytes) {
      const rlimit l{*o.address_space_bytes, *o.address_space_bytes};
      setrlimit(RLIMIT_AS, &l);
    }
    if (o.file_size_bytes) {
      signal(SIGXFSZ, SIG_IGN);  // a write beyond the limit fails with EFBIG instead
      const rlimit l{*o.file_size_bytes, *o.file_size_bytes};
      setrlimit(RLIMIT_FSIZE, &l);
    }
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(err_fd);
  close(null_fd);
  if (out_fd >= 0) close(out_fd);
  std::thread writer;
  if (o.stdin_data) {
    close(in_pipe[0]);
    // The tool may stop reading early (an error): the writer then gets EPIPE, not SIGPIPE.
    signal(SIGPIPE, SIG_IGN);
    writer = std::thread([fd = in_pipe[1], &data = *o.stdin_data] {
      std::size_t done = 0;
      while (done < data.size()) {
        const ssize_t n = write(fd, data.data() + done, data.size() - done);
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
      }
      close(fd);
    });
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(o.timeout_seconds);
  int status = 0;
  rusage usage{};
  for (;;) {
    const pid_t w = wait4(pid, &status, WNOHANG, &usage);
    if (w == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      wait4(pid, &status, 0, &usage);
      r.timed_out = true;
      break;
    }
    if (o.while_running) o.while_running(pid, err_path);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (writer.joinable()) writer.join();
  if (!r.timed_out && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (!r.timed_out && WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  r.max_rss_kb = usage.ru_maxrss;
  if (o.out == stdout_mode::capture) r.out = slurp(out_path);
  r.err = slurp(err_path);
  return r;
}

/// \brief Runs the tool with \p args (see run_program).
inline cli_result run_cli(const std::vector<std::string>& args, run_options o) {
  std::vector<std::string> argv{ASOR_CLI_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv, std::move(o));
}

/// \brief Runs the tool with \p args, environment changes and a timeout (see run_program).
inline cli_result run_cli(const std::vector<std::string>& args, env_changes env = {},
                          double timeout_seconds = 240) {
  run_options o;
  o.env = std::move(env);
  o.timeout_seconds = timeout_seconds;
  return run_cli(args, std::move(o));
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

/// \brief Independent reader of a vector written one value per line.
inline Eigen::VectorXd read_plain_values(const std::string& path) {
  std::ifstream in(path);
  std::vector<double> v;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::size_t used = 0;
    v.push_back(std::stod(line, &used));
    if (used != line.size()) {
      std::string message = path;
      message += ": not one value per line: ";
      message += line;
      throw std::runtime_error(message);
    }
  }
  return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
}

/// \brief Writes \p text to \p path gzip-compressed (zlib), as \p members gzip members one after
/// the other (as `cat a.gz b.gz` makes).
inline void write_gzip(const std::string& path, const std::string& text, int members = 1) {
  std::ofstream out(path, std::ios::binary);
  const std::size_t part =
      (text.size() + static_cast<std::size_t>(members) - 1) / static_cast<std::size_t>(members);
  for (std::size_t begin = 0; begin < text.size(); begin += part) {
    const std::string piece = text.substr(begin, part);
    z_stream z{};
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      throw std::runtime_error("deflateInit2 failed");
    }
    std::vector<unsigned char> buf(deflateBound(&z, piece.size()) + 64);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(piece.data()));
    z.avail_in = static_cast<uInt>(piece.size());
    z.next_out = buf.data();
    z.avail_out = static_cast<uInt>(buf.size());
    if (deflate(&z, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate failed");
    out.write(reinterpret_cast<const char*>(buf.data()),
              static_cast<std::streamsize>(buf.size() - z.avail_out));
    deflateEnd(&z);
  }
  if (!out) throw std::runtime_error("cannot write " + path);
}

/// \brief The text of a gzip file (zlib, all members).
inline std::string read_gzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) throw std::runtime_error("cannot open " + path);
  std::string text;
  std::vector<char> buf(1 << 16);
  int n = 0;
  while ((n = gzread(f, buf.data(), static_cast<unsigned>(buf.size()))) > 0) {
    text.append(buf.data(), static_cast<std::size_t>(n));
  }
  gzclose(f);
  if (n < 0) throw std::runtime_error(path + ": bad gzip data");
  return text;
}

/// \returns the names of the files in \p dir, sorted.
inline std::vector<std::string> files_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

/// \returns how many times \p needle occurs in \p text.
inline int occurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (std::size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) {
    ++n;
  }
  return n;
}

}  // namespace asor::cli_test
