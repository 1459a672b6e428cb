// The asynchronous schedule: OpenMP workers relax their blocks with no barrier and publish
// provisional results; a coordinator on a Boost.Asio io_context (its own thread, one strand)
// drains them, runs the decision loop and publishes snapshots. It never calls the progress
// callback (the observer thread does), so a slow callback cannot delay a decision. Stops go
// through the job's stop_control, which the workers poll every `poll_rows` rows together with the
// clock. Convergence is reported only after the driver has verified the true residual on a
// quiescent x (docs/termination.md).
//
// Pipelined passes (solver_options::pipeline_sweeps, sor_pipeline in sweep.hpp): a worker whose
// blocks take one sweep per visit (local_sweeps = 1) runs t sweeps in one pass over all of its
// blocks (contiguous rows), with the lag of its own rows only: the other workers' values may be of
// any age in the asynchronous method, so they create no dependency. Without other workers this is
// bitwise t passes over the blocks in sweep order. Each block still publishes after each of its
// sweeps (when the pass's sweep leaves the block), and the budget holds per block. With
// local_sweeps > 1 a visit's local sweeps are pipelined per block instead.

#include <omp.h>

#include <algorithm>
#include <array>
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
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "asor/sweep.hpp"
#include "engine_impl.hpp"
#include "omega_adaptation.hpp"
#include "schedule.hpp"
#include "worker_plan.hpp"

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
  std::atomic<int> worker{-1};
};

/// Per-worker single-producer single-consumer ring of provisional results, only when the report
/// records every result (record_provisional): the slots carry everything the decisions use. The
/// worker never waits: when the ring is full the result is dropped (counted).
using result_ring = boost::lockfree::spsc_queue<provisional_result>;
constexpr std::size_t ring_capacity = 8192;

/// The residual of a worker's last complete pass over its blocks (squared), written by that
/// worker only; +inf until its first pass. The sum over workers is a cheap, slightly stale copy of
/// the coordinator's estimate, used by the workers to call a tick early (see wake_threshold_sq).
struct alignas(64) worker_pass {
  std::atomic<double> residual_sq{std::numeric_limits<double>::infinity()};
  /// Provisional results this worker published (its own line: no counter shared by workers).
  std::atomic<std::int64_t> published{0};
  std::atomic<std::int64_t> dropped{0};  ///< results its full ring could not take
  std::atomic<int> pipeline{1};          ///< sweeps per pass it used (solve_report)
};

/// State shared by the workers and the coordinator during one job.
struct shared_state {
  shared_state(int blocks, int workers, bool with_rings)
      : slots(static_cast<std::size_t>(blocks)), passes(static_cast<std::size_t>(workers)) {
    if (with_rings) {
      rings.reserve(static_cast<std::size_t>(workers));
      for (int w = 0; w < workers; ++w) {
        rings.push_back(std::make_unique<result_ring>(ring_capacity));
      }
    }
  }
  std::vector<block_slot> slots;
  std::vector<worker_pass> passes;
  std::vector<std::unique_ptr<result_ring>> rings;
  /// Early tick: when the workers' pass residuals sum to at most this (absolute, squared: the
  /// effective tolerance times ||b||, squared), the worker that sees it asks the coordinator for a
  /// tick now instead of at the next period. Armed by the coordinator after each tick; the first
  /// worker to see the sum below it disarms it, so at most one early tick is queued at a time.
  std::atomic<double> wake_threshold_sq{-1.0};
  std::atomic<bool> wake_armed{false};
  /// The factor the workers relax with: set before each round, and by the coordinator when
  /// omega = auto backs it off (each worker reads it before each block sweep; relaxed: any recent
  /// value is a valid factor, and the next sweeps use the new one).
  std::atomic<double> omega{1.0};
};

/// The coordinator: all of its state is touched only by handlers on its strand (one thread).
/// Every handler body runs under a try: an exception (std::bad_alloc included) fails the job,
/// which stops the round; it never escapes io_context::run.
class coordinator {
 public:
  coordinator(const schedule_context& ctx, shared_state& s)
      : ctx_(ctx),
        options_(ctx.job.options),
        s_(s),
        strand_(asio::make_strand(ioc_)),
        timer_(strand_),
        guard_(asio::make_work_guard(ioc_)),
        known_sweeps_(s.slots.size(), 0),
        latest_sq_(s.slots.size(), 0.0),
        block_worker_(s.slots.size(), -1),
        round_start_sweeps_(s.slots.size(), 0),
        thread_([this] { ioc_.run(); }) {}

