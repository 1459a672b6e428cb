/// \file monitor_server.cpp
/// \brief The live monitor's HTTP server on Boost.Beast (see monitor_server.hpp, docs/monitor.md).
///
/// One thread runs a single-threaded io_context: the acceptor, every connection, and the timer
/// that samples the attached solve_handle. Other threads touch only the source (the attached
/// handle and the run records, under source_mutex), the counters (atomics), and the start and stop
/// of that thread.

#include "web/monitor_server.hpp"

#include <pthread.h>
#include <sys/random.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <list>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "web/run_record.hpp"

namespace asor::web {

// The page: monitor.html with monitor.css and monitor.js inlined, embedded at build time by
// cmake/AsorEmbedPage.cmake (generated into the build tree).
extern const unsigned char monitor_page_bytes[];
extern const std::size_t monitor_page_size;

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using steady = std::chrono::steady_clock;

/// \returns \p n random bytes as lowercase hex, from getrandom(2) (the kernel's CSPRNG).
std::string random_hex(std::size_t n) {
  std::vector<unsigned char> bytes(n);
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = getrandom(bytes.data() + got, n - got, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("monitor: getrandom failed: ") + std::strerror(errno));
    }
    got += static_cast<std::size_t>(r);
  }
  static constexpr std::string_view digits = "0123456789abcdef";
  std::string text;
  text.reserve(2 * n);
  for (const unsigned char b : bytes) {
    text += digits[b >> 4U];
    text += digits[b & 15U];
  }
  return text;
}

/// Compares in a time independent of where the strings differ (the token is a secret).
bool equal_constant_time(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  unsigned diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |=
        static_cast<unsigned>(static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i]));
  }
  return diff == 0;
}

/// \returns the value of parameter \p name in \p query ("a=1&token=x"), if present.
std::optional<std::string_view> query_parameter(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

/// \returns whether \p text starts with \p prefix, ignoring ASCII case.
bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

std::string replace_all(std::string text, std::string_view what, std::string_view with) {
  for (std::size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + with.size())) {
    text.replace(at, what.size(), with);
  }
  return text;
}

constexpr std::string_view nonce_placeholder = "@ASOR_NONCE@";

/// The response bodies of the refusals (tests check them exactly; docs/monitor.md lists them).
const std::string forbidden_body =
    "403 Forbidden: a valid token is required (open the URL that asor printed, with its "
    "?token=...)\n";
const std::string not_found_body = "404 Not Found\n";
const std::string method_body = "405 Method Not Allowed\n";
const std::string bad_request_body = "400 Bad Request\n";

class session;

}  // namespace

// ---------------------------------------------------------------------------------------------
// The server's state

struct monitor_server::impl {
  explicit impl(server_options o) : options(std::move(o)) {}
  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;
  ~impl() = default;

  // Set by the constructor, then read-only.
  server_options options;
  std::string token;
  std::string page;  // with nonce placeholders
  std::uint16_t port = 0;
  asio::ip::address address;
  steady::duration period{};

  // Counters: written by the server's thread, read by stats() from any thread.
  std::atomic<std::uint64_t> connections{0};
  std::atomic<std::uint64_t> refused{0};
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> forbidden{0};
  std::atomic<std::uint64_t> samples{0};
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> dropped{0};
  std::atomic<std::uint64_t> timed_out{0};
  std::atomic<int> open{0};
  std::atomic<int> streams{0};
  std::atomic<bool> cancel_requested{false};

  // The source, under source_mutex: the attached handle and the record of its run.
  std::mutex source_mutex;
  const solve_handle* handle = nullptr;
  std::shared_ptr<run_record> run;  // the run watched now, or the last one
  int next_run = 1;
  bool finished = false;

  // The server's thread only.
  std::string last_message;                    // the newest update (to skip unchanged ones)
  std::list<std::weak_ptr<session>> sessions;  // every connection (expired ones purged lazily)
  bool stopping = false;

  // Last: destroyed first, so that the sessions their handlers own go while the above exist.
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  asio::steady_timer timer{ioc};
  asio::steady_timer accept_timer{ioc};
  std::thread thread;
  std::mutex stop_mutex;  // stop() from several threads

