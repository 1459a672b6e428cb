#pragma once
// Private to the library (built only with MPI): a distributed matrix's data, the collective
// *step* every agreement between ranks goes through, and the blocking halo exchange.
//
// A step is one MPI_Allreduce of a fixed-size record with asor's own reduction: sums, the
// largest code, rank 0's value, how many ranks are ending their job, and the first failure (the
// lowest failing rank, its kind and message). Because every step has the same datatype, count
// and operation, any two steps match: a rank that failed and skipped ahead to its last step
// meets the others at whatever step they are in, and they all learn of the failure there (see
// distribution.hpp). MPI_Allreduce returns the same bits on every rank (the MPI standard's
// "same result"; PETSc's convergence tests rely on it too), so a decision made from a step's sums
// is the same on every rank.

#include <mpi.h>

#include <array>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "asor/distributed.hpp"

namespace asor::detail {

/// \brief One contribution to a step and, after it, the combined result.
struct step_record {
  static constexpr int sums = 4;
  static constexpr int text_size = 400;
  std::array<double, sums> sum{};    ///< added over ranks
  std::int32_t max_code = 0;         ///< largest over ranks
  std::int32_t root_code = 0;        ///< rank 0's (the others contribute 0)
  std::int32_t finals = 0;           ///< ranks in their job's last step
  std::int32_t failed_rank = -1;     ///< the lowest failing rank, -1 for none
  std::int32_t failed_kind = 0;      ///< its failure_kind
  std::int32_t failed_count = 0;     ///< ranks that reported a failure
  std::array<char, text_size> text;  ///< its message, NUL-terminated
};

/// \returns the failure_kind of \p e (a remote_error keeps the kind it carries).
failure_kind kind_of(const std::exception_ptr& e);
/// \returns the one-line message of \p e (a remote_error gives its rank's own message).
std::string message_of(const std::exception_ptr& e);
/// \returns the rank \p e names when it is a remote_error, else \p self.
int origin_of(const std::exception_ptr& e, int self);

/// \brief A duplicate of a communicator, with the datatype and operation of the steps.
///
/// Thread safety: one thread at a time (MPI_THREAD_SERIALIZED); const members do not change it.
class communicator {
 public:
  /// \brief Collective over \p parent: duplicates it.
  explicit communicator(MPI_Comm parent);
  ~communicator();
  communicator(const communicator&) = delete;
  communicator& operator=(const communicator&) = delete;

  [[nodiscard]] MPI_Comm get() const noexcept { return comm_; }
  [[nodiscard]] int rank() const noexcept { return rank_; }
  [[nodiscard]] int size() const noexcept { return size_; }

  /// \brief A collective step (see above): combines every rank's \p contribution.
  [[nodiscard]] step_record step(const step_record& contribution) const;
  /// \returns this rank's contribution announcing \p failure (none when null).
  [[nodiscard]] step_record contribution(const std::exception_ptr& failure) const;
  /// \brief A step that also checks that every rank is fine: rethrows \p local_failure on this
  /// rank, throws remote_error when another rank failed. A rank in its job's last step
  /// (`finals`) while this one is not means the ranks' control flows diverged: logic_error.
  step_record agree(step_record contribution, const std::exception_ptr& local_failure) const;

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
  MPI_Datatype type_ = MPI_DATATYPE_NULL;
  MPI_Op op_ = MPI_OP_NULL;
  int rank_ = 0;
  int size_ = 1;
};

/// \brief A distributed matrix: its communicator, the rank's rows, the halo plan. Immutable
/// after scatter; shared by the engines made on it.
struct distributed_data {
  explicit distributed_data(MPI_Comm parent) : comm(parent) {}

  communicator comm;
  int global_rows = 0;
  std::int64_t global_nonzeros = 0;
  std::vector<int> offsets;       ///< first row of each rank (distributed numbering), ranks + 1
  std::vector<int> global_index;  ///< original number of each local row
  rank_partition partition = rank_partition::nnz_balanced;
  int local_rows = 0;
  std::vector<int> row_ptr;
  std::vector<int> col_idx;  ///< local numbering: own rows, then ghosts
  std::vector<double> values;
  std::vector<double> inv_diag;
  std::vector<int> ghost_global;  ///< distributed number of each ghost entry

  /// One neighbour: the rank, the ghost entries it fills (a contiguous range: ghosts are ordered
  /// by owner) and the own rows it reads, in the order of its ghost entries.
  struct neighbor {
    int rank = 0;
    int ghost_first = 0;  ///< first ghost (0-based among the ghosts)
    int ghost_count = 0;
    std::vector<int> send_rows;  ///< local row numbers
  };
  std::vector<neighbor> neighbors;

  double partition_seconds = 0.0;
  double setup_seconds = 0.0;

  [[nodiscard]] int ghosts() const noexcept { return static_cast<int>(ghost_global.size()); }
  [[nodiscard]] csr_view view() const noexcept;
};

/// \brief The blocking halo exchange of one engine: every ghost entry of x gets its owner's
/// value (MPI_Irecv / MPI_Isend / MPI_Waitall with each neighbour).
///
/// Thread safety: one thread at a time (the solving thread, between rounds or in a synchronous
/// round); x must not be written meanwhile.
class halo_exchange {
 public:
  halo_exchange(const distributed_data& layout, MPI_Comm comm);
  /// \pre every neighbour calls it too (every rank has just passed a successful step).
  /// Noexcept apart from MPI aborting: it allocates nothing.
  void run(double* x) noexcept;
  [[nodiscard]] std::int64_t messages() const noexcept { return messages_; }
  [[nodiscard]] std::int64_t values() const noexcept { return values_; }

 private:
  const distributed_data& layout_;
  MPI_Comm comm_;
  std::vector<double> send_;
  std::vector<std::size_t> send_offset_;
  std::vector<MPI_Request> requests_;
  std::int64_t messages_ = 0;
  std::int64_t values_ = 0;
};

/// \brief Tags of asor's messages on its communicator.
enum message_tag : int {
  tag_scatter = 1,
  tag_exchange = 2,
  tag_halo = 3,
  tag_report = 4,
  tag_error = 5,
};

}  // namespace asor::detail
