/// \file file_test.cpp
/// \brief The file side of the readers and writers: gzip (mapped, or through a pipe, several
/// members, cut short, corrupt), pipes, and writers to an open stream whose writes fail.

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "asor/io/matrix_market.hpp"
#include "asor/io/triplet.hpp"
#include "io_test_support.hpp"

namespace asor::io::test {
namespace {

/// \p text as one gzip member, at \p level (0: stored, no compression).
std::string gzip_member(const std::string& text, int level = 9) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, text.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  return out;
}

/// Reads \p bytes through a pipe, as `/dev/stdin` or `<(zcat ...)` would give them.
template <class F>
auto through_pipe(const std::string& bytes, F&& read) {
  std::signal(SIGPIPE, SIG_IGN);  // a reader that stops early makes the writer fail, not die
  int fds[2];
  EXPECT_EQ(pipe2(fds, O_CLOEXEC), 0);
  std::thread writer([&] {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fds[1], bytes.data() + done, bytes.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::close(fds[1]);
  });
  try {
    auto result = read("/proc/self/fd/" + std::to_string(fds[0]));
    writer.join();
    ::close(fds[0]);
    return result;
  } catch (...) {
    ::close(fds[0]);
    writer.join();
    throw;
  }
}

std::string lf10_text() {
  std::ifstream in(data_path("LF10.mtx"), std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(gzip, a_compressed_file_reads_as_its_text) {
  const sparse_matrix expected = read_matrix_market(data_path("LF10.mtx"));
  const std::string text = lf10_text();
  const temp_file gz(".mtx.gz", gzip_member(text));
  EXPECT_TRUE(bit_identical(read_matrix_market(gz.path()), expected));
  EXPECT_TRUE(bit_identical(read_matrix(gz.path()), expected));
  // Two members, as `cat a.gz b.gz` makes, and through a pipe.
  const std::string two = gzip_member(text.substr(0, 700)) + gzip_member(text.substr(700));
  const temp_file gz2(".gz", two);
  EXPECT_TRUE(bit_identical(read_matrix(gz2.path()), expected));
  EXPECT_TRUE(bit_identical(through_pipe(two, [](const std::string& p) { return read_matrix(p); }),
                            expected));
}

TEST(gzip, a_member_boundary_split_across_reads_of_a_pipe) {
  // A pipe is read in chunks of 64 KiB after its first two bytes: the second member's magic
  // bytes are made to straddle the first chunk boundary (offset 2 + 65536 - 1).
  const std::string comment_line = "%" + std::string(62, 'c') + "\n";
  std::string first;
  std::string member;
  for (std::size_t size = 65400; size < 65600; ++size) {
    first = "%%MatrixMarket matrix coordinate real general\n";
    while (first.size() < size) first += comment_line;
    first.resize(size - 1);
    first += "\n";
    member = gzip_member(first, 0);
    if (member.size() == 65537) break;
  }
  ASSERT_EQ(member.size(), 65537U) << "no stored member of the size wanted";
  const std::string rest = "2 2 2\n1 1 4\n2 2 4\n";
  const std::string stream = member + gzip_member(rest);
  const sparse_matrix A =
      through_pipe(stream, [](const std::string& p) { return read_matrix_market(p); });
  EXPECT_EQ(A.rows(), 2);
  EXPECT_EQ(A.coeff(1, 1), 4.0);
}

TEST(gzip, cut_short_or_corrupt_is_an_input_error) {
  const std::string whole = gzip_member(lf10_text());
  const temp_file cut(".mtx.gz", whole.substr(0, whole.size() / 2));
  try {
    (void)read_matrix_market(cut.path());
    FAIL() << "a truncated gzip file was accepted";
  } catch (const input_error& e) {
    EXPECT_EQ(e.line(), 0U);
    EXPECT_EQ(e.problem().rfind("the gzip data ends early (a truncated download?) after ", 0), 0U)
        << e.problem();
  }
  std::string broken = whole;
  for (std::size_t i = 12; i < 40; ++i) broken[i] = static_cast<char>(0xff);
  const temp_file bad(".mtx.gz", broken);
  try {
    (void)read_matrix_market(bad.path());
    FAIL() << "corrupt gzip data was accepted";
  } catch (const input_error& e) {
    EXPECT_EQ(e.problem().rfind("corrupt gzip data: ", 0), 0U) << e.problem();
  }
}

TEST(pipe, a_pipe_reads_as_the_file_does) {
  const sparse_matrix expected = read_matrix_market(data_path("nos6.mtx"));
  std::ifstream in(data_path("nos6.mtx"), std::ios::binary);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  EXPECT_TRUE(bit_identical(
      through_pipe(text, [](const std::string& p) { return read_matrix_market(p); }), expected));
  EXPECT_THROW(through_pipe(std::string(), [](const std::string& p) { return read_triplet(p); }),
               input_error);  // empty
}

TEST(writers, to_an_open_stream_and_every_failure_reported) {
  const sparse_matrix A = read_matrix_market(data_path("LF10.mtx"));
  const temp_file file(".mtx");
  std::FILE* f = std::fopen(file.path().c_str(), "w");
  ASSERT_NE(f, nullptr);
  write_matrix_market(f, file.path(), A, true);
  EXPECT_EQ(std::fclose(f), 0);
  EXPECT_TRUE(bit_identical(read_matrix_market(file.path()), A));

  std::FILE* full = std::fopen("/dev/full", "w");
  ASSERT_NE(full, nullptr);
  try {
    write_plain_vector(full, "the-name", vector::Ones(10));
    FAIL() << "a write to /dev/full succeeded";
  } catch (const input_error& e) {
    EXPECT_EQ(e.file(), "the-name");
    EXPECT_EQ(e.problem(), "cannot write: No space left on device");
  }
  std::fclose(full);
}

}  // namespace
}  // namespace asor::io::test
