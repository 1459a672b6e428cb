// make_distributed_engine (asor/distributed.hpp): an asor::engine whose driver talks to the other
// ranks through mpi_distribution (distribution.hpp), with the distributed schedules
// (schedules.hpp) and the Lanczos omega estimate across the ranks.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "../distribution.hpp"
#include "../engine_impl.hpp"
#include "../schedule.hpp"
#include "asor/distributed.hpp"
#include "asor/sweep.hpp"
#include "comm.hpp"
#include "schedules.hpp"

namespace asor {
namespace detail {

/// The one way into an engine's implementation from outside engine.cpp (engine.hpp befriends it).
struct engine_access {
  static engine make(const csr_view& A, solver_options options,
                     std::shared_ptr<distribution> dist) {
    engine e(A, std::move(options));
    e.impl_->dist = std::move(dist);
    return e;
  }
};

namespace {

/// Rows per partial sum of the residual (the same chunks as asor::residual_norm, so one rank
/// gives the shared-memory value bit for bit).
constexpr int row_chunk = 4096;

double local_residual_sq(const csr_view& A, std::span<const double> b, std::span<const double> x) {
  const int n = A.rows;
  const int chunks = (n + row_chunk - 1) / row_chunk;
  std::vector<double> partial(static_cast<std::size_t>(chunks), 0.0);
#pragma omp parallel for schedule(static) if (chunks > 4)
  for (int c = 0; c < chunks; ++c) {
    const int begin = c * row_chunk;
    const int end = std::min(n, begin + row_chunk);
    partial[static_cast<std::size_t>(c)] = residual_sq(A, b.data(), x.data(), begin, end);
  }
  double acc = 0.0;
  for (const double p : partial) acc += p;
  return acc;
}

class mpi_distribution final : public distribution {
 public:
  explicit mpi_distribution(const distributed_matrix& A)
      : matrix_(A.data()),
        layout_(*matrix_),
        comm_(layout_.comm.get()),
        exchange_(layout_, comm_.get()) {}

  [[nodiscard]] int ranks() const noexcept override { return comm_.size(); }

  [[nodiscard]] std::size_t extended_size() const override {
    return static_cast<std::size_t>(layout_.local_rows) +
           static_cast<std::size_t>(layout_.ghosts());
  }

  double sum(double local) override {
    step_record c = comm_.contribution(nullptr);
    c.sum[0] = local;
    return comm_.agree(c, nullptr).sum[0];
  }

  bool any(bool local) override {
    step_record c = comm_.contribution(nullptr);
    c.max_code = local ? 1 : 0;
    return comm_.agree(c, nullptr).max_code != 0;
  }

  stop_reason agree(stop_reason r) override {
    step_record c = comm_.contribution(nullptr);
    c.root_code = comm_.rank() == 0 ? static_cast<std::int32_t>(r) : 0;
    return static_cast<stop_reason>(comm_.agree(c, nullptr).root_code);
  }

  double residual_norm(const csr_view& A, std::span<const double> b, std::span<double> x) override {
    comm_.agree(comm_.contribution(nullptr), nullptr);  // every rank is here: exchange
    exchange_.run(x.data());
    return std::sqrt(sum(local_residual_sq(A, b, x)));
  }

  omega_estimate estimate_omega(const csr_view& A, const spectral_options& o,
                                const stop_predicate& stop) override;

  /// \brief Collective: rethrows \p local on this rank, remote_error on the others.
  void check(const std::exception_ptr& local) const {
    comm_.agree(comm_.contribution(nullptr), local);
  }

  std::unique_ptr<schedule> make_schedule(const schedule_context& ctx, const csr_view& A,
                                          double omega) override {
    switch (ctx.job.options.method) {
      case method::async:
        return make_distributed_async(ctx, A, omega, layout_, comm_);
      case method::block_jacobi:
        return make_distributed_block_jacobi(ctx, A, omega, layout_, comm_);
      default:
        break;
    }
    throw std::invalid_argument("distributed solves run async or block-jacobi, not " +
                                std::string(to_string(ctx.job.options.method)));
  }

