/// \file kernels.cpp
/// \brief Microbenchmarks of the kernel of asor and of what an asynchronous worker pays around it.
///
/// What it measures (Google Benchmark; counters in the JSON output):
///  - stream_copy / stream_triad: a STREAM-like bandwidth probe with OpenMP, 1..T threads, three
///    arrays of ASOR_STREAM_MB (default 512) MB each, far larger than the last-level cache;
///    STREAM's byte counting (copy 16 B, triad 24 B per element). A second triad with 3 x 32 MB
///    arrays (the footprint of one 2D Poisson 1024^2 sweep) shows how much a large shared LLC
///    helps.
///  - sweep/<access>/<direction>: one SOR sweep over all rows of 2D Poisson 1024^2
///    (asor::poisson2d(1024), 1,048,576 rows, 5,238,784 entries) with plain loads/stores
///    (plain_access, the sequential method) or std::atomic_ref relaxed accesses (relaxed_access,
///    the asynchronous method), forward or symmetric; the provisional residual is computed in the
///    same pass, as in a solve. bytes = csr_view::sweep_bytes.
///  - sweep_block: one forward sweep over one block of the default async partition (8 blocks at
///    2 threads), relaxed.
///  - sweep_parallel/<T>: T threads each sweeping its own contiguous part with relaxed accesses at
///    the same time (the asynchronous engine's steady state, without the coordinator).
///  - pipeline/<matrix>/t:<t>: 8 forward SOR sweeps per iteration, as 8 / t pipelined passes of t
///    sweeps (sor_pipeline; t = 1 is sor_sweep, the kernel of one sweep per pass), plain access,
///    b = 1, on 2D Poisson 1024^2, 3D Poisson 64^3 and 96^3 (natural order) and on the three
///    largest matrices of $ASOR_MATRICES_DIR (bcsstk16, bcsstk25, bcsstk18) in reverse
///    Cuthill-McKee order. Counters: ms per sweep, GB/s (csr_view::sweep_bytes x 8 / time), the
///    lag, the window of a pass in bytes, the automatic choice. The summary prints per-sweep time,
///    the speed-up over t = 1 and the fraction of the 1-thread triad (medians of repetitions; run
///    with --benchmark_enable_random_interleaving=true so that the variants interleave).
///  - residual_sq (one thread) and residual_norm (OpenMP, T threads).
///  - publish: what a worker does per provisional result (clock read, three slot stores, an spsc
///    push, a counter increment), with the ring drained in-thread (uncontended) or by a consumer
///    thread spinning on it (the worst case of cache-line traffic).
///  - cancel_latency: asynchronous solves of 2D Poisson 1000^2 with 2 threads, cancelled from
///    another thread after 20 ms; the counters are the median and maximum over the solves of
///    solve_report::cancel_latency_seconds (from the coordinator's stop decision to the last worker
///    returned).
///
/// At the end it prints every sweep's bandwidth as a fraction of the measured triad bandwidth at
/// the same thread count (medians over repetitions), and with --summary_out=FILE writes them as
/// JSON. Run (what docs/performance.md used):
///   bench_kernels --benchmark_repetitions=5 --benchmark_out=kernels.json
///                 --benchmark_out_format=json --summary_out=kernels_summary.json

#include <benchmark/benchmark.h>
#include <omp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/lockfree/spsc_queue.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "asor/asor.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

/// Medians over repetitions of each benchmark's bandwidth, filled as benchmarks run.
std::map<std::string, std::vector<double>>& bandwidth_log() {
  static std::map<std::string, std::vector<double>> log;
  return log;
}
std::map<std::string, std::vector<double>>& value_log() {
  static std::map<std::string, std::vector<double>> log;
  return log;
}

double median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const std::size_t h = v.size() / 2;
  return v.size() % 2 == 1 ? v[h] : 0.5 * (v[h - 1] + v[h]);
}

/// CPU time of the calling thread: on a shared machine, single-threaded kernels are also reported
/// per CPU second (time the thread actually ran), which is steadier than wall time.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

std::map<std::string, std::vector<double>>& cpu_bandwidth_log() {
  static std::map<std::string, std::vector<double>> log;
  return log;
}

int max_threads() { return std::max(1, asor::default_threads()); }

