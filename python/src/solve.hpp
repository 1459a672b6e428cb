#pragma once
// Private to the Python module: one submitted solve as Python sees it (asor._asor._Solve), its
// snapshot streams, and the thread that runs Python completion callbacks.
//
// Threads and the GIL (docs/python.md):
// - the engine's solve thread never runs Python code and never takes the GIL: at the end of a
//   solve it only wakes the streams and queues the Python done-callbacks for the dispatcher;
// - the engine's observer thread takes the GIL to call on_progress (and only then);
// - the dispatcher (a Python thread, asor._dispatch) runs done-callbacks and destroys what a
//   callback could not destroy on the observer thread;
// - every wait of a Python thread for a solve releases the GIL (a running on_progress needs it).

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "asor/engine.hpp"
#include "asor/options.hpp"
#include "asor/solve_handle.hpp"
#include "binding.hpp"
#include "report/solve_document.hpp"
#include "web/monitor_server.hpp"

namespace asor::python {

/// \brief The snapshots one stream() has received and not yet handed out: at most `capacity`,
/// the oldest dropped first. Under solve_state::mutex.
struct stream_buffer {
  explicit stream_buffer(std::size_t cap) : capacity(cap) {}
  void push(const ::asor::progress& p) {
    if (items.size() == capacity) {
      items.pop_front();
      ++dropped;
    }
    items.push_back(p);
  }
  std::size_t capacity;
  std::deque<::asor::progress> items;
  std::int64_t dropped = 0;
  bool finished = false;  ///< the solve has ended: nothing more will come
};

/// \brief What the engine's threads share with the Python objects of one solve. Holds no Python
/// object: the engine's threads use it without the GIL.
///
/// Thread safety: handle's members are thread-safe; the rest is under `mutex`, except
/// observer_thread (atomic).
struct solve_state {
  solve_handle handle;  ///< set once, at submit
  std::mutex mutex;
  std::condition_variable changed;  ///< a stream got a snapshot, or the solve ended
  std::vector<std::shared_ptr<stream_buffer>> streams;
  bool finished = false;                ///< the end was seen by the on_ready notification
  bool dispatch_wanted = false;         ///< Python done-callbacks wait for the end
  bool dispatch_queued = false;         ///< ... and have been queued for the dispatcher
  bool dispatched = false;              ///< ... and the dispatcher has taken them
  std::function<void()> dispatch_item;  ///< what the dispatcher runs for them
  /// the thread inside on_progress while it runs (none otherwise)
  std::atomic<std::thread::id> observer_thread{};
};

/// \brief The queue of work for the dispatcher thread: Python done-callbacks of ended solves, and
/// solves whose last reference was dropped inside their own on_progress. Items run with the GIL.
///
/// Thread safety: push from any thread, with or without the GIL; one dispatcher pops.
class dispatch_queue {
 public:
  static dispatch_queue& instance();
  void push(std::function<void()> item);
  /// \brief Waits (GIL released) for an item. \returns it, or an empty function once stopped and
  /// drained.
  std::function<void()> pop();
  /// \brief After the queued items, pop() returns empty. Until restart().
  void stop();
  void restart();

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> items_;
  bool stopped_ = false;
};

/// \brief Runs the dispatcher until stopped (called by the Python thread asor._dispatch starts).
void dispatch_forever();
/// \brief Makes sure the dispatcher thread runs (imports asor._dispatch). GIL held.
void ensure_dispatcher();

class py_stream;

/// \brief One submitted solve (asor._asor._Solve; the Python class asor.Handle wraps it).
///
/// Owns the engine (one per solve: the matrix and options are the solve's), the x it writes
/// into, b, and references to the matrix's arrays and the callback. Destroying it while the solve
/// runs cancels the solve and waits for it, with the GIL released (the C++ handle's rule).
///
/// Thread safety: Python calls its methods with the GIL held; the engine's threads touch only
/// `parts` members documented as theirs.
class py_solve {
 public:
  /// \brief Submits the solve. \p on_progress: None or a callable; \p observe: deliver snapshots
  /// to stream() (installs the observer even without a callback); \p serve: "[ADDR:]PORT" of a
  /// live monitor page (src/web/monitor_server.hpp, docs/monitor.md) that watches this solve and
  /// keeps its final report until the solve is dropped, or empty for none.
  /// \throws ValueError when the options or \p serve are invalid; OSError when \p serve cannot be
  /// listened on (in use, not an address of this machine).
  py_solve(py::object matrix, value_array b, value_array x, const solver_options& options,
           py::object on_progress, bool observe, const std::string& serve);
  ~py_solve();
  py_solve(const py_solve&) = delete;
  py_solve& operator=(const py_solve&) = delete;

  [[nodiscard]] bool done() const;
  /// \brief Waits for the end, at most \p timeout seconds (None: no limit), GIL released; checks
  /// for signals every 10 ms (a KeyboardInterrupt in the main thread propagates; the solve goes
  /// on). \returns done(). \throws RuntimeError when called from this solve's own on_progress.
  bool wait(std::optional<double> timeout);
  /// \brief Waits for the end, GIL released, ignoring signals (after a cancel: short).
  void wait_quietly();
  /// \brief Stops the solve; \p by names who ("cancel()", "an interrupt") in the report.
  /// \returns false when it had already ended (as Future.cancel()).
  bool cancel(const std::string& by);
  /// \returns the newest snapshot (asor.Progress), or None.
  [[nodiscard]] py::object progress() const;
  /// \returns what the `asor.solve/1` document is made from. \pre done()
  [[nodiscard]] reporting::solve_outcome outcome() const;
  /// \returns the `asor.solve/1` document as a dict. \pre done()
  [[nodiscard]] py::dict report() const;
  /// \returns the exception that ended the solve (the callback's own), or None. \pre done()
  [[nodiscard]] py::object exception() const;
  /// \returns the monitor page's URL (with its token) when the solve is served, else None.
  [[nodiscard]] py::object url() const;
  /// \returns whether the monitor listens on a loopback address only (true when not served).
  [[nodiscard]] bool loopback() const;
  /// \returns the array the solve writes x into.
  [[nodiscard]] py::object x() const;
  /// \returns a new stream of snapshots holding at most \p capacity of them.
  [[nodiscard]] std::shared_ptr<py_stream> stream(std::size_t capacity);
  /// \brief Calls \p fn() once the solve has ended: on the dispatcher thread, or at once here
  /// when the end was already dispatched. Keeps \p self alive until then.
  void on_done(const py::object& self, const py::object& fn);

  struct parts;

 private:
  std::unique_ptr<parts> parts_;
};

/// \brief An iterator over a solve's snapshots (asor._asor._Stream): those delivered after it was
/// made, then the final one, then StopIteration. At most `capacity` wait in it; when the reader
/// falls behind, the oldest are dropped and counted.
class py_stream {
 public:
  py_stream(std::shared_ptr<solve_state> state, std::shared_ptr<stream_buffer> buffer)
      : state_(std::move(state)), buffer_(std::move(buffer)) {}
  /// \returns the next snapshot; waits (GIL released) for it. \throws StopIteration at the end.
  py::object next();
  [[nodiscard]] std::int64_t dropped() const;

 private:
  std::shared_ptr<solve_state> state_;
  std::shared_ptr<stream_buffer> buffer_;
};

/// \brief Cancels every solve of this process and waits for them (GIL released): the atexit
/// hook, so that no engine thread takes the GIL while the interpreter finalizes.
void cancel_all();
/// \returns how many solves have not ended (tests).
int running_solves();

}  // namespace asor::python
