#pragma once
/// \file solve.hpp
/// \brief What `asor solve` shares between its shared-memory run (solve.cpp) and its run across
/// MPI ranks (mpi/solve_distributed.cpp).

#include <cstddef>
#include <optional>
#include <string>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/json_report.hpp"
#include "cli/output.hpp"
#include "cli/serve.hpp"

namespace asor::cli {

/// \brief The flags of `asor solve`.
struct solve_args {
  std::string matrix;
  std::string rhs;
  input_flags input;
  solver_flags solver;
  std::string reference = "none";
  std::string x0;
  std::string x_out;
  std::string history;
  std::string json;
  std::string partition = "nnz";  ///< how rows are split over MPI ranks: nnz or metis
  std::string slow_rank;          ///< under mpirun: RANK:FACTOR, a slow rank (benchmarks)
  bool progress_on = false;
  bool progress_off = false;
  bool quiet = false;
  serve_flags serve;
};

/// \brief Reads the initial guess --x0 \p path: \p rows finite entries.
/// \throws input_error naming the file.
vector load_initial_guess(const std::string& path, const input_flags& input, Eigen::Index rows);

/// \brief Writes the history CSV of \p r to \p out. \returns the rows written.
/// \throws output_error naming the file.
std::size_t write_history(const output_file& out, const solve_report& r);

/// \brief Writes the solution \p x to \p out (Matrix Market array for .mtx, else one value per
/// line) and records it in \p o. \throws output_error naming the file.
void write_solution(const output_file& out, const vector& x, solve_outcome& o);

/// \brief The human summary on stdout.
void print_summary(const solve_outcome& o, std::size_t history_rows);

/// \brief What both runs do after the solve, on the process that reports: fills \p o's fields
/// from the flags, the options and the system, writes the outputs (the solution first, as it is
/// what the solve was for; then the reference check, the history, the JSON) and prints the
/// summary unless \p a is quiet or an output goes to stdout.
/// \throws output_error naming the file.
void finish_solve(const solve_args& a, const solver_options& options, const loaded_system& sys,
                  const vector& x, const std::optional<reference_solver>& reference,
                  const output_file& json_out, const output_file& x_out,
                  const output_file& history_out, solve_outcome& o);

/// \brief `asor solve` under `mpirun -np N` with N > 1 (mpi/solve_distributed.cpp): rank 0 reads
/// the files, every rank solves its rows, rank 0 reports and writes.
int run_solve_distributed(const solve_args& a, const global_flags& global);

}  // namespace asor::cli
