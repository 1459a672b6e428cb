#pragma once
/// \file sweep.hpp
/// \brief The one relaxation kernel of asor, and the sweeps every schedule is built from.
///
/// One row update, `relax_row`, is shared by every method: sequential SOR/SSOR, block-Jacobi-SOR,
/// multicolor SOR and the asynchronous engine all call it through the sweeps below. What differs
/// between them is only *how x is accessed* (an access policy) and *which rows, in which order*.
///
/// Each sweep returns the sum of squared residuals r_i = b_i - (A x)_i that it saw just before
/// updating row i. That is the provisional residual of the sweep: it comes from the same pass over
/// the rows, with no second pass; it mixes old and new values of x, so it is an estimate, not the
/// residual of any single iterate.

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "asor/csr_view.hpp"

namespace asor {

/// \brief Order in which a sweep visits the rows of a block.
enum class sweep_direction {
  forward,    ///< rows begin .. end-1 (SOR)
  backward,   ///< rows end-1 .. begin
  symmetric,  ///< forward then backward (SSOR); the residual is the forward half's
};

/// \brief Access to x by plain loads and stores: for data no other thread touches meanwhile.
struct plain_access {
  double* x;
  [[nodiscard]] double load(int j) const noexcept { return x[j]; }
  void store(int i, double v) const noexcept { x[i] = v; }
};

/// \brief Access to x through `std::atomic_ref<double>` with relaxed order.
///
/// Thread safety / memory ordering: every access is atomic, so concurrent readers and the single
/// owner-writer of each entry do not race in the C++ memory model. Relaxed order is enough: the
/// asynchronous method tolerates any age of the values it reads; no other data is published
/// through x. On x86-64 a relaxed atomic load or store of a double is a plain `mov`.
struct relaxed_access {
  double* x;
  [[nodiscard]] double load(int j) const noexcept {
    return std::atomic_ref<double>(x[j]).load(std::memory_order_relaxed);
  }
  void store(int i, double v) const noexcept {
    std::atomic_ref<double>(x[i]).store(v, std::memory_order_relaxed);
  }
};

/// \brief Read-only plain access (Jacobi's old iterate, the residual of a quiescent x).
struct const_access {
  const double* x;
  [[nodiscard]] double load(int j) const noexcept { return x[j]; }
};

/// \brief Block-Jacobi access: rows inside [begin, end) are read from x (the newest values of this
/// block), rows outside from `frozen`, a copy of x taken before the sweep.
struct block_frozen_access {
  double* x;
  const double* frozen;
  int begin;
  int end;
  [[nodiscard]] double load(int j) const noexcept {
    return static_cast<unsigned>(j - begin) < static_cast<unsigned>(end - begin) ? x[j] : frozen[j];
  }
  void store(int i, double v) const noexcept { x[i] = v; }
};

/// \brief A poll that never asks to stop.
struct no_poll {
  [[nodiscard]] constexpr bool operator()() const noexcept { return false; }
};

/// \brief Rows relaxed between two polls of the stop request inside a sweep.
inline constexpr int poll_rows = 4096;

/// \brief What one sweep did.
struct sweep_result {
  double residual_sq = 0.0;  ///< sum of squared pre-update residuals of the rows relaxed
  int rows = 0;              ///< rows relaxed (less than the block when interrupted)
  bool interrupted = false;  ///< the poll asked to stop before the sweep finished
};

/// \brief Partial sums of one row's products, four at a time.
///
/// A single running sum makes every product wait for the previous addition (3-4 cycles of
/// latency each), which bounds a row of m entries at about 4m cycles whatever the memory does.
/// Four independent partial sums, added pairwise at the end, let four products proceed at once:
/// 1.3-2.5x faster sweeps on the real matrices in cache (59 entries per row on bcsstk16, 5 on
/// Poisson; `bench_kernels`, docs/performance.md). The order of the additions is fixed by the row
/// alone, so plain and relaxed accesses, and every method, agree bit for bit.
///
/// With \p Chained, the entry of column \p chain (if the row has one) is left out and returned in
/// \p a_chain: see relax_row_chained. Without, \p chain, \p a_chain and \p has_chain are unused.
/// One entry k of row_sum, added to the partial sum \p s (or set aside as the chain's entry).
/// A function, not a lambda: GCC stops inlining a lambda called from many inlined copies of a row
/// (a pipelined pass has one per sweep in flight), and a call per entry costs more than the row.
template <bool Chained, class Access>
[[gnu::always_inline]] inline void row_sum_add(double& s, const int* col, const double* val,
                                               Access x, int k, int chain, double& a_chain,
                                               bool& has_chain) noexcept {
  const int c = col[k];
  if (Chained && c == chain) {
    a_chain += val[k];
    has_chain = true;
  } else {
    s += val[k] * x.load(c);
  }
}

template <bool Chained, class Access>
[[gnu::always_inline]] inline double row_sum(const csr_view& A, Access x, int i, int chain,
                                             double& a_chain, bool& has_chain) noexcept {
  const int* col = A.col_idx.data();
  const double* val = A.values.data();
  const int first = A.row_ptr[static_cast<std::size_t>(i)];
  const int last = A.row_ptr[static_cast<std::size_t>(i) + 1];
  double s0 = 0.0;
  double s1 = 0.0;
  double s2 = 0.0;
  double s3 = 0.0;
  int k = first;
  for (; k + 4 <= last; k += 4) {
    row_sum_add<Chained>(s0, col, val, x, k, chain, a_chain, has_chain);
    row_sum_add<Chained>(s1, col, val, x, k + 1, chain, a_chain, has_chain);
    row_sum_add<Chained>(s2, col, val, x, k + 2, chain, a_chain, has_chain);
    row_sum_add<Chained>(s3, col, val, x, k + 3, chain, a_chain, has_chain);
  }
  for (; k < last; ++k) row_sum_add<Chained>(s0, col, val, x, k, chain, a_chain, has_chain);
  return (s0 + s1) + (s2 + s3);
}

/// \brief The whole row's sum (A x)_i, in row_sum's order.
template <class Access>
[[gnu::always_inline]] inline double row_sum(const csr_view& A, Access x, int i) noexcept {
  double unused = 0.0;
  bool none = false;
  return row_sum<false>(A, x, i, -1, unused, none);
}

/// \brief The kernel: relax row \p i of A x = b with factor \p omega.
///
/// x_i <- x_i + omega * inv_diag_i * (b_i - sum_j a_ij x_j). The row's sum includes the diagonal,
/// so the returned residual r_i is the true residual of row i at the moment it was relaxed.
/// \returns r_i.
template <class Access>
[[gnu::always_inline]] inline double relax_row(const csr_view& A, const double* b, Access x, int i,
                                               double omega) noexcept {
  const double r = b[i] - row_sum(A, x, i);
  x.store(i, x.load(i) + omega * A.inv_diag[static_cast<std::size_t>(i)] * r);
  return r;
}

/// \brief relax_row with the entry of column \p chain summed last (same update, same residual).
///
/// In a sweep, row i reads x_{i-1} (forward) or x_{i+1} (backward), written by the row just
/// before: that load and everything after it form a dependency chain from row to row. Summing the
/// other entries first leaves a single multiply-add on the chain, instead of the whole row's sum,
/// so consecutive rows overlap in the CPU. Only the order of the additions changes (the result
/// may differ from relax_row in the last bits); plain and relaxed accesses still agree bit for
/// bit. A \p chain that is not a column of row i (e.g. -1) gives relax_row's sum order exactly.
/// \returns r_i.
template <class Access>
[[gnu::always_inline]] inline double relax_row_chained(const csr_view& A, const double* b, Access x,
                                                       int i, double omega, int chain) noexcept {
  double a_chain = 0.0;
  bool has_chain = false;
  double r = b[i] - row_sum<true>(A, x, i, chain, a_chain, has_chain);
  if (has_chain) r -= a_chain * x.load(chain);
  x.store(i, x.load(i) + omega * A.inv_diag[static_cast<std::size_t>(i)] * r);
  return r;
}

/// \brief One SOR sweep over rows [begin, end) in \p dir order.
///
/// The stop request is polled every `poll_rows` rows, so a huge block cannot delay cancellation;
/// an interrupted sweep leaves x consistent (each row is either relaxed or untouched).
template <class Access, class Poll = no_poll>
sweep_result sor_sweep(const csr_view& matrix, const double* b, Access x, int begin, int end,
                       double omega, sweep_direction dir, Poll&& poll = {}) {
  // A local copy of the view (five words): the compiler may assume no store to x changes it, so
  // its pointers stay in registers. Through the reference, every atomic store to x (which GCC
  // treats conservatively) would reload them row after row.
  const csr_view A = matrix;
  sweep_result out;
  // One running sum per sweep, row after row, across the polls: the order of the additions is the
  // order of the rows, which the pipelined passes (sor_pipeline) reproduce bit for bit.
  double acc = 0.0;
  if (dir != sweep_direction::backward) {
    for (int chunk = begin; chunk < end; chunk += poll_rows) {
      if (poll()) {
        out.residual_sq = acc;
        out.interrupted = true;
        return out;
      }
      const int stop = chunk + poll_rows < end ? chunk + poll_rows : end;
      for (int i = chunk; i < stop; ++i) {
        const double r = relax_row_chained(A, b, x, i, omega, i - 1);
        acc += r * r;
      }
      out.rows += stop - chunk;
    }
    out.residual_sq = acc;
    if (dir == sweep_direction::forward) return out;
  }
  const bool record = dir == sweep_direction::backward;
  double back = 0.0;
  for (int chunk = end; chunk > begin; chunk -= poll_rows) {
    if (poll()) {
      if (record) out.residual_sq = back;
      out.interrupted = true;
      return out;
    }
    const int stop = chunk - poll_rows > begin ? chunk - poll_rows : begin;
    for (int i = chunk - 1; i >= stop; --i) {
      const double r = relax_row_chained(A, b, x, i, omega, i + 1);
      back += r * r;
    }
    if (record) out.rows += chunk - stop;
  }
  if (record) out.residual_sq = back;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Pipelined sweeps: t SOR sweeps in one pass over the rows (docs/algorithms.md, "Pipelined
// sweeps").

/// \brief The most sweeps one pipelined pass runs (`solver_options::pipeline_sweeps`).
inline constexpr int max_pipeline_sweeps = 8;

/// \brief The lag of a pipelined pass over rows [begin, end): 1 + the bandwidth of the rows
/// counting only the columns inside [begin, end), max |i - j| over those entries a_ij.
///
/// Only the values the pass itself writes create dependencies between its sweeps. Columns outside
/// the range are read either from a frozen copy (block-Jacobi: constant during the pass, so any
/// order reads the same values) or from other workers (async: any age is allowed), so they do not
/// count. O(entries of the range).
inline int pipeline_lag(const csr_view& A, int begin, int end) noexcept {
  int width = 0;
  for (int i = begin; i < end; ++i) {
    const int first = A.row_ptr[static_cast<std::size_t>(i)];
    const int last = A.row_ptr[static_cast<std::size_t>(i) + 1];
    for (int k = first; k < last; ++k) {
      const int j = A.col_idx[static_cast<std::size_t>(k)];
      if (j < begin || j >= end) continue;
      const int d = j > i ? j - i : i - j;
      if (d > width) width = d;
    }
  }
  return width + 1;
}

/// \brief What one pipelined pass did.
struct pipeline_result {
  /// Provisional residual of each sweep of the pass (sum of squared pre-update residuals of its
  /// rows, in row order): entries [0, sweeps) are valid.
  std::array<double, max_pipeline_sweeps> residual_sq{};
  int sweeps = 0;            ///< sweeps that relaxed every row of the range (a prefix of the pass)
  bool interrupted = false;  ///< the poll asked to stop before the pass finished
};

/// \brief A segment callback that does nothing.
struct no_segment_done {
  constexpr void operator()(int /*segment*/, int /*sweep*/, double /*residual_sq*/) const noexcept {
  }
};

/// \brief Sizes of the data caches of the CPU this process runs on, in bytes (0: unknown).
struct cache_sizes {
  std::size_t l2 = 0;  ///< level 2, per core
  std::size_t l3 = 0;  ///< last level (shared), 0 when there is none
};

/// \returns the cache sizes from sysconf(_SC_LEVEL2_CACHE_SIZE, _SC_LEVEL3_CACHE_SIZE), or from
/// /sys/devices/system/cpu/cpu0/cache when sysconf does not know them; read once per process.
cache_sizes detect_cache_sizes() noexcept;

/// \brief The sweeps per pass that `solver_options::pipeline_sweeps = 0` (automatic) picks for
/// rows [begin, end) with the given \p lag (pipeline_lag): the largest t <= \p cap such that the
/// pass's window of rows, (t - 1) lags plus the band on both sides, fits the cache budget (half of
/// L2; docs/algorithms.md explains the choice, docs/performance.md measures it), and the start
/// and the drain of the pass (t - 1 lags each) cover at most a quarter of its rows. 1 when no
/// t >= 2 qualifies.
int automatic_pipeline_sweeps(const csr_view& A, int begin, int end, int lag,
                              const cache_sizes& cache, int cap = 4) noexcept;

namespace detail {

/// The pass of sor_pipeline with T sweeps in direction Forward (see there). Positions q = 0 .. n-1
/// number the rows in the order of the sweeps: row begin + q forward, end - 1 - q backward. At
/// step p, sweep k relaxes position p - k * lag; within a step the leading sweep goes first.
template <int T, bool Forward, class Access, class Poll, class Done>
pipeline_result sor_pipeline_pass(const csr_view& A, const double* b, Access x,
                                  std::span<const int> seg, std::int64_t lag, double omega,
                                  Poll& poll, Done& done) {
  const int begin = seg.front();
  const int end = seg.back();
  const std::int64_t n = end - begin;
  const int nseg = static_cast<int>(seg.size()) - 1;
  // End (exclusive) of the s-th segment in the sweeps' order, as a position; its index in seg.
  const auto seg_end = [&](int s) -> std::int64_t {
    return Forward ? seg[static_cast<std::size_t>(s) + 1] - begin
                   : end - seg[static_cast<std::size_t>(nseg - 1 - s)];
  };
  const auto seg_id = [&](int s) { return Forward ? s : nseg - 1 - s; };
  const std::int64_t last = n + (T - 1) * lag;  // steps 0 .. last - 1
  // Steps at which every sweep's position lies in [0, n): no bounds test needed there.
  const std::int64_t full_lo = (T - 1) * lag;
  const std::int64_t full_hi = n;

  constexpr auto N = static_cast<std::size_t>(T);
  std::array<double, N> acc{};    // the current segment's sum, per sweep
  std::array<double, N> total{};  // the sum of the finished segments, per sweep
  std::array<int, N> next{};      // the segment each sweep is in (in the sweeps' order)

  // Relaxes steps [p0, p1); Checked: skips positions outside [0, n) (start and drain).
  const auto run = [&]<bool Checked>(std::int64_t p0, std::int64_t p1) {
    std::array<double, N> a = acc;  // indexed by constants only: kept in registers
    for (std::int64_t p = p0; p < p1; ++p) {
      [&]<int... K>(std::integer_sequence<int, K...>) {
        (
            [&] {
              const std::int64_t q = p - K * lag;
              if (Checked && (q < 0 || q >= n)) return;
              const int i = Forward ? begin + static_cast<int>(q) : end - 1 - static_cast<int>(q);
              const double r = relax_row_chained(A, b, x, i, omega, Forward ? i - 1 : i + 1);
              std::get<static_cast<std::size_t>(K)>(a) += r * r;
            }(),
            ...);
      }
      (std::make_integer_sequence<int, T>{});
    }
    acc = a;
  };
  const auto relax_steps = [&](std::int64_t p0, std::int64_t p1) {
    if (full_lo >= full_hi) {
      run.template operator()<true>(p0, p1);
      return;
    }
    const std::int64_t a = std::min(p1, full_lo);
    const std::int64_t z = std::max(p0, full_hi);
    if (p0 < a) run.template operator()<true>(p0, a);
    if (std::max(p0, full_lo) < std::min(p1, full_hi)) {
      run.template operator()<false>(std::max(p0, full_lo), std::min(p1, full_hi));
    }
    if (z < p1) run.template operator()<true>(z, p1);
  };

  // A poll every poll_rows rows relaxed, as in sor_sweep: every poll_rows / T steps.
  const std::int64_t poll_every = std::max(1, poll_rows / T);
  std::int64_t next_poll = 0;
  pipeline_result out;
  std::int64_t p = 0;
  for (;;) {
    // Sweep k has finished its segment when it reaches the segment's end: report it.
    for (int k = 0; k < T; ++k) {
      while (next[static_cast<std::size_t>(k)] < nseg &&
             p == seg_end(next[static_cast<std::size_t>(k)]) + k * lag) {
        const double r = acc[static_cast<std::size_t>(k)];
        total[static_cast<std::size_t>(k)] += r;
        acc[static_cast<std::size_t>(k)] = 0.0;
        done(seg_id(next[static_cast<std::size_t>(k)]), k, r);
        ++next[static_cast<std::size_t>(k)];
      }
    }
    if (p >= last) break;
    if (p == next_poll) {
      if (poll()) {
        out.interrupted = true;
        break;
      }
      next_poll += poll_every;
    }
    std::int64_t stop = std::min(last, next_poll);
    for (int k = 0; k < T; ++k) {
      if (next[static_cast<std::size_t>(k)] < nseg) {
        stop = std::min(stop, seg_end(next[static_cast<std::size_t>(k)]) + k * lag);
      }
    }
    relax_steps(p, stop);
    p = stop;
  }
  while (out.sweeps < T && next[static_cast<std::size_t>(out.sweeps)] == nseg) {
    out.residual_sq[static_cast<std::size_t>(out.sweeps)] =
        total[static_cast<std::size_t>(out.sweeps)];
    ++out.sweeps;
  }
  return out;
}

template <bool Forward, class Access, class Poll, class Done>
pipeline_result sor_pipeline_dispatch(const csr_view& A, const double* b, Access x,
                                      std::span<const int> seg, int sweeps, std::int64_t lag,
                                      double omega, Poll& poll, Done& done) {
  switch (sweeps) {
    case 1:
      return sor_pipeline_pass<1, Forward>(A, b, x, seg, lag, omega, poll, done);
    case 2:
      return sor_pipeline_pass<2, Forward>(A, b, x, seg, lag, omega, poll, done);
    case 3:
      return sor_pipeline_pass<3, Forward>(A, b, x, seg, lag, omega, poll, done);
    case 4:
      return sor_pipeline_pass<4, Forward>(A, b, x, seg, lag, omega, poll, done);
    case 5:
      return sor_pipeline_pass<5, Forward>(A, b, x, seg, lag, omega, poll, done);
    case 6:
      return sor_pipeline_pass<6, Forward>(A, b, x, seg, lag, omega, poll, done);
    case 7:
      return sor_pipeline_pass<7, Forward>(A, b, x, seg, lag, omega, poll, done);
    default:
      return sor_pipeline_pass<max_pipeline_sweeps, Forward>(A, b, x, seg, lag, omega, poll, done);
  }
}

}  // namespace detail

/// \brief \p sweeps SOR sweeps over rows [segments.front(), segments.back()) in one pass, with
/// bitwise the result of running them one after the other (sor_sweep).
///
/// Sweep k + 1 runs \p lag rows behind sweep k, in the same thread: at each step the pass relaxes
/// one row of every sweep in flight (the leading sweep first), each with relax_row_chained, the
/// arithmetic of sor_sweep. With lag >= 1 + the bandwidth of the range (pipeline_lag), a row of
/// sweep k + 1 reads, inside the range, exactly the values it would read after sweep k finished:
/// those of sweep k + 1 on one side (already relaxed by it, not yet by sweep k + 2, which is a lag
/// behind) and those of sweep k on the other (relaxed by it a lag ahead, not yet by sweep k + 1).
/// The rows of one step never couple, so the sweeps form independent dependency chains that the
/// CPU overlaps, and each row of the matrix is loaded once per pass while the window of
/// about sweeps x lag rows stays in cache (docs/algorithms.md).
///
/// \p segments split the range (offsets like a partition's; one segment: {begin, end}). When
/// sweep k has relaxed the last row of a segment, \p done(segment, k, residual_sq) is called with
/// that sweep's sum of squared pre-update residuals over the segment (an async worker publishes
/// its blocks so). Each sweep's residual over the whole range, in row order, is returned (bitwise
/// sor_sweep's when there is one segment).
///
/// The stop request is polled every `poll_rows` rows relaxed (every poll_rows / sweeps steps).
/// An interrupted pass leaves x row-consistent (each row relaxed by a prefix of the sweeps or
/// untouched) and counts only the sweeps that relaxed every row. \p omega is a parameter of the
/// pass: it may change from one pass to the next.
/// \pre 1 <= sweeps <= max_pipeline_sweeps; dir is forward or backward (an SSOR sweep alternates
/// directions: consecutive halves cannot overlap, see docs/algorithms.md); lag >=
/// pipeline_lag(A, begin, end); segments has at least two non-decreasing entries.
template <class Access, class Poll = no_poll, class Done = no_segment_done>
pipeline_result sor_pipeline(const csr_view& matrix, const double* b, Access x,
                             std::span<const int> segments, int sweeps, int lag, double omega,
                             sweep_direction dir, Poll&& poll = {}, Done&& done = {}) {
  // A local copy of the view, for the reason given in sor_sweep.
  const csr_view A = matrix;
  const std::int64_t l = lag < 1 ? 1 : lag;
  if (dir == sweep_direction::backward) {
    return detail::sor_pipeline_dispatch<false>(A, b, x, segments, sweeps, l, omega, poll, done);
  }
  return detail::sor_pipeline_dispatch<true>(A, b, x, segments, sweeps, l, omega, poll, done);
}

/// \brief One SOR pass over an explicit list of rows (multicolor SOR: the rows of one color).
template <class Access>
double sor_rows(const csr_view& A, const double* b, Access x, std::span<const int> rows,
                double omega) noexcept {
  double acc = 0.0;
  for (const int i : rows) {
    const double r = relax_row(A, b, x, i, omega);
    acc += r * r;
  }
  return acc;
}

/// \brief One weighted-Jacobi sweep over rows [begin, end): reads \p x_old, writes \p x_new.
/// \returns the sum of squared residuals of x_old over those rows (exact, not provisional).
inline double jacobi_sweep(const csr_view& A, const double* b, const double* x_old, double* x_new,
                           int begin, int end, double omega) noexcept {
  double acc = 0.0;
  for (int i = begin; i < end; ++i) {
    const double r = b[i] - row_sum(A, const_access{x_old}, i);
    x_new[i] = x_old[i] + omega * A.inv_diag[static_cast<std::size_t>(i)] * r;
    acc += r * r;
  }
  return acc;
}

/// \brief Sum of squared residuals (b - A x)_i over rows [begin, end) (plain loads).
inline double residual_sq(const csr_view& A, const double* b, const double* x, int begin,
                          int end) noexcept {
  double acc = 0.0;
  for (int i = begin; i < end; ++i) {
    const double r = b[i] - row_sum(A, const_access{x}, i);
    acc += r * r;
  }
  return acc;
}

}  // namespace asor
