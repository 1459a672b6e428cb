#pragma once
// Private to the library: what one submitted solve shares between the thread that runs it, the
// decision loop (the solving thread for synchronous methods, the coordinator for async), the
// workers, the observer thread and the solve_handle.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <stop_token>
#include <vector>

#include "asor/options.hpp"
#include "asor/progress.hpp"
#include "asor/report.hpp"
#include "asor/stop.hpp"

namespace asor::detail {

using clock = std::chrono::steady_clock;

inline double seconds_between(clock::time_point a, clock::time_point b) noexcept {
  return std::chrono::duration<double>(b - a).count();
}

/// \brief Who may stop a round of relaxation, and the first decision.
///
/// A *round* is one stretch of relaxation between two quiescent points (the start, a failed
/// verification, a fallback). Its decision is the first stop reason requested, by anyone: the
/// decision loop (converged candidate, divergence, stagnation, sweep budget), a worker or the
/// solving thread that sees the deadline pass (time_limit), cancel(), a callback's stop, a
/// failure. Later requests of the same round lose. cancel() and a callback's stop are also
/// *sticky*: they hold for every later round of the job, so one that arrives while the driver
/// verifies is honoured when the verification fails.
///
/// Thread safety / memory ordering: every member may be called from any thread. Decisions are
/// taken under a mutex (rare); workers poll the round's std::stop_token and the clock, lock-free.
class stop_control {
 public:
  /// \brief The deadline of the time limit (clock::time_point::max() for none).
  void set_deadline(clock::time_point deadline) noexcept {
    deadline_.store(deadline.time_since_epoch().count(), std::memory_order_relaxed);
  }

  /// \brief Requests \p r for the current round. \returns whether this call decided it.
  bool decide(stop_reason r) noexcept {
    const std::lock_guard lock(mutex_);
    return decide_locked(r);
  }
  /// \brief cancel(): sticky, then decides the round.
  void cancel() noexcept {
    cancel_.store(true);
    decide(stop_reason::cancelled);
  }
  /// \brief A callback asked to stop: sticky, then decides the round.
  void user_stop() noexcept {
    user_stop_.store(true);
    decide(stop_reason::user_stop);
  }
  [[nodiscard]] bool cancel_requested() const noexcept { return cancel_.load(); }
  [[nodiscard]] bool user_stop_requested() const noexcept { return user_stop_.load(); }

  /// \returns the round's decision (none while undecided).
  [[nodiscard]] stop_reason decision() const noexcept {
    const std::lock_guard lock(mutex_);
    return decision_;
  }
  /// \returns when the round was decided. \pre decision() != none
  [[nodiscard]] clock::time_point decided_at() const noexcept {
    const std::lock_guard lock(mutex_);
    return decided_at_;
  }

  /// \returns the token the workers of the current round poll.
  [[nodiscard]] std::stop_token token() const noexcept {
    const std::lock_guard lock(mutex_);
    return source_.get_token();
  }

  /// \brief The poll of a worker or a sweep, every K rows: \returns true when the round must
  /// stop. Reads the clock: past the deadline it decides time_limit itself.
  [[nodiscard]] bool poll(const std::stop_token& token) noexcept {
    if (token.stop_requested()) return true;
    const auto deadline = deadline_.load(std::memory_order_relaxed);
    if (clock::now().time_since_epoch().count() >= deadline) {
      decide(stop_reason::time_limit);
      return true;
    }
    return false;
  }

  /// \brief The end of a round of a distributed schedule: the decision every process agreed on
  /// replaces this process's own, which may differ (a deadline or a cancel seen here first, a
  /// request that lost the race at rank 0). The moment of this process's first decision stays.
  /// \pre the round's workers have returned.
  void settle(stop_reason r) noexcept {
    const std::lock_guard lock(mutex_);
    if (decision_ == stop_reason::none) decided_at_ = clock::now();
    decision_ = r;
    source_.request_stop();
  }

  /// \brief Starts a round: no decision, a fresh stop token; a sticky cancel or user stop decides
  /// it at once. \pre no worker of the previous round runs.
  void new_round() noexcept {
    const std::lock_guard lock(mutex_);
    decision_ = stop_reason::none;
    source_ = std::stop_source();
    if (cancel_.load()) {
      decide_locked(stop_reason::cancelled);
    } else if (user_stop_.load()) {
      decide_locked(stop_reason::user_stop);
    }
  }

 private:
  bool decide_locked(stop_reason r) noexcept {
    if (decision_ != stop_reason::none || r == stop_reason::none) return false;
    decision_ = r;
    decided_at_ = clock::now();
    source_.request_stop();
    return true;
  }

  mutable std::mutex mutex_;
  stop_reason decision_ = stop_reason::none;
  clock::time_point decided_at_{};
  std::stop_source source_;
  std::atomic<bool> cancel_{false};
  std::atomic<bool> user_stop_{false};
  std::atomic<clock::rep> deadline_{clock::time_point::max().time_since_epoch().count()};
};

/// \brief The newest progress snapshot of a job: written by the decision loop, read by
/// solve_handle::progress() and by the observer thread.
///
/// Thread safety: every member may be called from any thread; a snapshot is copied under a mutex
/// (a few hundred bytes), so a reader never holds the writer for longer than a copy.
class snapshot_board {
 public:
  /// \brief Replaces the snapshot with \p p (newest wins, nothing queues).
  void publish(const progress& p) {
    bool wake = false;
    {
      const std::lock_guard lock(mutex_);
      latest_ = p;
      ++sequence_;
      wake = observer_waiting_;
    }
    if (wake) cv_.notify_one();
  }