  void accept();
  void refuse(tcp::socket socket);
  void tick();
  void sample();
  void broadcast(const std::shared_ptr<const std::string>& event);
  void begin_stop();
  [[nodiscard]] std::string first_event();
  /// Takes the attached handle's newest state into its run record. \pre source_mutex held
  void take_sample_locked();
};

namespace {

// ---------------------------------------------------------------------------------------------
// One connection

class session : public std::enable_shared_from_this<session> {
 public:
  session(monitor_server::impl& srv, tcp::socket socket)
      : srv_(srv),
        stream_(std::move(socket)),
        buffer_(srv.options.max_header_bytes + srv.options.max_body_bytes + 4096) {
    srv_.open.fetch_add(1);
    srv_.connections.fetch_add(1);
  }
  ~session() {
    if (streaming_) srv_.streams.fetch_sub(1);
    srv_.open.fetch_sub(1);
  }
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  void start() { read_request(); }

  /// A new update for a page on /events: it replaces any update not yet being written.
  void push(const std::shared_ptr<const std::string>& event) {
    if (!streaming_ || closed_ || closing_) return;
    if (pending_) srv_.dropped.fetch_add(1);
    pending_ = event;
    write_next();
  }

  /// The server stops: a page gets the update it is being sent (and the newest), then the
  /// connection closes.
  void close_gracefully() {
    closing_ = true;
    if (!writing_) close();
  }

