#include "sandbox.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <stdexcept>

namespace uoms::sandbox {

namespace {

struct Product
{
  const char* name;
  const char* option;
  const char* sku;
  long long price;
};

// One catalogue for every account; each account numbers the options itself.
constexpr std::array<Product, 12> k_catalogue{{
    {"무선 블루투스 이어폰", "화이트", "SKU-EAR-WH", 39000},
    {"무선 블루투스 이어폰", "블랙", "SKU-EAR-BK", 39000},
    {"유기농 현미 5kg", "", "SKU-RICE-5", 28900},
    {"스테인리스 텀블러 500ml", "실버", "SKU-TUM-SV", 15900},
    {"면 100% 반팔 티셔츠", "L / 네이비", "SKU-TS-NV-L", 12900},
    {"면 100% 반팔 티셔츠", "M / 화이트", "SKU-TS-WH-M", 12900},
    {"고농축 세탁세제 3L", "", "SKU-DET-3L", 18500},
    {"제주 감귤 3kg", "로얄과", "SKU-TAN-3", 21000},
    {"USB-C 고속 충전기 65W", "", "SKU-CHG-65", 32000},
    {"캠핑 접이식 의자", "카키", "SKU-CHAIR-KH", 45000},
    {"핸드크림 선물세트", "3종", "SKU-HC-SET", 9900},
    {"즉석 떡볶이 밀키트 2인분", "매운맛", "SKU-TTEOK-2", 8900},
}};

constexpr std::array k_surnames{"김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권", "황"};
constexpr std::array k_given{"민준", "서연", "지호", "하은", "도윤", "수아", "예준", "지우",
                             "시우", "서윤", "주원", "하린", "지훈", "유나", "현우", "채원"};

struct Address
{
  const char* base;
  const char* post_code;
};
constexpr std::array<Address, 10> k_addresses{{
    {"서울특별시 강남구 테헤란로 152", "06236"},
    {"서울특별시 마포구 월드컵북로 396", "03925"},
    {"부산광역시 해운대구 센텀중앙로 79", "48058"},
    {"경기도 성남시 분당구 판교역로 235", "13494"},
    {"인천광역시 연수구 컨벤시아대로 165", "21998"},
    {"대구광역시 중구 동성로 12", "41911"},
    {"광주광역시 서구 상무중앙로 110", "61949"},
    {"대전광역시 유성구 대학로 99", "34134"},
    {"제주특별자치도 제주시 첨단로 242", "63309"},
    {"경기도 수원시 영통구 광교중앙로 140", "16508"},
}};
constexpr std::array k_memos{"문 앞에 놓아주세요", "부재 시 경비실에 맡겨주세요", "배송 전 연락 바랍니다", "", ""};

const std::string k_playauto_unknown_status = "배송지연";
const std::vector<std::string> k_coupang_lifecycle{"ACCEPT", "INSTRUCT", "DEPARTURE", "DELIVERING", "FINAL_DELIVERY"};
const std::vector<std::string> k_coupang_statuses{"ACCEPT",     "INSTRUCT",       "DEPARTURE",
                                                  "DELIVERING", "FINAL_DELIVERY", "NONE_TRACKING"};
const std::vector<std::string> k_naver_lifecycle{"PAYMENT_WAITING", "PAYED", "DELIVERING", "DELIVERED",
                                                 "PURCHASE_DECIDED"};
const std::vector<std::string> k_naver_statuses{"PAYMENT_WAITING", "PAYED",    "DELIVERING",
                                                "DELIVERED",       "PURCHASE_DECIDED", "EXCHANGED",
                                                "CANCELED",        "RETURNED", "CANCELED_BY_NOPAYMENT"};

const std::vector<std::string> k_shopee_lifecycle{"UNPAID",  "READY_TO_SHIP",      "PROCESSED",
                                                  "SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED"};
const std::vector<std::string> k_shopee_statuses{"UNPAID",    "READY_TO_SHIP", "PROCESSED", "RETRY_SHIP",
                                                 "SHIPPED",   "TO_CONFIRM_RECEIVE", "IN_CANCEL", "CANCELLED",
                                                 "TO_RETURN", "COMPLETED",     "INVOICE_PENDING"};
// Qoo10 ShippingStat codes (qoo10jp.md §2.3): 1 waiting ... 5 delivered.
const std::vector<std::string> k_qoo10_lifecycle{"1", "2", "3", "4", "5"};
// Plus "cancelled": a line the buyer cancelled, listed under no ShippingStat (the contract has none).
const std::vector<std::string> k_qoo10_statuses{"1", "2", "3", "4", "5", "cancelled"};
const std::vector<std::string> k_playauto_lifecycle{"결제완료", "신규주문", "출고대기", "운송장출력",
                                                    "출고완료", "배송중",   "배송완료", "구매결정"};
// playauto.md §3.2's list, plus the one string the sandbox uses for "a status the doc does
// not list" (unknown_status).
const std::vector<std::string> k_playauto_statuses{
    "결제완료", "신규주문",   "출고대기",   "출고보류",     "운송장출력", "출고완료",   "배송중",
    "배송완료", "구매결정",   "취소요청",   "취소완료",     "반품요청",   "반품접수",   "반품회수완료",
    "반품교환요청", "반품완료", "교환요청", "교환접수",     "교환완료",   "교환회수완료", "맞교환요청",
    "맞교환완료", "주문재확인", "주문보류", "판매완료",     k_playauto_unknown_status};

const std::vector<std::string>& lifecycle_of(Kind kind)
{
  switch (kind) {
  case Kind::coupang: return k_coupang_lifecycle;
  case Kind::smartstore: return k_naver_lifecycle;
  case Kind::shopee: return k_shopee_lifecycle;
  case Kind::qoo10jp: return k_qoo10_lifecycle;
  case Kind::playauto: return k_playauto_lifecycle;
  }
  return k_coupang_lifecycle;
}

const std::vector<std::string>& statuses_of(Kind kind)
{
  switch (kind) {
  case Kind::coupang: return k_coupang_statuses;
  case Kind::smartstore: return k_naver_statuses;
  case Kind::shopee: return k_shopee_statuses;
  case Kind::qoo10jp: return k_qoo10_statuses;
  case Kind::playauto: return k_playauto_statuses;
  }
  return k_coupang_statuses;
}

// Coupang boxes and Shopee orders carry one status; the other kinds keep one per line.
bool order_level_status(Kind kind)
{
  return kind == Kind::coupang || kind == Kind::shopee;
}

// Qoo10 lines remember when they shipped and were delivered (search_condition 3 and 4).
void set_line_status(Item& item, const std::string& status, TimePoint when)
{
  item.status = status;
  if (status == "1" || status == "2" || status == "3") {
    item.shipped = {};
    item.delivered = {};
  } else if (status == "4") {
    item.shipped = when;
    item.delivered = {};
  } else if (status == "5") {
    if (item.shipped == TimePoint{}) {
      item.shipped = when;
    }
    item.delivered = when;
  }
}

constexpr std::array<std::pair<const char*, const char*>, 10> k_jp_surnames{{{"佐藤", "サトウ"},
                                                                             {"鈴木", "スズキ"},
                                                                             {"高橋", "タカハシ"},
                                                                             {"田中", "タナカ"},
                                                                             {"伊藤", "イトウ"},
                                                                             {"渡辺", "ワタナベ"},
                                                                             {"山本", "ヤマモト"},
                                                                             {"中村", "ナカムラ"},
                                                                             {"小林", "コバヤシ"},
                                                                             {"加藤", "カトウ"}}};
constexpr std::array<std::pair<const char*, const char*>, 8> k_jp_given{{{"陽翔", "ハルト"},
                                                                         {"結菜", "ユイナ"},
                                                                         {"蓮", "レン"},
                                                                         {"陽葵", "ヒマリ"},
                                                                         {"湊", "ミナト"},
                                                                         {"凛", "リン"},
                                                                         {"大和", "ヤマト"},
                                                                         {"さくら", "サクラ"}}};
struct JpAddress
{
  const char* addr1;
  const char* zip;
};
constexpr std::array<JpAddress, 6> k_jp_addresses{{{"東京都渋谷区道玄坂1-12-1", "150-0043"},
                                                   {"大阪府大阪市北区梅田3-1-3", "530-0001"},
                                                   {"神奈川県横浜市西区みなとみらい2-2-1", "220-0012"},
                                                   {"愛知県名古屋市中村区名駅1-1-4", "450-0002"},
                                                   {"福岡県福岡市博多区博多駅中央街1-1", "812-0012"},
                                                   {"北海道札幌市中央区北5条西2-5", "060-0005"}}};

struct Shop
{
  const char* code;
  const char* name;
};
// PlayAuto source marketplaces (playauto.md §3.2).
constexpr std::array<Shop, 5> k_playauto_shops{
    {{"A001", "옥션"}, {"A006", "G마켓"}, {"A077", "스마트스토어"}, {"A112", "11번가"}, {"B378", "쿠팡"}}};

std::string base36(long long value, std::size_t width)
{
  static constexpr char k_digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::string out;
  while (value > 0 || out.size() < width) {
    out.insert(out.begin(), k_digits[value % 36]);
    value /= 36;
  }
  return out;
}

std::string next_status(const std::vector<std::string>& lifecycle, const std::string& status)
{
  const auto it = std::find(lifecycle.begin(), lifecycle.end(), status);
  if (it == lifecycle.end() || it + 1 == lifecycle.end()) {
    return status; // terminal or outside the main line: stays, only the change time moves
  }
  return *(it + 1);
}

// Claim fields and lastChangedType that go with a Smartstore product-order status.
void set_naver_status(Item& item, const std::string& status)
{
  item.status = status;
  item.claim_type.clear();
  item.claim_status.clear();
  if (status == "PAYMENT_WAITING") {
    item.last_changed_type = "PAY_WAITING";
  } else if (status == "PAYED") {
    item.last_changed_type = "PAYED";
  } else if (status == "DELIVERING" || status == "DELIVERED") {
    item.last_changed_type = "DISPATCHED";
  } else if (status == "PURCHASE_DECIDED") {
    item.last_changed_type = "PURCHASE_DECIDED";
  } else if (status == "CANCELED" || status == "CANCELED_BY_NOPAYMENT") {
    item.claim_type = "CANCEL";
    item.claim_status = "CANCEL_DONE";
    item.last_changed_type = "CLAIM_COMPLETED";
  } else if (status == "RETURNED") {
    item.claim_type = "RETURN";
    item.claim_status = "RETURN_DONE";
    item.last_changed_type = "CLAIM_COMPLETED";
  } else if (status == "EXCHANGED") {
    item.claim_type = "EXCHANGE";
    item.claim_status = "EXCHANGE_DONE";
    item.last_changed_type = "CLAIM_COMPLETED";
  }
}

template <typename T, std::size_t N> const T& pick(std::mt19937_64& rng, const std::array<T, N>& values)
{
  return values[rng() % N];
}

std::string pick_weighted(std::mt19937_64& rng, const std::vector<std::pair<std::string, int>>& weights)
{
  int total = 0;
  for (const auto& [name, weight] : weights) {
    total += weight;
  }
  int roll = int(rng() % unsigned(total));
  for (const auto& [name, weight] : weights) {
    if (roll < weight) {
      return name;
    }
    roll -= weight;
  }
  return weights.back().first;
}

std::string utc(TimePoint t)
{
  return format_time(t, std::chrono::minutes{0}, "%Y-%m-%dT%H:%M:%S.%LZ");
}

std::string phone(std::mt19937_64& rng)
{
  return fmt::format("010-{:04}-{:04}", rng() % 10000, rng() % 10000);
}

} // namespace

Store::Store(const Config& config, TimePoint start)
{
  for (std::size_t index = 0; index < config.accounts.size(); ++index) {
    const AccountConfig& account = config.accounts[index];
    AccountData data;
    data.config = account;
    data.rng.seed(config.seed * 1000003ULL + index * 7919ULL + 17);
    const long long lane = static_cast<long long>(index);
    data.lane = lane;
    data.next_box = 600000000LL + lane * 10000000LL + static_cast<long long>(data.rng() % 1000);
    data.next_order = 4000019000000LL + lane * 100000000LL + static_cast<long long>(data.rng() % 1000);
    data.next_product_order = 10000000LL + lane * 1000000LL;
    data.next_naver_order = 50000000LL + lane * 1000000LL;
    if (account.kind == Kind::shopee) {
      data.next_order = 1000000000LL + lane * 10000000LL; // base36 tail of order_sn
      data.next_line = 300000000LL + lane * 1000000LL;    // order_item_id
    } else if (account.kind == Kind::qoo10jp) {
      data.next_order = 510000000LL + lane * 10000000LL; // PackNo
      data.next_line = 710000000LL + lane * 10000000LL;  // OrderNo
    } else if (account.kind == Kind::playauto) {
      data.next_order = 3772225500000000LL + lane * 10000000000LL; // bundle_no
    }

    const auto spread = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::hours{account.spread_hours});
    std::vector<TimePoint> created;
    for (int i = 0; i < account.orders; ++i) {
      // Between spread_hours ago and one minute before the start.
      const long long span = std::max<long long>(1, spread.count() - 60000);
      created.push_back(start - spread + std::chrono::milliseconds{static_cast<long long>(data.rng() % span)});
    }
    std::sort(created.begin(), created.end());
    for (const TimePoint t : created) {
      data.orders.push_back(generate(data, t, start));
    }
    m_accounts.emplace(account.id, std::move(data));
  }
}

