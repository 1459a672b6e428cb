// The asynchronous engine: OpenMP workers relax their blocks with no barrier and publish
// provisional results; a coordinator on a Boost.Asio io_context (its own thread, one strand)
// drains them, calls the progress callback, decides, and cancels the workers. Convergence is
// reported only after the true residual is verified on a quiescent x (docs/termination.md).

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/lockfree/spsc_queue.hpp>
#include <cmath>
#include <exception>
#include <future>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>

#include <spdlog/spdlog.h>
#include "asor/logging.hpp"
#include "asor/monitor.hpp"
#include "engine_impl.hpp"

namespace asor::detail {
namespace {

namespace asio = boost::asio;

/// Latest-value-wins slot of one block, written by its owner, read by the coordinator.
///
/// Thread safety / memory ordering: the owner stores the residual and time (relaxed) and then the
/// sweep count (release); the coordinator loads the sweep count (acquire) and then the rest, so a
/// residual is never older than the count read with it. Values may be newer: all are provisional.
struct alignas(64) block_slot {
  std::atomic<std::int64_t> sweeps{0};
  std::atomic<double> residual_sq{0.0};
  std::atomic<double> seconds{0.0};
};

/// Per-worker single-producer single-consumer ring of provisional results. The worker never
/// waits: when the ring is full the result is dropped (counted), the block's slot still has it.
/// Only solves that want every result (a per-result callback, record_provisional) have rings:
/// for the others the slots carry everything the coordinator uses, and 256 kB per worker is
/// more than a small matrix itself.
using result_ring = boost::lockfree::spsc_queue<provisional_result>;
constexpr std::size_t ring_capacity = 8192;

/// The residual of a worker's last complete pass over its blocks (squared), written by that
/// worker only; +inf until its first pass. The sum over workers is a cheap, slightly stale copy of
/// the coordinator's estimate, used by the workers to call a tick early (see wake_threshold_sq).
struct alignas(64) worker_pass {
  std::atomic<double> residual_sq{std::numeric_limits<double>::infinity()};
  /// Provisional results this worker published (its own line: no counter shared by workers).
  std::atomic<std::int64_t> published{0};
};

/// Shared state of one solve, touched by workers and the coordinator.
struct shared_state {
  shared_state(int blocks, int workers, bool with_rings)
      : slots(static_cast<std::size_t>(blocks)), passes(static_cast<std::size_t>(workers)) {
    if (with_rings) {
      rings.reserve(static_cast<std::size_t>(workers));
      for (int w = 0; w < workers; ++w) {
        rings.push_back(std::make_unique<result_ring>(ring_capacity));
      }
    }
    dropped = std::make_unique<std::atomic<std::int64_t>[]>(static_cast<std::size_t>(workers));
  }
  std::vector<block_slot> slots;
  std::vector<worker_pass> passes;
  std::vector<std::unique_ptr<result_ring>> rings;
  std::unique_ptr<std::atomic<std::int64_t>[]> dropped;
  /// Early tick: when the workers' pass residuals sum to at most this (absolute, squared: the
  /// effective tolerance times ||b||, squared), the worker that sees it asks the coordinator for a
  /// tick now instead of at the next period. Armed by the coordinator after each tick; the first
  /// worker to see the sum below it disarms it, so at most one early tick is queued at a time.
  std::atomic<double> wake_threshold_sq{-1.0};
  std::atomic<bool> wake_armed{false};
  std::mutex error_mutex;
  std::exception_ptr error;  // first exception of a worker or a callback (first wins)

  void fail(std::exception_ptr e) {
    const std::lock_guard lock(error_mutex);
    if (!error) error = std::move(e);
  }
};

/// What the coordinator decided in one round, handed to the solving thread.
struct round_outcome {
  stop_reason reason = stop_reason::none;
  clock::time_point decided{};
  bool decided_at_all = false;
};

/// The coordinator: all of its state is touched only by handlers on its strand (one thread).
class coordinator {
 public:
  coordinator(engine::impl& e, shared_state& s, monitor& mon, clock::time_point t0,
              solve_report& report)
      : e_(e),
        s_(s),
        mon_(mon),
        t0_(t0),
        report_(report),
        strand_(asio::make_strand(ioc_)),
        timer_(strand_),
        guard_(asio::make_work_guard(ioc_)),
        known_sweeps_(s.slots.size(), 0),
        latest_sq_(s.slots.size(), 0.0),
        round_start_sweeps_(s.slots.size(), 0),
        thread_([this] { ioc_.run(); }) {}

