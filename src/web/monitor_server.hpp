#pragma once
/// \file monitor_server.hpp
/// \brief The live monitor: a small HTTP server (Boost.Beast, private) that serves one page
/// watching a running solve — per-block and global provisional residuals, sweeps per block, the
/// verifications, omega, the status — and a Cancel button. See docs/monitor.md.
///
/// Used by `asor solve|compare --serve` (src/cli/serve.cpp) and meant for any other front end (the
/// Python module): create a monitor_server, print its url(), attach() each solve_handle while it
/// runs, finish() when no more solves come, then stop() (or destroy it). No Boost type appears
/// here: the server lives behind a pimpl.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "asor/options.hpp"
#include "asor/solve_handle.hpp"

namespace asor::web {

/// \brief Where the server listens.
struct listen_address {
  std::string host = "127.0.0.1";  ///< an IPv4 or IPv6 literal
  std::uint16_t port = 0;          ///< 0: any free port (url() tells which)
};

/// \brief Parses `[ADDR:]PORT`: "8080", "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:0",
/// "localhost:8080" (= 127.0.0.1). ADDR must be an IP literal or "localhost"; the default is
/// 127.0.0.1. \throws std::invalid_argument with a message that names what is wrong.
listen_address parse_listen_address(const std::string& text);

/// \brief What the server allows and how often it pushes.
struct server_options {
  listen_address address;
  /// updates pushed to each page per second at most (newest snapshot only, never a backlog)
  double updates_per_second = 10;
  int max_connections = 16;             ///< open connections at once; more get 503 and are closed
  std::size_t max_header_bytes = 8192;  ///< request line + headers; more: 431, closed
  std::size_t max_body_bytes = 1024;    ///< request body; more: 413, closed
  std::chrono::milliseconds request_timeout{10000};  ///< to receive one whole request
  /// an update a page has not taken within this time ends its connection (a stalled client)
  std::chrono::milliseconds write_timeout{30000};
  int socket_send_buffer = 0;  ///< SO_SNDBUF of each connection; 0: the system's (tests set it)
  std::string token;           ///< the access token; empty: 128 random bits from getrandom(2)
  std::string title = "asor";  ///< the page's heading (e.g. "asor solve poisson.mtx")
};

/// \brief What the page shows about the solve it watches.
struct run_info {
  std::string label;  ///< e.g. "async, 2 threads" or "[3/12] async, 2 threads, repeat 1/3"
  std::string method;
  int threads = 1;
  double tolerance = 0;
  std::int64_t max_sweeps = 0;
};
/// \returns the run_info of a solve with \p options, labelled \p label.
run_info describe_run(const solver_options& options, std::string label);

/// \brief Counters of the server's work since it started (for tests and the benchmark).
struct server_stats {
  std::uint64_t connections = 0;          ///< accepted and served
  std::uint64_t connections_refused = 0;  ///< over max_connections: 503
  std::uint64_t requests = 0;             ///< complete requests read
  std::uint64_t forbidden = 0;            ///< 403: no or wrong token
  std::uint64_t samples = 0;              ///< snapshots taken from the attached handle
  std::uint64_t updates_sent = 0;         ///< updates written to pages (all pages)
  /// updates a page had not taken yet when a newer one replaced them (a slow page loses updates)
  std::uint64_t updates_dropped = 0;
  std::uint64_t clients_timed_out = 0;  ///< connections closed by write_timeout
  int open_connections = 0;
  int event_streams = 0;  ///< pages connected to /events now
};

/// \brief The live monitor's HTTP server.
///
/// Endpoints (each needs the token, as `?token=T` or `Authorization: token T`; without it every
/// request gets 403 and no data): `GET /` the page (HTML, CSS and JavaScript compiled into the
/// binary), `GET /events` the Server-Sent Events stream of snapshots, `POST /cancel` cancels.
/// Nothing else: other paths get 404, other methods 405; no file is ever read from disk.
///
/// Threading: the server runs one thread of its own (a single-threaded Asio io_context): the
/// connections, the timer that samples the attached handle at `updates_per_second`, and the cancel.
/// It reads the handle only through solve_handle's non-blocking members (progress(),
/// block_progress(), ready(), and report() once ready), so it never slows the solve: a slow or
/// stalled page loses updates (each connection holds at most one pending update, the newest), the
/// solve loses no sweeps.
///
/// Thread safety: every member may be called from any thread, except that the server must not be
/// destroyed while another thread uses it, and an attachment must not outlive the server.
class monitor_server {
 public:
  /// \brief Binds, listens and starts serving.
  /// \throws std::runtime_error "cannot listen on ADDR:PORT: REASON" when the address cannot be
  /// bound (in use, not local, no permission); std::invalid_argument on invalid options.
  explicit monitor_server(server_options options);
  /// \brief stop() with the default grace.
  ~monitor_server();
  monitor_server(const monitor_server&) = delete;
  monitor_server& operator=(const monitor_server&) = delete;

  /// \returns the URL to open: `http://ADDR:PORT/?token=T` (127.0.0.1 when listening on all IPv4
  /// interfaces, [::1] on all IPv6 ones).
  [[nodiscard]] std::string url() const;
  [[nodiscard]] std::uint16_t port() const noexcept;
  [[nodiscard]] const std::string& token() const noexcept;
  /// \returns whether the server listens on a loopback address only (else: warn the user).
  [[nodiscard]] bool loopback() const noexcept;

  /// \brief Watching one solve: while it lives, the server samples the handle; destroying it (or
  /// detach()) takes the final snapshot and report and lets the handle go.
  class attachment {
   public:
    attachment() noexcept = default;
    ~attachment() { detach(); }
    attachment(attachment&& other) noexcept : server_(other.server_), run_(other.run_) {
      other.server_ = nullptr;
    }
    attachment& operator=(attachment&& other) noexcept;
    attachment(const attachment&) = delete;
    attachment& operator=(const attachment&) = delete;
    /// \brief Stops watching; the page keeps the final state. Idempotent; does nothing when a
    /// later attach() has already replaced this solve.
    void detach() noexcept;

   private:
    friend class monitor_server;
    attachment(monitor_server* server, int run) noexcept : server_(server), run_(run) {}
    monitor_server* server_ = nullptr;
    int run_ = 0;
  };

  /// \brief Watches \p handle (one solve at a time: a solve attached before is let go, with its
  /// newest state). When a page has already asked to cancel, the solve is cancelled at once.
  /// \pre \p handle is valid and outlives the attachment (destroy the attachment first).
  [[nodiscard]] attachment attach(const solve_handle& handle, run_info info);

  /// \brief No more solves: the pages get the final report now, and a cancel is answered 409.
  void finish();

  /// \returns whether a page pressed Cancel (POST /cancel with the token) since the start.
  [[nodiscard]] bool cancel_requested() const noexcept;

  [[nodiscard]] server_stats stats() const;

  /// \brief Stops accepting, lets each page take the update it is being sent (at most \p grace),
  /// closes every connection and joins the server's thread. Idempotent.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(300)) noexcept;

  struct impl;

 private:
  void detach_run(int run) noexcept;
  std::unique_ptr<impl> impl_;
};

}  // namespace asor::web
