#pragma once
/// \file cancellation.hpp
/// \brief How long preparation steps (the row ordering, the omega estimate) are abandoned when a
/// solve is cancelled before its first sweep.

#include <functional>
#include <stdexcept>

namespace asor {

/// \brief Polled by a long computation between its steps; returns true to abandon the work.
/// An empty predicate never asks to stop.
using stop_predicate = std::function<bool()>;

/// \brief Thrown by a computation that its stop_predicate abandoned. Its results are incomplete
/// and must not be used. The engine turns it into a solve that stops with stop_reason::cancelled.
class operation_cancelled : public std::runtime_error {
 public:
  operation_cancelled() : std::runtime_error("cancelled") {}
};

/// \brief Calls \p stop (when set) and throws operation_cancelled when it asks to stop.
inline void throw_if_stopped(const stop_predicate& stop) {
  if (stop && stop()) throw operation_cancelled();
}

}  // namespace asor
