/// \file io_matrix_market.cpp
/// \brief Matrix Market reader and writer, and the helpers shared with the triplet format.
///
/// Reading: the file is read whole into memory, split into lines with memchr and parsed with
/// std::from_chars; entries go to three flat arrays and from there straight into the CSR arrays
/// of the result (count per row, prefix sum, fill, sort a row only if it is not already sorted:
/// Matrix Market files written column by column fill every row in order, mirrors included).
/// Duplicates are found on the sorted rows; only then is the text parsed a second time to name
/// the lines, so the common path records no line numbers.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <system_error>
#include <unordered_map>

#include "asor/io/matrix_market.hpp"
#include "asor/io_detail.hpp"

namespace asor::io {

namespace detail {

// ---------------------------------------------------------------------------------------------
// Text helpers

bool line_reader::next(std::string_view& line) noexcept {
  if (pos_ >= text_.size()) {
    return false;
  }
  const char* begin = text_.data() + pos_;
  const std::size_t left = text_.size() - pos_;
  const void* newline = std::memchr(begin, '\n', left);
  const std::size_t length =
      newline != nullptr ? static_cast<std::size_t>(static_cast<const char*>(newline) - begin)
                         : left;
  line = std::string_view(begin, length);
  pos_ += length + 1;
  ++number_;
  return true;
}

std::string shown(std::string_view token) {
  constexpr std::size_t max_shown = 40;
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  const std::size_t n = std::min(token.size(), max_shown);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(token[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4U];
      out += hex[c & 0xfU];
    }
  }
  if (token.size() > max_shown) {
    out += "...";
  }
  return out;
}

std::string quoted(std::string_view token) { return "'" + shown(token) + "'"; }

number_status parse_integer(std::string_view token, std::int64_t& value) noexcept {
  const char* begin = token.data();
  const char* end = begin + token.size();
  if (begin != end && *begin == '+') {
    ++begin;
    if (begin == end || *begin == '-') {
      return number_status::bad;
    }
  }
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ptr != end) {
    return number_status::bad;
  }
  if (ec == std::errc::result_out_of_range) {
    return number_status::too_large;
  }
  return ec == std::errc() ? number_status::ok : number_status::bad;
}

