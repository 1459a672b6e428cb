/// \file io_file.cpp
/// \brief Reading a file's text (mapped, read from a pipe, or inflated from gzip) and writing
/// text through a checked buffer: the file side of the readers and writers (see io_detail.hpp).

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <system_error>

#include "asor/io_detail.hpp"

namespace asor::io::detail {

namespace {

std::string errno_text() { return std::generic_category().message(errno); }

/// Closes a POSIX file descriptor on scope exit.
struct descriptor {
  int fd;
  ~descriptor() {
    if (fd >= 0) {
      ::close(fd);
    }
  }
};

/// Reads up to \p size bytes, retrying on EINTR; fewer only at the end of the file.
/// \returns the number of bytes read, or -1 (errno set).
::ssize_t read_fully(int fd, char* data, std::size_t size) {
  std::size_t got = 0;
  while (got < size) {
    const ::ssize_t n = ::read(fd, data + got, size - got);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return -1;
    }
    if (n == 0) {
      break;
    }
    got += static_cast<std::size_t>(n);
  }
  return static_cast<::ssize_t>(got);
}

bool is_gzip(std::string_view bytes) noexcept {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1fU &&
         static_cast<unsigned char>(bytes[1]) == 0x8bU;
}

constexpr std::size_t page_bytes = 4096;
constexpr std::size_t chunk_bytes = std::size_t{1} << 16;

std::size_t round_up_to_page(std::size_t n) {
  return (n + page_bytes - 1) / page_bytes * page_bytes;
}

/// Owns a zlib inflate stream.
struct inflater {
  z_stream z{};
  bool ready = false;
  inflater() { ready = inflateInit2(&z, 15 + 16) == Z_OK; }  // gzip only
  ~inflater() {
    if (ready) {
      inflateEnd(&z);
    }
  }
  inflater(const inflater&) = delete;
  inflater& operator=(const inflater&) = delete;
};

}  // namespace

std::string bytes_text(double bytes) {
  std::array<char, 32> buf{};
  if (bytes < 1e3) {
    std::snprintf(buf.data(), buf.size(), "%.0f B", bytes);
  } else if (bytes < 1e6) {
    std::snprintf(buf.data(), buf.size(), "%.1f kB", bytes / 1e3);
  } else if (bytes < 1e9) {
    std::snprintf(buf.data(), buf.size(), "%.1f MB", bytes / 1e6);
  } else {
    std::snprintf(buf.data(), buf.size(), "%.2f GB", bytes / 1e9);
  }
  return buf.data();
}

bool has_matrix_market_banner(std::string_view text) noexcept {
  text = strip_bom(text);
  constexpr std::string_view banner = "%%matrixmarket";
  if (text.size() < banner.size()) {
    return false;
  }
  for (std::size_t i = 0; i < banner.size(); ++i) {
    const char c = text[i];
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (lower != banner[i]) {
      return false;
    }
  }
  return true;
}

file_text::file_text(const std::string& path) {
  const descriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) {
    fail(path, 0, "cannot open: " + errno_text());
  }
  struct stat info {};
  if (::fstat(file.fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_size > 0) {
    // A regular file is mapped (and its pages populated at once): no copy, no zeroed buffer.
    const auto size = static_cast<std::size_t>(info.st_size);
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, file.fd, 0);
    if (map == MAP_FAILED && errno == ENOMEM) {
      fail(path, 0,
           "out of memory mapping this " + bytes_text(static_cast<double>(size)) + " file");
    }
    if (map != MAP_FAILED) {
      map_ = map;
      map_size_ = size;
      ::madvise(map_, map_size_, MADV_SEQUENTIAL);
      const std::string_view bytes(static_cast<const char*>(map_), map_size_);
      if (!is_gzip(bytes)) {
        view_ = bytes;
        return;
      }
      // Inflate from the mapping, then let the compressed bytes go.
      try {
        inflate_from(-1, bytes, path);
      } catch (...) {
        ::munmap(map_, map_size_);
        map_ = nullptr;
        throw;
      }
      ::munmap(map_, map_size_);
      map_ = nullptr;
      return;
    }
  }
  read_stream(file.fd, path);
}

