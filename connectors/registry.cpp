#include "uoms/connector.hpp"

#include "connectors/coupang/coupang.hpp"
#include "connectors/csv/csv.hpp"
#include "connectors/shopee/shopee.hpp"
#include "connectors/smartstore/smartstore.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace uoms::connectors {

std::string_view to_string(ErrorKind kind)
{
  switch (kind) {
  case ErrorKind::auth: return "auth";
  case ErrorKind::rate_limited: return "rate_limited";
  case ErrorKind::transient: return "transient";
  case ErrorKind::contract: return "contract";
  case ErrorKind::config: return "config";
  case ErrorKind::unsupported: return "unsupported";
  }
  return "transient";
}

namespace {

// Kinds whose settings are known but whose connector has not been written yet: a
// channel can be added and shown, and every operation says plainly that it is missing.
class Unimplemented : public Connector
{
public:
  explicit Unimplemented(std::string kind) : m_kind(std::move(kind)) {}
  const Capabilities& capabilities() const override { return m_caps; }
  Result<Page> fetch_orders(const Window&, const std::string&) override { return missing(); }
  Result<std::string> check() override { return missing(); }

private:
  std::unexpected<ConnectorError> missing() const
  {
    return std::unexpected(ConnectorError{
      ErrorKind::unsupported, fmt::format("the {} connector is not implemented in this version of uoms", m_kind)});
  }
  std::string m_kind;
  Capabilities m_caps;
};

KindSpec planned(std::string kind, std::string description, std::vector<FieldSpec> settings,
                 std::vector<FieldSpec> secrets)
{
  settings.push_back({"rate_limit", false, "", "requests per second (default: the marketplace's limit)"});
  settings.push_back({"timezone", false, "", "override the marketplace's time zone, e.g. +09:00"});
  return KindSpec{kind, std::move(description), std::move(settings), std::move(secrets),
                  [kind](const ChannelContext&) -> std::unique_ptr<Connector> {
                    return std::make_unique<Unimplemented>(kind);
                  }};
}

} // namespace

const std::vector<KindSpec>& kinds()
{
  static const std::vector<KindSpec> table = {
    coupang::spec(),
    smartstore::spec(),
    shopee::spec(),
    planned("qoo10jp", "Qoo10 Japan QAPI (not implemented yet)",
            {{"base_url", false, "https://api.qoo10.jp", "API host"}, {"user_id", true, "", "seller login id"}},
            {{"api_key", true, "", "QAPI key"}, {"password", true, "", "seller password"}}),
    planned("playauto", "PlayAuto aggregator (not implemented yet)",
            {{"base_url", false, "https://openapi.playauto.io", "API host"}, {"email", true, "", "account e-mail"}},
            {{"api_key", true, "", "x-api-key"}, {"password", true, "", "account password"}}),
    csv::spec(),
  };
  return table;
}

const KindSpec* find_kind(std::string_view kind)
{
  const auto& all = kinds();
  auto it = std::find_if(all.begin(), all.end(), [&](const KindSpec& k) { return k.kind == kind; });
  return it == all.end() ? nullptr : &*it;
}

} // namespace uoms::connectors