 private:
  void read_request() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(srv_.options.max_header_bytes));
    parser_->body_limit(srv_.options.max_body_bytes);
    stream_.expires_after(srv_.options.request_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (closed_) return;
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      respond_text(http::status::request_header_fields_too_large,
                   "431 Request Header Fields Too Large: at most " +
                       std::to_string(srv_.options.max_header_bytes) + " bytes\n",
                   true);
      return;
    }
    if (ec == http::error::body_limit) {
      respond_text(http::status::payload_too_large,
                   "413 Payload Too Large: at most " + std::to_string(srv_.options.max_body_bytes) +
                       " bytes\n",
                   true);
      return;
    }
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
        ec == asio::error::eof) {
      close();
      return;
    }
    if (ec) {
      respond_text(http::status::bad_request, bad_request_body, true);
      return;
    }
    srv_.requests.fetch_add(1);
    handle_request();
  }

  [[nodiscard]] bool authorized(const http::request<http::string_body>& req) const {
    const std::string_view target(req.target().data(), req.target().size());
    const std::size_t q = target.find('?');
    if (q != std::string_view::npos) {
      if (const auto t = query_parameter(target.substr(q + 1), "token")) {
        if (equal_constant_time(*t, srv_.token)) return true;
      }
    }
    const auto it = req.find(http::field::authorization);
    if (it != req.end()) {
      const std::string_view value(it->value().data(), it->value().size());
      for (const std::string_view scheme : {"token ", "bearer "}) {
        if (starts_with_nocase(value, scheme) &&
            equal_constant_time(value.substr(scheme.size()), srv_.token)) {
          return true;
        }
      }
    }
    return false;
  }

  /// Every refusal closes the connection (a HEAD's answer has no body to skip, a client that
  /// guesses tokens must reconnect); the page, the stream and the cancel keep it alive.
  void handle_request() {
    const http::request<http::string_body>& req = parser_->get();
    if (!authorized(req)) {
      srv_.forbidden.fetch_add(1);
      respond_text(http::status::forbidden, forbidden_body, true);
      return;
    }
    const std::string_view target(req.target().data(), req.target().size());
    const std::string_view path = target.substr(0, target.find('?'));
    const bool keep = req.keep_alive();
    if (path == "/") {
      if (req.method() != http::verb::get) {
        respond_text(http::status::method_not_allowed, method_body, true, "GET");
        return;
      }
      serve_page(keep);
    } else if (path == "/events") {
      if (req.method() != http::verb::get) {
        respond_text(http::status::method_not_allowed, method_body, true, "GET");
        return;
      }
      start_stream();
    } else if (path == "/cancel") {
      if (req.method() != http::verb::post) {
        respond_text(http::status::method_not_allowed, method_body, true, "POST");
        return;
      }
      cancel(keep);
    } else {
      respond_text(http::status::not_found, not_found_body, true);
    }
  }

  static void common_headers(http::response<http::string_body>& res) {
    res.set(http::field::server, "asor");
    res.set(http::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
  }

  void respond_text(http::status status, std::string body, bool close_after,
                    const char* allow = nullptr) {
    auto res = std::make_shared<http::response<http::string_body>>(status, 11);
    common_headers(*res);
    res->set(http::field::content_type, "text/plain; charset=utf-8");
    if (allow != nullptr) res->set(http::field::allow, allow);
    res->body() = std::move(body);
    send(res, close_after);
  }

  void send(const std::shared_ptr<http::response<http::string_body>>& res, bool close_after) {
    res->keep_alive(!close_after);
    res->prepare_payload();
    writing_ = true;
    stream_.expires_after(srv_.options.write_timeout);
    http::async_write(
        stream_, *res,
        [self = shared_from_this(), res, close_after](beast::error_code ec, std::size_t) {
          self->writing_ = false;
          if (ec) {
            if (ec == beast::error::timeout) self->srv_.timed_out.fetch_add(1);
            self->close();
          } else if (close_after || self->closing_) {
            self->close_after_reading();
          } else {
            self->read_request();
          }
        });
  }

  void serve_page(bool keep) {
    const std::string nonce = random_hex(16);
    auto res = std::make_shared<http::response<http::string_body>>(http::status::ok, 11);
    common_headers(*res);
    res->set(http::field::content_type, "text/html; charset=utf-8");
    res->set("Content-Security-Policy",
             "default-src 'none'; script-src 'nonce-" + nonce + "'; style-src 'nonce-" + nonce +
                 "'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; "
                 "frame-ancestors 'none'");
    res->set("X-Frame-Options", "DENY");
    res->body() = replace_all(srv_.page, nonce_placeholder, nonce);
    send(res, !keep);
  }

  void cancel(bool keep) {
    http::status status = http::status::ok;
    std::string body;
    {
      const std::lock_guard lock(srv_.source_mutex);
      const bool running = srv_.handle != nullptr && !srv_.handle->ready();
      if (!running && srv_.finished) {
        status = http::status::conflict;
        body = R"({"cancel":"refused","error":"no solve is running: it has ended"})";
      } else {
        srv_.cancel_requested.store(true);
        if (running) srv_.handle->cancel();
        body = running ? R"({"cancel":"requested","run":)" + std::to_string(srv_.run->id()) + "}"
                       : R"({"cancel":"requested","run":null})";
      }
    }
    auto res = std::make_shared<http::response<http::string_body>>(status, 11);
    common_headers(*res);
    res->set(http::field::content_type, "application/json");
    res->body() = std::move(body) + "\n";
    send(res, !keep);
  }

  void start_stream() {
    streaming_ = true;
    srv_.streams.fetch_add(1);
    std::string head =
        "HTTP/1.1 200 OK\r\n"
        "Server: asor\r\n"
        "Content-Type: text/event-stream\r\n"
        "Cache-Control: no-store\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "Connection: close\r\n"
        "\r\n"
        "retry: 1000\n\n";
    // The read that watches for the page going away has no deadline; then each write gets its
    // own (a tcp_stream's expiry applies to the operations not pending when it is set: the read
    // must be pending first, or the write's deadline would end it).
    stream_.expires_never();
    watch_for_close();
    pending_ = std::make_shared<const std::string>(head + srv_.first_event());
    write_next();
  }

  /// A page on /events sends nothing more: a read that ends means it went away.
  void watch_for_close() {
    stream_.async_read_some(asio::buffer(sink_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec || self->closed_) {
                                self->close();
                                return;
                              }
                              self->watch_for_close();
                            });
  }

  void write_next() {
    if (writing_ || closed_) return;
    if (!pending_) {
      if (closing_) close();
      return;
    }
    current_ = std::move(pending_);
    pending_.reset();
    writing_ = true;
    stream_.expires_after(srv_.options.write_timeout);
    asio::async_write(stream_, asio::buffer(*current_),
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        self->writing_ = false;
                        self->current_.reset();
                        if (ec) {
                          if (ec == beast::error::timeout) self->srv_.timed_out.fetch_add(1);
                          self->close();
                          return;
                        }
                        self->srv_.sent.fetch_add(1);
                        self->stream_.expires_never();
                        self->write_next();
                      });
  }

  /// Closes after the peer is done sending (at most 1 s, 1 MiB): a close with unread bytes would
  /// reset the connection, and the peer could lose the answer (a 413 or 431 sent mid-request).
  void close_after_reading() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(1));
    discard();
  }
  void discard() {
    stream_.async_read_some(asio::buffer(sink_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->discarded_ += n;
                              if (ec || self->closed_ || self->discarded_ > (1U << 20U)) {
                                self->close();
                                return;
                              }
                              self->discard();
                            });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    pending_.reset();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  monitor_server::impl& srv_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool streaming_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool closed_ = false;
  std::shared_ptr<const std::string> current_;  // the update being written
  std::shared_ptr<const std::string> pending_;  // the newest update not yet written
  std::array<char, 512> sink_{};
  std::size_t discarded_ = 0;
};

