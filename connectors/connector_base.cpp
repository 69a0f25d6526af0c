#include "connectors/connector_base.hpp"

#include "connectors/support.hpp"
#include "uoms/log.hpp"
#include "uoms/util/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <exception>

namespace uoms::connectors::support {

ConnectorBase::ConnectorBase(const ChannelContext& context, std::string_view kind)
  : m_channel(context.name),
    m_kind(kind),
    m_http(context.http),
    m_clock(context.clock)
{
}

Result<Page> ConnectorBase::fetch_orders(const Window& window, const std::string& cursor)
{
  return guarded<Page>([&] {
    auto page = fetch(window, cursor);
    if (page) {
      page->requests = m_requests;
    }
    return page;
  });
}

Result<std::string> ConnectorBase::check()
{
  return guarded<std::string>([&] { return probe(); });
}

ConnectorError ConnectorBase::unexpected_failure(const std::exception& error) const
{
  return ConnectorError{ErrorKind::contract, scrub(fmt::format("{}: {}", m_kind, error.what()))};
}

void ConnectorBase::config_error(std::string message)
{
  if (!m_config_error) {
    m_config_error = ConnectorError{ErrorKind::config, std::move(message)};
  }
}

void ConnectorBase::require_services()
{
  if (m_http == nullptr || m_clock == nullptr) {
    config_error(fmt::format("internal: {} connector needs an HTTP client and a clock", m_kind));
  }
}

void ConnectorBase::add_secret(std::string_view value)
{
  if (!value.empty()) {
    log::add_secret(value);
    m_secrets.emplace_back(value);
  }
}

std::string ConnectorBase::scrub(std::string text) const
{
  std::vector<std::string_view> secrets(m_secrets.begin(), m_secrets.end());
  const std::optional<Token> stored = m_keeper ? m_keeper->stored() : std::nullopt;
  if (stored) {
    secrets.push_back(stored->value);
    secrets.push_back(stored->refresh);
  }
  return support::scrub(std::move(text), secrets);
}

bool ConnectorBase::record_writes(std::vector<PlannedRequest>* sink)
{
  m_planned = sink;
  return true;
}

Result<net::Response> ConnectorBase::exchange(const net::Request& request)
{
  if (m_planned != nullptr) {
    if (auto answer = dry_run_answer(request)) {
      // Secrets the connector knows (keys, tokens) are masked wherever they appear; a
      // signature or credential parameter of a query or form body by its name.
      const bool form = std::any_of(request.headers.begin(), request.headers.end(), [](const auto& header) {
        return util::ascii_lower(header.first) == "content-type" && header.second.starts_with("application/x-www-form-urlencoded");
      });
      std::string path(url_path(request.url));
      if (const auto question = path.find('?'); question != std::string::npos) {
        path = path.substr(0, question + 1) + mask_params(std::string_view(path).substr(question + 1));
      }
      m_planned->push_back({request.method, scrub(std::move(path)), scrub(form ? mask_params(request.body) : request.body),
                            scrub(request.label)});
      return std::move(*answer);
    }
  }
  ++m_requests;
  auto result = m_http->send(request);
  if (!result) {
    return std::unexpected(no_answer(result.error(), scrub(result.error().message)));
  }
  return std::move(*result);
}

} // namespace uoms::connectors::support