  ~coordinator() {
    guard_.reset();
    ioc_.stop();
    if (thread_.joinable()) thread_.join();
  }
  coordinator(const coordinator&) = delete;
  coordinator& operator=(const coordinator&) = delete;

  /// Starts a round. Does not wait for the coordinator's thread: the workers start at once
  /// (waking a thread on an idle virtual CPU can take milliseconds), and whatever they publish
  /// before the handler runs is drained after it (handlers on the strand run in posting order).
  void begin_round() {
    asio::post(strand_, [this] {
      guarded([this] {
        round_start_sweeps_ = known_sweeps_;
        fresh_blocks_ = 0;
        fresh_.assign(known_sweeps_.size(), false);
        candidate_.clear();
        ctx_.mon.restart_window();
        active_ = true;
        arm_wake();
        schedule();
      });
    });
  }

  /// Called by a worker (any thread) that sees the estimate below the tolerance: a tick now.
  void wake() {
    asio::post(strand_, [this] {
      if (active_ && !decided()) guarded([this] { tick(); });
    });
  }

  /// Ends the round after the workers have returned: drains what they published last and, when
  /// nobody decided the round (every block used its sweep budget), decides it from the final
  /// estimate. Blocks until that is done.
  void end_round() {
    std::promise<void> ended;
    auto result = ended.get_future();
    asio::post(strand_, [this, &ended] {
      active_ = false;
      timer_.cancel();
      guarded([this] {
        drain();
        if (!decided()) {
          // x is quiescent: a candidate needs no confirmation (the driver verifies it).
          stop_reason reason = observe_and_evaluate();
          if (reason == stop_reason::none) reason = stop_reason::max_sweeps;
          ctx_.job.control.decide(reason);
        }
        ctx_.job.board.publish(ctx_.mon.snapshot());
        publish_blocks(clock::now(), true);
      });
      ended.set_value();
    });
    result.get();
  }

  /// \pre no round runs (called at the end, by the solving thread)
  [[nodiscard]] std::vector<provisional_record>& records() { return records_; }

 private:
  template <class F>
  void guarded(F&& body) noexcept {
    try {
      body();
    } catch (...) {
      ctx_.job.fail(std::current_exception());
    }
  }

  [[nodiscard]] bool decided() const { return ctx_.job.control.decision() != stop_reason::none; }

