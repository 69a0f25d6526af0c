#include "uoms/stock.hpp"

#include "uoms/channels.hpp"
#include "uoms/log.hpp"
#include "uoms/writeback.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>

namespace uoms::stock {

namespace {

using connectors::ErrorKind;
using connectors::StockUpdate;
using connectors::WriteStatus;

// The error a marketplace call's failure ends the channel with: credentials are the
// operator's to fix (exit 4), anything else fails the channel.
[[noreturn]] void fail_channel(const connectors::ConnectorError& e, std::string_view doing)
{
  throw Error(e.kind == ErrorKind::auth || e.kind == ErrorKind::config ? ExitCode::config : ExitCode::failed,
              fmt::format("{}: {}", doing, e.message));
}

std::string listing_name(const store::ListingRow& l)
{
  return l.option_id.empty() ? l.item_id : l.item_id + "/" + l.option_id;
}

connectors::Settings parse_attributes(const std::string& text)
{
  connectors::Settings out;
  if (text.empty()) return out;
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return out;
  for (const auto& [k, v] : j.items()) out[k] = v.is_string() ? v.get<std::string>() : v.dump();
  return out;
}

// --- listings fetch --------------------------------------------------------------------------

class ChannelFetch
{
public:
  ChannelFetch(pass::ChannelRun& run, FetchChannelReport& report, const channels::HttpFactory& make_http)
    : m_run(run), m_report(report), m_make_http(make_http)
  {
  }

  void fetch()
  {
    auto channel = channels::from_row(m_run.row(), &m_run.key());
    auto connected = channels::connect(channel, m_run.db(), m_run.key(), m_run.config(), m_run.clock(), m_make_http);
    store::Listings listings(m_run.db());
    const auto known = listings.known_items(m_run.row().id);
    std::string cursor;
    do {
      m_run.check_interrupted();
      auto page = connected.connector->fetch_listings(known, cursor);
      if (!page) {
        if (page.error().kind == ErrorKind::unsupported) {
          nothing_to_do(fmt::format("kind {} has no catalogue call in its contract: its listings come from collected orders",
                           m_run.row().kind));
          return;
        }
        fail_channel(page.error(), "reading the catalogue");
      }
      save(*page);
      cursor = page->next_cursor;
    } while (!cursor.empty());
    auto& out = m_run.outcome();
    out.counts.succeeded = m_report.listings;
    out.counts.failed = m_report.failed;
    out.counts.total = m_report.listings + m_report.failed;
    if (m_report.failed > 0 && out.status == "completed") {
      out.status = "partial";
      out.error = fmt::format("{} catalogue records could not be read", m_report.failed);
    }
  }

private:
  void save(const connectors::ListingPage& page)
  {
    const auto now = format_utc(m_run.clock().now());
    store::Listings listings(m_run.db());
    store::Ledger ledger(m_run.db());
    store::Jobs jobs(m_run.db());
    store::Database::Transaction tx(m_run.db());
    for (const auto& l : page.listings) {
      const bool existed = listings.find(m_run.row().id, l.item_id, l.option_id).has_value();
      const auto recorded = listings.record(m_run.row().id, l, "catalogue", now);
      ++m_report.listings;
      if (!existed) ++m_report.created;
      auto d = m_run.detail("listing", l.option_id.empty() ? l.item_id : l.item_id + "/" + l.option_id,
                           existed ? "updated" : "created");
      if (recorded.mapped_now) {
        ++m_report.mapped;
        d.error = "mapped to " + l.seller_code;
        for (const auto& o : ledger.apply_listing(recorded.id, m_run.job_id(), now)) {
          ++m_report.oversold;
          auto od = m_run.detail("item", o.order_id + "/" + o.item_id, "oversold");
          od.error = fmt::format("{}: on hand {}, reserved {}", o.sku, o.on_hand, o.reserved);
          jobs.add_detail(od);
        }
      }
      jobs.add_detail(d);
    }
    for (const auto& f : page.failures) {
      ++m_report.failed;
      auto d = m_run.detail("listing", f.external_id, "failed");
      d.error = f.reason;
      d.payload = f.raw;
      jobs.add_detail(d);
    }
    tx.commit();
    ++m_report.pages;
    m_run.committed(static_cast<std::int64_t>(page.listings.size()));
  }

