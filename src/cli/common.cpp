/// \file common.cpp
/// \brief Helpers shared by the subcommands (see common.hpp).

#include "cli/common.hpp"

#include <omp.h>
#include <sys/resource.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <algorithm>
#include <atomic>
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

/// Set by the first interrupt. An atomic test-and-set, not a flag read then written: the two
/// signals of a process may be handled at once on two threads (the mask of the handler blocks
/// the other signal on its own thread only), and both saw "not yet" (seen under ThreadSanitizer:
/// SIGINT and SIGTERM back to back made one cancel and no end). atomic_flag is lock-free, so
/// async-signal-safe.
std::atomic_flag interrupt_flag = ATOMIC_FLAG_INIT;

/// The first interrupt sets the flag; the next one, of either kind, restores the default action
/// and raises itself again: delivered when this handler returns, it ends the process. Only
/// async-signal-safe calls (sigaction, raise).
extern "C" void on_interrupt(int signal) {
  if (interrupt_flag.test_and_set()) {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(signal, &dfl, nullptr);
    raise(signal);
  }
}

/// \throws input_error when \p path does not name a readable regular file.
void require_file(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) throw input_error(path, 0, "no such file");
  if (std::filesystem::is_directory(status)) throw input_error(path, 0, "is a directory");
}

std::string system_summary;  // NOLINT: set once per command, on the main thread

}  // namespace

