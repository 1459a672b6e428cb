/// \file scenarios.cpp
/// \brief Scenario benchmark: one matrix, one method, threads 1..T, to a relative residual.
///
/// One process runs one (matrix, method) pair over all thread counts, so the peak resident set
/// (getrusage ru_maxrss) it reports belongs to that pair alone. bench/run_scenarios.sh runs it
/// over every matrix and method and bench/make_report.py turns the JSON lines into
/// docs/performance.md.
///
/// Usage:
///   bench_scenarios --matrix poisson2d:1024|poisson3d:64|FILE.mtx --method M [--threads T]
///                   [--min-threads T0]
///                   [--reps R] [--tol 1e-8] [--time-cap S] [--omega auto|W] [--out FILE]
///                   [--history FILE] [--pipeline-sweeps auto|T]
///   bench_scenarios --stream [--threads T] [--stream-mb MB] [--out FILE]
/// Methods: async, block-jacobi, multicolor, sor, ssor (asor), cg-diag, cg-ichol (Eigen
/// ConjugateGradient with DiagonalPreconditioner / IncompleteCholesky), ldlt, cholmod (direct).
/// Every line written is one JSON object.

#include <omp.h>
#include <sys/resource.h>

#include <Eigen/IterativeLinearSolvers>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "asor/asor.hpp"
#include "asor/io/matrix_market.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

double median(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const std::size_t h = v.size() / 2;
  return v.size() % 2 == 1 ? v[h] : 0.5 * (v[h - 1] + v[h]);
}

double peak_rss_bytes() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) * 1024.0;  // Linux: kilobytes
}

/// A line of /proc/self/status in bytes (VmRSS, VmHWM), NaN when absent.
double status_bytes(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(key, 0) == 0) return 1024.0 * std::stod(line.substr(line.find(':') + 1));
  }
  return std::nan("");
}

/// Resets VmHWM to the current RSS (Linux >= 4.0), so that the next reading is the peak of what
/// runs in between, not of loading the matrix.
void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

std::string num(double v) {
  if (!std::isfinite(v)) return "null";
  std::ostringstream s;
  s.precision(9);
  s << v;
  return s.str();
}

std::string str(const std::string& v) { return "\"" + v + "\""; }

struct args {
  std::string matrix = "poisson2d:256";
  std::string method = "async";
  int threads = 0;
  int min_threads = 1;  // thread counts min_threads .. threads (sequential methods: 1)
  int reps = 3;
  double tol = 1e-8;
  double time_cap = 30.0;
  std::string out;
  std::string history;
  std::string omega;  // empty or "auto": estimated (fallback omega 1 for async and block-Jacobi)
  int pipeline_sweeps = 0;  // solver_options::pipeline_sweeps: 0 = automatic, 1 = one per pass
  bool stream = false;
  int stream_mb = 256;
};

args parse(int argc, char** argv) {
  args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument("missing value after " + k);
      return argv[++i];
    };
    if (k == "--matrix") {
      a.matrix = next();
    } else if (k == "--method") {
      a.method = next();
    } else if (k == "--threads") {
      a.threads = std::stoi(next());
    } else if (k == "--min-threads") {
      a.min_threads = std::stoi(next());
    } else if (k == "--reps") {
      a.reps = std::stoi(next());
    } else if (k == "--tol") {
      a.tol = std::stod(next());
    } else if (k == "--time-cap") {
      a.time_cap = std::stod(next());
    } else if (k == "--out") {
      a.out = next();
    } else if (k == "--omega") {
      a.omega = next();
    } else if (k == "--history") {
      a.history = next();
    } else if (k == "--pipeline-sweeps") {
      const std::string v = next();
      a.pipeline_sweeps = v == "auto" ? 0 : std::stoi(v);
    } else if (k == "--stream") {
      a.stream = true;
    } else if (k == "--stream-mb") {
      a.stream_mb = std::stoi(next());
    } else {
      throw std::invalid_argument("unknown argument " + k);
    }
  }
  if (a.threads <= 0) a.threads = asor::default_threads();
  return a;
}

void emit(const args& a, const std::string& line) {
  std::cout << line << std::endl;
  if (!a.out.empty()) std::ofstream(a.out, std::ios::app) << line << "\n";
}

