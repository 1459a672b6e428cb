// The synchronous schedules: sequential SOR/SSOR, weighted Jacobi, multicolor SOR and
// block-Jacobi SOR. Each relaxes in whole sweeps on the solving thread (the parallel ones with an
// OpenMP team inside a sweep) and runs the decision loop itself after every sweep, so a
// sequential solve's sweep counts are deterministic. Every sweep polls the job's stop_control
// every `poll_rows` rows (the clock too), so a cancel, a callback's stop or the deadline stops it
// within that many rows.
//
// Pipelined passes (solver_options::pipeline_sweeps, sor_pipeline in sweep.hpp): forward and
// backward SOR run up to t sweeps per pass over the matrix, block-Jacobi its local sweeps t at a
// time per block. The iterate is bitwise that of one sweep per pass. The decision loop sees every
// sweep's residual, in order, after the pass; a pass never runs past the sweep budget (the last
// one is shortened), and omega stays a parameter of each pass.

#include <omp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "asor/sweep.hpp"
#include "engine_impl.hpp"
#include "omega_adaptation.hpp"
#include "schedule.hpp"

namespace asor::detail {
namespace {

/// One pass of a synchronous method: one sweep, block-Jacobi's local sweeps, or a pipelined pass
/// of sequential SOR.
struct sweep_outcome {
  /// Sums of squared provisional residuals the decision loop observes, in order: every sweep of a
  /// pipelined SOR pass; otherwise one, of the (first) sweep.
  std::array<double, max_pipeline_sweeps> residual_sq{};
  int observed = 1;          ///< entries of residual_sq
  int sweeps = 0;            ///< complete sweeps done (the last observation is after all of them)
  bool interrupted = false;  ///< stopped before the end: only complete SOR sweeps count
};

class sync_schedule final : public schedule {
 public:
  sync_schedule(const schedule_context& ctx, const csr_view& A, double omega)
      : ctx_(ctx),
        options_(ctx.job.options),
        A_(A),
        omega_(omega),
        direction_(options_.method == method::ssor ? sweep_direction::symmetric
                                                   : options_.direction),
        local_(options_.method == method::block_jacobi ? options_.local_sweeps : 1) {
    if (options_.method == method::jacobi || options_.method == method::block_jacobi) {
      scratch_.assign(ctx.x.begin(), ctx.x.end());
    }
    plan_pipeline();
  }

  clock::time_point relax() override {
    stop_control& control = ctx_.job.control;
    const std::stop_token token = control.token();
    const auto poll = [&control, &token] { return control.poll(token); };
    const double bnorm = ctx_.mon.rhs_norm();
    while (!token.stop_requested()) {
      const std::int64_t left = options_.stop.max_sweeps - sweeps_;
      if (left <= 0) {  // resumed after a verification with the budget already spent
        control.decide(stop_reason::max_sweeps);
        break;
      }
      // Sweeps of this pass: block-Jacobi's local sweeps, or a pipelined pass of SOR, shortened
      // at the budget (a pipeline drains there, it never overshoots).
      const std::int64_t per_pass = options_.method == method::block_jacobi ? local_ : pipeline_;
      const int k = static_cast<int>(std::min<std::int64_t>(per_pass, left));
      const std::int64_t before = sweeps_;
      const sweep_outcome s = sweep(k, poll);
      sweeps_ += s.sweeps;  // complete sweeps only; x has them even when the pass was stopped
      if (s.interrupted) break;
      const auto now = clock::now();
      const double elapsed = seconds_between(ctx_.t0, now);
      monitor& mon = ctx_.mon;
      // Every sweep of the pass, in order, until one decides. The sweeps after it have run (x and
      // the report's sweep count include them), but decide nothing. omega = auto: sequential
      // SOR's controller sees every sweep of the pass in order, the back-off of the parallel
      // schedules every global estimate; a new omega applies from the next pass on, so the rest
      // of this pass (run at the old omega) is not fed to the adaptation.
      stop_reason reason = stop_reason::none;
      bool adapted = false;
      for (int j = 0; j < s.observed && reason == stop_reason::none; ++j) {
        const std::int64_t count = before + s.sweeps - (s.observed - 1 - j);
        const double residual_sq = s.residual_sq[static_cast<std::size_t>(j)];
        const double estimate = std::sqrt(residual_sq) / bnorm;
        mon.observe(estimate, count, static_cast<double>(count), count, elapsed, true);
        if (!adapted) {
          std::optional<double> next = ctx_.adapt.sweep(count, residual_sq);
          if (!next) next = ctx_.adapt.residual(count, estimate, false);
          if (next) {
            omega_ = *next;
            mon.set_omega(omega_);
            adapted = true;
          }
        }
        if (options_.on_decision) options_.on_decision();
        reason = mon.evaluate();
      }
      // Snapshots for progress() and the observer: at most one per millisecond (a sweep of a
      // small matrix takes microseconds), and always the one that decides.
      if (reason != stop_reason::none || now - last_publish_ >= std::chrono::milliseconds(1)) {
        ctx_.job.board.publish(mon.snapshot());
        last_publish_ = now;
      }
      if (now - last_blocks_ >= block_board::period) publish_blocks(now);
      if (reason != stop_reason::none) {
        control.decide(reason);
        break;
      }
    }
    const auto quiescent = clock::now();
    publish_blocks(quiescent);
    return quiescent;
  }

