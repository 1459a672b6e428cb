#pragma once
/// \file triplet.hpp
/// \brief The triplet text format: `row col value` per line, 0-based, whitespace or commas,
/// `#` comments; vectors as one value per line.
///
/// Triplet matrices are square: n is one more than the largest row or column index seen. Every
/// entry is stored as given (a symmetric matrix lists both triangles). Duplicate entries are an
/// error naming both lines. CRLF line ends and a UTF-8 byte-order mark are accepted; Fortran `D`
/// exponents are not (non-numeric token).

#include <string>

#include "asor/io/errors.hpp"
#include "asor/matrix.hpp"

namespace asor::io {

/// \throws input_error naming the file, the line and the problem.
sparse_matrix read_triplet(const std::string& path);
/// \brief One value per line (blank lines and `#` comments skipped).
/// \throws input_error naming the file, the line and the problem.
vector read_plain_vector(const std::string& path);

/// \brief Writes every stored entry as `row,col,value` (0-based, 17 significant digits).
void write_triplet(const std::string& path, const sparse_matrix& A);
/// \brief Writes one value per line (17 significant digits).
void write_plain_vector(const std::string& path, const vector& x);

/// \brief Reads a matrix by extension: `.mtx` Matrix Market, anything else triplet.
sparse_matrix read_matrix(const std::string& path);
/// \brief Reads a vector by extension: `.mtx` Matrix Market, anything else one value per line.
vector read_vector(const std::string& path);

}  // namespace asor::io