  void schedule() {
    timer_.expires_after(options_.coordinator_period);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || !active_ || decided()) return;
      guarded([this] { tick(); });
      if (active_ && !decided()) schedule();
    });
  }

  /// Takes the newest value of each block: from the rings (in order, for the records), then from
  /// the slots (which also carry results a full ring dropped).
  void drain() {
    provisional_result r;
    for (auto& ring : s_.rings) {
      while (ring->pop(r)) {
        const auto b = static_cast<std::size_t>(r.block);
        if (r.sweeps > known_sweeps_[b]) {
          absorb(b, r.sweeps, r.provisional_residual_sq);
          block_worker_[b] = r.worker;
        }
        record(r);
      }
    }
    for (std::size_t b = 0; b < s_.slots.size(); ++b) {
      const block_slot& slot = s_.slots[b];
      const std::int64_t sw = slot.sweeps.load(std::memory_order_acquire);
      if (sw > known_sweeps_[b]) {
        const double residual_sq = slot.residual_sq.load(std::memory_order_relaxed);
        absorb(b, sw, residual_sq);
        const int worker = slot.worker.load(std::memory_order_relaxed);
        block_worker_[b] = worker;
        const double seconds = slot.seconds.load(std::memory_order_relaxed);
        if (seconds >= latest_.seconds) {
          latest_ = {static_cast<int>(b), worker, sw, residual_sq, seconds};
        }
      }
    }
    ctx_.mon.snapshot().latest = latest_;
  }

  /// Keeps \p r in the report's records (record_provisional), at most provisional_limit of them.
  void record(const provisional_result& r) {
    if (options_.provisional_limit == 0) return;
    if (++record_counter_ % record_stride_ != 0) return;
    const bool all = fresh_blocks_ == static_cast<int>(latest_sq_.size());
    records_.push_back({r, all ? global_estimate() : std::numeric_limits<double>::quiet_NaN()});
    thin_when_full(records_, options_.provisional_limit, record_stride_,
                   [](const provisional_record&) { return false; });
  }

  void absorb(std::size_t b, std::int64_t sweeps, double residual_sq) {
    const double old = latest_sq_[b];
    latest_sq_[b] = residual_sq;
    sum_sq_ += residual_sq - old;
    // When the block held most of the sum and its value fell by orders of magnitude, the running
    // sum is left with rounding only (0 or below, clamped to a global estimate of 0, seen in the
    // records of --history): then it is summed again.
    if (!(sum_sq_ > 1e-6 * old)) sum_sq_ = exact_sum();
    known_sweeps_[b] = sweeps;
    if (!fresh_[b] && sweeps > round_start_sweeps_[b]) {
      fresh_[b] = true;
      ++fresh_blocks_;
    }
  }

  [[nodiscard]] double exact_sum() const {
    double sum = 0.0;
    for (const double v : latest_sq_) sum += v;
    return sum;
  }

  [[nodiscard]] double global_estimate() const {
    return std::sqrt(std::max(sum_sq_, 0.0)) / ctx_.mon.rhs_norm();
  }

  /// Feeds the monitor with the blocks' newest values; \returns its verdict.
  stop_reason observe_and_evaluate() {
    // Recompute the sum exactly (no drift from incremental updates). Blocks that have not
    // published in this round count only to detect a non-finite value.
    sum_sq_ = exact_sum();
    std::int64_t lo = known_sweeps_.empty() ? 0 : known_sweeps_[0];
    std::int64_t hi = lo;
    double total = 0.0;
    for (std::size_t b = 0; b < latest_sq_.size(); ++b) {
      lo = std::min(lo, known_sweeps_[b]);
      hi = std::max(hi, known_sweeps_[b]);
      total += static_cast<double>(known_sweeps_[b]);
    }
    const double now = seconds_between(ctx_.t0, clock::now());
    const bool all = fresh_blocks_ == static_cast<int>(latest_sq_.size());
    ctx_.mon.observe(global_estimate(), lo, total / static_cast<double>(latest_sq_.size()), hi, now,
                     all);
    if (options_.on_decision) options_.on_decision();
    return ctx_.mon.evaluate();
  }

  /// Publishes each block's newest sweep count, residual and worker to the job's block board: at
  /// most every block_board::period, or now when \p final (the end of a round).
  void publish_blocks(clock::time_point now, bool final) {
    if (!final && now - last_blocks_ < block_board::period) return;
    last_blocks_ = now;
    const double elapsed = seconds_between(ctx_.t0, now);
    const double bnorm = ctx_.mon.rhs_norm();
    ctx_.job.blocks.publish([&](block_progress& bp) {
      const std::size_t n = known_sweeps_.size();
      bp.elapsed_seconds = elapsed;
      bp.sweeps.assign(known_sweeps_.begin(), known_sweeps_.end());
      bp.worker.assign(block_worker_.begin(), block_worker_.end());
      bp.provisional_residual.resize(n);
      for (std::size_t b = 0; b < n; ++b) {
        // A block that never published has no residual yet: NaN, not the slot's initial 0.
        bp.provisional_residual[b] = known_sweeps_[b] > 0
                                         ? std::sqrt(std::max(latest_sq_[b], 0.0)) / bnorm
                                         : std::numeric_limits<double>::quiet_NaN();
      }
    });
  }

  void tick() {
    drain();
    const stop_reason reason = confirm(observe_and_evaluate());
    adapt_omega();
    ctx_.job.board.publish(ctx_.mon.snapshot());
    publish_blocks(clock::now(), false);
    if (reason != stop_reason::none) {
      ctx_.job.control.decide(reason);
    } else {
      arm_wake();
    }
  }

  /// omega = auto: the back-off sees every global estimate over all blocks (and a non-finite one
  /// from any block); a new omega reaches the workers through the shared atomic.
  void adapt_omega() {
    const progress& p = ctx_.mon.snapshot();
    if (std::isnan(p.provisional_residual)) return;
    if (const std::optional<double> next =
            ctx_.adapt.residual(p.min_sweeps, p.provisional_residual, false)) {
      s_.omega.store(*next, std::memory_order_relaxed);
      ctx_.mon.set_omega(*next);
    }
  }

  void arm_wake() {
    const double threshold = ctx_.mon.effective_tolerance() * ctx_.mon.rhs_norm();
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
      // A block at the sweep budget cannot sweep again; its value is as fresh as it will get.
      if (known_sweeps_[b] <= candidate_[b] && known_sweeps_[b] < options_.stop.max_sweeps) {
        return stop_reason::none;
      }
    }
    candidate_.clear();
    return reason;
  }

  schedule_context ctx_;
  const solver_options& options_;
  shared_state& s_;
  asio::io_context ioc_;
  asio::strand<asio::io_context::executor_type> strand_;
  asio::steady_timer timer_;
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  bool active_ = false;
  std::vector<std::int64_t> known_sweeps_;
  std::vector<double> latest_sq_;
  std::vector<int> block_worker_;  // the worker of each block's newest value (-1: none yet)
  std::vector<std::int64_t> round_start_sweeps_;
  std::vector<bool> fresh_;
  std::vector<std::int64_t> candidate_;  // block sweeps when the estimate first passed
  int fresh_blocks_ = 0;
  double sum_sq_ = 0.0;
  provisional_result latest_;        // the newest result drained (for snapshots)
  clock::time_point last_blocks_{};  // the last publication to the block board
  std::vector<provisional_record> records_;
  std::int64_t record_counter_ = 0;
  std::int64_t record_stride_ = 1;
  std::thread thread_;  // last: starts after everything above is constructed
};

