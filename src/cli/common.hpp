#pragma once
/// \file common.hpp
/// \brief What the subcommands of the `asor` tool share: exit codes, error types, logging,
/// loading a system from files, the solver flags, and number formatting.

#include <spdlog/fwd.h>
#include <CLI/CLI.hpp>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "asor/matrix.hpp"
#include "asor/options.hpp"
#include "asor/reference.hpp"

namespace asor::cli {

/// \brief The exit codes of the tool (documented in docs/cli.md).
enum exit_code : int {
  exit_ok = 0,             ///< converged (solve, compare) or done (generate, info)
  exit_internal = 1,       ///< an internal error (a bug): "asor: internal error: ..."
  exit_usage = 2,          ///< usage error, bad input file, or an output that cannot be written
  exit_not_converged = 3,  ///< the solve stopped without converging
};

/// \brief A flag with a value outside its domain; what() names the flag.
class usage_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// \brief An output (--x-out, --json, --history, --plot, -o) that could not be produced;
/// what() names the file.
class output_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// \brief How input files are read.
enum class file_format {
  by_extension,   ///< `.mtx` is Matrix Market, anything else triplet / plain vector
  matrix_market,  ///< `--format mm`
  triplet,        ///< `--format triplet`: `row col value` (0-based) / one value per line
};

/// \returns the format named by `--format` ("auto", "mm" or "triplet").
file_format parse_format(const std::string& name);

/// \returns the logger of the tool itself ("asor-cli", stderr).
std::shared_ptr<spdlog::logger> log();

/// \brief Configures the tool's logger and asor's: SPDLOG_LEVEL first, then \p level when not
/// empty; the default is "warn", or "error" when \p quiet.
/// \throws usage_error when \p level is not a spdlog level name.
void setup_logging(const std::string& level, bool quiet);

/// \brief Reads a matrix; a missing file is an input_error naming it.
sparse_matrix load_matrix(const std::string& path, file_format format);
/// \brief Reads a vector; a missing file is an input_error naming it.
vector load_vector(const std::string& path, file_format format);

/// \brief A linear system read from files, validated.
struct loaded_system {
  std::string matrix_path;
  std::string rhs_path;  ///< empty when b was generated
  sparse_matrix A;
  vector b;
  bool b_generated = false;  ///< b = A * ones (the exact solution is ones)
};

/// \brief Reads A (and b, or makes b = A * ones), then validates both.
/// \throws input_error naming the file (and line, when the reader knows it).
loaded_system load_system(const std::string& matrix_path, const std::string& rhs_path,
                          file_format format);

/// \brief The solver flags shared by `solve` and `compare`, as typed by the user.
struct solver_flags {
  std::string method = "async";
  std::string direction = "forward";
  std::string omega = "1";
  std::string fallback = "none";
  std::string ordering = "auto";
  int threads = 0;  ///< 0 = asor::default_threads()
  int blocks = 0;
  int local_sweeps = 1;
  std::string pipeline_sweeps = "auto";  ///< SOR sweeps per pass: auto or 1 .. 8
  double tolerance = 1e-8;
  std::int64_t max_sweeps = 10000;
  double time_limit = std::numeric_limits<double>::infinity();
  bool l1 = false;
};

/// \brief Registers the flags of solver_flags on \p app (without --method and --threads, whose
/// form differs between the subcommands).
void add_solver_flags(CLI::App& app, solver_flags& flags);
/// \brief `--progress` / `--no-progress` (mutually exclusive), shared by solve and compare.
void add_progress_flags(CLI::App& app, bool& on, bool& off);
/// \brief `--reference ldlt|cholmod|strumpack|none`, described by \p what.
void add_reference_option(CLI::App& app, std::string& reference, const std::string& what);

/// \brief Builds solver options from the flags (method and threads included).
/// \throws usage_error naming the flag when a value is outside its domain (e.g. --omega 2.5).
solver_options to_options(const solver_flags& flags);

/// \brief Parses the value of `--pipeline-sweeps`: "auto" (0) or a whole number in
/// [1, max_pipeline_sweeps]. \throws usage_error naming --pipeline-sweeps.
int parse_pipeline_sweeps(const std::string& text);

/// \brief Parses the value of `--omega`: "auto" (nullopt) or a number in (0, 2).
/// \throws usage_error naming --omega.
std::optional<double> parse_omega(const std::string& text);

/// \brief Parses `--reference` ("none" gives nullopt).
/// \throws usage_error when the solver is unknown or not compiled into this build.
std::optional<reference_solver> parse_reference(const std::string& name);

/// \returns the last component of \p path ("dir/gr_30_30.mtx" -> "gr_30_30.mtx").
std::string base_name(const std::string& path);
/// \returns \p v in scientific notation with \p digits digits after the point ("8.1e-09").
std::string sci(double v, int digits = 1);
/// \returns \p seconds with a readable unit ("0.0123 s", "45 us", "2.1 ms").
std::string duration(double seconds);
/// \returns true when \p path has extension \p ext (case-insensitive, ext with the dot).
bool has_extension(const std::string& path, const std::string& ext);

/// \brief Writes \p x to \p path: Matrix Market array for `.mtx` (or --format mm), otherwise one
/// value per line. \throws output_error naming the file.
void write_vector(const std::string& path, const vector& x, file_format format);

/// \brief Opens \p path for writing. \throws output_error naming the file.
std::unique_ptr<std::FILE, int (*)(std::FILE*)> open_output(const std::string& path);

/// \brief Interrupt handling: the first SIGINT / SIGTERM sets a flag that solves poll (and
/// cancel on); a second one terminates the process as usual.
void install_interrupt_handler();
/// \returns whether an interrupt arrived.
bool interrupted() noexcept;

}  // namespace asor::cli
