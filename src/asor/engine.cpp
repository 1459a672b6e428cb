// The engine: its options, its preparation (row order, partition, coloring, l1, omega) and the
// thread that runs submitted solves through the driver (driver.cpp).

#include "asor/engine.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include <spdlog/spdlog.h>
#include "asor/logging.hpp"
#include "engine_impl.hpp"

namespace asor {

engine::engine(const csr_view& A, solver_options options) {
  check_options(options, A.rows);
  impl_ = std::make_unique<impl>(A, std::move(options));
}

engine::~engine() = default;

engine::engine(engine&& other) noexcept = default;

engine& engine::operator=(engine&& other) noexcept {
  impl_ = std::move(other.impl_);  // the old impl's destructor ends its solve thread
  return *this;
}

engine::impl::~impl() {
  std::unique_lock lock(mutex);
  // A solve still running reads this engine's matrix and preparation: destroying the engine under
  // it is a contract violation (destroy or get() the handle first).
  assert(!busy_locked() && "asor::engine destroyed while a solve it runs is not finished");
  if (busy_locked()) {
    current->control.cancel();
    const auto job = current;
    lock.unlock();
    job->wait();
    lock.lock();
  }
  shutting_down = true;
  lock.unlock();
  wake.notify_all();
  if (runner.joinable()) runner.join();
}

engine::impl& engine::checked() const {
  if (!impl_) throw std::logic_error("asor::engine: used after it was moved from");
  return *impl_;
}

void engine::on_progress(progress_callback callback) {
  impl& e = checked();
  const std::lock_guard lock(e.mutex);
  e.callback = std::move(callback);
}

void engine::cancel() noexcept {
  if (!impl_) return;
  const std::lock_guard lock(impl_->mutex);
  if (impl_->busy_locked()) impl_->current->control.cancel();
}

bool engine::running() const {
  impl& e = checked();
  const std::lock_guard lock(e.mutex);
  return e.busy_locked();
}

const solver_options& engine::options() const { return checked().options; }

void engine::set_options(solver_options options) {
  impl& e = checked();
  check_options(options, e.user.rows);
  const std::lock_guard lock(e.mutex);
  if (e.busy_locked()) {
    throw std::logic_error("asor::engine: the options cannot change while a solve runs");
  }
  e.options = std::move(options);
}

solve_handle engine::submit(std::span<const double> b, std::span<double> x) {
  impl& e = checked();
  if (b.size() != static_cast<std::size_t>(e.user.rows) || x.size() != b.size()) {
    throw std::invalid_argument("engine::solve: b and x must have " + std::to_string(e.user.rows) +
                                " entries");
  }
  const std::lock_guard lock(e.mutex);
  if (e.busy_locked()) {
    throw std::logic_error(
        "asor::engine: a solve is already running on this engine (one at a time; wait for it or "
        "cancel it first)");
  }
  auto job = std::make_shared<detail::job_state>(b, x, e.options, e.callback);
  e.current = job;
  e.queued = job;
  if (!e.runner.joinable()) e.runner = std::thread([&e] { e.run_loop(); });
  e.wake.notify_one();
  return solve_handle(std::move(job));
}

solve_report engine::solve(std::span<const double> b, std::span<double> x) {
  return submit(b, x).get();
}

void engine::impl::run_loop() {
  std::unique_lock lock(mutex);
  while (true) {
    wake.wait(lock, [this] { return shutting_down || queued != nullptr; });
    if (!queued) return;  // shutting down with nothing left to run
    const std::shared_ptr<detail::job_state> job = std::move(queued);
    queued.reset();
    lock.unlock();
    detail::run_job(*this, *job);  // completes the job: its waiters wake
    lock.lock();
  }
}

namespace {

/// The ordering to apply: automatic reorders the parallel block methods when reverse
/// Cuthill-McKee at least halves the bandwidth (the coupling between the threads' row ranges
/// follows it); \p order receives the permutation when the answer is rcm.
ordering choose_ordering(const csr_view& A, const solver_options& o, int threads,
                         std::vector<int>& order, const stop_predicate& stop) {
  if (o.ordering == ordering::natural) return ordering::natural;
  const bool blocked = o.method == method::async || o.method == method::block_jacobi;
  if (o.ordering == ordering::automatic && !(blocked && threads > 1)) return ordering::natural;
  order = reverse_cuthill_mckee(A, stop);
  if (o.ordering == ordering::rcm) return ordering::rcm;
  const int natural = bandwidth(A);
  const int reordered = bandwidth(A, order);
  logger()->info("ordering auto: bandwidth {} as given, {} after reverse Cuthill-McKee", natural,
                 reordered);
  if (reordered < natural && 2 * static_cast<std::int64_t>(reordered) <= natural) {
    return ordering::rcm;
  }
  order.clear();
  return ordering::natural;
}

}  // namespace

bool engine::impl::prepare(const solver_options& o, const stop_predicate& stop) {
  const preparation_key key = preparation_key::of(o);
  if (prepared_for == key) return false;
  prepared_for.reset();
  prep = {};
  const auto t0 = detail::clock::now();
  const int n = user.rows;
  prepared_method p;
  const method m = o.method;
  const bool sequential = m == method::sor || m == method::ssor;
  p.threads = sequential ? 1 : (o.threads > 0 ? o.threads : default_threads());
  p.threads = std::max(1, std::min(p.threads, n));
  // Distributed: the rank's rows keep their order (they have ghost columns; METIS is the global
  // reordering), and the only cancellable step is the collective omega estimate (a local cancel
  // here would leave the other ranks waiting for this one).
  p.applied = dist ? ordering::natural : choose_ordering(user, o, p.threads, p.order, stop);
  if (!dist) throw_if_stopped(stop);
  if (p.applied == ordering::rcm) p.permuted = permute(user, p.order);
  // The view of the permuted copy stays valid when p moves into prep (vectors keep their storage).
  p.A = p.applied == ordering::rcm ? p.permuted.view() : user;
  const bool across_ranks = dist && dist->ranks() > 1;
  if (m == method::async) {
    // Across ranks one block per thread: a rank's rows are then relaxed in Gauss-Seidel order
    // between two halo messages (smaller blocks only add progress calls and staleness there).
    p.blocks = o.blocks > 0 ? o.blocks : std::min(n, (across_ranks ? 1 : 4) * p.threads);
  } else if (m == method::block_jacobi) {
    p.blocks = o.blocks > 0 ? o.blocks : p.threads;
  } else {
    p.blocks = 1;
  }
  p.blocks = std::max(p.blocks, std::min(p.threads, n));
  p.part = partition::balanced_by_nnz(p.A, p.blocks);
  if (o.l1 && (m == method::async || m == method::block_jacobi)) {
    p.l1_inv_diag = l1_inverse_diagonal(p.A, p.part);
    p.l1 = true;
    p.halo_l1 = across_ranks;  // the ghost columns are off every block too
  } else if (across_ranks && o.halo == halo_diagonal::l1 &&
             (m == method::async || m == method::block_jacobi)) {
    // A rank's view has its own rows' columns first and the ghost columns after them: as one
    // block, only the ghost entries are off the block.
    p.l1_inv_diag = l1_inverse_diagonal(p.A, partition::balanced_by_nnz(p.A, 1));
    p.halo_l1 = true;
  }
  if (!dist) throw_if_stopped(stop);
  if (m == method::multicolor) detail::greedy_coloring(p.A, p.color_rows, p.color_offsets);
  if (o.omega) {
    p.omega = *o.omega;
  } else {
    // On the caller's matrix: the spectrum does not depend on the order, and so every method
    // gets the same estimate (the Lanczos start vector is drawn in row order).
    spectral_options so;
    so.tolerance = o.stop.tolerance;
    so.estimate_beta = m == method::ssor || o.direction == sweep_direction::symmetric;
    const omega_estimate est =
        dist ? dist->estimate_omega(user, so, stop) : estimate_omega(user, so, stop);
    // Across ranks every rank's workers relax their blocks at once: the parallel rule, for the
    // workers of all the ranks.
    const int workers = dist ? dist->ranks() * p.threads : p.threads;
    const omega_choice choice = choose_omega(est, m, o.direction, workers);
    p.omega_auto = true;
    p.jacobi_rho = est.jacobi_rho;
    p.omega = choice.omega;
    p.omega_min = choice.omega_min;
    p.omega_max = choice.omega_max;
    // Multicolor sweeps in the coloring's order: with at most two colors (red-black) that order
    // is consistently ordered whatever the natural one is.
    p.consistently_ordered =
        m == method::multicolor ? p.color_offsets.size() <= 3 : est.consistently_ordered;
    p.lambda_min = est.lambda_min;
    logger()->info(
        "omega auto: lambda(D^-1 A) in [{:.4g} (+0/-{:.2g}), {:.4g} (+{:.2g})], {} Lanczos "
        "steps, {:.1f} sweeps of cost; omega = {:.6f} ({})",
        est.lambda_min, est.lambda_min_error, est.lambda_max, est.lambda_max_error,
        est.lanczos_steps, est.cost_sweeps, p.omega, choice.rule);
  }
  p.setup_seconds = detail::seconds_between(t0, detail::clock::now());
  prep = std::move(p);
  prepared_for = key;
  return true;
}

namespace detail {

double initial_residual(const csr_view& A, std::span<const double> b, std::span<const double> x,
                        double rhs_norm) {
  if (std::all_of(x.begin(), x.end(), [](double v) { return v == 0.0; })) return 1.0;
  return residual_norm(A, b, x) / rhs_norm;
}

void greedy_coloring(const csr_view& A, std::vector<int>& rows, std::vector<int>& offsets) {
  const auto n = static_cast<std::size_t>(A.rows);
  std::vector<int> color(n, -1);
  std::vector<int> stamp;  // stamp[c] == i: color c is taken by a neighbour of row i
  int colors = 0;
  for (std::size_t i = 0; i < n; ++i) {
    for (int k = A.row_ptr[i]; k < A.row_ptr[i + 1]; ++k) {
      const int c = color[static_cast<std::size_t>(A.col_idx[static_cast<std::size_t>(k)])];
      if (c >= 0) stamp[static_cast<std::size_t>(c)] = static_cast<int>(i);
    }
    int c = 0;
    while (c < colors && stamp[static_cast<std::size_t>(c)] == static_cast<int>(i)) ++c;
    if (c == colors) {
      ++colors;
      stamp.push_back(-1);
    }
    color[i] = c;
  }
  offsets.assign(static_cast<std::size_t>(colors) + 1, 0);
  for (const int c : color) ++offsets[static_cast<std::size_t>(c) + 1];
  std::partial_sum(offsets.begin(), offsets.end(), offsets.begin());
  rows.resize(n);
  std::vector<int> next(offsets.begin(), offsets.end() - 1);
  for (std::size_t i = 0; i < n; ++i) {
    rows[static_cast<std::size_t>(next[static_cast<std::size_t>(color[i])]++)] =
        static_cast<int>(i);
  }
}

}  // namespace detail
}  // namespace asor
