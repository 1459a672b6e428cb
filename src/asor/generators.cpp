/// \file generators.cpp
/// \brief Model problems, built directly in compressed-sparse-row form (no triplets, no sort).

#include "asor/generators.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace asor {
namespace {

/// Builds an n x n CSR matrix from \p emit(i, push), which must call push(col, value) for row i
/// in increasing column order. Two passes: one counts, one writes into Eigen's own arrays.
template <class Emit>
sparse_matrix build_csr(int n, Emit&& emit) {
  sparse_matrix A(n, n);
  int* outer = A.outerIndexPtr();
  std::int64_t count = 0;
  outer[0] = 0;
  for (int i = 0; i < n; ++i) {
    emit(i, [&count](int, double) { ++count; });
    if (count > std::numeric_limits<int>::max()) {
      throw std::length_error("asor: generated matrix has more than 2^31 - 1 entries");
    }
    outer[i + 1] = static_cast<int>(count);
  }
  A.resizeNonZeros(static_cast<Eigen::Index>(count));
  int* inner = A.innerIndexPtr();
  double* values = A.valuePtr();
  for (int i = 0; i < n; ++i) {
    int k = outer[i];
    emit(i, [&k, inner, values](int col, double v) {
      inner[k] = col;
      values[k] = v;
      ++k;
    });
  }
  return A;
}

/// m^d as an int, or std::length_error when it does not fit.
int grid_points(int m, int d, const char* name) {
  if (m < 1) {
    throw std::invalid_argument(std::string("asor: ") + name + ": m must be >= 1, got " +
                                std::to_string(m));
  }
  std::int64_t n = 1;
  for (int k = 0; k < d; ++k) n *= m;
  if (n > std::numeric_limits<int>::max()) {
    throw std::length_error(std::string("asor: ") + name + ": grid of " + std::to_string(m) + "^" +
                            std::to_string(d) + " points exceeds 32-bit indices");
  }
  return static_cast<int>(n);
}

/// 5-point stencil on an m x m grid, lexicographic order row = iy * m + ix: x-neighbours get
/// \p wx, y-neighbours \p wy, the centre \p centre.
sparse_matrix five_point(int m, double centre, double wx, double wy, const char* name) {
  const int n = grid_points(m, 2, name);
  return build_csr(n, [m, centre, wx, wy](int r, auto&& push) {
    const int ix = r % m;
    const int iy = r / m;
    if (iy > 0) push(r - m, wy);
    if (ix > 0) push(r - 1, wx);
    push(r, centre);
    if (ix + 1 < m) push(r + 1, wx);
    if (iy + 1 < m) push(r + m, wy);
  });
}

/// The next 64 random bits. std::mt19937_64 is specified exactly by the standard, so its output
/// sequence is the same on every platform; the mappings below are ours for the same reason
/// (std::uniform_*_distribution algorithms are implementation-defined).
struct portable_rng {
  std::mt19937_64 engine;
  /// uniform in [0, 1) with 53 random bits
  double unit() { return static_cast<double>(engine() >> 11) * 0x1.0p-53; }
  /// uniform in [-1, 1)
  double symmetric_unit() { return 2.0 * unit() - 1.0; }
  /// in [0, k), k >= 1; the modulo bias is below k / 2^64, negligible for k < 2^31
  std::uint64_t below(std::uint64_t k) { return engine() % k; }
};

}  // namespace

sparse_matrix poisson2d(int m) { return five_point(m, 4.0, -1.0, -1.0, "poisson2d"); }

sparse_matrix poisson3d(int m) {
  const int n = grid_points(m, 3, "poisson3d");
  const int plane = m * m;
  return build_csr(n, [m, plane](int r, auto&& push) {
    const int ix = r % m;
    const int iy = (r / m) % m;
    const int iz = r / plane;
    if (iz > 0) push(r - plane, -1.0);
    if (iy > 0) push(r - m, -1.0);
    if (ix > 0) push(r - 1, -1.0);
    push(r, 6.0);
    if (ix + 1 < m) push(r + 1, -1.0);
    if (iy + 1 < m) push(r + m, -1.0);
    if (iz + 1 < m) push(r + plane, -1.0);
  });
}

sparse_matrix anisotropic2d(int m, double eps) {
  if (!(eps > 0.0) || !std::isfinite(eps)) {
    throw std::invalid_argument("asor: anisotropic2d: eps must be positive and finite, got " +
                                std::to_string(eps));
  }
  return five_point(m, 2.0 * eps + 2.0, -eps, -1.0, "anisotropic2d");
}

