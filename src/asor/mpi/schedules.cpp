// The distributed schedules (schedules.hpp, docs/distributed.md).
//
// Asynchronous round, on every rank:
//   gate step -> workers relax the rank's blocks (no barrier); between blocks and every
//   poll_rows rows, whichever worker gets the MPI mutex makes progress: halo values in and out,
//   this rank's provisional residuals to rank 0, the stop broadcast; rank 0 also runs the decision
//   loop there -> the stop (rank 0's MPI_Ibcast) -> the workers return -> every rank sends a final
//   halo message to each neighbour and a final report to rank 0, and waits for every message to
//   it -> end step: the decision rank 0 made, or the first failure, on every rank.
// Every message is a persistent synchronous send (at most one in flight per destination): a
// receiver gets values in the order they were sent, so the last message before the final one
// holds the newest values, and nothing queues up behind a slow rank.

#include "schedules.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include "../engine_impl.hpp"
#include "asor/sweep.hpp"

namespace asor::detail {
namespace {

/// How long the solving thread sleeps between two progress calls while it waits for other ranks.
constexpr std::chrono::microseconds wait_pause{20};

remote_error error_of(const step_record& r) {
  return remote_error(r.failed_rank, static_cast<failure_kind>(r.failed_kind), r.text.data());
}

/// Latest-value slot of one local block, written by its owner worker, read by whoever makes
/// progress. Memory ordering: the residual (relaxed) before the sweep count (release); readers
/// load the count (acquire) first.
struct alignas(64) local_slot {
  std::atomic<std::int64_t> sweeps{0};
  std::atomic<double> residual_sq{0.0};
};

/// One neighbour of the asynchronous schedule: a persistent synchronous send of this rank's rows
/// it reads, and a persistent receive of its rows this rank reads. Message: [final flag, values].
struct halo_link {
  int rank = 0;
  int ghost_first = 0;
  int ghost_count = 0;
  const std::vector<int>* send_rows = nullptr;
  std::vector<int> blocks;  ///< local blocks that contain a row of send_rows
  std::vector<double> out;
  std::vector<double> in;
  MPI_Request send = MPI_REQUEST_NULL;
  MPI_Request recv = MPI_REQUEST_NULL;
  bool sending = false;
  bool receiving = false;
  bool final_out = false;  ///< this round's final message is on its way (or there is none)
  bool final_in = false;   ///< this round's final message has arrived (or none will come)
  std::int64_t sent_signature = -1;
};

class distributed_async final : public schedule {
 public:
  distributed_async(const schedule_context& ctx, const csr_view& A, double omega,
                    const distributed_data& layout, const communicator& comm)
      : ctx_(ctx),
        layout_(layout),
        comm_(comm),
        A_(A),
        omega_(omega),
        workers_(ctx.prep.threads),
        root_(comm.rank() == 0),
        slots_(static_cast<std::size_t>(ctx.prep.part.blocks())),
        block_sweeps_(static_cast<std::size_t>(ctx.prep.part.blocks()), 0) {
    const partition& part = ctx.prep.part;
    for (const auto& nb : layout.neighbors) {
      halo_link l;
      l.rank = nb.rank;
      l.ghost_first = nb.ghost_first;
      l.ghost_count = nb.ghost_count;
      l.send_rows = &nb.send_rows;
      for (const int row : nb.send_rows) {
        const int blk = part.block_of(row);
        if (std::find(l.blocks.begin(), l.blocks.end(), blk) == l.blocks.end()) {
          l.blocks.push_back(blk);
        }
      }
      l.out.resize(nb.send_rows.size() + 1);
      l.in.resize(static_cast<std::size_t>(nb.ghost_count) + 1);
      links_.push_back(std::move(l));
    }
    for (auto& l : links_) {
      if (!l.send_rows->empty()) {
        MPI_Ssend_init(l.out.data(), static_cast<int>(l.out.size()), MPI_DOUBLE, l.rank, tag_halo,
                       comm_.get(), &l.send);
      }
      if (l.ghost_count > 0) {
        MPI_Recv_init(l.in.data(), static_cast<int>(l.in.size()), MPI_DOUBLE, l.rank, tag_halo,
                      comm_.get(), &l.recv);
      }
    }
  }

  ~distributed_async() override {
    for (auto& l : links_) {
      if (l.send != MPI_REQUEST_NULL) MPI_Request_free(&l.send);
      if (l.recv != MPI_REQUEST_NULL) MPI_Request_free(&l.recv);
    }
    if (report_req_ != MPI_REQUEST_NULL) MPI_Request_free(&report_req_);
    for (auto& r : inbox_req_) {
      if (r != MPI_REQUEST_NULL) MPI_Request_free(&r);
    }
  }
  distributed_async(const distributed_async&) = delete;
  distributed_async& operator=(const distributed_async&) = delete;

