/// \file io_triplet.cpp
/// \brief The triplet text format (`row col value`, 0- or 1-based, both triangles or one) and
/// plain vectors (one value per line), and the readers that choose a format by content.

#include <algorithm>
#include <cstdint>
#include <limits>

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

/// Parses an index token (\p base 0 or 1); fails unless it is in [base, index_limit + base).
/// \returns the 0-based index.
int parse_index(std::string_view token, const char* what, int base, const std::string& name,
                std::size_t line) {
  std::int64_t value = 0;
  const number_status status = detail::parse_integer(token, value);
  if (status == number_status::bad) {
    fail(name, line, std::string("expected an integer ") + what + ", got " + quoted(token));
  }
  if (status == number_status::ok && value < base) {
    if (base == 0) {
      fail(name, line,
           std::string("negative ") + what + " " + shown(token) + " (triplet indices are 0-based)");
    }
    fail(name, line,
         std::string(what) + " " + shown(token) +
             " in a file read as 1-based (its indices start at 1)");
  }
  if (status == number_status::too_large || value - base >= detail::index_limit) {
    fail(name, line, std::string(what) + " " + shown(token) + " exceeds the 32-bit index limit");
  }
  return static_cast<int>(value - base);
}

/// What read_triplet_entries saw besides the entries.
struct triplet_scan {
  std::int64_t largest = -1;  ///< largest 0-based index (-1 when none)
  std::int64_t smallest = std::numeric_limits<std::int64_t>::max();  ///< smallest 0-based index
  std::size_t line_of_largest = 0;
};

/// Reads every entry; records the line of each one in \p entry_lines when given.
triplet_scan read_triplet_entries(std::string_view text, const std::string& name, int base,
                                  detail::coordinates& entries,
                                  std::vector<std::size_t>* entry_lines) {
  detail::line_reader lines(text);
  triplet_scan scan;
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
    const int row = parse_index(fields[0], "row index", base, name, number);
    const int col = parse_index(fields[1], "column index", base, name, number);
    const double value = detail::parse_value(fields[2], false, name, number);
    entries.push(row, col, value);
    if (entry_lines != nullptr) {
      entry_lines->push_back(number);
    }
    const int top = std::max(row, col);
    if (top > scan.largest) {
      scan.largest = top;
      scan.line_of_largest = number;
    }
    scan.smallest = std::min<std::int64_t>(scan.smallest, std::min(row, col));
  }
  return scan;
}

}  // namespace

namespace detail {

sparse_matrix parse_triplet(std::string_view text, const std::string& name,
                            const triplet_options& options) {
  if (text.empty()) {
    fail(name, 0, "file is empty");
  }
  text = strip_bom(text);
  const int base = options.one_based ? 1 : 0;
  coordinates entries;
  const triplet_scan scan = read_triplet_entries(text, name, base, entries, nullptr);
  if (entries.size() == 0) {
    fail(name, 0, "no entries");
  }
  if (!options.one_based && scan.smallest > 0) {
    // Row 0 and column 0 would be empty: the file is (almost surely) numbered from 1.
    throw suspected_one_based(name, 0,
                              "no row or column index is 0 and the largest is " +
                                  std::to_string(scan.largest) +
                                  ": the indices look 1-based (a triplet file is read 0-based)");
  }
  std::int64_t stored = 0;
  for (std::size_t k = 0; k < entries.size(); ++k) {
    stored += (options.symmetric && entries.rows[k] != entries.cols[k]) ? 2 : 1;
  }
  if (stored > index_limit) {
    fail(name, 0, std::to_string(stored) + " entries exceed the 32-bit index limit");
  }
  const std::int64_t n = scan.largest + 1;
  if (n > stored + empty_row_allowance) {
    fail(name, scan.line_of_largest,
         "index " + std::to_string(scan.largest + base) + " makes " + std::to_string(n) +
             " rows but there are only " + std::to_string(stored) + " entries (at most " +
             std::to_string(empty_row_allowance) + " empty rows are accepted)");
  }
  sparse_matrix A;
  if (build_csr(static_cast<int>(n), static_cast<int>(n), entries, options.symmetric, A)) {
    return A;
  }
  coordinates all;
  std::vector<std::size_t> entry_lines;
  (void)read_triplet_entries(text, name, base, all, &entry_lines);
  duplicate_pair pair;
  if (!find_first_duplicate(all, options.symmetric, pair)) {
    fail(name, 0, "duplicate entries");  // not reached: build_csr and this search agree
  }
  fail(name, entry_lines[pair.second], duplicate_message(all, pair, entry_lines[pair.first], base));
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

sparse_matrix read_triplet(const std::string& path, const triplet_options& options) {
  const detail::file_text text(path);
  return detail::parse_or_report_memory(
      text, path, [&] { return detail::parse_triplet(text.view(), path, options); });
}

vector read_plain_vector(const std::string& path) {
  const detail::file_text text(path);
  return detail::parse_or_report_memory(
      text, path, [&] { return detail::parse_plain_vector(text.view(), path); });
}

namespace {

void put_triplet(detail::text_writer& out, const sparse_matrix& A) {
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

void put_plain_vector(detail::text_writer& out, const vector& x) {
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    out.put_real(x[i]);
    out.put('\n');
  }
  out.close();
}

/// True when \p path ends in ".mtx" or ".mtx.gz" (any case).
bool named_matrix_market(const std::string& path) {
  std::string lower = path;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return lower.ends_with(".mtx") || lower.ends_with(".mtx.gz");
}

format format_of(const std::string& path, std::string_view text) {
  return detail::has_matrix_market_banner(text) || named_matrix_market(path) ? format::matrix_market
                                                                             : format::triplet;
}

}  // namespace

void write_triplet(const std::string& path, const sparse_matrix& A) {
  detail::text_writer out(path);
  put_triplet(out, A);
}

void write_triplet(std::FILE* out, const std::string& name, const sparse_matrix& A) {
  detail::text_writer writer(out, name);
  put_triplet(writer, A);
}

void write_plain_vector(const std::string& path, const vector& x) {
  detail::text_writer out(path);
  put_plain_vector(out, x);
}

void write_plain_vector(std::FILE* out, const std::string& name, const vector& x) {
  detail::text_writer writer(out, name);
  put_plain_vector(writer, x);
}

sparse_matrix read_matrix(const std::string& path, const triplet_options& options, format* found) {
  const detail::file_text text(path);
  const format f = format_of(path, text.view());
  if (found != nullptr) {
    *found = f;
  }
  return detail::parse_or_report_memory(text, path, [&] {
    return f == format::matrix_market ? detail::parse_matrix_market(text.view(), path)
                                      : detail::parse_triplet(text.view(), path, options);
  });
}

vector read_vector(const std::string& path, format* found) {
  const detail::file_text text(path);
  const format f = format_of(path, text.view());
  if (found != nullptr) {
    *found = f;
  }
  return detail::parse_or_report_memory(text, path, [&] {
    return f == format::matrix_market ? detail::parse_matrix_market_vector(text.view(), path)
                                      : detail::parse_plain_vector(text.view(), path);
  });
}

}  // namespace asor::io
