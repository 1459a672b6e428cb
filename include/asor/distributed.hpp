#pragma once
/// \file distributed.hpp
/// \brief Solves across processes on MPI: asynchronous block SOR with barrier-free halo updates and
/// verified distributed termination, and synchronous block-Jacobi SOR as its baseline.
///
/// Opt-in: this is the only header of asor that mentions MPI types, and asor.hpp does not include
/// it. A program that includes it links MPI itself (asor links MPI privately); the library must
/// have been built with MPI (`ASOR_WITH_MPI`, asor/config.hpp says `ASOR_HAVE_MPI`).
///
/// The pieces (docs/distributed.md):
///  - distributed_matrix::scatter: rank 0's matrix split into contiguous row ranges, balanced by
///    stored entries or cut by METIS; columns owned by other ranks become local *ghost* entries;
///  - make_distributed_engine: an asor::engine whose solves run on every rank of the matrix's
///    communicator through the one driver of every solve (prepare, relax, candidate, confirm,
///    verify on a quiescent x, resume or fall back, report). Each rank relaxes its rows with its
///    own threads (hybrid MPI + OpenMP);
///  - scatter_vector / gather_vector: b and x between rank 0's full vectors and each rank's rows.
///
/// Every function below is *collective* over the matrix's communicator unless it says otherwise:
/// every rank calls it, in the same order. A failure on one rank (bad input, an exception in a
/// worker or a callback, std::bad_alloc) ends the call on every rank: the failing rank throws its
/// exception, the others throw asor::remote_error naming it, and no rank waits for ever.
///
/// Thread safety: asor calls MPI from the thread that runs a solve and from its worker threads
/// (one at a time, under a mutex), so MPI must be initialized with at least
/// MPI_THREAD_SERIALIZED, and the program must not call MPI while a distributed solve runs unless
/// it initialized MPI_THREAD_MULTIPLE. asor communicates on a duplicate of the communicator given
/// to scatter, so its messages never match the program's.

#include <mpi.h>

#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "asor/config.hpp"
#include "asor/csr_view.hpp"
#include "asor/engine.hpp"
#include "asor/options.hpp"

#if !ASOR_HAVE_MPI
#error "asor/distributed.hpp: this build of asor has no MPI support (configure with ASOR_WITH_MPI)"
#endif

namespace asor {

namespace detail {
struct distributed_data;
}  // namespace detail

/// \brief How the rows of a matrix are assigned to ranks.
enum class rank_partition {
  nnz_balanced,  ///< contiguous row ranges with (almost) equal numbers of stored entries
  metis,         ///< METIS k-way graph partition (fewer ghost entries); rows renumbered by rank
};

/// \brief What a rank's failure was, as every rank learns it (remote_error::kind).
enum class failure_kind {
  input,             ///< asor::input_error: bad input (exit code 2 in the CLI)
  invalid_argument,  ///< std::invalid_argument: invalid options or arguments (exit code 2)
  other,             ///< anything else, std::bad_alloc included (exit code 1)
};

/// \brief Thrown on every rank but the failing one when a collective operation or a distributed
/// solve failed on another rank. what() is "rank R: <that rank's message>".
class remote_error : public std::runtime_error {
 public:
  remote_error(int rank, failure_kind kind, const std::string& message)
      : std::runtime_error("rank " + std::to_string(rank) + ": " + message),
        rank_(rank),
        kind_(kind),
        message_(message) {}
  /// \returns the rank that failed first (the lowest one when several did).
  [[nodiscard]] int rank() const noexcept { return rank_; }
  [[nodiscard]] failure_kind kind() const noexcept { return kind_; }
  /// \returns the failing rank's own message.
  [[nodiscard]] const std::string& message() const noexcept { return message_; }

 private:
  int rank_;
  failure_kind kind_;
  std::string message_;
};

/// \brief Options of distributed_matrix::scatter.
struct distribution_options {
  rank_partition partition = rank_partition::nnz_balanced;
};

/// \brief The halo of one rank: what it receives from and sends to its neighbours each exchange.
struct halo_stats {
  int neighbors = 0;              ///< ranks this rank exchanges values with
  std::int64_t ghosts = 0;        ///< entries of other ranks this rank's rows read (received)
  std::int64_t send_entries = 0;  ///< entries of this rank other ranks read (sent, per neighbour)
};

/// \brief One rank's share of a matrix distributed over a communicator.
///
/// Rank r owns rows [first_row(), first_row() + local_rows()) of the *distributed numbering*:
/// the original numbering for rank_partition::nnz_balanced, the rows renumbered rank by rank for
/// METIS (global_index() gives each local row's original number). view() is the rank's rows
/// with local column numbers: [0, local_rows()) are its own rows, [local_rows(), local_rows() +
/// ghosts()) the ghost entries, grouped by owning rank. Holds its own copy of its rows.
///
/// Thread safety: const members may be called from any thread; the collective ones from one
/// thread at a time (MPI's rules).
class distributed_matrix {
 public:
  /// \brief Splits rank 0's matrix \p A over \p comm (collective). Only rank 0's \p A is read;
  /// the other ranks pass an empty view. Rank 0 sends each rank its rows (MPI_Scatterv); each
  /// rank maps other ranks' columns to ghost entries and the ranks exchange which of their rows
  /// their neighbours need.
  /// \pre MPI is initialized with at least MPI_THREAD_SERIALIZED.
  /// \throws std::invalid_argument on every rank when there are more ranks than rows or METIS is
  /// not available; input_error when a rank's rows have a missing, non-positive or non-finite
  /// diagonal or a non-finite value (on that rank; remote_error on the others).
  static distributed_matrix scatter(MPI_Comm comm, const csr_view& A,
                                    const distribution_options& options = {});

