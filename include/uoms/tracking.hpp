#pragma once

#include "uoms/store.hpp"

#include <string>
#include <string_view>
#include <vector>

// Getting tracking numbers in: a CSV file from the seller's courier system, or one number
// by hand. What they attach to is a shipment of a collected order (store/shipments).
namespace uoms::tracking {

// A row the import refused, by its line in the file.
struct Problem
{
  int line = 0;
  std::string message;
};

struct ImportResult
{
  int rows = 0;      // data rows read
  int added = 0;     // shipments given a number
  int unchanged = 0; // shipments that already had exactly this number
  std::vector<Problem> problems;
};

struct ImportOptions
{
  std::string encoding = "auto"; // auto, utf-8, cp949
  bool strict = false;           // any bad row: change nothing
  std::string now;
};

// Reads `bytes` (UTF-8 with or without BOM, or CP949) with the columns
// `channel,order,item,carrier,number` (or 판매처,주문번호,상품주문번호,택배사,송장번호);
// `item` may be empty or absent: every shipment of the order not yet given a number. An
// `order` that is no order id of the channel is tried as a shipment key (Coupang
// shipmentBoxId, PlayAuto bundle_no). All in one transaction; with `strict`, rolled back
// when any row is refused. A file whose header lacks a required column is a UsageError.
ImportResult import_csv(store::Database& db, std::string_view bytes, const ImportOptions& options);

// The uoms carrier code for what a seller wrote (any case); throws UsageError naming the
// closest code when there is none.
std::string carrier_code(std::string_view text);

// Checks a tracking number: 1 to 50 letters, digits or '-'; returns it trimmed or "" when bad.
std::string clean_number(std::string_view text);

} // namespace uoms::tracking
