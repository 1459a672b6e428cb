#pragma once
/// \file matrix_market.hpp
/// \brief Matrix Market reader and writer.
///
/// Reads `coordinate` matrices with field real, integer or pattern (pattern entries are 1.0) and
/// symmetry general or symmetric (the mirror of each off-diagonal entry is added), and `array`
/// real/integer general vectors (n x 1). Duplicate entries are an error (the file and line of the
/// second occurrence are named): a solver input with two values for one entry is ambiguous.
/// Sizes declared in the header are checked against what follows before anything is allocated
/// in proportion to them: a declared entry count only caps a reservation (at most what the file's
/// size can hold), sizes above INT_MAX are an error, and a file may declare at most 2^20 more rows
/// than it stores entries for (a larger all-zero tail must be written in array format).
/// The banner is case-insensitive (`double` is read as `real`); `%` comments and blank lines are
/// accepted anywhere; CRLF line ends and a UTF-8 byte-order mark are accepted. gzip-compressed
/// files (`.mtx.gz`, as SuiteSparse distributes them) are read through zlib, recognised by their
/// magic bytes whatever their name.

#include <cstdio>
#include <string>

#include "asor/io/errors.hpp"
#include "asor/matrix.hpp"

namespace asor::io {

/// \throws input_error naming the file, the line and the problem.
sparse_matrix read_matrix_market(const std::string& path);
/// \brief A vector stored as a Matrix Market `array` (n x 1) or `coordinate` (n x 1) file.
/// \throws input_error naming the file, the line and the problem.
vector read_matrix_market_vector(const std::string& path);

/// \brief Writes \p A as `coordinate real symmetric` (lower triangle) when \p symmetric, else
/// `coordinate real general`; values with 17 significant digits (round-trip exact).
/// \throws input_error naming the file when it cannot be written.
void write_matrix_market(const std::string& path, const sparse_matrix& A, bool symmetric = true);
/// \brief The same to the open stream \p out (flushed, left open); \p name names it in errors.
void write_matrix_market(std::FILE* out, const std::string& name, const sparse_matrix& A,
                         bool symmetric = true);
/// \brief Writes \p x as `array real general`, 17 significant digits.
void write_matrix_market_vector(const std::string& path, const vector& x);
/// \brief The same to the open stream \p out (flushed, left open); \p name names it in errors.
void write_matrix_market_vector(std::FILE* out, const std::string& name, const vector& x);

}  // namespace asor::io
