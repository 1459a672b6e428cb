#pragma once
// Private to the library: the thread that calls a solve's progress callback.

#include <chrono>
#include <exception>
#include <thread>

#include "job.hpp"

namespace asor::detail {

/// \brief Calls the job's progress callback on a thread of its own, with the newest snapshot, at
/// most every `progress_interval_seconds`, until close().
///
/// The decision loop only publishes snapshots to the job's board; it never waits for this thread.
/// A callback that returns stop requests stop_reason::user_stop; one that throws fails the job
/// (stop_reason::failed, the exception reaches the caller). Both act through the job's
/// stop_control, so an answer that comes after the round was decided loses.
///
/// Thread safety: construct and close() on the solving thread; the callback runs only on the
/// observer thread.
class observer {
 public:
  explicit observer(job_state& job) : job_(job) {
    if (job_.callback) thread_ = std::thread([this] { run(); });
  }
  ~observer() { close(); }
  observer(const observer&) = delete;
  observer& operator=(const observer&) = delete;

  /// \brief No further calls; waits for the call in progress to return. Idempotent.
  /// \returns the seconds spent waiting for it.
  double close() {
    if (!thread_.joinable()) return 0.0;
    const auto t0 = clock::now();
    job_.board.close();
    thread_.join();
    return seconds_between(t0, clock::now());
  }

 private:
  void run() noexcept {
    const auto interval = std::chrono::duration_cast<clock::duration>(
        std::chrono::duration<double>(job_.options.progress_interval_seconds));
    std::uint64_t seen = 0;
    auto not_before = clock::now();
    progress snapshot;
    while (job_.board.wait_newer(seen, not_before, snapshot)) {
      try {
        if (job_.callback(snapshot) == callback_action::stop) job_.control.user_stop();
      } catch (...) {
        job_.fail(std::current_exception());
      }
      not_before = clock::now() + interval;
    }
  }

  job_state& job_;
  std::thread thread_;
};

}  // namespace asor::detail
