#include "src/net/rate_limiter.hpp"
#include "uoms/http.hpp"
#include "uoms/log.hpp"
#include "uoms/write_once.hpp"

#include <doctest/doctest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using uoms::Millis;
using uoms::TimePoint;
using uoms::net::HttpOptions;
using uoms::net::Request;
using uoms::net::TransportErrorKind;

namespace {

// 2026-11-22T10:00:00Z, a Sunday.
TimePoint reference_now()
{
  return TimePoint{std::chrono::sys_days{std::chrono::year{2026} / 11 / 22} + 10h};
}

// A clock that records every sleep instead of sleeping. With `advance`, a sleep also
// moves now() forward (the rate limiter needs that); otherwise now() stays put.
class RecordingClock : public uoms::Clock
{
public:
  explicit RecordingClock(bool advance = false) : m_advance(advance) {}

  TimePoint now() const override { return m_now; }
  void sleep_for(Millis duration) override
  {
    sleeps.push_back(duration);
    if (m_advance) {
      m_now += duration;
    }
  }
  Millis total() const
  {
    Millis sum{0};
    for (auto d : sleeps) {
      sum += d;
    }
    return sum;
  }

  std::vector<Millis> sleeps;

private:
  bool m_advance;
  TimePoint m_now = reference_now();
};

// What the server saw of one request.
struct Seen
{
  std::string method;
  std::string target;
  std::string body;
  httplib::Headers headers;
  int remote_port = 0;
};

// A cpp-httplib server on 127.0.0.1 and a free port, stopped when the test ends.
class TestServer
{
public:
  TestServer()
  {
    m_port = server.bind_to_any_port("127.0.0.1");
    REQUIRE(m_port > 0);
    m_thread = std::thread([this] { server.listen_after_bind(); });
    for (int i = 0; i < 500 && !server.is_running(); ++i) {
      std::this_thread::sleep_for(2ms);
    }
    REQUIRE(server.is_running());
  }

  ~TestServer()
  {
    server.stop();
    m_thread.join();
  }

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(m_port) + path; }

  // Records the request; call at the top of every handler.
  void record(const httplib::Request& req)
  {
    std::lock_guard lock(m_mutex);
    m_seen.push_back({req.method, req.target, req.body, req.headers, req.remote_port});
  }

  std::vector<Seen> seen()
  {
    std::lock_guard lock(m_mutex);
    return m_seen;
  }

  httplib::Server server;

private:
  int m_port = 0;
  std::thread m_thread;
  std::mutex m_mutex;
  std::vector<Seen> m_seen;
};

// Fast retries so the tests read easily: 100 ms base, doubling, capped at 1 s.
HttpOptions test_options()
{
  HttpOptions options;
  options.connect_timeout = 2000ms;
  options.total_timeout = 5000ms;
  options.retry.max_attempts = 3;
  options.retry.base_delay = 100ms;
  options.retry.max_delay = 1000ms;
  options.retry.max_retry_after = 10'000ms;
  options.allowed_hosts = {"loopback"};
  options.user_agent = "uoms-test/1";
  return options;
}

Request get(const std::string& url, const std::string& label)
{
  Request request;
  request.url = url;
  request.label = label;
  return request;
}

std::string header_of(const Seen& seen, const std::string& name)
{
  const auto it = seen.headers.find(name);
  return it == seen.headers.end() ? std::string("<none>") : it->second;
}

// A port on 127.0.0.1 that nothing listens on: bound, read, then closed.
int closed_port()
{
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t length = sizeof address;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

} // namespace