  clock::time_point relax() override {
    job_state& job = ctx_.job;
    if (!round_gate(job, comm_)) return clock::now();
    if (!set_up_) set_up();  // collective (every rank passed the gate)
    begin_round();
    const std::stop_token token = job.control.token();
#pragma omp parallel num_threads(workers_)
    {
      try {
        work(omp_get_thread_num(), omp_get_num_threads(), token);
      } catch (...) {
        job.fail(std::current_exception());
      }
    }
    const auto local_quiescent = clock::now();
    const clock::time_point quiescent = finish_round(local_quiescent);
    std::array<double, step_record::sums> sums{};
    sums[0] = static_cast<double>(round_messages_);
    sums[1] = static_cast<double>(round_values_);
    const stop_reason mine = job.control.decision();
    const auto totals = round_end(job, comm_, root_ ? mine : stop_reason::none, sums);
    halo_messages_ += static_cast<std::int64_t>(totals[0]);
    halo_values_ += static_cast<std::int64_t>(totals[1]);
    return root_ ? quiescent : local_quiescent;
  }

  void reset(const csr_view& A, double omega) override {
    A_ = A;
    omega_ = omega;
  }

  [[nodiscard]] std::vector<std::int64_t> block_sweeps() const override {
    return root_ ? known_ : block_sweeps_;
  }

  void complete(solve_report& report) override {
    report.ranks = comm_.size();
    report.halo_messages = halo_messages_;
    report.halo_values = halo_values_;
    report.provisional_results = published_;
    if (root_) {
      report.blocks = static_cast<int>(known_.size());
      report.rank_sweeps.clear();
      for (int r = 0; r < comm_.size(); ++r) {
        const auto b0 = static_cast<std::size_t>(block_base_[static_cast<std::size_t>(r)]);
        const auto b1 = static_cast<std::size_t>(block_base_[static_cast<std::size_t>(r) + 1]);
        sweep_stats s;
        s.min = *std::min_element(known_.begin() + static_cast<std::ptrdiff_t>(b0),
                                  known_.begin() + static_cast<std::ptrdiff_t>(b1));
        s.max = *std::max_element(known_.begin() + static_cast<std::ptrdiff_t>(b0),
                                  known_.begin() + static_cast<std::ptrdiff_t>(b1));
        double total = 0.0;
        for (std::size_t b = b0; b < b1; ++b) total += static_cast<double>(known_[b]);
        s.mean = total / static_cast<double>(b1 - b0);
        report.rank_sweeps.push_back(s);
      }
    }
  }

 private:
  /// First round: rank 0 learns how many blocks each rank has (its report buffers' sizes).
  void set_up() {
    const int p = comm_.size();
    const int mine = ctx_.prep.part.blocks();
    std::vector<int> counts(static_cast<std::size_t>(p), 0);
    MPI_Allgather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, comm_.get());
    block_base_.assign(static_cast<std::size_t>(p) + 1, 0);
    for (int r = 0; r < p; ++r) {
      block_base_[static_cast<std::size_t>(r) + 1] =
          block_base_[static_cast<std::size_t>(r)] + counts[static_cast<std::size_t>(r)];
    }
    if (root_) {
      const auto total = static_cast<std::size_t>(block_base_.back());
      known_.assign(total, 0);
      latest_sq_.assign(total, 0.0);
      round_start_.assign(total, 0);
      fresh_.assign(total, false);
      inbox_.resize(static_cast<std::size_t>(p));
      inbox_req_.assign(static_cast<std::size_t>(p), MPI_REQUEST_NULL);
      final_report_in_.assign(static_cast<std::size_t>(p), false);
      for (int r = 1; r < p; ++r) {
        auto& box = inbox_[static_cast<std::size_t>(r)];
        box.resize(report_header +
                   2 * static_cast<std::size_t>(counts[static_cast<std::size_t>(r)]));
        MPI_Recv_init(box.data(), static_cast<int>(box.size()), MPI_DOUBLE, r, tag_report,
                      comm_.get(), &inbox_req_[static_cast<std::size_t>(r)]);
      }
      indices_.resize(static_cast<std::size_t>(p));
    } else {
      report_.resize(report_header + 2 * static_cast<std::size_t>(mine));
      MPI_Ssend_init(report_.data(), static_cast<int>(report_.size()), MPI_DOUBLE, 0, tag_report,
                     comm_.get(), &report_req_);
    }
    set_up_ = true;
  }

