#pragma once
/// \file suggest.hpp
/// \brief "did you mean --tol?": the nearest known name for a mistyped option or subcommand.

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace asor::cli {

/// \returns the candidate nearest to \p typed: one that starts with it or that it starts with
/// (`--tolerance` and `--tol`), else the one within the fewest edits (insertions, deletions,
/// substitutions, transpositions; at most a third of the name, at least 2); empty when none is
/// that close.
std::string nearest_name(const std::string& typed, const std::vector<std::string>& candidates);

/// \brief After a failed parse: the first unexpected argument that looks like an option (or,
/// without a subcommand, like a subcommand's name), with the nearest known one.
/// \param app the main application
/// \param sub the subcommand that was being parsed, or null
/// \returns "unknown option --tolerance; did you mean --tol?", "unknown option --frobnicate",
/// "unknown command 'slove'; did you mean 'solve'?", or empty when nothing unexpected looks like
/// either.
std::string explain_unexpected(const CLI::App& app, const CLI::App* sub);

}  // namespace asor::cli