/// A connection over the limit: 503, then closed once the peer is done sending (or after 1 s).
struct refusal {
  explicit refusal(tcp::socket s) : stream(std::move(s)) {}
  beast::tcp_stream stream;
  std::string text;
  std::array<char, 512> sink{};

  static void drain(const std::shared_ptr<refusal>& r) {
    r->stream.async_read_some(asio::buffer(r->sink), [r](beast::error_code ec, std::size_t) {
      if (ec) {
        r->stream.close();
        return;
      }
      drain(r);
    });
  }
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// The server's thread

void monitor_server::impl::accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (stopping || ec == asio::error::operation_aborted) return;
    if (ec) {
      // Out of descriptors or the like: try again a little later, not in a tight loop.
      accept_timer.expires_after(std::chrono::milliseconds(100));
      accept_timer.async_wait([this](beast::error_code e) {
        if (!e && !stopping) accept();
      });
      return;
    }
    if (options.socket_send_buffer > 0) {
      beast::error_code ignored;
      socket.set_option(asio::socket_base::send_buffer_size(options.socket_send_buffer), ignored);
    }
    if (open.load() >= options.max_connections) {
      refuse(std::move(socket));
    } else {
      auto s = std::make_shared<session>(*this, std::move(socket));
      sessions.remove_if([](const std::weak_ptr<session>& w) { return w.expired(); });
      sessions.push_back(s);
      s->start();
    }
    accept();
  });
}

void monitor_server::impl::refuse(tcp::socket socket) {
  refused.fetch_add(1);
  auto r = std::make_shared<refusal>(std::move(socket));
  const std::string body = "503 Service Unavailable: too many connections (at most " +
                           std::to_string(options.max_connections) + ")\n";
  r->text =
      "HTTP/1.1 503 Service Unavailable\r\nServer: asor\r\nContent-Type: text/plain; "
      "charset=utf-8\r\nCache-Control: no-store\r\nRetry-After: 1\r\nConnection: close\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  r->stream.expires_after(std::chrono::seconds(1));
  asio::async_write(r->stream, asio::buffer(r->text), [r](beast::error_code ec, std::size_t) {
    if (ec) {
      r->stream.close();
      return;
    }
    beast::error_code ignored;
    r->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    refusal::drain(r);
  });
}

void monitor_server::impl::tick() {
  sample();
  timer.expires_after(period);
  timer.async_wait([this](beast::error_code ec) {
    if (!ec && !stopping) tick();
  });
}

void monitor_server::impl::take_sample_locked() {
  if (handle == nullptr || !run) return;
  samples.fetch_add(1);
  const std::optional<progress> p = handle->progress();
  const std::optional<block_progress> b = handle->block_progress();
  std::optional<solve_report> report;
  if (!run->ended() && handle->ready()) report = handle->report();  // ready: does not wait
  run->add(p, b, report ? &*report : nullptr);
}