  // A kind without the call completes with a note: `skipped` (exit 5) means another pass holds the lock.
  void nothing_to_do(const std::string& message)
  {
    m_run.outcome().error = message;
    auto d = m_run.detail("channel", m_run.row().name, "note");
    d.error = message;
    store::Jobs(m_run.db()).add_detail(d);
  }

  pass::ChannelRun& m_run;
  FetchChannelReport& m_report;
  const channels::HttpFactory& m_make_http;
};

// --- sync-stock ------------------------------------------------------------------------------

struct Planned
{
  store::ListingRow listing;
  StockUpdate update;
  std::optional<std::int64_t> remote;
  std::int64_t held = 0;
};

class ChannelSync
{
public:
  ChannelSync(pass::ChannelRun& run, const SyncOptions& options, SyncChannelReport& report,
              const channels::HttpFactory& make_http)
    : m_run(run), m_options(options), m_report(report), m_make_http(make_http), m_listings(run.db())
  {
  }

  void sync()
  {
    auto channel = channels::from_row(m_run.row(), &m_run.key());
    auto connected = channels::connect(channel, m_run.db(), m_run.key(), m_run.config(), m_run.clock(), m_make_http);
    m_connector = connected.connector.get();
    m_batch = m_connector->capabilities().stock_batch;
    if (m_batch <= 0) {
      nothing_to_do(fmt::format("kind {} has no stock push in its contract: nothing is sent to this channel", m_run.row().kind));
      return;
    }
    if (!m_options.dry_run) settle_leftovers();

    auto rows = m_listings.list({m_run.row().name, false, true, m_options.skus});
    m_report.listings = static_cast<std::int64_t>(rows.size());
    auto plan = planned(rows);
    if (!m_options.full) std::erase_if(plan, [&](const Planned& p) { return already_shown(p); });
    read_remote(plan);
    std::erase_if(plan, [&](const Planned& p) { return !worth_pushing(p); });
    if (m_options.dry_run) {
      for (const auto& p : plan) {
        m_report.plan.push_back({p.listing.item_id, p.listing.option_id, p.listing.sku, p.remote,
                                 p.listing.pushed_quantity, p.update.quantity, p.held, "would_push", {},
                                 m_connector->describe_stock_push(p.update)});
      }
      finish();
      return;
    }
    push(plan);
    for (int round = 1; round <= m_options.retries && !m_retry.empty(); ++round) {
      m_run.check_interrupted();
      m_run.clock().sleep_for(std::chrono::seconds(std::min(30, 1 << round)));
      auto again = std::move(m_retry);
      m_retry.clear();
      push(again);
    }
    for (const auto& p : m_retry) {
      ++m_report.failed;
      record(p, "failed", "still throttled or busy after the pass's retries; the next pass pushes again");
    }
    finish();
  }

private:
  std::string now_text() { return format_utc(m_run.clock().now()); }

  // What each mapped listing should show: the product's available stock (on hand −
  // reserved − the listing's or product's buffer) less what the marketplace lost that no
  // collected order explains yet.
  std::vector<Planned> planned(const std::vector<store::ListingRow>& rows)
  {
    std::map<std::int64_t, store::ProductRow> products;
    for (auto& p : store::Products(m_run.db()).list()) products[p.id] = p;
    std::vector<Planned> out;
    for (const auto& l : rows) {
      const auto& product = products[l.product_id];
      Planned p;
      p.listing = l;
      p.held = l.held_drift;
      const auto buffer = l.safety_buffer.value_or(product.safety_buffer);
      const auto quantity = std::max<std::int64_t>(0, store::available(product.on_hand, product.reserved, buffer) - l.held_drift);
      p.update.listing_id = l.item_id;
      p.update.option_id = l.option_id;
      p.update.sku = l.sku;
      p.update.quantity = static_cast<int>(std::min<std::int64_t>(quantity, k_max_on_hand));
      p.update.attributes = parse_attributes(l.attributes);
      out.push_back(std::move(p));
    }
    return out;
  }

