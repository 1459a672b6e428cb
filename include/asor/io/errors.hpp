#pragma once
/// \file errors.hpp
/// \brief The exception for bad input: it names the file, the line and the problem.

#include <cstddef>
#include <stdexcept>
#include <string>

namespace asor {

/// \brief Bad input (a malformed file, an invalid matrix or right-hand side).
///
/// `what()` is one line: "FILE:LINE: PROBLEM", or "FILE: PROBLEM" when no line applies (line 0),
/// or "PROBLEM" when no file is known (a matrix built in memory).
class input_error : public std::runtime_error {
 public:
  input_error(std::string file, std::size_t line, std::string problem);
  explicit input_error(std::string problem) : input_error({}, 0, std::move(problem)) {}

  [[nodiscard]] const std::string& file() const noexcept { return file_; }
  [[nodiscard]] std::size_t line() const noexcept { return line_; }
  [[nodiscard]] const std::string& problem() const noexcept { return problem_; }

  /// \returns the same error attributed to \p file (for in-memory checks of a file's content).
  [[nodiscard]] input_error in_file(const std::string& file) const {
    return input_error(file, line_, problem_);
  }

 private:
  std::string file_;
  std::size_t line_;
  std::string problem_;
};

}  // namespace asor
