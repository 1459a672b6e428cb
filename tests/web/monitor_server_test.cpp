// The live monitor's server (issue "A live monitor page"): every request needs the token (403 and
// no data without it), cancel is a POST with the token, there is no other endpoint and no file is
// served, requests and connections are limited, updates are the newest snapshot only, and a
// stalled page loses updates while the solve goes on. Real solves on a real engine; the client is
// tests/web/http_client.hpp (raw sockets, not Beast).

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "asor/asor.hpp"
#include "web/http_client.hpp"
#include "web/monitor_server.hpp"

namespace asor::web_test {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using steady = std::chrono::steady_clock;

const std::string forbidden_body =
    "403 Forbidden: a valid token is required (open the URL that asor printed, with its "
    "?token=...)\n";

/// A system and a solve on it that runs until cancelled (or its time limit).
struct long_solve {
  explicit long_solve(int grid = 128, double time_limit = 60)
      : A(poisson2d(grid)), inv(inverse_diagonal(A)), b(A * vector::Ones(A.rows())) {
    x = vector::Zero(A.rows());
    solver_options o;
    o.method = method::async;
    o.threads = 2;
    o.blocks = 8;
    o.stop.tolerance = 1e-15;
    o.stop.max_sweeps = 1000000000;
    o.stop.time_limit_seconds = time_limit;
    options = o;
    eng = std::make_unique<engine>(view_of(A, inv), o);
    h = eng->submit({b.data(), static_cast<std::size_t>(b.size())},
                    {x.data(), static_cast<std::size_t>(x.size())});
  }
  sparse_matrix A;
  std::vector<double> inv;
  vector b;
  vector x;
  solver_options options;
  std::unique_ptr<engine> eng;
  solve_handle h;  // last: destroyed (cancelled and joined) first
};

/// Waits (at most \p limit, a liveness bound) until \p done() holds. \returns whether it did.
template <class F>
bool eventually(F&& done, std::chrono::seconds limit = 20s) {
  const auto until = steady::now() + limit;
  while (!done()) {
    if (steady::now() > until) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

/// A server on an ephemeral loopback port with the given options.
std::unique_ptr<web::monitor_server> make_server(web::server_options o = {}) {
  o.address = web::parse_listen_address("127.0.0.1:0");
  return std::make_unique<web::monitor_server>(o);
}

std::string q(const web::monitor_server& s) { return "?token=" + s.token(); }

// ------------------------------------------------------------------------------------- tokens

TEST(MonitorServer, UrlNamesTheAddressThePortAndA128BitToken) {
  const auto s = make_server();
  EXPECT_TRUE(std::regex_match(s->token(), std::regex("[0-9a-f]{32}")));
  EXPECT_EQ(s->url(), "http://127.0.0.1:" + std::to_string(s->port()) + "/?token=" + s->token());
  EXPECT_TRUE(s->loopback());
  EXPECT_NE(make_server()->token(), s->token());
}

TEST(MonitorServer, WithoutTheTokenEveryRequestIs403AndNoData) {
  long_solve solve;
  const auto s = make_server();
  const auto watched = s->attach(solve.h, web::describe_run(solve.options, "test"));
  for (const std::string target : {"/", "/events", "/index.html", "/../../etc/passwd"}) {
    const reply r = http_exchange(s->port(), request("GET", target));
    EXPECT_EQ(r.status, 403) << target;
    EXPECT_EQ(r.body, forbidden_body) << target;
    EXPECT_EQ(r.header("content-type"), "text/plain; charset=utf-8");
  }
  const reply c = http_exchange(s->port(), request("POST", "/cancel"));
  EXPECT_EQ(c.status, 403);
  EXPECT_EQ(c.body, forbidden_body);
  EXPECT_FALSE(s->cancel_requested());
  EXPECT_FALSE(solve.h.ready()) << "a POST without the token must not cancel";
  EXPECT_GE(s->stats().forbidden, 5U);
}

TEST(MonitorServer, AWrongTokenIs403) {
  const auto s = make_server();
  std::string near = s->token();
  near.back() = near.back() == '0' ? '1' : '0';
  const std::vector<std::string> targets{"/?token=" + near,
                                         "/?token=",
                                         "/?token",
                                         "/?token=" + s->token().substr(0, 31),
                                         "/?token=" + s->token() + "0",
                                         "/?TOKEN=" + s->token(),
                                         "/?tok=" + s->token()};
  for (const auto& t : targets) {
    const reply r = http_exchange(s->port(), request("GET", t));
    EXPECT_EQ(r.status, 403) << t;
    EXPECT_EQ(r.body, forbidden_body) << t;
  }
  for (const std::string& header : std::vector<std::string>{
           "Authorization: token " + near + "\r\n", "Authorization: Basic " + s->token() + "\r\n",
           "Authorization: token\r\n", "X-Token: " + s->token() + "\r\n"}) {
    const reply r = http_exchange(s->port(), request("GET", "/", header));
    EXPECT_EQ(r.status, 403) << header;
  }
}

TEST(MonitorServer, TheTokenInTheQueryOrTheHeaderServesThePage) {
  const auto s = make_server();
  for (const auto& [target, header] : std::vector<std::pair<std::string, std::string>>{
           {"/" + q(*s), ""},
           {"/?x=1&token=" + s->token() + "&y=2", ""},
           {"/", "Authorization: token " + s->token() + "\r\n"},
           {"/", "Authorization: Bearer " + s->token() + "\r\n"}}) {
    const reply r = http_exchange(s->port(), request("GET", target, header));
    ASSERT_EQ(r.status, 200) << target << " " << header;
    EXPECT_EQ(r.header("content-type"), "text/html; charset=utf-8");
    EXPECT_EQ(r.header("cache-control"), "no-store");
    EXPECT_EQ(r.header("x-content-type-options"), "nosniff");
    EXPECT_EQ(r.header("referrer-policy"), "no-referrer");
    EXPECT_NE(r.body.find(R"(id="cancel")"), std::string::npos);
    EXPECT_NE(r.body.find(R"(id="status")"), std::string::npos);
    EXPECT_NE(r.body.find(R"(<canvas id="residual-chart")"), std::string::npos);
    EXPECT_NE(r.body.find(R"(<canvas id="sweeps-chart")"), std::string::npos);
    EXPECT_EQ(r.body.find("@ASOR_NONCE@"), std::string::npos);
    EXPECT_EQ(r.body.find("/*@JS@*/"), std::string::npos) << "the script is inlined";
    EXPECT_EQ(r.body.find("http://"), std::string::npos) << "nothing is fetched from elsewhere";
    EXPECT_EQ(r.body.find("https://"), std::string::npos);
    // The Content-Security-Policy allows only this response's own inline script and style.
    std::smatch m;
    const std::string csp = r.header("content-security-policy");
    ASSERT_TRUE(std::regex_search(csp, m, std::regex("script-src 'nonce-([0-9a-f]{32})'"))) << csp;
    EXPECT_NE(r.body.find("<script nonce=\"" + m[1].str() + "\">"), std::string::npos);
    EXPECT_NE(csp.find("default-src 'none'"), std::string::npos);
    EXPECT_NE(csp.find("connect-src 'self'"), std::string::npos);
  }
}

// ------------------------------------------------------------------------------------ endpoints

TEST(MonitorServer, NoOtherEndpointAndNoOtherMethod) {
  const auto s = make_server();
  for (const std::string path :
       {"/index.html", "/monitor.js", "/monitor.css", "/favicon.ico", "/events/", "/cancel/x",
        "/assets/monitor.html", "/src/web/assets/monitor.html", "/CMakeLists.txt", "/asor"}) {
    const reply r = http_exchange(s->port(), request("GET", path + q(*s)));
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body, "404 Not Found\n") << path;
  }
  const std::vector<std::tuple<std::string, std::string, std::string>> wrong{
      {"POST", "/", "GET"},       {"PUT", "/", "GET"},  {"DELETE", "/events", "GET"},
      {"GET", "/cancel", "POST"}, {"HEAD", "/", "GET"}, {"OPTIONS", "/cancel", "POST"}};
  for (const auto& [method, path, allow] : wrong) {
    const reply r = http_exchange(s->port(), request(method, path + q(*s)));
    EXPECT_EQ(r.status, 405) << method << " " << path;
    EXPECT_EQ(r.header("allow"), allow) << method << " " << path;
    if (method != "HEAD") {
      EXPECT_EQ(r.body, "405 Method Not Allowed\n");
    }
  }
  EXPECT_FALSE(s->cancel_requested()) << "GET /cancel must not cancel";
}

TEST(MonitorServer, PathTraversalServesNoFile) {
  const auto s = make_server();
  for (const std::string path :
       {"/../../../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2f..%2fetc%2fpasswd", "//etc/passwd", "/./../etc/passwd",
        "/%252e%252e/etc/passwd", "/..\\..\\etc\\passwd", "/events/../../etc/passwd",
        "/cancel/../../../proc/self/environ"}) {
    const reply with = http_exchange(s->port(), request("GET", path + q(*s)));
    EXPECT_EQ(with.status, 404) << path;
    EXPECT_EQ(with.body, "404 Not Found\n") << path;
    const reply without = http_exchange(s->port(), request("GET", path));
    EXPECT_EQ(without.status, 403) << path;
    EXPECT_EQ(without.body, forbidden_body) << path;
    EXPECT_EQ(with.raw.find("root:"), std::string::npos);
  }
}

TEST(MonitorServer, MalformedRequestIs400) {
  const auto s = make_server();
  const reply r = http_exchange(s->port(), "THIS IS NOT HTTP\r\n\r\n");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "400 Bad Request\n");
}

// ------------------------------------------------------------------------------------- limits

TEST(MonitorServer, OversizedRequestHeaderIs431) {
  const auto s = make_server();
  const std::string big(20000, 'a');
  const reply r = http_exchange(s->port(), request("GET", "/" + q(*s), "X-Big: " + big + "\r\n"));
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(r.body, "431 Request Header Fields Too Large: at most 8192 bytes\n");
  const reply t = http_exchange(s->port(), request("GET", "/" + q(*s) + "&pad=" + big));
  EXPECT_EQ(t.status, 431) << "a long target counts too";
}

TEST(MonitorServer, OversizedBodyIs413AndCancelsNothing) {
  long_solve solve;
  const auto s = make_server();
  const auto watched = s->attach(solve.h, web::describe_run(solve.options, "test"));
  const reply r =
      http_exchange(s->port(), request("POST", "/cancel" + q(*s), "", std::string(5000, 'x')));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.body, "413 Payload Too Large: at most 1024 bytes\n");
  // A declared length alone is enough to refuse, before any byte of the body arrives.
  connection c(s->port());
  c.send("POST /cancel" + q(*s) + " HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n");
  const reply d = parse_reply(c.read_all());
  EXPECT_EQ(d.status, 413);
  EXPECT_FALSE(s->cancel_requested());
  EXPECT_FALSE(solve.h.ready());
}

