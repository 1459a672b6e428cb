/// \file fuzz_replay_test.cpp
/// \brief Replays the fuzzers' seed corpora and every regression input (fuzz/corpus/<target>/,
/// fuzz/regressions/<target>/) through the same in-memory parsers the fuzz targets call: each
/// input must parse or throw input_error, and nothing else.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <string_view>

#include "asor/io_detail.hpp"

namespace asor::io::test {
namespace {

using parser = std::function<void(std::string_view, const std::string&)>;

void replay(const std::string& target, const parser& parse) {
  int inputs = 0;
  for (const char* kind : {"corpus", "regressions"}) {
    const std::filesystem::path dir =
        std::filesystem::path(ASOR_SOURCE_DIR) / "fuzz" / kind / target;
    if (!std::filesystem::is_directory(dir)) {
      continue;
    }
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (!entry.is_regular_file() || entry.path().filename().string().starts_with(".")) {
        continue;
      }
      std::ifstream in(entry.path(), std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
      ++inputs;
      try {
        parse(bytes, entry.path().string());
      } catch (const input_error&) {
        // rejected with a message: fine
      } catch (const std::exception& e) {
        ADD_FAILURE() << entry.path() << ": unexpected exception: " << e.what();
      }
    }
  }
  EXPECT_GT(inputs, 0) << "no inputs for " << target;
}

TEST(fuzz_replay, mm_matrix) {
  replay("mm_matrix", [](std::string_view text, const std::string& name) {
    (void)detail::parse_matrix_market(text, name);
  });
}

TEST(fuzz_replay, mm_vector) {
  replay("mm_vector", [](std::string_view text, const std::string& name) {
    (void)detail::parse_matrix_market_vector(text, name);
  });
}

TEST(fuzz_replay, triplet) {
  replay("triplet", [](std::string_view text, const std::string& name) {
    (void)detail::parse_triplet(text, name);
  });
}

TEST(fuzz_replay, plain_vector) {
  replay("plain_vector", [](std::string_view text, const std::string& name) {
    (void)detail::parse_plain_vector(text, name);
  });
}

}  // namespace
}  // namespace asor::io::test