  // The fallback changes only the diagonal (l1) and omega: the pattern, hence the lags and the
  // pipeline plan, stays.
  void reset(const csr_view& A, double omega) override {
    A_ = A;
    omega_ = omega;
  }

  [[nodiscard]] std::vector<std::int64_t> block_sweeps() const override {
    return std::vector<std::int64_t>(static_cast<std::size_t>(ctx_.prep.blocks), sweeps_);
  }

  void complete(solve_report& report) override { report.pipeline_sweeps = reported_pipeline_; }

 private:
  /// Sweeps per pass and lags (pipeline_lag): sequential forward or backward SOR over the whole
  /// matrix; block-Jacobi per block, for its local sweeps (with one local sweep there is nothing
  /// to pipeline). SSOR, the symmetric direction, Jacobi and multicolor: one sweep per pass.
  void plan_pipeline() {
    const int requested = options_.pipeline_sweeps;
    const bool one_way = direction_ != sweep_direction::symmetric;
    if (requested == 1 || !one_way) return;
    const cache_sizes cache = detect_cache_sizes();
    if (options_.method == method::sor) {
      lag_ = pipeline_lag(A_, 0, A_.rows);
      pipeline_ =
          requested > 0 ? requested : automatic_pipeline_sweeps(A_, 0, A_.rows, lag_, cache);
      reported_pipeline_ = pipeline_;
    } else if (options_.method == method::block_jacobi && local_ > 1) {
      const partition& part = ctx_.prep.part;
      block_lags_.resize(static_cast<std::size_t>(part.blocks()));
      block_pipeline_.resize(static_cast<std::size_t>(part.blocks()));
      for (int blk = 0; blk < part.blocks(); ++blk) {
        const auto k = static_cast<std::size_t>(blk);
        // Only in-block columns: the other blocks' values are frozen during the local sweeps.
        block_lags_[k] = pipeline_lag(A_, part.begin(blk), part.end(blk));
        block_pipeline_[k] = requested > 0
                                 ? requested
                                 : automatic_pipeline_sweeps(A_, part.begin(blk), part.end(blk),
                                                             block_lags_[k], cache);
        reported_pipeline_ = std::max(reported_pipeline_, std::min(block_pipeline_[k], local_));
      }
    }
  }

  /// The block board of a synchronous method: every block has done the same sweeps; one sweep gives
  /// one residual for all rows, so no block has a residual of its own (NaN), nor a worker (-1).
  void publish_blocks(clock::time_point now) {
    last_blocks_ = now;
    const double elapsed = seconds_between(ctx_.t0, now);
    const auto n = static_cast<std::size_t>(ctx_.prep.blocks);
    ctx_.job.blocks.publish([&](block_progress& bp) {
      bp.elapsed_seconds = elapsed;
      bp.sweeps.assign(n, sweeps_);
      bp.provisional_residual.assign(n, std::numeric_limits<double>::quiet_NaN());
      bp.worker.assign(n, -1);
    });
  }