  void begin_round() {
    const std::lock_guard lock(mpi_);
    closing_ = false;
    stop_posted_ = false;
    stop_done_ = false;
    round_messages_ = 0;
    round_values_ = 0;
    for (auto& l : links_) {
      l.sending = false;
      l.final_out = l.send == MPI_REQUEST_NULL;
      l.final_in = l.recv == MPI_REQUEST_NULL;
      l.sent_signature = -1;  // send the current values first
      if (l.recv != MPI_REQUEST_NULL) {
        MPI_Start(&l.recv);
        l.receiving = true;
      }
    }
    if (root_) {
      round_start_ = known_;
      std::fill(fresh_.begin(), fresh_.end(), false);
      fresh_count_ = 0;
      candidate_.clear();
      ctx_.mon.restart_window();
      last_evaluation_ = clock::time_point{};
      for (int r = 1; r < comm_.size(); ++r) {
        final_report_in_[static_cast<std::size_t>(r)] = false;
        MPI_Start(&inbox_req_[static_cast<std::size_t>(r)]);
      }
      final_report_in_[0] = true;
      last_report_at_ = clock::now();
    } else {
      reporting_ = false;
      final_report_sent_ = false;
      reported_signature_ = -1;
      reported_request_ = 0;
      MPI_Ibcast(&stop_code_, 1, MPI_INT, 0, comm_.get(), &stop_req_);
    }
  }

  /// The body of one worker: the shared-memory asynchronous worker (async_engine.cpp) on this
  /// rank's blocks, with a progress call in every poll.
  void work(int worker, int workers, const std::stop_token& token) {
    const solver_options& o = ctx_.job.options;
    stop_control& control = ctx_.job.control;
    const partition& part = ctx_.prep.part;
    const int blocks = part.blocks();
    const int first = static_cast<int>(static_cast<std::int64_t>(blocks) * worker / workers);
    const int last = static_cast<int>(static_cast<std::int64_t>(blocks) * (worker + 1) / workers);
    const relaxed_access access{ctx_.x.data()};
    const double* b = ctx_.b.data();
    const std::int64_t budget = o.stop.max_sweeps;
    const auto poll = [this, &control, &token] {
      try_progress();
      return control.poll(token);
    };
    const double quiet = 0.1 * o.stop.tolerance * ctx_.mon.rhs_norm();
    const double quiet_sq = quiet * quiet * workers / std::max(1, blocks);
    while (!poll()) {
      double pass_sq = 0.0;
      bool swept = false;
      for (int blk = first; blk < last; ++blk) {
        auto& count = block_sweeps_[static_cast<std::size_t>(blk)];
        const auto local = static_cast<int>(std::min<std::int64_t>(o.local_sweeps, budget - count));
        if (local <= 0) continue;
        swept = true;
        double residual_sq = 0.0;
        for (int k = 0; k < local; ++k) {
          const sweep_result r =
              sor_sweep(A_, b, access, part.begin(blk), part.end(blk), omega_, o.direction, poll);
          if (r.interrupted) return;
          residual_sq = r.residual_sq;
        }
        pass_sq += residual_sq;
        count += local;
        local_slot& slot = slots_[static_cast<std::size_t>(blk)];
        slot.residual_sq.store(residual_sq, std::memory_order_relaxed);
        slot.sweeps.store(count, std::memory_order_release);
        if (o.on_block_sweep) o.on_block_sweep(worker, blk, count);
        if (poll()) return;
      }
      if (!swept) return;  // every block of this worker is at the budget
      // Locally converged against the values it sees: give the core to others (other ranks'
      // processes too, on an oversubscribed machine).
      if (pass_sq <= quiet_sq) std::this_thread::yield();
    }
  }

  /// Progress by a worker: only when no other thread makes progress now (never waits).
  void try_progress() noexcept {
    const std::unique_lock lock(mpi_, std::try_to_lock);
    if (lock.owns_lock()) progress_locked();
  }

  /// Sum of the sweep counts of \p blocks: changes exactly when one of them swept.
  [[nodiscard]] std::int64_t signature(const std::vector<int>& blocks) const noexcept {
    std::int64_t s = 0;
    for (const int b : blocks) {
      s += slots_[static_cast<std::size_t>(b)].sweeps.load(std::memory_order_acquire);
    }
    return s;
  }

