#pragma once
/// \file info_document.hpp
/// \brief What `asor info` measures about a matrix, and its `asor.info/1` document: shared by the
/// tool (which prints it) and the Python module (`asor.info(A)` returns the document as a dict).

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "asor/engine.hpp"
#include "asor/matrix.hpp"
#include "asor/spectral.hpp"
#include "report/json.hpp"

namespace asor::reporting {

/// \brief Largest asymmetry |a_ij - a_ji| and where.
struct asymmetry {
  double max_abs = 0;
  double relative = 0;  ///< max_abs / max |a_ij|
  int row = -1;
  int col = -1;
};

/// \brief Diagonal and diagonal dominance, one pass over the rows.
struct diagonal_stats {
  int missing = 0;
  int non_positive = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  int weakly_dominant = 0;    ///< |a_ii| >= sum_{j != i} |a_ij|
  int strictly_dominant = 0;  ///< |a_ii| >  sum_{j != i} |a_ij|
};

/// \brief Outcome of the SPD check through SimplicialLDLT.
struct spd_check {
  std::string verdict;  ///< "yes", "no", "skipped"
  std::string detail;
  double seconds = std::numeric_limits<double>::quiet_NaN();
  std::optional<double> min_pivot;
};

/// \brief Everything `asor info` says about a matrix.
/// (Its implicit noexcept move moves an nlohmann::ordered_json, whose noexcept move checks its
/// invariant through a path clang-tidy cannot prove free of throws.)
struct matrix_description {  // NOLINT(bugprone-exception-escape)
  long long rows = 0;
  long long cols = 0;
  long long nnz = 0;
  std::string validation;  ///< "ok", or validate_matrix's message
  /// square and not empty: the measurements below were made
  bool measured = false;
  asymmetry sym;
  bool symmetric = false;
  diagonal_stats diagonal;
  spd_check spd;
  std::optional<omega_estimate> estimate;  ///< symmetric with a positive diagonal
  /// \brief Where one method's solve would start (auto), with the threads it would use.
  struct method_omega {
    std::string name;  ///< "sor", "block-jacobi", ...
    int threads = 1;
    omega_choice choice;
  };
  int default_threads = 1;            ///< for the parallel methods
  std::vector<method_omega> methods;  ///< with the estimate: every method, in the tool's order
  double sweep_bytes = std::numeric_limits<double>::quiet_NaN();
  json document;  ///< the `asor.info/1` document
};

/// \brief Measures \p A (validation, symmetry, diagonal, dominance, SPD check by LDLT up to
/// \p spd_check_limit rows, the omega estimate, bytes per sweep) and builds its document, whose
/// "matrix" is \p matrix_name (null when empty).
matrix_description describe_matrix(const sparse_matrix& A, const std::string& matrix_name,
                                   long long spd_check_limit);

}  // namespace asor::reporting
