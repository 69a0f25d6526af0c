#include "uoms/status.hpp"

#include "uoms/collect.hpp"
#include "uoms/store/stock.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace uoms::status {

Thresholds Thresholds::from(const config::Config& config)
{
  return {config.status_max_age, config.status_max_age_listings, config.status_max_failures,
          config.status_max_lag};
}

std::int64_t Channel::shipments_in(std::string_view state) const
{
  auto it = shipments.find(std::string(state));
  return it == shipments.end() ? 0 : it->second;
}

std::string short_age(Millis age)
{
  const bool negative = age.count() < 0;
  const long long s = std::abs(age.count()) / 1000;
  std::string text;
  if (s < 60) text = fmt::format("{}s", s);
  else if (s < 3600) text = fmt::format("{}m", s / 60);
  else if (s < 86400) text = fmt::format("{}h{:02}m", s / 3600, (s / 60) % 60);
  else text = fmt::format("{}d{:02}h", s / 86400, (s / 3600) % 24);
  return negative ? "-" + text : text;
}

namespace {

std::optional<Millis> age_of(std::string_view time, TimePoint now)
{
  if (time.empty()) return std::nullopt;
  auto t = parse_time(time);
  if (!t) return std::nullopt;
  return now - *t;
}

void check_pass(Pass& p, const Channel& channel, const Thresholds& th)
{
  if (!channel.enabled) return;
  if (!p.last) {
    if (p.kind == "collect") p.attention.push_back("never collected");
    return;
  }
  const auto& last = *p.last;
  const Millis max_age = p.kind == "listings-fetch" ? th.max_age_listings : th.max_age;
  if (last.last_status == "failed" && last.last_auth_error) {
    p.attention.push_back(fmt::format("credentials or configuration rejected: {}", last.last_error));
  } else if (last.consecutive_failures >= th.max_failures) {
    p.attention.push_back(fmt::format("{} passes in a row failed", last.consecutive_failures));
  }
  if (p.success_age && *p.success_age > max_age) {
    p.attention.push_back(fmt::format("last success {} ago (status.max_age{} {})", short_age(*p.success_age),
                                      p.kind == "listings-fetch" ? "_listings" : "", short_age(max_age)));
  }
  if (p.lag && *p.lag > th.max_lag) {
    p.attention.push_back(
      fmt::format("watermark {} behind (status.max_lag {})", short_age(*p.lag), short_age(th.max_lag)));
  }
}

} // namespace

Report build(store::Database& db, const Thresholds& th, TimePoint now)
{
  Report report;
  report.now = now;
  store::Health health(db);
  const auto rows = store::Channels(db).list();
  const auto passes = store::ChannelPasses(db).list();
  const auto locks = health.locks();
  const auto tokens = health.tokens();
  const auto watermarks = health.watermarks(collect::k_watermark_key);
  const auto shipments = health.shipments();
  const auto unmapped = health.unmapped_listings();
  const auto oversold_listings = health.oversold_listings();
  const auto unmapped_items = store::Ledger(db).unmapped();
  report.oversold = health.oversold();

  for (const auto& row : rows) {
    Channel c;
    c.name = row.name;
    c.kind = row.kind;
    c.enabled = row.enabled;
    for (const auto& s : shipments) {
      if (s.channel == row.name) c.shipments[s.what] = s.count;
    }
    for (const auto& u : unmapped) {
      if (u.channel == row.name) c.unmapped_listings = u.count;
    }
    for (const auto& u : unmapped_items) {
      if (u.channel == row.name) {
        c.unmapped_items = u.items;
        c.unmapped_units = u.units;
      }
    }
    for (const auto& o : oversold_listings) {
      if (o.channel == row.name) c.oversold_listings = o.count;
    }
    for (const auto& t : tokens) {
      if (t.channel_id == row.id) c.tokens.push_back(t);
    }
    for (auto kind : k_pass_kinds) {
      Pass p;
      p.kind = kind;
      for (const auto& s : passes) {
        if (s.channel_id == row.id && s.kind == kind) p.last = s;
      }
      if (p.last) p.success_age = age_of(p.last->last_success_at, now);
      if (kind == "collect") {
        for (const auto& w : watermarks) {
          if (w.channel == row.name) p.watermark = w.what;
        }
        p.lag = age_of(p.watermark, now);
      }
      const std::string lock_name = fmt::format("{}:{}", kind, row.name);
      for (const auto& l : locks) {
        if (l.name == lock_name) {
          p.lock = l;
          p.lock_expired = l.expires_at < format_utc(now);
        }
      }
      check_pass(p, c, th);
      // The outbox and the ledger wait for an operator whichever pass ran last.
      if (c.enabled && kind == "upload-tracking" && c.shipments_in("attention") > 0) {
        p.attention.push_back(fmt::format("{} tracking numbers parked (uoms tracking pending --attention)",
                                          c.shipments_in("attention")));
      }
      if (c.enabled && kind == "sync-stock" && c.oversold_listings > 0) {
        p.attention.push_back(fmt::format("{} listings oversold (uoms stock show)", c.oversold_listings));
      }
      for (const auto& a : p.attention) c.attention.push_back(fmt::format("{}: {}", kind, a));
      c.passes.push_back(std::move(p));
    }
    if (!c.attention.empty()) ++report.channels_needing_attention;
    report.channels.push_back(std::move(c));
  }
  return report;
}

