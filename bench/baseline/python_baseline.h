#pragma once
// The C entry point of libasor_python_baseline (see python_baseline.cpp).

#ifdef __cplusplus
extern "C" {
#endif

/// Runs \p calls solves of 2D Poisson on a \p grid x \p grid mesh (b = A * ones, x0 = 0) as one
/// asor.solve call does them, and writes each call's wall time, the engine's solve_seconds and
/// the sweeps it made. \returns 0; 2 for an invalid argument; 1 when a solve threw.
int asor_python_baseline(int grid, const char* method, int threads, double omega,
                         long long max_sweeps, double tol, double progress_interval, int callback,
                         int calls, double* seconds, double* solve_seconds, long long* sweeps);

#ifdef __cplusplus
}
#endif
