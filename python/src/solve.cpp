// One submitted solve as Python sees it (see solve.hpp for the threads and the GIL).

#include "solve.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <exception>
#include <new>
#include <stdexcept>

#include "asor/io/errors.hpp"
#include "convert.hpp"
#include "matrix.hpp"

namespace asor::python {

namespace {

using clock = std::chrono::steady_clock;

/// How often a Python thread that waits wakes to check for signals (Ctrl-C).
constexpr auto signal_poll = std::chrono::milliseconds(10);

/// A destructor's exception (the current one) reported as Python reports an exception it cannot
/// raise ("Exception ignored in: <where>"), GIL held: a destructor must not throw.
void discard_in_destructor(const char* where) noexcept {
  try {
    throw;
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  } catch (...) {
    PyErr_SetString(PyExc_RuntimeError, "an exception of unknown type");
  }
  PyObject* const context = PyUnicode_FromString(where);
  PyErr_WriteUnraisable(context);
  Py_XDECREF(context);
}

/// Every solve of the process, for cancel_all() and running_solves().
std::mutex registry_mutex;
std::vector<std::weak_ptr<solve_state>> registry;

void register_solve(const std::shared_ptr<solve_state>& s) {
  const std::lock_guard lock(registry_mutex);
  std::erase_if(registry, [](const auto& w) { return w.expired(); });
  registry.push_back(s);
}

std::vector<std::shared_ptr<solve_state>> live_solves() {
  const std::lock_guard lock(registry_mutex);
  std::vector<std::shared_ptr<solve_state>> live;
  for (const auto& w : registry) {
    if (auto s = w.lock()) live.push_back(std::move(s));
  }
  return live;
}

/// \returns whether a callback's answer means stop: False (Python's or numpy's).
bool is_false(const py::object& r) {
  if (r.ptr() == Py_False) return true;
  return std::strcmp(Py_TYPE(r.ptr())->tp_name, "numpy.bool_") == 0 && !r.cast<bool>();
}

/// \returns "ValueError: the message" for a Python exception (never throws).
std::string describe(const py::error_already_set& e) {
  std::string text = "an exception";
  try {
    text = py::str(e.type().attr("__name__"));
    const std::string message = py::str(e.value());
    if (!message.empty()) text += ": " + message;
  } catch (const py::error_already_set&) {
    PyErr_Clear();
  }
  return text;
}

/// \returns a Python exception object for what ended a solve in C++.
py::object python_exception(const std::exception_ptr& e) {
  PyObject* type = PyExc_RuntimeError;
  std::string message = "unknown exception";
  try {
    std::rethrow_exception(e);
  } catch (const input_error& ex) {
    type = PyExc_ValueError;
    message = ex.what();
  } catch (const std::bad_alloc&) {
    type = PyExc_MemoryError;
    message = "out of memory (std::bad_alloc)";
  } catch (const std::invalid_argument& ex) {
    type = PyExc_ValueError;
    message = ex.what();
  } catch (const std::exception& ex) {
    message = ex.what();
  } catch (...) {
  }
  return py::reinterpret_borrow<py::object>(type)(message);
}

/// Marks the calling thread as the one inside a solve's on_progress, for the guard's lifetime.
class inside_callback {
 public:
  explicit inside_callback(std::atomic<std::thread::id>& slot) : slot_(slot) {
    slot_.store(std::this_thread::get_id());
  }
  ~inside_callback() { slot_.store(std::thread::id()); }
  inside_callback(const inside_callback&) = delete;
  inside_callback& operator=(const inside_callback&) = delete;

 private:
  std::atomic<std::thread::id>& slot_;
};

/// The solve has ended (on the engine's solve thread, without the GIL): the streams get the final
/// snapshot and end, and Python done-callbacks are queued for the dispatcher.
void on_end(solve_state& st) {
  const std::optional<::asor::progress> last = st.handle.progress();
  {
    // The done callbacks are queued before `finished` can be seen (cancel_all relies on it).
    const std::lock_guard lock(st.mutex);
    st.finished = true;
    for (const auto& s : st.streams) {
      const bool seen = !s->items.empty() && last &&
                        s->items.back().elapsed_seconds == last->elapsed_seconds &&
                        s->items.back().min_sweeps == last->min_sweeps;
      if (last && !seen) s->push(*last);
      s->finished = true;
    }
    if (st.dispatch_wanted && !st.dispatch_queued) {
      st.dispatch_queued = true;
      dispatch_queue::instance().push(st.dispatch_item);
    }
  }
  st.changed.notify_all();
}

}  // namespace

/// Everything of one solve; the engine's threads hold raw pointers to it while the solve runs
/// (the destructor waits for the end before anything is freed).
struct py_solve::parts {
  parts() = default;
  parts(const parts&) = delete;
  parts& operator=(const parts&) = delete;
  /// GIL held on entry: released while the solve is cancelled, waited for and its engine
  /// destroyed (a running on_progress needs the GIL to return); the Python objects are released
  /// after, with the GIL.
  ~parts() {
    if (!eng) return;
    try {
      const py::gil_scoped_release nogil;
      if (state->handle.valid() && !state->handle.ready()) {
        state->handle.cancel();
        state->handle.wait();
      }
      eng.reset();  // joins the engine's solve thread (on_ready has run)
      // The page takes the final state, then the server lets it have it (at most 300 ms).
      watched.detach();
      if (server) server->stop();
    } catch (...) {
      discard_in_destructor("asor: ending a solve");
    }
  }

