#pragma once
/// \file session.hpp
/// \brief MPI for the `asor` tool (built only with MPI): the session of main, and what `solve`
/// and `compare` need to run across the ranks of `mpirun -np N` / `srun` (docs/distributed.md).

#include <exception>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "asor/distributed.hpp"
#include "cli/json_report.hpp"

namespace asor::cli {

/// \brief MPI_Init_thread when the tool was started by a launcher (mpirun, mpiexec, srun: their
/// environment says so), MPI_Finalize at the end; sets world(). Outside a launcher MPI is not
/// touched at all.
class mpi_session {
 public:
  mpi_session(int& argc, char**& argv);
  ~mpi_session();
  mpi_session(const mpi_session&) = delete;
  mpi_session& operator=(const mpi_session&) = delete;

  /// \brief Every rank leaves with the same exit code, the most severe of the ranks' \p code
  /// (1 internal error, then 2 usage or input, then 3 not converged, then 0); when rank 0
  /// printed no error but another rank has one, rank 0 prints it. Then MPI_Finalize.
  /// \returns the agreed code.
  int finish(int code);

 private:
  bool active_ = false;
};

/// \brief `--slow-rank R:F`, for benchmarks (docs/distributed.md): on rank R every block sweep is
/// followed by a sleep of F - 1 times the time the sweep took, so that rank R relaxes about F
/// times slower (a slow node). Changes nothing on the other ranks, or when \p spec is empty.
/// \throws usage_error when \p spec is not RANK:FACTOR with a rank of the run and FACTOR >= 1.
void inject_slow_rank(solver_options& options, const std::string& spec);

/// \brief Collective over the ranks of the run: whether \p local is true on some rank.
bool any_rank(bool local);

/// \brief Runs \p body; an asor::remote_error (another rank failed) becomes the tool's error of the
/// same kind, so that every rank exits with the same code: input_error (2), usage_error (2), or
/// std::runtime_error (1, an internal error).
int with_remote_errors(const std::function<int()>& body);

/// \brief Collective: what rank 0 did alone (read the files) becomes known to every rank. Rank 0
/// rethrows \p root_failure; the other ranks throw asor::remote_error of the same kind.
void share_root_outcome(const std::exception_ptr& root_failure);

/// \brief Rank 0's system split over every rank of the run (collective).
class distributed_system {
 public:
  /// \p A, \p b, \p x0: rank 0's (the other ranks pass empty ones); \p partition "nnz" or "metis".
  distributed_system(const csr_view& A, std::span<const double> b, std::span<const double> x0,
                     const std::string& partition);

  [[nodiscard]] const distributed_matrix& matrix() const noexcept { return A_; }
  /// \brief A distributed engine (collective); invalid options throw usage_error on every rank.
  [[nodiscard]] engine make_engine(const solver_options& options) const;
  [[nodiscard]] std::span<const double> b() const noexcept { return b_; }
  /// \returns this rank's rows of the initial guess.
  [[nodiscard]] const std::vector<double>& x0() const noexcept { return x0_; }
  /// \brief Collective: \p x (this rank's rows) assembled on rank 0 (empty elsewhere).
  [[nodiscard]] std::vector<double> gather(std::span<const double> x) const;
  /// \brief Collective: the JSON of the distribution, on rank 0: the split, and each rank's rows,
  /// ghost entries, neighbours and sweeps (from \p report, rank 0's).
  [[nodiscard]] json describe(const solve_report& report) const;

 private:
  distributed_matrix A_;
  std::vector<double> b_;
  std::vector<double> x0_;
};

}  // namespace asor::cli
