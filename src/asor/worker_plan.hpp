#pragma once
// Private to the library: what an asynchronous worker does next with its blocks when it sweeps
// them in pipelined passes (async_engine.cpp). A pure function of the blocks' sweep counts, so
// that the catch-up after an interrupted round can be tested without threads.

#include <algorithm>
#include <cstdint>
#include <span>

namespace asor::detail {

/// \brief The next move of a worker over its contiguous blocks.
struct worker_step {
  enum class kind {
    done,      ///< every block is at the sweep budget
    catch_up,  ///< one sweep of each block below `target`, in block order
    pass,      ///< one pipelined pass of `sweeps` sweeps over all the worker's blocks
  };
  kind what = kind::done;
  int sweeps = 0;           ///< pass: sweeps of the pass, 1 .. t, never past the budget
  std::int64_t target = 0;  ///< catch_up: the count the blocks behind are brought to
};

/// \brief The worker's next move, from its blocks' sweep counts \p counts, the sweep budget and
/// \p t, the sweeps per pass.
///
/// A pass relaxes every block of the worker the same number of times, so the counts stay equal;
/// they differ only after a round was stopped in the middle of a pass (blocks the leading sweeps
/// had finished counted one more). The blocks behind then catch up first, one sweep at a time,
/// so that a pass never takes a block past the budget and every block reaches it.
/// \pre counts is not empty; every count <= budget; t >= 1
inline worker_step next_worker_step(std::span<const std::int64_t> counts, std::int64_t budget,
                                    int t) noexcept {
  const auto [lo, hi] = std::minmax_element(counts.begin(), counts.end());
  worker_step step;
  if (*lo >= budget) return step;
  if (*lo < *hi) {
    step.what = worker_step::kind::catch_up;
    step.target = *hi;
    return step;
  }
  step.what = worker_step::kind::pass;
  step.sweeps = static_cast<int>(std::min<std::int64_t>(t, budget - *lo));
  return step;
}

}  // namespace asor::detail