void add_input_flags(CLI::App& app, input_flags& flags) {
  app.add_option("--format", flags.format,
                 "Input format: auto (Matrix Market when the file begins with its banner or is "
                 "named .mtx, else triplet), mm or triplet")
      ->check(CLI::IsMember({"auto", "mm", "triplet"}))
      ->capture_default_str();
  app.add_flag("--one-based", flags.one_based,
               "Triplet indices start at 1 (as in Matrix Market), not 0");
  app.add_flag("--symmetric", flags.symmetric,
               "The triplet matrix file holds one triangle of a symmetric matrix: mirror it");
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

sparse_matrix load_matrix(const std::string& path, const input_flags& flags, io::format* format) {
  require_file(path);
  const io::triplet_options options{flags.one_based, flags.symmetric};
  sparse_matrix A;
  io::format found = io::format::triplet;
  try {
    if (flags.format == "mm") {
      found = io::format::matrix_market;
      A = io::read_matrix_market(path);
    } else if (flags.format == "triplet") {
      A = io::read_triplet(path, options);
    } else {
      A = io::read_matrix(path, options, &found);
    }
  } catch (const io::suspected_one_based& e) {
    throw input_error(e.file(), e.line(),
                      e.problem() + "; pass --one-based to read them as 1-based");
  }
  if (found == io::format::matrix_market && (flags.one_based || flags.symmetric)) {
    log()->warn(
        "{} is a Matrix Market file: {} applies to triplet files only (its banner says "
        "whether it is symmetric; its indices are 1-based)",
        path,
        flags.one_based && flags.symmetric ? "--one-based and --symmetric"
        : flags.one_based                  ? "--one-based"
                                           : "--symmetric");
  }
  if (format != nullptr) *format = found;
  A.makeCompressed();
  return A;
}

vector load_vector(const std::string& path, const input_flags& flags) {
  require_file(path);
  if (flags.format == "mm") return io::read_matrix_market_vector(path);
  if (flags.format == "triplet") return io::read_plain_vector(path);
  return io::read_vector(path);
}

namespace {

/// \returns whether every off-diagonal entry of \p A lies in one triangle (and there is one).
bool one_triangle(const sparse_matrix& A) {
  bool lower = false;
  bool upper = false;
  for (Eigen::Index i = 0; i < A.outerSize(); ++i) {
    for (sparse_matrix::InnerIterator it(A, i); it; ++it) {
      lower = lower || it.col() < it.row();
      upper = upper || it.col() > it.row();
    }
  }
  return lower != upper;
}

/// The asymmetry error with how to read a file that holds one triangle.
input_error asymmetric(const input_error& e, const std::string& path, const sparse_matrix& A,
                       io::format format, const input_flags& flags) {
  const bool triplet = format == io::format::triplet;
  std::string hint;
  if (triplet && !flags.symmetric) {
    hint = one_triangle(A) ? "; the file holds one triangle: pass --symmetric to mirror it"
                           : "; if the file holds one triangle, pass --symmetric to mirror it";
  } else if (!triplet && one_triangle(A)) {
    hint = "; the file holds one triangle: its banner must say 'symmetric', not 'general'";
  }
  return input_error(path, e.line(), e.problem() + hint);
}

}  // namespace

loaded_system load_system(const std::string& matrix_path, const std::string& rhs_path,
                          const input_flags& flags) {
  loaded_system s;
  s.matrix_path = matrix_path;
  s.rhs_path = rhs_path;
  io::format format = io::format::triplet;
  s.A = load_matrix(matrix_path, flags, &format);
  try {
    validate_matrix(s.A);
  } catch (const input_error& e) {
    if (e.problem().rfind("matrix is not symmetric", 0) == 0) {
      throw asymmetric(e, matrix_path, s.A, format, flags);
    }
    throw e.in_file(matrix_path);
  }
  if (rhs_path.empty()) {
    s.b = s.A * vector::Ones(s.A.cols());
    s.b_generated = true;
  } else {
    s.b = load_vector(rhs_path, flags);
    try {
      validate_rhs(s.A, s.b);
    } catch (const input_error& e) {
      throw e.in_file(rhs_path);
    }
  }
  system_summary = matrix_path + " (n = " + std::to_string(s.A.rows()) +
                   ", nnz = " + std::to_string(s.A.nonZeros()) + ")";
  log()->info("read {}: n={} nnz={}{}", matrix_path, s.A.rows(), s.A.nonZeros(),
              s.b_generated ? ", b = A * ones" : ", b from " + rhs_path);
  return s;
}

const std::string& system_in_memory() noexcept { return system_summary; }

void add_solver_flags(CLI::App& app, solver_flags& flags) {
  app.add_option("--direction", flags.direction, "Sweep order of SOR")
      ->check(CLI::IsMember({"forward", "backward", "symmetric"}))
      ->capture_default_str();
  app.add_option("--omega", flags.omega,
                 "Relaxation factor in (0, 2), kept as given, or 'auto': estimated for the method "
                 "(Jacobi: the weight; see asor info)")
      ->capture_default_str();
  app.add_option("--blocks", flags.blocks,
                 "Row blocks (0 = one per thread for synchronous methods, 4 per thread for "
                 "async; under mpirun, per rank, one per thread)")
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
                 "async): 1 .. 8, or auto (from the bandwidth and the cache size); with a fixed "
                 "omega the iterate is the same for every value")
      ->capture_default_str();
  app.add_flag("--l1", flags.l1,
               "Use the l1 diagonal at every block boundary (async, block-jacobi)");
  app.add_option("--halo-diagonal", flags.halo_diagonal,
                 "Under mpirun, the diagonal of the rows that read other ranks' values: l1 (adds "
                 "the absolute values of those entries: block-Jacobi across ranks converges for "
                 "every omega; implied by --l1) or plain")
      ->check(CLI::IsMember({"l1", "plain"}))
      ->capture_default_str();
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
  o.halo = flags.halo_diagonal == "plain" ? halo_diagonal::plain : halo_diagonal::l1;
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

time_unit unit_for(double largest_seconds) noexcept {
  time_unit u;
  const double a = std::isfinite(largest_seconds) ? std::fabs(largest_seconds) : 0.0;
  if (a >= 1.0 || a == 0.0) {
    u = {"s", 1.0, 3};
  } else if (a >= 1e-3) {
    u = {"ms", 1e3, 3};
  } else {
    u = {"us", 1e6, 3};
  }
  const double shown = a * u.per_second;
  u.decimals = shown < 10 ? 3 : shown < 100 ? 2 : shown < 1000 ? 1 : 0;
  return u;
}

std::string in_unit(double seconds, const time_unit& unit, bool with_name) {
  if (std::isnan(seconds)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", unit.decimals, seconds * unit.per_second);
  return with_name ? std::string(buf) + " " + unit.name : std::string(buf);
}

int available_cores() noexcept {
  // libgomp counts the CPUs of the process's affinity mask when it starts, before OMP_PROC_BIND
  // binds this (the initial) thread to the first place: sched_getaffinity here would then see
  // one core.
  return std::max(1, omp_get_num_procs());
}

void warn_if_oversubscribed(int threads) {
  static bool warned = false;
  const int cores = available_cores();
  if (warned || threads <= cores) return;
  warned = true;
  const auto value = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(name) + (v != nullptr ? "=" + std::string(v) : " unset");
  };
  log()->warn(
      "{} threads on {} available core{}: threads will wait for one another and times will not "
      "mean much (the default thread count comes from {}, then {}, then the cores)",
      threads, cores, cores == 1 ? "" : "s", value("OMP_NUM_THREADS"),
      value("SLURM_CPUS_PER_TASK"));
}

struct interrupt_guard::saved {
  struct sigaction int_action {};
  struct sigaction term_action {};
};

interrupt_guard::interrupt_guard() : previous_(std::make_unique<saved>()) {
  struct sigaction sa {};
  sa.sa_handler = &on_interrupt;
  sigemptyset(&sa.sa_mask);
  // Both signals blocked while either handler runs on a thread; on two threads at once, the
  // flag's test-and-set still makes one of them the cancel and the other the end.
  sigaddset(&sa.sa_mask, SIGINT);
  sigaddset(&sa.sa_mask, SIGTERM);
  sigaction(SIGINT, &sa, &previous_->int_action);
  sigaction(SIGTERM, &sa, &previous_->term_action);
}

interrupt_guard::~interrupt_guard() {
  sigaction(SIGINT, &previous_->int_action, nullptr);
  sigaction(SIGTERM, &previous_->term_action, nullptr);
}

bool interrupted() noexcept { return interrupt_flag.test(); }

void share_malloc_arena_under_an_address_limit() noexcept {
#if defined(__GLIBC__)
  struct rlimit limit {};
  if (getrlimit(RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return;
  if (std::getenv("MALLOC_ARENA_MAX") != nullptr) return;
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::strstr(tunables, "glibc.malloc.arena_max") != nullptr) return;
  mallopt(M_ARENA_MAX, 1);
#endif
}

void add_progress_flags(CLI::App& app, bool& on, bool& off, bool& quiet,
                        const std::string& quiet_help) {
  auto* on_flag = app.add_flag("--progress", on,
                               "Show the live progress line even when stderr is not a terminal");
  auto* off_flag = app.add_flag("--no-progress", off, "Never show the progress line");
  auto* quiet_flag = app.add_flag("-q,--quiet", quiet, quiet_help);
  on_flag->excludes(off_flag);
  // --quiet means only errors on stderr: a progress line asked for too is a contradiction.
  quiet_flag->excludes(on_flag);
}

void add_reference_option(CLI::App& app, std::string& reference, const std::string& what) {
  app.add_option("--reference", reference, what)
      ->check(CLI::IsMember({"ldlt", "cholmod", "strumpack", "none"}))
      ->capture_default_str();
}

}  // namespace asor::cli
