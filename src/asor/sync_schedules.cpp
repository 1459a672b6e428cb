// The synchronous schedules: sequential SOR/SSOR, weighted Jacobi, multicolor SOR and
// block-Jacobi SOR. Each relaxes in whole sweeps on the solving thread (the parallel ones with an
// OpenMP team inside a sweep) and runs the decision loop itself after every sweep, so a
// sequential solve's sweep counts are deterministic. Every sweep polls the job's stop_control
// every `poll_rows` rows (the clock too), so a cancel, a callback's stop or the deadline stops it
// within that many rows.

#include <omp.h>

#include <algorithm>
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

/// One sweep (or block-Jacobi's local sweeps) of a synchronous method.
struct sweep_outcome {
  double residual_sq = 0.0;  ///< sum of squared provisional residuals of the (first) sweep
  bool interrupted = false;  ///< stopped before the end: the sweep does not count
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
      const int k = static_cast<int>(std::min<std::int64_t>(local_, left));
      const sweep_outcome s = sweep(k, poll);
      if (s.interrupted) break;
      sweeps_ += k;
      const auto now = clock::now();
      const double elapsed = seconds_between(ctx_.t0, now);
      monitor& mon = ctx_.mon;
      const double estimate = std::sqrt(s.residual_sq) / bnorm;
      mon.observe(estimate, sweeps_, static_cast<double>(sweeps_), sweeps_, elapsed, true);
      // omega = auto: sequential SOR's controller sees every sweep, the back-off of the parallel
      // schedules every global estimate; the new omega applies from the next sweep on.
      std::optional<double> next = ctx_.adapt.sweep(sweeps_, s.residual_sq);
      if (!next) next = ctx_.adapt.residual(sweeps_, estimate, false);
      if (next) {
        omega_ = *next;
        mon.set_omega(omega_);
      }
      if (options_.on_decision) options_.on_decision();
      const stop_reason reason = mon.evaluate();
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

  void reset(const csr_view& A, double omega) override {
    A_ = A;
    omega_ = omega;
  }

  [[nodiscard]] std::vector<std::int64_t> block_sweeps() const override {
    return std::vector<std::int64_t>(static_cast<std::size_t>(ctx_.prep.blocks), sweeps_);
  }

 private:
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
        const sweep_result r =
            sor_sweep(A_, b, plain_access{x}, 0, A_.rows, omega_, direction_, poll);
        return {r.residual_sq, r.interrupted};
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
    return {0.0, true};
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
    if (stopped.load()) return {0.0, true};
    std::copy(scratch_.begin(), scratch_.end(), ctx_.x.begin());
    return {acc, false};
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
    if (stopped.load()) return {0.0, true};
    return {direction_ == sweep_direction::backward ? backward : forward, false};
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
        for (int s = 0; s < local && !stopped.load(std::memory_order_relaxed); ++s) {
          const sweep_result r =
              sor_sweep(A_, b, access, part.begin(blk), part.end(blk), omega_, direction_, poll);
          if (r.interrupted) stopped.store(true, std::memory_order_relaxed);
          if (s == 0) acc += r.residual_sq;
        }
      }
    }
    return {acc, stopped.load()};
  }

  schedule_context ctx_;
  const solver_options& options_;
  csr_view A_;
  double omega_;
  sweep_direction direction_;
  int local_;
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
