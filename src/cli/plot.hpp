#pragma once
/// \file plot.hpp
/// \brief Drawing pictures through scripts/asor_plot.py (python3 + matplotlib).

#include <string>

#include "cli/output.hpp"

namespace asor::cli {

/// \brief The plotting script and an interpreter that can run it.
struct plot_tool {
  std::string script;
  std::string python;
};

/// \returns the plotting script: $ASOR_PLOT_SCRIPT, then share/asor/asor_plot.py next to the
/// binary's install prefix, then the configured install path, then the source tree; and the
/// first interpreter that imports matplotlib: $ASOR_PYTHON when set, else /usr/bin/python3, else
/// `python3` on PATH.
/// \throws output_error with one clear line when either is missing.
plot_tool find_plot_tool();

/// \brief Refuses a picture format the plot cannot write.
/// \throws usage_error unless \p out ends in .png, .pdf or .svg (or is "-": PNG on stdout).
void check_plot_output(const output_file& out);

/// \brief Draws \p report_json (an asor.compare document) into \p out: the format of its
/// extension (vector graphics for .pdf and .svg).
/// \throws output_error naming the file when the script fails or the file cannot be written.
void draw_plot(const plot_tool& tool, const std::string& report_json, const output_file& out);

}  // namespace asor::cli
