/// \file ordering.cpp
/// \brief Reverse Cuthill-McKee through Boost.Graph, bandwidth, and the permuted copy.

#include "asor/ordering.hpp"

#include <algorithm>
#include <cstdlib>
#include <numeric>
#include <utility>

#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <boost/graph/cuthill_mckee_ordering.hpp>

namespace asor {

std::string_view to_string(ordering o) noexcept {
  switch (o) {
    case ordering::natural:
      return "natural";
    case ordering::rcm:
      return "rcm";
    case ordering::automatic:
      return "auto";
  }
  return "?";
}

std::optional<ordering> ordering_from_string(std::string_view name) noexcept {
  for (const ordering o : {ordering::natural, ordering::rcm, ordering::automatic}) {
    if (name == to_string(o)) return o;
  }
  return std::nullopt;
}

int bandwidth(const csr_view& A) noexcept {
  int width = 0;
  for (int i = 0; i < A.rows; ++i) {
    const auto r = static_cast<std::size_t>(i);
    for (int k = A.row_ptr[r]; k < A.row_ptr[r + 1]; ++k) {
      width = std::max(width, std::abs(A.col_idx[static_cast<std::size_t>(k)] - i));
    }
  }
  return width;
}

namespace {

/// position[old] = new, from order[new] = old.
std::vector<int> inverse(std::span<const int> order) {
  std::vector<int> position(order.size());
  for (std::size_t r = 0; r < order.size(); ++r) {
    position[static_cast<std::size_t>(order[r])] = static_cast<int>(r);
  }
  return position;
}

}  // namespace

int bandwidth(const csr_view& A, std::span<const int> order) {
  const std::vector<int> position = inverse(order);
  int width = 0;
  for (int i = 0; i < A.rows; ++i) {
    const auto r = static_cast<std::size_t>(i);
    for (int k = A.row_ptr[r]; k < A.row_ptr[r + 1]; ++k) {
      const auto j = static_cast<std::size_t>(A.col_idx[static_cast<std::size_t>(k)]);
      width = std::max(width, std::abs(position[j] - position[r]));
    }
  }
  return width;
}

std::vector<int> reverse_cuthill_mckee(const csr_view& A) {
  // The graph of A without its diagonal. A symmetric pattern stores both directions of every
  // edge, so the out-edges of a vertex in this directed CSR graph are all its neighbours, which is
  // what cuthill_mckee_ordering walks (and its out-degree is the degree it sorts by).
  std::vector<std::pair<int, int>> edges;
  edges.reserve(static_cast<std::size_t>(A.nnz()));
  for (int i = 0; i < A.rows; ++i) {
    const auto r = static_cast<std::size_t>(i);
    for (int k = A.row_ptr[r]; k < A.row_ptr[r + 1]; ++k) {
      const int j = A.col_idx[static_cast<std::size_t>(k)];
      if (j != i) edges.emplace_back(i, j);
    }
  }
  using graph =
      boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, boost::no_property,
                                         boost::no_property, int, int>;
  const graph g(boost::edges_are_sorted, edges.begin(), edges.end(), A.rows);
  edges = {};
  std::vector<int> order(static_cast<std::size_t>(A.rows));
  boost::cuthill_mckee_ordering(g, order.rbegin());  // written back to front: reversed
  return order;
}

permuted_matrix permute(const csr_view& A, std::span<const int> order) {
  const std::vector<int> position = inverse(order);
  const auto n = static_cast<std::size_t>(A.rows);
  permuted_matrix P;
  P.row_ptr.resize(n + 1);
  P.col_idx.resize(A.col_idx.size());
  P.values.resize(A.values.size());
  P.inv_diag.resize(n);
  std::vector<std::pair<int, double>> row;
  P.row_ptr[0] = 0;
  for (std::size_t r = 0; r < n; ++r) {
    const auto old = static_cast<std::size_t>(order[r]);
    row.clear();
    for (int k = A.row_ptr[old]; k < A.row_ptr[old + 1]; ++k) {
      const auto kk = static_cast<std::size_t>(k);
      row.emplace_back(position[static_cast<std::size_t>(A.col_idx[kk])], A.values[kk]);
    }
    std::sort(row.begin(), row.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    auto at = static_cast<std::size_t>(P.row_ptr[r]);
    for (const auto& [column, value] : row) {
      P.col_idx[at] = column;
      P.values[at] = value;
      ++at;
    }
    P.row_ptr[r + 1] = static_cast<int>(at);
    P.inv_diag[r] = A.inv_diag[old];
  }
  return P;
}

}  // namespace asor