/// STREAM triad and copy, 3 arrays of stream_mb MB, best of 5 per thread count.
void stream_probe(const args& a) {
  const std::size_t n = static_cast<std::size_t>(a.stream_mb) * (std::size_t{1} << 20) / 8;
  const auto ln = static_cast<std::int64_t>(n);
  std::vector<double> x(n), y(n), z(n);
#pragma omp parallel for schedule(static) num_threads(a.threads)
  for (std::int64_t i = 0; i < ln; ++i) {
    x[static_cast<std::size_t>(i)] = 1.0;
    y[static_cast<std::size_t>(i)] = 2.0;
    z[static_cast<std::size_t>(i)] = 0.0;
  }
  for (int t = 1; t <= a.threads; ++t) {
    std::vector<double> triad, copy;
    for (int r = 0; r < 7; ++r) {
      auto t0 = clock_type::now();
#pragma omp parallel for schedule(static) num_threads(t)
      for (std::int64_t i = 0; i < ln; ++i) {
        const auto u = static_cast<std::size_t>(i);
        x[u] = y[u] + 3.0 * z[u];
      }
      triad.push_back(24.0 * static_cast<double>(n) / seconds_since(t0) * 1e-9);
      t0 = clock_type::now();
#pragma omp parallel for schedule(static) num_threads(t)
      for (std::int64_t i = 0; i < ln; ++i) {
        const auto u = static_cast<std::size_t>(i);
        z[u] = y[u];
      }
      copy.push_back(16.0 * static_cast<double>(n) / seconds_since(t0) * 1e-9);
    }
    emit(a, "{\"kind\": \"stream\", \"threads\": " + std::to_string(t) + ", \"array_mb\": " +
                std::to_string(a.stream_mb) + ", \"triad_GBps_median\": " + num(median(triad)) +
                ", \"triad_GBps_max\": " + num(*std::max_element(triad.begin(), triad.end())) +
                ", \"copy_GBps_median\": " + num(median(copy)) + "}");
  }
}

asor::sparse_matrix load(const std::string& spec, std::string& name) {
  if (spec.rfind("poisson2d:", 0) == 0) {
    name = spec;
    return asor::poisson2d(std::stoi(spec.substr(10)));
  }
  if (spec.rfind("poisson3d:", 0) == 0) {
    name = spec;
    return asor::poisson3d(std::stoi(spec.substr(10)));
  }
  const auto slash = spec.find_last_of('/');
  name = spec.substr(slash == std::string::npos ? 0 : slash + 1);
  return asor::io::read_matrix_market(spec);
}

std::optional<asor::method> asor_method(const std::string& m) {
  return asor::method_from_string(m);
}

struct run_result {
  double seconds = 0;
  double setup_seconds = 0;
  double sweeps = 0;  // mean over blocks
  double true_residual = 0;
  std::string reason;
  double omega = 1;
  std::string ordering = "natural";
  int pipeline_sweeps = 1;
  double cancel_latency = std::nan("");
  double max_cancel_latency = std::nan("");
};

}  // namespace

