// The error paths: a rank that throws (in a worker, the decision loop or a callback) or whose
// input is bad ends every rank with the error, with no rank left waiting; the engine stays usable.

#include <atomic>
#include <stdexcept>
#include <string>

#include "mpi_support.hpp"

namespace asor::mpi_test {
namespace {

using namespace std::chrono_literals;

/// Runs \p body on every rank and checks that the ranks where it fails (\p fails_here; the
/// lowest is \p culprit) threw \p Expected and every other rank asor::remote_error naming the
/// culprit with \p kind.
template <class Expected, class Body>
void expect_every_rank_fails(bool fails_here, int culprit, failure_kind kind,
                             const std::string& needle, Body&& body) {
  bool threw_expected = false;
  std::string message;
  try {
    body();
  } catch (const remote_error& e) {
    message = e.what();
    threw_expected = !fails_here && e.rank() == culprit && e.kind() == kind;
    EXPECT_NE(e.message().find(needle), std::string::npos) << e.what();
  } catch (const Expected& e) {
    message = e.what();
    threw_expected = fails_here;
    EXPECT_NE(message.find(needle), std::string::npos) << message;
  } catch (const std::exception& e) {
    message = e.what();
  }
  EXPECT_TRUE(threw_expected) << "rank " << world_rank() << ": " << message;
  EXPECT_TRUE(all_ranks(true)) << "every rank got here (no one hangs)";
}

root_system small_problem() {
  return root_system([] { return poisson2d(40); });
}

solver_options options_for(method m) {
  solver_options o;
  o.method = m;
  o.threads = 1;
  o.stop.tolerance = 1e-10;
  o.stop.max_sweeps = 10000000;
  o.stop.time_limit_seconds = 120;
  // Thousands of sweeps (tens of ms), so that the injected failures come before convergence:
  // under auto the solve converged within a few ms, before the observer thread had called the
  // callback that was to throw (seen at 1 rank).
  o.omega = 1.0;
  return o;
}

TEST(DistributedFailure, AWorkerThatThrowsOnOneRankFailsEveryRank) {
  const watchdog dog(300s, "worker failure");
  const root_system sys = small_problem();
  const distributed_matrix A = distributed_matrix::scatter(MPI_COMM_WORLD, sys.view());
  const int culprit = world_size() - 1;
  for (const method m : {method::async, method::block_jacobi}) {
    solver_options o = options_for(m);
    if (world_rank() == culprit) {
      if (m == method::async) {
        o.on_block_sweep = [](int, int, std::int64_t sweeps) {
          if (sweeps == 5) throw std::runtime_error("injected worker failure");
        };
      } else {
        auto calls = std::make_shared<int>(0);
        o.on_decision = [calls] {
          if (++*calls == 5) throw std::runtime_error("injected worker failure");
        };
      }
    }
    engine e = make_distributed_engine(A, o);
    const std::vector<double> b = A.scatter_vector(sys.rhs());
    std::vector<double> x(b.size(), 0.0);
    solve_handle h = e.submit(b, x);
    expect_every_rank_fails<std::runtime_error>(world_rank() == culprit, culprit,
                                                failure_kind::other, "injected worker failure",
                                                [&] { (void)h.get(); });
    const solve_report r = h.report();
    EXPECT_EQ(r.reason, stop_reason::failed) << to_string(m);
    EXPECT_NE(r.error.find("injected worker failure"), std::string::npos) << r.error;
    // The engine is usable again: the next solve runs to its end on every rank.
    solver_options clean = options_for(m);
    clean.stop.tolerance = 1e-6;
    clean.omega = 1.7;
    e.set_options(clean);
    std::fill(x.begin(), x.end(), 0.0);
    EXPECT_TRUE(e.solve(b, x).converged()) << to_string(m);
  }
}

TEST(DistributedFailure, TheDecisionLoopOrACallbackThrowingOnRankZeroFailsEveryRank) {
  const watchdog dog(300s, "decision failure");
  const root_system sys = small_problem();
  const distributed_matrix A = distributed_matrix::scatter(MPI_COMM_WORLD, sys.view());
  {
    solver_options o = options_for(method::async);
    if (world_rank() == 0) {
      auto calls = std::make_shared<int>(0);
      o.on_decision = [calls] {
        if (++*calls == 3) throw std::bad_alloc();
      };
    }
    engine e = make_distributed_engine(A, o);
    const std::vector<double> b = A.scatter_vector(sys.rhs());
    std::vector<double> x(b.size(), 0.0);
    expect_every_rank_fails<std::bad_alloc>(world_rank() == 0, 0, failure_kind::other, "",
                                            [&] { e.solve(b, x); });
  }
  for (const method m : {method::async, method::block_jacobi}) {
    solver_options o = options_for(m);
    o.progress_interval_seconds = 0.0;
    engine e = make_distributed_engine(A, o);
    e.on_progress([](const progress& p) -> callback_action {
      if (p.min_sweeps >= 3) throw std::runtime_error("callback failed");
      return callback_action::proceed;
    });
    const std::vector<double> b = A.scatter_vector(sys.rhs());
    std::vector<double> x(b.size(), 0.0);
    expect_every_rank_fails<std::runtime_error>(world_rank() == 0, 0, failure_kind::other,
                                                "callback failed", [&] { e.solve(b, x); });
  }
}

TEST(DistributedFailure, BadRowsOnOneRankFailTheScatterOnEveryRank) {
  const watchdog dog(120s, "bad input");
  const int culprit = world_size() - 1;
  // Poisson with one diagonal entry zeroed in the last rank's rows (its last row), on rank 0.
  // inverse_diagonal would refuse it: the view gets a made-up inverse diagonal (scatter computes
  // its own from the rows, and checks them).
  sparse_matrix M;
  std::vector<double> ones;
  csr_view v;
  if (world_rank() == 0) {
    M = poisson2d(20);
    M.coeffRef(M.rows() - 1, M.rows() - 1) = 0.0;
    M.makeCompressed();
    ones.assign(static_cast<std::size_t>(M.rows()), 1.0);
    v = view_of(M, ones);
  }
  expect_every_rank_fails<input_error>(
      world_rank() == culprit, culprit, failure_kind::input, "non-positive diagonal",
      [&] { (void)distributed_matrix::scatter(MPI_COMM_WORLD, v); });
  // More ranks than rows: rank 0 refuses, every rank throws.
  if (world_size() > 1) {
    const root_system tiny([] { return poisson2d(1); });
    expect_every_rank_fails<std::invalid_argument>(
        world_rank() == 0, 0, failure_kind::invalid_argument, "fewer than",
        [&] { (void)distributed_matrix::scatter(MPI_COMM_WORLD, tiny.view()); });
  }
}

TEST(DistributedFailure, OptionsThatDoNotFitOneRankFailEveryRank) {
  const root_system sys = small_problem();  // 1600 rows
  const distributed_matrix A = distributed_matrix::scatter(MPI_COMM_WORLD, sys.view());
  int fewest = A.local_rows();
  MPI_Allreduce(MPI_IN_PLACE, &fewest, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  int culprit = A.local_rows() == fewest ? world_rank() : world_size();
  MPI_Allreduce(MPI_IN_PLACE, &culprit, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  solver_options o = options_for(method::async);
  o.blocks = fewest + 1;  // more blocks than the smallest rank has rows
  std::int64_t most = A.local_rows();
  MPI_Allreduce(MPI_IN_PLACE, &most, 1, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD);
  if (most == fewest) return;  // every rank has as many rows: nothing to test
  expect_every_rank_fails<std::invalid_argument>(
      A.local_rows() == fewest, culprit, failure_kind::invalid_argument,
      "exceeds the number of rows", [&] { (void)make_distributed_engine(A, o); });
  o.method = method::sor;
  o.blocks = 0;
  bool refused = false;
  try {
    (void)make_distributed_engine(A, o);
  } catch (const std::invalid_argument&) {
    refused = true;
  }
  EXPECT_TRUE(refused) << "sor is not a distributed method";
}

}  // namespace
}  // namespace asor::mpi_test