/// What one worker needs for one round.
struct worker_round {
  const schedule_context& ctx;
  const csr_view& A;
  shared_state& s;
  coordinator& coord;
  std::vector<std::int64_t>& block_sweeps;  // each entry written only by its block's owner
  double quiet_sq;
  std::stop_token token;
};

/// How one worker sweeps its blocks in a round (pipelined passes, see the top of this file).
struct worker_plan {
  bool union_passes = false;        ///< pipelined passes over all of the worker's blocks
  int sweeps = 1;                   ///< union passes: sweeps per pass
  int lag = 1;                      ///< union passes: pipeline_lag of the worker's rows
  std::vector<int> block_pipeline;  ///< local_sweeps > 1: sweeps per pass of each block (or empty)
  std::vector<int> block_lags;      ///< local_sweeps > 1: pipeline_lag of each block
  int reported = 1;                 ///< the largest sweeps per pass used
};

/// The plan of the worker owning blocks [first, last). O(entries of its rows) for the lags.
worker_plan plan_worker(const worker_round& w, int first, int last) {
  const solver_options& o = w.ctx.job.options;
  const partition& part = w.ctx.prep.part;
  worker_plan plan;
  if (first >= last || o.pipeline_sweeps == 1 || o.direction == sweep_direction::symmetric) {
    return plan;
  }
  const cache_sizes cache = detect_cache_sizes();
  if (o.local_sweeps == 1) {
    const int lo = part.begin(first);
    const int hi = part.end(last - 1);
    plan.lag = pipeline_lag(w.A, lo, hi);
    plan.sweeps = o.pipeline_sweeps > 0 ? o.pipeline_sweeps
                                        : automatic_pipeline_sweeps(w.A, lo, hi, plan.lag, cache);
    plan.union_passes = plan.sweeps > 1;
    plan.reported = plan.sweeps;
    return plan;
  }
  for (int blk = first; blk < last; ++blk) {
    const int lag = pipeline_lag(w.A, part.begin(blk), part.end(blk));
    const int t = o.pipeline_sweeps > 0
                      ? o.pipeline_sweeps
                      : automatic_pipeline_sweeps(w.A, part.begin(blk), part.end(blk), lag, cache);
    plan.block_lags.push_back(lag);
    plan.block_pipeline.push_back(t);
    plan.reported = std::max(plan.reported, std::min(t, o.local_sweeps));
  }
  return plan;
}