namespace {

// Entry p of an account's catalogue: a fixed product, or past them a generated one with its own
// name and one option.
Product product_at(std::size_t p)
{
  if (p < k_catalogue.size()) return k_catalogue[p];
  static std::mutex mutex;
  static std::map<std::size_t, std::pair<std::string, std::string>> generated; // name, sku: stable storage
  std::lock_guard lock(mutex);
  auto [it, inserted] = generated.try_emplace(p);
  if (inserted) it->second = {fmt::format("생활용품 {:05}", p + 1), fmt::format("SKU-GEN-{:05}", p + 1)};
  return {it->second.first.c_str(), "기본", it->second.second.c_str(), 5000 + static_cast<long long>(p % 50) * 500};
}

// The catalogue index of the first entry with the same product name: one listing, several options.
long long product_group(std::size_t p)
{
  if (p >= k_catalogue.size()) return static_cast<long long>(p);
  for (std::size_t q = 0; q < k_catalogue.size(); ++q) {
    if (std::string_view(k_catalogue[q].name) == k_catalogue[p].name) {
      return static_cast<long long>(q);
    }
  }
  return static_cast<long long>(p);
}

// Shopee amounts are kept in cents and Qoo10 amounts in yen: a tenth of the won price.
long long local_price(Kind kind, long long won)
{
  return kind == Kind::shopee || kind == Kind::qoo10jp ? won / 10 : won;
}

// Catalogue entry p as account `lane` of `kind` sells it, with quantity 1. Ids are stable
// per account and entry, so stock mapping by option id works.
Item catalogue_item(Kind kind, long long lane, std::size_t p)
{
  const Product product = product_at(p);
  Item item;
  item.product_name = product.name;
  item.option_name = product.option;
  item.sku = product.sku;
  item.unit_price = local_price(kind, product.price);
  // Generated entries are numbered in a range of their own per account, one product each.
  const bool fixed = p < k_catalogue.size();
  const long long at = static_cast<long long>(p);
  const long long base = fixed ? lane * 1000LL : 700000LL + lane * 100000LL;
  item.vendor_item_id = 3823800000LL + base + at * 7;
  item.product_id = 5000100000LL + base + (fixed ? at / 2 : at) * 11;
  item.seller_product_id = 1200300000LL + base + (fixed ? at / 2 : at) * 13;
  if (kind == Kind::shopee || kind == Kind::qoo10jp || kind == Kind::playauto) {
    // One listing per product name; Shopee's model_id is 0 for an item without variations.
    item.product_id = 800000000LL + lane * 100000LL + product_group(p) * 11;
    item.vendor_item_id =
        kind == Kind::shopee && item.option_name.empty() ? 0 : 9000000000LL + lane * 100000LL + at * 7;
  }
  return item;
}

} // namespace

