#pragma once
/// \file http_client.hpp
/// \brief A deliberately small blocking HTTP/1.1 client on POSIX sockets for the monitor's tests:
/// raw requests (oversized, malformed, with or without a token), replies parsed by hand, and the
/// Server-Sent Events of /events. Independent of Beast, so the tests check the server against a
/// second implementation.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace asor::web_test {

/// \brief A connected TCP socket, closed on destruction.
class connection {
 public:
  /// \brief Connects to 127.0.0.1:\p port; reads time out after \p timeout_seconds.
  /// \p receive_buffer > 0 sets SO_RCVBUF before connecting (a small window: a slow client).
  explicit connection(std::uint16_t port, double timeout_seconds = 20, int receive_buffer = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    if (receive_buffer > 0) {
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout_seconds);
    tv.tv_usec = static_cast<suseconds_t>((timeout_seconds - static_cast<double>(tv.tv_sec)) * 1e6);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      throw std::runtime_error("connect to port " + std::to_string(port) + " failed");
    }
  }
  ~connection() {
    if (fd_ >= 0) ::close(fd_);
  }
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// \brief Sends all of \p data. \returns false when the peer closed or reset.
  bool send(const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

  /// \brief Reads what arrives (at most \p max bytes). \returns "" at EOF, a reset or a timeout.
  std::string read_some(std::size_t max = 65536) {
    std::string buf(max, '\0');
    const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
    if (n <= 0) return {};
    buf.resize(static_cast<std::size_t>(n));
    return buf;
  }

  /// \brief Reads until the peer closes (or a read times out).
  std::string read_all() {
    std::string all;
    for (std::string part = read_some(); !part.empty(); part = read_some()) all += part;
    return all;
  }

  /// \brief Reads until \p text has arrived (appended to \p so_far). \returns whether it did.
  bool read_until(std::string& so_far, const std::string& text) {
    while (so_far.find(text) == std::string::npos) {
      const std::string part = read_some();
      if (part.empty()) return false;
      so_far += part;
    }
    return true;
  }

  [[nodiscard]] int fd() const noexcept { return fd_; }

 private:
  int fd_ = -1;
};

/// \brief A parsed HTTP reply.
struct reply {
  int status = 0;                              ///< 0 when no status line arrived
  std::map<std::string, std::string> headers;  ///< names in lower case
  std::string body;
  std::string raw;
  [[nodiscard]] std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

inline reply parse_reply(const std::string& raw) {
  reply r;
  r.raw = raw;
  const std::size_t end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) return r;
  r.status = std::stoi(raw.substr(9, 3));
  std::size_t line = raw.find("\r\n") + 2;
  while (line < end) {
    const std::size_t next = raw.find("\r\n", line);
    const std::string h = raw.substr(line, next - line);
    const std::size_t colon = h.find(':');
    if (colon != std::string::npos) {
      std::string name = h.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::size_t v = colon + 1;
      while (v < h.size() && h[v] == ' ') ++v;
      r.headers[name] = h.substr(v);
    }
    line = next + 2;
  }
  r.body = raw.substr(end + 4);
  return r;
}

/// \brief Sends \p raw on a new connection and reads the reply until the server closes it (send
/// "Connection: close" for that).
inline reply http_exchange(std::uint16_t port, const std::string& raw) {
  connection c(port);
  c.send(raw);
  return parse_reply(c.read_all());
}

/// \brief A request with "Connection: close" and the given extra header lines ("Name: value\r\n").
inline std::string request(const std::string& method, const std::string& target,
                           const std::string& extra_headers = {}, const std::string& body = {}) {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers;
  if (!body.empty() || method == "POST")
    r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  r += "Connection: close\r\n\r\n" + body;
  return r;
}

/// \brief Splits the Server-Sent Events in \p stream (after the header) into their data payloads;
/// \p rest keeps an incomplete last event.
inline std::vector<std::string> sse_events(const std::string& stream, std::string* rest = nullptr) {
  std::vector<std::string> events;
  std::size_t at = stream.find("\r\n\r\n");
  at = at == std::string::npos ? 0 : at + 4;
  for (;;) {
    const std::size_t end = stream.find("\n\n", at);
    if (end == std::string::npos) break;
    const std::string event = stream.substr(at, end - at);
    if (event.rfind("data: ", 0) == 0) events.push_back(event.substr(6));
    at = end + 2;
  }
  if (rest != nullptr) *rest = stream.substr(at);
  return events;
}

}  // namespace asor::web_test