/// The body of one worker thread for one round. Returns when the round is decided or when all of
/// its blocks have used the sweep budget (no block starts a sweep past it).
void work(const worker_round& w, int worker, int workers) {
  const solver_options& o = w.ctx.job.options;
  stop_control& control = w.ctx.job.control;
  const partition& part = w.ctx.prep.part;
  const int blocks = part.blocks();
  const int first = static_cast<int>(static_cast<std::int64_t>(blocks) * worker / workers);
  const int last = static_cast<int>(static_cast<std::int64_t>(blocks) * (worker + 1) / workers);
  const relaxed_access access{w.ctx.x.data()};
  const double* b = w.ctx.b.data();
  const std::int64_t budget = o.stop.max_sweeps;
  const auto poll = [&control, &w] { return control.poll(w.token); };
  auto& pass = w.s.passes[static_cast<std::size_t>(worker)];
  result_ring* ring =
      w.s.rings.empty() ? nullptr : w.s.rings[static_cast<std::size_t>(worker)].get();

  // Block blk has finished its count-th sweep with this residual: publish (every publish_every
  // visits, and always at the budget) and call the fault-injection hook.
  const auto block_swept = [&](int blk, std::int64_t count, double residual_sq) {
    if ((count / o.local_sweeps) % o.publish_every == 0 || count == budget) {
      const provisional_result result{blk, worker, count, residual_sq,
                                      seconds_between(w.ctx.t0, clock::now())};
      block_slot& slot = w.s.slots[static_cast<std::size_t>(blk)];
      slot.residual_sq.store(residual_sq, std::memory_order_relaxed);
      slot.seconds.store(result.seconds, std::memory_order_relaxed);
      slot.worker.store(worker, std::memory_order_relaxed);
      slot.sweeps.store(count, std::memory_order_release);
      if (ring != nullptr && !ring->push(result)) {
        pass.dropped.store(pass.dropped.load(std::memory_order_relaxed) + 1,
                           std::memory_order_relaxed);
      }
      pass.published.store(pass.published.load(std::memory_order_relaxed) + 1,
                           std::memory_order_relaxed);
    }
    if (o.on_block_sweep) o.on_block_sweep(worker, blk, count);
  };
  // After a pass over all of the worker's blocks with their newest residuals summing to pass_sq.
  const auto pass_done = [&](double pass_sq) {
    pass.residual_sq.store(pass_sq, std::memory_order_relaxed);
    if (w.s.wake_armed.load(std::memory_order_relaxed)) {
      double total = 0.0;
      for (const auto& p : w.s.passes) total += p.residual_sq.load(std::memory_order_relaxed);
      if (total <= w.s.wake_threshold_sq.load(std::memory_order_relaxed) &&
          w.s.wake_armed.exchange(false, std::memory_order_acq_rel)) {
        w.coord.wake();
      }
    }
    // This worker's blocks are converged against the values it sees: more sweeps cannot help
    // until other workers move. On an oversubscribed machine give them the core (on dedicated
    // cores yield returns at once).
    if (pass_sq <= w.quiet_sq) std::this_thread::yield();
  };

  const worker_plan plan = plan_worker(w, first, last);
  pass.pipeline.store(plan.reported, std::memory_order_relaxed);

  if (plan.union_passes) {
    // Pipelined passes over all of the worker's blocks, each block publishing as each sweep of
    // the pass leaves it.
    const auto nb = static_cast<std::size_t>(last - first);
    const std::span<const int> segments =
        part.offsets().subspan(static_cast<std::size_t>(first), nb + 1);
    const std::span<std::int64_t> counts(w.block_sweeps.data() + first, nb);
    while (!poll()) {
      const worker_step step = next_worker_step(counts, budget, plan.sweeps);
      if (step.what == worker_step::kind::done) return;
      if (step.what == worker_step::kind::catch_up) {
        for (int blk = first; blk < last; ++blk) {
          std::int64_t& count = counts[static_cast<std::size_t>(blk - first)];
          if (count >= step.target) continue;
          const sweep_result r =
              sor_sweep(w.A, b, access, part.begin(blk), part.end(blk),
                        w.s.omega.load(std::memory_order_relaxed), o.direction, poll);
          if (r.interrupted) return;
          block_swept(blk, ++count, r.residual_sq);
          if (poll()) return;
        }
        continue;
      }
      const int k = step.sweeps;
      double pass_sq = 0.0;
      const pipeline_result r = sor_pipeline(
          w.A, b, access, segments, k, plan.lag, w.s.omega.load(std::memory_order_relaxed),
          o.direction, poll, [&](int segment, int sweep, double residual_sq) {
            const int blk = first + segment;
            block_swept(blk, ++counts[static_cast<std::size_t>(segment)], residual_sq);
            if (sweep == k - 1) pass_sq += residual_sq;
          });
      if (r.interrupted) return;
      pass_done(pass_sq);
    }
    return;
  }

  // One block at a time: local_sweeps sweeps per visit (pipelined per block when planned).
  while (!poll()) {
    double pass_sq = 0.0;
    bool swept = false;
    for (int blk = first; blk < last; ++blk) {
      auto& count = w.block_sweeps[static_cast<std::size_t>(blk)];
      const auto local = static_cast<int>(std::min<std::int64_t>(o.local_sweeps, budget - count));
      if (local <= 0) continue;  // this block has used the budget
      swept = true;
      const auto kb = static_cast<std::size_t>(blk - first);
      const int per_pass = plan.block_pipeline.empty() ? 1 : plan.block_pipeline[kb];
      double residual_sq = 0.0;
      for (int s = 0; s < local;) {
        const int k = std::min(per_pass, local - s);
        if (k == 1) {
          const sweep_result r =
              sor_sweep(w.A, b, access, part.begin(blk), part.end(blk),
                        w.s.omega.load(std::memory_order_relaxed), o.direction, poll);
          if (r.interrupted) return;
          residual_sq = r.residual_sq;  // the newest sweep's residual describes the block best
        } else {
          const std::array<int, 2> whole{part.begin(blk), part.end(blk)};
          const pipeline_result r =
              sor_pipeline(w.A, b, access, whole, k, plan.block_lags[kb],
                           w.s.omega.load(std::memory_order_relaxed), o.direction, poll);
          if (r.interrupted) return;
          residual_sq = r.residual_sq[static_cast<std::size_t>(k) - 1];
        }
        s += k;
      }
      pass_sq += residual_sq;
      count += local;
      block_swept(blk, count, residual_sq);
      if (poll()) return;
    }
    if (!swept) return;  // every block of this worker is at the budget
    pass_done(pass_sq);
  }
}