/// A problem held for the whole run: matrix, inverse diagonal, view, b = 1, x = 0.
struct problem {
  asor::sparse_matrix A;
  std::vector<double> inv_diag;
  asor::csr_view view;
  std::vector<double> b;
  std::vector<double> x;
  // Eigen 3.4's SparseMatrix has no move constructor: swap instead of a copy.
  explicit problem(asor::sparse_matrix m) {
    A.swap(m);
    inv_diag = asor::inverse_diagonal(A);
    view = asor::view_of(A, inv_diag);
    const auto n = static_cast<std::size_t>(A.rows());
    b.assign(n, 0.0);
    x.assign(n, 0.0);
    // b = 1 (a uniform source). Not b = A * 1: for Poisson that is zero in the interior, and
    // sweeps from x = 0 then crawl through subnormal values, which are many times slower.
    b.assign(n, 1.0);
  }
};

problem& poisson1024() {
  static problem p(asor::poisson2d(1024));
  return p;
}

// ---------------------------------------------------------------------------------------------
// Bandwidth probe.

struct stream_arrays {
  std::size_t n = 0;
  std::unique_ptr<double[]> a, b, c;
  explicit stream_arrays(std::size_t elems) : n(elems) {
    a = std::make_unique_for_overwrite<double[]>(n);
    b = std::make_unique_for_overwrite<double[]>(n);
    c = std::make_unique_for_overwrite<double[]>(n);
    const auto ln = static_cast<std::int64_t>(n);
#pragma omp parallel for schedule(static) num_threads(max_threads())
    for (std::int64_t i = 0; i < ln; ++i) {  // first touch by the threads that stream them
      a[static_cast<std::size_t>(i)] = 1.0;
      b[static_cast<std::size_t>(i)] = 2.0;
      c[static_cast<std::size_t>(i)] = 0.0;
    }
  }
};

stream_arrays& big_arrays() {
  const char* env = std::getenv("ASOR_STREAM_MB");
  const std::size_t mb = env != nullptr ? std::strtoull(env, nullptr, 10) : 512;
  static stream_arrays s(mb * (std::size_t{1} << 20) / sizeof(double));
  return s;
}
stream_arrays& llc_arrays() {
  static stream_arrays s(32 * (std::size_t{1} << 20) / sizeof(double));
  return s;
}

void record_bandwidth(benchmark::State& state, const std::string& key, double bytes_per_iter) {
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes_per_iter) * state.iterations());
  state.counters["bytes_per_iter"] = bytes_per_iter;
  state.counters["GBps"] = benchmark::Counter(
      bytes_per_iter * 1e-9 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  (void)key;
}

void log_rate(const std::string& key, double bytes, double seconds, double cpu_seconds) {
  bandwidth_log()[key].push_back(bytes / seconds * 1e-9);
  cpu_bandwidth_log()[key].push_back(bytes / cpu_seconds * 1e-9);
}

void stream_copy(benchmark::State& state) {
  stream_arrays& s = big_arrays();
  const int t = static_cast<int>(state.range(0));
  const auto n = static_cast<std::int64_t>(s.n);
  double* a = s.a.get();
  double* c = s.c.get();
  double total = 0.0;
  const double cpu0 = thread_cpu_seconds();
  for (auto _ : state) {
    const auto t0 = clock_type::now();
#pragma omp parallel for schedule(static) num_threads(t)
    for (std::int64_t i = 0; i < n; ++i) c[i] = a[i];
    total += std::chrono::duration<double>(clock_type::now() - t0).count();
    benchmark::ClobberMemory();
  }
  const double bytes = 16.0 * static_cast<double>(n);
  record_bandwidth(state, "", bytes);
  log_rate("stream_copy/" + std::to_string(t), bytes * static_cast<double>(state.iterations()),
           total, thread_cpu_seconds() - cpu0);
}

void triad(benchmark::State& state, stream_arrays& s, const std::string& name) {
  const int t = static_cast<int>(state.range(0));
  const auto n = static_cast<std::int64_t>(s.n);
  double* a = s.a.get();
  const double* b = s.b.get();
  const double* c = s.c.get();
  const double q = 3.0;
  double total = 0.0;
  const double cpu0 = thread_cpu_seconds();
  for (auto _ : state) {
    const auto t0 = clock_type::now();
#pragma omp parallel for schedule(static) num_threads(t)
    for (std::int64_t i = 0; i < n; ++i) a[i] = b[i] + q * c[i];
    total += std::chrono::duration<double>(clock_type::now() - t0).count();
    benchmark::ClobberMemory();
  }
  const double bytes = 24.0 * static_cast<double>(n);
  record_bandwidth(state, "", bytes);
  log_rate(name + "/" + std::to_string(t), bytes * static_cast<double>(state.iterations()), total,
           thread_cpu_seconds() - cpu0);
}

void stream_triad(benchmark::State& state) { triad(state, big_arrays(), "stream_triad"); }
void stream_triad_llc(benchmark::State& state) { triad(state, llc_arrays(), "stream_triad_96MB"); }