namespace {

/// For a token std::from_chars found out of range: true when its magnitude is too large (as
/// opposed to too small). The token is a valid decimal floating-point number.
bool overflows(std::string_view token) noexcept {
  std::size_t i = 0;
  if (i < token.size() && (token[i] == '-' || token[i] == '+')) {
    ++i;
  }
  // Decimal exponent of the leading nonzero digit of the significand.
  std::int64_t lead = 0;
  bool seen_digit = false;
  bool after_point = false;
  std::int64_t integer_digits = 0;
  std::int64_t leading_fraction_zeros = 0;
  for (; i < token.size(); ++i) {
    const char c = token[i];
    if (c == '.') {
      after_point = true;
    } else if (c >= '0' && c <= '9') {
      if (!after_point) {
        if (seen_digit || c != '0') {
          seen_digit = true;
          ++integer_digits;
        }
      } else if (!seen_digit) {
        if (c == '0') {
          ++leading_fraction_zeros;
        } else {
          seen_digit = true;
        }
      }
    } else {
      break;  // 'e' or 'E'
    }
  }
  lead = integer_digits > 0 ? integer_digits - 1 : -(leading_fraction_zeros + 1);
  std::int64_t exponent = 0;
  if (i < token.size()) {
    ++i;  // 'e'
    bool negative = false;
    if (i < token.size() && (token[i] == '-' || token[i] == '+')) {
      negative = token[i] == '-';
      ++i;
    }
    for (; i < token.size(); ++i) {
      exponent = std::min<std::int64_t>(exponent * 10 + (token[i] - '0'), 1'000'000'000);
    }
    if (negative) {
      exponent = -exponent;
    }
  }
  return lead + exponent > 0;
}

}  // namespace

number_status parse_real(std::string_view token, double& value) noexcept {
  const char* begin = token.data();
  const char* end = begin + token.size();
  if (begin != end && *begin == '+') {
    ++begin;
    if (begin == end || *begin == '-') {
      return number_status::bad;
    }
  }
  const auto [ptr, ec] = std::from_chars(begin, end, value, std::chars_format::general);
  if (ptr != end) {
    return number_status::bad;
  }
  if (ec == std::errc::result_out_of_range) {
    if (overflows(token)) {
      return number_status::too_large;
    }
    value = token.front() == '-' ? -0.0 : 0.0;
    return number_status::ok;
  }
  return ec == std::errc() ? number_status::ok : number_status::bad;
}

double parse_value(std::string_view token, bool integer_field, const std::string& name,
                   std::size_t line) {
  double value = 0.0;
  const number_status status = parse_real(token, value);
  if (status == number_status::bad) {
    fail(name, line, "non-numeric value " + quoted(token));
  }
  if (status == number_status::too_large) {
    fail(name, line, "value " + quoted(token) + " is too large for a double");
  }
  if (std::isnan(value)) {
    fail(name, line, "value is NaN");
  }
  if (std::isinf(value)) {
    fail(name, line, "value is infinite");
  }
  if (integer_field) {
    const std::size_t sign = (token.front() == '-' || token.front() == '+') ? 1 : 0;
    const bool digits_only = token.size() > sign &&
                             std::all_of(token.begin() + static_cast<std::ptrdiff_t>(sign),
                                         token.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits_only) {
      fail(name, line, "non-integer value " + quoted(token) + " in an integer file");
    }
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Compressed rows

bool build_csr(int rows, int cols, const coordinates& entries, bool symmetric, sparse_matrix& out) {
  out = sparse_matrix(rows, cols);
  int* outer = out.outerIndexPtr();
  const std::size_t n = entries.size();
  const int* r = entries.rows.data();
  const int* c = entries.cols.data();
  const double* v = entries.values.data();
  const auto row_of = [](int i) { return static_cast<std::size_t>(i); };

  for (std::size_t k = 0; k < n; ++k) {
    ++outer[row_of(r[k]) + 1];
    if (symmetric && r[k] != c[k]) {
      ++outer[row_of(c[k]) + 1];
    }
  }
  for (std::size_t i = 0; i < row_of(rows); ++i) {
    outer[i + 1] += outer[i];
  }
  out.resizeNonZeros(outer[rows]);
  int* inner = out.innerIndexPtr();
  double* values = out.valuePtr();
  // Fill with outer[i] as the cursor of row i (it ends at the start of row i + 1), then shift
  // the pointers back by one row: no second array of rows + 1 cursors.
  for (std::size_t k = 0; k < n; ++k) {
    const auto p = row_of(outer[row_of(r[k])]++);
    inner[p] = c[k];
    values[p] = v[k];
    if (symmetric && r[k] != c[k]) {
      const auto q = row_of(outer[row_of(c[k])]++);
      inner[q] = r[k];
      values[q] = v[k];
    }
  }
  for (std::size_t i = row_of(rows); i > 0; --i) {
    outer[i] = outer[i - 1];
  }
  outer[0] = 0;

  std::vector<std::pair<int, double>> scratch;
  for (std::size_t i = 0; i < row_of(rows); ++i) {
    const auto begin = row_of(outer[i]);
    const auto end = row_of(outer[i + 1]);
    bool sorted = true;
    for (std::size_t k = begin + 1; k < end; ++k) {
      if (inner[k] <= inner[k - 1]) {
        if (inner[k] == inner[k - 1]) {
          return false;
        }
        sorted = false;
        break;
      }
    }
    if (sorted) {
      continue;
    }
    scratch.clear();
    for (std::size_t k = begin; k < end; ++k) {
      scratch.emplace_back(inner[k], values[k]);
    }
    std::sort(scratch.begin(), scratch.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (std::size_t k = begin; k < end; ++k) {
      inner[k] = scratch[k - begin].first;
      values[k] = scratch[k - begin].second;
      if (k > begin && inner[k] == inner[k - 1]) {
        return false;
      }
    }
  }
  return true;
}

bool find_first_duplicate(const coordinates& entries, bool symmetric, duplicate_pair& found) {
  std::unordered_map<std::uint64_t, std::size_t> first;
  first.reserve(entries.size());
  for (std::size_t k = 0; k < entries.size(); ++k) {
    int r = entries.rows[k];
    int c = entries.cols[k];
    if (symmetric && c > r) {
      std::swap(r, c);
    }
    const std::uint64_t key = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(r)) << 32U) |
                              static_cast<std::uint32_t>(c);
    const auto [it, inserted] = first.try_emplace(key, k);
    if (!inserted) {
      found = {it->second, k};
      return true;
    }
  }
  return false;
}

std::string duplicate_message(const coordinates& entries, const duplicate_pair& pair,
                              std::size_t first_line, int base) {
  const auto at = [&](std::size_t k) {
    return "(" + std::to_string(entries.rows[k] + base) + ", " +
           std::to_string(entries.cols[k] + base) + ")";
  };
  if (entries.rows[pair.first] == entries.rows[pair.second] &&
      entries.cols[pair.first] == entries.cols[pair.second]) {
    return "duplicate entry " + at(pair.second) + ", first at line " + std::to_string(first_line);
  }
  return "duplicate entry " + at(pair.second) + ": a symmetric file already has its mirror " +
         at(pair.first) + " at line " + std::to_string(first_line);
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Matrix Market

namespace {

using detail::fail;
using detail::number_status;
using detail::quoted;
using detail::shown;

enum class mm_format { coordinate, array };
enum class mm_field { real, integer, pattern };
enum class mm_symmetry { general, symmetric };

/// What the banner and the size line say.
struct mm_header {
  mm_format format = mm_format::coordinate;
  mm_field field = mm_field::real;
  mm_symmetry symmetry = mm_symmetry::general;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::int64_t entries = 0;  ///< declared entries (coordinate) or rows * cols (array)
  std::size_t size_line = 0;
  std::string_view symmetry_token;
};

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) {
             return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
           };
           return lower(x) == lower(y);
         });
}