std::vector<Item> Store::catalogue(const std::string& account) const
{
  std::lock_guard lock(m_mutex);
  const auto it = m_accounts.find(account);
  if (it == m_accounts.end()) {
    return {};
  }
  std::vector<Item> items;
  for (std::size_t p = 0; p < static_cast<std::size_t>(it->second.config.catalogue); ++p) {
    items.push_back(catalogue_item(it->second.config.kind, it->second.lane, p));
  }
  return items;
}

Order Store::generate(AccountData& data, TimePoint created, TimePoint changed_max)
{
  auto& rng = data.rng;
  Order order;
  order.kind = data.config.kind;
  order.account = data.config.id;
  order.created = created;
  order.paid = created + std::chrono::milliseconds{static_cast<long long>(rng() % 90000)};
  if (order.paid > changed_max) {
    order.paid = created;
  }
  order.orderer = {fmt::format("{}{}", pick(rng, k_surnames), pick(rng, k_given)), phone(rng), "", ""};
  order.receiver = rng() % 4 == 0 ? Person{fmt::format("{}{}", pick(rng, k_surnames), pick(rng, k_given)), phone(rng), "", ""}
                                  : order.orderer;
  const Address& address = pick(rng, k_addresses);
  order.address1 = address.base;
  order.post_code = address.post_code;
  order.address2 = fmt::format("{}동 {}호", 101 + rng() % 15, (2 + rng() % 20) * 100 + 1 + rng() % 4);
  order.memo = pick(rng, k_memos);

  const int item_count = 1 + int(rng() % 3);
  std::vector<std::size_t> products;
  while (int(products.size()) < item_count) {
    const std::size_t p = rng() % static_cast<std::size_t>(data.config.catalogue);
    if (std::find(products.begin(), products.end(), p) == products.end()) {
      products.push_back(p);
    }
  }
  long long subtotal = 0;
  const long long lane = data.lane;
  for (const std::size_t p : products) {
    Item item = catalogue_item(order.kind, lane, p);
    item.quantity = rng() % 5 == 0 ? 2 + int(rng() % 2) : 1;
    subtotal += item.unit_price * item.quantity;
    order.items.push_back(std::move(item));
  }
  if (order.kind == Kind::shopee) {
    order.shipping_price = subtotal >= 3000 ? 0 : 299;
  } else if (order.kind == Kind::qoo10jp) {
    order.shipping_price = subtotal >= 3000 ? 0 : 350;
  } else {
    order.shipping_price = subtotal >= 30000 ? 0 : 3000;
  }

  const auto age = changed_max - order.paid;
  auto later = [&]() {
    const long long span = std::max<long long>(1, age.count());
    return order.paid + std::chrono::milliseconds{static_cast<long long>(rng() % static_cast<unsigned long long>(span))};
  };

  if (order.kind == Kind::coupang) {
    order.shipment_box_id = data.next_box;
    data.next_box += 1 + static_cast<long long>(rng() % 37);
    order.order_id = data.next_order;
    data.next_order += 1 + static_cast<long long>(rng() % 53);
    order.status = pick_weighted(rng, {{"ACCEPT", 20},
                                       {"INSTRUCT", 25},
                                       {"DEPARTURE", 15},
                                       {"DELIVERING", 15},
                                       {"FINAL_DELIVERY", 20},
                                       {"NONE_TRACKING", 5}});
    order.changed = order.status == "ACCEPT" ? order.paid : later();
    for (auto& item : order.items) {
      item.status = order.status;
      item.changed = order.changed;
    }
  } else if (order.kind == Kind::smartstore) {
    const std::string day = format_time(created, k_kst, "%Y%m%d");
    order.naver_order_id = fmt::format("{}{:08}", day, data.next_naver_order);
    data.next_naver_order += 1 + static_cast<long long>(rng() % 9);
    const std::string status = pick_weighted(rng, {{"PAYMENT_WAITING", 4},
                                                   {"PAYED", 30},
                                                   {"DELIVERING", 20},
                                                   {"DELIVERED", 15},
                                                   {"PURCHASE_DECIDED", 15},
                                                   {"CANCELED", 8},
                                                   {"RETURNED", 5},
                                                   {"EXCHANGED", 3}});
    const TimePoint changed = status == "PAYED" || status == "PAYMENT_WAITING" ? order.paid : later();
    order.changed = order.paid;
    for (std::size_t i = 0; i < order.items.size(); ++i) {
      Item& item = order.items[i];
      item.product_order_id = fmt::format("{}{:08}", day, data.next_product_order);
      data.next_product_order += 1 + static_cast<long long>(rng() % 5);
      // Now and then one line of a multi-line order is cancelled on its own.
      const bool own_cancel = order.items.size() > 1 && i == 0 && status == "PAYED" && rng() % 6 == 0;
      set_naver_status(item, own_cancel ? "CANCELED" : status);
      item.changed = own_cancel ? later() : changed;
      order.changed = std::max(order.changed, item.changed);
    }
  } else if (order.kind == Kind::shopee) {
    // 220301QQY0WASP: the creation day in the shop's zone (UTC+8) and eight base-36 characters.
    order.order_sn = format_time(created, std::chrono::hours{8}, "%y%m%d") + base36(data.next_order, 8);
    data.next_order += 1 + static_cast<long long>(rng() % 997);
    order.buyer_user_id = 100000000LL + static_cast<long long>(rng() % 900000000);
    order.status = pick_weighted(rng, {{"UNPAID", 4},
                                       {"READY_TO_SHIP", 30},
                                       {"PROCESSED", 10},
                                       {"SHIPPED", 15},
                                       {"TO_CONFIRM_RECEIVE", 6},
                                       {"COMPLETED", 20},
                                       {"IN_CANCEL", 3},
                                       {"CANCELLED", 8},
                                       {"TO_RETURN", 4}});
    if (order.status == "UNPAID") {
      order.paid = order.created;
    }
    order.changed = order.status == "UNPAID" || order.status == "READY_TO_SHIP" ? order.paid : later();
    for (auto& item : order.items) {
      item.line_no = data.next_line;
      data.next_line += 1 + static_cast<long long>(rng() % 3);
      item.status = order.status;
      item.changed = order.changed;
    }
  } else if (order.kind == Kind::qoo10jp) {
    const auto& [surname, surname_kana] = pick(rng, k_jp_surnames);
    const auto& [given, given_kana] = pick(rng, k_jp_given);
    order.orderer = {fmt::format("{} {}", surname, given), fmt::format("090-{:04}-{:04}", rng() % 10000, rng() % 10000),
                     fmt::format("buyer{}@example.jp", rng() % 100000), fmt::format("{} {}", surname_kana, given_kana)};
    order.receiver = order.orderer;
    const JpAddress& jp = pick(rng, k_jp_addresses);
    order.address1 = jp.addr1;
    order.post_code = jp.zip;
    order.address2 = fmt::format("{}号室", 101 + rng() % 900);
    order.memo = rng() % 3 == 0 ? "置き配希望" : "";
    order.pack_no = data.next_order;
    data.next_order += 1 + static_cast<long long>(rng() % 7);
    const std::string status = pick_weighted(rng, {{"1", 5}, {"2", 35}, {"3", 15}, {"4", 20}, {"5", 25}});
    const TimePoint changed = status == "1" || status == "2" ? order.paid : later();
    // Now and then the first line of a shipped cart is still being prepared.
    const bool lagging = order.items.size() > 1 && (status == "4" || status == "5") && rng() % 5 == 0;
    order.changed = order.paid;
    for (std::size_t i = 0; i < order.items.size(); ++i) {
      Item& item = order.items[i];
      item.line_no = data.next_line;
      data.next_line += 1 + static_cast<long long>(rng() % 3);
      const bool behind = lagging && i == 0;
      const TimePoint when = behind ? order.paid + (changed - order.paid) / 2 : changed;
      if (status == "5" && !behind) {
        set_line_status(item, "4", order.paid + (changed - order.paid) / 2);
      }
      set_line_status(item, behind ? "3" : status, when);
      item.changed = when;
      order.changed = std::max(order.changed, item.changed);
    }
  } else {
    order.bundle_no = std::to_string(data.next_order);
    data.next_order += 1 + static_cast<long long>(rng() % 97);
    const Shop& shop = pick(rng, k_playauto_shops);
    order.shop_cd = shop.code;
    order.shop_ord_no = fmt::format("{}{:08}", format_time(created, k_kst, "%Y%m%d"), rng() % 100000000);
    order.collected = std::min(changed_max, created + std::chrono::seconds{60 + static_cast<long long>(rng() % 540)});
    std::string status = pick_weighted(rng, {{"신규주문", 25},
                                             {"출고대기", 15},
                                             {"운송장출력", 5},
                                             {"출고완료", 10},
                                             {"배송중", 10},
                                             {"배송완료", 15},
                                             {"구매결정", 10},
                                             {"취소완료", 5},
                                             {"반품완료", 3},
                                             {"교환요청", 2}});
    // unknown_status: the first order and every tenth carry a status the doc does not list.
    if (data.config.unknown_status && data.orders.size() % 10 == 0) {
      status = k_playauto_unknown_status;
    }
    const TimePoint changed = status == "신규주문" ? order.collected : std::max(order.collected, later());
    order.changed = order.collected;
    for (std::size_t i = 0; i < order.items.size(); ++i) {
      Item& item = order.items[i];
      item.uniq = fmt::format("{}{:03}", order.bundle_no, i + 1);
      const bool own_cancel = order.items.size() > 1 && i == 0 && status == "신규주문" && rng() % 6 == 0;
      item.status = own_cancel ? "취소완료" : status;
      item.changed = own_cancel ? std::max(order.collected, later()) : changed;
      order.changed = std::max(order.changed, item.changed);
    }
  }
  return order;
}