  /// One progress call (under mpi_): halo messages, reports, the stop; rank 0's decision loop.
  /// Never throws: a failure fails the job (which stops the round) and the protocol goes on.
  void progress_locked() noexcept {
    try {
      progress_halo();
      if (root_) {
        progress_root();
      } else {
        progress_rank();
      }
    } catch (...) {
      ctx_.job.fail(std::current_exception());
    }
  }

  void progress_halo() {
    double* x = ctx_.x.data();
    int done = 0;
    for (auto& l : links_) {
      if (!l.receiving) continue;
      MPI_Test(&l.recv, &done, MPI_STATUS_IGNORE);
      if (done == 0) continue;
      l.receiving = false;
      double* ghosts = x + layout_.local_rows + l.ghost_first;
      for (int i = 0; i < l.ghost_count; ++i) {
        std::atomic_ref<double>(ghosts[i]).store(l.in[static_cast<std::size_t>(i) + 1],
                                                 std::memory_order_relaxed);
      }
      if (l.in[0] != 0.0) {
        l.final_in = true;  // the sender's last message of the round: its final values
      } else {
        MPI_Start(&l.recv);
        l.receiving = true;
      }
    }
    for (auto& l : links_) {
      if (l.sending) {
        MPI_Test(&l.send, &done, MPI_STATUS_IGNORE);
        if (done == 0) continue;
        l.sending = false;
      }
      if (l.final_out) continue;
      const std::int64_t sig = signature(l.blocks);
      if (!closing_ && sig == l.sent_signature) continue;
      const auto& rows = *l.send_rows;
      for (std::size_t i = 0; i < rows.size(); ++i) {
        l.out[i + 1] = std::atomic_ref<double>(x[rows[i]]).load(std::memory_order_relaxed);
      }
      l.out[0] = closing_ ? 1.0 : 0.0;
      l.final_out = closing_;
      l.sent_signature = sig;
      MPI_Start(&l.send);
      l.sending = true;
      ++round_messages_;
      round_values_ += static_cast<std::int64_t>(rows.size());
    }
  }

  /// A rank other than 0: its report to rank 0, and the stop broadcast.
  void progress_rank() {
    stop_control& control = ctx_.job.control;
    int done = 0;
    if (!stop_done_) {
      MPI_Test(&stop_req_, &done, MPI_STATUS_IGNORE);
      if (done != 0) {
        stop_done_ = true;
        control.decide(static_cast<stop_reason>(stop_code_));
      }
    }
    if (reporting_) {
      MPI_Test(&report_req_, &done, MPI_STATUS_IGNORE);
      if (done == 0) return;
      reporting_ = false;
    }
    if (final_report_sent_) return;
    // A stop this rank decided (deadline, cancel, failure) goes to rank 0 as a request.
    const stop_reason local = control.decision();
    const int request = stop_done_ ? 0 : static_cast<int>(local);
    std::int64_t sig = 0;
    for (const auto& s : slots_) sig += s.sweeps.load(std::memory_order_acquire);
    if (!closing_ && sig == reported_signature_ && request == reported_request_) return;
    report_[0] = closing_ ? 1.0 : 0.0;
    report_[1] = static_cast<double>(request);
    report_[2] = 0.0;
    report_[3] = 0.0;
    for (std::size_t b = 0; b < slots_.size(); ++b) {
      const std::int64_t sw = slots_[b].sweeps.load(std::memory_order_acquire);
      report_[report_header + 2 * b] = static_cast<double>(sw);
      report_[report_header + 2 * b + 1] = slots_[b].residual_sq.load(std::memory_order_relaxed);
    }
    reported_signature_ = sig;
    reported_request_ = request;
    final_report_sent_ = closing_;
    MPI_Start(&report_req_);
    reporting_ = true;
  }

