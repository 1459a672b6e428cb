/// \file main.cpp
/// \brief The `asor` command-line tool: parses the command line, runs one subcommand, and maps
/// every outcome to an exit code (0 converged, 3 not converged, 2 usage or input error,
/// 1 internal error). Errors are one line on stderr, never a stack trace.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "asor/config.hpp"
#include "asor/io/errors.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/processes.hpp"
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
  } catch (const CLI::Success& e) {  // --help, --version: printed once, by rank 0
    std::ostream nowhere(nullptr);
    return world().root() ? app.exit(e) : app.exit(e, nowhere, nowhere);
  } catch (const CLI::ParseError& e) {
    for (const auto& c : commands) {
      if (c.app->parsed()) help_hint = "asor " + c.app->get_name() + " --help";
    }
    error_line("error", std::string(e.what()) + " (see '" + help_hint + "')");
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

/// \brief Runs the tool and maps every outcome to an exit code.
int guarded_run(int argc, char** argv) {
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
#if ASOR_HAVE_MPI
  // Under mpirun / srun every rank runs the tool; every rank exits with the same code.
  asor::cli::mpi_session session(argc, argv);
  return session.finish(guarded_run(argc, argv));
#else
  return guarded_run(argc, argv);
#endif
}
