/// \file cholmod_plugin.cpp
/// \brief libasor_cholmod.so: the CHOLMOD reference solve, loaded by libasor only when asked for
/// (see cholmod_plugin.hpp).

// GCC 12 reports -Wnull-dereference inside Eigen's sparse headers once viewAsCholmod is inlined
// here (a middle-end warning that escapes the system-header suppression). The pragma covers the
// headers' text only, not this file's code.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <Eigen/CholmodSupport>
#include <Eigen/SparseCore>
#pragma GCC diagnostic pop

#include <chrono>
#include <cstdio>
#include <exception>

#include "plugins/cholmod_plugin.hpp"

namespace {

using col_matrix = Eigen::SparseMatrix<double, Eigen::ColMajor, int>;
using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

int solve(int n, const int* outer, const int* inner, const double* values, const double* b,
          double* x, double* factor_seconds, double* solve_seconds) {
  const Eigen::Map<const col_matrix> A(n, n, outer[n], outer, inner, values);
  const auto t0 = clock_type::now();
  Eigen::CholmodSupernodalLLT<col_matrix, Eigen::Lower> llt;
  llt.cholmod().print = 0;  // the library never prints; failures come back as statuses
  llt.compute(A);
  *factor_seconds = seconds_since(t0);
  if (llt.info() != Eigen::Success) return asor_cholmod_not_positive_definite;
  const auto t1 = clock_type::now();
  const Eigen::Map<const Eigen::VectorXd> rhs(b, n);
  Eigen::Map<Eigen::VectorXd>(x, n) = llt.solve(rhs);
  *solve_seconds = seconds_since(t1);
  return llt.info() == Eigen::Success ? asor_cholmod_ok : asor_cholmod_solve_failed;
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int asor_cholmod_solve_v1(
    int n, const int* outer, const int* inner, const double* values, const double* b, double* x,
    double* factor_seconds, double* solve_seconds, char* message, std::size_t message_size) {
  try {
    return solve(n, outer, inner, values, b, x, factor_seconds, solve_seconds);
  } catch (const std::exception& e) {
    std::snprintf(message, message_size, "%s", e.what());
  } catch (...) {
    std::snprintf(message, message_size, "unknown exception");
  }
  return asor_cholmod_error;
}
