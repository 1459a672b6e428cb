// How asynchronous block SOR's convergence depends on omega, blocks and threads.
// Prints a markdown table (sweeps to tolerance, outcome, verification failures) for the model
// problem and real matrices, next to sequential SOR at the same omega.
//
//   build/bench/bin/bench_async_convergence [matrix.mtx ...]

#include <asor/asor.hpp>
#include <cstdio>
#include <string>
#include <vector>

namespace {

struct problem {
  std::string name;
  asor::sparse_matrix A;
};

asor::solve_report run(const problem& p, asor::method m, double omega, int threads, int blocks,
                       bool l1) {
  asor::solver_options o;
  o.method = m;
  o.omega = omega;
  o.threads = threads;
  o.blocks = blocks;
  o.l1 = l1;
  o.stop.tolerance = 1e-8;
  o.stop.max_sweeps = 20000;
  o.stop.time_limit_seconds = 20;
  const std::vector<double> inv = asor::inverse_diagonal(p.A);
  asor::engine e(asor::view_of(p.A, inv), o);
  const asor::vector b = p.A * asor::vector::Ones(p.A.rows());
  asor::vector x = asor::vector::Zero(p.A.rows());
  return e.solve({b.data(), static_cast<std::size_t>(b.size())},
                 {x.data(), static_cast<std::size_t>(x.size())});
}

std::string cell(const asor::solve_report& r) {
  char buf[64];
  if (r.converged()) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(r.sweeps.min));
  } else {
    std::snprintf(buf, sizeof buf, "%s", std::string(asor::to_string(r.reason)).c_str());
  }
  std::string s = buf;
  if (r.failed_verifications > 0) s += " (" + std::to_string(r.failed_verifications) + "✗)";
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<problem> problems;
  problems.push_back({"poisson2d(48)", asor::poisson2d(48)});
  for (int k = 1; k < argc; ++k) {
    std::string path = argv[k];
    problems.push_back({path.substr(path.find_last_of('/') + 1), asor::io::read_matrix(path)});
  }
  const double omegas[] = {0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 1.9};
  struct layout {
    int threads;
    int blocks;
    bool l1;
  };
  const layout layouts[] = {
      {1, 4, false}, {2, 2, false}, {2, 8, false}, {2, 32, false}, {2, 8, true}};
  for (const problem& p : problems) {
    std::printf("\n### %s (n = %lld)\n\n| omega | sequential SOR |", p.name.c_str(),
                static_cast<long long>(p.A.rows()));
    for (const layout& l : layouts) {
      std::printf(" async T=%d K=%d%s |", l.threads, l.blocks, l.l1 ? " l1" : "");
    }
    std::printf("\n|---:|---:|");
    for (std::size_t k = 0; k < std::size(layouts); ++k) std::printf("---:|");
    std::printf("\n");
    for (const double w : omegas) {
      std::printf("| %.1f | %s |", w, cell(run(p, asor::method::sor, w, 1, 1, false)).c_str());
      for (const layout& l : layouts) {
        std::printf(" %s |",
                    cell(run(p, asor::method::async, w, l.threads, l.blocks, l.l1)).c_str());
      }
      std::printf("\n");
      std::fflush(stdout);
    }
  }
  return 0;
}