void monitor_server::impl::sample() {
  std::string message;
  {
    const std::lock_guard lock(source_mutex);
    take_sample_locked();
    message = run ? run->message(false, options.title, finished)
                  : run_record::waiting_message(options.title, finished);
  }
  if (message == last_message) return;
  last_message = message;
  broadcast(std::make_shared<const std::string>("data: " + message + "\n\n"));
}

std::string monitor_server::impl::first_event() {
  const std::lock_guard lock(source_mutex);
  return "data: " +
         (run ? run->message(true, options.title, finished)
              : run_record::waiting_message(options.title, finished)) +
         "\n\n";
}

void monitor_server::impl::broadcast(const std::shared_ptr<const std::string>& event) {
  for (auto it = sessions.begin(); it != sessions.end();) {
    if (const auto s = it->lock()) {
      s->push(event);
      ++it;
    } else {
      it = sessions.erase(it);
    }
  }
}

void monitor_server::impl::begin_stop() {
  try {
    sample();  // the newest state goes out before the connections close
  } catch (...) {
    // Out of memory while building it: the pages keep the previous update.
  }
  stopping = true;
  beast::error_code ignored;
  acceptor.close(ignored);
  timer.cancel();
  accept_timer.cancel();
  for (const auto& w : sessions) {
    if (const auto s = w.lock()) s->close_gracefully();
  }
}

// ---------------------------------------------------------------------------------------------
// The public face

listen_address parse_listen_address(const std::string& text) {
  if (text.empty()) throw std::invalid_argument("empty; expected [ADDR:]PORT, e.g. 8080");
  std::string host;
  std::string port_text;
  if (text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      throw std::invalid_argument("'" + text + "' is not [ADDR]:PORT");
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string::npos) {
      port_text = text;
    } else if (text.find(':') != colon) {
      throw std::invalid_argument("'" + text + "': an IPv6 address needs brackets: [ADDR]:PORT");
    } else {
      host = text.substr(0, colon);
      port_text = text.substr(colon + 1);
    }
  }
  const bool digits =
      !port_text.empty() && port_text.size() <= 5 &&
      std::all_of(port_text.begin(), port_text.end(), [](char c) { return c >= '0' && c <= '9'; });
  const long port = digits ? std::stol(port_text) : -1;
  if (port < 0 || port > 65535) {
    throw std::invalid_argument("'" + port_text + "' is not a port number (0 to 65535)");
  }
  listen_address a;
  a.port = static_cast<std::uint16_t>(port);
  if (host.empty() || host == "localhost") {
    a.host = "127.0.0.1";
    return a;
  }
  beast::error_code ec;
  const asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec) {
    throw std::invalid_argument("'" + host +
                                "' is not an IP address (give an IPv4 or IPv6 address, or "
                                "localhost)");
  }
  a.host = address.to_string();
  return a;
}

monitor_server::monitor_server(server_options options)
    : impl_(std::make_unique<impl>(std::move(options))) {
  impl& s = *impl_;
  const server_options& o = s.options;
  if (!(o.updates_per_second > 0 && o.updates_per_second <= 1000)) {
    throw std::invalid_argument("monitor: updates_per_second must be in (0, 1000]");
  }
  if (o.max_connections < 1) throw std::invalid_argument("monitor: max_connections must be >= 1");
  s.period = std::chrono::duration_cast<steady::duration>(
      std::chrono::duration<double>(1.0 / o.updates_per_second));
  s.token = o.token.empty() ? random_hex(16) : o.token;
  s.page.assign(reinterpret_cast<const char*>(monitor_page_bytes), monitor_page_size);

  beast::error_code ec;
  s.address = asio::ip::make_address(o.address.host, ec);
  if (ec) throw std::invalid_argument("monitor: '" + o.address.host + "' is not an IP address");
  const tcp::endpoint endpoint(s.address, o.address.port);
  const auto fail = [&](const beast::error_code& e) {
    throw std::runtime_error(
        "cannot listen on " +
        (s.address.is_v6() ? "[" + s.address.to_string() + "]" : s.address.to_string()) + ":" +
        std::to_string(o.address.port) + ": " + e.message());
  };
  s.acceptor.open(endpoint.protocol(), ec);
  if (ec) fail(ec);
  s.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  s.acceptor.bind(endpoint, ec);
  if (ec) fail(ec);
  s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) fail(ec);
  s.port = s.acceptor.local_endpoint().port();

  asio::post(s.ioc, [&s] {
    s.accept();
    s.tick();
  });
  s.thread = std::thread([&s] {
    // Named, so that its CPU time can be told apart (bench/monitor_overhead.py, top -H).
    pthread_setname_np(pthread_self(), "asor-monitor");
    // A handler that throws (std::bad_alloc) loses its connection, not the server.
    for (;;) {
      try {
        s.ioc.run();
        return;
      } catch (...) {
        continue;
      }
    }
  });
}

