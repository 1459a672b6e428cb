/// \file common.cpp
/// \brief Helpers shared by the subcommands (see common.hpp).

#include "cli/common.hpp"

#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "asor/io/errors.hpp"
#include "asor/io/matrix_market.hpp"
#include "asor/io/triplet.hpp"
#include "asor/logging.hpp"
#include "asor/validate.hpp"

namespace asor::cli {

namespace {

volatile std::sig_atomic_t interrupt_flag = 0;

extern "C" void on_interrupt(int /*signal*/) { interrupt_flag = 1; }

/// \throws input_error when \p path does not name a readable regular file.
void require_file(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) throw input_error(path, 0, "no such file");
  if (std::filesystem::is_directory(status)) throw input_error(path, 0, "is a directory");
}

bool use_matrix_market(const std::string& path, file_format format) {
  if (format == file_format::matrix_market) return true;
  if (format == file_format::triplet) return false;
  return has_extension(path, ".mtx");
}

}  // namespace

file_format parse_format(const std::string& name) {
  if (name == "mm") return file_format::matrix_market;
  if (name == "triplet") return file_format::triplet;
  if (name == "auto" || name.empty()) return file_format::by_extension;
  throw usage_error("--format: unknown format '" + name + "' (expected auto, mm or triplet)");
}

std::shared_ptr<spdlog::logger> log() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    auto l = spdlog::stderr_color_mt("asor-cli");
    l->set_pattern("[%H:%M:%S.%e] [%n] [%^%l%$] %v");
    return l;
  }();
  return logger;
}

void setup_logging(const std::string& level, bool quiet) {
  auto cli_logger = log();
  auto lib_logger = asor::logger();
  const auto fallback = quiet ? spdlog::level::err : spdlog::level::warn;
  cli_logger->set_level(fallback);
  lib_logger->set_level(fallback);
  // SPDLOG_LEVEL ("info" or "asor=debug,asor-cli=info"), applied to registered loggers.
  if (const char* env = std::getenv("SPDLOG_LEVEL"); env != nullptr && *env != '\0') {
    spdlog::cfg::load_env_levels();  // both loggers are in spdlog's registry
  }
  if (!level.empty()) {
    const auto l = spdlog::level::from_str(level);
    if (l == spdlog::level::off && level != "off") {
      throw usage_error("--log-level: unknown level '" + level +
                        "' (expected trace, debug, info, warn, error, critical or off)");
    }
    cli_logger->set_level(l);
    asor::set_log_level(l);
  }
}

sparse_matrix load_matrix(const std::string& path, file_format format) {
  require_file(path);
  sparse_matrix A =
      use_matrix_market(path, format) ? io::read_matrix_market(path) : io::read_triplet(path);
  A.makeCompressed();
  return A;
}

vector load_vector(const std::string& path, file_format format) {
  require_file(path);
  return use_matrix_market(path, format) ? io::read_matrix_market_vector(path)
                                         : io::read_plain_vector(path);
}

loaded_system load_system(const std::string& matrix_path, const std::string& rhs_path,
                          file_format format) {
  loaded_system s;
  s.matrix_path = matrix_path;
  s.rhs_path = rhs_path;
  s.A = load_matrix(matrix_path, format);
  try {
    validate_matrix(s.A);
  } catch (const input_error& e) {
    throw e.in_file(matrix_path);
  }
  if (rhs_path.empty()) {
    s.b = s.A * vector::Ones(s.A.cols());
    s.b_generated = true;
  } else {
    s.b = load_vector(rhs_path, format);
    try {
      validate_rhs(s.A, s.b);
    } catch (const input_error& e) {
      throw e.in_file(rhs_path);
    }
  }
  log()->info("read {}: n={} nnz={}{}", matrix_path, s.A.rows(), s.A.nonZeros(),
              s.b_generated ? ", b = A * ones" : ", b from " + rhs_path);
  return s;
}