TEST_CASE("CurlClient: requests and responses go through unchanged")
{
  TestServer server;
  auto answer = [&](const httplib::Request& req, httplib::Response& res) {
    server.record(req);
    res.status = req.method == "POST" ? 201 : 200;
    res.set_header("X-Request-Id", "req-42");
    res.set_content("answer to " + req.method, "text/plain");
  };
  server.server.Get("/v2/orders", answer);
  server.server.Post("/v2/orders", answer);
  server.server.Put("/v2/orders", answer);
  server.server.Patch("/v2/orders", answer);
  server.server.Delete("/v2/orders", answer);

  RecordingClock clock;
  auto client = uoms::net::make_curl_client(test_options(), clock);

  SUBCASE("POST with headers, query and body")
  {
    Request request;
    request.method = "POST";
    request.url = server.url("/v2/orders?a=1&b=x%2By");
    request.headers = {{"X-Api-Key", "key-1"}, {"Content-Type", "application/json"}};
    request.body = R"({"order":"A-1"})";
    request.label = "POST orders";

    const auto result = client->send(request);
    REQUIRE(result.has_value());
    CHECK(result->status == 201);
    CHECK(result->body == "answer to POST");
    CHECK(result->attempts == 1);
    CHECK(result->header("x-request-id") == "req-42");
    CHECK(result->header("X-REQUEST-ID") == "req-42");
    CHECK(result->header("content-type") == "text/plain");

    const auto seen = server.seen();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].method == "POST");
    CHECK(seen[0].target == "/v2/orders?a=1&b=x%2By");
    CHECK(seen[0].body == R"({"order":"A-1"})");
    CHECK(header_of(seen[0], "X-Api-Key") == "key-1");
    CHECK(header_of(seen[0], "Content-Type") == "application/json");
    CHECK(header_of(seen[0], "User-Agent") == "uoms-test/1");
    CHECK(header_of(seen[0], "Content-Length") == "15");
    CHECK(header_of(seen[0], "Expect") == "<none>");
    CHECK(clock.sleeps.empty());
  }

  SUBCASE("GET sends no body and no content type")
  {
    const auto result = client->send(get(server.url("/v2/orders?page=3"), "GET orders (page 3)"));
    REQUIRE(result.has_value());
    CHECK(result->status == 200);
    CHECK(result->body == "answer to GET");
    const auto seen = server.seen();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].method == "GET");
    CHECK(seen[0].target == "/v2/orders?page=3");
    CHECK(seen[0].body == "");
    CHECK(header_of(seen[0], "Content-Length") == "<none>");
    CHECK(header_of(seen[0], "Content-Type") == "<none>");
  }

  SUBCASE("PUT, PATCH and DELETE use their method; a large body has no Expect and no added content type")
  {
    const std::string large(5000, 'x');
    for (const std::string method : {"PUT", "PATCH", "DELETE"}) {
      Request request;
      request.method = method;
      request.url = server.url("/v2/orders");
      request.body = method == "DELETE" ? std::string() : large;
      const auto result = client->send(request);
      REQUIRE(result.has_value());
      CHECK(result->body == "answer to " + method);
    }
    const auto seen = server.seen();
    REQUIRE(seen.size() == 3);
    CHECK(seen[0].method == "PUT");
    CHECK(seen[0].body == large);
    CHECK(header_of(seen[0], "Expect") == "<none>");
    CHECK(header_of(seen[0], "Content-Type") == "<none>");
    CHECK(seen[1].method == "PATCH");
    CHECK(seen[1].body == large);
    CHECK(seen[2].method == "DELETE");
    CHECK(seen[2].body == "");
    // One easy handle per client: the connection is kept alive and reused.
    CHECK(seen[0].remote_port == seen[1].remote_port);
    CHECK(seen[1].remote_port == seen[2].remote_port);
  }
}

TEST_CASE("CurlClient: the request head on the wire")
{
  // cpp-httplib drops headers with empty values, so this reads the raw bytes instead.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(listener >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t length = sizeof address;
  REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  REQUIRE(::listen(listener, 1) == 0);
  std::string head;
  std::thread server([&] {
    const int connection = ::accept(listener, nullptr, nullptr);
    char buffer[4096];
    while (head.find("\r\n\r\n") == std::string::npos) {
      const auto n = ::recv(connection, buffer, sizeof buffer, 0);
      if (n <= 0) {
        break;
      }
      head.append(buffer, static_cast<size_t>(n));
    }
    const std::string_view reply = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
    (void)::send(connection, reply.data(), reply.size(), 0);
    ::close(connection);
  });

  RecordingClock clock;
  Request request = get("http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/p?q=1", "GET p");
  request.headers = {{"X-Empty", ""}, {"Authorization", "CEA algorithm=HmacSHA256"}};
  const auto result = uoms::net::make_curl_client(test_options(), clock)->send(request);
  server.join();
  ::close(listener);
  REQUIRE(result.has_value());
  CHECK(result->status == 204);
  CHECK(head == "GET /p?q=1 HTTP/1.1\r\n"
                "Host: 127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "\r\n"
                "User-Agent: uoms-test/1\r\n"
                "Accept: */*\r\n"
                "X-Empty:\r\n"
                "Authorization: CEA algorithm=HmacSHA256\r\n"
                "\r\n");
}