TEST(MonitorServer, ConnectionsOverTheLimitGet503) {
  web::server_options o;
  o.max_connections = 4;
  const auto s = make_server(o);
  std::vector<std::unique_ptr<connection>> idle;
  idle.reserve(4);
  for (int i = 0; i < 4; ++i) idle.push_back(std::make_unique<connection>(s->port()));
  ASSERT_TRUE(eventually([&] { return s->stats().open_connections == 4; }));
  for (int i = 0; i < 20; ++i) {
    connection extra(s->port());
    const reply r = parse_reply(extra.read_all());
    EXPECT_EQ(r.status, 503) << i;
    EXPECT_EQ(r.body, "503 Service Unavailable: too many connections (at most 4)\n");
    EXPECT_EQ(r.header("retry-after"), "1");
  }
  EXPECT_EQ(s->stats().connections_refused, 20U);
  idle.clear();
  ASSERT_TRUE(eventually([&] { return s->stats().open_connections == 0; }));
  EXPECT_EQ(http_exchange(s->port(), request("GET", "/" + q(*s))).status, 200);
}

TEST(MonitorServer, AnIdleConnectionIsClosedAfterTheRequestTimeout) {
  web::server_options o;
  o.request_timeout = 200ms;
  const auto s = make_server(o);
  connection c(s->port());
  c.send("GET / HTTP/1.1\r\n");  // never finished
  EXPECT_EQ(c.read_all(), "") << "closed without an answer";
  EXPECT_TRUE(eventually([&] { return s->stats().open_connections == 0; }));
}

