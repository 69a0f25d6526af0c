#include "uoms/metrics.hpp"

#include "uoms/error.hpp"
#include "uoms/log.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <map>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace uoms::metrics {

namespace {

// Label values escape backslash, double quote and newline (exposition format 0.0.4).
std::string escape(std::string_view value)
{
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

// One metric family: its HELP and TYPE lines once, then every sample, as the format requires.
class Family
{
public:
  Family(std::string name, std::string help) : m_name(std::move(name)), m_help(std::move(help)) {}

  void add(const std::vector<std::pair<std::string, std::string>>& labels, double value)
  {
    std::string line = m_name;
    if (!labels.empty()) {
      line += '{';
      for (std::size_t i = 0; i < labels.size(); ++i) {
        line += fmt::format("{}{}=\"{}\"", i ? "," : "", labels[i].first, escape(labels[i].second));
      }
      line += '}';
    }
    m_samples += fmt::format("{} {}\n", line, value);
  }

  void write(std::string& out) const
  {
    if (m_samples.empty()) return;
    out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", m_name, m_help, m_name);
    out += m_samples;
  }

private:
  std::string m_name, m_help, m_samples;
};

double epoch_seconds(std::string_view time)
{
  auto t = parse_time(time);
  return t ? static_cast<double>(to_epoch_millis(*t)) / 1000.0 : 0.0;
}

} // namespace

std::string render(const status::Report& r)
{
  Family success("uoms_pass_last_success_timestamp_seconds",
                 "Unix time the last successful (completed) pass of this kind finished on the channel.");
  Family last_run("uoms_pass_last_run_timestamp_seconds", "Unix time the last pass of this kind finished on the channel.");
  Family duration("uoms_pass_last_duration_seconds", "How long the channel's part of the last pass took.");
  Family status_f("uoms_pass_last_status", "1 for the status the last pass of this kind ended with on the channel.");
  Family failures("uoms_pass_consecutive_failures", "Passes in a row of this kind that failed or were partial.");
  Family counts("uoms_pass_last_records", "Job detail rows of the last pass by action (orders created, updated, "
                                          "unchanged, failed; uploads; pushes).");
  Family totals("uoms_pass_last_total", "The last pass's counters: total, succeeded, failed, skipped.");
  Family requests("uoms_pass_last_http_requests", "HTTP requests the last pass sent for the channel, retries included.");
  Family throttled("uoms_pass_last_http_throttled", "Of those, answered 429 or the marketplace's own rate-limit error.");
  Family watermark("uoms_collect_watermark_timestamp_seconds", "Unix time of the channel's collect watermark.");
  Family lag("uoms_collect_watermark_lag_seconds", "How far the collect watermark was behind when this file was written.");
  Family uploads("uoms_tracking_uploads", "Tracking numbers by outbox state (attention = parked for an operator).");
  Family unmapped("uoms_listings_unmapped", "Listings of the channel that map to no SKU.");
  Family unmapped_items("uoms_order_items_unmapped", "Collected order items whose listing maps to no SKU.");
  Family oversold_l("uoms_listings_oversold", "Mapped listings whose SKU has more reserved than on hand.");
  Family oversold("uoms_products_oversold", "SKUs with more units reserved than on hand.");
  Family attention("uoms_channel_needs_attention", "1 when `uoms status` says the channel needs attention.");
  Family generated("uoms_metrics_generated_timestamp_seconds", "Unix time this file was written.");

  for (const auto& c : r.channels) {
    for (const auto& p : c.passes) {
      if (!p.last) continue;
      const auto& l = *p.last;
      const std::vector<std::pair<std::string, std::string>> labels{{"channel", c.name}, {"kind", p.kind}};
      if (!l.last_success_at.empty()) success.add(labels, epoch_seconds(l.last_success_at));
      last_run.add(labels, epoch_seconds(l.last_finished_at));
      duration.add(labels, static_cast<double>(l.last_duration_ms) / 1000.0);
      for (std::string_view s : {"completed", "partial", "failed"}) {
        auto with = labels;
        with.emplace_back("status", s);
        status_f.add(with, l.last_status == s ? 1 : 0);
      }
      failures.add(labels, static_cast<double>(l.consecutive_failures));
      auto j = nlohmann::json::parse(l.counts_json, nullptr, false);
      if (j.is_object()) {
        for (std::string_view key : {"total", "succeeded", "failed", "skipped"}) {
          if (j.contains(key) && j[key].is_number()) {
            auto with = labels;
            with.emplace_back("counter", key);
            totals.add(with, j[key].get<double>());
          }
        }
        if (j.contains("actions") && j["actions"].is_object()) {
          for (const auto& [action, n] : j["actions"].items()) {
            auto with = labels;
            with.emplace_back("action", action);
            counts.add(with, n.is_number() ? n.get<double>() : 0);
          }
        }
      }
      requests.add(labels, static_cast<double>(l.http_requests));
      throttled.add(labels, static_cast<double>(l.http_throttled));
    }
    const std::vector<std::pair<std::string, std::string>> ch{{"channel", c.name}};
    for (const auto& p : c.passes) {
      if (p.kind != "collect" || p.watermark.empty()) continue;
      watermark.add(ch, epoch_seconds(p.watermark));
      if (p.lag) lag.add(ch, static_cast<double>(p.lag->count()) / 1000.0);
    }
    for (std::string_view state : {"pending", "sending", "attention", "failed", "uploaded", "skipped"}) {
      auto with = ch;
      with.emplace_back("state", state);
      uploads.add(with, static_cast<double>(c.shipments_in(state)));
    }
    unmapped.add(ch, static_cast<double>(c.unmapped_listings));
    unmapped_items.add(ch, static_cast<double>(c.unmapped_items));
    oversold_l.add(ch, static_cast<double>(c.oversold_listings));
    attention.add(ch, c.enabled && !c.attention.empty() ? 1 : 0);
  }
  oversold.add({}, static_cast<double>(r.oversold.size()));
  generated.add({}, static_cast<double>(to_epoch_millis(r.now)) / 1000.0);

  std::string out;
  for (const auto* f : {&success, &last_run, &duration, &status_f, &failures, &counts, &totals, &requests, &throttled,
                        &watermark, &lag, &uploads, &unmapped, &unmapped_items, &oversold_l, &oversold, &attention,
                        &generated}) {
    f->write(out);
  }
  return out;
}

void write_atomically(const std::filesystem::path& path, const std::string& text)
{
  const auto folder = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  // A name the collector ignores (it reads *.prom only) while the file is incomplete.
  std::string temp = (folder / ("." + path.filename().string() + ".XXXXXX")).string();
  auto fail = [&](std::string_view what) {
    throw Failure(fmt::format("metrics file {}: {}: {}", path.string(), what, std::strerror(errno)));
  };
  int fd = ::mkstemp(temp.data());
  if (fd < 0) fail("cannot create a temporary file");
  bool ok = ::fchmod(fd, 0644) == 0;
  for (std::size_t done = 0; ok && done < text.size();) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  const int saved = errno;
  if (::close(fd) != 0) ok = false;
  if (!ok) {
    ::unlink(temp.c_str());
    errno = saved;
    fail("cannot write");
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    ::unlink(temp.c_str());
    errno = e;
    fail("cannot rename into place");
  }
}

void write_textfile(const config::Config& config, store::Database& db, TimePoint now)
{
  try {
    write_atomically(config.metrics_textfile, render(status::build(db, status::Thresholds::from(config), now)));
  } catch (const std::exception& e) {
    log::warn("{}", e.what());
  }
}

} // namespace uoms::metrics
