#pragma once

#include "uoms/channels.hpp"
#include "uoms/config.hpp"
#include "uoms/connector.hpp"
#include "uoms/http.hpp"
#include "uoms/store.hpp"

#include <functional>
#include <memory>

// The one way a channel row becomes a working connector: {HTTP client, token store,
// connector}, wired the same for a pass and for `uoms channels test/authorize`.
namespace uoms::channels {

// Makes the HTTP client for a channel from its options; injected so unit tests can hand
// a recording fake to a whole pass.
using HttpFactory = std::function<std::unique_ptr<net::HttpClient>(const net::HttpOptions& options)>;

// The production factory: libcurl with `clock` for backoff and the token bucket.
HttpFactory curl_factory(Clock& clock);

// A channel's HTTP options: the config's [http] section, the kind's throttle rule, and
// its rate limit from the `rate_limit` the channel set itself, else [kinds.KIND]
// rate_limit, else the kind's default. A `rate_limit` that is not a non-negative number is a ConfigError.
net::HttpOptions http_options(const Channel& channel, const config::Config& config);

// Declared in the order they are destroyed last to first: the connector goes before the
// token store and client it points at.
struct Connected
{
  std::unique_ptr<net::HttpClient> http;
  std::unique_ptr<connectors::TokenStore> tokens;
  std::unique_ptr<connectors::Connector> connector;
};

// Checks the channel's required fields and builds its connector over `db` (tokens,
// processed-file keys), with the config's token margin and page size for its kind.
Connected connect(const Channel& channel, store::Database& db, const crypto::Fernet& key,
                  const config::Config& config, Clock& clock, const HttpFactory& make_http);

} // namespace uoms::channels