std::vector<Order> Store::shopee_by_order_sn(const std::string& account, const std::vector<std::string>& ids) const
{
  std::lock_guard lock(m_mutex);
  std::vector<Order> out;
  const auto it = m_accounts.find(account);
  if (it == m_accounts.end()) {
    return out;
  }
  for (const auto& id : ids) {
    for (const auto& order : it->second.orders) {
      if (order.order_sn == id) {
        out.push_back(order);
        break;
      }
    }
  }
  return out;
}

std::vector<Order> Store::orders(const std::string& account) const
{
  std::lock_guard lock(m_mutex);
  const auto it = m_accounts.find(account);
  return it == m_accounts.end() ? std::vector<Order>{} : it->second.orders;
}

bool Store::has_account(const std::string& account) const
{
  std::lock_guard lock(m_mutex);
  return m_accounts.contains(account);
}

std::optional<Order> Store::find_coupang_box(const std::string& account, long long shipment_box_id) const
{
  std::lock_guard lock(m_mutex);
  const auto it = m_accounts.find(account);
  if (it != m_accounts.end()) {
    for (const auto& order : it->second.orders) {
      if (order.shipment_box_id == shipment_box_id) {
        return order;
      }
    }
  }
  return std::nullopt;
}

std::vector<std::pair<Order, std::size_t>> Store::smartstore_by_product_order_ids(
    const std::string& account, const std::vector<std::string>& ids) const
{
  std::lock_guard lock(m_mutex);
  std::vector<std::pair<Order, std::size_t>> out;
  const auto it = m_accounts.find(account);
  if (it == m_accounts.end()) {
    return out;
  }
  for (const auto& id : ids) {
    for (const auto& order : it->second.orders) {
      const auto item = std::find_if(order.items.begin(), order.items.end(),
                                     [&](const Item& i) { return i.product_order_id == id; });
      if (item != order.items.end()) {
        out.emplace_back(order, std::size_t(item - order.items.begin()));
        break;
      }
    }
  }
  return out;
}

