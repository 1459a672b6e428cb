#pragma once
// Private to the library: what the one driver (driver.cpp) and the engine's preparation
// (engine.cpp) ask of the other processes of a distributed solve. An engine made by
// make_distributed_engine (asor/distributed.hpp, src/asor/mpi/) holds one; a shared-memory engine
// holds none, and then every call site below does the local thing. No MPI type appears here.
//
// Collective members are called by every rank in the same order. That holds because the driver
// only branches on values that are the same on every rank: sums and decisions come out of these
// members, and a schedule's round ends with the decision every rank agreed on. A rank that
// fails between two collective calls goes straight to end(); the others learn it at their next
// collective call, which then throws asor::remote_error on them (every collective step has the
// same shape, so whichever two meet, they match): no rank waits for ever.

#include <cstddef>
#include <memory>
#include <span>

#include "asor/cancellation.hpp"
#include "asor/csr_view.hpp"
#include "asor/engine.hpp"
#include "asor/spectral.hpp"
#include "asor/stop.hpp"
#include "job.hpp"

namespace asor::detail {

class schedule;
struct schedule_context;

/// \brief The processes of a distributed solve, as the driver sees them.
class distribution {
 public:
  virtual ~distribution() = default;
  distribution() = default;
  distribution(const distribution&) = delete;
  distribution& operator=(const distribution&) = delete;

  /// \returns the entries of the x a schedule relaxes: this rank's rows, then its ghost entries
  /// (its copies of the other ranks' entries its rows read).
  [[nodiscard]] virtual std::size_t extended_size() const = 0;
  /// \returns the number of processes (ranks) of the solve.
  [[nodiscard]] virtual int ranks() const noexcept = 0;

  /// \brief Collective: the sum of \p local over every rank, the same bits on every rank.
  virtual double sum(double local) = 0;
  /// \brief Collective: whether \p local is true on some rank.
  virtual bool any(bool local) = 0;
  /// \brief Collective: rank 0's \p r, on every rank.
  virtual stop_reason agree(stop_reason r) = 0;
  /// \brief Collective: ||b - A x|| of the whole system. First refreshes the ghost entries of
  /// \p x (extended_size() entries) from their owners. \pre x is quiescent on every rank.
  virtual double residual_norm(const csr_view& A, std::span<const double> b,
                               std::span<double> x) = 0;
  /// \brief Collective: the omega estimate of the whole matrix (spectral.cpp's Lanczos across the
  /// ranks, with the options \p o). \p stop is polled on every rank at every reduction; when it
  /// asks to stop on any rank, every rank throws operation_cancelled.
  virtual omega_estimate estimate_omega(const csr_view& A, const spectral_options& o,
                                        const stop_predicate& stop) = 0;
  /// \brief The schedule of the job's method across the ranks.
  /// \throws std::invalid_argument when the method is not distributed.
  virtual std::unique_ptr<schedule> make_schedule(const schedule_context& ctx, const csr_view& A,
                                                  double omega) = 0;
  /// \brief Collective, the last call of every job on every rank: when some rank failed, every
  /// other rank's job fails with asor::remote_error naming it; then every rank returns.
  virtual void end(job_state& job) noexcept = 0;
};

}  // namespace asor::detail
