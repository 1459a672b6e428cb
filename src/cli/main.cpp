/// \file main.cpp
/// \brief The `asor` command-line tool: parses the command line, runs one subcommand, and maps
/// every outcome to an exit code (0 converged, 3 not converged, 2 usage or input error,
/// 1 internal error). Errors are one line on stderr, never a stack trace.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "asor/config.hpp"
#include "asor/io/errors.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"

namespace {

/// \brief One error line on stderr.
void error_line(const std::string& kind, const std::string& message) {
  std::string text = message;
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::fprintf(stderr, "asor: %s: %s\n", kind.c_str(), text.c_str());
  std::fflush(stderr);
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
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    for (const auto& c : commands) {
      if (c.app->parsed()) help_hint = "asor " + c.app->get_name() + " --help";
    }
    error_line("error", std::string(e.what()) + " (see '" + help_hint + "')");
    return exit_usage;
  }
  for (const auto& c : commands) {
    if (c.app->parsed()) return c.run();
  }
  error_line("error", "no subcommand given (see 'asor --help')");
  return exit_usage;
}

}  // namespace

int main(int argc, char** argv) {
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
