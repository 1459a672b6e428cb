#pragma once
/// \file json_report.hpp
/// \brief The machine-readable reports of the tool (nlohmann::json, keys in insertion order):
/// keys are stable and documented in docs/cli.md.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "asor/reference.hpp"
#include "asor/report.hpp"
#include "cli/output.hpp"

namespace asor::cli {

/// \brief A JSON value whose objects keep their keys in insertion order (the documented order).
using json = nlohmann::ordered_json;

/// \returns \p v as a JSON number, or null when it is NaN or infinite (JSON has neither).
json number_or_null(double v);

/// \returns the JSON text of \p v, indented by two spaces per level, ending with a newline.
std::string pretty_json(const json& v);

/// \brief Writes \p v to \p out (a file, or stdout for "-").
/// \throws output_error naming the file when it cannot be written.
void write_json(const json& v, const output_file& out);

/// \returns the sentence that explains why a solve stopped ("verified: true residual 8.1e-09
/// <= tol 1e-08"), used by the human summary and the `stop_reason` key.
std::string stop_sentence(const solve_report& r, std::int64_t max_sweeps, double time_limit);

/// \brief Everything `asor solve` reports about one solve.
struct solve_outcome {
  std::string matrix_path;
  std::string rhs_path;  ///< empty when b = A * ones
  int n = 0;
  std::int64_t nnz = 0;
  solve_report report;
  std::int64_t max_sweeps = 0;
  double time_limit = 0;
  int local_sweeps = 1;
  std::optional<reference_check> reference;  ///< when --reference asked for one and it worked
  std::string reference_failure;             ///< what went wrong when it did not
  std::string reference_name;                ///< the solver asked for, empty for none
  std::optional<double> error_vs_ones;       ///< ||x - 1|| / ||1|| when b was generated
  std::string x_out;                         ///< where x was written, empty for nowhere
  bool x_out_matrix_market = false;          ///< in Matrix Market (else one value per line)
  std::string history_out;                   ///< where the history was written
};

/// \returns the `asor.solve/1` document of \p o.
json solve_json(const solve_outcome& o);

}  // namespace asor::cli
