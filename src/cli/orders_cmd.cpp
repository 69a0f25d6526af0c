#include "cli.hpp"

#include "src/cli/orders_export.hpp"
#include "uoms/error.hpp"
#include "uoms/store/shipments.hpp"
#include "uoms/util/text.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>

#include <unistd.h>

namespace uoms::cli {

namespace {

using std::chrono::minutes;

struct OrdersFlags
{
  std::string channel, status, since, until, search, tz;
  int limit = 50;
  std::string order_id;                    // show
  bool raw = false;                        // show: the marketplace's payload instead
  std::string format = "csv", output;      // export
};

// Each channel's time zone, read once per command.
class Zones
{
public:
  explicit Zones(store::Database& db)
  {
    for (const auto& row : store::Channels(db).list()) {
      m_offsets.emplace(row.name, orders_out::channel_offset(row.kind, row.settings_json));
      m_names.push_back(row.name);
    }
  }
  // --tz when given, else the channel's own zone.
  minutes of(const std::string& channel, const std::optional<minutes>& tz) const
  {
    if (tz) return *tz;
    const auto it = m_offsets.find(channel);
    return it != m_offsets.end() ? it->second : k_kst_offset;
  }
  void require(const std::string& channel) const
  {
    if (!channel.empty() && !m_offsets.contains(channel)) {
      throw UsageError(fmt::format("no channel named \"{}\"{}", channel, util::did_you_mean(channel, m_names)));
    }
  }

private:
  std::map<std::string, minutes, std::less<>> m_offsets;
  std::vector<std::string> m_names;
};

std::optional<minutes> parse_tz(const std::string& tz)
{
  if (tz.empty()) return std::nullopt;
  if (auto offset = util::parse_utc_offset(tz)) return offset;
  throw UsageError(fmt::format("--tz: expected an offset like +09:00 or a zone like Asia/Seoul, KST, JST, UTC; got \"{}\"",
                               tz));
}

// The store filter of the flags. Times without an offset are read in --tz, else in the
// --channel's zone, else KST/JST (+09:00), as `collect --since` reads them.
store::OrderFilter make_filter(Context& ctx, const OrdersFlags& f, const Zones& zones)
{
  zones.require(f.channel);
  if (!f.status.empty() && f.status != "unknown" && !parse_order_status(f.status)) {
    std::vector<std::string> names;
    for (int s = 0; s <= static_cast<int>(OrderStatus::unknown); ++s) {
      names.emplace_back(to_string(static_cast<OrderStatus>(s)));
    }
    throw UsageError(fmt::format("--status: unknown status \"{}\"{}; one of {}", f.status,
                                 util::did_you_mean(f.status, names), util::join(names)));
  }
  const minutes offset = zones.of(f.channel, parse_tz(f.tz));
  auto bound = [&](const std::string& text, bool until) -> std::string {
    if (text.empty()) return {};
    if (auto t = orders_out::filter_time(text, until, offset, ctx.clock->now())) return *t;
    throw UsageError(fmt::format("{}: expected a date (2026-11-22), a time (2026-11-22T10:00, 2026-11-22T10:00+09:00){}; "
                                 "got \"{}\"",
                                 until ? "--until" : "--since", until ? "" : " or an age (7d)", text));
  };
  store::OrderFilter filter;
  filter.channel = f.channel;
  filter.status = f.status;
  filter.since = bound(f.since, false);
  filter.until = bound(f.until, true);
  filter.search = f.search;
  filter.limit = f.limit;
  return filter;
}

void add_filter_flags(CLI::App& cmd, OrdersFlags& f)
{
  cmd.add_option("--channel", f.channel, "only this channel");
  cmd.add_option("--status", f.status, "only orders in this status (paid, preparing, shipped, cancelled, ...)");
  cmd.add_option("--since", f.since, "ordered at or after: a date, a time (2026-11-22T10:00) or an age (7d)");
  cmd.add_option("--until", f.until, "ordered before this time, or up to the end of this date");
  cmd.add_option("--tz", f.tz,
                 "time zone for shown times and for dates without an offset (+09:00, Asia/Tokyo, UTC; "
                 "default: each channel's own)");
}

int run_list(Context& ctx, const OrdersFlags& f)
{
  auto& db = ctx.read_db();
  const Zones zones(db);
  const auto filter = make_filter(ctx, f, zones);
  const auto tz = parse_tz(f.tz);
  auto rows = store::Orders(db).list(filter);
  if (ctx.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : rows) {
      out.push_back({{"channel", r.channel}, {"external_id", r.external_id}, {"status", r.status},
                     {"raw_status", r.raw_status}, {"ordered_at", r.ordered_at}, {"currency", r.currency},
                     {"total_minor", r.total_minor}, {"items", r.items}, {"updated_at", r.updated_at}});
    }
    print_json({{"orders", out}});
    return 0;
  }
  if (rows.empty()) {
    if (!ctx.quiet) fmt::print("no orders\n");
    return 0;
  }
  std::vector<std::vector<std::string>> table;
  for (const auto& r : rows) {
    const auto offset = zones.of(r.channel, tz);
    const auto local = orders_out::local_time(r.ordered_at, offset);
    table.push_back({r.channel, r.external_id, r.status,
                     local.empty() ? "-" : local + " " + orders_out::offset_text(offset),
                     fmt::format("{} {}", orders_out::money(r.total_minor, r.currency), r.currency),
                     std::to_string(r.items), r.receiver_name});
  }
  print_table({"CHANNEL", "ORDER", "STATUS", "ORDERED", "TOTAL", "ITEMS", "RECEIVER"}, table);
  return 0;
}

// --channel may be left out when the order id is unique across channels.
std::string resolve_channel(store::Database& db, const OrdersFlags& f, const Zones& zones)
{
  zones.require(f.channel);
  if (!f.channel.empty()) return f.channel;
  std::vector<std::string> found;
  for (const auto& row : store::Channels(db).list()) {
    if (store::Orders(db).find(row.name, f.order_id)) found.push_back(row.name);
  }
  if (found.size() == 1) return found.front();
  if (found.empty()) throw UsageError(fmt::format("no order {} in any channel", f.order_id));
  throw UsageError(fmt::format("order {} exists in channels {}; name one with --channel", f.order_id,
                               util::join(found)));
}

std::string receiver_line(const store::OrderRecord& o)
{
  std::vector<std::string> parts;
  for (const auto* part : {&o.receiver_name, &o.receiver_phone, &o.receiver_zip, &o.receiver_address1,
                           &o.receiver_address2}) {
    if (!part->empty()) parts.push_back(*part);
  }
  return util::join(parts, " ");
}

int run_show(Context& ctx, const OrdersFlags& f)
{
  auto& db = ctx.read_db();
  const Zones zones(db);
  const auto channel = resolve_channel(db, f, zones);
  store::Orders orders(db);
  if (f.raw) {
    // The bytes the marketplace sent (the database keeps them compressed).
    const auto payload = orders.raw(channel, f.order_id);
    if (!payload) throw UsageError(fmt::format("no order {} in channel {}", f.order_id, channel));
    std::fwrite(payload->data(), 1, payload->size(), stdout);
    if (payload->empty() || payload->back() != '\n') std::fputc('\n', stdout);
    return 0;
  }
  auto order = orders.find(channel, f.order_id);
  if (!order) {
    throw UsageError(fmt::format("no order {} in channel {}", f.order_id, channel));
  }
  store::ShipmentFilter sf;
  sf.order_row_id = order->id;
  const auto shipments = store::Shipments(db).list(sf);
  const auto history = orders.history(channel, f.order_id);
  const auto offset = zones.of(channel, parse_tz(f.tz));

  if (ctx.json) {
    auto doc = nlohmann::json::parse(orders_out::jsonl_line(*order, offset));
    doc["changed_at"] = order->changed_at.empty() ? nlohmann::json() : nlohmann::json(order->changed_at);
    doc["first_seen_at"] = order->first_seen_at;
    doc["updated_at"] = order->updated_at;
    doc["first_job_id"] = order->first_job_id;
    doc["last_job_id"] = order->last_job_id;
    nlohmann::json ships = nlohmann::json::array();
    for (const auto& s : shipments) {
      ships.push_back({{"shipment_key", s.shipment_key},
                       {"items", s.item_ids},
                       {"carrier", s.carrier},
                       {"tracking_number", s.tracking_number},
                       {"source", s.source},
                       {"state", s.state},
                       {"attempts", s.attempts},
                       {"last_error", s.last_error.empty() ? nlohmann::json() : nlohmann::json(s.last_error)},
                       {"uploaded_at", s.uploaded_at.empty() ? nlohmann::json() : nlohmann::json(s.uploaded_at)}});
    }
    doc["shipments"] = std::move(ships);
    nlohmann::json events = nlohmann::json::array();
    for (const auto& e : history) {
      events.push_back({{"job", e.job_id},
                        {"kind", e.job_kind},
                        {"job_status", e.job_status},
                        {"at", e.at},
                        {"subject_type", e.subject_type},
                        {"external_id", e.external_id},
                        {"action", e.action},
                        {"error", e.error.empty() ? nlohmann::json() : nlohmann::json(e.error)},
                        {"http_status", e.http_status ? nlohmann::json(e.http_status) : nlohmann::json()},
                        {"request_id", e.request_id.empty() ? nlohmann::json() : nlohmann::json(e.request_id)}});
    }
    doc["history"] = std::move(events);
    print_json(doc);
    return 0;
  }

  const auto& o = *order;
  const auto when = [&](const std::string& utc) {
    const auto local = orders_out::local_time(utc, offset);
    return local.empty() ? std::string("-") : local + " " + orders_out::offset_text(offset);
  };
  const auto or_dash = [](const std::string& s) { return s.empty() ? std::string("-") : s; };
  fmt::print("order      {} ({} {})\nstatus     {} ({})\nordered    {}\npaid       {}\n"
             "total      {} {} (shipping {})\nbuyer      {}\nreceiver   {}\nseen       first {} (job {}), "
             "updated {} (job {})\n",
             o.external_id, o.channel, o.channel_kind, o.status, or_dash(o.raw_status), when(o.ordered_at),
             when(o.paid_at), orders_out::money(o.total_minor, o.currency), o.currency,
             orders_out::money(o.shipping_fee_minor, o.currency), or_dash(o.buyer_name),
             or_dash(receiver_line(o)),
             when(o.first_seen_at), o.first_job_id, when(o.updated_at), o.last_job_id);
  fmt::print("\nitems\n");
  std::vector<std::vector<std::string>> items;
  for (const auto& it : o.items) {
    items.push_back({it.external_id, it.status, or_dash(it.sku), or_dash(it.name), or_dash(it.option_name),
                     std::to_string(it.quantity), orders_out::money(it.total_price_minor, o.currency),
                     or_dash(it.shipment_key)});
  }
  print_table({"ITEM", "STATUS", "SKU", "PRODUCT", "OPTION", "QTY", "TOTAL", "SHIPMENT"}, items);
  fmt::print("\nshipments\n");
  if (shipments.empty()) {
    fmt::print("no tracking number yet\n");
  } else {
    std::vector<std::vector<std::string>> table;
    for (const auto& s : shipments) {
      table.push_back({s.shipment_key, s.carrier, s.tracking_number, s.source, s.state, std::to_string(s.attempts),
                       or_dash(s.uploaded_at), or_dash(s.last_error)});
    }
    print_table({"SHIPMENT", "CARRIER", "NUMBER", "SOURCE", "STATE", "ATTEMPTS", "UPLOADED", "ERROR"}, table);
  }
  fmt::print("\nhistory\n");
  if (history.empty()) {
    fmt::print("no job recorded anything about it\n");
  } else {
    std::vector<std::vector<std::string>> table;
    for (const auto& e : history) {
      table.push_back({std::to_string(e.job_id), e.job_kind, when(e.at), e.subject_type, e.external_id, e.action,
                       or_dash(e.error)});
    }
    print_table({"JOB", "KIND", "AT", "SUBJECT", "ID", "ACTION", "ERROR"}, table);
  }
  return 0;
}

// Where the export goes: stdout, or a temporary file renamed over --output at the end, so
// a reader never sees half a file and a failed export leaves the old one.
class Sink
{
public:
  explicit Sink(const std::string& output) : m_output(output)
  {
    if (output.empty() || output == "-") {
      m_file = stdout;
      return;
    }
    m_tmp = output + ".tmp." + std::to_string(::getpid());
    m_file = std::fopen(m_tmp.c_str(), "wb");
    if (!m_file) {
      throw Failure(fmt::format("cannot write {}: {}", m_tmp, std::strerror(errno)));
    }
  }
  ~Sink()
  {
    if (!m_tmp.empty() && m_file) {
      std::fclose(m_file);
      std::remove(m_tmp.c_str());
    }
  }
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  // Thrown when stdout's reader went away (`uoms orders export | head`): not an error.
  struct ReaderGone
  {
  };