bool blank_or_comment(std::string_view line) noexcept {
  for (const char c : line) {
    if (!detail::is_space(c)) {
      return c == '%';
    }
  }
  return true;
}

constexpr const char* banner_form =
    "'%%MatrixMarket matrix coordinate|array real|integer|pattern general|symmetric'";

/// Reads the banner, the comments and the size line.
mm_header read_header(detail::line_reader& lines, const std::string& name) {
  std::string_view line;
  if (!lines.next(line)) {
    fail(name, 0, "file is empty");
  }
  detail::token_reader tokens(line, false);
  std::string_view token;
  if (!tokens.next(token) || !iequals(token, "%%MatrixMarket")) {
    fail(name, 1, "not a Matrix Market file (expected '%%MatrixMarket matrix ...' banner)");
  }
  std::string_view words[4];
  for (auto& word : words) {
    if (!tokens.next(word)) {
      fail(name, 1, std::string("incomplete banner (expected ") + banner_form + ")");
    }
  }
  if (tokens.next(token)) {
    fail(name, 1,
         "unexpected " + quoted(token) + " after the banner (expected " + banner_form + ")");
  }
  if (!iequals(words[0], "matrix")) {
    fail(name, 1, "unsupported object " + quoted(words[0]) + " (only 'matrix')");
  }
  mm_header h;
  if (iequals(words[1], "coordinate")) {
    h.format = mm_format::coordinate;
  } else if (iequals(words[1], "array")) {
    h.format = mm_format::array;
  } else {
    fail(name, 1, "unsupported format " + quoted(words[1]) + " (only coordinate and array)");
  }
  if (iequals(words[2], "real") || iequals(words[2], "double")) {
    h.field = mm_field::real;
  } else if (iequals(words[2], "integer")) {
    h.field = mm_field::integer;
  } else if (iequals(words[2], "pattern")) {
    h.field = mm_field::pattern;
  } else {
    fail(name, 1, "unsupported field " + quoted(words[2]) + " (only real, integer and pattern)");
  }
  if (iequals(words[3], "general")) {
    h.symmetry = mm_symmetry::general;
  } else if (iequals(words[3], "symmetric")) {
    h.symmetry = mm_symmetry::symmetric;
  } else {
    fail(name, 1, "unsupported symmetry " + quoted(words[3]) + " (only general and symmetric)");
  }
  h.symmetry_token = words[3];
  if (h.format == mm_format::array && h.field == mm_field::pattern) {
    fail(name, 1, "an array file cannot have the pattern field");
  }

  const char* size_form = h.format == mm_format::coordinate ? "(expected 'rows columns entries')"
                                                            : "(expected 'rows columns')";
  do {
    if (!lines.next(line)) {
      fail(name, lines.number(), std::string("missing size line ") + size_form);
    }
  } while (blank_or_comment(line));
  h.size_line = lines.number();

  detail::token_reader sizes(line, false);
  std::string_view size_tokens[3];
  std::int64_t values[3] = {0, 0, 0};
  bool too_large[3] = {false, false, false};
  const char* what[3] = {"row count", "column count", "entry count"};
  const int fields = h.format == mm_format::coordinate ? 3 : 2;
  for (int i = 0; i < fields; ++i) {
    auto& tok = size_tokens[i];
    if (!sizes.next(tok)) {
      fail(name, h.size_line, std::string("incomplete size line ") + size_form);
    }
    const number_status status = detail::parse_integer(tok, values[i]);
    if (status == number_status::bad) {
      fail(name, h.size_line,
           std::string("expected an integer ") + what[i] + ", got " + quoted(tok));
    }
    too_large[i] = status == number_status::too_large;
    if (values[i] < 0 && !too_large[i]) {
      fail(name, h.size_line, std::string("negative ") + what[i] + " " + shown(tok));
    }
  }
  if (sizes.next(token)) {
    fail(name, h.size_line,
         "unexpected extra field " + quoted(token) + " on the size line " + size_form);
  }
  if (too_large[0] || too_large[1] || values[0] > detail::index_limit ||
      values[1] > detail::index_limit) {
    fail(name, h.size_line,
         "declared size " + shown(size_tokens[0]) + " x " + shown(size_tokens[1]) +
             " exceeds the 32-bit index limit");
  }
  h.rows = values[0];
  h.cols = values[1];
  if (h.symmetry == mm_symmetry::symmetric && h.rows != h.cols) {
    fail(name, h.size_line,
         "a symmetric matrix must be square, got " + std::to_string(h.rows) + " x " +
             std::to_string(h.cols));
  }
  if (h.format == mm_format::coordinate) {
    // At most one entry per position (rows, cols < 2^31, so the products fit).
    const std::int64_t positions =
        h.symmetry == mm_symmetry::symmetric ? h.rows * (h.rows + 1) / 2 : h.rows * h.cols;
    if (too_large[2] || values[2] > positions) {
      fail(name, h.size_line,
           "declared " + shown(size_tokens[2]) + " entries, more than the " +
               std::to_string(positions) + " positions of a " + std::to_string(h.rows) + " x " +
               std::to_string(h.cols) + (h.symmetry == mm_symmetry::symmetric ? " symmetric" : "") +
               " matrix");
    }
    h.entries = values[2];
  } else {
    h.entries = h.rows * h.cols;
  }
  return h;
}

