#pragma once
/// \file ordering.hpp
/// \brief Row orderings: reverse Cuthill-McKee (Boost.Graph) and the bandwidth it shrinks.

#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "asor/cancellation.hpp"
#include "asor/csr_view.hpp"

namespace asor {

/// \brief The order in which a solve numbers the rows (the unknowns).
///
/// The parallel block methods (async, block-Jacobi) give each thread a contiguous range of rows:
/// the entries that couple two ranges are where one thread reads what another writes. In a file's
/// own order (a finite element mesh numbered element by element, a power network) neighbours can be
/// far apart, so the ranges are coupled everywhere; reverse Cuthill-McKee numbers neighbours
/// closely, so that the ranges meet along a thin band. The solution always comes back in the
/// caller's order.
enum class ordering {
  natural,    ///< the matrix as given
  rcm,        ///< reverse Cuthill-McKee, always (one permuted copy of the matrix, see engine)
  automatic,  ///< rcm for async and block-Jacobi on two or more threads when it at least halves
              ///< the bandwidth; natural otherwise
};

/// \returns "natural", "rcm" or "auto".
std::string_view to_string(ordering o) noexcept;
/// \returns the ordering named \p name (as to_string writes it), or nullopt.
std::optional<ordering> ordering_from_string(std::string_view name) noexcept;

/// \returns max |i - j| over the stored entries a_ij of \p A (0 for a diagonal matrix).
int bandwidth(const csr_view& A) noexcept;
/// \returns the bandwidth of \p A with its rows and columns renumbered by \p order
/// (order[new] = old, a permutation of 0..n-1).
int bandwidth(const csr_view& A, std::span<const int> order);

/// \brief The reverse Cuthill-McKee order of \p A's graph (boost::cuthill_mckee_ordering, which
/// starts each connected component from a pseudo-peripheral vertex), reversed.
/// \returns order, with order[new] = old, a permutation of 0..n-1 whatever the pattern.
/// A symmetric pattern (every validated SPD matrix has one, except for explicitly stored zeros
/// without their mirror) is what the method is meant for; rows the one-way entries of another
/// pattern leave unreached are placed first, in their original order.
/// \p stop is polled for every connected component and every 4096 vertices of the start-vertex
/// searches (the final numbering is one breadth-first pass); when it asks to stop,
/// operation_cancelled is thrown.
std::vector<int> reverse_cuthill_mckee(const csr_view& A, const stop_predicate& stop = {});

/// \brief P A P^T in CSR form, owned: row r is row order[r] of A, columns renumbered and sorted.
struct permuted_matrix {
  std::vector<int> row_ptr;
  std::vector<int> col_idx;
  std::vector<double> values;
  std::vector<double> inv_diag;
  /// \returns the view of this matrix (valid while it lives and is not changed).
  [[nodiscard]] csr_view view() const noexcept {
    return {static_cast<int>(inv_diag.size()), row_ptr, col_idx, values, inv_diag};
  }
};

/// \returns \p A renumbered by \p order (order[new] = old, a permutation of 0..n-1).
permuted_matrix permute(const csr_view& A, std::span<const int> order);

}  // namespace asor