  /// Rank 0: the other ranks' reports, its own blocks, the decision loop, the stop broadcast.
  void progress_root() {
    stop_control& control = ctx_.job.control;
    const int p = comm_.size();
    if (p > 1) {
      int count = 0;
      MPI_Testsome(p, inbox_req_.data(), &count, indices_.data(), MPI_STATUSES_IGNORE);
      for (int k = 0; count != MPI_UNDEFINED && k < count; ++k) {
        const int r = indices_[static_cast<std::size_t>(k)];
        const auto& box = inbox_[static_cast<std::size_t>(r)];
        const int base = block_base_[static_cast<std::size_t>(r)];
        const int n = block_base_[static_cast<std::size_t>(r) + 1] - base;
        for (int b = 0; b < n; ++b) {
          absorb(static_cast<std::size_t>(base) + static_cast<std::size_t>(b),
                 static_cast<std::int64_t>(box[report_header + 2 * static_cast<std::size_t>(b)]),
                 box[report_header + 2 * static_cast<std::size_t>(b) + 1]);
        }
        ++published_;
        const auto request = static_cast<stop_reason>(static_cast<int>(box[1]));
        if (request != stop_reason::none) control.decide(request);
        if (box[0] != 0.0) {
          final_report_in_[static_cast<std::size_t>(r)] = true;
          last_report_at_ = clock::now();
        } else {
          MPI_Start(&inbox_req_[static_cast<std::size_t>(r)]);
        }
      }
    }
    const auto now = clock::now();
    if (!stop_posted_ && now - last_evaluation_ >= ctx_.job.options.coordinator_period) {
      last_evaluation_ = now;
      for (std::size_t b = 0; b < slots_.size(); ++b) {
        const std::int64_t sw = slots_[b].sweeps.load(std::memory_order_acquire);
        if (sw > known_[b]) absorb(b, sw, slots_[b].residual_sq.load(std::memory_order_relaxed));
      }
      const stop_reason reason = confirm(observe_and_evaluate(now));
      ctx_.job.board.publish(ctx_.mon.snapshot());
      if (reason != stop_reason::none) control.decide(reason);
    }
    if (!stop_posted_) {
      const stop_reason decided = control.decision();
      if (decided != stop_reason::none) {
        stop_code_ = static_cast<int>(decided);
        MPI_Ibcast(&stop_code_, 1, MPI_INT, 0, comm_.get(), &stop_req_);
        stop_posted_ = true;
      }
    }
    if (stop_posted_ && !stop_done_) {
      int done = 0;
      MPI_Test(&stop_req_, &done, MPI_STATUS_IGNORE);
      stop_done_ = done != 0;
    }
  }

  void absorb(std::size_t g, std::int64_t sweeps, double residual_sq) {
    if (sweeps < known_[g]) return;
    known_[g] = sweeps;
    latest_sq_[g] = residual_sq;
    if (!fresh_[g] && sweeps > round_start_[g]) {
      fresh_[g] = true;
      ++fresh_count_;
    }
  }

  /// The monitor on every block of every rank: the global estimate is the root of the sum of each
  /// block's newest squared residual, over ||b||; NaN until every block has published this round.
  stop_reason observe_and_evaluate(clock::time_point now) {
    double sum = 0.0;
    std::int64_t lo = known_.empty() ? 0 : known_[0];
    std::int64_t hi = lo;
    double total = 0.0;
    for (std::size_t b = 0; b < known_.size(); ++b) {
      sum += latest_sq_[b];
      lo = std::min(lo, known_[b]);
      hi = std::max(hi, known_[b]);
      total += static_cast<double>(known_[b]);
    }
    const bool all = fresh_count_ == static_cast<int>(known_.size());
    ctx_.mon.observe(std::sqrt(std::max(sum, 0.0)) / ctx_.mon.rhs_norm(), lo,
                     total / static_cast<double>(known_.size()), hi, seconds_between(ctx_.t0, now),
                     all);
    if (ctx_.job.options.on_decision) ctx_.job.options.on_decision();
    return ctx_.mon.evaluate();
  }

  /// A converged candidate is confirmed once every block of every rank has swept again since the
  /// estimate first passed (or is at the budget) and the estimate still passes.
  stop_reason confirm(stop_reason reason) {
    if (reason != stop_reason::converged) {
      candidate_.clear();
      return reason;
    }
    if (candidate_.empty()) {
      candidate_ = known_;
      return stop_reason::none;
    }
    const std::int64_t budget = ctx_.job.options.stop.max_sweeps;
    for (std::size_t b = 0; b < candidate_.size(); ++b) {
      if (known_[b] <= candidate_[b] && known_[b] < budget) return stop_reason::none;
    }
    candidate_.clear();
    return reason;
  }

  /// After this rank's workers returned: wait for the stop to be known here, send the final
  /// messages, receive every message sent to this rank. \returns (rank 0) when every rank's
  /// workers had returned, as far as rank 0 knows: the arrival of the last final report.
  clock::time_point finish_round(clock::time_point local_quiescent) {
    const auto stopped = [this] { return root_ ? stop_posted_ : stop_done_; };
    while (true) {
      {
        const std::lock_guard lock(mpi_);
        progress_locked();
        if (stopped()) {
          closing_ = true;
          break;
        }
      }
      std::this_thread::sleep_for(wait_pause);
    }
    while (true) {
      {
        const std::lock_guard lock(mpi_);
        progress_locked();
        if (drained()) break;
      }
      std::this_thread::sleep_for(wait_pause);
    }
    if (root_) {  // rank 0's own final counts (the others' came with their final reports)
      for (std::size_t b = 0; b < slots_.size(); ++b) {
        absorb(b, slots_[b].sweeps.load(std::memory_order_acquire),
               slots_[b].residual_sq.load(std::memory_order_relaxed));
      }
    }
    return comm_.size() > 1 ? std::max(local_quiescent, last_report_at_) : local_quiescent;
  }