  void end(job_state& job) noexcept override {
    // Steps until every rank is in its last one; each announces this rank's failure (if it
    // started here) and learns the others'.
    std::exception_ptr mine = job.error();
    if (mine && origin_of(mine, comm_.rank()) != comm_.rank()) mine = nullptr;
    while (true) {
      step_record c = comm_.contribution(mine);
      c.finals = 1;
      const step_record r = comm_.step(c);
      if (r.failed_rank >= 0 && !job.error()) {
        try {
          job.fail(std::make_exception_ptr(remote_error(
              r.failed_rank, static_cast<failure_kind>(r.failed_kind), r.text.data())));
        } catch (...) {
          job.fail(std::current_exception());
        }
      }
      if (r.finals == comm_.size()) break;
    }
  }

 private:
  std::shared_ptr<distributed_data> matrix_;  // keeps the rows alive as long as the engine
  const distributed_data& layout_;
  communicator comm_;  // the engine's own duplicate: its messages never meet another engine's
  halo_exchange exchange_;
};

/// spectral.cpp's estimate across the ranks: its Lanczos run with every inner product summed over
/// the ranks (one step: a halo exchange and two reductions), and the stop predicate polled inside
/// each reduction, so that every rank throws operation_cancelled when one asks to stop. The start
/// vector is drawn in the global numbering, so one rank with the nnz-balanced split starts where
/// the shared-memory estimate does.
omega_estimate mpi_distribution::estimate_omega(const csr_view& A, const spectral_options& o,
                                                const stop_predicate& stop) {
  const int n = layout_.local_rows;
  const std::size_t ext = extended_size();
  const auto un = static_cast<std::size_t>(n);
  detail::spectral_part part;
  part.first_row = layout_.offsets[static_cast<std::size_t>(comm_.rank())];
  part.sum = [&](std::span<double> values) {
    if (values.size() > static_cast<std::size_t>(step_record::sums)) {
      throw std::logic_error("asor: internal error: too many sums in one reduction");
    }
    step_record c = comm_.contribution(nullptr);
    std::copy(values.begin(), values.end(), c.sum.begin());
    c.max_code = stop && stop() ? 1 : 0;
    const step_record r = comm_.agree(c, nullptr);
    if (r.max_code != 0) throw operation_cancelled();
    std::copy_n(r.sum.begin(), values.size(), values.begin());
  };
  // sqrt(inv_diag) and v with their ghost entries, from their owners; every rank exchanges them
  // after a reduction (the start vector's norm, the previous step's), so no rank is left behind.
  std::vector<double> s(ext, 0.0);
  for (std::size_t i = 0; i < un; ++i) s[i] = std::sqrt(A.inv_diag[i]);
  std::vector<double> v(ext, 0.0);
  bool scaled = false;
  part.apply = [&](const double* local, double* w) {
    if (!scaled) {
      exchange_.run(s.data());
      scaled = true;
    }
    std::copy_n(local, un, v.begin());
    exchange_.run(v.data());
    double dot = 0.0;
    for (int i = 0; i < n; ++i) {
      double acc = 0.0;
      for (int p = A.row_ptr[static_cast<std::size_t>(i)];
           p < A.row_ptr[static_cast<std::size_t>(i) + 1]; ++p) {
        const auto c = static_cast<std::size_t>(A.col_idx[static_cast<std::size_t>(p)]);
        acc += A.values[static_cast<std::size_t>(p)] * (s[c] * v[c]);
      }
      const auto ui = static_cast<std::size_t>(i);
      w[ui] = s[ui] * acc;
      dot += v[ui] * w[ui];
    }
    std::array<double, 1> total{dot};
    part.sum(total);
    return total[0];
  };
  return detail::estimate_omega(A, o, part);
}

}  // namespace
}  // namespace detail

engine make_distributed_engine(const distributed_matrix& A, solver_options options) {
  if (!A.data()) throw std::invalid_argument("make_distributed_engine: empty distributed matrix");
  if (options.method != method::async && options.method != method::block_jacobi) {
    throw std::invalid_argument("distributed solves run async or block-jacobi, not " +
                                std::string(to_string(options.method)));
  }
  options.ordering = ordering::natural;  // the rows keep their distributed order
  auto dist = std::make_shared<detail::mpi_distribution>(A);  // collective: duplicates the comm
  // The options are checked against each rank's rows: a rank they do not fit fails every rank.
  std::exception_ptr failure;
  try {
    check_options(options, A.local_rows());
  } catch (...) {
    failure = std::current_exception();
  }
  dist->check(failure);
  return detail::engine_access::make(A.view(), std::move(options), std::move(dist));
}

}  // namespace asor