// ---------------------------------------------------------------------------------------------
// Sweeps.

template <class Access>
void sweep_all(benchmark::State& state, asor::sweep_direction dir, const std::string& name) {
  problem& p = poisson1024();
  std::fill(p.x.begin(), p.x.end(), 0.0);
  const int n = p.view.rows;
  double bytes = p.view.sweep_bytes(0, n);
  if (dir == asor::sweep_direction::symmetric) bytes *= 2.0;
  double total = 0.0;
  const double cpu0 = thread_cpu_seconds();
  double res = 0.0;
  for (auto _ : state) {
    const auto t0 = clock_type::now();
    const asor::sweep_result r =
        asor::sor_sweep(p.view, p.b.data(), Access{p.x.data()}, 0, n, 1.0, dir);
    total += std::chrono::duration<double>(clock_type::now() - t0).count();
    res = r.residual_sq;
    benchmark::DoNotOptimize(res);
  }
  record_bandwidth(state, name, bytes);
  const double per_sweep = total / static_cast<double>(state.iterations());
  state.counters["ns_per_row"] =
      per_sweep * 1e9 / (dir == asor::sweep_direction::symmetric ? 2.0 * n : n);
  log_rate(name + "/1", bytes * static_cast<double>(state.iterations()), total,
           thread_cpu_seconds() - cpu0);
  value_log()[name + "/ns_per_row"].push_back(state.counters["ns_per_row"].value);
}

void sweep_plain_forward(benchmark::State& s) {
  sweep_all<asor::plain_access>(s, asor::sweep_direction::forward, "sweep/plain/forward");
}
void sweep_relaxed_forward(benchmark::State& s) {
  sweep_all<asor::relaxed_access>(s, asor::sweep_direction::forward, "sweep/relaxed/forward");
}
void sweep_plain_symmetric(benchmark::State& s) {
  sweep_all<asor::plain_access>(s, asor::sweep_direction::symmetric, "sweep/plain/symmetric");
}
void sweep_relaxed_symmetric(benchmark::State& s) {
  sweep_all<asor::relaxed_access>(s, asor::sweep_direction::symmetric, "sweep/relaxed/symmetric");
}

/// A textbook forward SOR row: one running sum over the whole row, the entry written by the row
/// just before included in it (asor's kernel before the chained, four-sum row_sum), kept here to
/// show the kernel's gain in the same run.
template <class Access>
double textbook_sweep(const asor::csr_view& A, const double* b, Access x, double omega) {
  const int* col = A.col_idx.data();
  const double* val = A.values.data();
  double acc = 0.0;
  for (int i = 0; i < A.rows; ++i) {
    double sigma = 0.0;
    for (int k = A.row_ptr[static_cast<std::size_t>(i)];
         k < A.row_ptr[static_cast<std::size_t>(i) + 1]; ++k) {
      sigma += val[k] * x.load(col[k]);
    }
    const double r = b[i] - sigma;
    x.store(i, x.load(i) + omega * A.inv_diag[static_cast<std::size_t>(i)] * r);
    acc += r * r;
  }
  return acc;
}

template <class Access>
void sweep_unchained(benchmark::State& state, const std::string& name) {
  problem& p = poisson1024();
  std::fill(p.x.begin(), p.x.end(), 0.0);
  const int n = p.view.rows;
  const double bytes = p.view.sweep_bytes(0, n);
  double total = 0.0;
  const double cpu0 = thread_cpu_seconds();
  for (auto _ : state) {
    const auto t0 = clock_type::now();
    const double acc = textbook_sweep(p.view, p.b.data(), Access{p.x.data()}, 1.0);
    total += std::chrono::duration<double>(clock_type::now() - t0).count();
    benchmark::DoNotOptimize(acc);
  }
  record_bandwidth(state, name, bytes);
  state.counters["ns_per_row"] = total * 1e9 / static_cast<double>(state.iterations()) / n;
  log_rate(name + "/1", bytes * static_cast<double>(state.iterations()), total,
           thread_cpu_seconds() - cpu0);
  value_log()[name + "/ns_per_row"].push_back(state.counters["ns_per_row"].value);
}
void sweep_plain_unchained(benchmark::State& s) {
  sweep_unchained<asor::plain_access>(s, "sweep_textbook/plain/forward");
}
void sweep_relaxed_unchained(benchmark::State& s) {
  sweep_unchained<asor::relaxed_access>(s, "sweep_textbook/relaxed/forward");
}

