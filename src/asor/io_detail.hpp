#pragma once
/// \file io_detail.hpp
/// \brief Private helpers of the readers and writers in src/asor/io_*.cpp (not installed).
///
/// The public readers take a path; they read the whole file into memory and call the
/// `parse_*` functions below, which work on text in memory and take the name to put in error
/// messages. The fuzzers (fuzz/) call the `parse_*` functions directly.
///
/// Memory: a reader allocates in proportion to the size of the text it was given, never in
/// proportion to a size the text merely declares. Declared entry counts only cap a reservation;
/// declared row counts are honoured only up to the number of entries actually present plus
/// `empty_row_allowance` (the row pointer of a CSR matrix costs 4 bytes per row, stored or not).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "asor/io/errors.hpp"
#include "asor/io/triplet.hpp"
#include "asor/matrix.hpp"

namespace asor::io::detail {

/// \name Parsers of text in memory; \p name is the file name used in error messages.
/// \throws input_error naming \p name, the line and the problem.
///@{
sparse_matrix parse_matrix_market(std::string_view text, const std::string& name);
vector parse_matrix_market_vector(std::string_view text, const std::string& name);
sparse_matrix parse_triplet(std::string_view text, const std::string& name,
                            const triplet_options& options = {});
vector parse_plain_vector(std::string_view text, const std::string& name);
///@}

/// \brief The whole content of a file, as text.
///
/// A regular file is mapped read-only (no copy). Anything else (a pipe, `/dev/stdin`, a process
/// substitution) is read into an anonymous mapping that grows with mremap, which moves pages
/// instead of copying them: a pipe costs the size of its text, not twice or three times that. A
/// gzip file (recognised by its magic bytes, whatever its name; several members are read one
/// after the other, as gzip does) is inflated through zlib into such a growing mapping.
///
/// Memory that cannot be had is an input_error naming the file and the size reached, never
/// std::bad_alloc.
class file_text {
 public:
  /// \throws input_error(path, 0, ...) when the file cannot be opened, read or inflated, or
  /// when memory runs out.
  explicit file_text(const std::string& path);
  ~file_text();
  file_text(const file_text&) = delete;
  file_text& operator=(const file_text&) = delete;

  [[nodiscard]] std::string_view view() const noexcept { return view_; }
  /// \returns whether the file was gzip-compressed.
  [[nodiscard]] bool compressed() const noexcept { return compressed_; }
  /// \returns "12.3 MB" (the text), or "12.3 MB, inflated from a 1.1 MB gzip file".
  [[nodiscard]] std::string size_text() const;

 private:
  void read_stream(int fd, const std::string& path);
  void inflate_from(int fd, std::string_view first, const std::string& path);
  void grow(std::size_t free_bytes, const std::string& path);

  void* map_ = nullptr;  ///< the mapped regular file
  std::size_t map_size_ = 0;
  void* buffer_ = nullptr;  ///< the growing anonymous mapping
  std::size_t capacity_ = 0;
  std::size_t used_ = 0;
  std::size_t compressed_bytes_ = 0;
  bool compressed_ = false;
  std::string_view view_;
};

/// \returns \p bytes in decimal units: "812 B", "12.3 kB", "4.1 MB", "1.25 GB".
[[nodiscard]] std::string bytes_text(double bytes);

/// \returns true when \p text begins with the Matrix Market banner (`%%MatrixMarket`, any case,
/// after an optional UTF-8 byte order mark).
[[nodiscard]] bool has_matrix_market_banner(std::string_view text) noexcept;

/// \brief Runs \p parse on \p text; turns std::bad_alloc into an input_error naming \p path and
/// the size of its text.
template <class F>
auto parse_or_report_memory(const file_text& text, const std::string& path, F&& parse) {
  try {
    return parse();
  } catch (const std::bad_alloc&) {
    throw input_error(
        path, 0, "out of memory storing what this file holds (" + text.size_text() + " of text)");
  }
}

/// Largest index + 1 of a 32-bit (Eigen `int`) sparse matrix, and the largest entry count.
inline constexpr std::int64_t index_limit = 2147483647;
/// Rows a matrix (or vector) may have beyond the number of its stored entries: empty rows cost
/// memory and time but no text. 2^20 rows are 4 MiB of row pointers (8 MiB of a dense vector).
/// A solvable system has a diagonal entry in every row, so a valid asor input never comes near
/// this; it stops a tiny file from declaring two billion empty rows. (A right-hand side with
/// more than 2^20 implicit zeros must be written in array format.) Found necessary by fuzzing:
/// at 2^24 a 70-byte file cost a second of work.
inline constexpr std::int64_t empty_row_allowance = std::int64_t{1} << 20;

/// \brief Throws input_error(name, line, problem).
[[noreturn]] inline void fail(const std::string& name, std::size_t line, std::string problem) {
  throw input_error(name, line, std::move(problem));
}

/// Space, tab, carriage return (CRLF files are accepted), vertical tab, form feed.
[[nodiscard]] constexpr bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/// \brief \p text without a leading UTF-8 byte order mark.
[[nodiscard]] inline std::string_view strip_bom(std::string_view text) noexcept {
  if (text.starts_with("\xEF\xBB\xBF")) {
    text.remove_prefix(3);
  }
  return text;
}

/// \brief Splits text into lines ('\n'-terminated; the last line may lack its '\n').
class line_reader {
 public:
  explicit line_reader(std::string_view text) noexcept : text_(text) {}

  /// \brief The next line without its '\n'; false at the end of the text.
  bool next(std::string_view& line) noexcept;

  /// \returns the 1-based number of the line last returned; after the last line, the number of
  /// the last line of the text (where an error about the end of the file is reported).
  [[nodiscard]] std::size_t number() const noexcept { return number_; }

