/// \file plot.cpp
/// \brief Runs scripts/asor_plot.py (see plot.hpp).

#include "cli/plot.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/spdlog.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "cli/common.hpp"

extern char** environ;

namespace asor::cli {

namespace {

namespace fs = std::filesystem;

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

/// \brief Runs \p argv (searching PATH when \p search_path); output to /dev/null when \p silent.
/// \returns the exit status, or -1 when the program could not be started.
int spawn(const std::vector<std::string>& argv, bool search_path, bool silent) {
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (silent) {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  } else {
    // The script's messages belong to stderr: stdout carries results only.
    posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  }
  pid_t pid = 0;
  const int rc = search_path ? posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ)
                             : posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return -1;
}

/// \returns the first interpreter that imports matplotlib, or an empty string.
std::string find_python(std::vector<std::string>& tried) {
  std::vector<std::pair<std::string, bool>> candidates;  // (program, search PATH)
  if (const char* env = std::getenv("ASOR_PYTHON"); env != nullptr && *env != '\0') {
    candidates.emplace_back(env, true);
  }
  candidates.emplace_back("/usr/bin/python3", false);
  candidates.emplace_back("python3", true);
  for (const auto& [program, search] : candidates) {
    tried.push_back(program);
    if (spawn({program, "-c", "import matplotlib"}, search, true) == 0) return program;
  }
  return {};
}

std::string find_plot_script() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("ASOR_PLOT_SCRIPT"); env != nullptr && *env != '\0') {
    candidates.emplace_back(env);
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec)
    candidates.push_back(exe.parent_path().parent_path() / "share" / "asor" / "asor_plot.py");
  candidates.emplace_back(ASOR_PLOT_SCRIPT_INSTALL);
  candidates.emplace_back(ASOR_PLOT_SCRIPT_BUILD);
  for (const auto& c : candidates) {
    if (is_file(c)) return c.string();
  }
  throw output_error("--plot: the plotting script asor_plot.py was not found (looked in " +
                     std::string(ASOR_PLOT_SCRIPT_INSTALL) + " and " + ASOR_PLOT_SCRIPT_BUILD +
                     "; set ASOR_PLOT_SCRIPT)");
}

/// A file in $TMPDIR holding \p text, removed on destruction.
class temp_text {
 public:
  explicit temp_text(const std::string& text) {
    const char* dir = std::getenv("TMPDIR");
    const std::string templ =
        std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/asor-compare-XXXXXX.json";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    const int fd = ::mkostemps(buf.data(), 5, O_CLOEXEC);
    if (fd < 0) {
      throw output_error("--plot: cannot create a temporary file " + templ + ": " +
                         std::strerror(errno));
    }
    path_ = buf.data();
    std::size_t done = 0;
    while (done < text.size()) {
      const ::ssize_t n = ::write(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const int err = errno;
        ::close(fd);
        throw output_error("--plot: cannot write the temporary file " + path_ + ": " +
                           std::strerror(err));
      }
      done += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0) {
      throw output_error("--plot: cannot write the temporary file " + path_ + ": " +
                         std::strerror(errno));
    }
  }
  ~temp_text() { ::unlink(path_.c_str()); }
  temp_text(const temp_text&) = delete;
  temp_text& operator=(const temp_text&) = delete;
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

}  // namespace

plot_tool find_plot_tool() {
  plot_tool tool;
  tool.script = find_plot_script();
  std::vector<std::string> tried;
  tool.python = find_python(tried);
  if (tool.python.empty()) {
    std::string list;
    for (const auto& t : tried) list += (list.empty() ? "" : ", ") + t;
    throw output_error("--plot: python3 with matplotlib not found (tried " + list +
                       "); install it with: apt-get install python3-matplotlib");
  }
  return tool;
}

void check_plot_output(const output_file& out) {
  if (out.to_stdout()) return;
  for (const char* ext : {".png", ".pdf", ".svg"}) {
    if (out.has_extension(ext) && out.format_name() == out.path()) return;
  }
  throw usage_error("--plot: " + out.path() +
                    ": the picture format comes from the extension: .png, .pdf or .svg");
}

void draw_plot(const plot_tool& tool, const std::string& report_json, const output_file& out) {
  const temp_text report(report_json);
  log()->info("plotting with {} {}", tool.python, tool.script);
  out.produce([&](const std::string& path) {
    const int rc = spawn({tool.python, tool.script, report.path(), path}, true, false);
    if (rc != 0) {
      throw output_error(out.name() + ": cannot write: " + tool.script + " failed (exit status " +
                         std::to_string(rc) + ")");
    }
  });
}

}  // namespace asor::cli
