/// \file input_error.cpp
/// \brief The one-line message of asor::input_error.

#include <string>
#include <utility>

#include "asor/io/errors.hpp"

namespace asor {

namespace {

/// "FILE:LINE: PROBLEM", "FILE: PROBLEM" (line 0) or "PROBLEM" (no file).
std::string format_input_error(const std::string& file, std::size_t line,
                               const std::string& problem) {
  if (file.empty()) {
    return problem;
  }
  std::string message = file;
  if (line != 0) {
    message += ':';
    message += std::to_string(line);
  }
  message += ": ";
  message += problem;
  return message;
}

}  // namespace

input_error::input_error(std::string file, std::size_t line, std::string problem)
    : std::runtime_error(format_input_error(file, line, problem)),
      file_(std::move(file)),
      line_(line),
      problem_(std::move(problem)) {}

}  // namespace asor
