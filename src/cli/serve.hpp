#pragma once
/// \file serve.hpp
/// \brief `--serve [ADDR:]PORT` and `--serve-linger SECONDS` of `asor solve` and `asor compare`:
/// the live monitor page (src/web/monitor_server.hpp, docs/monitor.md).

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "web/monitor_server.hpp"

namespace asor::cli {

/// \brief The monitor flags, as typed.
struct serve_flags {
  std::string address;  ///< `[ADDR:]PORT`; empty: no monitor
  double linger = 10;   ///< seconds the final report stays served after the last solve
};

/// \brief Registers `--serve` and `--serve-linger` on \p app.
void add_serve_flags(CLI::App& app, serve_flags& flags);

/// \brief Starts the monitor when `--serve` was given: prints its URL on stderr (and a warning
/// when the address is not a loopback one). \returns null without `--serve`.
/// \throws usage_error naming `--serve` when the address is malformed or cannot be listened on.
std::unique_ptr<web::monitor_server> start_monitor(const serve_flags& flags,
                                                   const std::string& title);

/// \brief After the last solve: the pages get the final report at once; the server keeps serving
/// it for `--serve-linger` seconds, less when an interrupt arrives or a page pressed Cancel (that
/// page already has the final report), then stops. Does nothing when \p monitor is null.
void finish_monitor(web::monitor_server* monitor, const serve_flags& flags, bool quiet);

}  // namespace asor::cli
