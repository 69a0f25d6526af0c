// Stock for Smartstore (smartstore.md §1.6, errors §1.7): what push_stock, read_stock and
// fetch_listings send, and how Naver's answer becomes one outcome per StockUpdate.
//
// Products without options take an absolute stockQuantity through PATCH multi-update.
// Products with options take PUT option-stock, whose optionInfo replaces the option list:
// whatever an entry leaves out may be reset (price 0, usable false; UNCONFIRMED, so never
// left out) and an option left out of the list may go, so every option is sent back as
// GET origin-products/{no} showed it, with only the pushed options' stockQuantity changed.

#include "connectors/smartstore/smartstore.hpp"

#include "connectors/smartstore/mapping.hpp"
#include "connectors/support.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <map>
#include <regex>

namespace uoms::connectors::smartstore {

namespace {

using namespace support; // support::json and the shared field readers and helpers

constexpr std::string_view k_multi_update_path = "/v1/products/origin-products/multi-update";

std::string origin_path(std::string_view no)
{
  return fmt::format("/v2/products/origin-products/{}", no);
}

std::string option_stock_path(std::string_view no)
{
  return fmt::format("/v1/products/origin-products/{}/option-stock", no);
}

WriteOutcome outcome(WriteStatus status, std::string reason = {}, int http_status = 0, std::string request_id = {})
{
  return {status, std::move(reason), http_status, std::move(request_id)};
}

// "CODE message" of a refused product call, with each invalidInputs entry as "name: message".
std::string refusal_text(const json& body)
{
  std::string text = describe_body(body).text;
  if (const json* inputs = member(body, "invalidInputs"); inputs != nullptr && inputs->is_array()) {
    for (const auto& input : *inputs) {
      if (input.is_object()) {
        text += fmt::format("; {}: {}", string_field(input, "name"), string_field(input, "message"));
      }
    }
  }
  return one_line(text);
}

// The option list of a product read with GET origin-products/{no}: combination options
// (optionCombinations, each re-sent with id, stockQuantity, price, usable) or standard ones
// (optionStandards: id, stockQuantity, usable, plus useStockManagement; MED). Empty: the
// product has no options.
struct Options
{
  std::string field; // "optionCombinations" or "optionStandards"
  json entries = json::array();
  json use_stock_management; // optionStandards only; null when the GET did not show it
};

const json* origin_of(const json& body)
{
  const json* origin = member(body, "originProduct");
  return origin != nullptr && origin->is_object() ? origin : nullptr;
}

const json* option_info(const json& origin)
{
  const json* detail = member(origin, "detailAttribute");
  const json* info = detail != nullptr && detail->is_object() ? member(*detail, "optionInfo") : nullptr;
  return info != nullptr && info->is_object() ? info : nullptr;
}

Options options_of(const json& origin)
{
  Options out;
  const json* info = option_info(origin);
  if (info == nullptr) {
    return out;
  }
  for (const char* field : {"optionCombinations", "optionStandards"}) {
    if (const json* list = member(*info, field); list != nullptr && list->is_array() && !list->empty()) {
      out.field = field;
      out.entries = *list;
      if (out.field == "optionStandards") {
        if (const json* use = member(*info, "useStockManagement")) {
          out.use_stock_management = *use;
        }
      }
      return out;
    }
  }
  return out;
}

std::optional<long long> quantity_of(const json& object)
{
  return integer_value(member(object, "stockQuantity"));
}

// The option entry with this id, or nullptr.
const json* find_option(const Options& options, std::string_view id)
{
  for (const auto& entry : options.entries) {
    if (entry.is_object() && id_text(member(entry, "id")) == id) {
      return &entry;
    }
  }
  return nullptr;
}

// "name / optionName1 / optionName2 ..." of an option entry.
std::string option_title(const std::string& name, const json& entry)
{
  std::string title = name;
  for (const char* field : {"optionName1", "optionName2", "optionName3", "optionName4", "optionName"}) {
    if (const std::string part = string_field(entry, field); !part.empty()) {
      title += (title.empty() ? "" : " / ") + part;
    }
  }
  return title;
}

// The listing numbers are JSON numbers in every documented body.
std::optional<long long> number(std::string_view text)
{
  const auto value = parse_whole<long long>(text);
  return value && *value > 0 ? value : std::nullopt;
}

// The index i of a name "multiProductUpdateRequestVos[i]..." in invalidInputs.
std::optional<std::size_t> entry_index(const std::string& name)
{
  static const std::regex pattern(R"(^multiProductUpdateRequestVos\[(\d+)\])");
  std::smatch m;
  if (!std::regex_search(name, m, pattern)) {
    return std::nullopt;
  }
  return parse_whole<std::size_t>(m[1].str());
}

// The bad entries a refused multi-update names, each with "code: name message".
std::map<std::size_t, std::string> named_entries(const json& body)
{
  std::map<std::size_t, std::string> out;
  const std::string code = string_field(body, "code");
  if (const json* inputs = member(body, "invalidInputs"); inputs != nullptr && inputs->is_array()) {
    for (const auto& input : *inputs) {
      if (!input.is_object()) {
        continue;
      }
      const std::string name = string_field(input, "name");
      if (const auto i = entry_index(name)) {
        std::string& reason = out[*i];
        reason += (reason.empty() ? code + ": " : "; ") + name + " " + string_field(input, "message");
      }
    }
  }
  for (auto& [i, reason] : out) {
    reason = one_line(reason);
  }
  return out;
}

bool ends_the_call(const ConnectorError& error)
{
  return error.kind == ErrorKind::auth || error.kind == ErrorKind::config;
}

} // namespace

Result<SmartstoreConnector::Answer> SmartstoreConnector::product_call(const net::Request& request)
{
  const TokenSource source = [this](const std::optional<Token>&) { return request_token(); };
  return m_keeper->use<Answer>(
      source,
      [&](const std::string& bearer, bool& rejected) -> Result<Answer> {
        net::Request signed_request = request;
        signed_request.headers.emplace_back("Authorization", "Bearer " + bearer);
        auto response = exchange(signed_request);
        if (!response) {
          return std::unexpected(response.error());
        }
        // A write may answer 200 with no body at all (UNCONFIRMED): that is success too.
        json body = response->body.empty() ? json::object() : support::body_json(*response);
        const ErrorBody detail = describe_body(body);
        const std::string trace_id =
            !detail.trace_id.empty() ? detail.trace_id : response->header("GNCP-GW-Trace-ID").value_or("");
        rejected = response->status == 401;
        const int status = response->status;
        if (status >= 400 && status < 500 && status != 401 && status != 403 && status != 429) {
          return Answer{status, body.is_object() ? std::move(body) : json::object(), trace_id};
        }
        const bool success = status >= 200 && status < 300;
        if (const auto refused = success ? std::nullopt : support::refusal(status, "unauthorized",
                                                  "forbidden (server IP not registered or API group missing)")) {
          return std::unexpected(
              support::call_error(refused->kind, request.label, status, refused->what, scrub(detail.text), trace_id));
        }
        if (!body.is_object()) {
          return std::unexpected(support::not_an_object(request.label, trace_id));
        }
        return Answer{200, std::move(body), trace_id};
      },
      " after a new token (check client_id, client_secret and the application's API groups)");
}

Result<SmartstoreConnector::Answer> SmartstoreConnector::origin_product(const std::string& no)
{
  net::Request request;
  request.method = "GET";
  request.url = m_base_url + origin_path(no);
  request.headers = {{"Accept", "application/json"}};
  request.label = fmt::format("GET origin-products/{}", no);
  auto answer = product_call(request);
  if (answer && answer->status == 200 && origin_of(answer->body) == nullptr) {
    return std::unexpected(ConnectorError{ErrorKind::contract, fmt::format("{}: HTTP 200 without \"originProduct\"", request.label),
                                          200, answer->trace_id});
  }
  return answer;
}

std::string SmartstoreConnector::describe_stock_push(const StockUpdate& update) const
{
  const std::string base(support::url_path(m_base_url));
  const auto no = number(update.listing_id);
  const json product_no = no ? json(*no) : json(update.listing_id);
  if (update.option_id.empty()) {
    const json body{{"multiProductUpdateRequestVos",
                     json::array({{{"originProductNo", product_no}, {"multiUpdateTypes", {"STOCK"}}, {"stockQuantity", update.quantity}}})}};
    return fmt::format("PATCH {}{} {}", base, k_multi_update_path, body.dump());
  }
  const auto option = number(update.option_id);
  return fmt::format("GET {}{}, then PUT {}{} {{\"optionInfo\":{{\"optionCombinations\":[{{\"id\":{},\"stockQuantity\":{},"
                     "\"price\":(as read),\"usable\":(as read)}}, ...every other option as read]}}}}",
                     base, origin_path(update.listing_id), base, option_stock_path(update.listing_id),
                     option ? std::to_string(*option) : json(update.option_id).dump(), update.quantity);
}

Result<std::vector<WriteOutcome>> SmartstoreConnector::push_stock(std::span<const StockUpdate> updates)
{
  return guarded<std::vector<WriteOutcome>>([&]() -> Result<std::vector<WriteOutcome>> {
    std::vector<std::optional<WriteOutcome>> out(updates.size());
    // A sub-call that got no answer (transport, 429 or 5xx after the client's retries):
    // its updates may be sent again (absolute quantities). If no sub-call got an answer at
    // all, the whole call's outcome is unknown and that is the error returned.
    std::optional<ConnectorError> unanswered;
    bool answered = false;
    const auto no_answer = [&](const ConnectorError& error, const std::vector<std::size_t>& which) {
      for (const auto i : which) {
        out[i] = outcome(WriteStatus::retry_later, error.message, error.http_status, error.request_id);
      }
      if (!unanswered) {
        unanswered = error;
      }
    };

    // Products without options, one entry per product (a later update of the same product
    // in this call wins); products with options grouped by product.
    std::vector<std::string> plain_order;
    std::map<std::string, std::vector<std::size_t>> plain;
    std::vector<std::string> option_order;
    std::map<std::string, std::vector<std::size_t>> optioned;
    for (std::size_t i = 0; i < updates.size(); ++i) {
      const StockUpdate& update = updates[i];
      if (!number(update.listing_id)) {
        out[i] = outcome(WriteStatus::rejected, fmt::format("\"{}\" is not an originProductNo", update.listing_id));
      } else if (!update.option_id.empty() && !number(update.option_id)) {
        out[i] = outcome(WriteStatus::rejected, fmt::format("\"{}\" is not an option id", update.option_id));
      } else if (update.quantity < 0) {
        out[i] = outcome(WriteStatus::rejected, fmt::format("negative quantity {}", update.quantity));
      } else if (update.option_id.empty()) {
        auto& group = plain[update.listing_id];
        if (group.empty()) {
          plain_order.push_back(update.listing_id);
        }
        group.push_back(i);
      } else {
        auto& group = optioned[update.listing_id];
        if (group.empty()) {
          option_order.push_back(update.listing_id);
        }
        group.push_back(i);
      }
    }

    // 1. PATCH multi-update; a refusal naming some entries is sent once more without them.
    std::vector<std::string> sending;
    for (const auto& no : plain_order) {
      auto& group = plain[no];
      for (std::size_t k = 0; k + 1 < group.size(); ++k) {
        out[group[k]] = outcome(WriteStatus::rejected, "superseded by a later update of the same product in this call");
      }
      sending.push_back(no);
    }
    for (int attempt = 0; attempt < 2 && !sending.empty(); ++attempt) {
      json entries = json::array();
      std::vector<std::size_t> which;
      for (const auto& no : sending) {
        const std::size_t i = plain[no].back();
        which.push_back(i);
        entries.push_back({{"originProductNo", *number(no)}, {"multiUpdateTypes", {"STOCK"}}, {"stockQuantity", updates[i].quantity}});
      }
      net::Request request;
      request.method = "PATCH";
      request.url = m_base_url + std::string(k_multi_update_path);
      request.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
      request.body = json{{"multiProductUpdateRequestVos", entries}}.dump();
      request.label = fmt::format("PATCH origin-products/multi-update ({} products)", sending.size());
      auto answer = product_call(request);
      if (!answer) {
        if (ends_the_call(answer.error())) {
          return std::unexpected(answer.error());
        }
        no_answer(answer.error(), which);
        break;
      }
      answered = true;
      if (answer->status == 200) {
        for (const auto i : which) {
          out[i] = outcome(WriteStatus::done, {}, 200, answer->trace_id);
        }
        break;
      }
      // Refused: the request was all or nothing. Entries named in invalidInputs are
      // rejected; the others were not applied and go again without them, once.
      const auto named = named_entries(answer->body);
      std::vector<std::string> again;
      for (std::size_t k = 0; k < which.size(); ++k) {
        if (const auto it = named.find(k); it != named.end()) {
          out[which[k]] = outcome(WriteStatus::rejected, it->second, answer->status, answer->trace_id);
        } else if (named.empty() || attempt == 1) {
          out[which[k]] = outcome(named.empty() ? WriteStatus::rejected : WriteStatus::retry_later,
                                  fmt::format("{}: HTTP {} {}", request.label, answer->status, refusal_text(answer->body)),
                                  answer->status, answer->trace_id);
        } else {
          again.push_back(sending[k]);
        }
      }
      sending = std::move(again);
    }

    // 2. Per product with options: GET, then one PUT re-sending every option as read.
    for (const auto& no : option_order) {
      const auto& group = optioned[no];
      auto read = origin_product(no);
      if (!read) {
        if (ends_the_call(read.error())) {
          return std::unexpected(read.error());
        }
        no_answer(read.error(), group);
        continue;
      }
      answered = true;
      if (read->status != 200) {
        for (const auto i : group) {
          out[i] = outcome(WriteStatus::rejected, fmt::format("GET origin-products/{}: HTTP {} {}", no, read->status, refusal_text(read->body)),
                           read->status, read->trace_id);
        }
        continue;
      }
      Options options = options_of(*origin_of(read->body));
      if (options.entries.empty()) {
        for (const auto i : group) {
          out[i] = outcome(WriteStatus::rejected, fmt::format("origin product {} has no options (push it without option id)", no));
        }
        continue;
      }
      // The new quantity per option id (the last update of an option wins).
      std::map<std::string, std::size_t> wanted;
      for (const auto i : group) {
        if (find_option(options, updates[i].option_id) == nullptr) {
          out[i] = outcome(WriteStatus::rejected, fmt::format("option {} is not an option of origin product {}", updates[i].option_id, no));
          continue;
        }
        if (const auto it = wanted.find(updates[i].option_id); it != wanted.end()) {
          out[it->second] = outcome(WriteStatus::rejected, "superseded by a later update of the same option in this call");
        }
        wanted[updates[i].option_id] = i;
      }
      if (wanted.empty()) {
        continue;
      }
      // Every option goes back as read; a field the GET did not show cannot be re-sent.
      json entries = json::array();
      std::string missing;
      bool changes = false;
      for (const auto& entry : options.entries) {
        const std::string id = entry.is_object() ? id_text(member(entry, "id")) : std::string();
        const auto current = entry.is_object() ? quantity_of(entry) : std::nullopt;
        const json* usable = entry.is_object() ? member(entry, "usable") : nullptr;
        const json* price = entry.is_object() ? member(entry, "price") : nullptr;
        const bool priced = options.field == "optionCombinations";
        if (!number(id) || !current || usable == nullptr || !usable->is_boolean() || (priced && (price == nullptr || !price->is_number()))) {
          missing = id.empty() ? std::string("an option without id") : "option " + id;
          break;
        }
        const long long held = current.value_or(0);
        json sent{{"id", *number(id)}, {"stockQuantity", held}};
        if (priced) {
          sent["price"] = *price;
        }
        sent["usable"] = *usable;
        if (const auto it = wanted.find(id); it != wanted.end()) {
          if (held != updates[it->second].quantity) {
            changes = true;
          }
          sent["stockQuantity"] = updates[it->second].quantity;
        }
        entries.push_back(std::move(sent));
      }
      if (!missing.empty()) {
        for (const auto& [id, i] : wanted) {
          out[i] = outcome(WriteStatus::rejected,
                           fmt::format("GET origin-products/{} does not show the stockQuantity, price and usable of {}: "
                                       "sending option-stock without them would reset them",
                                       no, missing));
        }
        continue;
      }
      if (!changes) {
        for (const auto& [id, i] : wanted) {
          out[i] = outcome(WriteStatus::already_there, {}, 200, read->trace_id);
        }
        continue;
      }
      json info{{options.field, entries}};
      if (!options.use_stock_management.is_null()) {
        info["useStockManagement"] = options.use_stock_management;
      }
      net::Request request;
      request.method = "PUT";
      request.url = m_base_url + option_stock_path(no);
      request.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
      request.body = json{{"optionInfo", info}}.dump();
      request.label = fmt::format("PUT origin-products/{}/option-stock ({} options)", no, entries.size());
      auto answer = product_call(request);
      std::vector<std::size_t> which;
      for (const auto& [id, i] : wanted) {
        which.push_back(i);
      }
      if (!answer) {
        if (ends_the_call(answer.error())) {
          return std::unexpected(answer.error());
        }
        no_answer(answer.error(), which);
        continue;
      }
      for (const auto& [id, i] : wanted) {
        const bool same = quantity_of(*find_option(options, id)) == updates[i].quantity;
        out[i] = answer->status == 200
                     ? outcome(same ? WriteStatus::already_there : WriteStatus::done, {}, 200, answer->trace_id)
                     : outcome(WriteStatus::rejected, fmt::format("{}: HTTP {} {}", request.label, answer->status, refusal_text(answer->body)),
                               answer->status, answer->trace_id);
      }
    }

    if (!answered && unanswered) {
      return std::unexpected(*unanswered);
    }
    std::vector<WriteOutcome> outcomes;
    for (auto& entry : out) {
      outcomes.push_back(entry ? std::move(*entry) : outcome(WriteStatus::retry_later, "not sent"));
    }
    return outcomes;
  });
}

Result<std::vector<StockOnMarketplace>> SmartstoreConnector::read_stock(std::span<const StockUpdate> updates)
{
  return guarded<std::vector<StockOnMarketplace>>([&]() -> Result<std::vector<StockOnMarketplace>> {
    std::map<std::string, std::optional<json>> products; // originProductNo -> originProduct, nullopt when unknown
    std::vector<StockOnMarketplace> out;
    for (const auto& update : updates) {
      StockOnMarketplace state;
      if (!number(update.listing_id)) {
        out.push_back(state);
        continue;
      }
      auto it = products.find(update.listing_id);
      if (it == products.end()) {
        auto read = origin_product(update.listing_id);
        if (!read) {
          return std::unexpected(read.error());
        }
        if (read->status == 404) {
          it = products.emplace(update.listing_id, std::nullopt).first;
        } else if (read->status != 200) {
          return std::unexpected(ConnectorError{
              ErrorKind::contract,
              fmt::format("GET origin-products/{}: HTTP {} rejected: {}", update.listing_id, read->status, refusal_text(read->body)),
              read->status, read->trace_id});
        } else {
          it = products.emplace(update.listing_id, *origin_of(read->body)).first;
        }
      }
      if (it->second) {
        const json& origin = *it->second;
        std::optional<long long> quantity;
        if (update.option_id.empty()) {
          quantity = quantity_of(origin);
        } else {
          const Options options = options_of(origin);
          if (const json* option = find_option(options, update.option_id)) {
            quantity = quantity_of(*option);
          }
        }
        if (quantity) {
          state.found = true;
          state.quantity = static_cast<int>(*quantity);
        }
      }
      out.push_back(state);
    }
    return out;
  });
}

Result<ListingPage> SmartstoreConnector::fetch_listings(std::span<const std::string> known_items, const std::string& cursor)
{
  return guarded<ListingPage>([&]() -> Result<ListingPage> {
    std::size_t index = 0;
    if (!cursor.empty()) {
      const auto parsed = parse_whole<std::size_t>(cursor);
      if (!parsed) {
        return std::unexpected(ConnectorError{ErrorKind::contract, fmt::format("invalid smartstore listings cursor \"{}\"", cursor)});
      }
      index = *parsed;
    }
    ListingPage page;
    if (index < known_items.size()) {
      const std::string& no = known_items[index];
      if (!number(no)) {
        page.failures.push_back({no, fmt::format("\"{}\" is not an originProductNo", no), ""});
      } else {
        auto read = origin_product(no);
        if (!read) {
          return std::unexpected(read.error());
        }
        if (read->status != 200) {
          page.failures.push_back({no, fmt::format("GET origin-products/{}: HTTP {} {}", no, read->status, refusal_text(read->body)),
                                   read->body.dump()});
        } else {
          const json& origin = *origin_of(read->body);
          const std::string name = string_field(origin, "name");
          const Options options = options_of(origin);
          if (options.entries.empty()) {
            Listing listing;
            listing.item_id = no;
            listing.name = name;
            if (const json* info = member(origin, "detailAttribute"); info != nullptr && info->is_object()) {
              if (const json* codes = member(*info, "sellerCodeInfo"); codes != nullptr && codes->is_object()) {
                listing.seller_code = string_field(*codes, "sellerManagementCode");
              }
            }
            if (const auto quantity = quantity_of(origin)) {
              listing.quantity = static_cast<int>(*quantity);
            }
            page.listings.push_back(std::move(listing));
          }
          for (const auto& entry : options.entries) {
            const std::string id = entry.is_object() ? id_text(member(entry, "id")) : std::string();
            if (!number(id)) {
              page.failures.push_back({no, fmt::format("origin product {}: an option without a numeric id", no), entry.dump()});
              continue;
            }
            Listing listing;
            listing.item_id = no;
            listing.option_id = id;
            listing.seller_code = string_field(entry, "sellerManagerCode");
            listing.name = option_title(name, entry);
            if (const auto quantity = quantity_of(entry)) {
              listing.quantity = static_cast<int>(*quantity);
            }
            page.listings.push_back(std::move(listing));
          }
        }
      }
      if (index + 1 < known_items.size()) {
        page.next_cursor = std::to_string(index + 1);
      }
    }
    page.requests = m_requests;
    return page;
  });
}

} // namespace uoms::connectors::smartstore
