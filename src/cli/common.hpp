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

#include "asor/io/triplet.hpp"
#include "asor/matrix.hpp"
#include "asor/options.hpp"
#include "asor/reference.hpp"
#include "report/text.hpp"

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

/// \brief How the input files are read: `--format`, `--one-based`, `--symmetric`.
struct input_flags {
  std::string format = "auto";  ///< auto (Matrix Market by banner or .mtx name), mm, triplet
  bool one_based = false;       ///< triplet indices start at 1
  bool symmetric = false;       ///< a triplet matrix file holds one triangle: mirror it
};

/// \brief Registers `--format`, `--one-based` and `--symmetric` on \p app.
void add_input_flags(CLI::App& app, input_flags& flags);

/// \returns the logger of the tool itself ("asor-cli", stderr).
std::shared_ptr<spdlog::logger> log();

/// \brief Configures the tool's logger and asor's: SPDLOG_LEVEL first, then \p level when not
/// empty; the default is "warn", or "error" when \p quiet.
/// \throws usage_error when \p level is not a spdlog level name.
void setup_logging(const std::string& level, bool quiet);

/// \brief Reads a matrix as \p flags say; a missing file is an input_error naming it. A 1-based
/// triplet file read 0-based is an input_error that names `--one-based`; the triplet flags on a
/// Matrix Market file are a warning (its banner says how to read it).
/// \param format set to the format the file was read in, when not null
sparse_matrix load_matrix(const std::string& path, const input_flags& flags,
                          io::format* format = nullptr);
/// \brief Reads a vector (Matrix Market, or one value per line); a missing file is an
/// input_error naming it.
vector load_vector(const std::string& path, const input_flags& flags);

/// \brief A linear system read from files, validated.
struct loaded_system {
  std::string matrix_path;
  std::string rhs_path;  ///< empty when b was generated
  sparse_matrix A;
  vector b;
  bool b_generated = false;  ///< b = A * ones (the exact solution is ones)
};

/// \brief Reads A (and b, or makes b = A * ones), then validates both. An asymmetric matrix read
/// from a triplet file gets the hint `--symmetric` (the file may hold one triangle).
/// \throws input_error naming the file (and line, when the reader knows it).
loaded_system load_system(const std::string& matrix_path, const std::string& rhs_path,
                          const input_flags& flags);

/// \returns "FILE (n = N, nnz = Z)" of the last system loaded, or empty: what an out-of-memory
/// error after loading names.
const std::string& system_in_memory() noexcept;

/// \brief The solver flags shared by `solve` and `compare`, as typed by the user.
struct solver_flags {
  std::string method = "async";
  std::string direction = "forward";
  std::string omega = "auto";
  std::string fallback = "none";
  std::string ordering = "auto";
  std::string halo_diagonal = "l1";
  int threads = 0;  ///< 0 = asor::default_threads()
  int blocks = 0;
  int local_sweeps = 1;
  std::string pipeline_sweeps = "1";  ///< SOR sweeps per pass: auto or 1 .. 8
  double tolerance = 1e-8;
  std::int64_t max_sweeps = 10000;
  double time_limit = std::numeric_limits<double>::infinity();
  bool l1 = false;
};

/// \brief Registers the flags of solver_flags on \p app (without --method and --threads, whose
/// form differs between the subcommands).
void add_solver_flags(CLI::App& app, solver_flags& flags);
/// \brief `--progress` / `--no-progress` and `-q, --quiet` (described by \p quiet_help), shared
/// by solve and compare. `--progress` excludes `--no-progress` and `--quiet`.
void add_progress_flags(CLI::App& app, bool& on, bool& off, bool& quiet,
                        const std::string& quiet_help);
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
/// \returns \p v in scientific notation ("8.1e-09"), \p seconds with a readable unit ("0.0123 s"):
/// shared with the Python module (src/report/text.hpp).
using reporting::duration;
using reporting::sci;

/// \brief One unit and one number of decimals for a set of times shown together (a table
/// column, a line): "one unit per column".
struct time_unit {
  const char* name = "s";  ///< "s", "ms" or "us"
  double per_second = 1;   ///< 1, 1e3 or 1e6
  int decimals = 3;        ///< so that the largest value shows 3 or 4 significant digits
};
/// \returns the unit that shows \p largest_seconds (the largest of the set) between 1 and 1000.
time_unit unit_for(double largest_seconds) noexcept;
/// \returns \p seconds in \p unit: "48.1 ms" (\p with_name), or "48.1"; "n/a" for NaN.
std::string in_unit(double seconds, const time_unit& unit, bool with_name = true);

/// \brief Warns once (on the tool's logger) when \p threads exceed available_cores(), naming
/// OMP_NUM_THREADS and SLURM_CPUS_PER_TASK, whose values set the default thread count.
void warn_if_oversubscribed(int threads);

/// \returns the number of cores this process may run on (its affinity mask when it started, as
/// SLURM or taskset set it; omp_get_num_procs), at least 1.
int available_cores() noexcept;

/// \brief Interrupt handling for the length of the solves (RAII): while one is alive, the first
/// SIGINT or SIGTERM sets a flag that the solves poll and cancel on (the report still comes out);
/// a second one, of either kind, ends the process as its default action would. The destructor
/// restores the handlers that were there before, so that an interrupt after the solves (a
/// reference solve, writing the outputs) ends the process at once.
///
/// Thread safety: construct and destroy on the main thread; interrupted() may be called from any.
class interrupt_guard {
 public:
  interrupt_guard();
  ~interrupt_guard();
  interrupt_guard(const interrupt_guard&) = delete;
  interrupt_guard& operator=(const interrupt_guard&) = delete;

 private:
  struct saved;
  std::unique_ptr<saved> previous_;
};

/// \returns whether an interrupt arrived while an interrupt_guard was alive.
bool interrupted() noexcept;

/// \brief Call first thing in main: under an address-space limit (`ulimit -v`, RLIMIT_AS) the
/// threads share glibc's main malloc arena, unless MALLOC_ARENA_MAX (or its GLIBC_TUNABLES form)
/// says otherwise. Each further arena reserves 64 MiB of address space, 128 MiB while it aligns;
/// a solve's threads raced for it with the stacks of the threads libgomp was starting, and
/// libgomp ends the process when a stack cannot be had ("Thread creation failed"). The sweeps
/// do not allocate, so one arena costs a solve nothing measurable.
void share_malloc_arena_under_an_address_limit() noexcept;

}  // namespace asor::cli
