#pragma once
/// \file solve_document.hpp
/// \brief The `asor.solve/1` document of one solve: what `asor solve --json` writes and what the
/// Python module's `Result.report` holds (keys documented in docs/cli.md).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "asor/reference.hpp"
#include "asor/report.hpp"
#include "report/json.hpp"

namespace asor::reporting {

/// \returns the sentence that explains why a solve stopped ("verified: true residual 8.1e-09
/// <= tol 1e-08"), used by the human summary and the `stop_reason` key. \p cancelled_by names
/// what cancels a solve ("an interrupt" for the tool).
std::string stop_sentence(const solve_report& r, std::int64_t max_sweeps, double time_limit,
                          std::string_view cancelled_by = "an interrupt");

/// \brief Everything the `asor.solve/1` document says about one solve.
struct solve_outcome {
  std::string matrix_path;
  std::string rhs_path;  ///< empty when b = A * ones
  /// A and b came from memory (the Python module): "matrix" and "rhs" are null
  bool in_memory = false;
  int n = 0;
  std::int64_t nnz = 0;
  solve_report report;
  std::int64_t max_sweeps = 0;
  double time_limit = 0;
  int local_sweeps = 1;
  std::string cancelled_by = "an interrupt";  ///< see stop_sentence
  std::optional<reference_check> reference;   ///< when --reference asked for one and it worked
  std::string reference_failure;              ///< what went wrong when it did not
  std::string reference_name;                 ///< the solver asked for, empty for none
  std::optional<double> error_vs_ones;        ///< ||x - 1|| / ||1|| when b was generated
  std::string x_out;                          ///< where x was written, empty for nowhere
  bool x_out_matrix_market = false;           ///< in Matrix Market (else one value per line)
  std::string history_out;                    ///< where the history was written
  json distribution;  ///< across MPI ranks: the split and each rank's sweeps; null otherwise
};

/// \returns the `asor.solve/1` document of \p o.
json solve_json(const solve_outcome& o);

}  // namespace asor::reporting
