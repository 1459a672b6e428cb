// bench_python_baseline: the C++ side of bench/python_bench.py as a program (the function of
// bench/baseline/python_baseline.cpp, which the script calls in its own process through ctypes).
//
//   bench_python_baseline --grid M --method NAME --threads T --omega W --max-sweeps S
//                         --tol TOL --calls N [--progress-interval P --callback]
//
// Prints one JSON line: {"seconds": [wall time of each call], "solve_seconds": [...],
// "sweeps": [...]} for 2D Poisson on an M x M grid, b = A * ones, x0 = 0.

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "baseline/python_baseline.h"

namespace {

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

void print_value(double v) { std::printf("%.9g", v); }
void print_value(long long v) { std::printf("%lld", v); }

template <typename T>
void print_list(const char* key, const std::vector<T>& v, bool last) {
  std::printf("\"%s\": [", key);
  for (std::size_t k = 0; k < v.size(); ++k) {
    if (k != 0) std::printf(", ");
    print_value(v[k]);
  }
  std::printf(last ? "]" : "], ");
}

}  // namespace

int main(int argc, char** argv) {
  const int grid = std::atoi(arg_value(argc, argv, "--grid", "32").c_str());
  const int calls = std::atoi(arg_value(argc, argv, "--calls", "100").c_str());
  const std::string method = arg_value(argc, argv, "--method", "sor");
  const auto n = static_cast<std::size_t>(calls < 1 ? 0 : calls);
  std::vector<double> seconds(n), solve_seconds(n);
  std::vector<long long> sweeps(n);
  const int status =
      calls < 1
          ? 2
          : asor_python_baseline(
                grid, method.c_str(), std::atoi(arg_value(argc, argv, "--threads", "2").c_str()),
                std::atof(arg_value(argc, argv, "--omega", "1.0").c_str()),
                std::atoll(arg_value(argc, argv, "--max-sweeps", "1").c_str()),
                std::atof(arg_value(argc, argv, "--tol", "1e-8").c_str()),
                std::atof(arg_value(argc, argv, "--progress-interval", "0.1").c_str()),
                has_flag(argc, argv, "--callback") ? 1 : 0, calls, seconds.data(),
                solve_seconds.data(), sweeps.data());
  if (status == 2) {
    std::fprintf(stderr,
                 "usage: bench_python_baseline --grid M --method NAME --threads T --omega W "
                 "--max-sweeps S --tol TOL --calls N [--progress-interval P --callback]\n");
    return 2;
  }
  if (status != 0) {
    std::fprintf(stderr, "bench_python_baseline: a solve failed\n");
    return 1;
  }
  std::printf("{");
  print_list("seconds", seconds, false);
  print_list("solve_seconds", solve_seconds, false);
  print_list("sweeps", sweeps, true);
  std::printf("}\n");
  return 0;
}
