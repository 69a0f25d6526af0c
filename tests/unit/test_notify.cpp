#include "uoms/notify.hpp"

#include "tests/support/fake_http.hpp"

#include <doctest/doctest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

using uoms::config::NotifyTarget;
using uoms::notify::Delivery;
using uoms::notify::Event;

namespace {

// Retries in these tests must not really wait: sleep_for only adds up what was asked.
class InstantClock : public uoms::Clock
{
public:
  uoms::TimePoint now() const override { return uoms::TimePoint{std::chrono::milliseconds{1'700'000'000'000}}; }
  void sleep_for(uoms::Millis duration) override { slept += duration; }
  uoms::Millis slept{0};
};

struct Received
{
  std::string method;
  std::string target; // path and query exactly as sent
  std::string message; // the decoded `message` query parameter
  std::string content_type;
  std::string body;
};

// A webhook receiver on 127.0.0.1 that records every request and answers `status`.
class WebhookServer
{
public:
  explicit WebhookServer(int status = 200) : m_status(status)
  {
    auto handler = [this](const httplib::Request& request, httplib::Response& response) {
      std::lock_guard lock(m_mutex);
      m_received.push_back({request.method, request.target, request.get_param_value("message"),
                            request.get_header_value("Content-Type"), request.body});
      response.status = m_status;
      response.set_content("ok", "text/plain");
    };
    m_server.Get(".*", handler);
    m_server.Post(".*", handler);
    m_port = m_server.bind_to_any_port("127.0.0.1");
    REQUIRE(m_port > 0);
    m_thread = std::thread([this] { m_server.listen_after_bind(); });
    while (!m_server.is_running()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  ~WebhookServer()
  {
    m_server.stop();
    m_thread.join();
  }

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(m_port) + path; }

  std::vector<Received> received()
  {
    std::lock_guard lock(m_mutex);
    return m_received;
  }

private:
  int m_status;
  httplib::Server m_server;
  int m_port = 0;
  std::thread m_thread;
  std::mutex m_mutex;
  std::vector<Received> m_received;
};

// A loopback port nobody listens on: bound, read back, then closed.
int closed_port()
{
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
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

NotifyTarget target(std::string name, std::string type, std::string url, std::string method = "POST",
                    std::vector<std::string> events = {})
{
  NotifyTarget t;
  t.name = std::move(name);
  t.type = std::move(type);
  t.url = std::move(url);
  t.method = std::move(method);
  t.events = std::move(events);
  return t;
}

Event completed_event()
{
  Event e;
  e.type = "completed";
  e.job_kind = "collect";
  e.job_id = 42;
  e.summary = "collect #42 completed: 3 channels, 120 orders";
  e.details = {{"orders", 120}, {"channels", 3}};
  return e;
}

uoms::net::HttpOptions loopback_options()
{
  uoms::net::HttpOptions options;
  options.allowed_hosts = {"loopback"};
  return options;
}

} // namespace

TEST_CASE("notify::build_request")
{
  const Event event = completed_event();

  SUBCASE("generic POST sends the event as JSON in a fixed key order")
  {
    const auto request = uoms::notify::build_request(target("n8n", "generic", "https://n8n.example.com/hook"), event);
    CHECK(request.method == "POST");
    CHECK(request.url == "https://n8n.example.com/hook");
    CHECK(request.headers == uoms::net::Headers{{"Content-Type", "application/json"}});
    CHECK(request.body
          == R"({"event":"completed","job_kind":"collect","job_id":42,"message":"collect #42 completed: 3 channels, 120 orders","details":{"channels":3,"orders":120}})");
    CHECK(request.label == "notify n8n");
  }

  SUBCASE("generic GET appends message with & when the URL already has a query")
  {
    Event korean = event;
    korean.summary = "수집 완료 #42";
    const auto plain = uoms::notify::build_request(target("a", "generic", "http://h.example.com/x", "GET"), korean);
    CHECK(plain.method == "GET");
    CHECK(plain.url == "http://h.example.com/x?message=%EC%88%98%EC%A7%91%20%EC%99%84%EB%A3%8C%20%2342");
    CHECK(plain.body.empty());
    const auto query = uoms::notify::build_request(target("a", "generic", "http://h.example.com/x?k=1", "GET"), korean);
    CHECK(query.url == "http://h.example.com/x?k=1&message=%EC%88%98%EC%A7%91%20%EC%99%84%EB%A3%8C%20%2342");
  }

  SUBCASE("discord and slack")
  {
    const auto discord = uoms::notify::build_request(target("d", "discord", "https://discord.example.com/w"), event);
    CHECK(discord.body == R"({"content":"collect #42 completed: 3 channels, 120 orders"})");
    const auto slack = uoms::notify::build_request(target("s", "slack", "https://hooks.example.com/s"), event);
    CHECK(slack.body == R"({"text":"collect #42 completed: 3 channels, 120 orders"})");
    CHECK(slack.headers == uoms::net::Headers{{"Content-Type", "application/json"}});
  }

  SUBCASE("invalid UTF-8 in a summary is replaced, not thrown")
  {
    Event bad = event;
    bad.summary = "bad \xff byte";
    const auto request = uoms::notify::build_request(target("s", "slack", "https://hooks.example.com/s"), bad);
    CHECK(request.body == "{\"text\":\"bad \xEF\xBF\xBD byte\"}");
  }
}

TEST_CASE("notify::send filters by event")
{
  uoms::testing::FakeHttp http;
  http.handler = [](const uoms::net::Request&) -> uoms::net::HttpResult {
    uoms::net::Response r;
    r.status = 204;
    return r;
  };
  const std::vector<NotifyTarget> targets{
    target("default", "slack", "https://hooks.example.com/1"),
    target("failures", "discord", "https://discord.example.com/2", "POST", {"failed"}),
    target("everything", "generic", "https://n8n.example.com/3", "POST",
           {"started", "completed", "partial", "failed", "skipped"}),
  };
  Event event = completed_event();

  event.type = "started";
  auto deliveries = uoms::notify::send(targets, event, http);
  REQUIRE(deliveries.size() == 1);
  CHECK(deliveries[0].target == "everything");
  CHECK(deliveries[0].ok);
  CHECK(deliveries[0].http_status == 204);
  CHECK(deliveries[0].attempts == 1);
  CHECK(deliveries[0].error.empty());

  event.type = "failed";
  deliveries = uoms::notify::send(targets, event, http);
  REQUIRE(deliveries.size() == 3);
  CHECK(deliveries[0].target == "default");
  CHECK(deliveries[1].target == "failures");
  CHECK(deliveries[2].target == "everything");

  event.type = "partial";
  deliveries = uoms::notify::send(targets, event, http);
  REQUIRE(deliveries.size() == 2);
  CHECK(deliveries[0].target == "default");
  CHECK(deliveries[1].target == "everything");

  REQUIRE(http.requests.size() == 6);
  CHECK(http.requests[0].url == "https://n8n.example.com/3");

  CHECK(uoms::notify::effective_events(targets[0])
        == std::vector<std::string>{"completed", "partial", "failed", "skipped"});
}

TEST_CASE("notify::send never throws and keeps the URL out of errors")
{
  uoms::testing::FakeHttp http; // no response queued: send() throws std::logic_error
  const std::vector<NotifyTarget> targets{target("hook", "slack", "https://hooks.example.com/services/T/B/SECRET")};
  std::vector<Delivery> deliveries;
  CHECK_NOTHROW(deliveries = uoms::notify::send(targets, completed_event(), http));
  REQUIRE(deliveries.size() == 1);
  CHECK_FALSE(deliveries[0].ok);
  CHECK(deliveries[0].error == "notify hook: FakeHttp: no response queued for POST https://hooks.example.com/********");

  uoms::net::TransportError refused{uoms::net::TransportErrorKind::connect,
                                    "notify hook: cannot connect to hooks.example.com", 3};
  http.responses.push_back(std::unexpected(refused));
  deliveries = uoms::notify::send(targets, completed_event(), http);
  REQUIRE(deliveries.size() == 1);
  CHECK_FALSE(deliveries[0].ok);
  CHECK(deliveries[0].attempts == 3);
  CHECK(deliveries[0].http_status == 0);
  CHECK(deliveries[0].error == "notify hook: cannot connect to hooks.example.com");

  http.responses.push_back(std::unexpected(uoms::net::TransportError{uoms::net::TransportErrorKind::timeout,
                                                                     "timed out", 1}));
  deliveries = uoms::notify::send(targets, completed_event(), http);
  REQUIRE(deliveries.size() == 1);
  CHECK(deliveries[0].error == "notify hook: timed out");
}

TEST_CASE("notify over loopback HTTP")
{
  InstantClock clock;

  SUBCASE("generic GET carries a Korean message percent-encoded")
  {
    WebhookServer server;
    auto http = uoms::notify::make_client(loopback_options(), clock);
    Event event = completed_event();
    event.summary = "수집 완료 #42";
    const auto deliveries =
      uoms::notify::send({target("get", "generic", server.url("/hook?token=abc"), "GET")}, event, *http);
    REQUIRE(deliveries.size() == 1);
    CHECK(deliveries[0].ok);
    CHECK(deliveries[0].http_status == 200);
    CHECK(deliveries[0].attempts == 1);
    const auto received = server.received();
    REQUIRE(received.size() == 1);
    CHECK(received[0].method == "GET");
    CHECK(received[0].target == "/hook?token=abc&message=%EC%88%98%EC%A7%91%20%EC%99%84%EB%A3%8C%20%2342");
    CHECK(received[0].message == "수집 완료 #42");
  }

  SUBCASE("POST bodies for generic, discord and slack")
  {
    WebhookServer server;
    auto http = uoms::notify::make_client(loopback_options(), clock);
    const auto deliveries = uoms::notify::send({target("g", "generic", server.url("/g")),
                                                target("d", "discord", server.url("/d")),
                                                target("s", "slack", server.url("/s"))},
                                               completed_event(), *http);
    REQUIRE(deliveries.size() == 3);
    for (const auto& d : deliveries) {
      CHECK(d.ok);
    }
    const auto received = server.received();
    REQUIRE(received.size() == 3);
    CHECK(received[0].method == "POST");
    CHECK(received[0].target == "/g");
    CHECK(received[0].content_type == "application/json");
    CHECK(received[0].body
          == R"({"event":"completed","job_kind":"collect","job_id":42,"message":"collect #42 completed: 3 channels, 120 orders","details":{"channels":3,"orders":120}})");
    CHECK(received[1].target == "/d");
    CHECK(received[1].body == R"({"content":"collect #42 completed: 3 channels, 120 orders"})");
    CHECK(received[2].target == "/s");
    CHECK(received[2].content_type == "application/json");
    CHECK(received[2].body == R"({"text":"collect #42 completed: 3 channels, 120 orders"})");
  }

  SUBCASE("a server answering 500 is tried 3 times, then a failed delivery")
  {
    WebhookServer server(500);
    auto options = loopback_options();
    options.retry.max_attempts = 8; // the notification client caps it at 3
    auto http = uoms::notify::make_client(options, clock);
    std::vector<Delivery> deliveries;
    CHECK_NOTHROW(deliveries = uoms::notify::send({target("ops", "slack", server.url("/s/TOKEN"))},
                                                  completed_event(), *http));
    REQUIRE(deliveries.size() == 1);
    CHECK_FALSE(deliveries[0].ok);
    CHECK(deliveries[0].attempts == 3);
    CHECK(deliveries[0].http_status == 500);
    CHECK(deliveries[0].error == "notify ops: HTTP 500 after 3 attempts");
    CHECK(server.received().size() == 3);
    CHECK(clock.slept > uoms::Millis{0});
  }

  SUBCASE("an unreachable port is a failed delivery naming the target, not the URL")
  {
    const std::string url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/hook/SECRETTOKEN";
    auto http = uoms::notify::make_client(loopback_options(), clock);
    std::vector<Delivery> deliveries;
    CHECK_NOTHROW(deliveries = uoms::notify::send({target("down", "discord", url)}, completed_event(), *http));
    REQUIRE(deliveries.size() == 1);
    CHECK_FALSE(deliveries[0].ok);
    CHECK(deliveries[0].http_status == 0);
    CHECK(deliveries[0].attempts == 3);
    CHECK(deliveries[0].error.starts_with("notify down: could not connect to 127.0.0.1"));
    CHECK(deliveries[0].error.find("SECRETTOKEN") == std::string::npos);
  }

  SUBCASE("the client keeps the allowed_hosts of the base options")
  {
    WebhookServer server;
    uoms::net::HttpOptions options;
    options.allowed_hosts = {"hooks.example.com"};
    auto http = uoms::notify::make_client(options, clock);
    const auto deliveries = uoms::notify::send({target("blocked", "slack", server.url("/s"))}, completed_event(), *http);
    REQUIRE(deliveries.size() == 1);
    CHECK_FALSE(deliveries[0].ok);
    CHECK(deliveries[0].http_status == 0);
    CHECK(deliveries[0].error.starts_with("notify blocked: host 127.0.0.1 is not allowed"));
    CHECK(server.received().empty());
  }
}