  ~coordinator() {
    guard_.reset();
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
  }
  coordinator(const coordinator&) = delete;
  coordinator& operator=(const coordinator&) = delete;

  /// Starts a round: from now on the coordinator may stop \p workers. Does not wait for the
  /// coordinator's thread: the workers start at once (waking a thread on an idle virtual CPU can
  /// take milliseconds), and whatever they publish before the handler runs is drained after it
  /// (handlers on the strand run in the order they were posted).
  void begin_round(std::stop_source workers) {
    asio::post(strand_, [this, workers = std::move(workers)]() mutable {
      workers_ = std::move(workers);
      outcome_ = {};
      round_start_sweeps_ = known_sweeps_;
      fresh_blocks_ = 0;
      fresh_.assign(known_sweeps_.size(), false);
      candidate_.clear();
      mon_.restart_window();
      active_ = true;
      arm_wake();
      schedule();
    });
  }

  /// Called by a worker (any thread) that sees the estimate below the tolerance: a tick now.
  void wake() {
    asio::post(strand_, [this] {
      if (active_ && !outcome_.decided_at_all) tick();
    });
  }

  /// Ends the round after the workers have returned; returns what was decided.
  round_outcome end_round() {
    std::promise<round_outcome> ended;
    auto result = ended.get_future();
    asio::post(strand_, [this, &ended] {
      active_ = false;
      timer_.cancel();
      drain();  // results published between the last tick and the workers' return
      ended.set_value(outcome_);
    });
    return result.get();
  }