int main(int argc, char** argv) try {
  const args a = parse(argc, argv);
  if (a.stream) {
    stream_probe(a);
    return 0;
  }
  const double rss_start = peak_rss_bytes();
  std::string name;
  const asor::sparse_matrix A = load(a.matrix, name);
  const int n = static_cast<int>(A.rows());
  const std::vector<double> inv_diag = asor::inverse_diagonal(A);
  const asor::csr_view view = asor::view_of(A, inv_diag);
  // b = A * ones: a known solution, the usual choice of a benchmark right-hand side.
  const asor::vector ones = asor::vector::Ones(n);
  const asor::vector b_vec = A * ones;
  const std::vector<double> b(b_vec.data(), b_vec.data() + n);
  std::vector<double> x(static_cast<std::size_t>(n), 0.0);
  const double csr_bytes = static_cast<double>(A.nonZeros()) * 12.0 + (n + 1.0) * 4.0;
  const double bytes_per_sweep = view.sweep_bytes(0, n);
  const std::string common =
      "\"kind\": \"case\", \"matrix\": " + str(name) + ", \"n\": " + std::to_string(n) +
      ", \"nnz\": " + std::to_string(A.nonZeros()) + ", \"method\": " + str(a.method) +
      ", \"tolerance\": " + num(a.tol) + ", \"time_cap_s\": " + num(a.time_cap);

  const auto m = asor_method(a.method);
  const bool direct = a.method == "ldlt" || a.method == "cholmod";
  const bool sequential = a.method == "sor" || a.method == "ssor" || direct;
  const int max_t = sequential ? 1 : a.threads;
  for (int t = sequential ? 1 : std::clamp(a.min_threads, 1, max_t); t <= max_t; ++t) {
    // The solves' own peak: what the process holds on top of the matrix, b and x while solving.
    reset_peak_rss();
    const double rss_before_solves = status_bytes("VmRSS");
    std::vector<run_result> runs;
    double streaming_ratio = std::nan("");
    std::vector<double> with_cb_times, without_cb_times;
    std::int64_t callbacks = 0;
    if (m) {
      asor::solver_options o;
      o.method = *m;
      o.threads = t;
      o.stop.tolerance = a.tol;
      o.stop.time_limit_seconds = a.time_cap;
      o.stop.max_sweeps = std::numeric_limits<std::int64_t>::max() / 4;
      // omega estimated (every method the same estimate) unless --omega names one. With the
      // estimate, a diverging async or block-Jacobi solve restarts with omega 1.
      if (a.omega.empty() || a.omega == "auto") {
        o.omega.reset();
        o.fallback = asor::fallback_policy::omega_one;
      } else {
        o.omega = std::stod(a.omega);
      }
      if (*m == asor::method::ssor) o.direction = asor::sweep_direction::symmetric;
      o.pipeline_sweeps = a.pipeline_sweeps;
      asor::engine eng(view, o);
      for (int r = 0; r < a.reps; ++r) {
        std::fill(x.begin(), x.end(), 0.0);
        const asor::solve_report rep = eng.solve(b, x);
        runs.push_back({rep.solve_seconds, rep.setup_seconds, rep.sweeps.mean,
                        rep.relative_residual, std::string(asor::to_string(rep.reason)), rep.omega,
                        std::string(asor::to_string(rep.ordering)), rep.pipeline_sweeps,
                        rep.cancel_latency_seconds, rep.max_cancel_latency_seconds});
        // The last repetition: the first one at a new thread count also pays for waking the
        // OpenMP team's new thread (1-9 ms on the VM), which would shift the whole curve.
        if (r + 1 == a.reps && !a.history.empty() && t == max_t) {
          std::ofstream h(a.history, std::ios::app);
          h << "{\"matrix\": " << str(name) << ", \"method\": " << str(a.method)
            << ", \"threads\": " << t << ", \"points\": [";
          for (std::size_t k = 0; k < rep.history.size(); ++k) {
            const auto& p = rep.history[k];
            h << (k ? ", " : "") << "[" << num(p.seconds) << ", " << p.sweeps << ", "
              << num(p.provisional_residual) << ", " << num(p.verified_residual) << "]";
          }
          h << "]}\n";
        }
      }
      // Streaming overhead: async with a callback on every provisional result vs none,
      // interleaved so that load changes hit both alike.
      if (*m == asor::method::async && t == max_t) {
        asor::solver_options oc = o;
        oc.progress_interval_seconds = 0.0;
        asor::engine with_cb(view, oc);
        with_cb.on_progress([&callbacks](const asor::progress& p) {
          ++callbacks;
          volatile double sink = p.provisional_residual;
          (void)sink;
          return asor::callback_action::proceed;
        });
        for (int r = 0; r < a.reps; ++r) {
          std::fill(x.begin(), x.end(), 0.0);
          with_cb_times.push_back(with_cb.solve(b, x).solve_seconds);
          std::fill(x.begin(), x.end(), 0.0);
          without_cb_times.push_back(eng.solve(b, x).solve_seconds);
        }
        streaming_ratio = median(with_cb_times) / median(without_cb_times);
      }
    } else if (a.method == "cg-diag" || a.method == "cg-ichol") {
      Eigen::setNbThreads(t);
      for (int r = 0; r < a.reps; ++r) {
        const auto t0 = clock_type::now();
        asor::vector xs;
        int iters = 0;
        std::string reason;
        double setup = 0;
        if (a.method == "cg-diag") {
          Eigen::ConjugateGradient<asor::sparse_matrix, Eigen::Lower | Eigen::Upper,
                                   Eigen::DiagonalPreconditioner<double>>
              cg;
          cg.setTolerance(a.tol);
          cg.setMaxIterations(1000000);
          cg.compute(A);
          setup = seconds_since(t0);
          xs = cg.solve(b_vec);
          iters = static_cast<int>(cg.iterations());
          reason = cg.info() == Eigen::Success ? "converged" : "not_converged";
        } else {
          Eigen::ConjugateGradient<asor::sparse_matrix, Eigen::Lower | Eigen::Upper,
                                   Eigen::IncompleteCholesky<double>>
              cg;
          cg.setTolerance(a.tol);
          cg.setMaxIterations(1000000);
          cg.compute(A);
          setup = seconds_since(t0);
          if (cg.info() != Eigen::Success) {
            reason = "factorization_failed";
          } else {
            xs = cg.solve(b_vec);
            iters = static_cast<int>(cg.iterations());
            reason = cg.info() == Eigen::Success ? "converged" : "not_converged";
          }
        }
        const double secs = seconds_since(t0);
        double res = std::nan("");
        if (xs.size() == n) res = (b_vec - A * xs).norm() / b_vec.norm();
        runs.push_back({secs, setup, static_cast<double>(iters), res, reason, 1.0});
      }
    } else if (direct) {
      const auto solver =
          a.method == "ldlt" ? asor::reference_solver::ldlt : asor::reference_solver::cholmod;
      for (int r = 0; r < a.reps; ++r) {
        const asor::reference_solution s = asor::solve_reference(A, b_vec, solver);
        runs.push_back({s.seconds, 0.0, 0.0, s.relative_residual, "direct", 1.0});
      }
    } else {
      throw std::invalid_argument("unknown method " + a.method);
    }
    std::vector<double> times, residuals, sweeps, lat;
    bool all_converged = true;
    for (const auto& r : runs) {
      times.push_back(r.seconds);
      sweeps.push_back(r.sweeps);
      residuals.push_back(r.true_residual);
      if (std::isfinite(r.cancel_latency)) lat.push_back(r.cancel_latency);
      all_converged = all_converged && (r.reason == "converged" || r.reason == "direct");
    }
    const double med_t = median(times);
    const double med_sweeps = median(sweeps);
    std::string line = "{" + common + ", \"threads\": " + std::to_string(t) +
                       ", \"reps\": " + std::to_string(a.reps);
    line += ", \"seconds_median\": " + num(med_t) +
            ", \"seconds_min\": " + num(*std::min_element(times.begin(), times.end())) +
            ", \"seconds_max\": " + num(*std::max_element(times.begin(), times.end()));
    line += ", \"setup_seconds\": " + num(runs.front().setup_seconds);
    line += ", \"sweeps_median\": " + num(med_sweeps);
    line +=
        ", \"true_residual_max\": " + num(*std::max_element(residuals.begin(), residuals.end()));
    line += ", \"reason\": " + str(runs.back().reason) +
            ", \"converged\": " + (all_converged ? "true" : "false");
    line += ", \"omega\": " + num(runs.front().omega);
    line += ", \"ordering\": " + str(runs.front().ordering);
    line += ", \"pipeline_sweeps\": " + std::to_string(runs.front().pipeline_sweeps);
    const bool sweeping = m.has_value();
    line += ", \"bytes_per_sweep\": " + num(bytes_per_sweep);
    line += ", \"sweep_GBps\": " +
            num(sweeping && med_t > 0
                    ? med_sweeps * bytes_per_sweep * (a.method == "ssor" ? 2.0 : 1.0) / med_t * 1e-9
                    : std::nan(""));
    line += ", \"cancel_latency_median_s\": " + num(median(lat)) + ", \"cancel_latency_max_s\": " +
            num(lat.empty() ? std::nan("") : *std::max_element(lat.begin(), lat.end()));
    line += ", \"streaming_ratio\": " + num(streaming_ratio) +
            ", \"streaming_callbacks\": " + std::to_string(callbacks);
    line += ", \"with_callbacks_s\": [";
    for (std::size_t k = 0; k < with_cb_times.size(); ++k) {
      line += (k ? ", " : "") + num(with_cb_times[k]);
    }
    line += "], \"without_callbacks_s\": [";
    for (std::size_t k = 0; k < without_cb_times.size(); ++k) {
      line += (k ? ", " : "") + num(without_cb_times[k]);
    }
    line += "], \"times_s\": [";
    for (std::size_t k = 0; k < times.size(); ++k) line += (k ? ", " : "") + num(times[k]);
    line += "]";
    // Memory: CSR (values, columns, row pointers) + x, b, inv_diag; peak RSS of this process
    // (it holds one matrix and runs one method), the same less the RSS before the matrix, and
    // the peak above the RSS just before this thread count's solves (VmHWM after a reset): what
    // the solves allocate beyond the matrix and vectors already resident.
    const double model = csr_bytes + 3.0 * 8.0 * n;
    line +=
        ", \"csr_plus_vectors_bytes\": " + num(model) +
        ", \"peak_rss_bytes\": " + num(peak_rss_bytes()) +
        ", \"rss_before_matrix_bytes\": " + num(rss_start) +
        ", \"solve_peak_above_resident_bytes\": " + num(status_bytes("VmHWM") - rss_before_solves) +
        "}";
    emit(a, line);
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "bench_scenarios: " << e.what() << "\n";
  return 1;
}
