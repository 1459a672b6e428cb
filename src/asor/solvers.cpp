#include "asor/solvers.hpp"

namespace asor {

Eigen::ComputationInfo to_info(stop_reason r) noexcept {
  switch (r) {
    case stop_reason::converged:
      return Eigen::Success;
    case stop_reason::diverged:
    case stop_reason::stagnated:
      return Eigen::NumericalIssue;
    case stop_reason::none:
    case stop_reason::failed:
      return Eigen::InvalidInput;
    case stop_reason::max_sweeps:
    case stop_reason::time_limit:
    case stop_reason::user_stop:
    case stop_reason::cancelled:
      return Eigen::NoConvergence;
  }
  return Eigen::InvalidInput;
}

}  // namespace asor