/// bcsstk16 (4884 rows, 59 entries per row, 3.5 MB: in cache), where the cost of a row is its
/// sum, not memory: asor's kernel against the textbook row, plain and relaxed. Skipped when the
/// file is absent ($ASOR_MATRICES_DIR, default ../shared/data/matrices).
std::string real_matrix_path() {
  const char* dir = std::getenv("ASOR_MATRICES_DIR");
  return std::string(dir != nullptr ? dir : "../shared/data/matrices") + "/bcsstk16.mtx";
}

problem& bcsstk16() {
  static problem p(asor::io::read_matrix_market(real_matrix_path()));
  return p;
}

template <class Access, bool Textbook>
void sweep_real(benchmark::State& state, const std::string& name) {
  problem& p = bcsstk16();
  std::fill(p.x.begin(), p.x.end(), 0.0);
  const int n = p.view.rows;
  double total = 0.0;
  for (auto _ : state) {
    const auto t0 = clock_type::now();
    double acc = 0.0;
    if constexpr (Textbook) {
      acc = textbook_sweep(p.view, p.b.data(), Access{p.x.data()}, 1.0);
    } else {
      acc = asor::sor_sweep(p.view, p.b.data(), Access{p.x.data()}, 0, n, 1.0,
                            asor::sweep_direction::forward)
                .residual_sq;
    }
    total += std::chrono::duration<double>(clock_type::now() - t0).count();
    benchmark::DoNotOptimize(acc);
  }
  const double per_sweep = total / static_cast<double>(state.iterations());
  state.counters["ns_per_nnz"] = per_sweep * 1e9 / static_cast<double>(p.A.nonZeros());
  value_log()[name + "/ns_per_nnz"].push_back(state.counters["ns_per_nnz"].value);
}

/// One block of the default async partition at 2 threads (4 blocks per thread).
void sweep_block(benchmark::State& state) {
  problem& p = poisson1024();
  const asor::partition part = asor::partition::balanced_by_nnz(p.view, 8);
  const int lo = part.begin(3);
  const int hi = part.end(3);
  const double bytes = p.view.sweep_bytes(lo, hi);
  double total = 0.0;
  const double cpu0 = thread_cpu_seconds();
  for (auto _ : state) {
    const auto t0 = clock_type::now();
    auto r = asor::sor_sweep(p.view, p.b.data(), asor::relaxed_access{p.x.data()}, lo, hi, 1.0,
                             asor::sweep_direction::forward);
    total += std::chrono::duration<double>(clock_type::now() - t0).count();
    benchmark::DoNotOptimize(r);
  }
  record_bandwidth(state, "", bytes);
  state.counters["rows"] = hi - lo;
  state.counters["ns_per_row"] =
      total * 1e9 / static_cast<double>(state.iterations()) / static_cast<double>(hi - lo);
  log_rate("sweep_block/relaxed/forward/1", bytes * static_cast<double>(state.iterations()), total,
           thread_cpu_seconds() - cpu0);
}

/// T threads sweep their own part of x concurrently with relaxed accesses, as async workers do.
void sweep_parallel(benchmark::State& state) {
  problem& p = poisson1024();
  const int t = static_cast<int>(state.range(0));
  const int n = p.view.rows;
  const asor::partition part = asor::partition::balanced_by_nnz(p.view, t);
  const double bytes = p.view.sweep_bytes(0, n);
  double total = 0.0;
  const double cpu0 = thread_cpu_seconds();
  for (auto _ : state) {
    const auto t0 = clock_type::now();
#pragma omp parallel num_threads(t)
    {
      const int w = omp_get_thread_num();
      auto r = asor::sor_sweep(p.view, p.b.data(), asor::relaxed_access{p.x.data()}, part.begin(w),
                               part.end(w), 1.0, asor::sweep_direction::forward);
      benchmark::DoNotOptimize(r);
    }
    total += std::chrono::duration<double>(clock_type::now() - t0).count();
  }
  record_bandwidth(state, "", bytes);
  state.counters["ns_per_row_per_thread"] =
      total * 1e9 * t / static_cast<double>(state.iterations()) / static_cast<double>(n);
  log_rate("sweep_parallel/relaxed/forward/" + std::to_string(t),
           bytes * static_cast<double>(state.iterations()), total, thread_cpu_seconds() - cpu0);
}

// ---------------------------------------------------------------------------------------------
// Pipelined sweeps (issue 12).

/// A matrix for the pipeline benchmarks: owned CSR (natural or RCM order), b = 1, x.
struct pipeline_problem {
  std::string name;
  asor::permuted_matrix csr;  // the matrix the sweeps run on (identity or RCM permutation)
  asor::csr_view view;
  std::vector<double> b;
  std::vector<double> x;
  int lag = 1;
};

