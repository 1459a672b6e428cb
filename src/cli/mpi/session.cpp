/// \file session.cpp
/// \brief MPI for the `asor` tool (see session.hpp).

#include "cli/mpi/session.hpp"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "asor/io/errors.hpp"
#include "cli/common.hpp"
#include "cli/processes.hpp"

namespace asor::cli {
namespace {

/// Whether a launcher started this process as one rank of a parallel job: Open MPI's mpirun,
/// PMIx (Open MPI's mpirun, srun --mpi=pmix) and PMI (srun --mpi=pmi2, MPICH's Hydra) say so in
/// the environment.
bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

/// Exit codes, most severe last.
int severity(int code) {
  switch (code) {
    case exit_ok:
      return 0;
    case exit_not_converged:
      return 1;
    case exit_usage:
      return 2;
    default:
      return 3;  // exit_internal and anything unexpected
  }
}

int code_of_severity(int s) {
  constexpr int codes[] = {exit_ok, exit_not_converged, exit_usage, exit_internal};
  return codes[std::clamp(s, 0, 3)];
}

}  // namespace

mpi_session::mpi_session(int& argc, char**& argv) {
  if (!launched_by_mpi()) return;
  int provided = MPI_THREAD_SINGLE;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
  active_ = true;
  process_world w;
  MPI_Comm_rank(MPI_COMM_WORLD, &w.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &w.size);
  set_world(w);
}

mpi_session::~mpi_session() {
  if (active_) MPI_Finalize();
}

int mpi_session::finish(int code) {
  if (!active_) return code;
  int mine = severity(code);
  int worst = 0;
  MPI_Allreduce(&mine, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  // An error rank 0 did not print (it happened on another rank only): the lowest such rank sends
  // its line, and rank 0 prints it. Every error is printed once, by rank 0.
  int root_printed = world().root() && error_reported() ? 1 : 0;
  MPI_Bcast(&root_printed, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (root_printed == 0) {
    int candidate = !world().root() && error_reported() ? world().rank : world().size;
    int first = 0;
    MPI_Allreduce(&candidate, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first < world().size) {
      if (world().rank == first) {
        const std::string line = "[rank " + std::to_string(first) + "] " + kept_error_line();
        MPI_Send(line.data(), static_cast<int>(line.size()), MPI_CHAR, 0, 0, MPI_COMM_WORLD);
      } else if (world().root()) {
        MPI_Status status;
        MPI_Probe(first, 0, MPI_COMM_WORLD, &status);
        int length = 0;
        MPI_Get_count(&status, MPI_CHAR, &length);
        std::string line(static_cast<std::size_t>(length), '\0');
        MPI_Recv(line.data(), length, MPI_CHAR, first, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        report_error_line(line);
      }
    }
  }
  MPI_Finalize();
  active_ = false;
  return code_of_severity(worst);
}

void inject_slow_rank(solver_options& options, const std::string& spec) {
  if (spec.empty()) return;
  const auto colon = spec.find(':');
  int rank = -1;
  double factor = 0.0;
  try {
    std::size_t used = 0;
    rank = std::stoi(spec.substr(0, colon), &used);
    if (colon == std::string::npos || used != colon) throw std::invalid_argument(spec);
    factor = std::stod(spec.substr(colon + 1), &used);
    if (used != spec.size() - colon - 1) throw std::invalid_argument(spec);
  } catch (const std::exception&) {
    throw usage_error("--slow-rank " + spec + ": expected RANK:FACTOR, for example 1:5");
  }
  if (rank < 0 || rank >= world().size || !(factor >= 1.0) || !std::isfinite(factor)) {
    throw usage_error("--slow-rank " + spec + ": the rank must be in [0, " +
                      std::to_string(world().size) + ") and the factor at least 1");
  }
  if (world().rank != rank) return;
  using clock = std::chrono::steady_clock;
  // Per worker: the end of its previous block sweep (after any sleep), so that the time since is
  // the sweep's, and the sleep it owes. The debt is paid in sleeps of at least a millisecond and
  // what was actually slept is subtracted: a sleep of a few microseconds after each small block
  // overshoots to 50-100 us (timer slack, wake-up), which slowed a rank with many small blocks
  // (async: 4 per rank) far more than FACTOR, and more than one with a block per thread
  // (block-Jacobi). A gap over a second is a new solve, not a sweep.
  struct pace {
    clock::time_point last{};
    clock::duration owed{};
  };
  auto paces = std::make_shared<std::vector<pace>>(256);
  options.on_block_sweep = [paces, extra = factor - 1.0](int worker, int /*block*/,
                                                         std::int64_t /*sweeps*/) {
    pace& mine = (*paces)[static_cast<std::size_t>(worker) % paces->size()];
    const auto now = clock::now();
    const auto took = now - mine.last;
    if (mine.last != clock::time_point{} && took < std::chrono::seconds(1)) {
      mine.owed += std::chrono::duration_cast<clock::duration>(took * extra);
      if (mine.owed >= std::chrono::milliseconds(1)) {
        std::this_thread::sleep_for(mine.owed);
        mine.owed -= clock::now() - now;
      }
    } else {
      mine.owed = clock::duration::zero();
    }
    mine.last = clock::now();
  };
}

bool any_rank(bool local) {
  int mine = local ? 1 : 0;
  int any = 0;
  MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return any != 0;
}

int with_remote_errors(const std::function<int()>& body) {
  try {
    return body();
  } catch (const remote_error& e) {
    switch (e.kind()) {
      case failure_kind::input:
        throw input_error(e.what());
      case failure_kind::invalid_argument:
        throw usage_error(e.what());
      case failure_kind::other:
        break;
    }
    throw std::runtime_error(e.what());
  }
}

void share_root_outcome(const std::exception_ptr& root_failure) {
  // [failed (0/1), kind, message length], then the message.
  std::int32_t head[3] = {0, 0, 0};
  std::string message;
  if (world().root() && root_failure) {
    try {
      std::rethrow_exception(root_failure);
    } catch (const input_error& e) {
      head[1] = static_cast<std::int32_t>(failure_kind::input);
      message = e.what();
    } catch (const usage_error& e) {
      head[1] = static_cast<std::int32_t>(failure_kind::invalid_argument);
      message = e.what();
    } catch (const output_error& e) {
      head[1] = static_cast<std::int32_t>(failure_kind::invalid_argument);
      message = e.what();
    } catch (const std::exception& e) {
      head[1] = static_cast<std::int32_t>(failure_kind::other);
      message = e.what();
    } catch (...) {
      head[1] = static_cast<std::int32_t>(failure_kind::other);
      message = "unknown exception";
    }
    head[0] = 1;
    head[2] = static_cast<std::int32_t>(message.size());
  }
  MPI_Bcast(head, 3, MPI_INT32_T, 0, MPI_COMM_WORLD);
  if (head[0] == 0) return;
  message.resize(static_cast<std::size_t>(head[2]));
  MPI_Bcast(message.data(), head[2], MPI_CHAR, 0, MPI_COMM_WORLD);
  if (world().root()) std::rethrow_exception(root_failure);
  throw remote_error(0, static_cast<failure_kind>(head[1]), message);
}

distributed_system::distributed_system(const csr_view& A, std::span<const double> b,
                                       std::span<const double> x0, const std::string& partition) {
  distribution_options d;
  d.partition = partition == "metis" ? rank_partition::metis : rank_partition::nnz_balanced;
  try {
    A_ = distributed_matrix::scatter(MPI_COMM_WORLD, A, d);
  } catch (const std::invalid_argument& e) {
    throw usage_error(std::string("cannot split the matrix over the ranks: ") + e.what());
  }
  b_ = A_.scatter_vector(b);
  x0_ = A_.scatter_vector(x0);
}

engine distributed_system::make_engine(const solver_options& options) const {
  try {
    return make_distributed_engine(A_, options);
  } catch (const std::invalid_argument& e) {
    throw usage_error(std::string("invalid solver options: ") + e.what());
  }
}

std::vector<double> distributed_system::gather(std::span<const double> x) const {
  return A_.gather_vector(x);
}

json distributed_system::describe(const solve_report& report) const {
  const halo_stats h = A_.halo();
  const std::int64_t mine[4] = {A_.local_rows(), A_.ghosts(), h.neighbors, h.send_entries};
  std::vector<std::int64_t> all(static_cast<std::size_t>(4 * A_.ranks()));
  MPI_Gather(mine, 4, MPI_INT64_T, all.data(), 4, MPI_INT64_T, 0, A_.communicator());
  if (!world().root()) return nullptr;
  json ranks = json::array();
  std::int64_t ghosts = 0;
  for (int r = 0; r < A_.ranks(); ++r) {
    const std::int64_t* v = all.data() + 4 * static_cast<std::size_t>(r);
    ghosts += v[1];
    json entry = json{{"rank", r}, {"rows", v[0]}, {"ghosts", v[1]}, {"neighbors", v[2]}};
    if (static_cast<std::size_t>(r) < report.rank_sweeps.size()) {
      const sweep_stats& s = report.rank_sweeps[static_cast<std::size_t>(r)];
      entry["sweeps"] = json{{"min", s.min}, {"mean", s.mean}, {"max", s.max}};
    } else {
      entry["sweeps"] = nullptr;
    }
    ranks.push_back(std::move(entry));
  }
  return json{{"partition", A_.partition() == rank_partition::metis ? "metis" : "nnz"},
              {"ghosts", ghosts},
              {"partition_seconds", number_or_null(A_.partition_seconds())},
              {"setup_seconds", number_or_null(A_.setup_seconds())},
              {"halo_messages", report.halo_messages},
              {"halo_values", report.halo_values},
              {"per_rank", std::move(ranks)}};
}

}  // namespace asor::cli