/// Parses a 1-based index token of the entry on \p line; fails unless it is in [1, limit].
int parse_index(std::string_view token, std::int64_t limit, const char* what,
                const std::string& name, std::size_t line) {
  std::int64_t value = 0;
  const number_status status = detail::parse_integer(token, value);
  if (status == number_status::bad) {
    fail(name, line, std::string("expected an integer ") + what + ", got " + quoted(token));
  }
  if (status == number_status::too_large || value < 1 || value > limit) {
    fail(name, line,
         std::string(what) + " " + shown(token) + " out of range [1, " + std::to_string(limit) +
             "]");
  }
  return static_cast<int>(value - 1);
}

/// One entry of a coordinate file, 0-based.
struct mm_entry {
  int row = 0;
  int col = 0;
  double value = 1.0;
};

/// Parses the entry on \p line token by token, naming exactly what is wrong; also accepts the
/// valid forms the fast path declines ('+' signs, values that underflow to zero, long digits).
mm_entry parse_entry_slowly(std::string_view line, const mm_header& h, const std::string& name,
                            std::size_t number) {
  const bool pattern = h.field == mm_field::pattern;
  const char* form = pattern ? "(expected 'row column')" : "(expected 'row column value')";
  detail::token_reader tokens(line, false);
  std::string_view row_token;
  std::string_view col_token;
  std::string_view value_token;
  (void)tokens.next(row_token);  // the caller saw it is there
  if (!tokens.next(col_token)) {
    fail(name, number, std::string("missing column index ") + form);
  }
  mm_entry e;
  e.row = parse_index(row_token, h.rows, "row index", name, number);
  e.col = parse_index(col_token, h.cols, "column index", name, number);
  if (!pattern) {
    if (!tokens.next(value_token)) {
      fail(name, number, std::string("missing value ") + form);
    }
    e.value = detail::parse_value(value_token, h.field == mm_field::integer, name, number);
  }
  std::string_view extra;
  if (tokens.next(extra)) {
    fail(name, number, "unexpected extra field " + quoted(extra) + " " + form);
  }
  return e;
}

