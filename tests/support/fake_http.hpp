#pragma once

#include "uoms/http.hpp"

#include <deque>
#include <functional>
#include <stdexcept>
#include <vector>

namespace uoms::testing {

// A recording HttpClient for unit tests: remembers every request and answers from a
// queue of canned responses, or from a handler function when one is set.
class FakeHttp : public net::HttpClient
{
public:
  std::vector<net::Request> requests;
  std::deque<net::HttpResult> responses;
  std::function<net::HttpResult(const net::Request&)> handler;

  net::HttpResult send(const net::Request& request) override
  {
    requests.push_back(request);
    if (handler) {
      return handler(request);
    }
    if (responses.empty()) {
      throw std::logic_error("FakeHttp: no response queued for " + request.method + " " + request.url);
    }
    auto response = std::move(responses.front());
    responses.pop_front();
    return response;
  }

  void reply(int status, std::string body, net::Headers headers = {})
  {
    net::Response r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    responses.push_back(std::move(r));
  }
};

} // namespace uoms::testing
