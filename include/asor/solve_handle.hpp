#pragma once
/// \file solve_handle.hpp
/// \brief The handle of a submitted solve: poll it, wait for it, watch its progress, cancel it.

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>

#include "asor/progress.hpp"
#include "asor/report.hpp"

namespace asor {

namespace detail {
struct job_state;
}  // namespace detail

/// \brief A solve running in the background (engine::submit), in the manner of std::future,
/// IPython Parallel's AsyncResult or a dispy job.
///
/// - `ready()`, `wait()`, `wait_for()` tell or wait until the solve has ended;
/// - `get()` waits and returns the report, or rethrows what ended the solve (an input error, an
///   exception of a callback or a hook, std::bad_alloc); it may be called any number of times;
/// - `cancel()` stops the solve (stop_reason::cancelled); it is idempotent and safe before, during
///   and after the solve: before the first sweep (during preparation) the solve ends without
///   relaxing; after the end it does nothing;
/// - `progress()` returns the newest snapshot without blocking the solve, `block_progress()` the
///   newest state of each block (a live monitor's per-block curves and sweep counts);
/// - `on_ready(fn)` has fn called once when the solve has ended (a completion notification, for
///   event loops and bindings that must not poll).
///
/// The solve writes into the x given to submit() until the handle is ready, and reads b until then:
/// both must outlive the solve. **Destroying the handle of a running solve cancels it and waits
/// for it** (x then holds the iterate reached), so a handle never leaves a solve writing into
/// freed memory. A default-constructed or moved-from handle is not valid(): every member but
/// valid() and the destructor then throws std::logic_error (std::future's no_state, as an exception
/// that names the misuse).
///
/// Thread safety: every member may be called from any thread, concurrently, except that the handle
/// object itself must not be assigned or destroyed while another thread uses it. Do not destroy the
/// handle, or wait for it, from inside the solve's own progress callback (the solve waits for the
/// callback to return: a deadlock).
class solve_handle {
 public:
  solve_handle() noexcept = default;
  ~solve_handle();
  solve_handle(const solve_handle&) = delete;
  solve_handle& operator=(const solve_handle&) = delete;
  solve_handle(solve_handle&& other) noexcept = default;
  /// \brief Cancels and waits for the solve this handle had (if running), then takes \p other's.
  solve_handle& operator=(solve_handle&& other) noexcept;

  /// \returns whether the handle refers to a solve.
  [[nodiscard]] bool valid() const noexcept { return job_ != nullptr; }
  /// \returns whether the solve has ended (get() will not block).
  [[nodiscard]] bool ready() const;
  /// \brief Blocks until the solve has ended.
  void wait() const;
  /// \brief Blocks until the solve has ended or \p timeout has passed. \returns ready().
  template <class Rep, class Period>
  bool wait_for(const std::chrono::duration<Rep, Period>& timeout) const {
    return wait_until(std::chrono::steady_clock::now() +
                      std::chrono::ceil<std::chrono::steady_clock::duration>(timeout));
  }
  /// \brief Blocks until the solve has ended or \p deadline has passed. \returns ready().
  bool wait_until(std::chrono::steady_clock::time_point deadline) const;
  /// \brief Waits for the end of the solve. \returns its report.
  /// \throws what ended the solve when it failed (the report then says stop_reason::failed).
  [[nodiscard]] solve_report get() const;
  /// \brief Waits for the end of the solve. \returns its report, without throwing: when the
  /// solve failed it says stop_reason::failed and `error` holds the message.
  [[nodiscard]] solve_report report() const;
  /// \brief Waits for the end of the solve. \returns what ended it when it failed, else null.
  [[nodiscard]] std::exception_ptr exception() const;
  /// \brief Stops the solve (stop_reason::cancelled) if it has not ended; never blocks.
  void cancel() const;
  /// \returns the newest progress snapshot, or nullopt before the first one exists.
  [[nodiscard]] std::optional<::asor::progress> progress() const;
  /// \returns the newest state of every block (sweeps, provisional residual, worker), taken at
  /// most every 10 ms and at the end of every round, read without blocking the solve; nullopt
  /// before relaxation begins. After the end: the state of the final x.
  [[nodiscard]] std::optional<::asor::block_progress> block_progress() const;
  /// \brief Calls \p notification once, when the solve has ended: on the engine's solve thread,
  /// right after ready() became true and every waiter was woken, or at once on the calling thread
  /// when the solve has already ended. Notifications run in the order they were registered.
  ///
  /// A notification only notifies (wakes a thread, queues an event): it runs on the thread that
  /// would start the engine's next solve, so it must be short, must not throw (an exception is
  /// logged and dropped), and must not destroy the engine or wait for anything the engine's next
  /// solve would do. It may outlive the handle: it is kept by the solve, not by the handle.
  void on_ready(std::function<void()> notification) const;

  /// \brief A handle of \p job (the engine makes them).
  explicit solve_handle(std::shared_ptr<detail::job_state> job) noexcept : job_(std::move(job)) {}

 private:
  [[nodiscard]] detail::job_state& job() const;
  std::shared_ptr<detail::job_state> job_;
};

}  // namespace asor
