#pragma once

#include "uoms/http.hpp"

#include <cstdio>
#include <deque>
#include <functional>
#include <stdexcept>
#include <vector>

#include <unistd.h>

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
      return to_file(request, handler(request));
    }
    if (responses.empty()) {
      throw std::logic_error("FakeHttp: no response queued for " + request.method + " " + request.url);
    }
    auto response = std::move(responses.front());
    responses.pop_front();
    return to_file(request, std::move(response));
  }

  // A request that asked for its answer in a file gets it there, as the curl client does.
  static net::HttpResult to_file(const net::Request& request, net::HttpResult result)
  {
    if (request.body_file == nullptr || !result) {
      return result;
    }
    std::rewind(request.body_file);
    if (::ftruncate(::fileno(request.body_file), 0) != 0) {
      throw std::runtime_error("FakeHttp: cannot empty the answer's file");
    }
    std::fwrite(result->body.data(), 1, result->body.size(), request.body_file);
    std::fflush(request.body_file);
    std::rewind(request.body_file);
    result->body.clear();
    result->body_file = request.body_file;
    return result;
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