 private:
  void schedule() {
    timer_.expires_after(e_.options.coordinator_period);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || !active_) return;
      tick();
      if (active_ && !outcome_.decided_at_all) schedule();
    });
  }

  /// Takes the newest value of each block: from the rings (in order), then from the slots
  /// (which also carry results a full ring dropped).
  void drain() {
    provisional_result r;
    const bool per_result_callbacks = e_.callback && e_.options.progress_interval_seconds <= 0.0;
    for (auto& ring : s_.rings) {
      while (ring->pop(r)) {
        const auto b = static_cast<std::size_t>(r.block);
        if (r.sweeps > known_sweeps_[b]) absorb(b, r.sweeps, r.provisional_residual_sq);
        if (e_.options.record_provisional) {
          report_.provisional.push_back({r, global_estimate()});
        }
        if (per_result_callbacks && active_) {
          mon_.snapshot().latest = r;
          call_back(r.seconds);
        }
      }
    }
    for (std::size_t b = 0; b < s_.slots.size(); ++b) {
      const std::int64_t sw = s_.slots[b].sweeps.load(std::memory_order_acquire);
      if (sw > known_sweeps_[b]) {
        absorb(b, sw, s_.slots[b].residual_sq.load(std::memory_order_relaxed));
      }
    }
  }

  void absorb(std::size_t b, std::int64_t sweeps, double residual_sq) {
    sum_sq_ += residual_sq - latest_sq_[b];
    latest_sq_[b] = residual_sq;
    known_sweeps_[b] = sweeps;
    if (!fresh_[b] && sweeps > round_start_sweeps_[b]) {
      fresh_[b] = true;
      ++fresh_blocks_;
    }
  }

  [[nodiscard]] double global_estimate() const {
    return std::sqrt(std::max(sum_sq_, 0.0)) / mon_.rhs_norm();
  }

  void call_back(double now) {
    if (!e_.callback || outcome_.decided_at_all) return;
    try {
      if (e_.callback(mon_.snapshot()) == callback_action::stop) decide(stop_reason::user_stop);
    } catch (...) {
      s_.fail(std::current_exception());
      decide(stop_reason::user_stop);
    }
    (void)now;
  }

  void tick() {
    drain();
    // Recompute the sum exactly once per tick (no drift from incremental updates).
    sum_sq_ = 0.0;
    std::int64_t lo = known_sweeps_.empty() ? 0 : known_sweeps_[0];
    std::int64_t hi = lo;
    double total = 0.0;
    for (std::size_t b = 0; b < latest_sq_.size(); ++b) {
      sum_sq_ += latest_sq_[b];
      lo = std::min(lo, known_sweeps_[b]);
      hi = std::max(hi, known_sweeps_[b]);
      total += static_cast<double>(known_sweeps_[b]);
    }
    const double now = seconds_between(t0_, clock::now());
    const bool all = fresh_blocks_ == static_cast<int>(latest_sq_.size());
    mon_.observe(global_estimate(), lo, total / static_cast<double>(latest_sq_.size()), hi, now,
                 all);
    stop_reason reason = confirm(mon_.evaluate());
    if (e_.callback && e_.options.progress_interval_seconds > 0.0 && mon_.callback_due(now)) {
      call_back(now);
    }
    if (e_.cancel_requested.load(std::memory_order_relaxed)) reason = stop_reason::cancelled;
    if (reason != stop_reason::none) {
      decide(reason);
    } else {
      arm_wake();
    }
  }

  void arm_wake() {
    const double threshold = mon_.effective_tolerance() * mon_.rhs_norm();
    s_.wake_threshold_sq.store(threshold * threshold, std::memory_order_relaxed);
    s_.wake_armed.store(true, std::memory_order_release);
  }

  /// A converged candidate is confirmed only when every block has swept again since the estimate
  /// first crossed the tolerance, and the estimate still passes: the decision then rests on
  /// residuals all computed after the crossing, not on one block's stale value.
  stop_reason confirm(stop_reason reason) {
    if (reason != stop_reason::converged) {
      candidate_.clear();
      return reason;
    }
    if (candidate_.empty()) {
      candidate_ = known_sweeps_;
      return stop_reason::none;
    }
    for (std::size_t b = 0; b < candidate_.size(); ++b) {
      if (known_sweeps_[b] <= candidate_[b]) return stop_reason::none;
    }
    candidate_.clear();
    return reason;
  }

  void decide(stop_reason reason) {
    if (outcome_.decided_at_all) return;  // first decision wins
    outcome_.reason = reason;
    outcome_.decided = clock::now();
    outcome_.decided_at_all = true;
    workers_.request_stop();
  }

 public:
  [[nodiscard]] std::vector<std::int64_t> block_sweeps() const { return known_sweeps_; }

 private:
  engine::impl& e_;
  shared_state& s_;
  monitor& mon_;
  clock::time_point t0_;
  solve_report& report_;
  asio::io_context ioc_;
  asio::strand<asio::io_context::executor_type> strand_;
  asio::steady_timer timer_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::stop_source workers_{std::nostopstate};
  round_outcome outcome_;
  bool active_ = false;
  std::vector<std::int64_t> known_sweeps_;
  std::vector<double> latest_sq_;
  std::vector<std::int64_t> round_start_sweeps_;
  std::vector<bool> fresh_;
  std::vector<std::int64_t> candidate_;  // block sweeps when the estimate first passed
  int fresh_blocks_ = 0;
  double sum_sq_ = 0.0;
  std::thread thread_;  // last: starts after everything above is constructed
};