  [[nodiscard]] bool drained() const {
    for (const auto& l : links_) {
      if (!l.final_out || l.sending || !l.final_in) return false;
    }
    if (!stop_done_) return false;
    if (root_) {
      return std::all_of(final_report_in_.begin(), final_report_in_.end(),
                         [](bool v) { return v; });
    }
    return final_report_sent_ && !reporting_;
  }

  static constexpr std::size_t report_header = 4;  // final flag, request, 2 spare

  schedule_context ctx_;
  const distributed_data& layout_;
  const communicator& comm_;
  csr_view A_;
  double omega_;
  int workers_;
  bool root_;
  std::vector<local_slot> slots_;
  std::vector<std::int64_t> block_sweeps_;  // each entry written only by its block's worker

  // Everything below is touched only under mpi_ (or by the solving thread between rounds).
  std::mutex mpi_;
  bool set_up_ = false;
  bool closing_ = false;
  std::vector<halo_link> links_;
  std::int64_t round_messages_ = 0;
  std::int64_t round_values_ = 0;
  std::int64_t halo_messages_ = 0;  // every rank's, every round (from the end steps)
  std::int64_t halo_values_ = 0;
  std::int64_t published_ = 0;
  std::vector<int> block_base_;  // first global block of each rank
  int stop_code_ = 0;
  MPI_Request stop_req_ = MPI_REQUEST_NULL;
  bool stop_posted_ = false;
  bool stop_done_ = false;
  // A rank other than 0: its report.
  std::vector<double> report_;
  MPI_Request report_req_ = MPI_REQUEST_NULL;
  bool reporting_ = false;
  bool final_report_sent_ = false;
  std::int64_t reported_signature_ = -1;
  int reported_request_ = 0;
  // Rank 0: every rank's reports and every block's newest values.
  std::vector<std::vector<double>> inbox_;
  std::vector<MPI_Request> inbox_req_;
  std::vector<int> indices_;
  std::vector<bool> final_report_in_;
  clock::time_point last_report_at_{};
  std::vector<std::int64_t> known_;
  std::vector<double> latest_sq_;
  std::vector<std::int64_t> round_start_;
  std::vector<bool> fresh_;
  int fresh_count_ = 0;
  std::vector<std::int64_t> candidate_;
  clock::time_point last_evaluation_{};
};

/// The record of the per-sweep allreduce of block-Jacobi: the residual, rank 0's clock, and the
/// strongest stop request of any rank.
struct sweep_record {
  double residual_sq = 0.0;
  double root_seconds = 0.0;
  std::int32_t request = 0;  ///< request_priority of the rank's stop request, 0 for none
  std::int32_t unused = 0;
};

extern "C" void combine_sweeps(void* in, void* inout, int* len, MPI_Datatype* /*type*/) {
  const auto* a = static_cast<const sweep_record*>(in);
  auto* b = static_cast<sweep_record*>(inout);
  for (int k = 0; k < *len; ++k, ++a, ++b) {
    b->residual_sq += a->residual_sq;
    b->root_seconds += a->root_seconds;
    b->request = std::max(b->request, a->request);
  }
}

/// Stop requests a rank can make by itself, strongest first when several ranks ask at once.
int request_priority(stop_reason r) {
  switch (r) {
    case stop_reason::failed:
      return 4;
    case stop_reason::cancelled:
      return 3;
    case stop_reason::user_stop:
      return 2;
    case stop_reason::time_limit:
      return 1;
    default:
      return 0;
  }
}

stop_reason request_of(int priority) {
  constexpr stop_reason by_priority[] = {stop_reason::none, stop_reason::time_limit,
                                         stop_reason::user_stop, stop_reason::cancelled,
                                         stop_reason::failed};
  return by_priority[std::clamp(priority, 0, 4)];
}

class distributed_block_jacobi final : public schedule {
 public:
  distributed_block_jacobi(const schedule_context& ctx, const csr_view& A, double omega,
                           const distributed_data& layout, const communicator& comm)
      : ctx_(ctx),
        options_(ctx.job.options),
        layout_(layout),
        comm_(comm),
        exchange_(layout, comm.get()),
        A_(A),
        omega_(omega),
        frozen_(ctx.x.size(), 0.0) {
    MPI_Type_contiguous(static_cast<int>(sizeof(sweep_record)), MPI_BYTE, &type_);
    MPI_Type_commit(&type_);
    MPI_Op_create(&combine_sweeps, 1, &op_);
  }
  ~distributed_block_jacobi() override {
    MPI_Op_free(&op_);
    MPI_Type_free(&type_);
  }
  distributed_block_jacobi(const distributed_block_jacobi&) = delete;
  distributed_block_jacobi& operator=(const distributed_block_jacobi&) = delete;