// ------------------------------------------------------------------------------ updates, cancel

TEST(MonitorServer, EventsCarryTheSolveNewestFirstWithItsHistory) {
  long_solve solve;
  const auto s = make_server();
  const auto watched = s->attach(solve.h, web::describe_run(solve.options, "the label"));
  connection c(s->port());
  c.send(request("GET", "/events" + q(*s)));
  std::string stream;
  std::vector<std::string> events;
  // On a slow machine (TSan) the first updates may still say "preparing": the workers are being
  // started and have published no progress yet. Wait for four updates of the running solve.
  const auto running_updates = [&] {
    return std::count_if(
        events.begin() + std::min<std::ptrdiff_t>(1, std::ssize(events)), events.end(),
        [](const std::string& e) { return json::parse(e)["status"] == "running"; });
  };
  ASSERT_TRUE(eventually([&] {
    stream += c.read_some();
    events = sse_events(stream);
    return running_updates() >= 4;
  }));
  const reply head = parse_reply(stream);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-type"), "text/event-stream");
  EXPECT_EQ(head.header("cache-control"), "no-store");
  const json first = json::parse(events.front());
  EXPECT_TRUE(first.contains("history")) << "a new page gets the curve so far";
  EXPECT_EQ(first["run"], 1);
  EXPECT_EQ(first["label"], "the label");
  EXPECT_EQ(first["method"], "async");
  EXPECT_EQ(first["tolerance"], 1e-15);
  double last_t = -1;
  bool running = false;
  for (std::size_t i = 1; i < events.size(); ++i) {
    const json e = json::parse(events[i]);
    EXPECT_FALSE(e.contains("history")) << "later updates carry the newest snapshot only";
    EXPECT_TRUE(e["report"].is_null());
    if (!running && e["status"] == "preparing") {
      EXPECT_TRUE(e["progress"].is_null()) << i;
      continue;
    }
    running = true;
    EXPECT_EQ(e["status"], "running") << "once running, never preparing again: " << i;
    ASSERT_TRUE(e["progress"].is_object());
    EXPECT_GT(e["progress"]["t"].get<double>(), last_t);
    last_t = e["progress"]["t"].get<double>();
    ASSERT_TRUE(e["blocks"].is_object());
    EXPECT_EQ(e["blocks"]["sweeps"].size(), 8U);
    EXPECT_EQ(e["blocks"]["estimate"].size(), 8U);
    EXPECT_EQ(e["blocks"]["worker"].size(), 8U);
  }
  EXPECT_TRUE(running);
  EXPECT_GE(s->stats().event_streams, 1);
}

