#pragma once

#include "uoms/connector.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

// One internal code per carrier. Each kind's own code for a carrier lives in that kind's
// KindSpec row (`carriers`); this table only names them.
namespace uoms::carriers {

struct Carrier
{
  std::string_view code;    // uoms code, e.g. CJ, LOTTE, YAMATO
  std::string_view name;    // as sellers know it
  std::string_view country; // KR, JP, or XX for international
};

const std::vector<Carrier>& all();
const Carrier* find(std::string_view code);

// The kind's own code for a uoms carrier code, or nullopt when the kind cannot take it.
std::optional<std::string> code_for(const connectors::KindSpec& kind, std::string_view carrier);

// The uoms code for a carrier code a marketplace reports (reverse look-up in the kind's
// row); nullopt when the kind's row does not list it.
std::optional<std::string> from_kind_code(const connectors::KindSpec& kind, std::string_view kind_code);

} // namespace uoms::carriers
