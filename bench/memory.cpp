// Peak memory of a solve against what it cannot avoid: the CSR matrix plus the solver's vectors
// (b, x, the inverse diagonal). Target (issue 6): <= 1.3x, i.e. no copy of the matrix.
//
//   for m in async sor ssor jacobi multicolor block-jacobi; do
//     build/bench/bin/bench_memory 1024 $m; done
//
// Run one method per process: within one process the allocator may reuse pages a previous
// method freed, and the later methods' peaks then look smaller than they are.
//
// Measures VmHWM from /proc/self/status after resetting it (/proc/self/clear_refs = 5) once the
// matrix and b exist, so the generator's temporaries do not count. One JSON line per method.

#include <asor/asor.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace {

long status_kb(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(key, 0) == 0) return std::stol(line.substr(line.find(':') + 1));
  }
  return -1;
}

void reset_peak() { std::ofstream("/proc/self/clear_refs") << "5"; }

}  // namespace

int main(int argc, char** argv) {
  const int m = argc > 1 ? std::atoi(argv[1]) : 1024;
  std::vector<std::string> methods;
  for (int k = 2; k < argc; ++k) methods.emplace_back(argv[k]);
  if (methods.empty()) methods = {"async", "sor", "ssor", "jacobi", "multicolor", "block-jacobi"};
  const asor::sparse_matrix A = asor::poisson2d(m);
  const asor::vector b = asor::vector::Ones(A.rows());
  const double n = static_cast<double>(A.rows());
  const double csr_kb = (static_cast<double>(A.nonZeros()) * 12.0 + (n + 1.0) * 4.0) / 1024.0;
  const double vectors_kb = 3.0 * n * 8.0 / 1024.0;  // b, x, inverse diagonal
  for (const std::string& name : methods) {
    const auto method = asor::method_from_string(name);
    if (!method) {
      std::fprintf(stderr, "bench_memory: unknown method '%s'\n", name.c_str());
      return 2;
    }
    reset_peak();
    const long before_kb = status_kb("VmRSS") - static_cast<long>(csr_kb + n * 8.0 / 1024.0);
    {
      asor::solver_options o;
      o.method = *method;
      o.threads = 2;
      o.omega = 1.0;
      o.stop.max_sweeps = 20;
      const std::vector<double> inv = asor::inverse_diagonal(A);
      asor::engine e(asor::view_of(A, inv), o);
      asor::vector x = asor::vector::Zero(A.rows());
      const auto size = static_cast<std::size_t>(A.rows());
      (void)e.solve({b.data(), size}, {x.data(), size});
    }
    const long peak_kb = status_kb("VmHWM");
    // Process baseline (code, libraries, allocator) is what RSS held besides A and b.
    const double solve_peak_kb = static_cast<double>(peak_kb - before_kb);
    std::printf(
        "{\"method\":\"%s\",\"n\":%.0f,\"nnz\":%lld,\"csr_kb\":%.0f,\"vectors_kb\":%.0f,"
        "\"peak_kb_above_baseline\":%.0f,\"ratio\":%.3f}\n",
        name.c_str(), n, static_cast<long long>(A.nonZeros()), csr_kb, vectors_kb, solve_peak_kb,
        solve_peak_kb / (csr_kb + vectors_kb));
  }
  return 0;
}
