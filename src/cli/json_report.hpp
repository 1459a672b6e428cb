#pragma once
/// \file json_report.hpp
/// \brief The machine-readable reports of the tool: keys are stable and documented in
/// docs/cli.md. The documents themselves (`asor.solve/1`, `asor.info/1`) are built by the
/// asor_report library (src/report/), which the Python module shares; this file writes them.

#include <string>

#include "cli/output.hpp"
#include "report/json.hpp"
#include "report/solve_document.hpp"

namespace asor::cli {

using reporting::json;
using reporting::number_or_null;
using reporting::pretty_json;
using reporting::solve_json;
using reporting::solve_outcome;
using reporting::stop_sentence;

/// \brief Writes \p v to \p out (a file, or stdout for "-").
/// \throws output_error naming the file when it cannot be written.
void write_json(const json& v, const output_file& out);

}  // namespace asor::cli
