#pragma once
/// \file run_record.hpp
/// \brief One watched solve as the monitor page sees it: the samples the server took from its
/// handle, accumulated into a bounded history, and the JSON messages pushed to the page.
///
/// Pure bookkeeping, no threads: the server calls it under its own mutex.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "asor/progress.hpp"
#include "asor/report.hpp"
#include "web/monitor_server.hpp"

namespace asor::web {

/// \brief The samples of one solve and what the page needs to draw it.
///
/// The history keeps at most `history_limit` points: when full, every other point is dropped
/// (the first and the newest stay), as the report's own history does. Per-block residuals are kept
/// in the history only for up to `max_history_blocks` blocks (the live update always carries every
/// block).
class run_record {
 public:
  static constexpr std::size_t history_limit = 2000;
  static constexpr std::size_t max_history_blocks = 64;

  run_record(int id, run_info info);

  /// \brief Adds what the server read from the handle: the newest snapshot and block state (either
  /// may be absent: preparing), and the report once the solve has ended. \returns whether anything
  /// the page shows changed.
  bool add(const std::optional<progress>& p, const std::optional<block_progress>& blocks,
           const solve_report* final_report);

  /// \brief The server let the handle go before the solve ended (the page keeps the last state).
  void detached() noexcept { detached_ = true; }

  [[nodiscard]] int id() const noexcept { return id_; }
  [[nodiscard]] bool ended() const noexcept { return report_.has_value(); }
  /// \returns "preparing", "running", or the stop reason once the solve has ended.
  [[nodiscard]] std::string status() const;

  /// \brief The JSON message for the page (docs/monitor.md lists its fields). \p with_history adds
  /// every point kept so far (the first message of a connection); \p title is the page heading;
  /// \p finished says that no further solve will come.
  [[nodiscard]] std::string message(bool with_history, const std::string& title,
                                    bool finished) const;
  /// \brief The message before any solve was attached (status "waiting").
  [[nodiscard]] static std::string waiting_message(const std::string& title, bool finished);

 private:
  struct point {
    double seconds;
    double estimate;             // global provisional residual, NaN when none yet
    std::vector<double> blocks;  // per-block residuals (empty when too many blocks)
  };

  int id_;
  run_info info_;
  std::optional<progress> progress_;
  std::optional<block_progress> blocks_;
  std::optional<solve_report> report_;
  std::vector<point> history_;
  std::vector<std::pair<double, double>> verified_;  // (seconds, true residual)
  std::vector<std::pair<double, double>> omegas_;    // (seconds, omega) at each change
  int verifications_seen_ = 0;
  bool detached_ = false;
};

}  // namespace asor::web