  /// The engine's observer thread: streams first (no GIL), then on_progress with the GIL.
  callback_action observe(const ::asor::progress& s) {
    bool streams = false;
    {
      const std::lock_guard lock(state->mutex);
      for (const auto& buffer : state->streams) buffer->push(s);
      streams = !state->streams.empty();
    }
    if (streams) state->changed.notify_all();
    if (!has_callback) return callback_action::proceed;
    // A callback that returned False or raised is not called again: the engine may take a few
    // more snapshots before its stop decision lands, and its answer stands.
    if (callback_answered_stop) return callback_action::stop;
    // While on_progress runs, this thread is known as the solve's own: waiting for the solve here
    // would never end (see wait(), py_stream::next(), ~py_solve).
    const inside_callback inside(state->observer_thread);
    const py::gil_scoped_acquire gil;
    try {
      const py::object answer = on_progress(progress_snapshot{s});
      callback_answered_stop = is_false(answer);
      return callback_answered_stop ? callback_action::stop : callback_action::proceed;
    } catch (py::error_already_set& e) {
      callback_answered_stop = true;
      // Keep the exception itself, with its traceback, for result() to raise; the engine gets a
      // C++ exception that stops the solve (stop_reason::failed).
      callback_error = e.value();
      if (e.trace()) PyException_SetTraceback(callback_error.ptr(), e.trace().ptr());
      throw callback_raised("on_progress raised " + describe(e));
    }
  }

  // Python objects: touched with the GIL only.
  py::object matrix;  ///< the py_matrix whose arrays the engine reads
  value_array b;
  value_array x;
  py::object on_progress;
  py::object callback_error = py::none();  ///< what on_progress raised
  py::list done_callbacks;
  py::object keep_alive = py::none();  ///< this solve's Python object, while callbacks wait
  std::string cancelled_by;