  template <class Poll>
  sweep_outcome sweep(int k, const Poll& poll) {
    double* x = ctx_.x.data();
    const double* b = ctx_.b.data();
    switch (options_.method) {
      case method::sor:
      case method::ssor: {
        sweep_outcome out;
        if (k == 1) {
          const sweep_result r =
              sor_sweep(A_, b, plain_access{x}, 0, A_.rows, omega_, direction_, poll);
          out.residual_sq[0] = r.residual_sq;
          out.interrupted = r.interrupted;
          out.sweeps = r.interrupted ? 0 : 1;
          return out;
        }
        const std::array<int, 2> whole{0, A_.rows};
        const pipeline_result r =
            sor_pipeline(A_, b, plain_access{x}, whole, k, lag_, omega_, direction_, poll);
        out.residual_sq = r.residual_sq;
        out.observed = r.sweeps;
        out.sweeps = r.sweeps;
        out.interrupted = r.interrupted;
        return out;
      }
      case method::jacobi:
        return jacobi(poll);
      case method::multicolor:
        return multicolor(poll);
      case method::block_jacobi:
        return block_jacobi(k, poll);
      case method::async:
        break;
    }
    return interrupted();
  }

  static sweep_outcome one_sweep(double residual_sq) {
    sweep_outcome out;
    out.residual_sq[0] = residual_sq;
    out.sweeps = 1;
    return out;
  }
  static sweep_outcome interrupted() {
    sweep_outcome out;
    out.interrupted = true;
    return out;
  }

  /// Rows per poll in the parallel loops below (poll_rows, split among the threads' chunks).
  static constexpr int chunk = 1024;

  template <class Poll>
  sweep_outcome jacobi(const Poll& poll) {
    // x_old is x; the new iterate goes to scratch_, copied into x only when the sweep completed.
    double acc = 0.0;
    const int n = A_.rows;
    double* next = scratch_.data();
    const double* cur = ctx_.x.data();
    const double* b = ctx_.b.data();
    std::atomic<bool> stopped{false};
#pragma omp parallel for num_threads(ctx_.prep.threads) schedule(static) reduction(+ : acc)
    for (int c = 0; c < n; c += chunk) {
      if (stopped.load(std::memory_order_relaxed)) continue;
      if (poll()) {
        stopped.store(true, std::memory_order_relaxed);
        continue;
      }
      acc += jacobi_sweep(A_, b, cur, next, c, std::min(n, c + chunk), omega_);
    }
    if (stopped.load()) return interrupted();
    std::copy(scratch_.begin(), scratch_.end(), ctx_.x.begin());
    return one_sweep(acc);
  }

  template <class Poll>
  sweep_outcome multicolor(const Poll& poll) {
    const auto& off = ctx_.prep.color_offsets;
    const int colors = static_cast<int>(off.size()) - 1;
    const int* rows = ctx_.prep.color_rows.data();
    double* x = ctx_.x.data();
    const double* b = ctx_.b.data();
    std::atomic<bool> stopped{false};
    auto pass = [&](bool reverse) {
      double acc = 0.0;
#pragma omp parallel num_threads(ctx_.prep.threads) reduction(+ : acc)
      for (int k = 0; k < colors; ++k) {
        const int c = reverse ? colors - 1 - k : k;
        const int lo = off[static_cast<std::size_t>(c)];
        const int hi = off[static_cast<std::size_t>(c) + 1];
        // Rows of one color do not couple: any order, any thread, plain accesses. A stopped pass
        // leaves every row either relaxed or untouched.
#pragma omp for schedule(static)
        for (int r0 = lo; r0 < hi; r0 += chunk) {
          if (stopped.load(std::memory_order_relaxed)) continue;
          if (poll()) {
            stopped.store(true, std::memory_order_relaxed);
            continue;
          }
          const int r1 = std::min(hi, r0 + chunk);
          acc +=
              sor_rows(A_, b, plain_access{x}, std::span<const int>(rows + r0, rows + r1), omega_);
        }
      }
      return acc;
    };
    double forward = 0.0;
    double backward = 0.0;
    if (direction_ != sweep_direction::backward) forward = pass(false);
    if (direction_ != sweep_direction::forward && !stopped.load()) backward = pass(true);
    if (stopped.load()) return interrupted();
    return one_sweep(direction_ == sweep_direction::backward ? backward : forward);
  }