TEST_CASE("CurlClient: retries")
{
  std::atomic<int> calls{0}; // outlives the server's handler threads
  TestServer server;
  RecordingClock clock;
  HttpOptions options = test_options();

  SUBCASE("429 then 200")
  {
    server.server.Get("/x", [&](const httplib::Request& req, httplib::Response& res) {
      server.record(req);
      res.status = ++calls == 1 ? 429 : 200;
      res.set_content(res.status == 200 ? "ok" : "slow down", "text/plain");
    });
    const auto result = uoms::net::make_curl_client(options, clock)->send(get(server.url("/x"), "GET x"));
    REQUIRE(result.has_value());
    CHECK(result->status == 200);
    CHECK(result->body == "ok");
    CHECK(result->attempts == 2);
    REQUIRE(clock.sleeps.size() == 1);
    // Backoff for attempt 1 is the base delay plus up to 50% jitter.
    CHECK(clock.sleeps[0] >= 100ms);
    CHECK(clock.sleeps[0] <= 150ms);
  }

  SUBCASE("Retry-After in seconds is honoured")
  {
    server.server.Get("/x", [&](const httplib::Request&, httplib::Response& res) {
      res.status = ++calls == 1 ? 429 : 200;
      res.set_header("Retry-After", "7");
    });
    const auto result = uoms::net::make_curl_client(options, clock)->send(get(server.url("/x"), "GET x"));
    REQUIRE(result.has_value());
    CHECK(result->status == 200);
    CHECK(result->attempts == 2);
    CHECK(clock.sleeps == std::vector<Millis>{7000ms});
  }

  SUBCASE("Retry-After as an HTTP date is read relative to the clock")
  {
    server.server.Get("/x", [&](const httplib::Request&, httplib::Response& res) {
      res.status = ++calls == 1 ? 503 : 200;
      res.set_header("Retry-After", "Sun, 22 Nov 2026 10:00:05 GMT");
    });
    const auto result = uoms::net::make_curl_client(options, clock)->send(get(server.url("/x"), "GET x"));
    REQUIRE(result.has_value());
    CHECK(result->status == 200);
    CHECK(clock.sleeps == std::vector<Millis>{5000ms});
  }

  SUBCASE("Retry-After is capped at max_retry_after")
  {
    server.server.Get("/x", [&](const httplib::Request&, httplib::Response& res) {
      res.status = ++calls == 1 ? 429 : 200;
      res.set_header("Retry-After", "3600");
    });
    options.retry.max_retry_after = 2000ms;
    const auto result = uoms::net::make_curl_client(options, clock)->send(get(server.url("/x"), "GET x"));
    REQUIRE(result.has_value());
    CHECK(result->status == 200);
    CHECK(clock.sleeps == std::vector<Millis>{2000ms});
  }

  SUBCASE("5xx on every attempt returns the last response")
  {
    server.server.Get("/x", [&](const httplib::Request&, httplib::Response& res) {
      const int n = ++calls;
      res.status = n == 2 ? 502 : 500;
      res.set_content("failure " + std::to_string(n), "text/plain");
    });
    const auto result = uoms::net::make_curl_client(options, clock)->send(get(server.url("/x"), "GET x"));
    REQUIRE(result.has_value());
    CHECK(result->status == 500);
    CHECK(result->body == "failure 3");
    CHECK(result->attempts == 3);
    CHECK(calls == 3);
    REQUIRE(clock.sleeps.size() == 2);
    CHECK(clock.sleeps[0] >= 100ms);
    CHECK(clock.sleeps[0] <= 150ms);
    CHECK(clock.sleeps[1] >= 200ms);
    CHECK(clock.sleeps[1] <= 300ms);
  }

  SUBCASE("backoff doubles and stops at max_delay")
  {
    server.server.Get("/x", [&](const httplib::Request&, httplib::Response& res) {
      ++calls;
      res.status = 503;
    });
    options.retry.max_attempts = 6;
    options.retry.max_delay = 300ms;
    const auto result = uoms::net::make_curl_client(options, clock)->send(get(server.url("/x"), "GET x"));
    REQUIRE(result.has_value());
    CHECK(result->status == 503);
    CHECK(result->attempts == 6);
    REQUIRE(clock.sleeps.size() == 5);
    const std::vector<Millis> lower = {100ms, 200ms, 300ms, 300ms, 300ms};
    for (size_t i = 0; i < lower.size(); ++i) {
      CAPTURE(i);
      CHECK(clock.sleeps[i] >= lower[i]);
      CHECK(clock.sleeps[i] <= lower[i] + lower[i] / 2);
    }
  }

  SUBCASE("400 is not retried")
  {
    server.server.Get("/x", [&](const httplib::Request&, httplib::Response& res) {
      ++calls;
      res.status = 400;
      res.set_content(R"({"error":"bad date"})", "application/json");
    });
    const auto result = uoms::net::make_curl_client(options, clock)->send(get(server.url("/x"), "GET x"));
    REQUIRE(result.has_value());
    CHECK(result->status == 400);
    CHECK(result->body == R"({"error":"bad date"})");
    CHECK(result->attempts == 1);
    CHECK(calls == 1);
    CHECK(clock.sleeps.empty());
  }

  SUBCASE("is_incomplete retries a body cut short, then reports a transport error")
  {
    server.server.Get("/x", [&](const httplib::Request&, httplib::Response& res) {
      res.set_content(++calls == 1 ? R"({"data":[1,2)" : R"({"data":[1,2,3]})", "application/json");
    });
    options.is_incomplete = [](const uoms::net::Response& response) { return response.body.back() != '}'; };
    auto result = uoms::net::make_curl_client(options, clock)->send(get(server.url("/x"), "GET x"));
    REQUIRE(result.has_value());
    CHECK(result->body == R"({"data":[1,2,3]})");
    CHECK(result->attempts == 2);
    CHECK(clock.sleeps.size() == 1);

    options.is_incomplete = [](const uoms::net::Response&) { return true; };
    result = uoms::net::make_curl_client(options, clock)->send(get(server.url("/x"), "GET x"));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == TransportErrorKind::other);
    CHECK(result.error().attempts == options.retry.max_attempts);
    CHECK(result.error().message.find("GET x: transport error with 127.0.0.1: HTTP 200 with a body cut short or not JSON")
          == 0);
  }

  SUBCASE("is_throttled retries a 200")
  {
    server.server.Get("/x", [&](const httplib::Request&, httplib::Response& res) {
      res.set_content(++calls == 1 ? R"({"error":"error_rate_limit"})" : R"({"error":""})", "application/json");
    });
    options.is_throttled = [](const uoms::net::Response& response) {
      return response.body.find("error_rate_limit") != std::string::npos;
    };
    const auto result = uoms::net::make_curl_client(options, clock)->send(get(server.url("/x"), "GET x"));
    REQUIRE(result.has_value());
    CHECK(result->status == 200);
    CHECK(result->body == R"({"error":""})");
    CHECK(result->attempts == 2);
    CHECK(clock.sleeps.size() == 1);
  }
}