sparse_matrix random_spd(int n, int per_row, std::uint64_t seed) {
  if (n < 1) {
    throw std::invalid_argument("asor: random_spd: n must be >= 1, got " + std::to_string(n));
  }
  if (per_row < 0) {
    throw std::invalid_argument("asor: random_spd: per_row must be >= 0, got " +
                                std::to_string(per_row));
  }
  // Undirected edges {i, j}, i != j: row i draws ((i+1) p)/2 - (i p)/2 partners, so the rows share
  // n p / 2 edges evenly and each row ends up with about p off-diagonal entries.
  struct edge {
    std::uint64_t key;  // (min << 32) | max
    double value;
  };
  std::vector<edge> edges;
  portable_rng rng{std::mt19937_64(seed)};
  if (n > 1 && per_row > 0) {
    const auto p = static_cast<std::int64_t>(per_row);
    edges.reserve(static_cast<std::size_t>(static_cast<std::int64_t>(n) * p / 2));
    for (int i = 0; i < n; ++i) {
      const std::int64_t draws = ((i + 1) * p) / 2 - (i * p) / 2;
      for (std::int64_t d = 0; d < draws; ++d) {
        auto j = static_cast<int>(rng.below(static_cast<std::uint64_t>(n - 1)));
        if (j >= i) ++j;  // uniform over the other n - 1 columns
        const double v = rng.symmetric_unit();
        const auto lo = static_cast<std::uint64_t>(std::min(i, j));
        const auto hi = static_cast<std::uint64_t>(std::max(i, j));
        edges.push_back({(lo << 32) | hi, v});
      }
    }
  }
  // Sort by (min, max); a repeated pair keeps its first draw (stable sort), so the result depends
  // on the seed only.
  std::stable_sort(edges.begin(), edges.end(),
                   [](const edge& a, const edge& b) { return a.key < b.key; });
  edges.erase(std::unique(edges.begin(), edges.end(),
                          [](const edge& a, const edge& b) { return a.key == b.key; }),
              edges.end());

  const auto un = static_cast<std::size_t>(n);
  std::vector<std::int64_t> lower(un, 0), upper(un, 0);
  std::vector<double> abs_sum(un, 0.0);
  for (const edge& e : edges) {
    const auto lo = static_cast<std::size_t>(e.key >> 32);
    const auto hi = static_cast<std::size_t>(e.key & 0xffffffffU);
    ++upper[lo];
    ++lower[hi];
    abs_sum[lo] += std::abs(e.value);
    abs_sum[hi] += std::abs(e.value);
  }
  sparse_matrix A(n, n);
  int* outer = A.outerIndexPtr();
  std::int64_t count = 0;
  outer[0] = 0;
  for (std::size_t i = 0; i < un; ++i) {
    count += lower[i] + 1 + upper[i];
    if (count > std::numeric_limits<int>::max()) {
      throw std::length_error("asor: random_spd: more than 2^31 - 1 entries");
    }
    outer[i + 1] = static_cast<int>(count);
  }
  A.resizeNonZeros(static_cast<Eigen::Index>(count));
  int* inner = A.innerIndexPtr();
  double* values = A.valuePtr();
  // Row r holds [entries left of the diagonal][diagonal][entries right of it]. Edges come sorted
  // by (lo, hi): the right part of row lo fills in increasing hi, and the left part of row hi in
  // increasing lo, so every row comes out sorted by column.
  std::vector<int> left_cursor(un), right_cursor(un);
  for (std::size_t i = 0; i < un; ++i) {
    const int diag = outer[i] + static_cast<int>(lower[i]);
    inner[diag] = static_cast<int>(i);
    values[diag] = abs_sum[i] + 1.0;
    left_cursor[i] = outer[i];
    right_cursor[i] = diag + 1;
  }
  for (const edge& e : edges) {
    const auto lo = static_cast<std::size_t>(e.key >> 32);
    const auto hi = static_cast<std::size_t>(e.key & 0xffffffffU);
    const int u = right_cursor[lo]++;
    inner[u] = static_cast<int>(hi);
    values[u] = e.value;
    const int l = left_cursor[hi]++;
    inner[l] = static_cast<int>(lo);
    values[l] = e.value;
  }
  return A;
}

}  // namespace asor
