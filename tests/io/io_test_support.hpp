#pragma once
/// \file io_test_support.hpp
/// \brief Small helpers shared by the I/O tests: data paths, temporary files, bit comparisons.

#include <unistd.h>

#include <atomic>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>

#include "asor/matrix.hpp"

namespace asor::io::test {

/// \returns the path of \p name in tests/data.
inline std::string data_path(const std::string& name) {
  return std::string(ASOR_TEST_DATA_DIR) + "/" + name;
}

/// \brief A file in the temporary directory, removed when this object dies.
class temp_file {
 public:
  explicit temp_file(const std::string& suffix) {
    static std::atomic<int> counter{0};
    path_ = (std::filesystem::temp_directory_path() /
             ("asor_io_test_" + std::to_string(::getpid()) + "_" +
              std::to_string(counter.fetch_add(1)) + suffix))
                .string();
  }
  temp_file(const std::string& suffix, std::string_view content) : temp_file(suffix) {
    write(content);
  }
  ~temp_file() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;

  void write(std::string_view content) const {
    std::ofstream out(path_, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
  }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

/// \returns the bits of \p v (to compare doubles exactly, -0.0 and NaN payloads included).
inline std::uint64_t bits(double v) noexcept { return std::bit_cast<std::uint64_t>(v); }

/// \returns true when \p A and \p B have the same size, pattern and bit-identical values.
inline bool bit_identical(const sparse_matrix& A, const sparse_matrix& B) {
  if (A.rows() != B.rows() || A.cols() != B.cols() || A.nonZeros() != B.nonZeros()) {
    return false;
  }
  for (Eigen::Index i = 0; i < A.outerSize(); ++i) {
    sparse_matrix::InnerIterator a(A, i);
    sparse_matrix::InnerIterator b(B, i);
    for (; a && b; ++a, ++b) {
      if (a.col() != b.col() || bits(a.value()) != bits(b.value())) {
        return false;
      }
    }
    if (a || b) {
      return false;
    }
  }
  return true;
}

/// \returns the seed of a randomized test: ASOR_SEED when set, else a fixed default.
inline std::uint64_t test_seed() {
  const char* env = std::getenv("ASOR_SEED");
  return env != nullptr ? std::strtoull(env, nullptr, 10) : 20240521U;
}

}  // namespace asor::io::test
