#pragma once
/// \file fuzz_checks.hpp
/// \brief Invariants every fuzz target checks on what a reader returns (a violation traps).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>

#include "asor/io/errors.hpp"
#include "asor/io_detail.hpp"
#include "asor/matrix.hpp"

namespace asor::io::fuzz {

inline void require(bool condition) {
  if (!condition) {
    __builtin_trap();
  }
}

/// Compressed, row pointers monotone, columns in range and strictly increasing, values finite.
inline void check_matrix(const sparse_matrix& A) {
  require(A.isCompressed());
  const int* outer = A.outerIndexPtr();
  require(outer[0] == 0 && outer[A.rows()] == A.nonZeros());
  for (Eigen::Index i = 0; i < A.rows(); ++i) {
    require(outer[i] <= outer[i + 1]);
    for (int k = outer[i]; k < outer[i + 1]; ++k) {
      const int c = A.innerIndexPtr()[k];
      require(c >= 0 && c < A.cols());
      require(k == outer[i] || A.innerIndexPtr()[k - 1] < c);
      require(std::isfinite(A.valuePtr()[k]));
    }
  }
}

inline void check_vector(const vector& x) {
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    require(std::isfinite(x[i]));
  }
}

/// The message names a line of the text (or none), and is one line of bounded length.
inline void check_error(const input_error& e, std::string_view text) {
  const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  require(e.line() <= lines);
  require(!e.problem().empty() && e.problem().size() < 600);
  require(e.problem().find('\n') == std::string::npos);
}

}  // namespace asor::io::fuzz
