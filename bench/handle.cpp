// The cost of the solve handle and how fast a cancel stops each method (issue "One decision loop
// for every schedule", item 10). Two measurements, one JSON line each:
//
//   overhead  engine::solve (= submit().get()) of a 1,024-unknown Poisson problem with a budget of
//             one sweep, so the fixed cost dominates: median and quartiles over many calls, per
//             method. Compare the same program built from an older commit (before the handle)
//             to get the overhead of submit + get over that solve: bench/handle_compare.sh.
//   cancel    2D Poisson 1024^2 on 2 threads, cancelled 100 ms into a 1e-15 solve: median and max
//             of solve_report::cancel_latency_seconds (decision to quiescent x), per method.
//             phase "relax": natural row order, so the cancel lands in the relaxation;
//             phase "prepare" (async and block-jacobi): reverse Cuthill-McKee ordering, whose
//             1M-row preparation is still running at 100 ms, so the cancel lands in it.
//
//   build/bench/bin/bench_handle [overhead|cancel|all] [--calls N] [--reps R] [--grid M]
//
// Uses only engine::solve and engine::cancel, which older engines have too.

#include <algorithm>
#include <asor/asor.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

using steady = std::chrono::steady_clock;

struct quantiles {
  double q1, median, q3, max;
};

quantiles summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const auto at = [&v](double q) {
    return v[static_cast<std::size_t>(std::lround(q * static_cast<double>(v.size() - 1)))];
  };
  return {at(0.25), at(0.5), at(0.75), v.back()};
}

const char* const method_names[] = {"async", "sor", "ssor", "jacobi", "multicolor", "block-jacobi"};

void overhead(int calls) {
  const asor::sparse_matrix A = asor::poisson2d(32);  // 1024 unknowns
  const std::vector<double> inv = asor::inverse_diagonal(A);
  const asor::vector b = A * asor::vector::Ones(A.rows());
  for (const char* name : method_names) {
    asor::solver_options o;
    o.method = *asor::method_from_string(name);
    o.threads = 2;
    o.omega = 1.0;
    o.stop.max_sweeps = 1;
    asor::engine e(asor::view_of(A, inv), o);
    asor::vector x = asor::vector::Zero(A.rows());
    std::vector<double> seconds;
    seconds.reserve(static_cast<std::size_t>(calls));
    for (int k = 0; k < calls + 50; ++k) {  // the first 50 warm up threads and caches
      x.setZero();
      const auto t0 = steady::now();
      const asor::solve_report r = e.solve({b.data(), static_cast<std::size_t>(b.size())},
                                           {x.data(), static_cast<std::size_t>(x.size())});
      const double s = std::chrono::duration<double>(steady::now() - t0).count();
      if (r.sweeps.max != 1)
        std::fprintf(stderr, "bench_handle: %s swept %lld\n", name,
                     static_cast<long long>(r.sweeps.max));
      if (k >= 50) seconds.push_back(s);
    }
    const quantiles q = summarize(seconds);
    std::printf(
        "{\"kind\": \"overhead\", \"method\": \"%s\", \"n\": %lld, \"calls\": %d, "
        "\"seconds_q1\": %.3e, \"seconds_median\": %.3e, \"seconds_q3\": %.3e}\n",
        name, static_cast<long long>(A.rows()), calls, q.q1, q.median, q.q3);
    std::fflush(stdout);
  }
}

void cancel_latency(int reps, int grid, bool in_preparation) {
  const asor::sparse_matrix A = asor::poisson2d(grid);
  const std::vector<double> inv = asor::inverse_diagonal(A);
  const asor::vector b = A * asor::vector::Ones(A.rows());
  for (const char* name : method_names) {
    asor::solver_options o;
    o.method = *asor::method_from_string(name);
    if (in_preparation && o.method != asor::method::async &&
        o.method != asor::method::block_jacobi) {
      continue;  // reordering is for the block methods
    }
    o.ordering = in_preparation ? asor::ordering::rcm : asor::ordering::natural;
    o.threads = 2;
    o.omega = 1.0;
    o.stop.tolerance = 1e-15;
    o.stop.max_sweeps = 1000000000;
    asor::engine e(asor::view_of(A, inv), o);
    std::vector<double> latency;
    for (int k = 0; k < reps; ++k) {
      asor::vector x = asor::vector::Zero(A.rows());
      std::thread canceller([&e] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        e.cancel();
      });
      const asor::solve_report r = e.solve({b.data(), static_cast<std::size_t>(b.size())},
                                           {x.data(), static_cast<std::size_t>(x.size())});
      canceller.join();
      if (r.reason != asor::stop_reason::cancelled) {
        std::fprintf(stderr, "bench_handle: %s ended %s\n", name,
                     std::string(asor::to_string(r.reason)).c_str());
        continue;
      }
      latency.push_back(r.cancel_latency_seconds);
    }
    if (latency.empty()) continue;
    const quantiles q = summarize(latency);
    std::printf(
        "{\"kind\": \"cancel\", \"phase\": \"%s\", \"method\": \"%s\", \"n\": %lld, "
        "\"threads\": 2, \"reps\": %zu, \"latency_median_s\": %.3e, \"latency_q3_s\": %.3e, "
        "\"latency_max_s\": %.3e}\n",
        in_preparation ? "prepare" : "relax", name, static_cast<long long>(A.rows()),
        latency.size(), q.median, q.q3, q.max);
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string what = "all";
  int calls = 2000;
  int reps = 9;
  int grid = 1024;
  for (int k = 1; k < argc; ++k) {
    const std::string a = argv[k];
    if (a == "--calls" && k + 1 < argc) {
      calls = std::atoi(argv[++k]);
    } else if (a == "--reps" && k + 1 < argc) {
      reps = std::atoi(argv[++k]);
    } else if (a == "--grid" && k + 1 < argc) {
      grid = std::atoi(argv[++k]);
    } else if (a == "overhead" || a == "cancel" || a == "all") {
      what = a;
    } else {
      std::fprintf(stderr,
                   "usage: bench_handle [overhead|cancel|all] [--calls N] [--reps R] "
                   "[--grid M]\n");
      return 2;
    }
  }
  if (what != "cancel") overhead(std::max(10, calls));
  if (what != "overhead") {
    cancel_latency(std::max(1, reps), std::max(8, grid), false);
    cancel_latency(std::max(1, reps), std::max(8, grid), true);
  }
  return 0;
}
