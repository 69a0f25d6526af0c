#include "uoms/connect.hpp"

#include "uoms/error.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace uoms::channels {

namespace {

std::optional<double> parse_rate(std::string_view text)
{
  try {
    std::size_t used = 0;
    const double v = std::stod(std::string(text), &used);
    if (used == text.size() && v >= 0) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

const config::KindDefaults* kind_defaults(const config::Config& config, const std::string& kind)
{
  auto it = config.kinds.find(kind);
  return it == config.kinds.end() ? nullptr : &it->second;
}

} // namespace

HttpFactory curl_factory(Clock& clock)
{
  return [&clock](const net::HttpOptions& options) { return net::make_curl_client(options, clock); };
}

net::HttpOptions http_options(const Channel& channel, const config::Config& config)
{
  net::HttpOptions options = config.http;
  options.rate_limit = channel.spec->default_rate_limit;
  options.is_throttled = channel.spec->is_throttled;
  // Every marketplace answers JSON: a 2xx body that does not parse was cut short or
  // mangled on the way, and is worth another try like a reset connection.
  options.is_incomplete = [](net::Response& response) {
    if (response.status < 200 || response.status >= 300) {
      return false;
    }
    if (response.body_file != nullptr) {
      // An answer kept in a file: read it through (no tree is built), then rewind it.
      const int first = std::fgetc(response.body_file);
      if (first == EOF) {
        std::rewind(response.body_file);
        return false;
      }
      std::rewind(response.body_file);
      const bool complete = nlohmann::json::accept(response.body_file);
      std::rewind(response.body_file);
      return !complete;
    }
    if (response.body.empty()) {
      return false;
    }
    // Parsed once: the connector takes this tree instead of lexing the body again.
    auto parsed = std::make_shared<nlohmann::json>(nlohmann::json::parse(response.body, nullptr, false));
    if (parsed->is_discarded()) {
      return true;
    }
    response.json = std::move(parsed);
    return false;
  };
  if (const auto* kd = kind_defaults(config, channel.row.kind); kd && kd->rate_limit) {
    options.rate_limit = *kd->rate_limit;
  }
  // Only a rate the channel set itself beats [kinds.X]: Channel::settings also carries the
  // kind's defaults, so read what was stored.
  const auto stored = nlohmann::json::parse(channel.row.settings_json, nullptr, false);
  if (stored.is_object() && stored.contains("rate_limit") && stored["rate_limit"].is_string() &&
      !stored["rate_limit"].get_ref<const std::string&>().empty()) {
    const auto& text = stored["rate_limit"].get_ref<const std::string&>();
    const auto rate = parse_rate(text);
    if (!rate) {
      throw ConfigError(fmt::format("channel {}: rate_limit \"{}\" is not a number", channel.row.name, text));
    }
    options.rate_limit = *rate;
  }
  return options;
}

Connected connect(const Channel& channel, store::Database& db, const crypto::Fernet& key,
                  const config::Config& config, Clock& clock, const HttpFactory& make_http)
{
  check_required(channel);
  Connected out;
  out.http = make_http(http_options(channel, config));
  out.tokens = token_store(db, key, channel.row.id, clock);
  connectors::ChannelContext context;
  context.name = channel.row.name;
  context.settings = channel.settings;
  context.secrets = channel.secrets;
  context.http = out.http.get();
  context.clock = &clock;
  context.tokens = out.tokens.get();
  context.token_margin = config.token_margin;
  if (const auto* kd = kind_defaults(config, channel.row.kind); kd && kd->page_size) {
    context.page_size = *kd->page_size;
  }
  const auto channel_id = channel.row.id;
  context.already_processed = [&db, channel_id](std::string_view file) {
    return store::CollectState(db).processed(channel_id, file);
  };
  out.connector = channel.spec->make(context);
  return out;
}

} // namespace uoms::channels