std::string matrices_dir() {
  const char* dir = std::getenv("ASOR_MATRICES_DIR");
  return dir != nullptr ? dir : "../shared/data/matrices";
}

/// The problem named \p spec: poisson2d:M, poisson3d:M (natural order) or a .mtx file of
/// matrices_dir() (RCM order); built once.
pipeline_problem& pipeline_matrix(const std::string& spec) {
  static std::map<std::string, std::unique_ptr<pipeline_problem>> cache;
  auto& slot = cache[spec];
  if (slot) return *slot;
  auto p = std::make_unique<pipeline_problem>();
  p->name = spec;
  asor::sparse_matrix A;
  bool rcm = false;
  if (spec.rfind("poisson2d:", 0) == 0) {
    A = asor::poisson2d(std::stoi(spec.substr(10)));
  } else if (spec.rfind("poisson3d:", 0) == 0) {
    A = asor::poisson3d(std::stoi(spec.substr(10)));
  } else {
    A = asor::io::read_matrix_market(matrices_dir() + "/" + spec + ".mtx");
    rcm = true;
  }
  A.makeCompressed();
  const std::vector<double> inv = asor::inverse_diagonal(A);
  const asor::csr_view v = asor::view_of(A, inv);
  std::vector<int> order(static_cast<std::size_t>(v.rows));
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  if (rcm) order = asor::reverse_cuthill_mckee(v);
  p->csr = asor::permute(v, order);
  p->view = p->csr.view();
  p->b.assign(static_cast<std::size_t>(v.rows), 1.0);
  p->x.assign(static_cast<std::size_t>(v.rows), 0.0);
  p->lag = asor::pipeline_lag(p->view, 0, p->view.rows);
  slot = std::move(p);
  return *slot;
}

std::vector<std::string> pipeline_specs() {
  std::vector<std::string> specs = {"poisson2d:1024", "poisson3d:64", "poisson3d:96"};
  for (const char* m : {"bcsstk16", "bcsstk25", "bcsstk18"}) {
    if (std::ifstream(matrices_dir() + "/" + m + ".mtx").good()) specs.emplace_back(m);
  }
  return specs;
}

/// 8 forward sweeps per iteration, in passes of t.
void pipeline_sweeps(benchmark::State& state, const std::string& spec, int t) {
  pipeline_problem& p = pipeline_matrix(spec);
  std::fill(p.x.begin(), p.x.end(), 0.0);
  const asor::csr_view& A = p.view;
  const std::array<int, 2> whole{0, A.rows};
  constexpr int sweeps = 8;
  double total = 0.0;
  const double cpu0 = thread_cpu_seconds();
  for (auto _ : state) {
    const auto t0 = clock_type::now();
    double acc = 0.0;
    for (int done = 0; done < sweeps; done += t) {
      if (t == 1) {
        acc += asor::sor_sweep(A, p.b.data(), asor::plain_access{p.x.data()}, 0, A.rows, 1.0,
                               asor::sweep_direction::forward)
                   .residual_sq;
      } else {
        acc += asor::sor_pipeline(A, p.b.data(), asor::plain_access{p.x.data()}, whole, t, p.lag,
                                  1.0, asor::sweep_direction::forward)
                   .residual_sq[0];
      }
    }
    total += std::chrono::duration<double>(clock_type::now() - t0).count();
    benchmark::DoNotOptimize(acc);
  }
  const double bytes = A.sweep_bytes(0, A.rows);
  record_bandwidth(state, "", bytes * sweeps);
  const double per_sweep = total / static_cast<double>(state.iterations()) / sweeps;
  const double row_bytes = bytes / A.rows;
  state.counters["ms_per_sweep"] = per_sweep * 1e3;
  state.counters["lag"] = p.lag;
  state.counters["window_bytes"] = ((t - 1.0) * p.lag + 2.0 * (p.lag - 1) + 1.0) * row_bytes;
  state.counters["rows"] = A.rows;
  state.counters["auto_t"] =
      asor::automatic_pipeline_sweeps(A, 0, A.rows, p.lag, asor::detect_cache_sizes());
  const std::string key = "pipeline/" + spec + "/t:" + std::to_string(t);
  value_log()[key + "/ms_per_sweep"].push_back(per_sweep * 1e3);
  log_rate(key + "/1", bytes * sweeps * static_cast<double>(state.iterations()), total,
           thread_cpu_seconds() - cpu0);
}

