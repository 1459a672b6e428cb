/// \file spectral.cpp
/// \brief The omega estimate (Lanczos on the Jacobi-scaled matrix) and the parallel true residual.
///
/// Both work on the csr_view directly: the matrix-vector product is our own loop, not Eigen's.
/// Eigen appears only for dense work on the Lanczos basis and for the small tridiagonal
/// eigenproblem.

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "asor/engine.hpp"
#include "asor/sweep.hpp"
#include "engine_impl.hpp"

namespace asor {
namespace {

/// Rows per task of the parallel loops below; also the grain of the deterministic reduction.
constexpr int row_chunk = 4096;

/// Whether to keep the whole Lanczos basis (n x (steps + 1)) for full reorthogonalization.
///
/// Full reorthogonalization matters only when the steps approach n (it makes the Ritz values
/// exact at breakdown instead of repeating them); otherwise the three-term recurrence with local
/// reorthogonalization gives the same extreme Ritz values (to 10 digits on Poisson 2D m = 128 ...
/// 1024) in O(n) memory. The basis is also the largest allocation of a solve: 81 vectors of n, 6 MB
/// for fv1 (9604 rows, a 1.1 MB matrix). So: full when the steps reach n / 4 (then the basis is at
/// most 4 (steps + 1)^2 doubles, 210 kB at the default 80 steps), or when the basis is at most a
/// quarter of the matrix's CSR bytes (the peak-memory target: 1.3x the matrix and the solver's
/// vectors, docs/performance.md).
bool full_reorthogonalization(const csr_view& A, int steps) {
  const auto n = static_cast<std::int64_t>(A.rows);
  const std::int64_t basis_bytes = (steps + std::int64_t{1}) * n * 8;
  const std::int64_t csr_bytes = A.nnz() * 12 + (n + 1) * 4;
  return 4 * (steps + std::int64_t{1}) >= n || 4 * basis_bytes <= csr_bytes;
}

/// y = S v with S = D^-1/2 A D^-1/2, s_i = sqrt(inv_diag_i): y = s .* (A (s .* v)), with s .* v
/// formed entry by entry (the same products as through a scaled copy of v, without its n doubles).
void scaled_matvec(const csr_view& A, const std::vector<double>& s, const double* v, double* y) {
  const int n = A.rows;
  const int* row_ptr = A.row_ptr.data();
  const int* col = A.col_idx.data();
  const double* val = A.values.data();
  const double* sd = s.data();
#pragma omp parallel for schedule(static) if (n > 4 * row_chunk)
  for (int i = 0; i < n; ++i) {
    double acc = 0.0;
    for (int k = row_ptr[i]; k < row_ptr[i + 1]; ++k) acc += val[k] * (sd[col[k]] * v[col[k]]);
    y[i] = sd[i] * acc;
  }
}

}  // namespace

omega_estimate estimate_omega(const csr_view& A, int steps, unsigned seed,
                              const stop_predicate& stop) {
  omega_estimate out;
  const int n = A.rows;
  if (n <= 0) return out;
  const int k_max = std::clamp(steps, 1, n);
  const auto un = static_cast<std::size_t>(n);
  const auto ln = static_cast<Eigen::Index>(n);

  std::vector<double> s(un);
  for (std::size_t i = 0; i < un; ++i) s[i] = std::sqrt(A.inv_diag[i]);

  // Full reorthogonalization keeps the whole basis V (n x (k_max + 1)); otherwise (see
  // full_reorthogonalization) only the last two vectors are kept. Without reorthogonalization
  // Lanczos loses orthogonality once a Ritz value converges and then produces copies ("ghosts") of
  // it, but the extreme Ritz values remain valid estimates (Paige 1976; Cullum & Willoughby), which
  // is all this estimate needs. Full reorthogonalization matters for small problems, where steps
  // approach n: it makes the Ritz values exact at breakdown instead of repeating them.
  const bool full = full_reorthogonalization(A, k_max);
  Eigen::MatrixXd basis(ln, full ? k_max + 1 : 2);
  // Start: uniform entries in [-1, 1) from mt19937_64(seed) (its sequence is fixed by the
  // standard; the mapping to doubles is ours), normalized. Memory: s, w and two (or all) basis
  // vectors, nothing else of size n.
  std::mt19937_64 rng(seed);
  for (Eigen::Index i = 0; i < ln; ++i) {
    basis(i, 0) = 2.0 * (static_cast<double>(rng() >> 11) * 0x1.0p-53) - 1.0;
  }
  basis.col(0).normalize();
  Eigen::VectorXd w(ln);

  std::vector<double> alpha, beta;
  alpha.reserve(static_cast<std::size_t>(k_max));
  beta.reserve(static_cast<std::size_t>(k_max));
  double norm_estimate = 0.0;
  for (int k = 0; k < k_max; ++k) {
    throw_if_stopped(stop);
    const Eigen::Index cur = full ? k : k % 2;
    const Eigen::Index nxt = full ? k + 1 : (k + 1) % 2;
    scaled_matvec(A, s, basis.col(cur).data(), w.data());
    const double a = basis.col(cur).dot(w);
    alpha.push_back(a);
    if (full) {
      // Classical Gram-Schmidt against the whole basis, repeated once when the first pass
      // cancelled much of w (Daniel-Gragg-Kaufman-Stewart: twice is enough).
      const auto V = basis.leftCols(k + 1);
      const double before = w.norm();
      w.noalias() -= V * (V.transpose() * w);
      if (w.norm() < 0.7071 * before) w.noalias() -= V * (V.transpose() * w);
    } else {
      w -= a * basis.col(cur);
      if (k > 0) w -= beta.back() * basis.col(nxt);  // v_{k-1}, overwritten below
      w -= basis.col(cur).dot(w) * basis.col(cur);   // local reorthogonalization
    }
    const double b = w.norm();
    norm_estimate = std::max(norm_estimate, std::abs(a) + b + (beta.empty() ? 0.0 : beta.back()));
    if (k + 1 == k_max) break;
    // Breakdown: the Krylov space is invariant, so the Ritz values are eigenvalues; stop.
    if (!(b > 1e-12 * norm_estimate)) break;
    beta.push_back(b);
    basis.col(nxt) = w / b;
  }

  return detail::omega_from_lanczos(alpha, beta);
}

namespace detail {

omega_estimate omega_from_lanczos(const std::vector<double>& alpha,
                                  const std::vector<double>& beta) {
  omega_estimate out;
  if (alpha.empty()) return out;
  const auto k = static_cast<Eigen::Index>(alpha.size());
  out.lanczos_steps = static_cast<int>(k);
  if (k == 1) {
    out.lambda_min = out.lambda_max = alpha[0];
  } else {
    const Eigen::Map<const Eigen::VectorXd> diag(alpha.data(), k);
    const Eigen::Map<const Eigen::VectorXd> sub(beta.data(), k - 1);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> tri;
    tri.computeFromTridiagonal(diag, sub, Eigen::EigenvaluesOnly);
    out.lambda_min = tri.eigenvalues()[0];
    out.lambda_max = tri.eigenvalues()[k - 1];
  }
  out.jacobi_rho = std::max(std::abs(1.0 - out.lambda_min), std::abs(1.0 - out.lambda_max));
  out.jacobi_omega = 2.0 / (out.lambda_min + out.lambda_max);
  if (out.jacobi_rho < 1.0) {
    const double omega = 2.0 / (1.0 + std::sqrt(1.0 - out.jacobi_rho * out.jacobi_rho));
    out.omega = std::clamp(omega, 1.0, 1.99);
    // SSOR: Young's estimate 2 / (1 + sqrt(2 (1 - rho))) (valid when rho(L U) <= 1/4, as for the
    // model problem); smaller than the SOR optimum.
    out.ssor_omega = std::clamp(2.0 / (1.0 + std::sqrt(2.0 * (1.0 - out.jacobi_rho))), 1.0, 1.99);
  } else {
    // Jacobi diverges (or the estimate is not finite): Young's formula has no meaning. Gauss-Seidel
    // (omega = 1) converges for every SPD matrix (Ostrowski-Reich), so it is the safe choice.
    out.omega = 1.0;
    out.ssor_omega = 1.0;
  }
  return out;
}

}  // namespace detail

double residual_norm(const csr_view& A, std::span<const double> b, std::span<const double> x) {
  const int n = A.rows;
  const int chunks = (n + row_chunk - 1) / row_chunk;
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
  double acc = 0.0;
  for (const double p : partial) acc += p;
  return std::sqrt(acc);
}

}  // namespace asor
