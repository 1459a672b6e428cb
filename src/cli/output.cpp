/// \file output.cpp
/// \brief The tool's output files (see output.hpp).

#include "cli/output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "asor/io/errors.hpp"
#include "cli/common.hpp"

namespace asor::cli {

namespace {

namespace fs = std::filesystem;

bool stdout_was_closed = false;
int stdout_error = 0;          ///< errno of the first failed flush of stdout
bool stdout_reported = false;  ///< an output to stdout failed and said so already

std::string errno_text(int err) { return std::generic_category().message(err); }

[[noreturn]] void cannot_write(const std::string& name, const std::string& reason) {
  throw output_error(name + ": cannot write: " + reason);
}

/// The permissions a file created by fopen would get: 0666 less the umask.
mode_t default_file_mode() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return static_cast<mode_t>(0666U & ~static_cast<unsigned>(mask));
}

/// A temporary file, removed on destruction unless released.
class temp_file {
 public:
  /// \brief Creates `DIR/.NAME.asor-XXXXXX` + \p suffix next to \p destination (hidden, on the
  /// same file system, so that rename is atomic), or in $TMPDIR when \p beside is false.
  /// \throws output_error naming \p shown_name.
  temp_file(const std::string& destination, const std::string& suffix, bool beside,
            const std::string& shown_name) {
    fs::path dir;
    std::string base = "asor-output";
    if (beside) {
      const fs::path p(destination);
      dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
      base = p.filename().string();
    } else {
      const char* env = std::getenv("TMPDIR");
      dir = env != nullptr && *env != '\0' ? fs::path(env) : fs::path("/tmp");
    }
    std::string templ = (dir / ("." + base + ".asor-XXXXXX" + suffix)).string();
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    fd_ = ::mkostemps(buf.data(), static_cast<int>(suffix.size()), O_CLOEXEC);
    if (fd_ < 0) {
      const int err = errno;
      cannot_write(shown_name,
                   beside ? errno_text(err)
                          : "no temporary file in " + dir.string() + ": " + errno_text(err));
    }
    path_ = buf.data();
  }
  ~temp_file() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;

  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] int fd() const noexcept { return fd_; }
  /// \brief The descriptor now belongs to someone else (a stdio stream).
  int take_fd() noexcept { return std::exchange(fd_, -1); }
  /// \brief The file was renamed: nothing to remove.
  void release() noexcept { path_.clear(); }

 private:
  int fd_ = -1;
  std::string path_;
};

/// stdio over a zlib gzip stream (fopencookie): the library writers write to a FILE*.
struct gz_cookie {
  gzFile gz;
};

extern "C" ::ssize_t gz_cookie_write(void* cookie, const char* data, std::size_t size) {
  if (size == 0) return 0;
  errno = 0;
  const int written = gzwrite(static_cast<gz_cookie*>(cookie)->gz, data,
                              static_cast<unsigned>(std::min<std::size_t>(size, 1U << 30U)));
  if (written <= 0) {
    if (errno == 0) errno = EIO;
    return -1;
  }
  return written;
}

extern "C" int gz_cookie_close(void* cookie) {
  auto* c = static_cast<gz_cookie*>(cookie);
  errno = 0;
  const int rc = gzclose(c->gz);
  delete c;
  if (rc != Z_OK) {
    if (errno == 0) errno = EIO;
    return -1;
  }
  return 0;
}

/// \returns a stdio stream that gzip-compresses into (a duplicate of) \p fd.
std::FILE* open_gzip_stream(int fd, const std::string& name) {
  const int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) cannot_write(name, errno_text(errno));
  gzFile gz = gzdopen(copy, "wb6");
  if (gz == nullptr) {
    ::close(copy);
    cannot_write(name, "cannot start zlib's deflate");
  }
  cookie_io_functions_t io{};
  io.write = &gz_cookie_write;
  io.close = &gz_cookie_close;
  auto* cookie = new gz_cookie{gz};
  std::FILE* f = ::fopencookie(cookie, "w", io);
  if (f == nullptr) {
    gzclose(gz);
    delete cookie;
    cannot_write(name, "cannot open a stream");
  }
  return f;
}

/// Runs \p write on \p f; a library input_error ("NAME: cannot write: ...") becomes an
/// output_error, then the stream is flushed and checked.
void write_checked(std::FILE* f, const std::string& name,
                   const std::function<void(std::FILE*, const std::string&)>& write) {
  try {
    write(f, name);
  } catch (const input_error& e) {
    throw output_error(e.what());
  }
  errno = 0;
  if (std::fflush(f) != 0 || std::ferror(f) != 0) {
    cannot_write(name, errno != 0 ? errno_text(errno) : "write error");
  }
}

