#include "uoms/carriers.hpp"

#include <algorithm>

namespace uoms::carriers {

const std::vector<Carrier>& all()
{
  static const std::vector<Carrier> table = {
    {"CJ", "CJ대한통운 (CJ Logistics)", "KR"},
    {"HANJIN", "한진택배 (Hanjin)", "KR"},
    {"LOTTE", "롯데택배 (Lotte Global Logistics)", "KR"},
    {"LOGEN", "로젠택배 (Logen)", "KR"},
    {"EPOST", "우체국택배 (Korea Post)", "KR"},
    {"KDEXP", "경동택배 (Kyungdong)", "KR"},
    {"CVSNET", "GS Postbox 택배 (CVSnet)", "KR"},
    {"CUPARCEL", "CU 편의점택배", "KR"},
    {"DAESIN", "대신택배", "KR"},
    {"ILYANG", "일양로지스", "KR"},
    {"CHUNIL", "천일택배", "KR"},
    {"HDEXP", "합동택배", "KR"},
    {"REGISTPOST", "우편등기 (registered post)", "KR"},
    {"DIRECT", "업체직송 (seller's own delivery)", "KR"},
    {"YAMATO", "ヤマト運輸 (Yamato Transport)", "JP"},
    {"SAGAWA", "佐川急便 (Sagawa Express)", "JP"},
    {"JAPANPOST", "日本郵便 ゆうパック (Japan Post)", "JP"},
    {"SEINO", "西濃運輸 (Seino)", "JP"},
    {"FUKUYAMA", "福山通運 (Fukuyama)", "JP"},
    {"QXPRESS", "Qxpress", "XX"},
    {"EMS", "EMS", "XX"},
    {"DHL", "DHL", "XX"},
    {"FEDEX", "FedEx", "XX"},
    {"UPS", "UPS", "XX"},
  };
  return table;
}

const Carrier* find(std::string_view code)
{
  const auto& table = all();
  auto it = std::find_if(table.begin(), table.end(), [&](const Carrier& c) { return c.code == code; });
  return it == table.end() ? nullptr : &*it;
}

std::optional<std::string> code_for(const connectors::KindSpec& kind, std::string_view carrier)
{
  auto it = kind.carriers.find(carrier);
  if (it == kind.carriers.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::optional<std::string> from_kind_code(const connectors::KindSpec& kind, std::string_view kind_code)
{
  for (const auto& [ours, theirs] : kind.carriers) {
    if (theirs == kind_code) {
      return ours;
    }
  }
  return std::nullopt;
}

} // namespace uoms::carriers
