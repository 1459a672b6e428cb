/// \file serve.cpp
/// \brief The monitor flags of `asor solve` and `asor compare` (see serve.hpp).

#include "cli/serve.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include "cli/common.hpp"

namespace asor::cli {

void add_serve_flags(CLI::App& app, serve_flags& flags) {
  app.add_option("--serve", flags.address,
                 "Serve a live monitor page on [ADDR:]PORT (default ADDR 127.0.0.1; PORT 0: any "
                 "free port); its URL, with an access token, is printed on stderr");
  app.add_option("--serve-linger", flags.linger,
                 "Seconds the monitor keeps serving the final report after the solve (a Cancel "
                 "on the page or an interrupt ends it sooner)")
      ->capture_default_str();
}

std::unique_ptr<web::monitor_server> start_monitor(const serve_flags& flags,
                                                   const std::string& title) {
  if (!(std::isfinite(flags.linger) && flags.linger >= 0)) {
    throw usage_error("--serve-linger: must be a number of seconds >= 0");
  }
  if (flags.address.empty()) return nullptr;
  web::server_options options;
  try {
    options.address = web::parse_listen_address(flags.address);
  } catch (const std::invalid_argument& e) {
    throw usage_error(std::string("--serve: ") + e.what());
  }
  options.title = title;
  std::unique_ptr<web::monitor_server> monitor;
  try {
    monitor = std::make_unique<web::monitor_server>(options);
  } catch (const std::runtime_error& e) {
    throw usage_error(std::string("--serve: ") + e.what());
  }
  if (!monitor->loopback()) {
    std::fprintf(stderr,
                 "asor: warning: --serve %s is not a loopback address: anyone who can reach this "
                 "machine on port %u and has the token can watch and cancel the solve, and the "
                 "token travels unencrypted (plain HTTP)\n",
                 flags.address.c_str(), static_cast<unsigned>(monitor->port()));
  }
  std::fprintf(stderr, "asor: monitor page: %s\n", monitor->url().c_str());
  std::fflush(stderr);
  return monitor;
}

void finish_monitor(web::monitor_server* monitor, const serve_flags& flags, bool quiet) {
  if (monitor == nullptr) return;
  // Said before the pages get the final report: whoever sees the report on the page can find the
  // line on stderr.
  if (flags.linger > 0 && !monitor->cancel_requested() && !interrupted() && !quiet) {
    std::fprintf(stderr,
                 "asor: monitor: serving the final report for %g s more (Ctrl-C to stop now)\n",
                 flags.linger);
    std::fflush(stderr);
  }
  monitor->finish();
  // Ctrl-C ends the wait (a second one the process), as during the solve.
  const interrupt_guard interrupts;
  const auto until = std::chrono::steady_clock::now() +
                     std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                         std::chrono::duration<double>(flags.linger));
  while (std::chrono::steady_clock::now() < until && !monitor->cancel_requested() &&
         !interrupted()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  monitor->stop();
}

}  // namespace asor::cli
