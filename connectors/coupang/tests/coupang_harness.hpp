#pragma once

// What the Coupang connector's unit tests share: the official sample key pair and a
// harness around a recording FakeHttp with a manual clock.

#include "connectors/coupang/coupang.hpp"

#include "tests/support/connector_test.hpp"
#include "tests/support/fake_http.hpp"

#include <doctest/doctest.h>

#include <memory>
#include <string>

namespace uoms::testing::coupang_tests {

using namespace uoms::connectors;

// The sample key pair of the official 2019 HMAC example (coupang.md §2.8).
inline constexpr const char* k_access = "0a3a0f34-7852-4ad8-9368-766290b8b1ab";
inline constexpr const char* k_secret = "7ffcdf980d908fe7ca3d642868e22f99f0306bf5";
inline constexpr const char* k_path = "/v2/providers/openapi/apis/api/v5/vendors/A00012345/ordersheets";

inline std::string fixture(const std::string& name)
{
  return testing::read_fixture("coupang", name);
}

struct Harness
{
  testing::FakeHttp http;
  ManualClock clock{utc(2025, 8, 1)}; // signed-date 250801T000000Z
  ChannelContext context;

  explicit Harness(std::string statuses = "")
  {
    context.name = "coupang-main";
    context.settings = {{"base_url", "http://127.0.0.1:8080"}, {"vendor_id", "A00012345"}};
    if (!statuses.empty()) {
      context.settings["statuses"] = statuses;
    }
    context.secrets = {{"access_key", k_access}, {"secret_key", k_secret}};
    context.http = &http;
    context.clock = &clock;
  }

  std::unique_ptr<Connector> make() { return coupang::spec().make(context); }
};

} // namespace uoms::testing::coupang_tests
