#pragma once
// Private to the library: the engine's prepared state, its solve thread, and the driver's entry.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "asor/engine.hpp"
#include "asor/ordering.hpp"
#include "asor/partition.hpp"
#include "asor/spectral.hpp"
#include "distribution.hpp"
#include "job.hpp"

namespace asor {

/// What an engine prepares once per (matrix, preparation options) and reuses across solves.
struct prepared_method {
  int threads = 1;
  int blocks = 1;
  double omega = 1.0;
  bool omega_auto = false;
  /// auto: the range the omega controller may move omega in (choose_omega), and whether the
  /// order the method sweeps in is consistently ordered (Young's relation holds: the SOR
  /// controller may trust it): the natural order for SOR, the coloring's for multicolor
  double omega_min = 1.0;
  double omega_max = 1.0;
  bool consistently_ordered = false;
  double lambda_min = std::numeric_limits<double>::quiet_NaN();  ///< auto: of D^-1 A (estimate)
  double jacobi_rho = std::numeric_limits<double>::quiet_NaN();
  /// rcm: the permuted copy the solves run on (order[new] = old); empty when natural
  ordering applied = ordering::natural;
  std::vector<int> order;
  permuted_matrix permuted;
  partition part;
  std::vector<double> l1_inv_diag;  // when l1 (options.l1, or the halo rows across ranks)
  std::vector<int> color_rows;      // multicolor: rows grouped by color
  std::vector<int> color_offsets;   // multicolor: CSR-style offsets into color_rows
  double setup_seconds = 0.0;
  csr_view A;            ///< what the solves work on: the caller's matrix, or the permuted copy
  bool l1 = false;       ///< the l1 diagonal at every block boundary (options.l1)
  bool halo_l1 = false;  ///< across ranks: the l1 diagonal on (at least) the rows with ghosts
  /// The view the kernel should use: with the l1 diagonal when l1 or halo_l1.
  [[nodiscard]] csr_view kernel_view() const noexcept {
    return l1 || halo_l1 ? A.with_inv_diag(l1_inv_diag) : A;
  }
};

/// The options a preparation depends on, and nothing else: changing any other option (stopping
/// rules, budgets, callbacks, hooks, the progress interval) keeps what was prepared.
struct preparation_key {
  method m = method::async;
  sweep_direction direction = sweep_direction::forward;
  int threads = 0;
  int blocks = 0;
  ordering order = ordering::automatic;
  std::optional<double> omega;
  bool l1 = false;
  halo_diagonal halo = halo_diagonal::l1;
  bool operator==(const preparation_key&) const = default;
  static preparation_key of(const solver_options& o) {
    return {o.method, o.direction, o.threads, o.blocks, o.ordering, o.omega, o.l1, o.halo};
  }
};

struct engine::impl {
  explicit impl(const csr_view& A, solver_options o) : user(A), options(std::move(o)) {}
  ~impl();
  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;

  csr_view user;  ///< the caller's matrix
  solver_options options;
  progress_callback callback;
  prepared_method prep;
  std::optional<preparation_key> prepared_for;  ///< the key prep was made for; empty: none
  /// The other processes of a distributed solve (make_distributed_engine); null for shared
  /// memory. `user` is then this rank's rows, with ghost columns (distribution.hpp).
  std::shared_ptr<detail::distribution> dist;

  /// Prepares for \p o (unless prep was made for the same key). Runs on the solve thread.
  /// \returns false when the preparation of an earlier solve was reused.
  /// \throws operation_cancelled when \p stop asks to stop (prep is then left empty).
  bool prepare(const solver_options& o, const stop_predicate& stop);

  // The solve thread: runs submitted jobs one at a time. All below under `mutex`.
  std::mutex mutex;
  std::condition_variable wake;
  std::shared_ptr<detail::job_state> current;  ///< the newest job (running, queued or done)
  std::shared_ptr<detail::job_state> queued;   ///< submitted, not yet picked up
  bool shutting_down = false;
  std::thread runner;

  [[nodiscard]] bool busy_locked() const { return current && !current->finished(); }
  void run_loop();
};

namespace detail {

/// The one driver: runs \p job on \p e to its end and completes it (report or error).
void run_job(engine::impl& e, job_state& job) noexcept;

/// ||b - A x|| / ||b||, the starting point of the divergence test. From x = 0 (the usual start)
/// it is exactly 1 and costs no product with A.
double initial_residual(const csr_view& A, std::span<const double> b, std::span<const double> x,
                        double rhs_norm);

/// Greedy coloring: rows of color c are rows[offsets[c] .. offsets[c+1]).
void greedy_coloring(const csr_view& A, std::vector<int>& rows, std::vector<int>& offsets);

/// Sums a few numbers over every process of a distributed solve, in place, with the same bits on
/// every process. It is also where a distributed estimate is cancelled: when some process asks to
/// stop, it throws operation_cancelled on every process.
using global_sum = std::function<void(std::span<double>)>;

/// This process's part of a distributed spectral estimate (spectral.cpp's Lanczos across ranks).
struct spectral_part {
  std::int64_t first_row = 0;  ///< the global index of this process's first row
  global_sum sum;
  /// w = D^-1/2 A D^-1/2 v on this process's rows (v: its rows; the operator exchanges the ghost
  /// entries itself). \returns v . w summed over every process.
  std::function<double(const double* v, double* w)> apply;
};

/// estimate_omega (spectral.hpp) on this process's rows \p A of a distributed matrix: the same
/// Lanczos run, stopping rules and cost budget, each reduction over every process; no graph tests
/// (consistently_ordered and bipartite stay false) and no beta. Collective.
omega_estimate estimate_omega(const csr_view& A, const spectral_options& o,
                              const spectral_part& part);

}  // namespace detail
}  // namespace asor
