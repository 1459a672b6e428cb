/// \file text.cpp
/// \brief Numbers in sentences (see text.hpp).

#include "report/text.hpp"

#include <cmath>
#include <cstdio>

namespace asor::reporting {

std::string sci(double v, int digits) {
  if (std::isnan(v)) return "n/a";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*e", digits, v);
  return buf;
}

std::string duration(double seconds) {
  if (std::isnan(seconds)) return "n/a";
  char buf[64];
  const double a = std::fabs(seconds);
  if (a < 1e-3) {
    std::snprintf(buf, sizeof buf, "%.0f us", seconds * 1e6);
  } else if (a < 1e-1) {
    std::snprintf(buf, sizeof buf, "%.4f s", seconds);
  } else if (a < 100) {
    std::snprintf(buf, sizeof buf, "%.3f s", seconds);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f s", seconds);
  }
  return buf;
}

}  // namespace asor::reporting