  distributed_matrix();
  ~distributed_matrix();
  distributed_matrix(const distributed_matrix&);
  distributed_matrix& operator=(const distributed_matrix&);
  distributed_matrix(distributed_matrix&&) noexcept;
  distributed_matrix& operator=(distributed_matrix&&) noexcept;

  [[nodiscard]] MPI_Comm communicator() const noexcept;  ///< asor's duplicate of the one given
  [[nodiscard]] int rank() const noexcept;
  [[nodiscard]] int ranks() const noexcept;
  [[nodiscard]] int global_rows() const noexcept;
  [[nodiscard]] std::int64_t global_nonzeros() const noexcept;
  [[nodiscard]] int first_row() const noexcept;   ///< in the distributed numbering
  [[nodiscard]] int local_rows() const noexcept;  ///< rows this rank owns
  [[nodiscard]] int ghosts() const noexcept;      ///< entries of other ranks this rank reads
  [[nodiscard]] rank_partition partition() const noexcept;
  /// \returns the rank's rows, local column numbers, with the inverse diagonal.
  [[nodiscard]] csr_view view() const noexcept;
  /// \returns the original row number of each local row.
  [[nodiscard]] std::span<const int> global_index() const noexcept;
  [[nodiscard]] halo_stats halo() const noexcept;
  /// \returns the seconds rank 0 spent partitioning (METIS or the nnz split), and every rank
  /// building its rows and its halo (collective parts included).
  [[nodiscard]] double partition_seconds() const noexcept;
  [[nodiscard]] double setup_seconds() const noexcept;

  /// \brief Rank 0's vector \p v (global_rows() entries, original numbering) split into every
  /// rank's rows (collective; the other ranks pass an empty span).
  /// \throws std::invalid_argument on every rank when rank 0's \p v has the wrong size.
  [[nodiscard]] std::vector<double> scatter_vector(std::span<const double> v) const;
  /// \brief Every rank's rows \p local (local_rows() entries) assembled on rank 0 in the original
  /// numbering (collective). \returns the whole vector on rank 0, an empty one elsewhere.
  [[nodiscard]] std::vector<double> gather_vector(std::span<const double> local) const;

  /// \brief The implementation (opaque outside the library).
  [[nodiscard]] const std::shared_ptr<detail::distributed_data>& data() const noexcept {
    return data_;
  }

 private:
  explicit distributed_matrix(std::shared_ptr<detail::distributed_data> d);
  std::shared_ptr<detail::distributed_data> data_;
};

/// \brief An engine that solves A x = b across the ranks of \p A's communicator (collective).
///
/// Its submit() / solve() take this rank's rows of b and x (local_rows() entries each) and are
/// collective: every rank submits, and every rank's handle ends with the same stop_reason.
/// Methods: method::async (asynchronous block SOR: no barrier between ranks or threads, halo
/// values sent and received as they change) and method::block_jacobi (the synchronous baseline:
/// a halo exchange and an allreduce every sweep); any other method throws std::invalid_argument.
/// The rows of a rank stay in their distributed order (options.ordering is ignored); omega
/// `auto` is estimated by Lanczos on the whole matrix across the ranks.
///
/// Stopping (docs/distributed.md): a rank's provisional residuals reach rank 0, which decides;
/// a converged candidate is confirmed once every block of every rank has swept again; the
/// decision is broadcast, every rank quiesces and drains its in-flight halo messages, and the
/// true residual is computed on the quiescent x with an allreduce. Budgets, divergence,
/// `cancel()` on any rank and the progress callback (called on rank 0 only) stop every rank.
/// The report on rank 0 has every block's sweeps, `ranks` and `rank_sweeps`; on the other
/// ranks the sweeps are the rank's own.
/// \throws std::invalid_argument when the options are invalid or the method is not distributed.
engine make_distributed_engine(const distributed_matrix& A, solver_options options);

}  // namespace asor