  /// \returns the newest snapshot, or nullopt before the first.
  [[nodiscard]] std::optional<progress> latest() const {
    const std::lock_guard lock(mutex_);
    return latest_;
  }

  /// \brief The observer's wait: until a snapshot newer than \p seen exists and \p not_before has
  /// passed, or the board is closed. \returns false when closed; otherwise true with \p out the
  /// newest snapshot and \p seen its sequence number.
  bool wait_newer(std::uint64_t& seen, clock::time_point not_before, progress& out) {
    std::unique_lock lock(mutex_);
    while (!closed_) {
      const auto now = clock::now();
      if (now < not_before) {
        cv_.wait_until(lock, not_before);
      } else if (sequence_ > seen && latest_) {
        out = *latest_;
        seen = sequence_;
        return true;
      } else {
        observer_waiting_ = true;
        cv_.wait(lock);
        observer_waiting_ = false;
      }
    }
    return false;
  }

  /// \brief No more snapshots for the observer: wait_newer returns false from now on.
  void close() {
    {
      const std::lock_guard lock(mutex_);
      closed_ = true;
    }
    cv_.notify_all();
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::optional<progress> latest_;
  std::uint64_t sequence_ = 0;
  bool observer_waiting_ = false;
  bool closed_ = false;
};

/// \brief The newest per-block state of a job (block_progress): written by the decision loop,
/// read by solve_handle::block_progress().
///
/// The decision loop publishes at most every `period` and at the end of every round (the
/// publisher keeps the time of its last publication). publish() fills vectors kept from the
/// previous publication, so once their sizes are known it allocates nothing.
///
/// Thread safety / memory ordering: every member may be called from any thread. The fill runs under
/// the board's mutex (a loop over the blocks), and a reader copies the whole state out under the
/// same mutex: a reader never sees a half-written state, and never holds the publisher for longer
/// than that copy. A publication made before the job completes happens-before any read that follows
/// a wait on the job (both go through mutexes in that order).
class block_board {
 public:
  /// The shortest interval between two publications within a round.
  static constexpr clock::duration period = std::chrono::milliseconds(10);

  /// \brief Replaces the state: \p fill(block_progress&) writes every field (newest wins).
  template <class Fill>
  void publish(Fill&& fill) {
    const std::lock_guard lock(mutex_);
    fill(latest_);
    published_ = true;
  }

  /// \returns the newest state, or nullopt before the first publication.
  [[nodiscard]] std::optional<block_progress> latest() const {
    const std::lock_guard lock(mutex_);
    if (!published_) return std::nullopt;
    return latest_;
  }

 private:
  mutable std::mutex mutex_;
  block_progress latest_;
  bool published_ = false;
};

/// \brief One submitted solve.
///
/// Thread safety: b, x, options and callback are set at submit and then only read (x is written by
/// the solve until it completes). control, board and blocks are thread-safe. The outcome (report,
/// error, done) is written once by complete() and read after wait(); on_ready may be called from
/// any thread.
struct job_state {
  job_state(std::span<const double> rhs, std::span<double> sol, solver_options opts,
            progress_callback cb)
      : b(rhs), x(sol), options(std::move(opts)), callback(std::move(cb)) {}

  std::span<const double> b;
  std::span<double> x;
  const solver_options options;
  const progress_callback callback;
  stop_control control;
  snapshot_board board;
  block_board blocks;

  /// \brief Records the first failure of a worker, a callback or the coordinator and stops the
  /// round with stop_reason::failed. Later failures are dropped (first wins).
  void fail(std::exception_ptr e) noexcept {
    {
      const std::lock_guard lock(error_mutex_);
      if (!error_) error_ = std::move(e);
    }
    control.decide(stop_reason::failed);
  }
  [[nodiscard]] std::exception_ptr error() const {
    const std::lock_guard lock(error_mutex_);
    return error_;
  }

  /// \brief Publishes the outcome, wakes every waiter, then runs the on_ready notifications on
  /// this thread. Called once, last.
  void complete(solve_report r) {
    std::vector<std::function<void()>> notify;
    {
      const std::lock_guard lock(done_mutex_);
      report_ = std::move(r);
      done_ = true;
      notify.swap(on_ready_);
    }
    done_cv_.notify_all();
    for (auto& fn : notify) run_notification(fn);
  }
  /// \brief Calls \p fn once the job has completed: at once on this thread when it already has,
  /// else on the thread that completes it (see solve_handle::on_ready).
  void on_ready(std::function<void()> fn) {
    {
      const std::lock_guard lock(done_mutex_);
      if (!done_) {
        on_ready_.push_back(std::move(fn));
        return;
      }
    }
    run_notification(fn);
  }
  [[nodiscard]] bool finished() const {
    const std::lock_guard lock(done_mutex_);
    return done_;
  }
  void wait() const {
    std::unique_lock lock(done_mutex_);
    done_cv_.wait(lock, [this] { return done_; });
  }
  bool wait_until(clock::time_point deadline) const {
    std::unique_lock lock(done_mutex_);
    return done_cv_.wait_until(lock, deadline, [this] { return done_; });
  }
  /// \pre finished()
  [[nodiscard]] const solve_report& report() const noexcept { return report_; }

 private:
  mutable std::mutex error_mutex_;
  std::exception_ptr error_;
  mutable std::mutex done_mutex_;
  mutable std::condition_variable done_cv_;
  bool done_ = false;
  solve_report report_;
  std::vector<std::function<void()>> on_ready_;  ///< under done_mutex_, until done_

  /// A notification must not throw; one that does is logged and dropped (the solve is over).
  /// Defined in solve_handle.cpp.
  static void run_notification(const std::function<void()>& fn) noexcept;
};

}  // namespace asor::detail