/// The body of one worker thread for one round.
void work(const engine::impl& e, const csr_view& A, double omega, shared_state& s,
          coordinator& coord, std::span<const double> b, std::span<double> x, std::stop_token stop,
          int worker, int workers, clock::time_point t0, double quiet_sq,
          std::vector<std::int64_t>& block_sweeps) {
  const partition& part = e.prep.part;
  const int blocks = part.blocks();
  const int first = static_cast<int>(static_cast<std::int64_t>(blocks) * worker / workers);
  const int last = static_cast<int>(static_cast<std::int64_t>(blocks) * (worker + 1) / workers);
  const relaxed_access access{x.data()};
  const sweep_direction dir = e.options.direction;
  const int local = e.options.local_sweeps;
  const int publish_every = e.options.publish_every;
  auto poll = [&stop] { return stop.stop_requested(); };
  result_ring* ring = s.rings.empty() ? nullptr : s.rings[static_cast<std::size_t>(worker)].get();
  while (!stop.stop_requested()) {
    double pass_sq = 0.0;
    for (int blk = first; blk < last; ++blk) {
      double residual_sq = 0.0;
      for (int k = 0; k < local; ++k) {
        const sweep_result r =
            sor_sweep(A, b.data(), access, part.begin(blk), part.end(blk), omega, dir, poll);
        if (r.interrupted) return;
        residual_sq = r.residual_sq;  // the newest sweep's residual describes the block best
      }
      pass_sq += residual_sq;
      auto& count = block_sweeps[static_cast<std::size_t>(blk)];
      count += local;
      if ((count / local) % publish_every == 0) {
        const provisional_result result{blk, worker, count, residual_sq,
                                        seconds_between(t0, clock::now())};
        block_slot& slot = s.slots[static_cast<std::size_t>(blk)];
        slot.residual_sq.store(residual_sq, std::memory_order_relaxed);
        slot.seconds.store(result.seconds, std::memory_order_relaxed);
        slot.sweeps.store(count, std::memory_order_release);
        if (ring != nullptr && !ring->push(result)) {
          s.dropped[static_cast<std::size_t>(worker)].fetch_add(1, std::memory_order_relaxed);
        }
        auto& published = s.passes[static_cast<std::size_t>(worker)].published;
        published.store(published.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      }
      if (e.options.on_block_sweep) e.options.on_block_sweep(worker, blk, count);
      if (stop.stop_requested()) return;
    }
    s.passes[static_cast<std::size_t>(worker)].residual_sq.store(pass_sq,
                                                                 std::memory_order_relaxed);
    if (s.wake_armed.load(std::memory_order_relaxed)) {
      double total = 0.0;
      for (int w = 0; w < workers; ++w) {
        total += s.passes[static_cast<std::size_t>(w)].residual_sq.load(std::memory_order_relaxed);
      }
      if (total <= s.wake_threshold_sq.load(std::memory_order_relaxed) &&
          s.wake_armed.exchange(false, std::memory_order_acq_rel)) {
        coord.wake();
      }
    }
    // This worker's blocks are converged against the values it sees: more sweeps cannot help
    // until other workers move. On an oversubscribed machine give them the core (on dedicated
    // cores yield returns at once).
    if (pass_sq <= quiet_sq) std::this_thread::yield();
  }
}

}  // namespace