void Store::advance(Order& order, Item* only, const std::string& status, TimePoint when)
{
  if (order_level_status(order.kind)) {
    order.status = status.empty() ? next_status(lifecycle_of(order.kind), order.status) : status;
    order.changed = when;
    for (auto& item : order.items) {
      item.status = order.status;
      item.changed = when;
    }
    return;
  }
  for (auto& item : order.items) {
    if (only != nullptr && &item != only) {
      continue;
    }
    const std::string next = status.empty() ? next_status(lifecycle_of(order.kind), item.status) : status;
    if (order.kind == Kind::smartstore) {
      set_naver_status(item, next);
    } else {
      set_line_status(item, next, when);
    }
    item.changed = when;
  }
  order.changed = when;
}

namespace {

// Whether a control-API id names the whole order.
bool names_order(const Order& order, const std::string& id)
{
  switch (order.kind) {
  case Kind::coupang: return std::to_string(order.shipment_box_id) == id || std::to_string(order.order_id) == id;
  case Kind::smartstore: return order.naver_order_id == id;
  case Kind::shopee: return order.order_sn == id;
  case Kind::qoo10jp: return std::to_string(order.pack_no) == id;
  case Kind::playauto: return order.bundle_no == id;
  }
  return false;
}

// Whether it names one line of it (Smartstore product order, Qoo10 OrderNo, PlayAuto uniq).
bool names_line(const Order& order, const Item& item, const std::string& id)
{
  switch (order.kind) {
  case Kind::smartstore: return item.product_order_id == id;
  case Kind::qoo10jp: return std::to_string(item.line_no) == id;
  case Kind::playauto: return item.uniq == id;
  default: return false;
  }
}

} // namespace