TEST_CASE("CurlClient: a write under WriteOnce is sent again only when it certainly did not arrive")
{
  std::atomic<int> calls{0}; // outlives the server's handler threads
  std::atomic<bool> release{false};
  TestServer server;
  RecordingClock clock;
  HttpOptions options = test_options();
  options.is_incomplete = [](const uoms::net::Response& response) { return response.body.back() != '}'; };
  Request write = get(server.url("/ship"), "POST ship_order");
  write.method = "POST";
  write.body = R"({"order":"A"})";

  SUBCASE("an answer cut short is a transport error after one try: the write was applied, only reading back can tell")
  {
    server.server.Post("/ship", [&](const httplib::Request&, httplib::Response& res) {
      ++calls;
      res.set_content(R"({"result":"ok)", "application/json");
    });
    const uoms::net::WriteOnce once;
    const auto result = uoms::net::make_curl_client(options, clock)->send(write);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().attempts == 1);
    CHECK(result.error().message.find("POST ship_order: transport error with 127.0.0.1: HTTP 200 with a body cut short")
          == 0);
    CHECK(calls == 1);
    CHECK(clock.sleeps.empty());
  }

  SUBCASE("a 5xx is returned as it is, not sent again")
  {
    server.server.Post("/ship", [&](const httplib::Request&, httplib::Response& res) {
      ++calls;
      res.status = 500;
      res.set_content(R"({"error":"error_server"})", "application/json");
    });
    const uoms::net::WriteOnce once;
    const auto result = uoms::net::make_curl_client(options, clock)->send(write);
    REQUIRE(result.has_value());
    CHECK(result->status == 500);
    CHECK(calls == 1);
  }

  SUBCASE("a timeout is not sent again")
  {
    server.server.Post("/ship", [&](const httplib::Request&, httplib::Response& res) {
      ++calls;
      for (int i = 0; i < 300 && !release; ++i) {
        std::this_thread::sleep_for(10ms);
      }
      res.set_content("{}", "application/json");
    });
    options.total_timeout = 200ms;
    const uoms::net::WriteOnce once;
    const auto result = uoms::net::make_curl_client(options, clock)->send(write);
    release = true;
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == TransportErrorKind::timeout);
    CHECK(result.error().attempts == 1);
    CHECK(calls == 1);
  }

  SUBCASE("429 is retried: the marketplace said it did nothing")
  {
    server.server.Post("/ship", [&](const httplib::Request&, httplib::Response& res) {
      res.status = ++calls == 1 ? 429 : 200;
      res.set_content(R"({"ok":true})", "application/json");
    });
    const uoms::net::WriteOnce once;
    const auto result = uoms::net::make_curl_client(options, clock)->send(write);
    REQUIRE(result.has_value());
    CHECK(result->status == 200);
    CHECK(result->attempts == 2);
  }

  SUBCASE("a refused connection is retried: nothing was sent")
  {
    write.url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/ship";
    const uoms::net::WriteOnce once;
    const auto result = uoms::net::make_curl_client(options, clock)->send(write);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == TransportErrorKind::connect);
    CHECK(result.error().attempts == 3);
  }

  SUBCASE("outside the scope the same answer cut short is retried, as for a read")
  {
    server.server.Post("/ship", [&](const httplib::Request&, httplib::Response& res) {
      res.set_content(++calls == 1 ? R"({"result":"ok)" : R"({"result":"ok"})", "application/json");
    });
    {
      const uoms::net::WriteOnce once;
      CHECK(uoms::net::WriteOnce::active());
    }
    CHECK_FALSE(uoms::net::WriteOnce::active());
    const auto result = uoms::net::make_curl_client(options, clock)->send(write);
    REQUIRE(result.has_value());
    CHECK(result->attempts == 2);
    CHECK(calls == 2);
  }
}

