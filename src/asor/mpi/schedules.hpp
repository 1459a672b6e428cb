#pragma once
// Private to the library (built only with MPI): the schedules of a distributed solve
// (docs/distributed.md).

#include <memory>

#include "../schedule.hpp"
#include "comm.hpp"

namespace asor::detail {

/// \brief Asynchronous block SOR across ranks: each rank's workers relax its blocks with no
/// barrier; halo values and provisional residuals travel as they change (persistent synchronous
/// sends, at most one in flight per destination: latest values, bounded memory); rank 0 decides;
/// the round ends with a broadcast stop, a drain of every in-flight message and an agreed
/// decision. See the protocol in docs/distributed.md.
std::unique_ptr<schedule> make_distributed_async(const schedule_context& ctx, const csr_view& A,
                                                 double omega, const distributed_data& layout,
                                                 const communicator& comm);

/// \brief Synchronous block-Jacobi SOR across ranks: a halo exchange, each rank's block-Jacobi
/// sweep (its threads on its blocks, a frozen copy), and one allreduce of the residual and the
/// ranks' stop requests every sweep; every rank then takes the same decision.
std::unique_ptr<schedule> make_distributed_block_jacobi(const schedule_context& ctx,
                                                        const csr_view& A, double omega,
                                                        const distributed_data& layout,
                                                        const communicator& comm);

/// \brief The first step of every round of a distributed schedule: every rank is there and fine
/// (else the job fails on every rank, and \returns false: no round).
bool round_gate(job_state& job, const communicator& comm) noexcept;

/// \brief The last step of every round: every rank settles on \p agreed (rank 0's decision
/// for async, the common one for block-Jacobi), or on `failed` with the first failure of any
/// rank. \p sums are added over the ranks (halo counts) and \returns them.
std::array<double, step_record::sums> round_end(
    job_state& job, const communicator& comm, stop_reason agreed,
    const std::array<double, step_record::sums>& sums) noexcept;

}  // namespace asor::detail