json Store::mutate(const std::string& account, std::optional<int> count, const std::vector<std::string>& ids,
                   const std::string& status)
{
  std::lock_guard lock(m_mutex);
  const auto it = m_accounts.find(account);
  if (it == m_accounts.end()) {
    throw std::invalid_argument("unknown account " + account);
  }
  AccountData& data = it->second;
  const auto& valid = statuses_of(data.config.kind);
  if (!status.empty() && std::find(valid.begin(), valid.end(), status) == valid.end()) {
    throw std::invalid_argument("unknown status " + status);
  }
  const TimePoint when = now();
  json touched = json::array();
  if (!ids.empty()) {
    for (const auto& id : ids) {
      bool found = false;
      for (auto& order : data.orders) {
        if (names_order(order, id)) {
          advance(order, nullptr, status, when);
          touched.push_back(canonical_row(order));
          found = true;
          break;
        }
        for (auto& item : order.items) {
          if (names_line(order, item, id)) {
            advance(order, &item, status, when);
            touched.push_back(canonical_row(order));
            found = true;
            break;
          }
        }
        if (found) {
          break;
        }
      }
      if (!found) {
        throw std::invalid_argument("unknown id " + id);
      }
    }
    return touched;
  }
  // Pick `count` orders at random (seeded), preferring ones whose status can still move.
  std::vector<std::size_t> order_indexes(data.orders.size());
  for (std::size_t i = 0; i < order_indexes.size(); ++i) {
    order_indexes[i] = i;
  }
  std::shuffle(order_indexes.begin(), order_indexes.end(), data.rng);
  const auto& lifecycle = lifecycle_of(data.config.kind);
  std::stable_partition(order_indexes.begin(), order_indexes.end(), [&](std::size_t i) {
    const Order& o = data.orders[i];
    const std::string& s = order_level_status(o.kind) ? o.status : o.items.front().status;
    return next_status(lifecycle, s) != s;
  });
  const std::size_t n = std::min<std::size_t>(order_indexes.size(), std::size_t(std::max(0, count.value_or(1))));
  for (std::size_t k = 0; k < n; ++k) {
    Order& order = data.orders[order_indexes[k]];
    advance(order, nullptr, status, when);
    touched.push_back(canonical_row(order));
  }
  return touched;
}