void add_solver_flags(CLI::App& app, solver_flags& flags) {
  app.add_option("--direction", flags.direction, "Sweep order of SOR")
      ->check(CLI::IsMember({"forward", "backward", "symmetric"}))
      ->capture_default_str();
  app.add_option("--omega", flags.omega,
                 "Relaxation factor in (0, 2), or 'auto' to estimate it (Jacobi: the weight)")
      ->capture_default_str();
  app.add_option("--blocks", flags.blocks,
                 "Row blocks (0 = one per thread for synchronous methods, 4 per thread for async)")
      ->capture_default_str();
  app.add_option("--tol", flags.tolerance, "Tolerance on the true relative residual ||b-Ax||/||b||")
      ->capture_default_str();
  app.add_option("--max-sweeps", flags.max_sweeps, "Sweep budget (on the slowest block)")
      ->capture_default_str();
  app.add_option("--time-limit", flags.time_limit, "Time budget of one solve in seconds");
  app.add_option("--local-sweeps", flags.local_sweeps,
                 "Sweeps over a block between publications (async, block-jacobi)")
      ->capture_default_str();
  app.add_option("--pipeline-sweeps", flags.pipeline_sweeps,
                 "SOR sweeps per pass over the rows, pipelined (sor, block-jacobi local sweeps, "
                 "async): 1 .. 8, or auto (from the bandwidth and the cache size); the iterate is "
                 "the same for every value")
      ->capture_default_str();
  app.add_flag("--l1", flags.l1, "Use the l1 diagonal (async, block-jacobi)");
  app.add_option("--ordering", flags.ordering,
                 "Row order: natural, rcm (reverse Cuthill-McKee) or auto (rcm for async and "
                 "block-jacobi on 2+ threads when it halves the bandwidth)")
      ->check(CLI::IsMember({"natural", "rcm", "auto"}))
      ->capture_default_str();
  app.add_option("--fallback", flags.fallback, "What to do when a solve diverges")
      ->check(CLI::IsMember({"none", "omega-one", "l1"}))
      ->capture_default_str();
}

std::optional<double> parse_omega(const std::string& text) {
  if (text == "auto") return std::nullopt;
  double w = 0;
  std::size_t used = 0;
  try {
    w = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size()) {
    throw usage_error("--omega: '" + text +
                      "' is not a number (expected a value in (0, 2) or auto)");
  }
  if (!(w > 0.0 && w < 2.0)) {
    throw usage_error("--omega: " + text +
                      " is outside (0, 2); SOR converges only for 0 < omega < 2");
  }
  return w;
}

int parse_pipeline_sweeps(const std::string& text) {
  if (text == "auto") return 0;
  int t = 0;
  std::size_t used = 0;
  try {
    t = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || t < 1 || t > max_pipeline_sweeps) {
    throw usage_error("--pipeline-sweeps: '" + text + "' is not auto or a whole number from 1 to " +
                      std::to_string(max_pipeline_sweeps));
  }
  return t;
}

std::optional<reference_solver> parse_reference(const std::string& name) {
  if (name == "none" || name.empty()) return std::nullopt;
  const auto s = reference_solver_from_string(name);
  if (!s) {
    throw usage_error("--reference: unknown solver '" + name +
                      "' (expected ldlt, cholmod, strumpack or none)");
  }
  if (!reference_available(*s)) {
    throw usage_error("--reference: " + name + " is not available in this build of asor");
  }
  return s;
}