  // Reads what the marketplace shows before pushing, where the kind can. A listing whose
  // remote quantity is below what uoms pushed less the sales it collected since lost units
  // no order explains (a sale uoms has not collected yet): they are held back from the
  // push, never overwritten, and shown as drift.
  void read_remote(std::vector<Planned>& plan)
  {
    for (std::size_t first = 0; first < plan.size(); first += static_cast<std::size_t>(m_batch)) {
      m_run.check_interrupted();
      const auto end = std::min(plan.size(), first + static_cast<std::size_t>(m_batch));
      std::vector<StockUpdate> ask;
      for (std::size_t i = first; i < end; ++i) ask.push_back(plan[i].update);
      auto read = m_connector->read_stock(ask);
      if (!read) {
        if (read.error().kind == ErrorKind::unsupported) return;
        fail_channel(read.error(), "reading stock before the push");
      }
      if (read->size() != ask.size()) {
        throw Error(ExitCode::failed, "reading stock: the connector answered the wrong number of listings");
      }
      std::optional<store::Database::Transaction> tx;
      if (!m_options.dry_run) tx.emplace(m_run.db());
      for (std::size_t i = first; i < end; ++i) {
        auto& p = plan[i];
        const auto& held = (*read)[i - first];
        if (!held.found) {
          p.remote.reset();
          p.update.quantity = -1; // not pushed
          ++m_report.failed;
          if (!m_options.dry_run) {
            auto d = m_run.detail("listing", listing_name(p.listing), "failed");
            d.error = "the marketplace does not know this listing (deleted or never approved?)";
            store::Jobs(m_run.db()).add_detail(d);
          }
          continue;
        }
        p.remote = held.quantity;
        std::int64_t lost = 0;
        if (p.listing.pushed_quantity) {
          const auto expected = *p.listing.pushed_quantity - p.listing.sold_since_push;
          const auto drift = held.quantity - expected;
          if (drift != 0) {
            ++m_report.drift;
            lost = std::max<std::int64_t>(0, -drift);
            if (!m_options.dry_run) {
              auto d = m_run.detail("listing", listing_name(p.listing), "drift");
              d.error = fmt::format("{}: the marketplace shows {}, uoms expected {} (pushed {}, {} sold since){}",
                                    p.listing.sku, held.quantity, expected, *p.listing.pushed_quantity,
                                    p.listing.sold_since_push,
                                    lost > 0 ? fmt::format("; {} held back until collected orders explain them", lost)
                                             : std::string("; uoms pushes its own figure"));
              store::Jobs(m_run.db()).add_detail(d);
            }
          }
        }
        if (!m_options.dry_run) m_listings.remote_read(p.listing.id, held.quantity, lost, now_text());
        p.held += lost;
        p.update.quantity = static_cast<int>(std::max<std::int64_t>(0, p.update.quantity - lost));
      }
      if (tx) tx->commit();
    }
  }

  // Nothing uoms knows changed since its last push: no read and no push. A marketplace
  // can take minutes per thousand reads (Qoo10 at 1/s), so only listings about to be
  // pushed are read for drift; a listing uoms leaves alone cannot be overwritten.
  bool already_shown(const Planned& p)
  {
    if (!p.listing.pushed_quantity || *p.listing.pushed_quantity != p.update.quantity) return false;
    ++m_report.unchanged;
    return true;
  }

  bool worth_pushing(const Planned& p)
  {
    if (p.update.quantity < 0) return false;
    if (m_options.full) return true;
    if (p.remote) {
      if (*p.remote == p.update.quantity) {
        if (!m_options.dry_run && p.listing.pushed_quantity != p.update.quantity) {
          m_listings.pushed(p.listing.id, p.update.quantity, now_text()); // already what uoms would push
        }
        ++m_report.unchanged;
        return false;
      }
      return true;
    }
    if (p.listing.pushed_quantity && *p.listing.pushed_quantity == p.update.quantity) {
      ++m_report.unchanged;
      return false;
    }
    return true;
  }

