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

#include <atomic>
#include <cstdint>
#include <span>

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
  auto add = [&](double& s, int k) {
    const int c = col[k];
    if (Chained && c == chain) {
      a_chain += val[k];
      has_chain = true;
    } else {
      s += val[k] * x.load(c);
    }
  };
  int k = first;
  for (; k + 4 <= last; k += 4) {
    add(s0, k);
    add(s1, k + 1);
    add(s2, k + 2);
    add(s3, k + 3);
  }
  for (; k < last; ++k) add(s0, k);
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
  if (dir != sweep_direction::backward) {
    for (int chunk = begin; chunk < end; chunk += poll_rows) {
      if (poll()) {
        out.interrupted = true;
        return out;
      }
      const int stop = chunk + poll_rows < end ? chunk + poll_rows : end;
      double acc = 0.0;
      for (int i = chunk; i < stop; ++i) {
        const double r = relax_row_chained(A, b, x, i, omega, i - 1);
        acc += r * r;
      }
      out.residual_sq += acc;
      out.rows += stop - chunk;
    }
    if (dir == sweep_direction::forward) return out;
  }
  const bool record = dir == sweep_direction::backward;
  for (int chunk = end; chunk > begin; chunk -= poll_rows) {
    if (poll()) {
      out.interrupted = true;
      return out;
    }
    const int stop = chunk - poll_rows > begin ? chunk - poll_rows : begin;
    double acc = 0.0;
    for (int i = chunk - 1; i >= stop; --i) {
      const double r = relax_row_chained(A, b, x, i, omega, i + 1);
      acc += r * r;
    }
    if (record) {
      out.residual_sq += acc;
      out.rows += chunk - stop;
    }
  }
  return out;
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
