#pragma once
/// \file output.hpp
/// \brief The tool's output files: checked before any work starts, written whole to a temporary
/// file beside the destination and renamed over it (a reader never sees half a file, and a
/// failed write leaves what was there), every write and close checked; `-` is stdout.

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace asor::cli {

/// \brief Call first thing in main: a closed standard descriptor (`>&-`) is occupied by
/// /dev/null opened read-only, so that no file the tool opens takes its number and writes to it
/// fail (EBADF) instead of landing in that file.
void guard_standard_streams() noexcept;

/// \brief Flushes stdout after a block of results (a summary, a table); a failure is kept, with
/// its reason, for finish_stdout to report.
void flush_stdout() noexcept;

/// \brief Call last thing in main: flushes and closes stdout.
/// \throws output_error ("stdout: cannot write: REASON") when anything written to it was lost.
void finish_stdout();

/// \brief One output of a command (`--json F`, `--x-out F`, `-o F`, ...).
class output_file {
 public:
  /// \brief No output.
  output_file() = default;
  /// \brief Checks now that \p path can be written: its directory exists and takes a new file,
  /// it is not a directory, and an existing file is writable. "-" is stdout (which must be open),
  /// an empty path no output at all.
  /// \param flag the option that named it (for messages)
  /// \throws output_error naming the file and the reason.
  output_file(std::string flag, std::string path);

  [[nodiscard]] bool wanted() const noexcept { return !path_.empty(); }
  [[nodiscard]] bool to_stdout() const noexcept { return path_ == "-"; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] const std::string& flag() const noexcept { return flag_; }
  /// \returns the name used in messages: the path, or "stdout".
  [[nodiscard]] std::string name() const { return to_stdout() ? "stdout" : path_; }
  /// \returns the path without a final `.gz` (whose extension says the format).
  [[nodiscard]] std::string format_name() const;
  /// \returns whether the format name ends in \p ext (case-insensitive, with the dot).
  [[nodiscard]] bool has_extension(const std::string& ext) const;

  /// \brief Writes the file through \p write, which gets the stream and the name to put in its
  /// errors; a name ending in `.gz` is compressed (zlib). Regular files go through a temporary
  /// file renamed over the destination once written, flushed, synced and closed.
  /// \throws output_error naming the file; the destination is then left as it was.
  void write(const std::function<void(std::FILE*, const std::string&)>& write) const;

  /// \brief Has \p produce write the file at a path it is given (a temporary file with the
  /// same extension, renamed over the destination afterwards; for stdout, copied to it).
  /// \throws output_error naming the file.
  void produce(const std::function<void(const std::string& path)>& produce) const;

 private:
  std::string flag_;
  std::string path_;
  bool special_ = false;  ///< an existing file that is not a regular one (a device, a FIFO)
};

/// \brief Refuses two outputs naming the same file, and more than one going to stdout.
/// \throws usage_error naming both flags.
void check_distinct(const std::vector<const output_file*>& outputs);

}  // namespace asor::cli
