#include "src/store/connection.hpp"
#include "uoms/store/shipments.hpp"

namespace uoms::store {

namespace {

constexpr const char* k_select =
  "SELECT s.id, s.order_id, c.name, o.external_id, o.status, s.shipment_key, s.carrier, s.tracking_number, "
  "s.source, s.state, s.attempts, s.next_attempt_at, s.last_error, s.uploaded_at, s.correction_carrier, "
  "s.correction_number, s.corrected_at "
  "FROM shipments s JOIN orders o ON o.id = s.order_id JOIN channels c ON c.id = o.channel_id";

ShipmentRow read_shipment(Database& db, SQLite::Statement& s)
{
  ShipmentRow r;
  read_columns(s, r.id, r.order_row_id, r.channel, r.order_id, r.order_status, r.shipment_key, r.carrier,
               r.tracking_number, r.source, r.state, r.attempts, r.next_attempt_at, r.last_error, r.uploaded_at,
               r.correction_carrier, r.correction_number, r.corrected_at);
  Cached items(db.impl(),
               "SELECT external_id, status FROM order_items WHERE order_id = ? AND shipment_key = ? ORDER BY id");
  bind_all(*items, r.order_row_id, r.shipment_key);
  while (items->executeStep()) {
    r.item_ids.push_back(text(items->getColumn(0)));
    r.item_statuses.push_back(text(items->getColumn(1)));
  }
  return r;
}

} // namespace

std::vector<ShipmentTarget> Shipments::targets(std::int64_t channel_id, std::string_view order_or_shipment,
                                               std::string_view item)
{
  return guarded(m_db.impl(), "find shipments", [&] {
    std::vector<ShipmentTarget> out;
    auto collect = [&](SQLite::Statement& s) {
      while (s.executeStep()) {
        out.push_back({s.getColumn(0).getInt64(), text(s.getColumn(1))});
      }
    };
    if (!item.empty()) {
      SQLite::Statement s(m_db.impl().db,
                          "SELECT DISTINCT o.id, i.shipment_key FROM orders o JOIN order_items i ON i.order_id = o.id "
                          "WHERE o.channel_id = ? AND o.external_id = ? AND i.external_id = ?");
      bind_all(s, channel_id, order_or_shipment, item);
      collect(s);
      return out;
    }
    SQLite::Statement by_order(m_db.impl().db,
                               "SELECT DISTINCT o.id, i.shipment_key FROM orders o JOIN order_items i ON i.order_id = o.id "
                               "WHERE o.channel_id = ? AND o.external_id = ? ORDER BY i.shipment_key");
    bind_all(by_order, channel_id, order_or_shipment);
    collect(by_order);
    if (out.empty()) {
      SQLite::Statement by_key(m_db.impl().db,
                               "SELECT DISTINCT o.id, i.shipment_key FROM orders o JOIN order_items i ON i.order_id = o.id "
                               "WHERE o.channel_id = ? AND i.shipment_key = ?");
      bind_all(by_key, channel_id, order_or_shipment);
      collect(by_key);
    }
    return out;
  });
}

std::optional<ShipmentRow> Shipments::find(std::int64_t order_row_id, std::string_view shipment_key)
{
  return guarded(m_db.impl(), "read shipment", [&]() -> std::optional<ShipmentRow> {
    SQLite::Statement s(m_db.impl().db, std::string(k_select) + " WHERE s.order_id = ? AND s.shipment_key = ?");
    bind_all(s, order_row_id, shipment_key);
    if (s.executeStep()) {
      return read_shipment(m_db, s);
    }
    return std::nullopt;
  });
}

bool Shipments::add(const ShipmentTarget& target, std::string_view carrier, std::string_view number,
                    std::string_view source, std::string_view now)
{
  return execute(m_db, "add tracking number",
                 "INSERT INTO shipments (order_id, shipment_key, carrier, tracking_number, source, state, created_at, "
                 "updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT (order_id, shipment_key) DO NOTHING",
                 target.order_row_id, target.shipment_key, carrier, number, source, now, now) > 0;
}

bool Shipments::replace(std::int64_t id, std::string_view carrier, std::string_view number, std::string_view now)
{
  return execute(m_db, "replace tracking number",
                 "UPDATE shipments SET carrier = ?, tracking_number = ?, state = 'pending', attempts = 0, "
                 "next_attempt_at = NULL, last_error = NULL, updated_at = ? "
                 "WHERE id = ? AND state IN ('pending', 'failed', 'attention', 'skipped') AND correction_number IS NULL",
                 carrier, number, now, id) > 0;
}

void Shipments::record_marketplace(const ShipmentTarget& target, std::string_view carrier, std::string_view number,
                                   std::int64_t job_id, std::string_view now)
{
  // A correction the marketplace shows is done (whoever sent it); while one is queued, in
  // flight or parked, the marketplace still showing the old number changes nothing.
  execute_cached(m_db, "record tracking number",
          "INSERT INTO shipments (order_id, shipment_key, carrier, tracking_number, source, state, job_id, "
          "uploaded_at, created_at, updated_at) VALUES (?, ?, ?, ?, 'marketplace', 'uploaded', ?, ?, ?, ?) "
          "ON CONFLICT (order_id, shipment_key) DO UPDATE SET "
          "state = CASE WHEN shipments.correction_number = excluded.tracking_number THEN 'uploaded' "
          "  WHEN shipments.correction_number IS NOT NULL OR shipments.state IN ('uploaded', 'skipped') "
          "  THEN shipments.state "
          "  WHEN shipments.tracking_number = excluded.tracking_number THEN 'uploaded' ELSE 'attention' END, "
          "last_error = CASE WHEN shipments.correction_number = excluded.tracking_number THEN NULL "
          "  WHEN shipments.correction_number IS NOT NULL OR shipments.state IN ('uploaded', 'skipped') "
          "  OR shipments.tracking_number = excluded.tracking_number THEN shipments.last_error "
          "  ELSE 'the marketplace already holds ' || excluded.carrier || ' ' || excluded.tracking_number END, "
          "carrier = CASE WHEN shipments.correction_number = excluded.tracking_number "
          "  THEN shipments.correction_carrier ELSE shipments.carrier END, "
          "tracking_number = CASE WHEN shipments.correction_number = excluded.tracking_number "
          "  THEN shipments.correction_number ELSE shipments.tracking_number END, "
          "corrected_at = CASE WHEN shipments.correction_number = excluded.tracking_number "
          "  THEN excluded.updated_at ELSE shipments.corrected_at END, "
          "correction_carrier = CASE WHEN shipments.correction_number = excluded.tracking_number "
          "  THEN NULL ELSE shipments.correction_carrier END, "
          "correction_number = CASE WHEN shipments.correction_number = excluded.tracking_number "
          "  THEN NULL ELSE shipments.correction_number END, "
          "uploaded_at = COALESCE(shipments.uploaded_at, excluded.uploaded_at), updated_at = excluded.updated_at "
          "WHERE shipments.state NOT IN ('uploaded', 'skipped') OR shipments.tracking_number != excluded.tracking_number",
          target.order_row_id, target.shipment_key, carrier, number, job_id, now, now, now);
}

bool Shipments::queue_correction(std::int64_t id, std::string_view carrier, std::string_view number,
                                 std::string_view now)
{
  return execute(m_db, "queue tracking correction",
                 "UPDATE shipments SET state = 'correct', correction_carrier = ?, correction_number = ?, attempts = 0, "
                 "next_attempt_at = NULL, last_error = NULL, updated_at = ? "
                 "WHERE id = ? AND (state = 'uploaded' OR (state IN ('correct', 'attention') "
                 "AND correction_number IS NOT NULL))",
                 carrier, number, now, id) > 0;
}

bool Shipments::drop_correction(std::int64_t id, std::string_view now)
{
  return execute(m_db, "drop tracking correction",
                 "UPDATE shipments SET state = 'uploaded', correction_carrier = NULL, correction_number = NULL, "
                 "attempts = 0, next_attempt_at = NULL, last_error = NULL, updated_at = ? "
                 "WHERE id = ? AND state IN ('correct', 'attention') AND correction_number IS NOT NULL",
                 now, id) > 0;
}

void Shipments::corrected(std::int64_t id, std::string_view note, std::int64_t job_id, std::string_view now)
{
  execute(m_db, "record tracking correction",
          "UPDATE shipments SET state = 'uploaded', carrier = COALESCE(correction_carrier, carrier), "
          "tracking_number = COALESCE(correction_number, tracking_number), correction_carrier = NULL, "
          "correction_number = NULL, attempts = 0, next_attempt_at = NULL, last_error = ?, job_id = ?, "
          "corrected_at = ?, updated_at = ? WHERE id = ?",
          OrNull{note}, job_id, now, now, id);
}

std::vector<ShipmentRow> Shipments::list(const ShipmentFilter& f)
{
  return guarded(m_db.impl(), "list shipments", [&] {
    std::string sql = std::string(k_select) + " WHERE 1=1";
    if (!f.channel.empty()) sql += " AND c.name = :channel";
    if (!f.states.empty()) {
      sql += " AND s.state IN (";
      for (std::size_t i = 0; i < f.states.size(); ++i) sql += (i ? ", :s" : ":s") + std::to_string(i);
      sql += ")";
    }
    if (!f.due_by.empty()) sql += " AND (s.next_attempt_at IS NULL OR s.next_attempt_at <= :due)";
    if (f.order_row_id != 0) sql += " AND s.order_id = :order";
    sql += " ORDER BY s.id LIMIT :limit";
    SQLite::Statement s(m_db.impl().db, sql);
    if (!f.channel.empty()) s.bind(":channel", f.channel);
    for (std::size_t i = 0; i < f.states.size(); ++i) s.bind(":s" + std::to_string(i), f.states[i]);
    if (!f.due_by.empty()) s.bind(":due", f.due_by);
    if (f.order_row_id != 0) s.bind(":order", f.order_row_id);
    s.bind(":limit", f.limit > 0 ? f.limit : -1);
    std::vector<ShipmentRow> rows;
    while (s.executeStep()) {
      rows.push_back(read_shipment(m_db, s));
    }
    return rows;
  });
}

void Shipments::mark(std::int64_t id, std::string_view state, std::string_view error, std::int64_t job_id,
                     std::string_view now)
{
  execute(m_db, "update shipment",
          "UPDATE shipments SET state = ?, last_error = ?, job_id = ?, updated_at = ?, "
          "uploaded_at = CASE WHEN ? = 'uploaded' THEN COALESCE(uploaded_at, ?) ELSE uploaded_at END WHERE id = ?",
          state, OrNull{error}, job_id, now, state, now, id);
}

void Shipments::retry_later(std::int64_t id, std::string_view error, std::string_view next_attempt_at,
                            int max_attempts, std::int64_t job_id, std::string_view now)
{
  execute(m_db, "retry shipment later",
          "UPDATE shipments SET attempts = attempts + 1, "
          "state = CASE WHEN attempts + 1 >= ? THEN 'attention' "
          "  WHEN state IN ('correct', 'correcting') THEN 'correct' ELSE 'pending' END, "
          "next_attempt_at = ?, last_error = ?, job_id = ?, updated_at = ? WHERE id = ?",
          max_attempts, next_attempt_at, OrNull{error}, job_id, now, id);
}

std::vector<std::pair<std::string, std::int64_t>> Shipments::counts(std::string_view channel)
{
  return guarded(m_db.impl(), "count shipments", [&] {
    SQLite::Statement s(m_db.impl().db,
                        "SELECT s.state, count(*) FROM shipments s JOIN orders o ON o.id = s.order_id "
                        "JOIN channels c ON c.id = o.channel_id WHERE ? = '' OR c.name = ? GROUP BY s.state "
                        "ORDER BY s.state");
    bind_all(s, channel, channel);
    std::vector<std::pair<std::string, std::int64_t>> rows;
    while (s.executeStep()) {
      rows.emplace_back(text(s.getColumn(0)), s.getColumn(1).getInt64());
    }
    return rows;
  });
}

} // namespace uoms::store