/// Writes through \p f, or, for \p gzip, through a gzip stream on \p fd (the same file), which is
/// closed and checked here; \p f stays open for the caller.
void write_body(std::FILE* f, int fd, bool gzip, const std::string& name,
                const std::function<void(std::FILE*, const std::string&)>& write) {
  if (!gzip) {
    write_checked(f, name, write);
    return;
  }
  std::FILE* g = open_gzip_stream(fd, name);
  try {
    write_checked(g, name, write);
  } catch (...) {
    std::fclose(g);
    throw;
  }
  if (std::fclose(g) != 0) cannot_write(name, errno_text(errno));
}

/// Copies the file at \p from to \p to (stdout, a device, a FIFO), checking every write.
void copy_to(const std::string& from, std::FILE* to, const std::string& name) {
  std::FILE* in = std::fopen(from.c_str(), "rb");
  if (in == nullptr) cannot_write(name, errno_text(errno));
  std::array<char, 1 << 16> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), in)) > 0) {
    if (std::fwrite(buf.data(), 1, n, to) != n) {
      const int err = errno;
      std::fclose(in);
      cannot_write(name, errno_text(err));
    }
  }
  std::fclose(in);
  errno = 0;
  if (std::fflush(to) != 0 || std::ferror(to) != 0) {
    cannot_write(name, errno != 0 ? errno_text(errno) : "write error");
  }
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// The file a write to \p path lands in: the target of a symbolic link (so that the link stays
/// a link), else \p path.
std::string destination_of(const std::string& path) {
  std::error_code ec;
  if (fs::is_symlink(fs::symlink_status(path, ec))) {
    const fs::path target = fs::canonical(path, ec);
    if (!ec) return target.string();
  }
  return path;
}

}  // namespace

void guard_standard_streams() noexcept {
  for (const int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
    if (::fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
    // Read-only on purpose: a write to it fails with EBADF, as on the closed descriptor.
    const int got = ::open("/dev/null", O_RDONLY);
    if (got >= 0 && got != fd) {
      ::dup2(got, fd);
      ::close(got);
    }
    if (fd == STDOUT_FILENO) stdout_was_closed = true;
  }
  // Results are written in blocks, each flushed by flush_stdout, which keeps the reason of a
  // failure; a buffer larger than any block means no write happens (and fails) unseen inside
  // printf. A terminal stays line-buffered.
  if (::isatty(STDOUT_FILENO) == 0) {
    static std::array<char, std::size_t{1} << 20> buffer{};
    std::setvbuf(stdout, buffer.data(), _IOFBF, buffer.size());
  }
}

void flush_stdout() noexcept {
  errno = 0;
  if (std::fflush(stdout) != 0 && stdout_error == 0) stdout_error = errno != 0 ? errno : EIO;
}

void finish_stdout() {
  const bool failed_before = std::ferror(stdout) != 0;
  flush_stdout();
  errno = 0;
  const bool close_failed = std::fclose(stdout) != 0;
  if (close_failed && stdout_error == 0) stdout_error = errno != 0 ? errno : EIO;
  if ((!failed_before && stdout_error == 0) || stdout_reported) return;
  if (stdout_was_closed) cannot_write("stdout", errno_text(EBADF) + " (stdout is closed)");
  cannot_write("stdout", stdout_error != 0 ? errno_text(stdout_error) : "write error");
}

output_file::output_file(std::string flag, std::string path)
    : flag_(std::move(flag)), path_(std::move(path)) {
  if (path_.empty()) return;
  if (to_stdout()) {
    const int mode = ::fcntl(STDOUT_FILENO, F_GETFL);
    if (stdout_was_closed || mode < 0 || (mode & O_ACCMODE) == O_RDONLY) {
      cannot_write("stdout", "stdout is closed (" + flag_ + " -)");
    }
    return;
  }
  const std::string dest = destination_of(path_);
  struct stat info {};
  if (::stat(dest.c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode)) cannot_write(path_, errno_text(EISDIR));
    if (::access(dest.c_str(), W_OK) != 0) cannot_write(path_, errno_text(errno));
    if (!S_ISREG(info.st_mode)) {
      special_ = true;  // /dev/null, /dev/full, a FIFO: written in place
      return;
    }
  } else if (errno != ENOENT) {
    cannot_write(path_, errno_text(errno));
  }
  // The directory must take a new file (it exists, is writable, is not on a read-only file
  // system): the temporary file the write will go through is tried now, before any work.
  const temp_file probe(dest, "", true, path_);
}

std::string output_file::format_name() const {
  const std::string l = lower(path_);
  return l.ends_with(".gz") ? path_.substr(0, path_.size() - 3) : path_;
}