monitor_server::~monitor_server() { stop(); }

std::string monitor_server::url() const {
  const impl& s = *impl_;
  std::string host;
  if (s.address.is_unspecified()) {
    host = s.address.is_v6() ? "[::1]" : "127.0.0.1";
  } else {
    host = s.address.is_v6() ? "[" + s.address.to_string() + "]" : s.address.to_string();
  }
  return "http://" + host + ":" + std::to_string(s.port) + "/?token=" + s.token;
}

std::uint16_t monitor_server::port() const noexcept { return impl_->port; }

const std::string& monitor_server::token() const noexcept { return impl_->token; }

bool monitor_server::loopback() const noexcept { return impl_->address.is_loopback(); }

monitor_server::attachment monitor_server::attach(const solve_handle& handle, run_info info) {
  impl& s = *impl_;
  const std::lock_guard lock(s.source_mutex);
  if (s.handle != nullptr) {
    try {
      s.take_sample_locked();
    } catch (...) {
      // The previous run keeps its last state.
    }
    if (!s.run->ended()) s.run->detached();
  }
  s.handle = &handle;
  s.run = std::make_shared<run_record>(s.next_run++, std::move(info));
  if (s.cancel_requested.load()) handle.cancel();
  return attachment(this, s.run->id());
}

void monitor_server::detach_run(int run) noexcept {
  impl& s = *impl_;
  const std::lock_guard lock(s.source_mutex);
  if (s.handle == nullptr || !s.run || s.run->id() != run) return;
  try {
    s.take_sample_locked();  // the final snapshot and, when the solve has ended, its report
  } catch (...) {
    // Out of memory: the page keeps the previous state.
  }
  if (!s.run->ended()) s.run->detached();
  s.handle = nullptr;
}

monitor_server::attachment& monitor_server::attachment::operator=(attachment&& other) noexcept {
  if (this != &other) {
    detach();
    server_ = other.server_;
    run_ = other.run_;
    other.server_ = nullptr;
  }
  return *this;
}

void monitor_server::attachment::detach() noexcept {
  if (server_ != nullptr) server_->detach_run(run_);
  server_ = nullptr;
}

void monitor_server::finish() {
  impl& s = *impl_;
  {
    const std::lock_guard lock(s.source_mutex);
    s.finished = true;
  }
  asio::post(s.ioc, [&s] { s.sample(); });  // the final report goes out now
}

bool monitor_server::cancel_requested() const noexcept { return impl_->cancel_requested.load(); }

server_stats monitor_server::stats() const {
  const impl& s = *impl_;
  server_stats t;
  t.connections = s.connections.load();
  t.connections_refused = s.refused.load();
  t.requests = s.requests.load();
  t.forbidden = s.forbidden.load();
  t.samples = s.samples.load();
  t.updates_sent = s.sent.load();
  t.updates_dropped = s.dropped.load();
  t.clients_timed_out = s.timed_out.load();
  t.open_connections = s.open.load();
  t.event_streams = s.streams.load();
  return t;
}

void monitor_server::stop(std::chrono::milliseconds grace) noexcept {
  if (!impl_) return;
  impl& s = *impl_;
  const std::lock_guard lock(s.stop_mutex);
  if (!s.thread.joinable()) return;
  try {
    asio::post(s.ioc, [&s] { s.begin_stop(); });
  } catch (...) {
    // Out of memory: no graceful close; the connections are closed below all the same.
  }
  const auto deadline = steady::now() + grace;
  while (s.open.load() > 0 && steady::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  s.ioc.stop();
  s.thread.join();
}

}  // namespace asor::web
