#include "uoms/connector.hpp"

#include "connectors/coupang/coupang.hpp"
#include "connectors/csv/csv.hpp"
#include "connectors/playauto/playauto.hpp"
#include "connectors/qoo10jp/qoo10jp.hpp"
#include "connectors/shopee/shopee.hpp"
#include "connectors/smartstore/smartstore.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace uoms::connectors {

TimePoint floor_step(TimePoint t, Millis step, std::chrono::minutes utc_offset)
{
  if (step.count() <= 1) {
    return t;
  }
  const Millis local = (t + utc_offset).time_since_epoch();
  return TimePoint{local - (local % step + step) % step} - utc_offset;
}

TimePoint last_step(const Window& window, Millis step, std::chrono::minutes utc_offset)
{
  return std::max(window.from, floor_step(window.to - Millis{1}, step, utc_offset));
}

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

const std::vector<KindSpec>& kinds()
{
  static const std::vector<KindSpec> table = {
    coupang::spec(),
    smartstore::spec(),
    shopee::spec(),
    qoo10jp::spec(),
    playauto::spec(),
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