/// Moves \p p past spaces.
inline void skip_spaces(const char*& p, const char* end) noexcept {
  while (p != end && detail::is_space(*p)) {
    ++p;
  }
}

/// Fast path: 1 to 18 decimal digits, then a space or the end (then past the spaces).
inline bool fast_index(const char*& p, const char* end, std::int64_t& value) noexcept {
  const char* begin = p;
  std::uint64_t v = 0;
  for (; p != end; ++p) {
    const unsigned digit = static_cast<unsigned>(static_cast<unsigned char>(*p)) - 48U;
    if (digit > 9U) {
      break;
    }
    v = v * 10U + digit;
  }
  if (p == begin || p - begin > 18 || (p != end && !detail::is_space(*p))) {
    return false;
  }
  skip_spaces(p, end);
  value = static_cast<std::int64_t>(v);
  return true;
}

/// Fast path: a finite double (std::from_chars), then a space or the end.
inline bool fast_real(const char*& p, const char* end, double& value) noexcept {
  if (p == end || *p == '+') {
    return false;
  }
  const auto [q, ec] = std::from_chars(p, end, value, std::chars_format::general);
  if (ec != std::errc() || (q != end && !detail::is_space(*q)) || !std::isfinite(value)) {
    return false;
  }
  p = q;
  skip_spaces(p, end);
  return true;
}

/// Fast path: an optional '-' and 1 to 15 digits (exact in a double), then a space or the end.
inline bool fast_integer(const char*& p, const char* end, double& value) noexcept {
  const bool negative = p != end && *p == '-';
  const char* q = negative ? p + 1 : p;
  const char* digits_end = q;
  while (digits_end != end && *digits_end >= '0' && *digits_end <= '9') {
    ++digits_end;
  }
  std::int64_t v = 0;
  if (digits_end - q > 15 || !fast_index(q, end, v)) {
    return false;
  }
  p = q;
  value = negative ? -static_cast<double>(v) : static_cast<double>(v);
  return true;
}

/// Reads the entries of a coordinate file into \p entries (0-based); records the line of each
/// one in \p entry_lines when given. Each line is tried on a fast path first; anything it
/// declines (errors included) goes to parse_entry_slowly, which has the exact diagnosis.
void read_coordinate_entries(detail::line_reader& lines, const mm_header& h,
                             const std::string& name, detail::coordinates& entries,
                             std::vector<std::size_t>* entry_lines) {
  // Each entry takes at least 4 bytes ("1 1\n"): reserve no more than the text can hold.
  const auto could_hold = static_cast<std::int64_t>(lines.remaining() / 4 + 1);
  entries.reserve(static_cast<std::size_t>(std::min(h.entries, could_hold)));
  const bool pattern = h.field == mm_field::pattern;
  const bool integer = h.field == mm_field::integer;
  std::int64_t count = 0;
  std::string_view line;
  while (lines.next(line)) {
    const char* p = line.data();
    const char* end = p + line.size();
    skip_spaces(p, end);
    if (p == end || *p == '%') {
      continue;  // blank line or comment
    }
    const std::size_t number = lines.number();
    if (count == h.entries) {
      fail(name, number, "more entries than the declared " + std::to_string(h.entries));
    }
    std::int64_t row = 0;
    std::int64_t col = 0;
    double value = 1.0;
    if (fast_index(p, end, row) && fast_index(p, end, col) && row >= 1 && row <= h.rows &&
        col >= 1 && col <= h.cols &&
        (pattern || (integer ? fast_integer(p, end, value) : fast_real(p, end, value))) &&
        p == end) {
      entries.push(static_cast<int>(row - 1), static_cast<int>(col - 1), value);
    } else {
      const mm_entry e = parse_entry_slowly(line, h, name, number);
      entries.push(e.row, e.col, e.value);
    }
    if (entry_lines != nullptr) {
      entry_lines->push_back(number);
    }
    ++count;
  }
  if (count < h.entries) {
    fail(name, lines.number(),
         "expected " + std::to_string(h.entries) + " entries, file ends after " +
             std::to_string(count) + " (truncated)");
  }
}

