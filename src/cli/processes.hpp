#pragma once
/// \file processes.hpp
/// \brief The processes the tool runs on: one, or every rank of `mpirun` / `srun` when asor was
/// built with MPI (src/cli/mpi/). No MPI type appears here.

#include <string>

namespace asor::cli {

/// \brief This process's place among the tool's processes.
struct process_world {
  int rank = 0;
  int size = 1;
  /// \returns whether solves run across processes (more than one).
  [[nodiscard]] bool distributed() const noexcept { return size > 1; }
  /// \returns whether this process prints (the summary, the progress line, errors) and writes
  /// the output files: rank 0.
  [[nodiscard]] bool root() const noexcept { return rank == 0; }
};

/// \returns the processes of this run ({0, 1} without MPI or outside mpirun / srun).
const process_world& world() noexcept;
/// \brief Set once, by the MPI session of main (mpi/session.cpp).
void set_world(const process_world& w) noexcept;

/// \returns the threads of each rank when --threads is not given: OMP_NUM_THREADS or
/// SLURM_CPUS_PER_TASK when set, else the hardware threads divided by the ranks on this node
/// (Open MPI's OMPI_COMM_WORLD_LOCAL_SIZE), at least 1: `mpirun -np 4` on 16 cores runs 4 x 4.
int default_threads_per_rank();

/// \brief An error line for stderr: printed at once on rank 0; kept on the other ranks, where the
/// MPI session passes it to rank 0 at the end only when rank 0 has no error of its own, so that
/// every error is printed once.
void report_error_line(const std::string& line);
/// \returns whether an error line was printed (rank 0) or kept (the others), and the kept one.
bool error_reported() noexcept;
const std::string& kept_error_line() noexcept;

}  // namespace asor::cli