  clock::time_point relax() override {
    job_state& job = ctx_.job;
    stop_control& control = job.control;
    if (!round_gate(job, comm_)) return clock::now();
    if (total_blocks_ == 0) {
      const int mine = ctx_.prep.part.blocks();
      MPI_Allreduce(&mine, &total_blocks_, 1, MPI_INT, MPI_SUM, comm_.get());
    }
    const std::stop_token token = control.token();
    const auto poll = [&control, &token] { return control.poll(token); };
    const int local = options_.local_sweeps;
    const std::int64_t messages0 = exchange_.messages();
    const std::int64_t values0 = exchange_.values();
    stop_reason agreed = stop_reason::none;
    // Every rank leaves this loop at the same sweep: the decisions below depend only on values
    // that are the same on every rank (the allreduce, the sweep count).
    while (agreed == stop_reason::none) {
      const std::int64_t left = options_.stop.max_sweeps - sweeps_;
      if (left <= 0) {
        agreed = stop_reason::max_sweeps;
        break;
      }
      const int k = static_cast<int>(std::min<std::int64_t>(local, left));
      exchange_.run(ctx_.x.data());
      double residual_sq = 0.0;
      try {
        residual_sq = sweep(k, poll);
      } catch (...) {
        job.fail(std::current_exception());
      }
      sweep_record mine;
      mine.residual_sq = residual_sq;
      mine.root_seconds = comm_.rank() == 0 ? seconds_between(ctx_.t0, clock::now()) : 0.0;
      mine.request = request_priority(control.decision());
      sweep_record all;
      MPI_Allreduce(&mine, &all, 1, type_, op_, comm_.get());
      if (all.request > 0) {  // some rank stopped: the sweep does not count anywhere
        agreed = request_of(all.request);
        break;
      }
      sweeps_ += k;
      monitor& mon = ctx_.mon;
      mon.observe(std::sqrt(all.residual_sq) / mon.rhs_norm(), sweeps_,
                  static_cast<double>(sweeps_), sweeps_, all.root_seconds, true);
      try {
        if (options_.on_decision) options_.on_decision();
      } catch (...) {
        job.fail(std::current_exception());  // announced at the next allreduce, or at the end
      }
      agreed = mon.evaluate();
      const auto now = clock::now();
      if (comm_.rank() == 0 &&
          (agreed != stop_reason::none || now - last_publish_ >= std::chrono::milliseconds(1))) {
        job.board.publish(mon.snapshot());
        last_publish_ = now;
      }
    }
    control.decide(agreed);
    std::array<double, step_record::sums> sums{};
    sums[0] = static_cast<double>(exchange_.messages() - messages0);
    sums[1] = static_cast<double>(exchange_.values() - values0);
    const auto totals = round_end(job, comm_, agreed, sums);
    halo_messages_ += static_cast<std::int64_t>(totals[0]);
    halo_values_ += static_cast<std::int64_t>(totals[1]);
    return clock::now();
  }

  void reset(const csr_view& A, double omega) override {
    A_ = A;
    omega_ = omega;
  }

  [[nodiscard]] std::vector<std::int64_t> block_sweeps() const override {
    const int blocks = comm_.rank() == 0 && total_blocks_ > 0 ? total_blocks_ : ctx_.prep.blocks;
    return std::vector<std::int64_t>(static_cast<std::size_t>(blocks), sweeps_);
  }

  void complete(solve_report& report) override {
    report.ranks = comm_.size();
    report.halo_messages = halo_messages_;
    report.halo_values = halo_values_;
    if (comm_.rank() == 0) {
      if (total_blocks_ > 0) report.blocks = total_blocks_;
      report.rank_sweeps.assign(static_cast<std::size_t>(comm_.size()),
                                sweep_stats{sweeps_, static_cast<double>(sweeps_), sweeps_});
    }
  }