TEST_CASE("CurlClient: transport errors")
{
  RecordingClock clock;
  HttpOptions options = test_options();

  SUBCASE("connection refused is retried, then reported")
  {
    const int port = closed_port();
    const auto url = "http://127.0.0.1:" + std::to_string(port) + "/orders?token=abc";
    const auto result = uoms::net::make_curl_client(options, clock)->send(get(url, "GET orders (page 1)"));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == TransportErrorKind::connect);
    CHECK(result.error().attempts == 3);
    CHECK(result.error().message.starts_with("GET orders (page 1): could not connect to 127.0.0.1: "));
    CHECK(result.error().message.ends_with(" (after 3 attempts)"));
    CHECK(clock.sleeps.size() == 2);
  }

  SUBCASE("without a label the message names the method and the URL without its query")
  {
    options.retry.max_attempts = 1;
    const int port = closed_port();
    const auto base = "http://127.0.0.1:" + std::to_string(port) + "/orders";
    const auto result = uoms::net::make_curl_client(options, clock)->send(get(base + "?sig=abc", ""));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().attempts == 1);
    CHECK(result.error().message.starts_with("GET " + base + ": could not connect to 127.0.0.1: "));
    CHECK(result.error().message.find("sig=abc") == std::string::npos);
    CHECK(clock.sleeps.empty());
  }

  SUBCASE("secrets in error messages are redacted")
  {
    options.retry.max_attempts = 1;
    uoms::log::add_secret("zq-net-test-secret");
    const auto url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/x";
    const auto result = uoms::net::make_curl_client(options, clock)->send(get(url, "GET zq-net-test-secret"));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().message.starts_with("GET ********: could not connect to 127.0.0.1: "));
  }

  SUBCASE("the total timeout stops a slow server")
  {
    // Declared before the server, so they outlive the handler thread it joins on destruction.
    std::atomic<bool> release{false};
    std::atomic<int> calls{0};
    TestServer server;
    server.server.Get("/slow", [&](const httplib::Request&, httplib::Response& res) {
      ++calls;
      for (int i = 0; i < 300 && !release; ++i) {
        std::this_thread::sleep_for(10ms);
      }
      res.set_content("late", "text/plain");
    });
    options.total_timeout = 200ms;
    options.retry.max_attempts = 2;
    const auto started = std::chrono::steady_clock::now();
    const auto result = uoms::net::make_curl_client(options, clock)->send(get(server.url("/slow"), "GET slow"));
    const auto elapsed = std::chrono::steady_clock::now() - started;
    release = true;
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == TransportErrorKind::timeout);
    CHECK(result.error().attempts == 2);
    CHECK(result.error().message.starts_with("GET slow: timed out talking to 127.0.0.1: "));
    CHECK(calls == 2);
    CHECK(elapsed < 2s);
  }
}

