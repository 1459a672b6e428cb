/// \file solve_distributed.cpp
/// \brief `asor solve` under `mpirun -np N` / `srun` with N > 1 (see solve.hpp): rank 0 reads the
/// files, every rank solves its rows of the system with the distributed engine, rank 0 prints the
/// progress line and the summary and writes --x-out, --history and --json.

#include <spdlog/spdlog.h>

#include <cmath>
#include <exception>
#include <span>
#include <string>
#include <vector>

#include "asor/distributed.hpp"
#include "asor/engine.hpp"
#include "asor/io/errors.hpp"
#include "asor/matrix.hpp"
#include "asor/reference.hpp"
#include "cli/common.hpp"
#include "cli/json_report.hpp"
#include "cli/mpi/session.hpp"
#include "cli/output.hpp"
#include "cli/processes.hpp"
#include "cli/progress_line.hpp"
#include "cli/solve.hpp"

namespace asor::cli {

int run_solve_distributed(const solve_args& a, const global_flags& global) {
  return with_remote_errors([&] {
    const bool root = world().root();
    setup_logging(global.log_level, a.quiet || !root);
    // Every rank parses the same flags: a usage error is the same on every rank.
    if (!a.serve.address.empty()) {
      throw usage_error("--serve: not across MPI ranks (run the monitor with one process)");
    }
    solver_options options = to_options(a.solver);
    if (options.method != method::async && options.method != method::block_jacobi) {
      throw usage_error("--method " + a.solver.method + ": across " + std::to_string(world().size) +
                        " ranks only async and block-jacobi run (docs/distributed.md)");
    }
    if (options.threads == 0) options.threads = default_threads_per_rank();
    const auto reference = parse_reference(a.reference);
    options.record_provisional = !a.history.empty();
    inject_slow_rank(options, a.slow_rank);

    // Rank 0 checks the outputs and reads and checks the input alone; every rank learns how that
    // went. The outputs are checked first: a bad path costs no solve.
    loaded_system sys;
    vector x0;
    std::vector<double> inv_diag;
    output_file json_out;
    output_file x_out;
    output_file history_out;
    std::exception_ptr failure;
    if (root) {
      try {
        json_out = output_file("--json", a.json);
        x_out = output_file("--x-out", a.x_out);
        history_out = output_file("--history", a.history);
        check_distinct({&json_out, &x_out, &history_out});
        sys = load_system(a.matrix, a.rhs, a.input);
        const Eigen::Index n = sys.A.rows();
        x0 = vector::Zero(n);
        if (!a.x0.empty()) x0 = load_initial_guess(a.x0, a.input, n);
        try {
          inv_diag = inverse_diagonal(sys.A);
        } catch (const input_error& e) {
          throw e.in_file(a.matrix);
        }
      } catch (...) {
        failure = std::current_exception();
      }
    }
    share_root_outcome(failure);

    const csr_view view = root ? view_of(sys.A, inv_diag) : csr_view{};
    const std::span<const double> b_all{sys.b.data(), static_cast<std::size_t>(sys.b.size())};
    const std::span<const double> x0_all{x0.data(), static_cast<std::size_t>(x0.size())};
    const distributed_system dsys(view, b_all, x0_all, a.partition);
    engine eng = dsys.make_engine(options);
    std::vector<double> x = dsys.x0();

    progress_line line(root && progress_wanted(a.progress_on, a.progress_off || a.quiet),
                       options.stop.tolerance, std::string(to_string(options.method)) + "  ",
                       options.stop.time_limit_seconds, options.stop.max_sweeps);
    log()->info("solving with {} on {} ranks x {} threads, tol {:g}", to_string(options.method),
                world().size, options.threads, options.stop.tolerance);
    solve_outcome o;
    {
      const interrupt_guard interrupts;  // the previous handlers come back when the solve returns
      o.report = solve_watched(eng, dsys.b(), x, line);
    }
    line.finish();
    const std::vector<double> x_all = dsys.gather(x);
    o.distribution = dsys.describe(o.report);
    const int code = o.report.converged() ? exit_ok : exit_not_converged;
    if (!root) return code;

    const solve_report& r = o.report;
    log()->info("stopped: {} after {} sweeps, {:.4g} s", to_string(r.reason), r.sweeps.min,
                r.solve_seconds);
    const int n = static_cast<int>(sys.A.rows());
    const vector xv = Eigen::Map<const vector>(x_all.data(), n);
    finish_solve(a, options, sys, xv, reference, json_out, x_out, history_out, o);
    return code;
  });
}

}  // namespace asor::cli