class async_schedule final : public schedule {
 public:
  async_schedule(const schedule_context& ctx, const csr_view& A, double omega)
      : ctx_(ctx),
        A_(A),
        workers_(ctx.prep.threads),
        shared_(ctx.prep.part.blocks(), workers_, ctx.job.options.record_provisional),
        block_sweeps_(static_cast<std::size_t>(ctx.prep.part.blocks()), 0),
        coord_(ctx, shared_) {
    shared_.omega.store(omega, std::memory_order_relaxed);
  }

  clock::time_point relax() override {
    const solver_options& o = ctx_.job.options;
    // A worker whose blocks' residual is 10x below the tolerance share is locally converged.
    const double quiet = 0.1 * o.stop.tolerance * ctx_.mon.rhs_norm();
    const double quiet_sq = quiet * quiet * workers_ / ctx_.prep.part.blocks();
    for (auto& pass : shared_.passes) {
      pass.residual_sq.store(std::numeric_limits<double>::infinity(), std::memory_order_relaxed);
    }
    const worker_round round{
        ctx_, A_, shared_, coord_, block_sweeps_, quiet_sq, ctx_.job.control.token()};
    coord_.begin_round();
#pragma omp parallel num_threads(workers_)
    {
      // OpenMP may grant fewer threads than asked: the granted ones share all blocks.
      try {
        work(round, omp_get_thread_num(), omp_get_num_threads());
      } catch (...) {
        ctx_.job.fail(std::current_exception());
      }
    }
    const auto quiescent = clock::now();
    coord_.end_round();
    return quiescent;
  }

  void reset(const csr_view& A, double omega) override {
    A_ = A;
    shared_.omega.store(omega, std::memory_order_relaxed);
  }

  [[nodiscard]] std::vector<std::int64_t> block_sweeps() const override { return block_sweeps_; }

  void complete(solve_report& report) override {
    report.provisional = std::move(coord_.records());
    report.pipeline_sweeps = 1;
    for (const auto& pass : shared_.passes) {
      report.provisional_results += pass.published.load();
      report.provisional_results_dropped += pass.dropped.load();
      report.pipeline_sweeps = std::max(report.pipeline_sweeps, pass.pipeline.load());
    }
  }

 private:
  schedule_context ctx_;
  csr_view A_;
  int workers_;
  shared_state shared_;
  std::vector<std::int64_t> block_sweeps_;
  coordinator coord_;  // last: its thread stops before the state above goes
};

}  // namespace

std::unique_ptr<schedule> make_async_schedule(const schedule_context& ctx, const csr_view& A,
                                              double omega) {
  return std::make_unique<async_schedule>(ctx, A, omega);
}

}  // namespace asor::detail
