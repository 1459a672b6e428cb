/// \file io_triplet.cpp
/// \brief The triplet text format (`row col value`, 0-based) and plain vectors (one value per
/// line), and the readers that choose a format by extension.

#include <algorithm>
#include <cstdint>

#include "asor/io/matrix_market.hpp"
#include "asor/io/triplet.hpp"
#include "asor/io_detail.hpp"

namespace asor::io {

namespace {

using detail::fail;
using detail::number_status;
using detail::quoted;
using detail::shown;

/// \p line without its `#` comment.
std::string_view without_comment(std::string_view line) noexcept {
  const std::size_t hash = line.find('#');
  return hash == std::string_view::npos ? line : line.substr(0, hash);
}

/// Parses a 0-based index token; fails unless it is in [0, index_limit).
int parse_index(std::string_view token, const char* what, const std::string& name,
                std::size_t line) {
  std::int64_t value = 0;
  const number_status status = detail::parse_integer(token, value);
  if (status == number_status::bad) {
    fail(name, line, std::string("expected an integer ") + what + ", got " + quoted(token));
  }
  if (status == number_status::ok && value < 0) {
    fail(name, line,
         std::string("negative ") + what + " " + shown(token) + " (triplet indices are 0-based)");
  }
  if (status == number_status::too_large || value >= detail::index_limit) {
    fail(name, line, std::string(what) + " " + shown(token) + " exceeds the 32-bit index limit");
  }
  return static_cast<int>(value);
}

/// Reads every entry; records the line of each one in \p entry_lines when given. Returns the
/// largest index seen (-1 when none) and the line where it was seen.
std::int64_t read_triplet_entries(std::string_view text, const std::string& name,
                                  detail::coordinates& entries,
                                  std::vector<std::size_t>* entry_lines,
                                  std::size_t& line_of_largest) {
  detail::line_reader lines(text);
  std::int64_t largest = -1;
  std::string_view line;
  while (lines.next(line)) {
    detail::token_reader tokens(without_comment(line), true);
    std::string_view fields[3];
    int count = 0;
    std::string_view token;
    while (tokens.next(token)) {
      if (count < 3) {
        fields[count] = token;
      }
      ++count;
    }
    if (count == 0) {
      continue;
    }
    const std::size_t number = lines.number();
    if (count != 3) {
      fail(name, number, "expected 3 fields (row col value), got " + std::to_string(count));
    }
    const int row = parse_index(fields[0], "row index", name, number);
    const int col = parse_index(fields[1], "column index", name, number);
    const double value = detail::parse_value(fields[2], false, name, number);
    entries.push(row, col, value);
    if (entry_lines != nullptr) {
      entry_lines->push_back(number);
    }
    const int top = std::max(row, col);
    if (top > largest) {
      largest = top;
      line_of_largest = number;
    }
  }
  return largest;
}

}  // namespace

namespace detail {

sparse_matrix parse_triplet(std::string_view text, const std::string& name) {
  if (text.empty()) {
    fail(name, 0, "file is empty");
  }
  text = strip_bom(text);
  coordinates entries;
  std::size_t line_of_largest = 0;
  const std::int64_t largest = read_triplet_entries(text, name, entries, nullptr, line_of_largest);
  if (entries.size() == 0) {
    fail(name, 0, "no entries");
  }
  const auto stored = static_cast<std::int64_t>(entries.size());
  if (stored > index_limit) {
    fail(name, 0, std::to_string(stored) + " entries exceed the 32-bit index limit");
  }
  const std::int64_t n = largest + 1;
  if (n > stored + empty_row_allowance) {
    fail(name, line_of_largest,
         "index " + std::to_string(largest) + " makes " + std::to_string(n) +
             " rows but there are only " + std::to_string(stored) + " entries (at most " +
             std::to_string(empty_row_allowance) + " empty rows are accepted)");
  }
  sparse_matrix A;
  if (build_csr(static_cast<int>(n), static_cast<int>(n), entries, false, A)) {
    return A;
  }
  coordinates all;
  std::vector<std::size_t> entry_lines;
  (void)read_triplet_entries(text, name, all, &entry_lines, line_of_largest);
  duplicate_pair pair;
  if (!find_first_duplicate(all, false, pair)) {
    fail(name, 0, "duplicate entries");  // not reached: build_csr and this search agree
  }
  fail(name, entry_lines[pair.second], duplicate_message(all, pair, entry_lines[pair.first], 0));
}

vector parse_plain_vector(std::string_view text, const std::string& name) {
  if (text.empty()) {
    fail(name, 0, "file is empty");
  }
  text = strip_bom(text);
  std::vector<double> values;
  line_reader lines(text);
  std::string_view line;
  while (lines.next(line)) {
    token_reader tokens(without_comment(line), true);
    std::string_view token;
    if (!tokens.next(token)) {
      continue;
    }
    const std::size_t number = lines.number();
    int count = 1;
    std::string_view extra;
    while (tokens.next(extra)) {
      ++count;
    }
    if (count != 1) {
      fail(name, number, "expected one value per line, got " + std::to_string(count) + " fields");
    }
    values.push_back(parse_value(token, false, name, number));
  }
  if (values.empty()) {
    fail(name, 0, "no values");
  }
  return Eigen::Map<const vector>(values.data(), static_cast<Eigen::Index>(values.size()));
}

}  // namespace detail

sparse_matrix read_triplet(const std::string& path) {
  const detail::file_text text(path);
  return detail::parse_triplet(text.view(), path);
}

vector read_plain_vector(const std::string& path) {
  const detail::file_text text(path);
  return detail::parse_plain_vector(text.view(), path);
}

void write_triplet(const std::string& path, const sparse_matrix& A) {
  detail::text_writer out(path);
  for (Eigen::Index i = 0; i < A.outerSize(); ++i) {
    for (sparse_matrix::InnerIterator it(A, i); it; ++it) {
      out.put_integer(it.row());
      out.put(',');
      out.put_integer(it.col());
      out.put(',');
      out.put_real(it.value());
      out.put('\n');
    }
  }
  out.close();
}

void write_plain_vector(const std::string& path, const vector& x) {
  detail::text_writer out(path);
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    out.put_real(x[i]);
    out.put('\n');
  }
  out.close();
}

namespace {

/// True when \p path ends in ".mtx" (any case).
bool is_matrix_market(const std::string& path) {
  if (path.size() < 4) {
    return false;
  }
  std::string ext = path.substr(path.size() - 4);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return ext == ".mtx";
}

}  // namespace

sparse_matrix read_matrix(const std::string& path) {
  return is_matrix_market(path) ? read_matrix_market(path) : read_triplet(path);
}

vector read_vector(const std::string& path) {
  return is_matrix_market(path) ? read_matrix_market_vector(path) : read_plain_vector(path);
}

}  // namespace asor::io