  void write(const std::string& text)
  {
    if (std::fwrite(text.data(), 1, text.size(), m_file) != text.size()) {
      if (errno == EPIPE && m_tmp.empty()) throw ReaderGone{};
      throw Failure(fmt::format("cannot write {}: {}", name(), std::strerror(errno)));
    }
  }
  void commit()
  {
    if (std::fflush(m_file) != 0 || std::ferror(m_file)) {
      if (errno == EPIPE && m_tmp.empty()) throw ReaderGone{};
      throw Failure(fmt::format("cannot write {}: {}", name(), std::strerror(errno)));
    }
    if (m_tmp.empty()) return;
    const int closed = std::fclose(m_file);
    m_file = nullptr;
    if (closed != 0 || std::rename(m_tmp.c_str(), m_output.c_str()) != 0) {
      const int error = errno;
      std::remove(m_tmp.c_str());
      throw Failure(fmt::format("cannot write {}: {}", m_output, std::strerror(error)));
    }
  }
  std::string name() const { return m_tmp.empty() ? std::string("stdout") : m_output; }

private:
  std::string m_output, m_tmp;
  std::FILE* m_file = nullptr;
};

int run_export(Context& ctx, const OrdersFlags& f)
{
  const bool to_stdout = f.output.empty() || f.output == "-";
  if (to_stdout && ctx.json) {
    throw UsageError("--json needs --output FILE: without it stdout carries the export itself");
  }
  auto& db = ctx.read_db();
  const Zones zones(db);
  auto filter = make_filter(ctx, f, zones);
  filter.limit = 0;
  const auto tz = parse_tz(f.tz);
  const bool csv = f.format == "csv";
  Sink sink(f.output);
  std::int64_t orders = 0, rows = 0;
  try {
    if (csv) sink.write(orders_out::csv_header());
    // One order at a time from one statement, written as it comes: memory does not grow
    // with the number of orders.
    orders = store::Orders(db).each(filter, [&](const store::OrderRecord& order) {
      const auto offset = zones.of(order.channel, tz);
      if (csv) {
        sink.write(orders_out::csv_lines(order, offset));
        rows += std::max<std::int64_t>(1, static_cast<std::int64_t>(order.items.size()));
      } else {
        sink.write(orders_out::jsonl_line(order, offset) + "\n");
        ++rows;
      }
    });
    sink.commit();
  } catch (const Sink::ReaderGone&) {
    return 0;
  }
  if (ctx.json) {
    print_json({{"output", f.output}, {"format", f.format}, {"orders", orders}, {"rows", rows}});
  } else if (!to_stdout && !ctx.quiet) {
    fmt::print("exported {} orders ({} {}) to {}\n", orders, rows, csv ? "rows" : "lines", f.output);
  }
  return 0;
}

} // namespace