 private:
  /// The rank's block-Jacobi sweep(s): sync_schedules.cpp's, on a frozen copy of x that includes
  /// the ghost entries (just exchanged). \returns the residual of the first local sweep, or 0 when
  /// interrupted (the request then stops every rank).
  template <class Poll>
  double sweep(int local, const Poll& poll) {
    const partition& part = ctx_.prep.part;
    const int blocks = part.blocks();
    double* x = ctx_.x.data();
    const double* b = ctx_.b.data();
    double* frozen = frozen_.data();
    const int n = layout_.local_rows;
    std::copy(x + n, x + ctx_.x.size(), frozen + n);
    double acc = 0.0;
    std::atomic<bool> stopped{false};
#pragma omp parallel num_threads(ctx_.prep.threads) reduction(+ : acc)
    {
#pragma omp for schedule(static)
      for (int blk = 0; blk < blocks; ++blk) {
        std::copy(x + part.begin(blk), x + part.end(blk), frozen + part.begin(blk));
      }
#pragma omp for schedule(static)
      for (int blk = 0; blk < blocks; ++blk) {
        const block_frozen_access access{x, frozen, part.begin(blk), part.end(blk)};
        for (int s = 0; s < local && !stopped.load(std::memory_order_relaxed); ++s) {
          const sweep_result r = sor_sweep(A_, b, access, part.begin(blk), part.end(blk), omega_,
                                           options_.direction, poll);
          if (r.interrupted) stopped.store(true, std::memory_order_relaxed);
          if (s == 0) acc += r.residual_sq;
        }
        if (options_.on_block_sweep && !stopped.load(std::memory_order_relaxed)) {
          try {  // fault and delay injection, as in the asynchronous workers
            options_.on_block_sweep(omp_get_thread_num(), blk, sweeps_ + local);
          } catch (...) {
            ctx_.job.fail(std::current_exception());
            stopped.store(true, std::memory_order_relaxed);
          }
        }
      }
    }
    return stopped.load() ? 0.0 : acc;
  }

  schedule_context ctx_;
  const solver_options& options_;
  const distributed_data& layout_;
  const communicator& comm_;
  halo_exchange exchange_;
  csr_view A_;
  double omega_;
  std::vector<double> frozen_;  // x (own rows and ghosts) at the start of the sweep
  std::int64_t sweeps_ = 0;
  int total_blocks_ = 0;
  std::int64_t halo_messages_ = 0;
  std::int64_t halo_values_ = 0;
  clock::time_point last_publish_{};
  MPI_Datatype type_ = MPI_DATATYPE_NULL;
  MPI_Op op_ = MPI_OP_NULL;
};

}  // namespace

bool round_gate(job_state& job, const communicator& comm) noexcept {
  try {
    comm.agree(comm.contribution(nullptr), nullptr);
    return true;
  } catch (...) {
    job.fail(std::current_exception());
    return false;
  }
}

std::array<double, step_record::sums> round_end(
    job_state& job, const communicator& comm, stop_reason agreed,
    const std::array<double, step_record::sums>& sums) noexcept {
  // Announce a failure that started here (a remote_error was announced by its own rank).
  std::exception_ptr mine = job.error();
  if (mine && origin_of(mine, comm.rank()) != comm.rank()) mine = nullptr;
  step_record c = comm.contribution(mine);
  c.sum = sums;
  c.root_code = comm.rank() == 0 ? static_cast<std::int32_t>(agreed) : 0;
  const step_record r = comm.step(c);
  if (r.failed_rank >= 0) {
    if (!job.error()) {
      try {
        job.fail(std::make_exception_ptr(error_of(r)));
      } catch (...) {
        job.fail(std::current_exception());  // std::bad_alloc making it: still a failure
      }
    }
    job.control.settle(stop_reason::failed);
  } else {
    job.control.settle(static_cast<stop_reason>(r.root_code));
  }
  return r.sum;
}

std::unique_ptr<schedule> make_distributed_async(const schedule_context& ctx, const csr_view& A,
                                                 double omega, const distributed_data& layout,
                                                 const communicator& comm) {
  return std::make_unique<distributed_async>(ctx, A, omega, layout, comm);
}

std::unique_ptr<schedule> make_distributed_block_jacobi(const schedule_context& ctx,
                                                        const csr_view& A, double omega,
                                                        const distributed_data& layout,
                                                        const communicator& comm) {
  return std::make_unique<distributed_block_jacobi>(ctx, A, omega, layout, comm);
}

}  // namespace asor::detail
