/// \file generate.cpp
/// \brief `asor generate poisson2d|poisson3d|anisotropic|random-spd --n N -o A.mtx [--rhs B]`.

#include <spdlog/spdlog.h>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <string>

#include "asor/generators.hpp"
#include "asor/io/matrix_market.hpp"
#include "asor/io/triplet.hpp"
#include "asor/matrix.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/output.hpp"

namespace asor::cli {

namespace {

/// \brief The flags of `asor generate`.
struct generate_args {
  std::string kind;
  int n = 0;
  std::uint64_t seed = 1;
  double eps = 0.01;
  int per_row = 6;
  std::string output;
  std::string rhs;
  std::string format = "auto";
};

/// \returns n^power, or throws usage_error when the problem would not fit 32-bit indices.
int checked_size(int side, int power) {
  const std::int64_t limit = std::numeric_limits<int>::max() / 8;  // nnz must fit too
  std::int64_t n = 1;
  for (int i = 0; i < power; ++i) {
    n *= side;
    if (n > limit) {
      throw usage_error("--n: " + std::to_string(side) +
                        " gives more unknowns than asor's 32-bit "
                        "indices can hold");
    }
  }
  return static_cast<int>(n);
}

int run_generate(const generate_args& a, const global_flags& global) {
  setup_logging(global.log_level, false);
  if (a.n < 1) throw usage_error("--n: must be at least 1");
  // Both outputs are checked before the matrix is built.
  const output_file out("-o", a.output);
  const output_file rhs_out("--rhs", a.rhs);
  check_distinct({&out, &rhs_out});
  // Matrix Market for .mtx (.mtx.gz) or --format mm; triplet / one value per line otherwise.
  const auto matrix_market = [&](const output_file& f) {
    return a.format == "mm" || (a.format == "auto" && f.has_extension(".mtx"));
  };
  sparse_matrix A;
  std::string what;
  if (a.kind == "poisson2d") {
    checked_size(a.n, 2);
    A = poisson2d(a.n);
    what = "5-point Laplacian on a " + std::to_string(a.n) + " x " + std::to_string(a.n) + " grid";
  } else if (a.kind == "poisson3d") {
    checked_size(a.n, 3);
    A = poisson3d(a.n);
    what = "7-point Laplacian on a " + std::to_string(a.n) + "^3 grid";
  } else if (a.kind == "anisotropic") {
    checked_size(a.n, 2);
    if (!(a.eps > 0.0)) throw usage_error("--eps: must be positive");
    A = anisotropic2d(a.n, a.eps);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", a.eps);
    what = "-eps u_xx - u_yy, eps = " + std::string(buf) + ", on a " + std::to_string(a.n) + " x " +
           std::to_string(a.n) + " grid";
  } else {
    checked_size(a.n, 1);
    if (a.per_row < 0) throw usage_error("--per-row: must be >= 0");
    A = random_spd(a.n, a.per_row, a.seed);
    what = "random SPD (diagonally dominant), about " + std::to_string(a.per_row) +
           " off-diagonal entries per row, seed " + std::to_string(a.seed);
  }
  A.makeCompressed();

  const bool mm = matrix_market(out);
  out.write([&](std::FILE* f, const std::string& name) {
    if (mm) {
      io::write_matrix_market(f, name, A, true);
    } else {
      io::write_triplet(f, name, A);
    }
  });
  // Results on stdout only when no output went there.
  const bool report = !out.to_stdout() && !rhs_out.to_stdout();
  if (report) {
    std::printf("asor generate: %s  n=%lld  nnz=%lld  (%s)\n", a.output.c_str(),
                static_cast<long long>(A.rows()), static_cast<long long>(A.nonZeros()),
                what.c_str());
  }
  if (rhs_out.wanted()) {
    const vector b = A * vector::Ones(A.cols());
    rhs_out.write([&](std::FILE* f, const std::string& name) {
      if (matrix_market(rhs_out)) {
        io::write_matrix_market_vector(f, name, b);
      } else {
        io::write_plain_vector(f, name, b);
      }
    });
    if (report) {
      std::printf("rhs: %s  b = A * ones (the exact solution is all ones)\n", a.rhs.c_str());
    }
  }
  flush_stdout();
  return exit_ok;
}

}  // namespace

subcommand add_generate(CLI::App& parent, const global_flags& global) {
  auto args = std::make_shared<generate_args>();
  CLI::App* app = parent.add_subcommand("generate", "Write a model problem to a file");
  app->add_option("kind", args->kind, "poisson2d, poisson3d, anisotropic or random-spd")
      ->required()
      ->check(CLI::IsMember({"poisson2d", "poisson3d", "anisotropic", "random-spd"}));
  app->add_option("--n", args->n,
                  "Grid side m for poisson2d / anisotropic (n = m^2) and poisson3d (n = m^3); "
                  "number of unknowns for random-spd")
      ->required();
  app->add_option("--seed", args->seed, "Seed of random-spd")->capture_default_str();
  app->add_option("--eps", args->eps, "Anisotropy of anisotropic (-eps u_xx - u_yy)")
      ->capture_default_str();
  app->add_option("--per-row", args->per_row, "Off-diagonal entries per row of random-spd")
      ->capture_default_str();
  app->add_option("-o,--output", args->output,
                  "Matrix file to write: Matrix Market for .mtx, else triplet ('-': stdout; "
                  ".gz: compressed)")
      ->required();
  app->add_option("--rhs", args->rhs,
                  "Also write b = A * ones to this file (Matrix Market for .mtx, else one value "
                  "per line)");
  app->add_option("--format", args->format, "Output format (default: by extension)")
      ->check(CLI::IsMember({"auto", "mm", "triplet"}))
      ->capture_default_str();
  return {app, [args, &global] { return run_generate(*args, global); }};
}

}  // namespace asor::cli