solver_options to_options(const solver_flags& flags) {
  solver_options o;
  const auto m = method_from_string(flags.method);
  if (!m) throw usage_error("--method: unknown method '" + flags.method + "'");
  o.method = *m;
  if (flags.direction == "backward") {
    o.direction = sweep_direction::backward;
  } else if (flags.direction == "symmetric") {
    o.direction = sweep_direction::symmetric;
  } else {
    o.direction = sweep_direction::forward;
  }
  if (o.method == method::ssor) o.direction = sweep_direction::symmetric;
  o.omega = parse_omega(flags.omega);
  if (flags.threads < 0) throw usage_error("--threads: must be positive");
  o.threads = flags.threads;
  if (flags.blocks < 0) throw usage_error("--blocks: must be positive (or 0 for the default)");
  o.blocks = flags.blocks;
  if (flags.local_sweeps < 1) throw usage_error("--local-sweeps: must be at least 1");
  o.local_sweeps = flags.local_sweeps;
  o.pipeline_sweeps = parse_pipeline_sweeps(flags.pipeline_sweeps);
  o.l1 = flags.l1;
  o.ordering = ordering_from_string(flags.ordering).value_or(ordering::automatic);
  if (flags.fallback == "omega-one") {
    o.fallback = fallback_policy::omega_one;
  } else if (flags.fallback == "l1") {
    o.fallback = fallback_policy::l1;
  } else {
    o.fallback = fallback_policy::none;
  }
  if (!(flags.tolerance > 0.0) || !std::isfinite(flags.tolerance)) {
    throw usage_error("--tol: must be a positive number");
  }
  o.stop.tolerance = flags.tolerance;
  if (flags.max_sweeps < 1) throw usage_error("--max-sweeps: must be at least 1");
  o.stop.max_sweeps = flags.max_sweeps;
  if (!(flags.time_limit > 0.0)) throw usage_error("--time-limit: must be positive (seconds)");
  o.stop.time_limit_seconds = flags.time_limit;
  return o;
}

std::string base_name(const std::string& path) {
  const auto name = std::filesystem::path(path).filename().string();
  return name.empty() ? path : name;
}

std::string sci(double v, int digits) {
  if (std::isnan(v)) return "n/a";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*e", digits, v);
  return buf;
}

std::string duration(double seconds) {
  if (std::isnan(seconds)) return "n/a";
  char buf[64];
  const double a = std::fabs(seconds);
  if (a < 1e-3) {
    std::snprintf(buf, sizeof buf, "%.0f us", seconds * 1e6);
  } else if (a < 1e-1) {
    std::snprintf(buf, sizeof buf, "%.4f s", seconds);
  } else if (a < 100) {
    std::snprintf(buf, sizeof buf, "%.3f s", seconds);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f s", seconds);
  }
  return buf;
}

bool has_extension(const std::string& path, const std::string& ext) {
  std::string e = std::filesystem::path(path).extension().string();
  std::transform(e.begin(), e.end(), e.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return e == ext;
}

std::unique_ptr<std::FILE, int (*)(std::FILE*)> open_output(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    throw output_error(path + ": cannot write: " + std::strerror(errno));
  }
  return {f, &std::fclose};
}

void write_vector(const std::string& path, const vector& x, file_format format) {
  // Probe the path first so that an unwritable one gets a clear message.
  { auto probe = open_output(path); }
  try {
    if (use_matrix_market(path, format)) {
      io::write_matrix_market_vector(path, x);
    } else {
      io::write_plain_vector(path, x);
    }
  } catch (const std::exception& e) {
    throw output_error(path + ": cannot write: " + e.what());
  }
}

void install_interrupt_handler() {
  struct sigaction sa {};
  sa.sa_handler = &on_interrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = static_cast<int>(SA_RESETHAND);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool interrupted() noexcept { return interrupt_flag != 0; }

void add_progress_flags(CLI::App& app, bool& on, bool& off) {
  auto* on_flag = app.add_flag("--progress", on,
                               "Show the live progress line even when stderr is not a terminal");
  auto* off_flag = app.add_flag("--no-progress", off, "Never show the progress line");
  on_flag->excludes(off_flag);
}

void add_reference_option(CLI::App& app, std::string& reference, const std::string& what) {
  app.add_option("--reference", reference, what)
      ->check(CLI::IsMember({"ldlt", "cholmod", "strumpack", "none"}))
      ->capture_default_str();
}

}  // namespace asor::cli
