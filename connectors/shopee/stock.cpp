// Shopee stock: the catalogue from get_item_list + get_model_list, quantities read back from
// get_model_list, and update_stock per item (shopee.md §1.9).

#include "connectors/shopee/shopee.hpp"

#include "connectors/shopee/internal.hpp"
#include "connectors/support.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <set>

namespace uoms::connectors::shopee {

namespace {

using namespace support; // support::json and the shared field readers and helpers

// update_stock's stock_list holds 1..50 entries (§1.9).
constexpr std::size_t k_max_stock_list = 50;
// get_item_list page_size (max 100, §1.9) of one fetch_listings page. Each item then costs one
// get_model_list call, so a page is at most 51 calls.
constexpr int k_item_page_size = 50;

// Listing::attributes key of the warehouse a model's seller_stock sits in, for multi-warehouse
// sellers (§1.9: update_stock needs location_id there). Several warehouses are comma-joined.
constexpr std::string_view k_location_key = "location_id";

bool is_id(std::string_view text)
{
  return !text.empty() && text.size() <= 18
         && std::all_of(text.begin(), text.end(), [](unsigned char c) { return c >= '0' && c <= '9'; });
}

// Why `update` cannot be sent at all; "" when it can.
std::string invalid_update(const StockUpdate& update)
{
  if (!is_id(update.listing_id)) {
    return fmt::format("\"{}\" is not a Shopee item_id", update.listing_id);
  }
  if (!update.option_id.empty() && !is_id(update.option_id)) {
    return fmt::format("\"{}\" is not a Shopee model_id", update.option_id);
  }
  if (update.quantity < 0) {
    return fmt::format("quantity {} is below 0", update.quantity);
  }
  const auto location = update.attributes.find(k_location_key);
  if (location != update.attributes.end() && location->second.find(',') != std::string::npos) {
    return fmt::format("the model holds stock in several warehouses ({}); uoms pushes one quantity per listing",
                       location->second);
  }
  return {};
}

// The model_id update_stock names: the option id, 0 for an item without models (mapping.cpp
// maps model_id 0 to an empty option_id).
std::int64_t model_of(const StockUpdate& update)
{
  return update.option_id.empty() ? 0 : to_int64(update.option_id);
}

// What an error message calls one listing.
std::string listing_name(const std::string& item_id, std::int64_t model_id)
{
  return model_id == 0 ? fmt::format("item {}", item_id) : fmt::format("item {} model {}", item_id, model_id);
}

// One stock_list entry: {"model_id", "seller_stock":[{"location_id"?, "stock"}]}. location_id
// only when the listing was fetched with one (multi-warehouse sellers, §1.9).
json stock_entry(const StockUpdate& update)
{
  json seller = {{"stock", update.quantity}};
  const auto location = update.attributes.find(k_location_key);
  if (location != update.attributes.end() && !location->second.empty()) {
    seller["location_id"] = location->second;
  }
  return {{"model_id", model_of(update)}, {"seller_stock", json::array({std::move(seller)})}};
}

// One element of get_model_list's response.model (§1.9).
struct Model
{
  std::int64_t id = 0;
  std::string sku;
  std::string name;
  std::optional<int> quantity; // the sum of stock_info_v2.seller_stock[].stock; nullopt without it
  std::string locations;       // the seller_stock entries' location_id, comma-joined
};

// The model's option names from tier_variation[t].option_list[tier_index[t]].option, joined
// with " / " (the contract lists tier_index and tier_variation without their inner shape:
// inferred from the v2 API); model_name when the answer has one.
std::string model_name(const json& model, const json* tiers)
{
  if (const auto name = string_field(model, "model_name"); !name.empty()) {
    return name;
  }
  const json* index = member(model, "tier_index");
  if (tiers == nullptr || !tiers->is_array() || index == nullptr || !index->is_array()) {
    return {};
  }
  std::string out;
  for (std::size_t t = 0; t < index->size() && t < tiers->size(); ++t) {
    const json* options = member((*tiers)[t], "option_list");
    const auto k = integer_value(&(*index)[t]);
    if (options == nullptr || !options->is_array() || !k || *k < 0 || std::size_t(*k) >= options->size()) {
      return {};
    }
    out += (out.empty() ? "" : " / ") + string_field((*options)[std::size_t(*k)], "option");
  }
  return out;
}

// Throws BadField on a model without a numeric model_id or with a malformed stock.
Model read_model(const json& entry, const json* tiers)
{
  if (!entry.is_object()) {
    throw BadField{"a model is not an object"};
  }
  Model model;
  const auto id = integer_value(member(entry, "model_id"));
  if (!id || *id < 0) {
    throw BadField{fmt::format("model_id {} is not an id", id_text(member(entry, "model_id")))};
  }
  model.id = *id;
  model.sku = string_field(entry, "model_sku");
  model.name = model_name(entry, tiers);
  const json* info = member(entry, "stock_info_v2");
  const json* seller = info == nullptr ? nullptr : member(*info, "seller_stock");
  if (seller != nullptr) {
    if (!seller->is_array()) {
      throw BadField{fmt::format("model {}: stock_info_v2.seller_stock is not an array", model.id)};
    }
    long long sum = 0;
    for (const auto& stock : *seller) {
      const auto value = integer_value(stock.is_object() ? member(stock, "stock") : nullptr);
      if (!value) {
        throw BadField{fmt::format("model {}: a seller_stock entry has no whole stock", model.id)};
      }
      sum += *value;
      if (const auto location = string_field(stock, "location_id"); !location.empty()) {
        model.locations += (model.locations.empty() ? "" : ",") + location;
      }
    }
    model.quantity = static_cast<int>(std::clamp<long long>(sum, 0, std::numeric_limits<int>::max()));
  }
  return model;
}

// response.model of get_model_list, read; throws BadField.
std::vector<Model> read_models(const json& payload)
{
  const json* models = member(payload, "model");
  if (models == nullptr) {
    return {};
  }
  if (!models->is_array()) {
    throw BadField{"\"model\" is not an array"};
  }
  const json* tiers = member(payload, "tier_variation");
  std::vector<Model> out;
  for (const auto& entry : *models) {
    out.push_back(read_model(entry, tiers));
  }
  return out;
}

// What a refused update_stock means for every model it carried, like a refused ship_order
// (logistics.cpp): throttling and Shopee's transient errors (`error_system_busy`,
// `error_server`, 5xx) leave nothing applied (retry_later); a refusal with a code
// (`error_item_not_found`, `error_item_not_belong_shop`, `error_param`, the reserved-stock
// refusal, `error_wms_shop_block_upate_stock`, …) cannot be fixed by resending (rejected).
// Anything else (token refused twice, no answer, an unreadable body) is the caller's: nullopt.
std::optional<WriteOutcome> call_outcome(const ConnectorError& error, const std::string& code)
{
  if (error.kind == ErrorKind::rate_limited || (error.kind == ErrorKind::transient && error.http_status != 0)) {
    return WriteOutcome{WriteStatus::retry_later, error.message, error.http_status, error.request_id};
  }
  if (error.kind == ErrorKind::contract && !code.empty()) {
    return WriteOutcome{WriteStatus::rejected, error.message, error.http_status, error.request_id};
  }
  return std::nullopt;
}

// The partial-failure code: the per-model answer is in response.failure_list (§1.9).
constexpr std::string_view k_partial_failure = "error_busi_update_stock_failed";

} // namespace

std::string ShopeeConnector::describe_stock_push(const StockUpdate& update) const
{
  if (const auto reason = invalid_update(update); !reason.empty()) {
    return fmt::format("POST {} (not sent: {})", k_update_stock_path, reason);
  }
  const json body = {{"item_id", to_int64(update.listing_id)}, {"stock_list", json::array({stock_entry(update)})}};
  return fmt::format("POST {} {}", k_update_stock_path, body.dump());
}

Result<ShopeeConnector::Reply> ShopeeConnector::model_list(const std::string& item_id, std::string& error_code)
{
  return shop_call("GET", k_model_list_path, "item_id=" + item_id, {},
                   fmt::format("GET get_model_list (item {})", item_id), &error_code);
}

Result<std::vector<WriteOutcome>> ShopeeConnector::update_item_stock(const std::string& item_id,
                                                                     const std::vector<const StockUpdate*>& updates)
{
  json list = json::array();
  for (const auto* update : updates) {
    list.push_back(stock_entry(*update));
  }
  const json body = {{"item_id", to_int64(item_id)}, {"stock_list", std::move(list)}};
  const std::string label = fmt::format("POST update_stock (item {}, {} model{})", item_id, updates.size(),
                                        updates.size() == 1 ? "" : "s");
  std::string code;
  json refused;
  auto reply = shop_call("POST", k_update_stock_path, {}, body.dump(), label, &code, &refused);

  std::vector<WriteOutcome> outcomes;
  if (!reply && code != k_partial_failure) {
    const auto outcome = call_outcome(reply.error(), code);
    if (!outcome) {
      return std::unexpected(reply.error());
    }
    outcomes.assign(updates.size(), *outcome);
    return outcomes;
  }

  // Success, or a partial failure: each model's answer from the two lists.
  const json* payload = reply ? &reply->payload() : member(refused, "response");
  const int status = reply ? reply->status : reply.error().http_status;
  const std::string request_id = reply ? reply->request_id : reply.error().request_id;
  std::map<std::int64_t, std::string> failed;
  std::set<std::int64_t> succeeded;
  if (payload != nullptr && payload->is_object()) {
    if (const json* failures = member(*payload, "failure_list"); failures != nullptr && failures->is_array()) {
      for (const auto& failure : *failures) {
        // A failure naming no model is the item's only one (model_id 0).
        const auto model = failure.is_object() ? integer_value(member(failure, "model_id")) : std::nullopt;
        failed.emplace(model.value_or(0), failure.is_object() ? one_line(string_field(failure, "failed_reason")) : "");
      }
    }
    if (const json* successes = member(*payload, "success_list"); successes != nullptr && successes->is_array()) {
      for (const auto& success : *successes) {
        if (const auto model = success.is_object() ? integer_value(member(success, "model_id")) : std::nullopt) {
          succeeded.insert(*model);
        }
      }
    }
  }
  for (const auto* update : updates) {
    const std::int64_t model = model_of(*update);
    const std::string name = listing_name(item_id, model);
    if (const auto it = failed.find(model); it != failed.end()) {
      outcomes.push_back({WriteStatus::rejected,
                          fmt::format("POST update_stock ({}): {}", name,
                                      it->second.empty() ? std::string("in failure_list, no reason given") : it->second),
                          status, request_id});
    } else if (reply || succeeded.contains(model)) {
      outcomes.push_back({WriteStatus::done, {}, status, request_id});
    } else {
      // Setting an absolute quantity again is harmless.
      outcomes.push_back({WriteStatus::retry_later,
                          fmt::format("POST update_stock ({}): {} without this model in success_list or failure_list",
                                      name, code),
                          status, request_id});
    }
  }
  return outcomes;
}

Result<std::vector<WriteOutcome>> ShopeeConnector::push_stock(std::span<const StockUpdate> updates)
{
  return guarded<std::vector<WriteOutcome>>([&]() -> Result<std::vector<WriteOutcome>> {
    std::vector<std::optional<WriteOutcome>> outcomes(updates.size());
    // One call per item and at most 50 distinct models; a model repeated in the batch (or the
    // 51st) opens the item's next call, so each list answer names one request.
    struct Call
    {
      std::string item_id;
      std::vector<std::size_t> indices;
    };
    std::vector<Call> calls;
    std::map<std::string, std::size_t, std::less<>> open; // item_id -> its last call in `calls`
    for (std::size_t i = 0; i < updates.size(); ++i) {
      const StockUpdate& update = updates[i];
      if (const auto reason = invalid_update(update); !reason.empty()) {
        outcomes[i] = WriteOutcome{WriteStatus::rejected, reason};
        continue;
      }
      const auto it = open.find(update.listing_id);
      const bool fits = it != open.end() && calls[it->second].indices.size() < k_max_stock_list
                        && std::none_of(calls[it->second].indices.begin(), calls[it->second].indices.end(),
                                        [&](std::size_t j) { return model_of(updates[j]) == model_of(update); });
      if (!fits) {
        calls.push_back({update.listing_id, {}});
        open[update.listing_id] = calls.size() - 1;
      }
      calls[open[update.listing_id]].indices.push_back(i);
    }
    for (const auto& call : calls) {
      std::vector<const StockUpdate*> group;
      for (const std::size_t i : call.indices) {
        group.push_back(&updates[i]);
      }
      auto answered = update_item_stock(call.item_id, group);
      if (!answered) {
        return std::unexpected(answered.error());
      }
      for (std::size_t k = 0; k < call.indices.size(); ++k) {
        outcomes[call.indices[k]] = std::move((*answered)[k]);
      }
    }
    std::vector<WriteOutcome> result;
    for (auto& outcome : outcomes) {
      result.push_back(std::move(*outcome));
    }
    return result;
  });
}

Result<std::vector<StockOnMarketplace>> ShopeeConnector::read_stock(std::span<const StockUpdate> updates)
{
  return guarded<std::vector<StockOnMarketplace>>([&]() -> Result<std::vector<StockOnMarketplace>> {
    // Per item: its models' quantities, or nullopt when Shopee does not know the item.
    std::map<std::string, std::optional<std::map<std::int64_t, std::optional<int>>>, std::less<>> items;
    std::vector<StockOnMarketplace> held;
    for (const auto& update : updates) {
      // Ids that cannot be Shopee's name nothing it knows.
      if (!is_id(update.listing_id) || (!update.option_id.empty() && !is_id(update.option_id))) {
        held.emplace_back();
        continue;
      }
      auto it = items.find(update.listing_id);
      if (it == items.end()) {
        std::string code;
        auto reply = model_list(update.listing_id, code);
        std::optional<std::map<std::int64_t, std::optional<int>>> quantities;
        if (!reply) {
          // Shopee refusing the item (error_item_not_found, not the shop's) means it does not know it.
          if (reply.error().kind != ErrorKind::contract || code.empty()) {
            return std::unexpected(reply.error());
          }
        } else {
          try {
            quantities.emplace();
            for (const auto& model : read_models(reply->payload())) {
              (*quantities)[model.id] = model.quantity;
            }
          } catch (const BadField& error) {
            return std::unexpected(ConnectorError{ErrorKind::contract,
                                                  fmt::format("GET get_model_list (item {}): {}", update.listing_id,
                                                              error.reason),
                                                  reply->status, reply->request_id});
          }
        }
        it = items.emplace(update.listing_id, std::move(quantities)).first;
      }
      StockOnMarketplace found;
      if (it->second) {
        const auto model = it->second->find(model_of(update));
        if (model != it->second->end() && model->second) {
          found.found = true;
          found.quantity = *model->second;
        }
      }
      held.push_back(found);
    }
    return held;
  });
}

Result<ListingPage> ShopeeConnector::fetch_listings(std::span<const std::string> /*known_items*/,
                                                    const std::string& cursor)
{
  return guarded<ListingPage>([&]() -> Result<ListingPage> {
    const auto offset = cursor.empty() ? std::optional<long long>(0) : parse_whole<long long>(cursor);
    if (!offset || *offset < 0) {
      return std::unexpected(
          ConnectorError{ErrorKind::contract, fmt::format("catalogue cursor \"{}\" is not a get_item_list offset", cursor)});
    }
    const std::string label =
        *offset == 0 ? std::string("GET get_item_list") : fmt::format("GET get_item_list (offset {})", *offset);
    auto list = shop_get(k_item_list_path,
                         fmt::format("offset={}&page_size={}&item_status=NORMAL", *offset, k_item_page_size), label);
    if (!list) {
      return std::unexpected(list.error());
    }
    auto contract_error = [&](std::string what) {
      return std::unexpected(ConnectorError{ErrorKind::contract, std::move(what), list->status, list->request_id});
    };
    ListingPage page;
    const json& response = list->payload();
    const json* entries = member(response, "item");
    if (entries != nullptr && !entries->is_array()) {
      return contract_error(fmt::format("{}: \"item\" is not an array", label));
    }
    std::vector<std::string> item_ids;
    if (entries != nullptr) {
      for (const auto& entry : *entries) {
        try {
          item_ids.push_back(id_field(entry, "item_id"));
        } catch (const BadField& error) {
          page.failures.push_back({{}, error.reason, entry.dump()});
        }
      }
    }
    const json* more = member(response, "has_next_page");
    if (more != nullptr && more->is_boolean() && more->get<bool>()) {
      const auto next = integer_value(member(response, "next_offset"));
      if (!next) {
        return contract_error(fmt::format("{}: \"has_next_page\" without next_offset", label));
      }
      if (*next <= *offset) {
        return contract_error(fmt::format("{}: next_offset {} did not advance", label, *next));
      }
      page.next_cursor = std::to_string(*next);
    }

    for (const auto& item_id : item_ids) {
      std::string code;
      auto models = model_list(item_id, code);
      if (!models) {
        // An item deleted between the two calls, or refused: recorded, the page goes on.
        if (models.error().kind == ErrorKind::contract && !code.empty()) {
          page.failures.push_back({item_id, models.error().message, {}});
          continue;
        }
        return std::unexpected(models.error());
      }
      try {
        const auto read = read_models(models->payload());
        if (read.empty()) {
          // UNCONFIRMED: the contract does not say how get_model_list answers an item without
          // variations; its SKU and stock would come from get_item_base_info, which it lacks.
          throw BadField{fmt::format("item {}: get_model_list lists no model (an item without variations needs "
                                     "get_item_base_info, which uoms does not call)",
                                     item_id)};
        }
        for (const auto& model : read) {
          Listing listing;
          listing.item_id = item_id;
          listing.option_id = model.id == 0 ? std::string() : std::to_string(model.id);
          listing.seller_code = model.sku;
          listing.name = model.name;
          listing.quantity = model.quantity;
          if (!model.locations.empty()) {
            listing.attributes.emplace(k_location_key, model.locations);
          }
          page.listings.push_back(std::move(listing));
        }
      } catch (const BadField& error) {
        page.failures.push_back({item_id, error.reason, models->body.dump()});
      }
    }
    page.requests = m_requests;
    return page;
  });
}

} // namespace uoms::connectors::shopee
