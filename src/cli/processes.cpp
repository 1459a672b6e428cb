/// \file processes.cpp
/// \brief The processes of this run and their error lines (see processes.hpp).

#include "cli/processes.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "asor/options.hpp"

namespace asor::cli {
namespace {

process_world the_world;
bool reported = false;
std::string kept;

}  // namespace

const process_world& world() noexcept { return the_world; }

void set_world(const process_world& w) noexcept { the_world = w; }

int default_threads_per_rank() {
  const auto set = [](const char* name) {
    const char* v = std::getenv(name);
    return v != nullptr && std::atoi(v) > 0;
  };
  if (set("OMP_NUM_THREADS") || set("SLURM_CPUS_PER_TASK")) return default_threads();
  int local = 1;
  if (const char* v = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE")) local = std::max(1, std::atoi(v));
  const int hw = static_cast<int>(std::thread::hardware_concurrency());
  return std::max(1, hw / local);
}

void report_error_line(const std::string& line) {
  reported = true;
  if (the_world.root()) {
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
  } else {
    kept = line;
  }
}

bool error_reported() noexcept { return reported; }

const std::string& kept_error_line() noexcept { return kept; }

}  // namespace asor::cli