void residual_sq_bench(benchmark::State& state) {
  problem& p = poisson1024();
  const int n = p.view.rows;
  // Bytes: values + columns + row pointers + x + b (no inv_diag, nothing written).
  const double bytes = static_cast<double>(p.view.nnz()) * 12.0 + n * (4.0 + 16.0);
  double total = 0.0;
  const double cpu0 = thread_cpu_seconds();
  for (auto _ : state) {
    const auto t0 = clock_type::now();
    double r = asor::residual_sq(p.view, p.b.data(), p.x.data(), 0, n);
    total += std::chrono::duration<double>(clock_type::now() - t0).count();
    benchmark::DoNotOptimize(r);
  }
  record_bandwidth(state, "", bytes);
  log_rate("residual_sq/1", bytes * static_cast<double>(state.iterations()), total,
           thread_cpu_seconds() - cpu0);
}

void residual_norm_bench(benchmark::State& state) {
  problem& p = poisson1024();
  const int t = static_cast<int>(state.range(0));
  const int n = p.view.rows;
  const double bytes = static_cast<double>(p.view.nnz()) * 12.0 + n * (4.0 + 16.0);
  omp_set_num_threads(t);
  double total = 0.0;
  const double cpu0 = thread_cpu_seconds();
  for (auto _ : state) {
    const auto t0 = clock_type::now();
    double r = asor::residual_norm(p.view, p.b, p.x);
    total += std::chrono::duration<double>(clock_type::now() - t0).count();
    benchmark::DoNotOptimize(r);
  }
  omp_set_num_threads(max_threads());
  record_bandwidth(state, "", bytes);
  log_rate("residual_norm/" + std::to_string(t), bytes * static_cast<double>(state.iterations()),
           total, thread_cpu_seconds() - cpu0);
}

// ---------------------------------------------------------------------------------------------
// Provisional publication: the worker's side, as in src/asor/async_engine.cpp.

struct alignas(64) block_slot {
  std::atomic<std::int64_t> sweeps{0};
  std::atomic<double> residual_sq{0.0};
  std::atomic<double> seconds{0.0};
};
using result_ring = boost::lockfree::spsc_queue<asor::provisional_result>;

void publish(benchmark::State& state) {
  const bool consumer_thread = state.range(0) != 0;
  result_ring ring(8192);
  block_slot slot;
  std::atomic<std::int64_t> published{0};
  std::atomic<std::int64_t> dropped{0};
  std::atomic<bool> done{false};
  std::thread consumer;
  if (consumer_thread) {
    consumer = std::thread([&] {
      asor::provisional_result r;
      while (!done.load(std::memory_order_relaxed)) {
        while (ring.pop(r)) benchmark::DoNotOptimize(r);
        benchmark::DoNotOptimize(slot.sweeps.load(std::memory_order_acquire));
      }
    });
  }
  const auto t0 = clock_type::now();
  std::int64_t count = 0;
  asor::provisional_result sink;
  for (auto _ : state) {
    ++count;
    const double residual_sq = 1.0 / static_cast<double>(count);
    const asor::provisional_result result{
        3, 0, count, residual_sq, std::chrono::duration<double>(clock_type::now() - t0).count()};
    slot.residual_sq.store(residual_sq, std::memory_order_relaxed);
    slot.seconds.store(result.seconds, std::memory_order_relaxed);
    slot.sweeps.store(count, std::memory_order_release);
    if (!ring.push(result)) dropped.fetch_add(1, std::memory_order_relaxed);
    published.fetch_add(1, std::memory_order_relaxed);
    if (!consumer_thread) {
      while (ring.pop(sink)) benchmark::DoNotOptimize(sink);
    }
  }
  done.store(true);
  if (consumer.joinable()) consumer.join();
  state.counters["dropped_fraction"] =
      static_cast<double>(dropped.load()) / static_cast<double>(std::max<std::int64_t>(1, count));
}

// ---------------------------------------------------------------------------------------------
// Cancel latency: asynchronous solves of 2D Poisson 1000^2 with 2 threads, cancelled after 20 ms.

void cancel_latency(benchmark::State& state) {
  static problem p(asor::poisson2d(1000));
  const int t = static_cast<int>(state.range(0));
  asor::solver_options o;
  o.method = asor::method::async;
  o.threads = t;
  o.omega = 1.0;
  o.stop.tolerance = 1e-14;
  asor::engine eng(p.view, o);
  std::vector<double> lat;
  for (auto _ : state) {
    std::fill(p.x.begin(), p.x.end(), 0.0);
    std::thread canceller([&eng] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      eng.cancel();
    });
    const asor::solve_report r = eng.solve(p.b, p.x);
    canceller.join();
    if (r.reason != asor::stop_reason::cancelled) {
      state.SkipWithError("solve was not cancelled");
      break;
    }
    lat.push_back(r.cancel_latency_seconds);
    state.SetIterationTime(r.cancel_latency_seconds);
  }
  if (lat.empty()) return;
  state.counters["median_latency_ms"] = median(lat) * 1e3;
  state.counters["max_latency_ms"] = *std::max_element(lat.begin(), lat.end()) * 1e3;
  state.counters["solves"] = static_cast<double>(lat.size());
  for (const double l : lat)
    value_log()["cancel_latency_ms/" + std::to_string(t)].push_back(l * 1e3);
}

