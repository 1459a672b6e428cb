/// \file pipeline.cpp
/// \brief How many sweeps a pipelined pass runs: the cache sizes of the machine and the choice of
/// `pipeline_sweeps = 0` (automatic). The kernel itself is in include/asor/sweep.hpp.

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <fstream>
#include <string>

#include "asor/sweep.hpp"

namespace asor {
namespace {

/// A sysfs cache size ("1024K", "36M"), in bytes; 0 when unreadable.
std::size_t parse_size(const std::string& text) {
  std::size_t value = 0;
  std::size_t k = 0;
  while (k < text.size() && std::isdigit(static_cast<unsigned char>(text[k])) != 0) {
    value = value * 10 + static_cast<std::size_t>(text[k] - '0');
    ++k;
  }
  if (k < text.size()) {
    const char unit = static_cast<char>(std::toupper(static_cast<unsigned char>(text[k])));
    if (unit == 'K') value <<= 10U;
    if (unit == 'M') value <<= 20U;
    if (unit == 'G') value <<= 30U;
  }
  return value;
}

/// The data or unified cache of \p level of cpu0 from sysfs; 0 when absent.
std::size_t sysfs_cache(int level) {
  for (int index = 0; index < 8; ++index) {
    const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index);
    std::ifstream level_file(dir + "/level");
    if (!level_file) break;
    int l = 0;
    level_file >> l;
    std::string type;
    std::ifstream(dir + "/type") >> type;
    if (l != level || type == "Instruction") continue;
    std::string size;
    std::ifstream(dir + "/size") >> size;
    return parse_size(size);
  }
  return 0;
}

std::size_t sysconf_size(int name) {
  const long v = ::sysconf(name);
  return v > 0 ? static_cast<std::size_t>(v) : 0;
}

cache_sizes detect() noexcept {
  cache_sizes c;
  try {
    c.l2 = sysconf_size(_SC_LEVEL2_CACHE_SIZE);
    c.l3 = sysconf_size(_SC_LEVEL3_CACHE_SIZE);
    if (c.l2 == 0) c.l2 = sysfs_cache(2);
    if (c.l3 == 0) c.l3 = sysfs_cache(3);
  } catch (...) {  // a failed allocation while reading sysfs: sizes unknown
  }
  return c;
}

}  // namespace

cache_sizes detect_cache_sizes() noexcept {
  static const cache_sizes sizes = detect();
  return sizes;
}

int automatic_pipeline_sweeps(const csr_view& A, int begin, int end, int lag,
                              const cache_sizes& cache, int cap) noexcept {
  const int n = end - begin;
  if (n <= 0 || lag < 1) return 1;
  cap = std::clamp(cap, 1, max_pipeline_sweeps);
  // Bytes one sweep moves per row of the range (matrix entries, row pointer, x, b, diagonal).
  const double row_bytes = A.sweep_bytes(begin, end) / n;
  // Without a known L2, assume 256 KiB, the smallest L2 of current x86-64 and Arm server cores.
  const double budget =
      0.5 * static_cast<double>(cache.l2 > 0 ? cache.l2 : std::size_t{256} << 10U);
  const double band = lag - 1.0;
  int t = 1;
  for (int c = 2; c <= cap; ++c) {
    const double window_rows = (c - 1.0) * lag + 2.0 * band + 1.0;
    if (window_rows * row_bytes > budget) break;
    if (4.0 * (c - 1.0) * lag > n) break;
    t = c;
  }
  return t;
}

}  // namespace asor
