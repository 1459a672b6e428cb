// distributed_matrix (asor/distributed.hpp): rank 0 splits its matrix (nnz-balanced ranges or a
// METIS partition), sends each rank its rows, and the ranks map other ranks' columns to ghost
// entries and agree on who sends which rows to whom.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "asor/config.hpp"
#include "asor/distributed.hpp"
#include "asor/io/errors.hpp"
#include "asor/partition.hpp"
#include "comm.hpp"

#if ASOR_HAVE_METIS
#include <metis.h>
#endif

namespace asor {
namespace {

using detail::distributed_data;
using seconds_clock = std::chrono::steady_clock;

double seconds_since(seconds_clock::time_point t0) {
  return std::chrono::duration<double>(seconds_clock::now() - t0).count();
}

/// The METIS k-way partition of A's graph (the pattern of A + A^T without the diagonal) into
/// \p parts parts; \returns the rows in the distributed order (by part, then by original number)
/// and sets \p offsets.
std::vector<int> metis_order(const csr_view& A, int parts, std::vector<int>& offsets) {
#if ASOR_HAVE_METIS
  const int n = A.rows;
  std::vector<std::pair<int, int>> edges;
  edges.reserve(static_cast<std::size_t>(2 * A.nnz()));
  for (int i = 0; i < n; ++i) {
    for (int k = A.row_ptr[static_cast<std::size_t>(i)];
         k < A.row_ptr[static_cast<std::size_t>(i) + 1]; ++k) {
      const int j = A.col_idx[static_cast<std::size_t>(k)];
      if (j == i) continue;
      edges.emplace_back(i, j);
      edges.emplace_back(j, i);
    }
  }
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  std::vector<idx_t> xadj(static_cast<std::size_t>(n) + 1, 0);
  std::vector<idx_t> adjncy(edges.size());
  for (std::size_t e = 0; e < edges.size(); ++e) {
    ++xadj[static_cast<std::size_t>(edges[e].first) + 1];
    adjncy[e] = edges[e].second;
  }
  std::partial_sum(xadj.begin(), xadj.end(), xadj.begin());
  edges = {};
  idx_t nvtxs = n;
  idx_t ncon = 1;
  idx_t nparts = parts;
  idx_t objval = 0;
  std::vector<idx_t> part(static_cast<std::size_t>(n), 0);
  std::vector<idx_t> metis_options(METIS_NOPTIONS);
  METIS_SetDefaultOptions(metis_options.data());
  metis_options[METIS_OPTION_NUMBERING] = 0;
  metis_options[METIS_OPTION_SEED] = 1;  // reproducible partitions
  const int status =
      METIS_PartGraphKway(&nvtxs, &ncon, xadj.data(), adjncy.data(), nullptr, nullptr, nullptr,
                          &nparts, nullptr, nullptr, metis_options.data(), &objval, part.data());
  if (status != METIS_OK) {
    throw std::runtime_error("METIS_PartGraphKway failed (status " + std::to_string(status) + ")");
  }
  offsets.assign(static_cast<std::size_t>(parts) + 1, 0);
  for (const idx_t p : part) ++offsets[static_cast<std::size_t>(p) + 1];
  for (int r = 0; r < parts; ++r) {
    if (offsets[static_cast<std::size_t>(r) + 1] == 0) {
      throw std::invalid_argument("METIS left rank " + std::to_string(r) +
                                  " without rows; use the nnz-balanced split or fewer ranks");
    }
  }
  std::partial_sum(offsets.begin(), offsets.end(), offsets.begin());
  std::vector<int> order(static_cast<std::size_t>(n));
  std::vector<int> next(offsets.begin(), offsets.end() - 1);
  for (int i = 0; i < n; ++i) {
    order[static_cast<std::size_t>(
        next[static_cast<std::size_t>(part[static_cast<std::size_t>(i)])]++)] = i;
  }
  return order;
#else
  (void)A;
  (void)parts;
  (void)offsets;
  throw std::invalid_argument("METIS partitioning is not available in this build of asor");
#endif
}

/// Rank 0's rows of each rank, in the distributed numbering (row lengths, columns, values, the
/// original row numbers).
struct rank_rows {
  std::vector<int> lengths;
  std::vector<int> columns;
  std::vector<double> values;
  std::vector<int> original;
};

rank_rows rows_of(const csr_view& A, const std::vector<int>& order,
                  const std::vector<int>& new_of_old, int first, int last) {
  rank_rows r;
  const bool permuted = !order.empty();
  for (int i = first; i < last; ++i) {
    const int old = permuted ? order[static_cast<std::size_t>(i)] : i;
    const int b = A.row_ptr[static_cast<std::size_t>(old)];
    const int e = A.row_ptr[static_cast<std::size_t>(old) + 1];
    r.lengths.push_back(e - b);
    r.original.push_back(old);
    for (int k = b; k < e; ++k) {
      const int c = A.col_idx[static_cast<std::size_t>(k)];
      r.columns.push_back(permuted ? new_of_old[static_cast<std::size_t>(c)] : c);
      r.values.push_back(A.values[static_cast<std::size_t>(k)]);
    }
  }
  return r;
}

/// Builds the rank's local rows from its rows in the distributed numbering: own columns become
/// local row numbers, the others ghost entries ordered by (owner, number); checks the diagonal.
void build_local(distributed_data& d, const rank_rows& mine) {
  const int me = d.comm.rank();
  const int first = d.offsets[static_cast<std::size_t>(me)];
  const int last = d.offsets[static_cast<std::size_t>(me) + 1];
  const int n = last - first;
  d.local_rows = n;
  d.global_index = mine.original;
  d.row_ptr.assign(static_cast<std::size_t>(n) + 1, 0);
  for (int i = 0; i < n; ++i) {
    d.row_ptr[static_cast<std::size_t>(i) + 1] =
        d.row_ptr[static_cast<std::size_t>(i)] + mine.lengths[static_cast<std::size_t>(i)];
  }
  std::vector<int> outside;
  for (const int c : mine.columns) {
    if (c < first || c >= last) outside.push_back(c);
  }
  std::sort(outside.begin(), outside.end());
  outside.erase(std::unique(outside.begin(), outside.end()), outside.end());
  d.ghost_global = std::move(outside);
  d.col_idx.resize(mine.columns.size());
  for (std::size_t k = 0; k < mine.columns.size(); ++k) {
    const int c = mine.columns[k];
    if (c >= first && c < last) {
      d.col_idx[k] = c - first;
    } else {
      const auto it = std::lower_bound(d.ghost_global.begin(), d.ghost_global.end(), c);
      d.col_idx[k] = n + static_cast<int>(it - d.ghost_global.begin());
    }
  }
  d.values = mine.values;
  d.inv_diag.assign(static_cast<std::size_t>(n), 0.0);
  for (int i = 0; i < n; ++i) {
    double diag = 0.0;
    bool found = false;
    for (int k = d.row_ptr[static_cast<std::size_t>(i)];
         k < d.row_ptr[static_cast<std::size_t>(i) + 1]; ++k) {
      const double v = d.values[static_cast<std::size_t>(k)];
      const int original = d.global_index[static_cast<std::size_t>(i)];
      if (!std::isfinite(v)) {
        throw input_error("entry (" + std::to_string(original) + ", " +
                          std::to_string(mine.columns[static_cast<std::size_t>(k)]) +
                          ") is not finite");
      }
      if (d.col_idx[static_cast<std::size_t>(k)] == i) {
        diag += v;
        found = true;
      }
    }
    if (!found || !(diag > 0.0)) {
      throw input_error("row " + std::to_string(d.global_index[static_cast<std::size_t>(i)]) +
                        (found ? " has a non-positive diagonal entry" : " has no diagonal entry"));
    }
    d.inv_diag[static_cast<std::size_t>(i)] = 1.0 / diag;
  }
}

/// The halo plan: every rank tells each owner which of its rows it reads (MPI_Alltoall of the
/// counts, MPI_Alltoallv of the numbers); the owner sends those rows, in that order.
void build_halo(distributed_data& d) {
  const int p = d.comm.size();
  const int me = d.comm.rank();
  const int first = d.offsets[static_cast<std::size_t>(me)];
  std::vector<int> need(static_cast<std::size_t>(p), 0);
  d.neighbors.clear();
  for (std::size_t g = 0; g < d.ghost_global.size(); ++g) {
    const int c = d.ghost_global[g];
    const auto owner = static_cast<int>(std::upper_bound(d.offsets.begin(), d.offsets.end(), c) -
                                        d.offsets.begin()) -
                       1;
    if (need[static_cast<std::size_t>(owner)]++ == 0) {
      distributed_data::neighbor nb;
      nb.rank = owner;
      nb.ghost_first = static_cast<int>(g);
      d.neighbors.push_back(nb);
    }
    d.neighbors.back().ghost_count++;
  }
  std::vector<int> asked(static_cast<std::size_t>(p), 0);
  MPI_Alltoall(need.data(), 1, MPI_INT, asked.data(), 1, MPI_INT, d.comm.get());
  std::vector<int> send_displs(static_cast<std::size_t>(p) + 1, 0);
  std::vector<int> recv_displs(static_cast<std::size_t>(p) + 1, 0);
  std::partial_sum(need.begin(), need.end(), send_displs.begin() + 1);
  std::partial_sum(asked.begin(), asked.end(), recv_displs.begin() + 1);
  std::vector<int> requested(static_cast<std::size_t>(recv_displs.back()));
  MPI_Alltoallv(d.ghost_global.data(), need.data(), send_displs.data(), MPI_INT, requested.data(),
                asked.data(), recv_displs.data(), MPI_INT, d.comm.get());
  // Ranks that read this rank's rows: a neighbour too (the coupling is symmetric for a
  // symmetric matrix, but the plan does not assume it).
  for (int q = 0; q < p; ++q) {
    const auto uq = static_cast<std::size_t>(q);
    if (asked[uq] == 0) continue;
    auto it = std::find_if(d.neighbors.begin(), d.neighbors.end(),
                           [q](const distributed_data::neighbor& nb) { return nb.rank == q; });
    if (it == d.neighbors.end()) {
      distributed_data::neighbor nb;
      nb.rank = q;
      nb.ghost_first = static_cast<int>(d.ghost_global.size());
      d.neighbors.push_back(nb);
      it = d.neighbors.end() - 1;
    }
    for (int k = recv_displs[uq]; k < recv_displs[uq + 1]; ++k) {
      it->send_rows.push_back(requested[static_cast<std::size_t>(k)] - first);
    }
  }
  std::sort(d.neighbors.begin(), d.neighbors.end(),
            [](const auto& a, const auto& b) { return a.rank < b.rank; });
}

}  // namespace

distributed_matrix::distributed_matrix() = default;
distributed_matrix::~distributed_matrix() = default;
distributed_matrix::distributed_matrix(const distributed_matrix&) = default;
distributed_matrix& distributed_matrix::operator=(const distributed_matrix&) = default;
distributed_matrix::distributed_matrix(distributed_matrix&&) noexcept = default;
distributed_matrix& distributed_matrix::operator=(distributed_matrix&&) noexcept = default;
distributed_matrix::distributed_matrix(std::shared_ptr<detail::distributed_data> d)
    : data_(std::move(d)) {}

distributed_matrix distributed_matrix::scatter(MPI_Comm comm, const csr_view& A,
                                               const distribution_options& options) {
  const auto t0 = seconds_clock::now();
  auto d = std::make_shared<distributed_data>(comm);
  const detail::communicator& c = d->comm;
  const int me = c.rank();
  const int p = c.size();
  d->partition = options.partition;

  // 1. Rank 0 splits the rows; every rank learns the split (or rank 0's failure).
  std::exception_ptr failure;
  std::vector<int> order;  // rank 0, METIS: the original row of each distributed row
  std::vector<int> new_of_old;
  std::int64_t header[2] = {0, 0};
  std::vector<rank_rows> parts;  // rank 0: every rank's rows
  d->offsets.assign(static_cast<std::size_t>(p) + 1, 0);
  if (me == 0) {
    try {
      const auto tp = seconds_clock::now();
      if (A.rows < 1 || A.row_ptr.size() != static_cast<std::size_t>(A.rows) + 1) {
        throw std::invalid_argument("distributed_matrix::scatter: rank 0 has no matrix");
      }
      if (A.rows < p) {
        throw std::invalid_argument("the matrix has " + std::to_string(A.rows) +
                                    " rows, fewer than the " + std::to_string(p) + " ranks");
      }
      header[0] = A.rows;
      header[1] = A.nnz();
      if (options.partition == rank_partition::metis && p > 1) {
        order = metis_order(A, p, d->offsets);
        new_of_old.resize(order.size());
        for (std::size_t i = 0; i < order.size(); ++i) {
          new_of_old[static_cast<std::size_t>(order[i])] = static_cast<int>(i);
        }
      } else {
        if (options.partition == rank_partition::metis && !ASOR_HAVE_METIS) {
          throw std::invalid_argument("METIS partitioning is not available in this build of asor");
        }
        const asor::partition split = asor::partition::balanced_by_nnz(A, p);
        d->offsets.assign(split.offsets().begin(), split.offsets().end());
      }
      for (int r = 0; r < p; ++r) {
        // Messages carry int counts: each rank's share must fit.
        std::int64_t entries = 0;
        for (int i = d->offsets[static_cast<std::size_t>(r)];
             i < d->offsets[static_cast<std::size_t>(r) + 1]; ++i) {
          const int old = order.empty() ? i : order[static_cast<std::size_t>(i)];
          entries += A.row_ptr[static_cast<std::size_t>(old) + 1] -
                     A.row_ptr[static_cast<std::size_t>(old)];
        }
        if (entries > std::numeric_limits<int>::max()) {
          throw std::invalid_argument("rank " + std::to_string(r) + " would get " +
                                      std::to_string(entries) +
                                      " entries, more than one message can carry: use more ranks");
        }
      }
      d->partition_seconds = seconds_since(tp);
      parts.resize(static_cast<std::size_t>(p));
      for (int r = 0; r < p; ++r) {
        parts[static_cast<std::size_t>(r)] =
            rows_of(A, order, new_of_old, d->offsets[static_cast<std::size_t>(r)],
                    d->offsets[static_cast<std::size_t>(r) + 1]);
      }
    } catch (...) {
      failure = std::current_exception();
    }
  }
  c.agree(c.contribution(nullptr), failure);
  MPI_Bcast(header, 2, MPI_INT64_T, 0, c.get());
  MPI_Bcast(d->offsets.data(), p + 1, MPI_INT, 0, c.get());
  MPI_Bcast(&d->partition_seconds, 1, MPI_DOUBLE, 0, c.get());
  d->global_rows = static_cast<int>(header[0]);
  d->global_nonzeros = header[1];

  // 2. Rank 0 sends each rank its rows: lengths, original numbers, columns, values.
  rank_rows mine;
  const int my_rows =
      d->offsets[static_cast<std::size_t>(me) + 1] - d->offsets[static_cast<std::size_t>(me)];
  if (me == 0) {
    std::vector<int> entries(static_cast<std::size_t>(p));
    for (int r = 0; r < p; ++r) {
      entries[static_cast<std::size_t>(r)] =
          static_cast<int>(parts[static_cast<std::size_t>(r)].columns.size());
    }
    int own = 0;
    MPI_Scatter(entries.data(), 1, MPI_INT, &own, 1, MPI_INT, 0, c.get());
    std::vector<MPI_Request> sends;
    for (int r = 1; r < p; ++r) {
      const rank_rows& rr = parts[static_cast<std::size_t>(r)];
      const int rows = static_cast<int>(rr.lengths.size());
      sends.resize(sends.size() + 4);
      MPI_Request* q = sends.data() + sends.size() - 4;
      MPI_Isend(rr.lengths.data(), rows, MPI_INT, r, detail::tag_scatter, c.get(), q);
      MPI_Isend(rr.original.data(), rows, MPI_INT, r, detail::tag_scatter, c.get(), q + 1);
      MPI_Isend(rr.columns.data(), static_cast<int>(rr.columns.size()), MPI_INT, r,
                detail::tag_scatter, c.get(), q + 2);
      MPI_Isend(rr.values.data(), static_cast<int>(rr.values.size()), MPI_DOUBLE, r,
                detail::tag_scatter, c.get(), q + 3);
    }
    MPI_Waitall(static_cast<int>(sends.size()), sends.data(), MPI_STATUSES_IGNORE);
    mine = std::move(parts[0]);
  } else {
    int own = 0;
    MPI_Scatter(nullptr, 1, MPI_INT, &own, 1, MPI_INT, 0, c.get());
    mine.lengths.resize(static_cast<std::size_t>(my_rows));
    mine.original.resize(static_cast<std::size_t>(my_rows));
    mine.columns.resize(static_cast<std::size_t>(own));
    mine.values.resize(static_cast<std::size_t>(own));
    // Receives in the order they were sent (same source and tag: MPI keeps the order).
    MPI_Recv(mine.lengths.data(), my_rows, MPI_INT, 0, detail::tag_scatter, c.get(),
             MPI_STATUS_IGNORE);
    MPI_Recv(mine.original.data(), my_rows, MPI_INT, 0, detail::tag_scatter, c.get(),
             MPI_STATUS_IGNORE);
    MPI_Recv(mine.columns.data(), own, MPI_INT, 0, detail::tag_scatter, c.get(), MPI_STATUS_IGNORE);
    MPI_Recv(mine.values.data(), own, MPI_DOUBLE, 0, detail::tag_scatter, c.get(),
             MPI_STATUS_IGNORE);
  }

  // 3. Every rank builds its rows and checks them; 4. the halo plan.
  try {
    build_local(*d, mine);
  } catch (...) {
    failure = std::current_exception();
  }
  c.agree(c.contribution(nullptr), failure);
  build_halo(*d);
  d->setup_seconds = seconds_since(t0);
  return distributed_matrix(std::move(d));
}

MPI_Comm distributed_matrix::communicator() const noexcept {
  return data_ ? data_->comm.get() : MPI_COMM_NULL;
}
int distributed_matrix::rank() const noexcept { return data_ ? data_->comm.rank() : 0; }
int distributed_matrix::ranks() const noexcept { return data_ ? data_->comm.size() : 0; }
int distributed_matrix::global_rows() const noexcept { return data_ ? data_->global_rows : 0; }
std::int64_t distributed_matrix::global_nonzeros() const noexcept {
  return data_ ? data_->global_nonzeros : 0;
}
int distributed_matrix::first_row() const noexcept {
  return data_ ? data_->offsets[static_cast<std::size_t>(data_->comm.rank())] : 0;
}
int distributed_matrix::local_rows() const noexcept { return data_ ? data_->local_rows : 0; }
int distributed_matrix::ghosts() const noexcept { return data_ ? data_->ghosts() : 0; }
rank_partition distributed_matrix::partition() const noexcept {
  return data_ ? data_->partition : rank_partition::nnz_balanced;
}
csr_view distributed_matrix::view() const noexcept { return data_ ? data_->view() : csr_view{}; }
std::span<const int> distributed_matrix::global_index() const noexcept {
  return data_ ? std::span<const int>(data_->global_index) : std::span<const int>{};
}
halo_stats distributed_matrix::halo() const noexcept {
  halo_stats h;
  if (!data_) return h;
  h.neighbors = static_cast<int>(data_->neighbors.size());
  h.ghosts = data_->ghosts();
  for (const auto& nb : data_->neighbors) {
    h.send_entries += static_cast<std::int64_t>(nb.send_rows.size());
  }
  return h;
}
double distributed_matrix::partition_seconds() const noexcept {
  return data_ ? data_->partition_seconds : 0.0;
}
double distributed_matrix::setup_seconds() const noexcept {
  return data_ ? data_->setup_seconds : 0.0;
}

std::vector<double> distributed_matrix::scatter_vector(std::span<const double> v) const {
  if (!data_) throw std::logic_error("distributed_matrix: empty (moved from or default)");
  const distributed_data& d = *data_;
  const detail::communicator& c = d.comm;
  std::exception_ptr failure;
  if (c.rank() == 0 && v.size() != static_cast<std::size_t>(d.global_rows)) {
    failure = std::make_exception_ptr(
        std::invalid_argument("scatter_vector: rank 0's vector has " + std::to_string(v.size()) +
                              " entries, the matrix " + std::to_string(d.global_rows) + " rows"));
  }
  c.agree(c.contribution(nullptr), failure);
  const int p = c.size();
  std::vector<double> ordered;
  std::vector<int> counts(static_cast<std::size_t>(p));
  std::vector<int> displs(static_cast<std::size_t>(p));
  for (int r = 0; r < p; ++r) {
    counts[static_cast<std::size_t>(r)] =
        d.offsets[static_cast<std::size_t>(r) + 1] - d.offsets[static_cast<std::size_t>(r)];
    displs[static_cast<std::size_t>(r)] = d.offsets[static_cast<std::size_t>(r)];
  }
  if (c.rank() == 0) {
    // Rank 0 needs every rank's original numbers: its own, and METIS's order for the others
    // (gathered: it did not keep the order).
    std::vector<int> original(static_cast<std::size_t>(d.global_rows));
    MPI_Gatherv(d.global_index.data(), d.local_rows, MPI_INT, original.data(), counts.data(),
                displs.data(), MPI_INT, 0, c.get());
    ordered.resize(original.size());
    for (std::size_t i = 0; i < original.size(); ++i) {
      ordered[i] = v[static_cast<std::size_t>(original[i])];
    }
  } else {
    MPI_Gatherv(d.global_index.data(), d.local_rows, MPI_INT, nullptr, nullptr, nullptr, MPI_INT, 0,
                c.get());
  }
  std::vector<double> local(static_cast<std::size_t>(d.local_rows));
  MPI_Scatterv(ordered.data(), counts.data(), displs.data(), MPI_DOUBLE, local.data(), d.local_rows,
               MPI_DOUBLE, 0, c.get());
  return local;
}

std::vector<double> distributed_matrix::gather_vector(std::span<const double> local) const {
  if (!data_) throw std::logic_error("distributed_matrix: empty (moved from or default)");
  const distributed_data& d = *data_;
  const detail::communicator& c = d.comm;
  std::exception_ptr failure;
  if (local.size() != static_cast<std::size_t>(d.local_rows)) {
    failure = std::make_exception_ptr(std::invalid_argument(
        "gather_vector: the local vector has " + std::to_string(local.size()) +
        " entries, the rank " + std::to_string(d.local_rows) + " rows"));
  }
  c.agree(c.contribution(nullptr), failure);
  const int p = c.size();
  std::vector<int> counts(static_cast<std::size_t>(p));
  std::vector<int> displs(static_cast<std::size_t>(p));
  for (int r = 0; r < p; ++r) {
    counts[static_cast<std::size_t>(r)] =
        d.offsets[static_cast<std::size_t>(r) + 1] - d.offsets[static_cast<std::size_t>(r)];
    displs[static_cast<std::size_t>(r)] = d.offsets[static_cast<std::size_t>(r)];
  }
  std::vector<double> ordered;
  std::vector<int> original;
  if (c.rank() == 0) {
    ordered.resize(static_cast<std::size_t>(d.global_rows));
    original.resize(static_cast<std::size_t>(d.global_rows));
  }
  MPI_Gatherv(d.global_index.data(), d.local_rows, MPI_INT, original.data(), counts.data(),
              displs.data(), MPI_INT, 0, c.get());
  MPI_Gatherv(local.data(), d.local_rows, MPI_DOUBLE, ordered.data(), counts.data(), displs.data(),
              MPI_DOUBLE, 0, c.get());
  std::vector<double> out;
  if (c.rank() == 0) {
    out.resize(ordered.size());
    for (std::size_t i = 0; i < ordered.size(); ++i) {
      out[static_cast<std::size_t>(original[i])] = ordered[i];
    }
  }
  return out;
}

}  // namespace asor
