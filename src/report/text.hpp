#pragma once
/// \file text.hpp
/// \brief Numbers as the tool and the Python module write them in sentences ("8.1e-09",
/// "0.0123 s"): shared by src/cli and python/ through the asor_report library.

#include <string>

namespace asor::reporting {

/// \returns \p v in scientific notation with \p digits digits after the point ("8.1e-09"); "n/a"
/// for NaN, "inf" / "-inf".
std::string sci(double v, int digits = 1);
/// \returns \p seconds with a readable unit ("0.0123 s", "45 us", "2.1 ms"); "n/a" for NaN.
std::string duration(double seconds);

}  // namespace asor::reporting