void threads(benchmark::internal::Benchmark* b) {
  for (int t = 1; t <= max_threads(); ++t) b->Arg(t);
}

void register_all() {
  const int T = max_threads();
  benchmark::RegisterBenchmark("stream_copy", stream_copy)
      ->Apply(threads)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("stream_triad", stream_triad)
      ->Apply(threads)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("stream_triad_96MB", stream_triad_llc)
      ->Apply(threads)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("sweep/plain/forward", sweep_plain_forward)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("sweep/relaxed/forward", sweep_relaxed_forward)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("sweep/plain/symmetric", sweep_plain_symmetric)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("sweep/relaxed/symmetric", sweep_relaxed_symmetric)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("sweep_textbook/plain/forward", sweep_plain_unchained)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("sweep_textbook/relaxed/forward", sweep_relaxed_unchained)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  if (std::ifstream(real_matrix_path()).good()) {
    const auto reg = [](const std::string& name, void (*f)(benchmark::State&, const std::string&)) {
      benchmark::RegisterBenchmark(name.c_str(), f, name)
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    };
    reg("sweep_bcsstk16/plain/kernel", sweep_real<asor::plain_access, false>);
    reg("sweep_bcsstk16/relaxed/kernel", sweep_real<asor::relaxed_access, false>);
    reg("sweep_bcsstk16/plain/textbook", sweep_real<asor::plain_access, true>);
    reg("sweep_bcsstk16/relaxed/textbook", sweep_real<asor::relaxed_access, true>);
  } else {
    std::fprintf(stderr, "skipping sweep_bcsstk16: %s not found (set ASOR_MATRICES_DIR)\n",
                 real_matrix_path().c_str());
  }
  benchmark::RegisterBenchmark("sweep_block/relaxed/forward", sweep_block)
      ->UseRealTime()
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("sweep_parallel/relaxed/forward", sweep_parallel)
      ->Apply(threads)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  for (const std::string& spec : pipeline_specs()) {
    for (const int t : {1, 2, 4, 8}) {
      const std::string name = "pipeline/" + spec + "/t:" + std::to_string(t);
      benchmark::RegisterBenchmark(name.c_str(), pipeline_sweeps, spec, t)
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
    }
  }
  benchmark::RegisterBenchmark("residual_sq", residual_sq_bench)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("residual_norm", residual_norm_bench)
      ->Apply(threads)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("publish/in_thread_drain", publish)->Arg(0);
  if (T >= 2)
    benchmark::RegisterBenchmark("publish/consumer_thread", publish)->Arg(1)->UseRealTime();
  benchmark::RegisterBenchmark("cancel_latency/poisson2d_1000", cancel_latency)
      ->Arg(std::min(T, 2))
      ->Iterations(20)
      ->UseManualTime()
      ->Unit(benchmark::kMicrosecond);
}

/// A JSON number, or null when not finite.
std::string jnum(double v) { return std::isfinite(v) ? std::to_string(v) : std::string("null"); }

