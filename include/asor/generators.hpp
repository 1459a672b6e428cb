#pragma once
/// \file generators.hpp
/// \brief Model problems: Poisson 2D/3D, anisotropic diffusion, random SPD.

#include <cstdint>

#include "asor/matrix.hpp"

namespace asor {

/// \brief 5-point Laplacian on an m x m interior grid, Dirichlet boundary: n = m^2,
/// diagonal 4, off-diagonals -1 (unscaled, h^2 factored out). Natural (lexicographic) order.
sparse_matrix poisson2d(int m);
/// \brief 7-point Laplacian on an m x m x m interior grid, Dirichlet: diagonal 6, off -1.
sparse_matrix poisson3d(int m);
/// \brief -eps u_xx - u_yy on an m x m grid (5-point, Dirichlet): diagonal 2 eps + 2,
/// x-neighbours -eps, y-neighbours -1. \pre eps > 0
sparse_matrix anisotropic2d(int m, double eps);
/// \brief Random sparse symmetric, strictly diagonally dominant with positive diagonal (so SPD):
/// about \p per_row off-diagonal entries per row, values in [-1, 1), reproducible from \p seed.
sparse_matrix random_spd(int n, int per_row, std::uint64_t seed);

}  // namespace asor