Handler setup_orders(CLI::App& app, Context& ctx)
{
  require_subcommand(app);
  auto f = std::make_shared<OrdersFlags>();
  auto* list = app.add_subcommand("list", "list collected orders, newest first");
  add_filter_flags(*list, *f);
  list->add_option("--search", f->search, "only orders whose id, buyer or receiver, or an item's id, name or SKU contains TEXT");
  list->add_option("--limit", f->limit, "at most this many (default 50, 0 = all)")->check(CLI::NonNegativeNumber);

  auto* show = app.add_subcommand("show", "one order: its items, tracking numbers and what each job did to it");
  show->add_option("order", f->order_id, "the marketplace's order id")->required();
  show->add_option("--channel", f->channel, "the order's channel (needed when the id exists in several)");
  show->add_option("--tz", f->tz, "time zone for shown times (default: the channel's own)");
  show->add_flag("--raw", f->raw, "print the marketplace's payload of the order as it was received");

  auto* exp = app.add_subcommand("export", "write orders as CSV (one row per item, UTF-8 with BOM) or JSON Lines");
  exp->add_option("--format", f->format, "csv (default) or jsonl")->check(CLI::IsMember({"csv", "jsonl"}));
  exp->add_option("--output,-o", f->output, "file to write (atomically); default stdout");
  add_filter_flags(*exp, *f);

  return [=, &ctx]() -> int {
    if (list->parsed()) return run_list(ctx, *f);
    if (show->parsed()) return run_show(ctx, *f);
    if (exp->parsed()) return run_export(ctx, *f);
    return static_cast<int>(ExitCode::usage);
  };
}

} // namespace uoms::cli