file_text::~file_text() {
  if (map_ != nullptr) {
    ::munmap(map_, map_size_);
  }
  if (buffer_ != nullptr) {
    ::munmap(buffer_, capacity_);
  }
}

std::string file_text::size_text() const {
  std::string text = bytes_text(static_cast<double>(view_.size()));
  if (compressed_) {
    text += ", inflated from " + bytes_text(static_cast<double>(compressed_bytes_)) + " of gzip";
  }
  return text;
}

void file_text::grow(std::size_t free_bytes, const std::string& path) {
  if (capacity_ - used_ >= free_bytes) {
    return;
  }
  // A quarter more each time: mremap moves pages rather than copying them, so growing often
  // costs little, and the reserve beyond the text stays small (it counts against ulimit -v).
  const std::size_t wanted = round_up_to_page(
      std::max({capacity_ + capacity_ / 4, used_ + free_bytes, std::size_t{1} << 20}));
  void* grown = buffer_ == nullptr ? ::mmap(nullptr, wanted, PROT_READ | PROT_WRITE,
                                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                                   : ::mremap(buffer_, capacity_, wanted, MREMAP_MAYMOVE);
  if (grown == MAP_FAILED) {
    std::string what = "out of memory reading this file after " +
                       bytes_text(static_cast<double>(used_)) + " of text";
    if (compressed_) {
      what += " (inflated from " + bytes_text(static_cast<double>(compressed_bytes_)) +
              " of gzip so far)";
    }
    fail(path, 0, what);
  }
  buffer_ = grown;
  capacity_ = wanted;
}

void file_text::read_stream(int fd, const std::string& path) {
  // The first bytes say whether the stream is gzip.
  std::array<char, 2> head{};
  const ::ssize_t got = read_fully(fd, head.data(), head.size());
  if (got < 0) {
    fail(path, 0, "cannot read: " + errno_text());
  }
  const std::string_view first(head.data(), static_cast<std::size_t>(got));
  if (is_gzip(first)) {
    inflate_from(fd, first, path);
    return;
  }
  grow(chunk_bytes, path);
  char* data = static_cast<char*>(buffer_);
  std::memcpy(data, first.data(), first.size());
  used_ = first.size();
  for (;;) {
    grow(chunk_bytes, path);
    data = static_cast<char*>(buffer_);
    const ::ssize_t n = ::read(fd, data + used_, capacity_ - used_);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      fail(path, 0, "cannot read: " + errno_text());
    }
    if (n == 0) {
      break;
    }
    used_ += static_cast<std::size_t>(n);
  }
  view_ = std::string_view(static_cast<const char*>(buffer_), used_);
}

