/// \file ordering.cpp
/// \brief Reverse Cuthill-McKee through Boost.Graph, bandwidth, and the permuted copy.

#include "asor/ordering.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <numeric>
#include <utility>

#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/cuthill_mckee_ordering.hpp>
#include <boost/graph/graph_traits.hpp>
#include <boost/graph/two_bit_color_map.hpp>
#include <boost/iterator/counting_iterator.hpp>
#include <boost/iterator/transform_iterator.hpp>
#include <boost/property_map/property_map.hpp>

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

namespace {

/// The graph of a csr_view as Boost.Graph sees it, without a copy: the vertices are the rows and
/// the out-edges of row i are its stored entries. A symmetric pattern stores both directions of
/// every edge, so out-edges are all the neighbours, which is what Cuthill-McKee walks. The
/// diagonal is a self-loop: breadth-first search passes over it, and it adds one to every degree
/// alike, so the degree order is unchanged.
class csr_graph {
 public:
  using vertex_descriptor = int;
  using edge_descriptor = std::pair<int, int>;
  using directed_category = boost::directed_tag;
  using edge_parallel_category = boost::allow_parallel_edge_tag;
  struct traversal_category : boost::incidence_graph_tag, boost::vertex_list_graph_tag {};
  using vertices_size_type = int;
  using degree_size_type = int;
  using edges_size_type = std::int64_t;
  /// Entry k of row `source` as an edge.
  struct edge_of {
    int source = 0;
    const int* columns = nullptr;
    edge_descriptor operator()(int k) const {
      return {source, columns[static_cast<std::size_t>(k)]};
    }
  };
  using out_edge_iterator = boost::transform_iterator<edge_of, boost::counting_iterator<int>>;
  using vertex_iterator = boost::counting_iterator<int>;
  static int null_vertex() { return -1; }

  explicit csr_graph(const csr_view& A) : A_(&A) {}
  [[nodiscard]] const csr_view& matrix() const { return *A_; }

 private:
  const csr_view* A_;
};

// The free functions Boost.Graph finds by argument-dependent lookup.
std::pair<csr_graph::vertex_iterator, csr_graph::vertex_iterator> vertices(const csr_graph& g) {
  return {csr_graph::vertex_iterator(0), csr_graph::vertex_iterator(g.matrix().rows)};
}
std::pair<csr_graph::out_edge_iterator, csr_graph::out_edge_iterator> out_edges(
    int v, const csr_graph& g) {
  const csr_view& A = g.matrix();
  const csr_graph::edge_of of{v, A.col_idx.data()};
  const auto r = static_cast<std::size_t>(v);
  return {csr_graph::out_edge_iterator(boost::counting_iterator<int>(A.row_ptr[r]), of),
          csr_graph::out_edge_iterator(boost::counting_iterator<int>(A.row_ptr[r + 1]), of)};
}
int out_degree(int v, const csr_graph& g) {
  const auto r = static_cast<std::size_t>(v);
  return g.matrix().row_ptr[r + 1] - g.matrix().row_ptr[r];
}
int source(const csr_graph::edge_descriptor& e, const csr_graph& /*g*/) { return e.first; }
int target(const csr_graph::edge_descriptor& e, const csr_graph& /*g*/) { return e.second; }

/// Records the vertices a breadth-first search discovers.
struct discovered {
  using event_filter = boost::on_discover_vertex;
  std::vector<int>* into = nullptr;
  void operator()(int v, const csr_graph& /*g*/) const { into->push_back(v); }
};

/// Polls the stop predicate every 4096 vertices a breadth-first search examines.
struct poll_stop {
  using event_filter = boost::on_examine_vertex;
  const stop_predicate* stop = nullptr;
  int* count = nullptr;
  void operator()(int /*v*/, const csr_graph& /*g*/) const {
    if ((++*count & 4095) == 0) throw_if_stopped(*stop);
  }
};

}  // namespace

std::vector<int> reverse_cuthill_mckee(const csr_view& A, const stop_predicate& stop) {
  const csr_graph g(A);
  const auto degree = boost::make_out_degree_map(g);
  using color_map = boost::two_bit_color_map<boost::typed_identity_property_map<int>>;
  using color = boost::color_traits<boost::two_bit_color_type>;
  color_map colors(static_cast<std::size_t>(A.rows),
                   boost::typed_identity_property_map<int>());  // white
  using level_queue = boost::sparse::rcm_queue<int, decltype(degree)>;

  // One start per connected component: a pseudo-peripheral vertex, found as boost's
  // find_starting_node does (George and Liu: from the last level of a breadth-first search, the
  // vertex of least degree, while the eccentricity grows). boost's version resets the colors of
  // the whole graph for every search, which costs n per component (quadratic for a matrix with
  // many isolated rows); here each search resets only its own component.
  std::deque<int> starts;
  std::vector<int> component;
  int examined = 0;
  const poll_stop poll{&stop, &examined};
  for (int v = 0; v < A.rows; ++v) {
    if (get(colors, v) != color::white()) continue;
    throw_if_stopped(stop);
    component.clear();
    level_queue first(degree);
    boost::breadth_first_visit(
        g, v,
        boost::buffer(first).color_map(colors).visitor(
            boost::make_bfs_visitor(std::make_pair(discovered{&component}, poll))));
    const auto search = [&](int from, std::size_t& eccentricity) {
      for (const int u : component) put(colors, u, color::white());
      level_queue q(degree);
      boost::breadth_first_visit(
          g, from, boost::buffer(q).color_map(colors).visitor(boost::make_bfs_visitor(poll)));
      eccentricity = q.eccentricity();
      return q.spouse();  // least degree in the last level
    };
    std::size_t ecc_r = first.eccentricity();
    int x = first.spouse();
    std::size_t ecc_x = 0;
    int y = search(x, ecc_x);
    while (ecc_x > ecc_r) {
      ecc_r = ecc_x;
      x = y;
      y = search(x, ecc_x);
    }
    starts.push_back(x);
  }
  component = {};
  std::vector<int> order(static_cast<std::size_t>(A.rows));
  // Resets the colors, then numbers each component breadth-first from its start, neighbours by
  // increasing degree; written back to front, so reversed.
  const auto written =
      boost::cuthill_mckee_ordering(g, std::move(starts), order.rbegin(), colors, degree);
  // With a symmetric pattern every row is reached from its component's start. A pattern that is
  // not symmetric (an explicitly stored zero without its mirror) can leave rows unreached: they
  // keep their relative order in the slots left at the front, so the result is a permutation.
  auto front = static_cast<std::size_t>(order.rend() - written);
  for (int v = A.rows - 1; v >= 0 && front > 0; --v) {
    if (get(colors, v) == color::white()) order[--front] = v;
  }
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
