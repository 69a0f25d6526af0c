#pragma once

#include "connectors/support.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

// What the parts of the shopee connector share (shopee.cpp: calls and paging; auth.cpp:
// signatures and tokens; mapping.cpp: order details onto uoms Orders). Internal to it.
namespace uoms::connectors::shopee {

// Every path starts with /api/v2/ (shopee.md §1.1) and is signed in full; a base_url given
// as the bare host gets the prefix, so `https://partner.shopeemobile.com/api/v2` works too.
inline constexpr std::string_view k_api_prefix = "/api/v2";
inline constexpr std::string_view k_auth_partner_path = "/api/v2/shop/auth_partner";
inline constexpr std::string_view k_token_get_path = "/api/v2/auth/token/get";
inline constexpr std::string_view k_refresh_path = "/api/v2/auth/access_token/get";
inline constexpr std::string_view k_order_list_path = "/api/v2/order/get_order_list";
inline constexpr std::string_view k_order_detail_path = "/api/v2/order/get_order_detail";
inline constexpr std::string_view k_shipping_parameter_path = "/api/v2/logistics/get_shipping_parameter";
inline constexpr std::string_view k_ship_order_path = "/api/v2/logistics/ship_order";
inline constexpr std::string_view k_tracking_number_path = "/api/v2/logistics/get_tracking_number";
inline constexpr std::string_view k_update_stock_path = "/api/v2/product/update_stock";
inline constexpr std::string_view k_item_list_path = "/api/v2/product/get_item_list";
inline constexpr std::string_view k_model_list_path = "/api/v2/product/get_model_list";

// Maps one element of get_order_detail's response.order_list (a whole order).
Order map_order(const nlohmann::json& detail, std::vector<OrderNote>& notes);

// error_rate_limit, error_limit, ads.rate_limit.* (shopee.md §1.6).
bool is_throttle_code(std::string_view code);

// The access token is invalid or expired: renew it once and send again (shopee.md §1.4 item 6).
bool is_token_rejection(std::string_view code, std::string_view message);

// A member as text: a string as it is, anything else as its JSON; "" when absent.
std::string json_text(const nlohmann::json& object, std::string_view key);

// A settings id already checked to be digits (partner_id, shop_id) as a JSON number.
std::int64_t to_int64(std::string_view digits);

} // namespace uoms::connectors::shopee