void file_text::inflate_from(int fd, std::string_view first, const std::string& path) {
  compressed_ = true;
  inflater inf;
  if (!inf.ready) {
    fail(path, 0, "cannot start zlib's inflate (out of memory?)");
  }
  z_stream& z = inf.z;
  // Input: \p first, then (fd >= 0) what the descriptor still holds, through a fixed buffer.
  std::vector<char> input;
  std::string_view pending = first;
  bool input_done = fd < 0;
  const auto refill = [&]() {
    if (!pending.empty() || input_done) {
      return;
    }
    input.resize(chunk_bytes);
    const ::ssize_t n = read_fully(fd, input.data(), input.size());
    if (n < 0) {
      fail(path, 0, "cannot read: " + errno_text());
    }
    if (n == 0) {
      input_done = true;
    }
    pending = std::string_view(input.data(), static_cast<std::size_t>(n));
  };
  bool in_member = true;  // inside a gzip member (the first one starts at once)
  for (;;) {
    refill();
    if (pending.empty() && input_done) {
      break;
    }
    if (!in_member) {
      // Between members: another one, or trailing bytes that gzip too would ignore.
      if (pending.size() < 2 && !input_done) {
        // A member's magic may be split across reads: keep the byte and read more.
        std::string keep(pending);
        pending = {};
        refill();
        keep += std::string(pending);
        input.assign(keep.begin(), keep.end());
        pending = std::string_view(input.data(), input.size());
      }
      if (!is_gzip(pending)) {
        break;
      }
      if (inflateReset(&z) != Z_OK) {
        fail(path, 0, "corrupt gzip data");
      }
      in_member = true;
    }
    grow(chunk_bytes, path);
    const std::size_t before_in = pending.size();
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(pending.data()));
    z.avail_in = static_cast<uInt>(std::min<std::size_t>(pending.size(), 1U << 30U));
    z.next_out = static_cast<Bytef*>(buffer_) + used_;
    z.avail_out = static_cast<uInt>(std::min<std::size_t>(capacity_ - used_, 1U << 30U));
    const std::size_t out_before = z.avail_out;
    const std::size_t in_offered = z.avail_in;
    const int rc = inflate(&z, Z_NO_FLUSH);
    used_ += out_before - z.avail_out;
    const std::size_t consumed = in_offered - z.avail_in;
    compressed_bytes_ += consumed;
    pending.remove_prefix(std::min(consumed, before_in));
    if (rc == Z_STREAM_END) {
      in_member = false;
      continue;
    }
    if (rc == Z_MEM_ERROR) {
      fail(path, 0,
           "out of memory inflating this gzip file after " +
               bytes_text(static_cast<double>(used_)) + " of text");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      fail(path, 0,
           std::string("corrupt gzip data: ") + (z.msg != nullptr ? z.msg : "inflate failed"));
    }
  }
  if (in_member) {
    fail(path, 0,
         "the gzip data ends early (a truncated download?) after " +
             bytes_text(static_cast<double>(used_)) + " of text");
  }
  view_ = std::string_view(static_cast<const char*>(buffer_), used_);
}

// ---------------------------------------------------------------------------------------------
// Writing

text_writer::text_writer(const std::string& path)
    : path_(path), file_(std::fopen(path.c_str(), "wb")), buffer_(std::size_t{1} << 20) {
  if (file_ == nullptr) {
    fail(path_, 0, "cannot open for writing: " + errno_text());
  }
}

text_writer::text_writer(std::FILE* out, std::string name)
    : path_(std::move(name)), file_(out), owned_(false), buffer_(std::size_t{1} << 20) {}

text_writer::~text_writer() {
  if (file_ != nullptr && owned_) {
    std::fclose(file_);
  }
}

void text_writer::put(std::string_view text) {
  while (!text.empty()) {
    reserve(1);
    const std::size_t n = std::min(text.size(), buffer_.size() - used_);
    std::memcpy(buffer_.data() + used_, text.data(), n);
    used_ += n;
    text.remove_prefix(n);
  }
}

void text_writer::put_integer(std::int64_t value) {
  reserve(24);
  char* begin = buffer_.data() + used_;
  const auto result = std::to_chars(begin, begin + 24, value);
  used_ += static_cast<std::size_t>(result.ptr - begin);
}

void text_writer::put_real(double value) {
  reserve(32);
  char* begin = buffer_.data() + used_;
  const auto result = std::to_chars(begin, begin + 32, value, std::chars_format::general, 17);
  used_ += static_cast<std::size_t>(result.ptr - begin);
}

void text_writer::flush() {
  if (used_ > 0 && std::fwrite(buffer_.data(), 1, used_, file_) != used_) {
    fail(path_, 0, "cannot write: " + errno_text());
  }
  used_ = 0;
}

void text_writer::close() {
  flush();
  if (!owned_) {
    if (std::fflush(file_) != 0) {
      fail(path_, 0, "cannot write: " + errno_text());
    }
    return;
  }
  std::FILE* file = std::exchange(file_, nullptr);
  if (std::fclose(file) != 0) {
    fail(path_, 0, "cannot write: " + errno_text());
  }
}

}  // namespace asor::io::detail