bool output_file::has_extension(const std::string& ext) const {
  return lower(format_name()).ends_with(lower(ext));
}

void output_file::write(const std::function<void(std::FILE*, const std::string&)>& write) const {
  if (!wanted()) return;
  if (to_stdout()) {
    try {
      write_checked(stdout, "stdout", write);
    } catch (const output_error&) {
      stdout_reported = true;  // finish_stdout has nothing to add
      throw;
    }
    return;
  }
  const bool gzip = lower(path_).ends_with(".gz");
  if (special_) {
    // A device or a FIFO: written in place (no rename onto /dev/null).
    std::FILE* f = std::fopen(path_.c_str(), "w");
    if (f == nullptr) cannot_write(path_, errno_text(errno));
    try {
      write_body(f, ::fileno(f), gzip, path_, write);
    } catch (...) {
      std::fclose(f);
      throw;
    }
    if (std::fclose(f) != 0) cannot_write(path_, errno_text(errno));
    return;
  }

  const std::string dest = destination_of(path_);
  struct stat info {};
  const mode_t mode = ::stat(dest.c_str(), &info) == 0 ? static_cast<mode_t>(info.st_mode & 07777U)
                                                       : default_file_mode();
  temp_file tmp(dest, "", true, path_);
  if (::fchmod(tmp.fd(), mode) != 0) cannot_write(path_, errno_text(errno));
  std::FILE* f = ::fdopen(tmp.fd(), "w");
  if (f == nullptr) cannot_write(path_, errno_text(errno));
  const int fd = tmp.take_fd();
  try {
    write_body(f, fd, gzip, path_, write);
    // On disk before it replaces the old file: a full disk or a quota shows here at the latest.
    if (::fsync(fd) != 0) cannot_write(path_, errno_text(errno));
  } catch (...) {
    std::fclose(f);
    throw;
  }
  if (std::fclose(f) != 0) cannot_write(path_, errno_text(errno));
  if (::rename(tmp.path().c_str(), dest.c_str()) != 0) cannot_write(path_, errno_text(errno));
  tmp.release();
}

void output_file::produce(const std::function<void(const std::string& path)>& produce) const {
  if (!wanted()) return;
  const std::string ext =
      to_stdout() ? std::string(".png") : fs::path(format_name()).extension().string();
  if (to_stdout() || special_) {
    const temp_file tmp(path_, ext, false, name());
    produce(tmp.path());
    if (to_stdout()) {
      try {
        copy_to(tmp.path(), stdout, "stdout");
      } catch (const output_error&) {
        stdout_reported = true;
        throw;
      }
      return;
    }
    std::FILE* f = std::fopen(path_.c_str(), "w");
    if (f == nullptr) cannot_write(path_, errno_text(errno));
    try {
      copy_to(tmp.path(), f, path_);
    } catch (...) {
      std::fclose(f);
      throw;
    }
    if (std::fclose(f) != 0) cannot_write(path_, errno_text(errno));
    return;
  }
  const std::string dest = destination_of(path_);
  temp_file tmp(dest, ext, true, path_);
  produce(tmp.path());
  if (::fsync(tmp.fd()) != 0) cannot_write(path_, errno_text(errno));
  struct stat info {};
  const mode_t mode = ::stat(dest.c_str(), &info) == 0 ? static_cast<mode_t>(info.st_mode & 07777U)
                                                       : default_file_mode();
  if (::fchmod(tmp.fd(), mode) != 0) cannot_write(path_, errno_text(errno));
  if (::rename(tmp.path().c_str(), dest.c_str()) != 0) cannot_write(path_, errno_text(errno));
  tmp.release();
}

void check_distinct(const std::vector<const output_file*>& outputs) {
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    for (std::size_t j = i + 1; j < outputs.size(); ++j) {
      const output_file& a = *outputs[i];
      const output_file& b = *outputs[j];
      if (!a.wanted() || !b.wanted()) continue;
      if (a.to_stdout() && b.to_stdout()) {
        throw usage_error(a.flag() + " and " + b.flag() +
                          " both write to stdout ('-'); at most one output can");
      }
      if (a.to_stdout() || b.to_stdout()) continue;
      std::error_code ec1;
      std::error_code ec2;
      const fs::path pa = fs::weakly_canonical(a.path(), ec1);
      const fs::path pb = fs::weakly_canonical(b.path(), ec2);
      if (a.path() == b.path() || (!ec1 && !ec2 && pa == pb)) {
        throw usage_error(a.flag() + " and " + b.flag() + " both name " + b.path());
      }
    }
  }
}

}  // namespace asor::cli