json Store::add(const std::string& account, int count)
{
  std::lock_guard lock(m_mutex);
  const auto it = m_accounts.find(account);
  if (it == m_accounts.end()) {
    throw std::invalid_argument("unknown account " + account);
  }
  AccountData& data = it->second;
  json added = json::array();
  const TimePoint when = now();
  for (int i = 0; i < count; ++i) {
    Order order = generate(data, when, when);
    // A new order is in its first state: paid and waiting.
    order.paid = when;
    order.changed = when;
    order.collected = when;
    if (order.kind == Kind::coupang) {
      order.status = "ACCEPT";
    } else if (order.kind == Kind::shopee) {
      order.status = "READY_TO_SHIP";
    }
    for (auto& item : order.items) {
      item.changed = when;
      switch (order.kind) {
      case Kind::coupang: item.status = "ACCEPT"; break;
      case Kind::smartstore: set_naver_status(item, "PAYED"); break;
      case Kind::shopee: item.status = "READY_TO_SHIP"; break;
      case Kind::qoo10jp: set_line_status(item, "2", when); break;
      case Kind::playauto: item.status = "신규주문"; break;
      }
    }
    added.push_back(canonical_row(order));
    data.orders.push_back(std::move(order));
  }
  return added;
}

json Store::canonical(const std::string& account) const
{
  std::lock_guard lock(m_mutex);
  json out = json::array();
  for (const auto& [id, data] : m_accounts) {
    if (!account.empty() && id != account) {
      continue;
    }
    for (const auto& order : data.orders) {
      out.push_back(canonical_row(order));
    }
  }
  return out;
}

