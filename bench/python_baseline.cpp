// The C++ side of bench/python_bench.py (issue "import asor", item 9): what one asor.solve call
// does, done by a C++ program with no Python in it, so that the script can measure what the
// binding adds. Each call validates the CSR arrays (asor::validate_matrix on csr_arrays, as the
// module does on a scipy matrix's buffers), computes 1 / a_ii, builds an engine and solves.
//
//   bench_python_baseline --grid M --method NAME --threads T --omega W --max-sweeps S
//                         --tol TOL --calls N [--progress-interval P --callback]
//
// Prints one JSON line: {"seconds": [wall time of each call], "solve_seconds": [...],
// "sweeps": [...], "status": [...]} for 2D Poisson on an M x M grid, b = A * ones, x0 = 0.

#include <asor/asor.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using steady = std::chrono::steady_clock;

std::string arg_value(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int k = 1; k + 1 < argc; ++k) {
    if (name == argv[k]) return argv[k + 1];
  }
  return fallback;
}

bool has_flag(int argc, char** argv, const std::string& name) {
  for (int k = 1; k < argc; ++k) {
    if (name == argv[k]) return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  const int grid = std::atoi(arg_value(argc, argv, "--grid", "32").c_str());
  const int calls = std::atoi(arg_value(argc, argv, "--calls", "100").c_str());
  const auto method = asor::method_from_string(arg_value(argc, argv, "--method", "sor"));
  if (grid < 1 || calls < 1 || !method) {
    std::fprintf(stderr,
                 "usage: bench_python_baseline --grid M --method NAME --threads T --omega W "
                 "--max-sweeps S --tol TOL --calls N [--progress-interval P --callback]\n");
    return 2;
  }
  asor::solver_options o;
  o.method = *method;
  o.threads = std::atoi(arg_value(argc, argv, "--threads", "2").c_str());
  o.omega = std::atof(arg_value(argc, argv, "--omega", "1.0").c_str());
  o.ordering = asor::ordering::natural;
  o.stop.max_sweeps = std::atoll(arg_value(argc, argv, "--max-sweeps", "1").c_str());
  o.stop.tolerance = std::atof(arg_value(argc, argv, "--tol", "1e-8").c_str());
  o.progress_interval_seconds =
      std::atof(arg_value(argc, argv, "--progress-interval", "0.1").c_str());
  const bool callback = has_flag(argc, argv, "--callback");

  const asor::sparse_matrix A = asor::poisson2d(grid);
  const asor::vector b = A * asor::vector::Ones(A.rows());
  const auto n = static_cast<std::size_t>(A.rows());
  const auto nnz = static_cast<std::size_t>(A.nonZeros());
  const asor::csr_arrays arrays{A.rows(),
                                A.cols(),
                                {A.outerIndexPtr(), n + 1},
                                {A.innerIndexPtr(), nnz},
                                {A.valuePtr(), nnz}};

  std::vector<double> seconds, solve_seconds;
  std::vector<long long> sweeps;
  std::vector<std::string> status;
  for (int k = 0; k < calls; ++k) {
    const auto t0 = steady::now();
    asor::validate_matrix(arrays);
    std::vector<double> inv_diag(n);
    for (std::size_t i = 0; i < n; ++i) {
      for (int p = A.outerIndexPtr()[i]; p < A.outerIndexPtr()[i + 1]; ++p) {
        if (static_cast<std::size_t>(A.innerIndexPtr()[p]) == i) {
          inv_diag[i] = 1.0 / A.valuePtr()[p];
        }
      }
    }
    std::vector<double> x(n, 0.0);
    asor::engine e(asor::view_of(A, inv_diag), o);
    if (callback)
      e.on_progress([](const asor::progress&) { return asor::callback_action::proceed; });
    const asor::solve_report r = e.solve({b.data(), n}, x);
    seconds.push_back(std::chrono::duration<double>(steady::now() - t0).count());
    solve_seconds.push_back(r.solve_seconds);
    sweeps.push_back(static_cast<long long>(r.sweeps.min));
    status.emplace_back(asor::to_string(r.reason));
  }
  std::printf("{\"seconds\": [");
  for (std::size_t k = 0; k < seconds.size(); ++k) std::printf("%s%.9g", k ? ", " : "", seconds[k]);
  std::printf("], \"solve_seconds\": [");
  for (std::size_t k = 0; k < seconds.size(); ++k) {
    std::printf("%s%.9g", k ? ", " : "", solve_seconds[k]);
  }
  std::printf("], \"sweeps\": [");
  for (std::size_t k = 0; k < seconds.size(); ++k) std::printf("%s%lld", k ? ", " : "", sweeps[k]);
  std::printf("], \"status\": [");
  for (std::size_t k = 0; k < seconds.size(); ++k) {
    std::printf("%s\"%s\"", k ? ", " : "", status[k].c_str());
  }
  std::printf("]}\n");
  return 0;
}