  // C++ only.
  bool has_callback = false;
  bool callback_answered_stop = false;  ///< on the observer thread only
  int rows = 0;
  std::int64_t nnz = 0;
  solver_options options;
  std::shared_ptr<solve_state> state = std::make_shared<solve_state>();
  std::unique_ptr<web::monitor_server> server;  ///< the monitor page, when served
  web::monitor_server::attachment watched;      ///< the server watching state->handle
  std::unique_ptr<engine> eng;
};

namespace {

/// The dispatcher runs the done-callbacks of \p p (GIL held). The last reference to the solve may
/// go with them: nothing of \p p is touched after.
void run_done_callbacks(py_solve::parts* p) {
  {
    const std::lock_guard lock(p->state->mutex);
    p->state->dispatched = true;
  }
  const py::list callbacks = std::move(p->done_callbacks);
  p->done_callbacks = py::list();
  const py::object self = std::move(p->keep_alive);
  p->keep_alive = py::none();
  for (const py::handle fn : callbacks) {
    try {
      fn();
    } catch (py::error_already_set& e) {
      e.discard_as_unraisable("asor: a done callback");
    }
  }
}

/// \returns a started monitor server listening on \p serve ("[ADDR:]PORT").
std::unique_ptr<web::monitor_server> start_server(const std::string& serve, int rows) {
  web::server_options options;
  try {
    options.address = web::parse_listen_address(serve);
  } catch (const std::invalid_argument& e) {
    throw py::value_error("serve: " + std::string(e.what()));
  }
  options.title = "asor from Python, n = " + std::to_string(rows);
  try {
    return std::make_unique<web::monitor_server>(options);
  } catch (const std::runtime_error& e) {
    PyErr_SetString(PyExc_OSError, ("serve: " + std::string(e.what())).c_str());
    throw py::error_already_set();
  }
}

}  // namespace

py_solve::py_solve(py::object matrix, value_array b, value_array x, const solver_options& options,
                   py::object on_progress, bool observe, const std::string& serve)
    : parts_(std::make_unique<parts>()) {
  parts& p = *parts_;
  const auto& m = matrix.cast<const py_matrix&>();
  require_1d(b, "b");
  require_1d(x, "x");
  if (b.size() != m.rows() || x.size() != m.rows()) {
    throw py::value_error("b and x must have " + std::to_string(m.rows()) + " entries");
  }
  p.matrix = std::move(matrix);
  p.b = std::move(b);
  p.x = std::move(x);
  p.on_progress = std::move(on_progress);
  p.has_callback = !p.on_progress.is_none();
  p.rows = m.rows();
  p.nnz = m.nnz();
  p.options = options;
  // Before the solve starts: an address that cannot be listened on is an error, not a solve
  // without its page.
  if (!serve.empty()) p.server = start_server(serve, m.rows());
  p.eng = std::make_unique<engine>(m.view(), options);
  if (observe || p.has_callback) {
    p.eng->on_progress([raw = &p](const ::asor::progress& s) { return raw->observe(s); });
  }
  const std::span<const double> bs(p.b.data(), static_cast<std::size_t>(p.b.size()));
  const std::span<double> xs(p.x.mutable_data(), static_cast<std::size_t>(p.x.size()));
  p.state->handle = p.eng->submit(bs, xs);
  register_solve(p.state);
  if (p.server) {
    p.watched = p.server->attach(p.state->handle, web::describe_run(p.eng->options(), ""));
  }
  p.state->handle.on_ready([st = p.state.get(), server = p.server.get()] {
    on_end(*st);
    if (server != nullptr) server->finish();  // the pages get the final report now
  });
}

py_solve::~py_solve() {
  if (!parts_) return;
  try {
    solve_state& st = *parts_->state;
    if (st.observer_thread.load() == std::this_thread::get_id() && !st.handle.ready()) {
      // The last reference went inside this solve's own on_progress: waiting here would never
      // end (the solve waits for the callback to return). Cancel, and let the dispatcher wait and
      // free. The queued item holds the only reference: this thread must not be the one that
      // drops the last (the dispatcher may run the item before this destructor returns).
      st.handle.cancel();
      dispatch_queue::instance().push(
          [remains = std::shared_ptr<parts>(std::move(parts_))]() mutable { remains.reset(); });
      ensure_dispatcher();
      return;
    }
    parts_.reset();
  } catch (...) {
    discard_in_destructor("asor: dropping a solve");
  }
}

bool py_solve::done() const { return parts_->state->handle.ready(); }

bool py_solve::wait(std::optional<double> timeout) {
  solve_state& st = *parts_->state;
  if (st.handle.ready()) return true;
  if (st.observer_thread.load() == std::this_thread::get_id()) {
    throw std::runtime_error(
        "asor: waiting for a solve inside its own on_progress would never end (the solve waits "
        "for the callback to return)");
  }
  const auto deadline =
      timeout ? clock::now() + std::chrono::duration_cast<clock::duration>(
                                   std::chrono::duration<double>(std::max(0.0, *timeout)))
              : clock::time_point::max();
  while (true) {
    bool ready = false;
    {
      const py::gil_scoped_release nogil;
      ready = st.handle.wait_until(std::min(deadline, clock::now() + signal_poll));
    }
    if (ready) return true;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    if (clock::now() >= deadline) return false;
  }
}

void py_solve::wait_quietly() {
  const py::gil_scoped_release nogil;
  parts_->state->handle.wait();
}

bool py_solve::cancel(const std::string& by) {
  parts& p = *parts_;
  if (p.state->handle.ready()) return false;
  if (p.cancelled_by.empty()) p.cancelled_by = by;
  p.state->handle.cancel();
  return true;
}

py::object py_solve::progress() const {
  const std::optional<::asor::progress> s = parts_->state->handle.progress();
  if (!s) return py::none();
  return py::cast(progress_snapshot{*s});
}

reporting::solve_outcome py_solve::outcome() const {
  const parts& p = *parts_;
  if (!p.state->handle.ready()) throw std::logic_error("asor: the solve has not ended");
  reporting::solve_outcome o;
  o.in_memory = true;
  o.n = p.rows;
  o.nnz = p.nnz;
  o.report = p.state->handle.report();
  o.max_sweeps = p.options.stop.max_sweeps;
  o.time_limit = p.options.stop.time_limit_seconds;
  o.local_sweeps = p.options.local_sweeps;
  if (!p.cancelled_by.empty()) {
    o.cancelled_by = p.cancelled_by;
  } else if (p.server && p.server->cancel_requested()) {
    o.cancelled_by = "the monitor page's Cancel";
  } else {
    o.cancelled_by = "cancel()";
  }
  return o;
}

py::dict py_solve::report() const { return to_python(reporting::solve_json(outcome())); }

py::object py_solve::exception() const {
  const parts& p = *parts_;
  if (!p.state->handle.ready()) throw std::logic_error("asor: the solve has not ended");
  if (!p.callback_error.is_none()) return p.callback_error;
  const std::exception_ptr e = p.state->handle.exception();
  if (!e) return py::none();
  return python_exception(e);
}

py::object py_solve::x() const { return parts_->x; }

py::object py_solve::url() const {
  if (!parts_->server) return py::none();
  return py::str(parts_->server->url());
}

bool py_solve::loopback() const { return !parts_->server || parts_->server->loopback(); }

std::shared_ptr<py_stream> py_solve::stream(std::size_t capacity) {
  solve_state& st = *parts_->state;
  auto buffer = std::make_shared<stream_buffer>(std::max<std::size_t>(capacity, 1));
  {
    const std::lock_guard lock(st.mutex);
    if (st.finished) {
      if (const auto last = st.handle.progress()) buffer->push(*last);
      buffer->finished = true;
    } else {
      st.streams.push_back(buffer);
    }
  }
  return std::make_shared<py_stream>(parts_->state, std::move(buffer));
}

void py_solve::on_done(const py::object& self, const py::object& fn) {
  parts& p = *parts_;
  solve_state& st = *p.state;
  bool now = false;
  std::function<void()> dispatch;
  {
    const std::lock_guard lock(st.mutex);
    if (st.dispatched || (st.finished && !st.dispatch_wanted)) {
      now = true;
    } else {
      p.done_callbacks.append(fn);
      p.keep_alive = self;
      if (!st.dispatch_wanted) {
        st.dispatch_wanted = true;
        st.dispatch_item = [raw = &p] { run_done_callbacks(raw); };
      }
      if (st.finished && !st.dispatch_queued) {
        st.dispatch_queued = true;
        dispatch = st.dispatch_item;
      }
    }
  }
  if (now) {
    fn();
    return;
  }
  ensure_dispatcher();
  if (dispatch) dispatch_queue::instance().push(std::move(dispatch));
}

py::object py_stream::next() {
  solve_state& st = *state_;
  if (st.observer_thread.load() == std::this_thread::get_id() && !st.handle.ready()) {
    throw std::runtime_error(
        "asor: iterating over a solve's stream inside its own on_progress would never end");
  }
  while (true) {
    std::optional<::asor::progress> item;
    bool end = false;
    {
      const py::gil_scoped_release nogil;
      std::unique_lock lock(st.mutex);
      st.changed.wait_for(lock, signal_poll,
                          [this] { return !buffer_->items.empty() || buffer_->finished; });
      if (!buffer_->items.empty()) {
        item = buffer_->items.front();
        buffer_->items.pop_front();
      } else {
        end = buffer_->finished;
      }
    }
    if (item) return py::cast(progress_snapshot{*item});
    if (end) throw py::stop_iteration();
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  }
}

std::int64_t py_stream::dropped() const {
  const std::lock_guard lock(state_->mutex);
  return buffer_->dropped;
}

dispatch_queue& dispatch_queue::instance() {
  static dispatch_queue* const queue = new dispatch_queue();  // never destroyed: used at exit
  return *queue;
}

void dispatch_queue::push(std::function<void()> item) {
  {
    const std::lock_guard lock(mutex_);
    items_.push_back(std::move(item));
  }
  ready_.notify_one();
}

std::function<void()> dispatch_queue::pop() {
  std::unique_lock lock(mutex_);
  ready_.wait(lock, [this] { return stopped_ || !items_.empty(); });
  if (items_.empty()) return {};
  std::function<void()> item = std::move(items_.front());
  items_.pop_front();
  return item;
}

void dispatch_queue::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  ready_.notify_all();
}