json canonical_row(const Order& order)
{
  // Shopee amounts are cents on the inside and decimals on the wire; the truth says what the wire says.
  const auto money = [&](long long value) -> json {
    return order.kind == Kind::shopee ? json(double(value) / 100.0) : json(value);
  };
  json row;
  row["kind"] = kind_name(order.kind);
  row["account"] = order.account;
  row["created_at"] = utc(order.created);
  row["paid_at"] = order.kind == Kind::shopee && order.status == "UNPAID" ? json(nullptr) : json(utc(order.paid));
  row["changed_at"] = utc(order.changed);
  row["item_count"] = order.items.size();
  row["receiver"] = order.receiver.name;
  json items = json::array();
  long long total = 0;
  for (const auto& item : order.items) {
    json i{{"sku", item.sku},
           {"quantity", item.quantity},
           {"unit_price", money(item.unit_price)},
           {"status", item.status},
           {"changed_at", utc(item.changed)}};
    total += item.unit_price * item.quantity;
    switch (order.kind) {
    case Kind::coupang: i["vendor_item_id"] = std::to_string(item.vendor_item_id); break;
    case Kind::smartstore:
      i["product_order_id"] = item.product_order_id;
      i["claim_type"] = item.claim_type;
      i["claim_status"] = item.claim_status;
      break;
    case Kind::shopee:
      i["item_id"] = std::to_string(item.product_id);
      i["model_id"] = std::to_string(item.vendor_item_id);
      i["order_item_id"] = std::to_string(item.line_no);
      break;
    case Kind::qoo10jp:
      i["order_no"] = std::to_string(item.line_no);
      i["item_code"] = std::to_string(item.product_id);
      i["shipped_at"] = item.shipped == TimePoint{} ? json(nullptr) : json(utc(item.shipped));
      i["delivered_at"] = item.delivered == TimePoint{} ? json(nullptr) : json(utc(item.delivered));
      break;
    case Kind::playauto: i["uniq"] = item.uniq; break;
    }
    items.push_back(std::move(i));
  }
  row["items"] = std::move(items);
  row["total_price"] = money(total);
  row["shipping_price"] = money(order.shipping_price);
  switch (order.kind) {
  case Kind::coupang:
    row["order_id"] = std::to_string(order.order_id);
    row["shipment_box_id"] = std::to_string(order.shipment_box_id);
    row["status"] = order.status;
    break;
  case Kind::smartstore: {
    row["order_id"] = order.naver_order_id;
    json ids = json::array();
    for (const auto& item : order.items) {
      ids.push_back(item.product_order_id);
    }
    row["product_order_ids"] = std::move(ids);
    row["status"] = order.items.front().status;
    break;
  }
  case Kind::shopee:
    row["order_id"] = order.order_sn;
    row["order_sn"] = order.order_sn;
    row["status"] = order.status;
    break;
  case Kind::qoo10jp: {
    row["order_id"] = std::to_string(order.pack_no);
    row["pack_no"] = std::to_string(order.pack_no);
    json ids = json::array();
    for (const auto& item : order.items) {
      ids.push_back(std::to_string(item.line_no));
    }
    row["order_nos"] = std::move(ids);
    row["status"] = order.items.front().status;
    break;
  }
  case Kind::playauto: {
    row["order_id"] = order.bundle_no;
    row["bundle_no"] = order.bundle_no;
    row["shop_cd"] = order.shop_cd;
    row["shop_ord_no"] = order.shop_ord_no;
    row["collected_at"] = utc(order.collected);
    json ids = json::array();
    for (const auto& item : order.items) {
      ids.push_back(item.uniq);
    }
    row["uniqs"] = std::move(ids);
    row["status"] = order.items.front().status;
    break;
  }
  }
  return row;
}

} // namespace uoms::sandbox
