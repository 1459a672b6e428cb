#pragma once
/// \file commands.hpp
/// \brief The subcommands of the `asor` tool: each file adds one to the application.

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace asor::cli {

/// \brief Flags every subcommand accepts.
struct global_flags {
  std::string log_level;  ///< empty = SPDLOG_LEVEL or "warn"
};

/// \brief A registered subcommand and what runs it once its flags are parsed.
struct subcommand {
  CLI::App* app = nullptr;
  std::function<int()> run;  ///< returns the exit code
};

/// \brief `asor solve`: solve one system (solve.cpp).
subcommand add_solve(CLI::App& parent, const global_flags& global);
/// \brief `asor compare`: methods x thread counts, side by side (compare.cpp).
subcommand add_compare(CLI::App& parent, const global_flags& global);
/// \brief `asor generate`: write a model problem (generate.cpp).
subcommand add_generate(CLI::App& parent, const global_flags& global);
/// \brief `asor info`: what a matrix is like (info.cpp).
subcommand add_info(CLI::App& parent, const global_flags& global);

}  // namespace asor::cli
