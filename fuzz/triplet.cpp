/// \file triplet.cpp
/// \brief libFuzzer target: the triplet matrix reader on arbitrary bytes. It must return a
/// well-formed result or throw asor::input_error; anything else (crash, other exception, hang,
/// memory out of proportion to the input) is a finding.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const asor::sparse_matrix A = asor::io::detail::parse_triplet(text, "fuzz.txt");
    asor::io::fuzz::check_matrix(A);
  } catch (const asor::input_error& e) {
    asor::io::fuzz::check_error(e, text);
  }
  return 0;
}