solve_report solve_async(engine::impl& e, std::span<const double> b, std::span<double> x) {
  solve_report report = begin_report(e, b, x);
  if (report.converged()) return report;
  const auto t0 = clock::now();
  const double bnorm = report.rhs_norm;
  const int blocks = e.prep.part.blocks();
  const int workers = e.prep.threads;
  // A worker whose blocks' residual is 10x below the tolerance share is locally converged.
  const double quiet = 0.1 * e.options.stop.tolerance * bnorm;
  const double quiet_sq = quiet * quiet * workers / blocks;
  const bool every_result =
      e.options.record_provisional || (e.callback && e.options.progress_interval_seconds <= 0.0);
  shared_state shared(blocks, workers, every_result);
  monitor mon(e.options, bnorm, initial_residual(e, b, x, bnorm));
  // Each block's sweep count is written only by the worker that owns the block.
  std::vector<std::int64_t> block_sweeps(static_cast<std::size_t>(blocks), 0);
  std::optional<std::vector<double>> restart_x;
  if (e.options.fallback != fallback_policy::none) restart_x.emplace(x.begin(), x.end());
  std::vector<double> fallback_l1;
  csr_view A = e.kernel_view();
  double omega = e.prep.omega;
  double true_residual = std::numeric_limits<double>::quiet_NaN();
  stop_reason reason = stop_reason::none;
  {
    coordinator coord(e, shared, mon, t0, report);
    while (reason == stop_reason::none) {
      std::stop_source stop;
      for (auto& pass : shared.passes) {
        pass.residual_sq.store(std::numeric_limits<double>::infinity(), std::memory_order_relaxed);
      }
      coord.begin_round(stop);
#pragma omp parallel num_threads(workers)
      {
        // OpenMP may grant fewer threads than asked: the granted ones share all blocks.
        const int granted = omp_get_num_threads();
        try {
          work(e, A, omega, shared, coord, b, x, stop.get_token(), omp_get_thread_num(), granted,
               t0, quiet_sq, block_sweeps);
        } catch (...) {
          shared.fail(std::current_exception());
          stop.request_stop();
        }
      }
      const auto joined = clock::now();
      const round_outcome outcome = coord.end_round();
      if (outcome.decided_at_all) {
        const double latency = seconds_between(outcome.decided, joined);
        report.cancel_latency_seconds = std::max(latency, 0.0);
        report.max_cancel_latency_seconds =
            std::isnan(report.max_cancel_latency_seconds)
                ? report.cancel_latency_seconds
                : std::max(report.max_cancel_latency_seconds, report.cancel_latency_seconds);
      }
      if (shared.error) break;  // rethrown below, after the coordinator has stopped
      reason = outcome.reason;
      if (reason == stop_reason::converged) {
        // x is quiescent: every worker has returned. Verify before saying "converged".
        true_residual = residual_norm(e.A, b, x) / bnorm;
        if (!mon.verified(true_residual, seconds_between(t0, clock::now()))) {
          logger()->debug("verification failed at {} sweeps: estimate {:.3e}, true {:.3e}",
                          mon.snapshot().min_sweeps, mon.snapshot().provisional_residual,
                          true_residual);
          if (restart_x) restart_x->assign(x.begin(), x.end());
          // Resume from this x (no work lost), unless a budget ran out meanwhile.
          reason = mon.budget_exhausted(seconds_between(t0, clock::now()));
        }
      } else if (reason == stop_reason::diverged && restart_x && !report.fallback_used) {
        std::copy(restart_x->begin(), restart_x->end(), x.begin());
        report.fallback_used = true;
        omega = 1.0;
        std::string what = "omega 1";
        if (e.options.fallback == fallback_policy::l1) {
          fallback_l1 = l1_inverse_diagonal(e.A, e.prep.part);
          A = e.A.with_inv_diag(fallback_l1);
          report.l1 = true;
          what = "the l1 diagonal and omega 1";
        }
        report.fallback = "diverged after " + std::to_string(mon.snapshot().min_sweeps) +
                          " sweeps with omega " + std::to_string(report.omega) +
                          "; restarted from the last verified x with " + what;
        logger()->warn("{}", report.fallback);
        report.omega = omega;
        reason = stop_reason::none;
      }
    }
    report.block_sweeps = coord.block_sweeps();
  }  // the coordinator's thread is joined here
  if (shared.error) std::rethrow_exception(shared.error);

  const auto& bs = report.block_sweeps;
  if (!bs.empty()) {
    report.sweeps.min = *std::min_element(bs.begin(), bs.end());
    report.sweeps.max = *std::max_element(bs.begin(), bs.end());
    double total = 0.0;
    for (const auto v : bs) total += static_cast<double>(v);
    report.sweeps.mean = total / static_cast<double>(bs.size());
  }
  report.reason = reason;
  if (reason != stop_reason::converged) true_residual = residual_norm(e.A, b, x) / bnorm;
  report.relative_residual = true_residual;
  report.provisional_residual = mon.snapshot().provisional_residual;
  report.verifications = mon.snapshot().verifications;
  report.failed_verifications = mon.failed_verifications();
  report.history = std::move(mon.history());
  for (const auto& pass : shared.passes) report.provisional_results += pass.published.load();
  for (int w = 0; w < workers; ++w) {
    report.provisional_results_dropped += shared.dropped[static_cast<std::size_t>(w)].load();
  }
  report.solve_seconds = seconds_between(t0, clock::now());
  return report;
}

}  // namespace asor::detail
