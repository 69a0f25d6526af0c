#pragma once

#include "uoms/connector.hpp"
#include "uoms/tokens.hpp"

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace uoms::connectors::support {

// What every marketplace connector does the same way, so each kind writes only its calls
// and its mapping: a configuration error found when the channel is built is kept (the
// first one) and answered by every call until the operator fixes the channel; HTTP calls
// are counted into Page::requests; secrets and tokens are masked in every message; and an
// exception escaping a call becomes that channel's error instead of ending the pass.
class ConnectorBase : public Connector
{
public:
  const Capabilities& capabilities() const final { return m_caps; }
  Result<Page> fetch_orders(const Window& window, const std::string& cursor) final;
  Result<std::string> check() final;
  bool record_writes(std::vector<PlannedRequest>* sink) final;

protected:
  // `kind` names the connector in internal errors ("coupang").
  ConnectorBase(const ChannelContext& context, std::string_view kind);

  // The kind's own fetch_orders and check, run once the channel's configuration is valid.
  virtual Result<Page> fetch(const Window& window, const std::string& cursor) = 0;
  virtual Result<std::string> probe() = 0;

  // The error for an exception escaping fetch or probe: by default a contract error
  // naming the kind (a payload the mapping did not expect).
  virtual ConnectorError unexpected_failure(const std::exception& error) const;

  // Runs a write-back or read-back call (upload_tracking, read_tracking, refresh_orders)
  // the way fetch_orders runs fetch: the configuration error first, HTTP calls counted
  // from zero, and an escaping exception as the channel's error.
  template <typename T, typename Call>
  Result<T> guarded(Call&& call)
  {
    if (m_config_error) {
      return std::unexpected(*m_config_error);
    }
    m_requests = 0;
    try {
      return call();
    } catch (const std::exception& error) {
      return std::unexpected(unexpected_failure(error));
    }
  }

  // Keeps the first configuration error.
  void config_error(std::string message);
  // A configuration error when the context lacked the HTTP client or the clock.
  void require_services();
  // The configuration error, if any, for calls other than fetch_orders and check.
  std::optional<ConnectorError> config_failure() const { return m_config_error; }

  // Masks `value` in every message from now on, and in the log (log::add_secret).
  void add_secret(std::string_view value);
  // `text` with the secrets, the keeper's stored token and log secrets masked.
  std::string scrub(std::string text) const;

  // One HTTP exchange, counted; no answer at all becomes the channel's error. While a dry
  // run records writes, a write (dry_run_answer) is recorded and answered instead.
  Result<net::Response> exchange(const net::Request& request);

  // The answer the marketplace gives when it takes the write `request`, for a dry run
  // (record_writes); nullopt for a read, which a dry run still sends. Each kind lists
  // every write call of its write-back here: one it leaves out would be sent.
  virtual std::optional<net::Response> dry_run_answer(const net::Request& /*request*/) const { return std::nullopt; }

  std::string m_channel;
  std::string m_kind;
  Capabilities m_caps;
  net::HttpClient* m_http = nullptr;
  Clock* m_clock = nullptr;
  std::unique_ptr<TokenKeeper> m_keeper; // null for a kind without tokens
  int m_requests = 0;                     // HTTP calls of the current fetch_orders/check

private:
  std::optional<ConnectorError> m_config_error;
  std::vector<PlannedRequest>* m_planned = nullptr; // set during a dry run
  std::vector<std::string> m_secrets;
};

} // namespace uoms::connectors::support
