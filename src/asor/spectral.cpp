/// \file spectral.cpp
/// \brief The two-sided spectral estimate behind omega = auto (Lanczos on the Jacobi-scaled
/// matrix, with a-posteriori error bounds and a cost budget), and the parallel true residual.
///
/// Both work on the csr_view directly: the matrix-vector products are our own loops, and the
/// small tridiagonal problems are solved here too (bisection and inverse iteration).

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "asor/engine.hpp"
#include "asor/spectral.hpp"
#include "asor/sweep.hpp"
#include "engine_impl.hpp"

namespace asor {
namespace {

/// Rows per task of the parallel loops below; also the grain of the deterministic reductions.
constexpr int row_chunk = 4096;

/// Number of fixed chunks of rows (the reduction grain).
int chunks_of(int n) { return (n + row_chunk - 1) / row_chunk; }

/// Sum of \p partial in order: the same bits whatever the number of threads.
double ordered_sum(const std::vector<double>& partial) {
  double acc = 0.0;
  for (const double p : partial) acc += p;
  return acc;
}

/// y = S v with S = D^-1/2 A D^-1/2 (s_i = sqrt(inv_diag_i)); returns v . y.
double scaled_matvec(const csr_view& A, const std::vector<double>& s, const double* v, double* y,
                     std::vector<double>& partial) {
  const int n = A.rows;
  const int* row_ptr = A.row_ptr.data();
  const int* col = A.col_idx.data();
  const double* val = A.values.data();
  const double* sd = s.data();
  const int chunks = chunks_of(n);
  partial.assign(static_cast<std::size_t>(chunks), 0.0);
#pragma omp parallel for schedule(static) if (chunks > 4)
  for (int c = 0; c < chunks; ++c) {
    const int end = std::min(n, (c + 1) * row_chunk);
    double dot = 0.0;
    for (int i = c * row_chunk; i < end; ++i) {
      double acc = 0.0;
      for (int k = row_ptr[i]; k < row_ptr[i + 1]; ++k) acc += val[k] * (sd[col[k]] * v[col[k]]);
      y[i] = sd[i] * acc;
      dot += v[i] * y[i];
    }
    partial[static_cast<std::size_t>(c)] = dot;
  }
  return ordered_sum(partial);
}

/// y = Lt (Lt^T v) with Lt the strictly lower triangle of S: the operator whose largest
/// eigenvalue is beta = rho(D^-1 L D^-1 U) (A = D - L - U symmetric, so U = L^T). \p u is scratch.
/// Returns v . y.
double lower_upper_matvec(const csr_view& A, const std::vector<double>& s, const double* v,
                          double* y, std::vector<double>& u, std::vector<double>& partial) {
  const int n = A.rows;
  const int* row_ptr = A.row_ptr.data();
  const int* col = A.col_idx.data();
  const double* val = A.values.data();
  const double* sd = s.data();
  const int chunks = chunks_of(n);
  u.resize(static_cast<std::size_t>(n));
  double* ud = u.data();
  // u = Lt^T v: (Lt^T)_ij = S_ji = S_ij for j > i, the upper part of row i (S is symmetric).
#pragma omp parallel for schedule(static) if (chunks > 4)
  for (int i = 0; i < n; ++i) {
    double acc = 0.0;
    for (int k = row_ptr[i]; k < row_ptr[i + 1]; ++k) {
      if (col[k] > i) acc += val[k] * (sd[col[k]] * v[col[k]]);
    }
    ud[i] = sd[i] * acc;
  }
  partial.assign(static_cast<std::size_t>(chunks), 0.0);
#pragma omp parallel for schedule(static) if (chunks > 4)
  for (int c = 0; c < chunks; ++c) {
    const int end = std::min(n, (c + 1) * row_chunk);
    double dot = 0.0;
    for (int i = c * row_chunk; i < end; ++i) {
      double acc = 0.0;
      for (int k = row_ptr[i]; k < row_ptr[i + 1]; ++k) {
        if (col[k] < i) acc += val[k] * (sd[col[k]] * ud[col[k]]);
      }
      y[i] = sd[i] * acc;
      dot += v[i] * y[i];
    }
    partial[static_cast<std::size_t>(c)] = dot;
  }
  return ordered_sum(partial);
}

/// Number of eigenvalues of the symmetric tridiagonal (alpha, beta) below x (Sturm count of the
/// LDL^T pivots of T - x I).
int sturm_count(const std::vector<double>& alpha, const std::vector<double>& beta, double x) {
  int count = 0;
  double d = 1.0;
  for (std::size_t i = 0; i < alpha.size(); ++i) {
    const double off = i == 0 ? 0.0 : beta[i - 1] * beta[i - 1];
    d = alpha[i] - x - (i == 0 ? 0.0 : off / d);
    if (d == 0.0) d = -std::numeric_limits<double>::min();
    if (d < 0.0) ++count;
  }
  return count;
}

/// The \p j-th smallest eigenvalue (0-based) of the tridiagonal, by bisection to full precision.
double tridiagonal_eigenvalue(const std::vector<double>& alpha, const std::vector<double>& beta,
                              int j) {
  // Gershgorin interval.
  double lo = std::numeric_limits<double>::infinity();
  double hi = -lo;
  const std::size_t k = alpha.size();
  for (std::size_t i = 0; i < k; ++i) {
    const double r = (i > 0 ? std::abs(beta[i - 1]) : 0.0) + (i + 1 < k ? std::abs(beta[i]) : 0.0);
    lo = std::min(lo, alpha[i] - r);
    hi = std::max(hi, alpha[i] + r);
  }
  for (int it = 0; it < 200; ++it) {
    const double mid = 0.5 * (lo + hi);
    if (!(mid > lo && mid < hi)) break;  // adjacent doubles
    if (sturm_count(alpha, beta, mid) > j) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return 0.5 * (lo + hi);
}

/// |last component| of the unit eigenvector of the tridiagonal for the eigenvalue \p theta, by two
/// steps of inverse iteration (tridiagonal LU with partial pivoting, as LAPACK's dgttrf/dgttrs).
double last_component(const std::vector<double>& alpha, const std::vector<double>& beta,
                      double theta) {
  const std::size_t k = alpha.size();
  if (k == 1) return 1.0;
  double scale = 0.0;
  for (std::size_t i = 0; i < k; ++i) scale = std::max(scale, std::abs(alpha[i]));
  for (std::size_t i = 0; i + 1 < k; ++i) scale = std::max(scale, std::abs(beta[i]));
  const double tiny = std::max(scale, 1.0) * std::numeric_limits<double>::epsilon() * 1e-3;
  std::vector<double> dl(beta.begin(), beta.begin() + static_cast<std::ptrdiff_t>(k - 1));
  std::vector<double> du = dl;
  std::vector<double> du2(k, 0.0);
  std::vector<double> d(k);
  std::vector<bool> swapped(k, false);
  for (std::size_t i = 0; i < k; ++i) d[i] = alpha[i] - theta;
  for (std::size_t i = 0; i + 1 < k; ++i) {
    if (std::abs(d[i]) >= std::abs(dl[i])) {
      if (d[i] == 0.0) d[i] = tiny;
      const double fact = dl[i] / d[i];
      dl[i] = fact;
      d[i + 1] -= fact * du[i];
    } else {
      const double fact = d[i] / dl[i];
      d[i] = dl[i];
      dl[i] = fact;
      const double temp = du[i];
      du[i] = d[i + 1];
      d[i + 1] = temp - fact * d[i + 1];
      if (i + 2 < k) {
        du2[i] = du[i + 1];
        du[i + 1] = -fact * du[i + 1];
      }
      swapped[i] = true;
    }
  }
  if (d[k - 1] == 0.0) d[k - 1] = tiny;
  std::vector<double> y(k, 1.0);
  for (int iteration = 0; iteration < 2; ++iteration) {
    for (std::size_t i = 0; i + 1 < k; ++i) {
      if (swapped[i]) std::swap(y[i], y[i + 1]);
      y[i + 1] -= dl[i] * y[i];
    }
    y[k - 1] /= d[k - 1];
    y[k - 2] = (y[k - 2] - du[k - 2] * y[k - 1]) / d[k - 2];
    for (std::size_t i = k - 2; i-- > 0;) {
      y[i] = (y[i] - du[i] * y[i + 1] - du2[i] * y[i + 2]) / d[i];
    }
    double norm = 0.0;
    for (const double v : y) norm = std::max(norm, std::abs(v));
    if (!(norm > 0.0) || !std::isfinite(norm)) return 1.0;
    for (double& v : y) v /= norm;
  }
  double sq = 0.0;
  for (const double v : y) sq += v * v;
  return std::abs(y[k - 1]) / std::sqrt(sq);
}

/// The extreme Ritz values of T_k with their a-posteriori error bounds.
struct ritz_extremes {
  double min = 0;
  double min_error = 0;
  double max = 0;
  double max_error = 0;
};

/// \p next_beta is the norm of the Lanczos residual after step k (beta_k): the residual of the
/// Ritz pair (theta, V s) is beta_k |s_k| (Parlett ch. 13). The error bound is min(r, r^2 / gap)
/// (the gap theorem, Parlett 11-7), with the distance to the next Ritz value less r for the
/// unknown gap; a copy of the same value (Lanczos without full reorthogonalization) leaves r.
ritz_extremes analyze(const std::vector<double>& alpha, const std::vector<double>& beta,
                      double next_beta) {
  ritz_extremes out;
  const int k = static_cast<int>(alpha.size());
  if (k == 1) {
    out.min = out.max = alpha[0];
    out.min_error = out.max_error = std::abs(next_beta);
    return out;
  }
  out.min = tridiagonal_eigenvalue(alpha, beta, 0);
  out.max = tridiagonal_eigenvalue(alpha, beta, k - 1);
  const double second = tridiagonal_eigenvalue(alpha, beta, 1);
  const double second_last = tridiagonal_eigenvalue(alpha, beta, k - 2);
  const double spread = std::max(std::abs(out.max), std::abs(out.min));
  const auto bound = [&](double r, double gap) {
    // The distance to the rest of the spectrum is at least gap - r when gap is the Ritz gap.
    if (gap > 1e-10 * spread && gap > 2.0 * r) return std::min(r, r * r / (gap - r));
    return r;
  };
  const double r_min = std::abs(next_beta) * last_component(alpha, beta, out.min);
  const double r_max = std::abs(next_beta) * last_component(alpha, beta, out.max);
  out.min_error = bound(r_min, second - out.min);
  out.max_error = bound(r_max, out.max - second_last);
  return out;
}

/// Lanczos on a symmetric operator: the coefficients of T_k, one step at a time.
///
/// The three-term recurrence with local reorthogonalization, in O(n) memory: v_k, v_{k-1} and w.
/// One step is the operator (which also returns v . w), one fused pass (w -= alpha v + beta
/// v_prev, with v . w and w . w for the local reorthogonalization and the norm) and one pass
/// forming v_{k+1} in place of v_{k-1}. Without full reorthogonalization the basis loses
/// orthogonality once a Ritz value converges and copies of it appear, but the extreme Ritz values
/// and their residual bounds stay valid (Paige 1976; Cullum and Willoughby 1985), which is all
/// this estimate needs; the recurrence may also run past n steps. (Full reorthogonalization was
/// dropped: its Gram-Schmidt passes cost more than the products below a few thousand rows.)
///
/// Across processes (\p sum set) each process holds its rows of the vectors: the start vector is
/// drawn entry by entry in the global numbering (from \p first_row on), and every inner product
/// is summed over the processes by \p sum, so every process computes the same coefficients.
class lanczos {
 public:
  lanczos(int n, unsigned seed, std::int64_t first_row = 0, const detail::global_sum* sum = nullptr)
      : n_(n), sum_(sum), partial_(static_cast<std::size_t>(chunks_of(n)), 0.0) {
    const auto un = static_cast<std::size_t>(n);
    v_.assign(un, 0.0);
    prev_.assign(un, 0.0);
    w_.assign(un, 0.0);
    // Start: uniform entries in [-1, 1) from mt19937_64(seed) (its sequence is fixed by the
    // standard; the mapping to doubles is ours), normalized.
    std::mt19937_64 rng(seed);
    rng.discard(static_cast<unsigned long long>(first_row));
    double* v0 = v_.data();
    double sq = 0.0;
    for (int i = 0; i < n; ++i) {
      v0[i] = 2.0 * (static_cast<double>(rng() >> 11) * 0x1.0p-53) - 1.0;
      sq += v0[i] * v0[i];
    }
    sq = global(sq);
    const double inv = 1.0 / std::sqrt(sq);
    for (int i = 0; i < n; ++i) v0[i] *= inv;
  }

  /// One step with \p apply(v, w) (w = Op v, returns v . w over every process).
  /// \returns false at breakdown (the Krylov space is invariant; next_beta() is ~0).
  template <class Op>
  bool step(Op&& apply) {
    const double a = apply(v_.data(), w_.data());
    alpha_.push_back(a);
    const double b = local_step(a);
    norm_estimate_ = std::max(norm_estimate_, std::abs(a) + b + (beta_.empty() ? 0.0 : last_));
    next_beta_ = b;
    if (!(b > 1e-12 * norm_estimate_)) return false;
    beta_.push_back(b);
    last_ = b;
    return true;
  }

  [[nodiscard]] int steps() const noexcept { return static_cast<int>(alpha_.size()); }
  [[nodiscard]] ritz_extremes extremes() const {
    // T_k uses beta_0 .. beta_{k-2}; beta_ may hold beta_{k-1} as well.
    const std::vector<double> sub(beta_.begin(),
                                  beta_.begin() + static_cast<std::ptrdiff_t>(steps() - 1));
    return analyze(alpha_, sub, next_beta_);
  }
  /// Bytes of vector traffic per step beyond the operator, for the cost model: the fused pass
  /// reads v, v_prev and w and writes w (32 n), the new vector reads two and writes one (24 n).
  [[nodiscard]] double vector_bytes_per_step() const noexcept { return 56.0 * n_; }

 private:
  /// w -= a v + beta_{k-1} v_{k-1}; local reorthogonalization against v; v_{k+1} into prev_.
  double local_step(double a) {
    const int n = n_;
    const int chunks = chunks_of(n);
    const double bprev = beta_.empty() ? 0.0 : last_;  // beta_{k-1}; v_{-1} = 0
    double* w = w_.data();
    double* v = v_.data();
    double* p = prev_.data();
    std::vector<double> vw(static_cast<std::size_t>(chunks), 0.0);
    std::vector<double>& ww = partial_;
    ww.assign(static_cast<std::size_t>(chunks), 0.0);
#pragma omp parallel for schedule(static) if (chunks > 4)
    for (int c = 0; c < chunks; ++c) {
      const int end = std::min(n, (c + 1) * row_chunk);
      double dvw = 0.0;
      double dww = 0.0;
      for (int i = c * row_chunk; i < end; ++i) {
        const double wi = w[i] - a * v[i] - bprev * p[i];
        w[i] = wi;
        dvw += v[i] * wi;
        dww += wi * wi;
      }
      vw[static_cast<std::size_t>(c)] = dvw;
      ww[static_cast<std::size_t>(c)] = dww;
    }
    std::array<double, 2> sums{ordered_sum(vw), ordered_sum(ww)};
    if (sum_ != nullptr) (*sum_)(sums);
    const double cv = sums[0];
    const double q = sums[1];
    // ||w - c v||^2 = ||w||^2 - c^2 (||v|| = 1 and v . w = c); recomputed when that cancels.
    double b2 = q - cv * cv;
    if (b2 < 1e-4 * q) {
#pragma omp parallel for schedule(static) if (chunks > 4)
      for (int c = 0; c < chunks; ++c) {
        const int end = std::min(n, (c + 1) * row_chunk);
        double dww = 0.0;
        for (int i = c * row_chunk; i < end; ++i) {
          w[i] -= cv * v[i];
          dww += w[i] * w[i];
        }
        ww[static_cast<std::size_t>(c)] = dww;
      }
      b2 = global(ordered_sum(ww));
      form_next(0.0, b2);
    } else {
      form_next(cv, b2);
    }
    return std::sqrt(std::max(b2, 0.0));
  }

  /// prev_ <- (w - c v) / sqrt(b2), then swap: v_ holds v_{k+1}, prev_ holds v_k.
  void form_next(double cv, double b2) {
    if (!(b2 > 0.0)) return;
    const double inv = 1.0 / std::sqrt(b2);
    const int n = n_;
    double* w = w_.data();
    double* v = v_.data();
    double* p = prev_.data();
#pragma omp parallel for schedule(static) if (n > 4 * row_chunk)
    for (int i = 0; i < n; ++i) p[i] = (w[i] - cv * v[i]) * inv;
    std::swap(v_, prev_);
  }

  /// \p local summed over every process.
  double global(double local) const {
    if (sum_ == nullptr) return local;
    std::array<double, 1> one{local};
    (*sum_)(one);
    return one[0];
  }

  int n_;
  const detail::global_sum* sum_;  // nullptr: one process
  std::vector<double> v_, prev_, w_;
  std::vector<double> partial_;
  std::vector<double> alpha_, beta_;
  double last_ = 0.0;       // beta_{k-1}
  double next_beta_ = 0.0;  // beta_k, the residual norm of the current step
  double norm_estimate_ = 0.0;
};

/// Whether the rows' graph is bipartite and whether the matrix is consistently ordered as given:
/// one breadth-first pass assigning g_j = g_i + 1 (j > i) or g_i - 1 (j < i) along every entry
/// a_ij and checking the assignment (Young 1971, ch. 5: an ordering vector exists). A consistent
/// ordering gives |g_i - g_j| = 1 on every edge, hence a 2-coloring by the parity of g.
std::pair<bool, bool> graph_tests(const csr_view& A) {
  const int n = A.rows;
  constexpr int unset = std::numeric_limits<int>::min();
  std::vector<int> g(static_cast<std::size_t>(n), unset);
  std::vector<signed char> color(static_cast<std::size_t>(n), -1);
  std::vector<int> queue;
  queue.reserve(static_cast<std::size_t>(n));
  bool bipartite = true;
  bool consistent = true;
  for (int s = 0; s < n && bipartite; ++s) {
    if (color[static_cast<std::size_t>(s)] >= 0) continue;
    g[static_cast<std::size_t>(s)] = 0;
    color[static_cast<std::size_t>(s)] = 0;
    queue.assign(1, s);
    for (std::size_t head = 0; head < queue.size() && bipartite; ++head) {
      const int i = queue[head];
      const auto ui = static_cast<std::size_t>(i);
      for (int k = A.row_ptr[ui]; k < A.row_ptr[ui + 1]; ++k) {
        const int j = A.col_idx[static_cast<std::size_t>(k)];
        if (j == i) continue;
        const auto uj = static_cast<std::size_t>(j);
        const int want = j > i ? g[ui] + 1 : g[ui] - 1;
        if (color[uj] < 0) {
          color[uj] = static_cast<signed char>(1 - color[ui]);
          g[uj] = want;
          queue.push_back(j);
        } else {
          if (g[uj] != want) consistent = false;
          if (color[uj] == color[ui]) bipartite = false;
        }
      }
    }
  }
  return {bipartite, bipartite && consistent};
}

/// Sequential SOR sweeps to \p tol at the omega of lambda_min = \p lambda (Young: the factor at
/// the optimum is omega - 1; the Jordan block's factor k is left out, so this errs low).
double predicted_sor_sweeps(double lambda, double tol) {
  const double rho = std::clamp(sor_omega_for(lambda) - 1.0, 1e-2, 1.0 - 1e-15);
  return std::log(1.0 / tol) / -std::log(rho);
}

}  // namespace

double omega_estimate::lambda_min_lower() const noexcept {
  return std::max(0.0, lambda_min - lambda_min_error);
}

double omega_estimate::lambda_max_upper() const noexcept { return lambda_max + lambda_max_error; }

double omega_estimate::lambda_min_relative_error() const noexcept {
  return lambda_min > 0.0 ? lambda_min_error / lambda_min : std::numeric_limits<double>::infinity();
}

double omega_estimate::lambda_max_relative_error() const noexcept {
  return lambda_max > 0.0 ? lambda_max_error / lambda_max : std::numeric_limits<double>::infinity();
}

namespace {

/// estimate_omega on one process (\p part null) or on this process's rows of a distributed matrix.
omega_estimate estimate(const csr_view& A, const spectral_options& o, const stop_predicate& stop,
                        const detail::spectral_part* part) {
  const auto t0 = std::chrono::steady_clock::now();
  omega_estimate out;
  const int n = A.rows;
  if (n <= 0 && part == nullptr) return out;
  const int k_cap = std::max(o.max_steps, 1);
  const auto un = static_cast<std::size_t>(n);
  std::vector<double> s(un);
  for (std::size_t i = 0; i < un; ++i) s[i] = std::sqrt(A.inv_diag[i]);

  lanczos run(n, o.seed, part != nullptr ? part->first_row : 0,
              part != nullptr ? &part->sum : nullptr);
  std::vector<double> partial;
  const auto op = [&](const double* v, double* w) {
    return part != nullptr ? part->apply(v, w) : scaled_matvec(A, s, v, w, partial);
  };
  // The operator moves what a sweep moves (values, columns, row pointers, three vectors).
  const double sweep_bytes = std::max(1.0, static_cast<double>(A.sweep_bytes(0, n)));
  double cost = 0.0;
  double budget = std::max(o.min_budget_sweeps, 1.0);
  // A step's cost in sweeps; across processes from the totals, so that every process takes the
  // same decisions (a process that stopped alone would leave the others in a reduction).
  std::array<double, 2> bytes{sweep_bytes, run.vector_bytes_per_step()};
  if (part != nullptr) part->sum(bytes);
  const double step_cost = (bytes[0] + bytes[1]) / bytes[0];
  ritz_extremes ext;
  int next_check = 1;
  int analyzed = 0;  // the step count ext belongs to
  struct check {
    int k;
    double min;
    double max;
  };
  std::vector<check> history;
  bool exact = false;
  while (true) {
    throw_if_stopped(stop);
    const bool more = run.step(op);
    cost += step_cost;
    const int k = run.steps();
    if (!more) {
      exact = true;
      ext = run.extremes();
      break;
    }
    const bool last = k >= k_cap;
    if (k >= next_check || last) {
      // The checks cost O(k) each (bisection and inverse iteration on T_k): every step at first,
      // then every k/8 steps (at most 50), so the steps overshoot a stopping point by 12 % at most.
      ext = run.extremes();
      analyzed = k;
      next_check = k + std::max(1, std::min(k / 8, 50));
      // Accurate: both bounds within the target, and the values stable too (the bounds assume the
      // Ritz gap is the true one, which an unconverged neighbour breaks): they moved by less than
      // the target since a check at least max(4, k/4) steps back, and at least 8 steps were taken.
      history.push_back({k, ext.min, ext.max});
      const auto stable = [&] {
        for (auto it = history.rbegin(); it != history.rend(); ++it) {
          if (it->k <= k - std::max(4, k / 4)) {
            return std::abs(it->min - ext.min) <= o.accuracy * std::abs(ext.min) &&
                   std::abs(it->max - ext.max) <= o.accuracy * std::abs(ext.max);
          }
        }
        return false;
      };
      const bool accurate = k >= 8 && ext.min_error <= o.accuracy * std::abs(ext.min) &&
                            ext.max_error <= o.accuracy * std::abs(ext.max) && stable();
      budget = std::max(o.min_budget_sweeps,
                        o.budget_fraction * predicted_sor_sweeps(ext.min, o.tolerance));
      if (accurate || last) break;
    }
    if (cost + step_cost > budget) {
      if (analyzed != k) ext = run.extremes();
      break;
    }
  }
  out.lambda_min = ext.min;
  out.lambda_max = ext.max;
  out.lambda_min_error = exact ? 0.0 : ext.min_error;
  out.lambda_max_error = exact ? 0.0 : ext.max_error;
  out.exact = exact;
  out.converged = exact || (out.lambda_min_error <= o.accuracy * std::abs(out.lambda_min) &&
                            out.lambda_max_error <= o.accuracy * std::abs(out.lambda_max));
  out.lanczos_steps = run.steps();
  throw_if_stopped(stop);
  if (part == nullptr) {
    // Across processes the graph is not whole here: both stay false (the rules are then
    // heuristics, as for any matrix that is not consistently ordered).
    const auto [bipartite, consistent] = graph_tests(A);
    out.bipartite = bipartite;
    out.consistently_ordered = consistent;
    cost += (4.0 * static_cast<double>(A.nnz()) + 16.0 * n) / sweep_bytes;
  }
  out.budget_sweeps = budget;
  out.jacobi_rho = std::max(std::abs(1.0 - out.lambda_min), std::abs(1.0 - out.lambda_max));
  out.predicted_sweeps = predicted_sor_sweeps(out.lambda_min, o.tolerance);

  const double before_beta = cost;
  if (o.estimate_beta && n > 1 && part == nullptr) {
    // beta = lambda_max(Lt Lt^T) converges fast (it is the large end): a short run, its upper
    // bound taken. Each product is one pass over the matrix (two half passes).
    lanczos lu(n, o.seed + 1);
    std::vector<double> u;
    const auto lu_op = [&](const double* v, double* w) {
      return lower_upper_matvec(A, s, v, w, u, partial);
    };
    const int steps = 30;
    bool more = true;
    while (more && lu.steps() < steps) {
      throw_if_stopped(stop);
      cost += (sweep_bytes + 8.0 * n + lu.vector_bytes_per_step()) / sweep_bytes;
      more = lu.step(lu_op);
    }
    const ritz_extremes b = lu.extremes();
    out.beta = b.max + (more ? b.max_error : 0.0);
    out.beta_cost_sweeps = cost - before_beta;
  }
  out.cost_sweeps = cost;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace

omega_estimate estimate_omega(const csr_view& A, const spectral_options& o,
                              const stop_predicate& stop) {
  return estimate(A, o, stop, nullptr);
}

namespace detail {

omega_estimate estimate_omega(const csr_view& A, const spectral_options& o,
                              const spectral_part& part) {
  return estimate(A, o, {}, &part);
}

}  // namespace detail

double residual_norm(const csr_view& A, std::span<const double> b, std::span<const double> x) {
  const int n = A.rows;
  const int chunks = chunks_of(n);
  // One partial sum per fixed chunk of rows, added in chunk order afterwards: the result is the
  // same bit for bit whatever the number of threads (an OpenMP reduction clause combines the
  // threads' sums in an unspecified order).
  std::vector<double> partial(static_cast<std::size_t>(chunks), 0.0);
#pragma omp parallel for schedule(static) if (chunks > 4)
  for (int c = 0; c < chunks; ++c) {
    const int begin = c * row_chunk;
    const int end = std::min(n, begin + row_chunk);
    partial[static_cast<std::size_t>(c)] = residual_sq(A, b.data(), x.data(), begin, end);
  }
  return std::sqrt(ordered_sum(partial));
}

}  // namespace asor