  // Every push is committed as `sending` before the call and settled after it; a call
  // whose answer was lost is settled by reading back.
  void push(std::vector<Planned>& plan)
  {
    for (std::size_t first = 0; first < plan.size(); first += static_cast<std::size_t>(m_batch)) {
      m_run.check_interrupted();
      const auto end = std::min(plan.size(), first + static_cast<std::size_t>(m_batch));
      std::vector<Planned> batch(plan.begin() + static_cast<std::ptrdiff_t>(first),
                                 plan.begin() + static_cast<std::ptrdiff_t>(end));
      {
        store::Database::Transaction tx(m_run.db());
        for (const auto& p : batch) m_listings.begin_push(p.listing.id, p.update.quantity, now_text());
        tx.commit();
      }
      std::vector<StockUpdate> updates;
      for (const auto& p : batch) updates.push_back(p.update);
      auto answers = writeback::push_stock(*m_connector, updates);
      std::vector<std::size_t> unknown;
      for (std::size_t i = 0; i < answers.size(); ++i) {
        if (!answers[i].outcome) unknown.push_back(i);
      }
      if (!unknown.empty()) {
        std::vector<StockUpdate> again;
        for (auto i : unknown) again.push_back(updates[i]);
        const auto settled = writeback::settle_stock(*m_connector, again);
        for (std::size_t k = 0; k < unknown.size(); ++k) {
          if (settled[k].outcome && settled[k].outcome->status == WriteStatus::already_there) {
            answers[unknown[k]] = settled[k];
          } else if (!settled[k].outcome) {
            // Neither the push nor the read-back answered: the listing stays `sending` and
            // the next pass settles it.
            answers[unknown[k]].error = answers[unknown[k]].error ? answers[unknown[k]].error : settled[k].error;
          }
        }
      }
      store::Database::Transaction tx(m_run.db());
      for (std::size_t i = 0; i < batch.size(); ++i) outcome(batch[i], answers[i]);
      tx.commit();
      m_run.committed(static_cast<std::int64_t>(batch.size()));
    }
  }

  void outcome(const Planned& p, const writeback::Answer& answer)
  {
    if (!answer.outcome) {
      ++m_report.failed;
      record(p, "failed", "outcome unknown, settled by reading back on the next pass: " +
                            (answer.error ? answer.error->message : std::string("no answer")));
      return;
    }
    const auto& o = *answer.outcome;
    switch (o.status) {
    case WriteStatus::done:
    case WriteStatus::already_there:
      m_listings.pushed(p.listing.id, p.update.quantity, now_text());
      ++m_report.pushed;
      record(p, "pushed", {}, o);
      break;
    case WriteStatus::rejected:
      m_listings.end_push(p.listing.id, now_text());
      ++m_report.failed;
      record(p, "failed", o.reason, o);
      break;
    case WriteStatus::retry_later:
      m_listings.end_push(p.listing.id, now_text());
      m_retry.push_back(p);
      break;
    }
  }

  void record(const Planned& p, std::string action, std::string error, const connectors::WriteOutcome& o = {})
  {
    auto d = m_run.detail("listing", listing_name(p.listing), std::move(action));
    d.error = std::move(error);
    d.http_status = o.http_status;
    d.request_id = o.request_id;
    nlohmann::json payload = {{"sku", p.listing.sku}, {"after", p.update.quantity}};
    payload["before"] = p.remote ? nlohmann::json(*p.remote)
                        : p.listing.pushed_quantity ? nlohmann::json(*p.listing.pushed_quantity)
                                                    : nlohmann::json();
    if (p.held > 0) payload["held_back"] = p.held;
    d.payload = payload.dump();
    store::Jobs(m_run.db()).add_detail(d);
  }