namespace {

nlohmann::json opt_text(const std::string& s)
{
  return s.empty() ? nlohmann::json() : nlohmann::json(s);
}

nlohmann::json opt_seconds(const std::optional<Millis>& m)
{
  return m ? nlohmann::json(m->count() / 1000) : nlohmann::json();
}

nlohmann::json pass_json(const Pass& p, TimePoint now)
{
  nlohmann::json j = {{"kind", p.kind}, {"ran", p.last.has_value()}, {"attention", p.attention}};
  if (p.last) {
    const auto& l = *p.last;
    nlohmann::json counts = nlohmann::json::parse(l.counts_json, nullptr, false);
    j.update({{"last_status", l.last_status},
              {"last_job_id", l.last_job_id},
              {"last_started_at", l.last_started_at},
              {"last_finished_at", l.last_finished_at},
              {"last_duration_ms", l.last_duration_ms},
              {"last_success_at", opt_text(l.last_success_at)},
              {"last_success_job_id", l.last_success_job_id ? nlohmann::json(l.last_success_job_id) : nlohmann::json()},
              {"last_success_age_s", opt_seconds(p.success_age)},
              {"consecutive_failures", l.consecutive_failures},
              {"error", l.last_status == "completed" ? nlohmann::json() : opt_text(l.last_error)},
              {"auth_error", l.last_auth_error},
              {"counts", counts.is_discarded() ? nlohmann::json::object() : counts},
              {"http_requests", l.http_requests},
              {"http_throttled", l.http_throttled}});
  }
  if (p.kind == "collect") {
    j["watermark"] = opt_text(p.watermark);
    j["lag_s"] = opt_seconds(p.lag);
  }
  if (p.lock) {
    const auto& l = *p.lock;
    j["lock"] = {{"job_id", l.job_id},
                 {"pid", l.pid},
                 {"host", l.host},
                 {"acquired_at", l.acquired_at},
                 {"heartbeat_at", l.heartbeat_at},
                 {"expires_at", l.expires_at},
                 {"age_s", opt_seconds(age_of(l.acquired_at, now))},
                 {"expired", p.lock_expired}};
  } else {
    j["lock"] = nullptr;
  }
  return j;
}

} // namespace

nlohmann::json to_json(const Report& report)
{
  nlohmann::json channels = nlohmann::json::array();
  for (const auto& c : report.channels) {
    nlohmann::json passes = nlohmann::json::array();
    for (const auto& p : c.passes) passes.push_back(pass_json(p, report.now));
    nlohmann::json tokens = nlohmann::json::array();
    for (const auto& t : c.tokens) {
      auto age = age_of(t.expires_at, report.now);
      tokens.push_back({{"name", t.name},
                        {"expires_at", t.expires_at},
                        {"expires_in_s", age ? nlohmann::json(-age->count() / 1000) : nlohmann::json()}});
    }
    channels.push_back({{"name", c.name},
                        {"kind", c.kind},
                        {"enabled", c.enabled},
                        {"needs_attention", !c.attention.empty()},
                        {"attention", c.attention},
                        {"passes", passes},
                        {"uploads",
                         {{"pending", c.shipments_in("pending")},
                          {"sending", c.shipments_in("sending")},
                          {"parked", c.shipments_in("attention")},
                          {"failed", c.shipments_in("failed")},
                          {"uploaded", c.shipments_in("uploaded")}}},
                        {"unmapped_listings", c.unmapped_listings},
                        {"unmapped_items", c.unmapped_items},
                        {"oversold_listings", c.oversold_listings},
                        {"tokens", tokens}});
  }
  nlohmann::json oversold = nlohmann::json::array();
  for (const auto& o : report.oversold) {
    oversold.push_back({{"sku", o.sku}, {"on_hand", o.on_hand}, {"reserved", o.reserved}});
  }
  return {{"now", format_utc(report.now)},
          {"needs_attention", report.needs_attention()},
          {"channels_needing_attention", report.channels_needing_attention},
          {"channels", channels},
          {"oversold", oversold}};
}

} // namespace uoms::status
