#pragma once
/// \file triplet.hpp
/// \brief The triplet text format: `row col value` per line, 0-based (or 1-based when asked),
/// whitespace or commas, `#` comments; vectors as one value per line; and the readers that choose
/// the format of a file.
///
/// Triplet matrices are square: n is one more than the largest row or column index seen (the
/// largest index, when 1-based). Every entry is stored as given (a symmetric matrix lists both
/// triangles), unless the file is read as one triangle of a symmetric matrix. Duplicate entries
/// are an error naming both lines. A 0-based read that finds no index 0 stops with
/// suspected_one_based: such a matrix has an empty first row, and the file is almost surely
/// 1-based. CRLF line ends and a UTF-8 byte-order mark are accepted; Fortran `D` exponents are not
/// (non-numeric token).
///
/// Every reader reads gzip-compressed files (`.gz`, recognised by their magic bytes whatever the
/// name) through zlib, and pipes (`/dev/stdin`) in one pass without a second copy of the text.

#include <cstdio>
#include <string>

#include "asor/io/errors.hpp"
#include "asor/matrix.hpp"

namespace asor::io {

/// \brief How a triplet file is read.
struct triplet_options {
  bool one_based = false;  ///< indices start at 1 (as in Matrix Market), not 0
  /// the file holds one triangle of a symmetric matrix (either one, or a mix): each off-diagonal
  /// entry is mirrored; an entry given in both triangles is a duplicate
  bool symmetric = false;
};

/// \brief The input_error of a 0-based triplet read that found no index 0 (the file looks
/// 1-based); read it with triplet_options::one_based.
class suspected_one_based : public input_error {
 public:
  using input_error::input_error;
};

/// \throws input_error naming the file, the line and the problem (suspected_one_based when a
/// 0-based file has no index 0).
sparse_matrix read_triplet(const std::string& path, const triplet_options& options = {});
/// \brief One value per line (blank lines and `#` comments skipped).
/// \throws input_error naming the file, the line and the problem.
vector read_plain_vector(const std::string& path);

/// \brief Writes every stored entry as `row,col,value` (0-based, 17 significant digits).
/// \throws input_error naming the file when it cannot be written.
void write_triplet(const std::string& path, const sparse_matrix& A);
/// \brief The same to the open stream \p out (flushed, left open); \p name names it in errors.
void write_triplet(std::FILE* out, const std::string& name, const sparse_matrix& A);
/// \brief Writes one value per line (17 significant digits).
void write_plain_vector(const std::string& path, const vector& x);
/// \brief The same to the open stream \p out (flushed, left open); \p name names it in errors.
void write_plain_vector(std::FILE* out, const std::string& name, const vector& x);

/// \brief The text formats the readers know.
enum class format {
  matrix_market,  ///< begins with the `%%MatrixMarket` banner (or is named `.mtx`, `.mtx.gz`)
  triplet,        ///< triplet matrix / one value per line
};

/// \brief Reads a matrix in the format of its content: Matrix Market when the file begins with
/// the `%%MatrixMarket` banner or is named `.mtx` (`.mtx.gz`), else triplet, read with
/// \p options (which a Matrix Market file, self-describing, does not need and ignores).
/// \param found set to the format read, when not null
sparse_matrix read_matrix(const std::string& path, const triplet_options& options = {},
                          format* found = nullptr);
/// \brief Reads a vector the same way: Matrix Market, else one value per line.
vector read_vector(const std::string& path, format* found = nullptr);

}  // namespace asor::io