TEST_CASE("CurlClient: allowed hosts")
{
  RecordingClock clock;
  HttpOptions options = test_options();

  SUBCASE("a host outside the list is refused before any connection")
  {
    const auto result =
      uoms::net::make_curl_client(options, clock)->send(get("https://api.example.com/v2/orders", "GET orders"));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == TransportErrorKind::host_not_allowed);
    CHECK(result.error().attempts == 1);
    CHECK(result.error().message ==
          "host api.example.com is not allowed (allowed hosts: loopback); set http.allowed_hosts or "
          "UOMS_ALLOWED_HOSTS");
    CHECK(clock.sleeps.empty());
  }

  SUBCASE("a refused host gets no request, even on loopback")
  {
    TestServer server;
    server.server.Get("/x", [&](const httplib::Request& req, httplib::Response&) { server.record(req); });
    options.allowed_hosts = {"10.0.0.1", "*.example.com"};
    const auto result = uoms::net::make_curl_client(options, clock)->send(get(server.url("/x"), "GET x"));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == TransportErrorKind::host_not_allowed);
    CHECK(result.error().message ==
          "host 127.0.0.1 is not allowed (allowed hosts: 10.0.0.1, *.example.com); set http.allowed_hosts or "
          "UOMS_ALLOWED_HOSTS");
    CHECK(server.seen().empty());
  }

  SUBCASE("*.suffix matches subdomains only")
  {
    TestServer server;
    server.server.Get("/x", [&](const httplib::Request& req, httplib::Response& res) {
      server.record(req);
      res.set_content("hi", "text/plain");
    });
    const std::string port = server.url("").substr(std::string("http://127.0.0.1").size()); // ":NNNN"
    // curl resolves localhost and its subdomains to loopback itself, so no DNS is involved.
    options.allowed_hosts = {"*.localhost"};
    auto client = uoms::net::make_curl_client(options, clock);

    const auto allowed = client->send(get("http://api.localhost" + port + "/x", "GET x"));
    REQUIRE(allowed.has_value());
    CHECK(allowed->body == "hi");
    const auto upper = client->send(get("http://API.LocalHost" + port + "/x", "GET x"));
    REQUIRE(upper.has_value());
    CHECK(upper->body == "hi");

    for (const std::string refused : {"http://localhost", "http://evillocalhost", "http://127.0.0.1"}) {
      CAPTURE(refused);
      const auto result = client->send(get(refused + port + "/x", "GET x"));
      REQUIRE_FALSE(result.has_value());
      CHECK(result.error().kind == TransportErrorKind::host_not_allowed);
    }
    options.allowed_hosts = {"*.example.com"};
    auto example = uoms::net::make_curl_client(options, clock);
    for (const std::string refused :
         {"http://example.com/", "http://evil-example.com/", "http://api.example.com.evil.net/"}) {
      CAPTURE(refused);
      const auto result = example->send(get(refused, "GET x"));
      REQUIRE_FALSE(result.has_value());
      CHECK(result.error().kind == TransportErrorKind::host_not_allowed);
    }
    CHECK(server.seen().size() == 2);
  }

  SUBCASE("an empty list allows any host")
  {
    TestServer server;
    server.server.Get("/x", [&](const httplib::Request&, httplib::Response& res) { res.set_content("hi", "text/plain"); });
    options.allowed_hosts.clear();
    const auto result = uoms::net::make_curl_client(options, clock)->send(get(server.url("/x"), "GET x"));
    REQUIRE(result.has_value());
    CHECK(result->body == "hi");
  }

  SUBCASE("only http and https are spoken")
  {
    options.allowed_hosts.clear();
    const auto result = uoms::net::make_curl_client(options, clock)->send(get("file:///etc/passwd", "GET file"));
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == TransportErrorKind::other);
    CHECK(result.error().attempts == 1);
  }
}