/// The compressed matrix of a coordinate file whose header \p h has been read from \p lines.
sparse_matrix read_coordinate_matrix(std::string_view text, detail::line_reader& lines,
                                     const mm_header& h, const std::string& name) {
  const bool symmetric = h.symmetry == mm_symmetry::symmetric;
  detail::coordinates entries;
  read_coordinate_entries(lines, h, name, entries, nullptr);

  std::int64_t stored = 0;
  for (std::size_t k = 0; k < entries.size(); ++k) {
    stored += (symmetric && entries.rows[k] != entries.cols[k]) ? 2 : 1;
  }
  if (stored > detail::index_limit) {
    fail(name, h.size_line,
         std::to_string(stored) + " stored entries exceed the 32-bit index limit");
  }
  if (h.rows > stored + detail::empty_row_allowance) {
    fail(name, h.size_line,
         "declared " + std::to_string(h.rows) + " rows but only " + std::to_string(stored) +
             " entries (at most " + std::to_string(detail::empty_row_allowance) +
             " empty rows are accepted)");
  }
  sparse_matrix A;
  if (detail::build_csr(static_cast<int>(h.rows), static_cast<int>(h.cols), entries, symmetric,
                        A)) {
    return A;
  }
  // Rare path: parse again, this time recording lines, to name both lines of the duplicate.
  detail::line_reader again(text);
  (void)read_header(again, name);
  detail::coordinates all;
  std::vector<std::size_t> entry_lines;
  read_coordinate_entries(again, h, name, all, &entry_lines);
  detail::duplicate_pair pair;
  if (!detail::find_first_duplicate(all, symmetric, pair)) {
    fail(name, 0, "duplicate entries");  // not reached: build_csr and this search agree
  }
  fail(name, entry_lines[pair.second],
       detail::duplicate_message(all, pair, entry_lines[pair.first], 1));
}

}  // namespace

