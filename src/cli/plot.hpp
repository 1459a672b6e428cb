#pragma once
/// \file plot.hpp
/// \brief Drawing pictures through scripts/asor_plot.py (python3 + matplotlib).

#include <string>

namespace asor::cli {

/// \returns the plotting script: $ASOR_PLOT_SCRIPT, then share/asor/asor_plot.py next to the
/// binary's install prefix, then the configured install path, then the source tree.
/// \throws output_error when none exists.
std::string find_plot_script();

/// \brief Runs the plotting script on \p json_path (a compare report) to draw \p png_path.
///
/// The interpreter is $ASOR_PYTHON when set, else /usr/bin/python3, else `python3` on PATH: the
/// first that can import matplotlib.
/// \throws output_error with one clear line when no interpreter has matplotlib or the script fails.
void run_plot_script(const std::string& json_path, const std::string& png_path);

}  // namespace asor::cli