  /// \returns the number of bytes not yet returned.
  [[nodiscard]] std::size_t remaining() const noexcept {
    return pos_ < text_.size() ? text_.size() - pos_ : 0;
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t number_ = 0;
};

/// \brief The tokens of one line, separated by whitespace (and commas when \p commas).
class token_reader {
 public:
  token_reader(std::string_view line, bool commas) noexcept
      : p_(line.data()), end_(line.data() + line.size()), commas_(commas) {}

  /// \brief The next token; false when none is left.
  bool next(std::string_view& token) noexcept {
    skip_separators();
    if (p_ == end_) {
      return false;
    }
    const char* begin = p_;
    while (p_ != end_ && !is_separator(*p_)) {
      ++p_;
    }
    token = std::string_view(begin, static_cast<std::size_t>(p_ - begin));
    return true;
  }

  /// \returns true when only separators are left.
  [[nodiscard]] bool at_end() noexcept {
    skip_separators();
    return p_ == end_;
  }

 private:
  [[nodiscard]] bool is_separator(char c) const noexcept {
    return is_space(c) || (commas_ && c == ',');
  }
  void skip_separators() noexcept {
    while (p_ != end_ && is_separator(*p_)) {
      ++p_;
    }
  }

  const char* p_;
  const char* end_;
  bool commas_;
};

/// \brief \p token as it may appear in a message: bytes outside printable ASCII as \xNN, cut
/// after 40 bytes ("...").
[[nodiscard]] std::string shown(std::string_view token);
/// \brief shown(token) between single quotes.
[[nodiscard]] std::string quoted(std::string_view token);

/// The outcome of parsing a token as a number.
enum class number_status {
  ok,        ///< the whole token is a number, which fits
  bad,       ///< not a number (or not only a number)
  too_large  ///< a number too large in magnitude for the type
};

/// \brief Parses the whole of \p token as a decimal integer (optional sign).
[[nodiscard]] number_status parse_integer(std::string_view token, std::int64_t& value) noexcept;
/// \brief Parses the whole of \p token as a double (decimal or "nan"/"inf" forms, optional
/// sign). A magnitude too small for a double becomes a signed zero (the correctly rounded value);
/// one too large is too_large.
[[nodiscard]] number_status parse_real(std::string_view token, double& value) noexcept;

/// \brief Parses a value token or throws: non-numeric, non-integer in an integer file, NaN,
/// infinite, or too large for a double.
[[nodiscard]] double parse_value(std::string_view token, bool integer_field,
                                 const std::string& name, std::size_t line);

/// \brief Entries of a sparse matrix as read, 0-based, in file order.
struct coordinates {
  std::vector<int> rows;
  std::vector<int> cols;
  std::vector<double> values;

  void reserve(std::size_t n) {
    rows.reserve(n);
    cols.reserve(n);
    values.reserve(n);
  }
  void push(int row, int col, double value) {
    rows.push_back(row);
    cols.push_back(col);
    values.push_back(value);
  }
  [[nodiscard]] std::size_t size() const noexcept { return values.size(); }
};

/// \brief Builds the compressed matrix of \p entries into \p out, adding the mirror of each
/// off-diagonal entry when \p symmetric. Columns are sorted within each row.
/// \pre every entry is inside rows x cols; the stored count fits an int.
/// \returns false when two entries fall on the same position (\p out is then unspecified).
[[nodiscard]] bool build_csr(int rows, int cols, const coordinates& entries, bool symmetric,
                             sparse_matrix& out);

/// Two entries of a `coordinates` (indices into it) that fall on the same position.
struct duplicate_pair {
  std::size_t first = 0;
  std::size_t second = 0;
};

/// \brief The duplicate whose second entry comes first in file order (the mirror of an entry
/// counts as the entry when \p symmetric); false when there is none.
[[nodiscard]] bool find_first_duplicate(const coordinates& entries, bool symmetric,
                                        duplicate_pair& found);

/// \brief The message for a duplicate pair: "duplicate entry (r, c), first at line L", indices
/// shifted by \p base (1 for Matrix Market, 0 for triplet).
[[nodiscard]] std::string duplicate_message(const coordinates& entries, const duplicate_pair& pair,
                                            std::size_t first_line, int base);

/// \brief Text written to a stdio stream through a large buffer with std::to_chars.
///
/// Every write is checked; a failure is an input_error naming the file with the system's reason
/// ("No space left on device").
class text_writer {
 public:
  /// \brief Writes to \p path, created or truncated; close() closes it.
  /// \throws input_error(path, 0, ...) when it cannot be opened.
  explicit text_writer(const std::string& path);
  /// \brief Writes to the open stream \p out, named \p name in errors; close() flushes it and
  /// leaves it open.
  text_writer(std::FILE* out, std::string name);
  ~text_writer();
  text_writer(const text_writer&) = delete;
  text_writer& operator=(const text_writer&) = delete;

  void put(std::string_view text);
  void put(char c) {
    reserve(1);
    buffer_[used_++] = c;
  }
  void put_integer(std::int64_t value);
  /// \brief \p value with 17 significant digits (as printf's %.17g): reads back bit-identical.
  void put_real(double value);
  /// \brief Flushes (and closes what it opened); throws when anything failed.
  void close();

 private:
  void reserve(std::size_t bytes) {
    if (buffer_.size() - used_ < bytes) {
      flush();
    }
  }
  void flush();

  std::string path_;
  std::FILE* file_ = nullptr;
  bool owned_ = true;
  std::vector<char> buffer_;
  std::size_t used_ = 0;
};

}  // namespace asor::io::detail
