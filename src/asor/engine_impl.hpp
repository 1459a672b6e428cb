#pragma once
// Private to the library: the engine's prepared state and the entry points of each schedule.

#include <atomic>
#include <span>
#include <vector>

#include "asor/engine.hpp"
#include "asor/ordering.hpp"
#include "asor/partition.hpp"

namespace asor {

/// What an engine prepares once per (matrix, options) and reuses across solves.
struct prepared_method {
  int threads = 1;
  int blocks = 1;
  double omega = 1.0;
  bool omega_auto = false;
  double jacobi_rho = std::numeric_limits<double>::quiet_NaN();
  /// rcm: the permuted copy the solves run on (order[new] = old); empty when natural
  ordering applied = ordering::natural;
  std::vector<int> order;
  permuted_matrix permuted;
  partition part;
  std::vector<double> l1_inv_diag;  // when options.l1
  std::vector<int> color_rows;      // multicolor: rows grouped by color
  std::vector<int> color_offsets;   // multicolor: CSR-style offsets into color_rows
  double setup_seconds = 0.0;
};

struct engine::impl {
  csr_view user;  ///< the caller's matrix
  csr_view A;     ///< what the solves work on: user, or prep.permuted when reordered
  solver_options options;
  progress_callback callback;
  prepared_method prep;
  bool prepared = false;
  /// Set by cancel() from any thread; cleared when a solve starts.
  std::atomic<bool> cancel_requested{false};

  void prepare();
  /// The view the kernel should use: with the l1 diagonal when options.l1.
  [[nodiscard]] csr_view kernel_view() const noexcept {
    return options.l1 && !prep.l1_inv_diag.empty() ? A.with_inv_diag(prep.l1_inv_diag) : A;
  }
};

namespace detail {

/// Synchronous schedules (jacobi, sor, ssor, multicolor, block-jacobi).
solve_report solve_sync(engine::impl& e, std::span<const double> b, std::span<double> x);
/// The asynchronous schedule (workers + coordinator).
solve_report solve_async(engine::impl& e, std::span<const double> b, std::span<double> x);

/// Starts a report with what every method shares and ||b||. When b = 0 the solve is already done
/// (x = 0 exactly): the report then says converged and the caller returns it.
solve_report begin_report(const engine::impl& e, std::span<const double> b, std::span<double> x);

/// ||b - A x|| / ||b||, the starting point of the divergence test. From x = 0 (the usual start)
/// it is exactly 1 and costs no product with A.
double initial_residual(const engine::impl& e, std::span<const double> b, std::span<const double> x,
                        double rhs_norm);

/// Greedy coloring: rows of color c are rows[offsets[c] .. offsets[c+1]).
void greedy_coloring(const csr_view& A, std::vector<int>& rows, std::vector<int>& offsets);

}  // namespace detail
}  // namespace asor
