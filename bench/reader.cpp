/// \file reader.cpp
/// \brief asor::io::read_matrix_market against Eigen's loadMarket (unsupported/SparseExtra).
///
/// Two files: a generated 1000 x 1000 five-point Poisson-like matrix (n = 10^6, about 3 x 10^6
/// stored entries of the lower triangle, values with 17 significant digits), written once to
/// $TMPDIR (default /tmp) and reused; and the largest real matrix of the development set
/// ($ASOR_MATRICES_DIR/bcsstk16.mtx, default ../shared/data/matrices/bcsstk16.mtx; skipped when
/// absent). Both readers produce the same type (row-major, int indices). asor mirrors the
/// symmetric file into the full matrix and checks every entry; loadMarket stores the lower
/// triangle as given and checks nothing, so asor does more work per entry.
///
/// Run: bench_reader --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
/// The last lines print loadMarket time / asor time per file (medians when repeated), real and
/// CPU time (single-threaded: on a busy machine the CPU-time ratio is the steadier one).

#include <benchmark/benchmark.h>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <unsupported/Eigen/SparseExtra>
#include <utility>
#include <vector>

#include "asor/io/matrix_market.hpp"

namespace {

/// Writes the 1000 x 1000 grid matrix (lower triangle, column by column) unless present.
std::string poisson_file() {
  const char* tmp = std::getenv("TMPDIR");
  const std::filesystem::path path =
      std::filesystem::path(tmp != nullptr ? tmp : "/tmp") / "asor_bench_poisson_1000x1000.mtx";
  if (std::filesystem::exists(path)) {
    return path.string();
  }
  constexpr int side = 1000;
  constexpr int n = side * side;
  std::uint64_t state = 12345;
  const auto jitter = [&state] {  // deterministic values in [0, 1e-3)
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11U) * 0x1.0p-53 * 1e-3;
  };
  std::int64_t count = 0;
  for (int j = 0; j < n; ++j) {
    count += 1 + (j % side != side - 1 ? 1 : 0) + (j + side < n ? 1 : 0);
  }
  const std::string partial = path.string() + ".partial";
  std::FILE* out = std::fopen(partial.c_str(), "wb");
  if (out == nullptr) {
    std::cerr << "cannot write " << partial << "\n";
    std::exit(1);
  }
  std::string text = "%%MatrixMarket matrix coordinate real symmetric\n% 2D five-point grid " +
                     std::to_string(side) + " x " + std::to_string(side) + "\n" +
                     std::to_string(n) + " " + std::to_string(n) + " " + std::to_string(count) +
                     "\n";
  char line[96];
  const auto put = [&](int i, int j, double v) {
    char* p = line;
    p = std::to_chars(p, line + sizeof line, i + 1).ptr;
    *p++ = ' ';
    p = std::to_chars(p, line + sizeof line, j + 1).ptr;
    *p++ = ' ';
    p = std::to_chars(p, line + sizeof line, v, std::chars_format::general, 17).ptr;
    *p++ = '\n';
    text.append(line, p);
  };
  for (int j = 0; j < n; ++j) {
    put(j, j, 4.0 + jitter());
    if (j % side != side - 1) {
      put(j + 1, j, -1.0 + jitter());
    }
    if (j + side < n) {
      put(j + side, j, -1.0 + jitter());
    }
    if (text.size() > (std::size_t{1} << 22)) {
      std::fwrite(text.data(), 1, text.size(), out);
      text.clear();
    }
  }
  std::fwrite(text.data(), 1, text.size(), out);
  std::fclose(out);
  std::filesystem::rename(partial, path);
  return path.string();
}

std::string real_file() {
  const char* dir = std::getenv("ASOR_MATRICES_DIR");
  return (std::filesystem::path(dir != nullptr ? dir : "../shared/data/matrices") / "bcsstk16.mtx")
      .string();
}

void set_counters(benchmark::State& state, const std::string& path, Eigen::Index stored) {
  const auto bytes = static_cast<double>(std::filesystem::file_size(path));
  state.counters["MB/s"] =
      benchmark::Counter(bytes / 1e6, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["nnz"] = static_cast<double>(stored);
}

void read_asor(benchmark::State& state, const std::string& path) {
  Eigen::Index stored = 0;
  for (auto _ : state) {
    const asor::sparse_matrix A = asor::io::read_matrix_market(path);
    stored = A.nonZeros();
    benchmark::DoNotOptimize(A.valuePtr());
  }
  set_counters(state, path, stored);
}

void read_eigen(benchmark::State& state, const std::string& path) {
  Eigen::Index stored = 0;
  for (auto _ : state) {
    asor::sparse_matrix A;
    if (!Eigen::loadMarket(A, path)) {
      state.SkipWithError("loadMarket failed");
      return;
    }
    stored = A.nonZeros();
    benchmark::DoNotOptimize(A.valuePtr());
  }
  set_counters(state, path, stored);
}

/// The console output, plus the ratio loadMarket / asor per file at the end.
class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      // Keep the median when repetitions are aggregated, else the plain run.
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name != "median") {
        continue;
      }
      const std::string name = run.run_name.function_name;  // "read/<reader>/<file>"
      const auto second = name.find('/', 5);
      times_[name.substr(second + 1)][name.substr(5, second - 5)] = {run.GetAdjustedRealTime(),
                                                                     run.GetAdjustedCPUTime()};
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    for (const auto& [file, by_reader] : times_) {
      const auto asor_time = by_reader.find("asor");
      const auto eigen_time = by_reader.find("eigen_loadMarket");
      if (asor_time != by_reader.end() && eigen_time != by_reader.end()) {
        std::printf("ratio loadMarket / asor on %s: %.2f (real time), %.2f (CPU time)\n",
                    file.c_str(), eigen_time->second.first / asor_time->second.first,
                    eigen_time->second.second / asor_time->second.second);
      }
    }
  }

 private:
  std::map<std::string, std::map<std::string, std::pair<double, double>>> times_;  // real, CPU
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  std::vector<std::pair<std::string, std::string>> files = {{"poisson_1000x1000", poisson_file()}};
  if (std::filesystem::exists(real_file())) {
    files.emplace_back("bcsstk16", real_file());
  } else {
    std::cerr << "skipping bcsstk16: " << real_file() << " not found (set ASOR_MATRICES_DIR)\n";
  }
  for (const auto& [label, path] : files) {
    benchmark::RegisterBenchmark(("read/asor/" + label).c_str(), read_asor, path)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("read/eigen_loadMarket/" + label).c_str(), read_eigen, path)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  ratio_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