TEST(MonitorServer, CancelIsAPostWithTheTokenAndStopsTheSolve) {
  long_solve solve;
  const auto s = make_server();
  const auto watched = s->attach(solve.h, web::describe_run(solve.options, "test"));
  ASSERT_TRUE(eventually([&] { return solve.h.progress().has_value(); }));
  const reply r = http_exchange(
      s->port(), request("POST", "/cancel", "Authorization: token " + s->token() + "\r\n"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.body, "{\"cancel\":\"requested\",\"run\":1}\n");
  EXPECT_TRUE(s->cancel_requested());
  EXPECT_EQ(solve.h.get().reason, stop_reason::cancelled);
  // The pages see the end: status, report, cancel latency.
  connection c(s->port());
  c.send(request("GET", "/events" + q(*s)));
  std::string stream;
  ASSERT_TRUE(eventually([&] {
    stream += c.read_some();
    for (const auto& e : sse_events(stream)) {
      const json m = json::parse(e);
      if (m["status"] == "cancelled") {
        EXPECT_TRUE(m["ended"].get<bool>());
        EXPECT_EQ(m["report"]["status"], "cancelled");
        EXPECT_TRUE(m["report"]["cancel_latency_seconds"].is_number());
        return true;
      }
    }
    return false;
  }));
}

TEST(MonitorServer, AfterTheLastSolveACancelIs409) {
  const sparse_matrix A = poisson2d(24);
  const std::vector<double> inv = inverse_diagonal(A);
  const vector b = A * vector::Ones(A.rows());
  vector x = vector::Zero(A.rows());
  solver_options o;
  o.method = method::sor;  // converges whatever the load (async under a loaded CI may not in time)
  o.threads = 1;
  engine e(view_of(A, inv), o);
  const auto s = make_server();
  {
    const solve_handle h = e.submit({b.data(), static_cast<std::size_t>(b.size())},
                                    {x.data(), static_cast<std::size_t>(x.size())});
    const auto watched = s->attach(h, web::describe_run(o, "small"));
    EXPECT_EQ(h.get().reason, stop_reason::converged);
  }  // detached, then the handle goes: the server keeps the final state
  s->finish();
  const reply r = http_exchange(s->port(), request("POST", "/cancel" + q(*s)));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body, "{\"cancel\":\"refused\",\"error\":\"no solve is running: it has ended\"}\n");
  EXPECT_FALSE(s->cancel_requested());
  connection c(s->port());
  c.send(request("GET", "/events" + q(*s)));
  std::string stream;
  ASSERT_TRUE(c.read_until(stream, "}\n\n"));
  const json m = json::parse(sse_events(stream).front());
  EXPECT_EQ(m["status"], "converged");
  EXPECT_TRUE(m["ended"].get<bool>());
  EXPECT_TRUE(m["finished"].get<bool>());
  EXPECT_LE(m["report"]["relative_residual"].get<double>(), 1e-8);
  EXPECT_GE(m["verified"].size(), 1U) << "the verification points, from the report";
  EXPECT_GE(m["history"].size(), 1U);
}

