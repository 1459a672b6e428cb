#include "asor/engine.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <stdexcept>

#include <spdlog/spdlog.h>
#include "asor/logging.hpp"
#include "asor/monitor.hpp"
#include "engine_impl.hpp"

namespace asor {

engine::engine(const csr_view& A, solver_options options) : impl_(std::make_unique<impl>()) {
  check_options(options, A.rows);
  impl_->user = A;
  impl_->A = A;
  impl_->options = std::move(options);
}

engine::~engine() = default;
engine::engine(engine&&) noexcept = default;
engine& engine::operator=(engine&&) noexcept = default;

void engine::on_progress(progress_callback callback) { impl_->callback = std::move(callback); }

void engine::cancel() noexcept { impl_->cancel_requested.store(true, std::memory_order_relaxed); }

const solver_options& engine::options() const noexcept { return impl_->options; }

void engine::set_options(solver_options options) {
  check_options(options, impl_->A.rows);
  impl_->options = std::move(options);
  impl_->prepared = false;
}

solve_report engine::solve(std::span<const double> b, std::span<double> x) {
  if (b.size() != static_cast<std::size_t>(impl_->A.rows) || x.size() != b.size()) {
    throw std::invalid_argument("engine::solve: b and x must have " +
                                std::to_string(impl_->A.rows) + " entries");
  }
  impl_->cancel_requested.store(false, std::memory_order_relaxed);
  if (!impl_->prepared) impl_->prepare();
  const auto run = [this](std::span<const double> rhs, std::span<double> sol) {
    return impl_->options.method == method::async ? detail::solve_async(*impl_, rhs, sol)
                                                  : detail::solve_sync(*impl_, rhs, sol);
  };
  const std::vector<int>& order = impl_->prep.order;
  if (order.empty()) return run(b, x);
  // Reordered: the solve works on P b and P x, and x comes back in the caller's order.
  std::vector<double> pb(order.size());
  std::vector<double> px(order.size());
  for (std::size_t r = 0; r < order.size(); ++r) {
    const auto old = static_cast<std::size_t>(order[r]);
    pb[r] = b[old];
    px[r] = x[old];
  }
  solve_report report = run(pb, px);
  for (std::size_t r = 0; r < order.size(); ++r) x[static_cast<std::size_t>(order[r])] = px[r];
  return report;
}

namespace {

/// The ordering to apply: automatic reorders the parallel block methods when reverse
/// Cuthill-McKee at least halves the bandwidth (the coupling between the threads' row ranges
/// follows it); \p order receives the permutation when the answer is rcm.
ordering choose_ordering(const csr_view& A, const solver_options& o, int threads,
                         std::vector<int>& order) {
  if (o.ordering == ordering::natural) return ordering::natural;
  const bool blocked = o.method == method::async || o.method == method::block_jacobi;
  if (o.ordering == ordering::automatic && !(blocked && threads > 1)) return ordering::natural;
  order = reverse_cuthill_mckee(A);
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

void engine::impl::prepare() {
  const auto t0 = detail::clock::now();
  const int n = user.rows;
  prepared_method p;
  const method m = options.method;
  const bool sequential = m == method::sor || m == method::ssor;
  p.threads = sequential ? 1 : (options.threads > 0 ? options.threads : default_threads());
  p.threads = std::max(1, std::min(p.threads, n));
  p.applied = choose_ordering(user, options, p.threads, p.order);
  if (p.applied == ordering::rcm) p.permuted = permute(user, p.order);
  // The view of the permuted copy stays valid when p moves into prep (vectors keep their storage).
  const csr_view work = p.applied == ordering::rcm ? p.permuted.view() : user;
  if (m == method::async) {
    p.blocks = options.blocks > 0 ? options.blocks : std::min(n, 4 * p.threads);
  } else if (m == method::block_jacobi) {
    p.blocks = options.blocks > 0 ? options.blocks : p.threads;
  } else {
    p.blocks = 1;
  }
  p.blocks = std::max(p.blocks, std::min(p.threads, n));
  p.part = partition::balanced_by_nnz(work, p.blocks);
  if (options.l1 && (m == method::async || m == method::block_jacobi)) {
    p.l1_inv_diag = l1_inverse_diagonal(work, p.part);
  }
  if (m == method::multicolor) detail::greedy_coloring(work, p.color_rows, p.color_offsets);
  if (options.omega) {
    p.omega = *options.omega;
  } else {
    // On the caller's matrix: the spectrum does not depend on the order, and so every method
    // gets the same estimate (the Lanczos start vector is drawn in row order).
    spectral_options so;
    so.tolerance = options.stop.tolerance;
    so.estimate_beta = m == method::ssor || options.direction == sweep_direction::symmetric;
    const omega_estimate est = estimate_omega(user, so);
    const omega_choice choice = choose_omega(est, m, options.direction, p.threads);
    p.omega_auto = true;
    p.jacobi_rho = est.jacobi_rho;
    p.omega = choice.omega;
    logger()->info(
        "omega auto: lambda(D^-1 A) in [{:.4g} (+0/-{:.2g}), {:.4g} (+{:.2g})], {} Lanczos "
        "steps, {:.1f} sweeps of cost; omega = {:.6f} ({})",
        est.lambda_min, est.lambda_min_error, est.lambda_max, est.lambda_max_error,
        est.lanczos_steps, est.cost_sweeps, p.omega, choice.rule);
  }
  p.setup_seconds = detail::seconds_between(t0, detail::clock::now());
  prep = std::move(p);
  A = work;
  prepared = true;
}

namespace detail {

solve_report begin_report(const engine::impl& e, std::span<const double> b, std::span<double> x) {
  solve_report r;
  r.method = e.options.method;
  r.direction = e.options.method == method::ssor ? sweep_direction::symmetric : e.options.direction;
  r.omega = e.prep.omega;
  r.omega_auto = e.prep.omega_auto;
  r.estimated_jacobi_rho = e.prep.jacobi_rho;
  r.threads = e.prep.threads;
  r.blocks = e.prep.blocks;
  r.l1 = e.options.l1 && !e.prep.l1_inv_diag.empty();
  r.ordering = e.prep.applied;
  r.tolerance = e.options.stop.tolerance;
  r.setup_seconds = e.prep.setup_seconds;
  double sum = 0.0;
  for (const double v : b) sum += v * v;
  r.rhs_norm = std::sqrt(sum);
  if (r.rhs_norm == 0.0) {  // The solution of A x = 0 is x = 0, exactly.
    std::fill(x.begin(), x.end(), 0.0);
    r.reason = stop_reason::converged;
    r.relative_residual = 0.0;
    r.provisional_residual = 0.0;
    r.block_sweeps.assign(static_cast<std::size_t>(r.blocks), 0);
  }
  return r;
}

double initial_residual(const engine::impl& e, std::span<const double> b, std::span<const double> x,
                        double rhs_norm) {
  if (std::all_of(x.begin(), x.end(), [](double v) { return v == 0.0; })) return 1.0;
  return residual_norm(e.A, b, x) / rhs_norm;
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

namespace {

/// One sweep of a synchronous method; returns the sum of squared provisional residuals.
class sync_sweeper {
 public:
  sync_sweeper(const engine::impl& e, std::span<const double> b, std::span<double> x)
      : e_(e), A_(e.kernel_view()), b_(b.data()), x_(x.data()) {
    const method m = e.options.method;
    if (m == method::jacobi || m == method::block_jacobi) {
      scratch_.assign(x.begin(), x.end());
    }
  }

  /// Switch to another diagonal (the l1 fallback); pattern and values stay.
  void use_view(const csr_view& v) noexcept { A_ = v; }

  double sweep(double omega) {
    const method m = e_.options.method;
    const sweep_direction dir =
        m == method::ssor ? sweep_direction::symmetric : e_.options.direction;
    switch (m) {
      case method::sor:
      case method::ssor:
        return sor_sweep(A_, b_, plain_access{x_}, 0, A_.rows, omega, dir).residual_sq;
      case method::jacobi:
        return jacobi(omega);
      case method::multicolor:
        return multicolor(omega, dir);
      case method::block_jacobi:
        return block_jacobi(omega, dir);
      case method::async:
        break;
    }
    return 0.0;
  }

 private:
  double jacobi(double omega) {
    // x_old is x; the new iterate goes to scratch_, then the two swap contents.
    double acc = 0.0;
    const int n = A_.rows;
    double* next = scratch_.data();
    const double* cur = x_;
#pragma omp parallel for num_threads(e_.prep.threads) schedule(static) reduction(+ : acc)
    for (int c = 0; c < n; c += 1024) {
      acc += jacobi_sweep(A_, b_, cur, next, c, std::min(n, c + 1024), omega);
    }
    std::copy(scratch_.begin(), scratch_.end(), x_);
    return acc;
  }

  double multicolor(double omega, sweep_direction dir) {
    const auto& off = e_.prep.color_offsets;
    const int colors = static_cast<int>(off.size()) - 1;
    const int* rows = e_.prep.color_rows.data();
    double forward_acc = 0.0;
    auto pass = [&](bool reverse) {
      double acc = 0.0;
#pragma omp parallel num_threads(e_.prep.threads) reduction(+ : acc)
      for (int k = 0; k < colors; ++k) {
        const int c = reverse ? colors - 1 - k : k;
        const int lo = off[static_cast<std::size_t>(c)];
        const int hi = off[static_cast<std::size_t>(c) + 1];
        // Rows of one color do not couple: any order, any thread, plain accesses.
#pragma omp for schedule(static)
        for (int r = lo; r < hi; ++r) {
          const double res = relax_row(A_, b_, plain_access{x_}, rows[r], omega);
          acc += res * res;
        }
      }
      return acc;
    };
    if (dir != sweep_direction::backward) forward_acc = pass(false);
    if (dir == sweep_direction::forward) return forward_acc;
    const double backward_acc = pass(true);
    return dir == sweep_direction::backward ? backward_acc : forward_acc;
  }

  double block_jacobi(double omega, sweep_direction dir) {
    const partition& part = e_.prep.part;
    const int blocks = part.blocks();
    const int local = e_.options.local_sweeps;
    double* frozen = scratch_.data();
    double acc = 0.0;
#pragma omp parallel num_threads(e_.prep.threads) reduction(+ : acc)
    {
      // Freeze the values every block will read from the others, then relax each block.
#pragma omp for schedule(static)
      for (int blk = 0; blk < blocks; ++blk) {
        std::copy(x_ + part.begin(blk), x_ + part.end(blk), frozen + part.begin(blk));
      }
#pragma omp for schedule(static)
      for (int blk = 0; blk < blocks; ++blk) {
        const block_frozen_access access{x_, frozen, part.begin(blk), part.end(blk)};
        for (int s = 0; s < local; ++s) {
          const double r =
              sor_sweep(A_, b_, access, part.begin(blk), part.end(blk), omega, dir).residual_sq;
          if (s == 0) acc += r;
        }
      }
    }
    return acc;
  }

  const engine::impl& e_;
  csr_view A_;
  const double* b_;
  double* x_;
  std::vector<double> scratch_;
};

}  // namespace

solve_report solve_sync(engine::impl& e, std::span<const double> b, std::span<double> x) {
  solve_report report = begin_report(e, b, x);
  if (report.converged()) return report;
  const auto t0 = clock::now();
  const double bnorm = report.rhs_norm;
  const auto nblocks = static_cast<std::size_t>(report.blocks);
  const double initial = initial_residual(e, b, x, bnorm);
  std::optional<monitor> mon_storage(std::in_place, e.options, bnorm, initial);
  sync_sweeper sweeper(e, b, x);
  std::vector<double> fallback_l1;
  std::optional<std::vector<double>> restart_x;
  if (e.options.fallback != fallback_policy::none) restart_x.emplace(x.begin(), x.end());
  double omega = e.prep.omega;
  std::int64_t sweeps = 0;
  const int local = e.options.method == method::block_jacobi ? e.options.local_sweeps : 1;
  double true_residual = std::numeric_limits<double>::quiet_NaN();
  stop_reason reason = stop_reason::none;
  while (reason == stop_reason::none) {
    monitor& mon = *mon_storage;
    const double est_sq = sweeper.sweep(omega);
    sweeps += local;
    const double now = seconds_between(t0, clock::now());
    const double estimate = std::sqrt(est_sq) / bnorm;
    mon.observe(estimate, sweeps, static_cast<double>(sweeps), sweeps, now, true);
    reason = mon.evaluate();
    if (e.callback && mon.callback_due(now) &&
        e.callback(mon.snapshot()) == callback_action::stop && reason == stop_reason::none) {
      reason = stop_reason::user_stop;
    }
    if (e.cancel_requested.load(std::memory_order_relaxed)) reason = stop_reason::cancelled;
    if (reason == stop_reason::converged) {
      true_residual = residual_norm(e.A, b, x) / bnorm;
      if (!mon.verified(true_residual, seconds_between(t0, clock::now()))) {
        logger()->debug("verification failed at sweep {}: estimate {:.3e}, true {:.3e}", sweeps,
                        estimate, true_residual);
        if (restart_x) restart_x->assign(x.begin(), x.end());
        reason = mon.budget_exhausted(seconds_between(t0, clock::now()));
      }
    } else if (reason == stop_reason::diverged && restart_x && !report.fallback_used) {
      std::copy(restart_x->begin(), restart_x->end(), x.begin());
      report.fallback_used = true;
      std::string what = "omega 1";
      if (e.options.fallback == fallback_policy::l1 && e.options.method == method::block_jacobi) {
        fallback_l1 = l1_inverse_diagonal(e.A, e.prep.part);
        sweeper.use_view(e.A.with_inv_diag(fallback_l1));
        report.l1 = true;
        what = "the l1 diagonal and omega 1";
      }
      report.fallback = "diverged at sweep " + std::to_string(sweeps) + " with omega " +
                        std::to_string(omega) + "; restarted from the last verified x with " + what;
      logger()->warn("{}", report.fallback);
      omega = 1.0;
      report.omega = 1.0;
      mon_storage.emplace(e.options, bnorm, residual_norm(e.A, b, x) / bnorm);
      reason = stop_reason::none;
    }
  }
  monitor& mon = *mon_storage;
  report.reason = reason;
  report.sweeps = {sweeps, static_cast<double>(sweeps), sweeps};
  report.block_sweeps.assign(nblocks, sweeps);
  if (reason != stop_reason::converged) true_residual = residual_norm(e.A, b, x) / bnorm;
  report.relative_residual = true_residual;
  report.provisional_residual = mon.snapshot().provisional_residual;
  report.verifications = mon.snapshot().verifications;
  report.failed_verifications = mon.failed_verifications();
  report.history = std::move(mon.history());
  report.solve_seconds = seconds_between(t0, clock::now());
  return report;
}

}  // namespace detail
}  // namespace asor