/// Medians of the logged bandwidths, and each sweep as a fraction of triad at its thread count.
void summarize(const std::string& out_path) {
  std::map<std::string, double> med;
  std::map<std::string, double> cmed;
  for (const auto& [k, v] : bandwidth_log()) med[k] = median(v);
  for (const auto& [k, v] : cpu_bandwidth_log()) cmed[k] = median(v);
  auto cpu_triad_at = [&](const std::string& key) {
    const std::string t = key.substr(key.rfind('/') + 1);
    auto it = cmed.find("stream_triad/" + t);
    return it == cmed.end() ? std::nan("") : it->second;
  };
  auto triad_at = [&](const std::string& key) {
    const std::string t = key.substr(key.rfind('/') + 1);
    auto it = med.find("stream_triad/" + t);
    return it == med.end() ? std::nan("") : it->second;
  };
  auto triad_llc_at = [&](const std::string& key) {
    const std::string t = key.substr(key.rfind('/') + 1);
    auto it = med.find("stream_triad_96MB/" + t);
    return it == med.end() ? std::nan("") : it->second;
  };
  std::printf("\n%-40s %8s %9s %9s %9s %9s %5s\n", "kernel / threads", "GB/s", "of triad",
              "of 96MB", "cpu GB/s", "cpu frac", "reps");
  std::string json = "{\n  \"bandwidth_GBps\": {";
  bool first = true;
  for (const auto& [k, v] : med) {
    std::printf("%-40s %8.2f %8.1f%% %8.1f%% %9.2f %8.1f%% %5zu\n", k.c_str(), v,
                100.0 * v / triad_at(k), 100.0 * v / triad_llc_at(k), cmed[k],
                100.0 * cmed[k] / cpu_triad_at(k), bandwidth_log()[k].size());
    json += std::string(first ? "" : ",") + "\n    \"" + k + "\": {\"median\": " + jnum(v) +
            ", \"fraction_of_triad\": " + jnum(v / triad_at(k)) +
            ", \"fraction_of_triad_96MB\": " + jnum(v / triad_llc_at(k)) +
            ", \"cpu_time_GBps\": " + jnum(cmed[k]) +
            ", \"cpu_time_fraction_of_triad\": " + jnum(cmed[k] / cpu_triad_at(k)) +
            ", \"samples\": [";
    for (std::size_t i = 0; i < bandwidth_log()[k].size(); ++i) {
      json += (i ? ", " : "") + jnum(bandwidth_log()[k][i]);
    }
    json += "]}";
    first = false;
  }
  json += "\n  },\n  \"values\": {";
  first = true;
  for (const auto& [k, v] : value_log()) {
    const double mx = *std::max_element(v.begin(), v.end());
    std::printf("%-40s median %.4f  max %.4f  (n = %zu)\n", k.c_str(), median(v), mx, v.size());
    json += std::string(first ? "" : ",") + "\n    \"" + k + "\": {\"median\": " + jnum(median(v)) +
            ", \"max\": " + jnum(mx) + ", \"count\": " + std::to_string(v.size()) + "}";
    first = false;
  }
  json += "\n  },\n  \"pipeline\": [";
  // Pipelined sweeps: per matrix, t = 1, 2, 4, 8 against t = 1 and the 1-thread triad.
  std::printf("\n%-16s %3s %10s %19s %8s %8s %9s %9s\n", "matrix", "t", "ms/sweep", "[min, max]",
              "vs t=1", "GB/s", "of triad", "cpu frac");
  first = true;
  const double triad1 = med.count("stream_triad/1") != 0 ? med["stream_triad/1"] : std::nan("");
  const double cpu_triad1 =
      cmed.count("stream_triad/1") != 0 ? cmed["stream_triad/1"] : std::nan("");
  for (const std::string& spec : pipeline_specs()) {
    const auto base = value_log().find("pipeline/" + spec + "/t:1/ms_per_sweep");
    const double t1 = base == value_log().end() ? std::nan("") : median(base->second);
    for (const int t : {1, 2, 4, 8}) {
      const std::string key = "pipeline/" + spec + "/t:" + std::to_string(t);
      const auto it = value_log().find(key + "/ms_per_sweep");
      if (it == value_log().end()) continue;
      const std::vector<double>& ms = it->second;
      const double m = median(ms);
      const double lo = *std::min_element(ms.begin(), ms.end());
      const double hi = *std::max_element(ms.begin(), ms.end());
      const double gbps = med[key + "/1"];
      const double cpu = cmed[key + "/1"];
      std::printf("%-16s %3d %10.4f  [%7.4f, %7.4f] %8.2f %8.2f %8.1f%% %8.1f%%\n", spec.c_str(), t,
                  m, lo, hi, t1 / m, gbps, 100.0 * gbps / triad1, 100.0 * cpu / cpu_triad1);
      json += std::string(first ? "" : ",") + "\n    {\"matrix\": \"" + spec +
              "\", \"t\": " + std::to_string(t) + ", \"ms_per_sweep\": " + jnum(m) +
              ", \"ms_per_sweep_min\": " + jnum(lo) + ", \"ms_per_sweep_max\": " + jnum(hi) +
              ", \"speedup_vs_t1\": " + jnum(t1 / m) + ", \"GBps\": " + jnum(gbps) +
              ", \"fraction_of_triad\": " + jnum(gbps / triad1) +
              ", \"cpu_time_fraction_of_triad\": " + jnum(cpu / cpu_triad1) +
              ", \"samples\": " + std::to_string(ms.size()) + "}";
      first = false;
    }
  }
  json += "\n  ]\n}\n";
  if (!out_path.empty()) {
    std::ofstream(out_path) << json;
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string summary_out;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--summary_out=", 0) == 0) {
      summary_out = a.substr(14);
    } else {
      args.push_back(argv[i]);
    }
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  summarize(summary_out);
  return 0;
}