TEST(MonitorServer, ACancelBeforeTheNextSolveCancelsIt) {
  const auto s = make_server();
  const reply r = http_exchange(s->port(), request("POST", "/cancel" + q(*s)));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"cancel\":\"requested\",\"run\":null}\n");
  long_solve solve;
  const auto watched = s->attach(solve.h, web::describe_run(solve.options, "late"));
  EXPECT_EQ(solve.h.get().reason, stop_reason::cancelled);
}

// A page that stops reading loses updates; the solve loses nothing, the other pages still get
// theirs, and the stalled page is dropped after the write timeout.
TEST(MonitorServer, AStalledPageLosesUpdatesNotSweeps) {
  long_solve solve(128, 120);
  web::server_options o;
  o.updates_per_second = 200;
  o.socket_send_buffer = 4096;
  o.write_timeout = 1500ms;
  const auto s = make_server(o);
  const auto watched = s->attach(solve.h, web::describe_run(solve.options, "stall"));
  connection stalled(s->port(), 20, 2048);
  stalled.send(request("GET", "/events" + q(*s)));
  connection reader(s->port());
  reader.send(request("GET", "/events" + q(*s)));
  ASSERT_TRUE(eventually([&] { return solve.h.progress().has_value(); }));
  const std::int64_t sweeps_before = solve.h.progress()->max_sweeps;
  std::string stream;
  std::size_t received = 0;
  ASSERT_TRUE(eventually([&] {
    stream += reader.read_some();
    received = sse_events(stream).size();
    return s->stats().updates_dropped > 0 && received >= 20;
  })) << "dropped "
      << s->stats().updates_dropped << ", received " << received;
  ASSERT_TRUE(eventually([&] { return s->stats().clients_timed_out >= 1; }))
      << "the stalled page is dropped after the write timeout";
  EXPECT_GT(solve.h.progress()->max_sweeps, sweeps_before) << "the solve went on";
  EXPECT_FALSE(solve.h.ready());
  // The reading page still gets updates after the other one was dropped.
  const std::size_t before = received;
  ASSERT_TRUE(eventually([&] {
    stream += reader.read_some();
    return sse_events(stream).size() > before + 5;
  }));
}

// The deadline of reading a request does not end a page's event stream afterwards.
TEST(MonitorServer, AnEventStreamOutlivesTheRequestTimeout) {
  long_solve solve;
  web::server_options o;
  o.request_timeout = 300ms;
  o.write_timeout = 300ms;
  const auto s = make_server(o);
  const auto watched = s->attach(solve.h, web::describe_run(solve.options, "long"));
  connection c(s->port());
  c.send(request("GET", "/events" + q(*s)));
  std::string stream;
  const auto until = steady::now() + 1500ms;
  while (steady::now() < until) {
    const std::string part = c.read_some();
    ASSERT_FALSE(part.empty()) << "the stream ended";
    stream += part;
  }
  EXPECT_GE(sse_events(stream).size(), 5U);
  EXPECT_EQ(s->stats().event_streams, 1);
  EXPECT_EQ(s->stats().clients_timed_out, 0U);
}

