/// \file json_report.cpp
/// \brief JSON output of the tool (see json_report.hpp; the documents are in src/report/).

#include "cli/json_report.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "cli/common.hpp"

namespace asor::cli {

void write_json(const json& v, const output_file& out) {
  const std::string text = pretty_json(v);
  out.write([&](std::FILE* f, const std::string& name) {
    if (std::fwrite(text.data(), 1, text.size(), f) != text.size()) {
      throw output_error(name + ": cannot write: " + std::strerror(errno));
    }
  });
}

}  // namespace asor::cli