TEST_CASE("CurlClient: rate limit")
{
  std::atomic<int> calls{0}; // outlives the server's handler threads
  TestServer server;
  RecordingClock clock(/*advance=*/true);
  HttpOptions options = test_options();

  SUBCASE("N requests take (N - burst) / rate seconds")
  {
    server.server.Get("/x", [&](const httplib::Request&, httplib::Response& res) { ++calls; res.status = 200; });
    options.rate_limit = 2;
    auto client = uoms::net::make_curl_client(options, clock);
    for (int i = 0; i < 5; ++i) {
      REQUIRE(client->send(get(server.url("/x"), "GET x")).has_value());
    }
    CHECK(calls == 5);
    // A burst of one (the marketplace's 2 less the one kept in hand), then one every 500 ms.
    CHECK(clock.sleeps == std::vector<Millis>{500ms, 500ms, 500ms, 500ms});
    CHECK(clock.total() == 2000ms);
  }

  SUBCASE("retries take a token too")
  {
    server.server.Get("/x", [&](const httplib::Request&, httplib::Response& res) {
      res.status = ++calls < 3 ? 429 : 200;
      res.set_header("Retry-After", "0");
    });
    options.rate_limit = 1;
    const auto result = uoms::net::make_curl_client(options, clock)->send(get(server.url("/x"), "GET x"));
    REQUIRE(result.has_value());
    CHECK(result->attempts == 3);
    // Retry-After 0, then the bucket's 1 s; twice.
    CHECK(clock.sleeps == std::vector<Millis>{0ms, 1000ms, 0ms, 1000ms});
  }
}

TEST_CASE("net::RateLimiter")
{
  RecordingClock clock(/*advance=*/true);

  SUBCASE("a rate below 1 still holds one token")
  {
    uoms::net::RateLimiter limiter(0.5, clock);
    limiter.acquire();
    CHECK(clock.sleeps.empty());
    limiter.acquire();
    CHECK(clock.sleeps == std::vector<Millis>{2000ms});
  }

  SUBCASE("an idle bucket refills only up to its capacity")
  {
    uoms::net::RateLimiter limiter(3, clock);
    clock.sleep_for(10'000ms); // idle
    clock.sleeps.clear();
    for (int i = 0; i < 3; ++i) {
      limiter.acquire();
    }
    // Two at once (a token fewer than the marketplace's 3), the third a third of a second
    // later (rounded up to whole ms).
    CHECK(clock.sleeps == std::vector<Millis>{334ms});
  }
}