TEST(MonitorServer, StopClosesThePagesAfterTheirLastUpdate) {
  long_solve solve;
  const auto s = make_server();
  auto watched = s->attach(solve.h, web::describe_run(solve.options, "stop"));
  connection c(s->port());
  c.send(request("GET", "/events" + q(*s)));
  std::string stream;
  ASSERT_TRUE(c.read_until(stream, "\n\n"));
  solve.h.cancel();
  (void)solve.h.get();
  watched.detach();
  s->finish();
  s->stop();
  stream += c.read_all();  // ends: the server closed the connection
  const auto events = sse_events(stream);
  ASSERT_FALSE(events.empty());
  const json last = json::parse(events.back());
  EXPECT_EQ(last["status"], "cancelled");
  EXPECT_TRUE(last["finished"].get<bool>());
  EXPECT_EQ(s->stats().open_connections, 0);
  s->stop();  // idempotent
}

TEST(MonitorServer, AttachingANewSolveLetsThePreviousOneGo) {
  long_solve first;
  long_solve second;
  const auto s = make_server();
  auto a = s->attach(first.h, web::describe_run(first.options, "first"));
  auto b = s->attach(second.h, web::describe_run(second.options, "second"));
  a.detach();  // does nothing: the second solve is watched now
  const reply r = http_exchange(s->port(), request("POST", "/cancel" + q(*s)));
  EXPECT_EQ(r.body, "{\"cancel\":\"requested\",\"run\":2}\n");
  EXPECT_EQ(second.h.get().reason, stop_reason::cancelled);
  EXPECT_FALSE(first.h.ready()) << "the first solve is not watched any more";
}

// ---------------------------------------------------------------------------- listen addresses

TEST(MonitorServer, ListenAddresses) {
  const auto check = [](const std::string& text, const std::string& host, int port) {
    const web::listen_address a = web::parse_listen_address(text);
    EXPECT_EQ(a.host, host) << text;
    EXPECT_EQ(a.port, port) << text;
  };
  check("8080", "127.0.0.1", 8080);
  check("0", "127.0.0.1", 0);
  check("127.0.0.1:8080", "127.0.0.1", 8080);
  check("localhost:65535", "127.0.0.1", 65535);
  check("0.0.0.0:1", "0.0.0.0", 1);
  check("[::1]:8080", "::1", 8080);
  check(":9000", "127.0.0.1", 9000);
  const auto refuse = [](const std::string& text, const std::string& message) {
    try {
      (void)web::parse_listen_address(text);
      ADD_FAILURE() << text << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()), message) << text;
    }
  };
  refuse("", "empty; expected [ADDR:]PORT, e.g. 8080");
  refuse("abc", "'abc' is not a port number (0 to 65535)");
  refuse("65536", "'65536' is not a port number (0 to 65535)");
  refuse("127.0.0.1:-1", "'-1' is not a port number (0 to 65535)");
  refuse("127.0.0.1:", "'' is not a port number (0 to 65535)");
  refuse("1.2.3:80", "'1.2.3' is not an IP address (give an IPv4 or IPv6 address, or localhost)");
  refuse("example.com:80",
         "'example.com' is not an IP address (give an IPv4 or IPv6 address, or localhost)");
  refuse("::1:80", "'::1:80': an IPv6 address needs brackets: [ADDR]:PORT");
  refuse("[::1]", "'[::1]' is not [ADDR]:PORT");
}

TEST(MonitorServer, NonLoopbackIsSaidAndTheUrlStillWorks) {
  web::server_options o;
  o.address = web::parse_listen_address("0.0.0.0:0");
  const web::monitor_server s(o);
  EXPECT_FALSE(s.loopback());
  EXPECT_EQ(s.url(), "http://127.0.0.1:" + std::to_string(s.port()) + "/?token=" + s.token());
  EXPECT_EQ(http_exchange(s.port(), request("GET", "/" + q(s))).status, 200);
}

TEST(MonitorServer, APortInUseIsNamed) {
  const auto s = make_server();
  web::server_options o;
  o.address = web::parse_listen_address("127.0.0.1:" + std::to_string(s->port()));
  try {
    const web::monitor_server second(o);
    ADD_FAILURE() << "a second server listened on the same port";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot listen on 127.0.0.1:" + std::to_string(s->port()) +
                                         ": Address already in use");
  }
}

}  // namespace
}  // namespace asor::web_test
