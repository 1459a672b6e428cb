/// \file json_report.cpp
/// \brief JSON output of the tool (see json_report.hpp; the documents are in src/report/).

#include "cli/json_report.hpp"

#include <cstdio>

#include "cli/common.hpp"

namespace asor::cli {

void write_json(const json& v, const std::string& destination) {
  const std::string text = pretty_json(v);
  if (destination == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return;
  }
  auto f = open_output(destination);
  if (std::fwrite(text.data(), 1, text.size(), f.get()) != text.size()) {
    throw output_error(destination + ": cannot write: write failed");
  }
}

}  // namespace asor::cli