namespace detail {

sparse_matrix parse_matrix_market(std::string_view text, const std::string& name) {
  if (text.empty()) {
    fail(name, 0, "file is empty");
  }
  text = strip_bom(text);
  line_reader lines(text);
  const mm_header h = read_header(lines, name);
  if (h.format == mm_format::array) {
    fail(name, 1,
         "array (dense) format is read only as a vector; a matrix must be in coordinate format");
  }
  return read_coordinate_matrix(text, lines, h, name);
}

vector parse_matrix_market_vector(std::string_view text, const std::string& name) {
  if (text.empty()) {
    fail(name, 0, "file is empty");
  }
  text = strip_bom(text);
  line_reader lines(text);
  const mm_header h = read_header(lines, name);
  if (h.symmetry != mm_symmetry::general) {
    fail(name, 1, "a vector file must be general, not " + quoted(h.symmetry_token));
  }
  if (h.field == mm_field::pattern) {
    fail(name, 1, "a vector file needs values: the pattern field is not accepted");
  }
  if (h.cols != 1) {
    fail(name, h.size_line,
         "a vector must have one column, got " + std::to_string(h.rows) + " x " +
             std::to_string(h.cols));
  }
  if (h.format == mm_format::coordinate) {
    const sparse_matrix A = read_coordinate_matrix(text, lines, h, name);
    vector x = vector::Zero(A.rows());
    for (int i = 0; i < A.outerSize(); ++i) {
      for (sparse_matrix::InnerIterator it(A, i); it; ++it) {
        x[it.row()] = it.value();
      }
    }
    return x;
  }

  // Array: one value per line. Each takes at least 2 bytes ("1\n").
  std::vector<double> values;
  values.reserve(static_cast<std::size_t>(
      std::min(h.entries, static_cast<std::int64_t>(lines.remaining() / 2 + 1))));
  const bool integer = h.field == mm_field::integer;
  std::string_view line;
  while (lines.next(line)) {
    token_reader tokens(line, false);
    std::string_view token;
    if (!tokens.next(token) || token.front() == '%') {
      continue;
    }
    const std::size_t number = lines.number();
    if (static_cast<std::int64_t>(values.size()) == h.entries) {
      fail(name, number, "more values than the declared " + std::to_string(h.entries));
    }
    values.push_back(parse_value(token, integer, name, number));
    std::string_view extra;
    if (tokens.next(extra)) {
      fail(name, number,
           "unexpected extra field " + quoted(extra) + " (expected one value per line)");
    }
  }
  if (static_cast<std::int64_t>(values.size()) < h.entries) {
    fail(name, lines.number(),
         "expected " + std::to_string(h.entries) + " values, file ends after " +
             std::to_string(values.size()) + " (truncated)");
  }
  return Eigen::Map<const vector>(values.data(), static_cast<Eigen::Index>(values.size()));
}

}  // namespace detail

sparse_matrix read_matrix_market(const std::string& path) {
  const detail::file_text text(path);
  return detail::parse_or_report_memory(
      text, path, [&] { return detail::parse_matrix_market(text.view(), path); });
}

vector read_matrix_market_vector(const std::string& path) {
  const detail::file_text text(path);
  return detail::parse_or_report_memory(
      text, path, [&] { return detail::parse_matrix_market_vector(text.view(), path); });
}

namespace {

void put_matrix_market(detail::text_writer& out, const sparse_matrix& A, bool symmetric) {
  std::int64_t count = 0;
  for (Eigen::Index i = 0; i < A.outerSize(); ++i) {
    for (sparse_matrix::InnerIterator it(A, i); it; ++it) {
      count += (!symmetric || it.col() <= it.row()) ? 1 : 0;
    }
  }
  out.put(symmetric ? "%%MatrixMarket matrix coordinate real symmetric\n"
                    : "%%MatrixMarket matrix coordinate real general\n");
  out.put_integer(A.rows());
  out.put(' ');
  out.put_integer(A.cols());
  out.put(' ');
  out.put_integer(count);
  out.put('\n');
  for (Eigen::Index i = 0; i < A.outerSize(); ++i) {
    for (sparse_matrix::InnerIterator it(A, i); it; ++it) {
      if (symmetric && it.col() > it.row()) {
        continue;
      }
      out.put_integer(it.row() + 1);
      out.put(' ');
      out.put_integer(it.col() + 1);
      out.put(' ');
      out.put_real(it.value());
      out.put('\n');
    }
  }
  out.close();
}

void put_matrix_market_vector(detail::text_writer& out, const vector& x) {
  out.put("%%MatrixMarket matrix array real general\n");
  out.put_integer(x.size());
  out.put(" 1\n");
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    out.put_real(x[i]);
    out.put('\n');
  }
  out.close();
}

}  // namespace

void write_matrix_market(const std::string& path, const sparse_matrix& A, bool symmetric) {
  detail::text_writer out(path);
  put_matrix_market(out, A, symmetric);
}

void write_matrix_market(std::FILE* out, const std::string& name, const sparse_matrix& A,
                         bool symmetric) {
  detail::text_writer writer(out, name);
  put_matrix_market(writer, A, symmetric);
}

void write_matrix_market_vector(const std::string& path, const vector& x) {
  detail::text_writer out(path);
  put_matrix_market_vector(out, x);
}

void write_matrix_market_vector(std::FILE* out, const std::string& name, const vector& x) {
  detail::text_writer writer(out, name);
  put_matrix_market_vector(writer, x);
}

}  // namespace asor::io
