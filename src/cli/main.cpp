/// \file main.cpp
/// \brief The `asor` command-line tool: parses the command line, runs one subcommand, and maps
/// every outcome to an exit code (0 converged, 3 not converged, 2 usage or input error,
/// 1 internal error). Errors are one line on stderr, never a stack trace.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "asor/config.hpp"
#include "asor/io/errors.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/output.hpp"
#include "cli/processes.hpp"
#include "cli/suggest.hpp"
#if ASOR_HAVE_MPI
#include "cli/mpi/session.hpp"
#endif

namespace {

/// \brief One error line on stderr (under mpirun: printed once, by rank 0; processes.hpp).
void error_line(const std::string& kind, const std::string& message) {
  std::string text = message;
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  asor::cli::report_error_line("asor: " + kind + ": " + text + "\n");
}

/// --help, --version: printed once, by rank 0 under mpirun.
int exit_once(const CLI::App& app, const CLI::Error& e) {
  std::ostream nowhere(nullptr);
  return asor::cli::world().root() ? app.exit(e) : app.exit(e, nowhere, nowhere);
}

int run(int argc, char** argv) {
  using namespace asor::cli;
  CLI::App app{
      "asor: solve sparse symmetric positive definite systems A x = b by (asynchronous) "
      "successive over-relaxation",
      "asor"};
  app.set_version_flag("--version", std::string("asor ") + ASOR_VERSION_STRING);
  app.require_subcommand(1);
  app.fallthrough();
  global_flags global;
  app.add_option("--log-level", global.log_level,
                 "Log level on stderr: trace, debug, info, warn, error, critical, off "
                 "(default: SPDLOG_LEVEL, else warn)");
  app.footer(
      "Exit codes: 0 converged, 3 stopped without converging, 2 usage or input error, "
      "1 internal error. See docs/cli.md.");

  std::vector<subcommand> commands{add_solve(app, global), add_compare(app, global),
                                   add_generate(app, global), add_info(app, global)};
  std::string help_hint = "asor --help";
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return exit_once(app, e);
  } catch (const CLI::CallForAllHelp& e) {
    return exit_once(app, e);
  } catch (const CLI::CallForVersion& e) {
    return exit_once(app, e);
  } catch (const CLI::ParseError& e) {
    const CLI::App* sub = nullptr;
    for (const auto& c : commands) {
      if (c.app->parsed()) {
        help_hint = "asor " + c.app->get_name() + " --help";
        sub = c.app;
      }
    }
    // An unknown option or command gets the nearest known one ("--tolerance": "--tol").
    std::string what = explain_unexpected(app, sub);
    if (what.empty()) what = e.what();
    error_line("error", what + " (see '" + help_hint + "')");
    return exit_usage;
  }
  for (const auto& c : commands) {
    if (!c.app->parsed()) continue;
    // Under mpirun, solve and compare run across the ranks; the others run on rank 0 alone.
    const std::string name = c.app->get_name();
    if (world().distributed() && !world().root() && name != "solve" && name != "compare") {
      return exit_ok;
    }
    return c.run();
  }
  error_line("error", "no subcommand given (see 'asor --help')");
  return exit_usage;
}

/// \brief Runs the command and maps every exception to its exit code and one line on stderr.
int run_and_report(int argc, char** argv) {
  using namespace asor::cli;
  try {
    return run(argc, argv);
  } catch (const asor::input_error& e) {
    error_line("error", e.what());
    return exit_usage;
  } catch (const usage_error& e) {
    error_line("error", e.what());
    return exit_usage;
  } catch (const output_error& e) {
    error_line("error", e.what());
    return exit_usage;
  } catch (const std::bad_alloc&) {
    // Reading a file reports a shortage itself, as an input_error naming the file and its size;
    // this is one later on (the solve, a reference factorization).
    const std::string& system = system_in_memory();
    error_line("error", (system.empty() ? std::string() : system + ": ") +
                            "out of memory (no more could be had from the system or within a "
                            "limit such as ulimit -v)");
    return exit_usage;
  } catch (const std::exception& e) {
    error_line("internal error", e.what());
    return exit_internal;
  } catch (...) {
    error_line("internal error", "unknown exception");
    return exit_internal;
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace asor::cli;
  guard_standard_streams();
  share_malloc_arena_under_an_address_limit();
#if ASOR_HAVE_MPI
  // Under mpirun / srun every rank runs the tool; every rank exits with the same code.
  mpi_session session(argc, argv);
#endif
  int code = run_and_report(argc, argv);
  // Results written to stdout and lost (a full disk, a closed descriptor) are an output error.
  try {
    finish_stdout();
  } catch (const output_error& e) {
    error_line("error", e.what());
    if (code != exit_internal) code = exit_usage;
  }
#if ASOR_HAVE_MPI
  return session.finish(code);
#else
  return code;
#endif
}