  template <class Poll>
  sweep_outcome block_jacobi(int local, const Poll& poll) {
    const partition& part = ctx_.prep.part;
    const int blocks = part.blocks();
    double* x = ctx_.x.data();
    const double* b = ctx_.b.data();
    double* frozen = scratch_.data();
    double acc = 0.0;
    std::atomic<bool> stopped{false};
#pragma omp parallel num_threads(ctx_.prep.threads) reduction(+ : acc)
    {
      // Freeze the values every block will read from the others, then relax each block.
#pragma omp for schedule(static)
      for (int blk = 0; blk < blocks; ++blk) {
        std::copy(x + part.begin(blk), x + part.end(blk), frozen + part.begin(blk));
      }
#pragma omp for schedule(static)
      for (int blk = 0; blk < blocks; ++blk) {
        const block_frozen_access access{x, frozen, part.begin(blk), part.end(blk)};
        const auto kb = static_cast<std::size_t>(blk);
        const int per_pass = block_pipeline_.empty() ? 1 : block_pipeline_[kb];
        // The local sweeps, per_pass at a time (pipelined: bitwise the same, since the values
        // outside the block are frozen). The residual observed is the first local sweep's.
        for (int s = 0; s < local && !stopped.load(std::memory_order_relaxed);) {
          const int k = std::min(per_pass, local - s);
          if (k == 1) {
            const sweep_result r =
                sor_sweep(A_, b, access, part.begin(blk), part.end(blk), omega_, direction_, poll);
            if (r.interrupted) stopped.store(true, std::memory_order_relaxed);
            if (s == 0) acc += r.residual_sq;
          } else {
            const std::array<int, 2> whole{part.begin(blk), part.end(blk)};
            const pipeline_result r =
                sor_pipeline(A_, b, access, whole, k, block_lags_[kb], omega_, direction_, poll);
            if (r.interrupted) stopped.store(true, std::memory_order_relaxed);
            if (s == 0 && r.sweeps > 0) acc += r.residual_sq[0];
          }
          s += k;
        }
      }
    }
    if (stopped.load()) return interrupted();
    sweep_outcome out = one_sweep(acc);
    out.sweeps = local;
    return out;
  }

  schedule_context ctx_;
  const solver_options& options_;
  csr_view A_;
  double omega_;
  sweep_direction direction_;
  int local_;
  int pipeline_ = 1;                 // sequential SOR: sweeps per pass
  int lag_ = 1;                      // sequential SOR: pipeline_lag of the matrix
  int reported_pipeline_ = 1;        // solve_report::pipeline_sweeps
  std::vector<int> block_lags_;      // block-Jacobi with local sweeps: per block
  std::vector<int> block_pipeline_;  // block-Jacobi with local sweeps: sweeps per pass, per block
  std::int64_t sweeps_ = 0;
  std::vector<double> scratch_;  // Jacobi's next iterate; block-Jacobi's frozen copy
  clock::time_point last_publish_{};
  clock::time_point last_blocks_{};  // the last publication to the block board
};

}  // namespace

std::unique_ptr<schedule> make_schedule(const schedule_context& ctx, const csr_view& A,
                                        double omega) {
  if (ctx.job.options.method == method::async) return make_async_schedule(ctx, A, omega);
  return std::make_unique<sync_schedule>(ctx, A, omega);
}

}  // namespace asor::detail