void dispatch_queue::restart() {
  const std::lock_guard lock(mutex_);
  stopped_ = false;
}

void dispatch_forever() {
  dispatch_queue& queue = dispatch_queue::instance();
  while (true) {
    std::function<void()> item;
    {
      const py::gil_scoped_release nogil;
      item = queue.pop();
    }
    if (!item) return;
    item();  // with the GIL; the item handles its own Python errors
  }
}

void ensure_dispatcher() { py::module_::import("asor._dispatch").attr("ensure_started")(); }

void cancel_all() {
  const std::vector<std::shared_ptr<solve_state>> live = live_solves();
  const py::gil_scoped_release nogil;
  for (const auto& s : live) {
    if (s->handle.valid()) s->handle.cancel();
  }
  // Waiters wake before the engine runs on_ready: wait for on_end too, so that the done callbacks
  // it queues are in the dispatcher's queue before the caller stops the dispatcher.
  for (const auto& s : live) {
    if (!s->handle.valid()) continue;
    s->handle.wait();
    std::unique_lock lock(s->mutex);
    s->changed.wait(lock, [&s] { return s->finished; });
  }
}

int running_solves() {
  int running = 0;
  for (const auto& s : live_solves()) {
    if (s->handle.valid() && !s->handle.ready()) ++running;
  }
  return running;
}

}  // namespace asor::python