  // Listings a crash left `sending`: the marketplace shows the target → pushed; otherwise
  // back to idle, and this pass computes a fresh figure.
  void settle_leftovers()
  {
    std::vector<store::ListingRow> sending;
    for (auto& l : m_listings.list({m_run.row().name, false, false, {}})) {
      if (l.push_state == "sending") sending.push_back(std::move(l));
    }
    if (sending.empty()) return;
    std::vector<StockUpdate> asks;
    for (const auto& l : sending) {
      StockUpdate ask;
      ask.listing_id = l.item_id;
      ask.option_id = l.option_id;
      ask.sku = l.sku;
      ask.quantity = static_cast<int>(l.push_target.value_or(0));
      ask.attributes = parse_attributes(l.attributes);
      asks.push_back(std::move(ask));
    }
    const auto answers = writeback::settle_stock(*m_connector, asks);
    store::Database::Transaction tx(m_run.db());
    for (std::size_t i = 0; i < sending.size(); ++i) {
      const bool taken = answers[i].outcome && answers[i].outcome->status == WriteStatus::already_there;
      if (taken) {
        m_listings.pushed(sending[i].id, *sending[i].push_target, now_text());
      } else {
        m_listings.end_push(sending[i].id, now_text());
      }
      ++m_report.settled;
      auto d = m_run.detail("listing", listing_name(sending[i]), taken ? "settled" : "note");
      d.error = taken ? fmt::format("a push of {} left unrecorded is on the marketplace", *sending[i].push_target)
                      : fmt::format("a push of {} left unrecorded is not confirmed ({}): pushed again if still due",
                                    sending[i].push_target.value_or(0),
                                    answers[i].outcome ? answers[i].outcome->reason
                                                       : answers[i].error ? answers[i].error->message : "");
      store::Jobs(m_run.db()).add_detail(d);
    }
    tx.commit();
  }

  void nothing_to_do(const std::string& message)
  {
    m_run.outcome().error = message;
    if (m_options.dry_run) return;
    auto d = m_run.detail("channel", m_run.row().name, "note");
    d.error = message;
    store::Jobs(m_run.db()).add_detail(d);
  }

  void finish()
  {
    auto& out = m_run.outcome();
    out.counts.succeeded = m_report.pushed + m_report.unchanged;
    out.counts.failed = m_report.failed;
    out.counts.total = out.counts.succeeded + out.counts.failed;
    if (m_report.failed > 0 && out.status == "completed") {
      out.status = "partial";
      out.error = fmt::format("{} of {} listings not pushed", m_report.failed, m_report.listings);
    }
  }

  pass::ChannelRun& m_run;
  const SyncOptions& m_options;
  SyncChannelReport& m_report;
  const channels::HttpFactory& m_make_http;
  store::Listings m_listings;
  connectors::Connector* m_connector = nullptr;
  int m_batch = 0;
  std::vector<Planned> m_retry;
};

} // namespace

FetchReport fetch_listings(const config::Config& config, const FetchOptions& options, Clock& clock,
                           const channels::HttpFactory& make_http)
{
  const auto spec = pass::spec_for("listings-fetch", options);
  return pass::run_reported<FetchChannelReport>(
    config, spec, clock,
    [&](pass::ChannelRun& run, FetchChannelReport& slot) { ChannelFetch(run, slot, make_http).fetch(); },
    [](const FetchReport& r) {
      std::int64_t listings = 0, mapped = 0;
      for (const auto& c : r.channels) {
        listings += c.listings;
        mapped += c.mapped;
      }
      return fmt::format("uoms listings fetch #{} {}: {} channels, {} listings, {} newly mapped", r.job_id, r.status,
                         r.channels.size(), listings, mapped);
    },
    [](const FetchChannelReport& c) { return nlohmann::json{{"listings", c.listings}, {"mapped", c.mapped}}; });
}

SyncReport sync(const config::Config& config, const SyncOptions& options, Clock& clock,
                const channels::HttpFactory& make_http, const std::function<void(const pass::Progress&)>& on_progress)
{
  const auto spec = pass::spec_for("sync-stock", options, on_progress);
  auto report = pass::run_reported<SyncChannelReport>(
    config, spec, clock,
    [&](pass::ChannelRun& run, SyncChannelReport& slot) { ChannelSync(run, options, slot, make_http).sync(); },
    [](const SyncReport& r) {
      std::int64_t pushed = 0, failed = 0, drift = 0;
      for (const auto& c : r.channels) {
        pushed += c.pushed;
        failed += c.failed + (c.status == "failed" ? 1 : 0);
        drift += c.drift;
      }
      return fmt::format("uoms sync-stock #{} {}: {} channels, {} pushed, {} failed, {} drifted{}", r.job_id,
                         r.status, r.channels.size(), pushed, failed, drift, pass::first_failure_note(r));
    },
    [](const SyncChannelReport& c) {
      return nlohmann::json{{"pushed", c.pushed}, {"failed", c.failed}, {"drift", c.drift}};
    });
  report.dry_run = options.dry_run;
  return report;
}

} // namespace uoms::stock
