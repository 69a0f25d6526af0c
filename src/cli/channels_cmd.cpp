#include "cli.hpp"

#include "uoms/channels.hpp"
#include "uoms/connect.hpp"
#include "uoms/error.hpp"
#include "uoms/log.hpp"

#include <fmt/format.h>

#include <iostream>

namespace uoms::cli {

namespace {

struct ChannelOptions
{
  std::string name;
  std::string kind;
  std::vector<std::string> set, unset, secret, secret_env, secret_stdin;
  bool delete_orders = false;
  std::string code, redirect = "https://localhost/";
};

std::pair<std::string, std::string> split_assignment(const std::string& text, std::string_view flag)
{
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw UsageError(fmt::format("{} expects key=value, got \"{}\"", flag, eq == 0 ? text : text.substr(0, 40)));
  }
  return {text.substr(0, eq), text.substr(eq + 1)};
}

channels::Changes changes_from(const ChannelOptions& o, Context& ctx)
{
  channels::Changes c;
  for (const auto& s : o.set) {
    auto [k, v] = split_assignment(s, "--set");
    c.set[k] = v;
  }
  c.unset = o.unset;
  for (const auto& s : o.secret) {
    auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw UsageError("--secret expects key=value");
    }
    c.secrets[s.substr(0, eq)] = s.substr(eq + 1);
  }
  for (const auto& s : o.secret_env) {
    auto [k, var] = split_assignment(s, "--secret-env");
    // The environment was read once at start-up; only UOMS_* is kept there, so other
    // variables are read here, once, by name.
    const char* value = std::getenv(var.c_str());
    if (!value || !*value) {
      // The command line names a secret it does not supply: a usage error, like --secret-stdin.
      throw UsageError(fmt::format("--secret-env {}: environment variable {} is not set", k, var));
    }
    c.secrets[k] = value;
  }
  for (const auto& k : o.secret_stdin) {
    std::string line;
    if (!std::getline(std::cin, line)) {
      throw UsageError(fmt::format("--secret-stdin {}: no line on standard input", k));
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    c.secrets[k] = line;
  }
  (void)ctx;
  return c;
}

nlohmann::json channel_json(const store::ChannelRow& row, const std::vector<std::string>& secret_names,
                            std::int64_t orders)
{
  nlohmann::json settings = nlohmann::json::parse(row.settings_json, nullptr, false);
  return {{"name", row.name},
          {"kind", row.kind},
          {"enabled", row.enabled},
          {"settings", settings.is_discarded() ? nlohmann::json::object() : settings},
          {"secrets", secret_names},
          {"orders", orders},
          {"created_at", row.created_at},
          {"updated_at", row.updated_at}};
}

void print_channel(Context& ctx, const channels::Channel& c)
{
  std::vector<std::string> names;
  for (const auto& [k, v] : c.secrets) names.push_back(k);
  auto orders = store::Channels(ctx.read_db()).count_orders(c.row.id);
  if (ctx.json) {
    print_json(channel_json(c.row, names, orders));
    return;
  }
  if (ctx.quiet) return;
  fmt::print("name      {}\nkind      {}\nenabled   {}\norders    {}\n", c.row.name, c.row.kind,
             c.row.enabled ? "yes" : "no", orders);
  for (const auto& f : c.spec->settings) {
    auto it = c.settings.find(f.name);
    fmt::print("setting   {} = {}\n", f.name, it == c.settings.end() ? "(unset)" : it->second);
  }
  for (const auto& f : c.spec->secrets) {
    fmt::print("secret    {} = {}\n", f.name, c.secrets.count(f.name) ? "********" : "(unset)");
  }
}

std::string now_text(Context& ctx)
{
  return format_utc(ctx.clock->now());
}

int run_list(Context& ctx)
{
  auto& db = ctx.read_db();
  auto rows = store::Channels(db).list();
  if (ctx.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : rows) {
      nlohmann::json settings = nlohmann::json::parse(r.settings_json, nullptr, false);
      out.push_back({{"name", r.name}, {"kind", r.kind}, {"enabled", r.enabled}, {"orders", store::Channels(db).count_orders(r.id)},
                     {"watermark", store::CollectState(db).state(r.id, "collect.watermark").value_or("")}});
    }
    print_json({{"channels", out}});
    return 0;
  }
  if (rows.empty()) {
    if (!ctx.quiet) fmt::print("no channels (add one with `uoms channels add NAME --kind KIND`)\n");
    return 0;
  }
  std::vector<std::vector<std::string>> table;
  for (const auto& r : rows) {
    table.push_back({r.name, r.kind, r.enabled ? "yes" : "no", std::to_string(store::Channels(db).count_orders(r.id)),
                     store::CollectState(db).state(r.id, "collect.watermark").value_or("-")});
  }
  print_table({"NAME", "KIND", "ENABLED", "ORDERS", "COLLECTED UNTIL"}, table);
  return 0;
}

// A channel's connector wired as a pass wires it (channels::connect), with one attempt
// per request: it obtains or refreshes tokens exactly as a pass would, and keeps them.
struct LiveChannel
{
  crypto::Fernet key;
  channels::Channel channel;
  channels::Connected connected;

  LiveChannel(Context& ctx, const std::string& name)
    : key(channels::load_key(ctx.config())),
      channel(channels::load(ctx.db(), name, &key))
  {
    channels::verify_key(ctx.db(), key);
    auto& clock = *ctx.clock;
    connected = channels::connect(channel, ctx.db(), key, ctx.config(), clock, [&clock](net::HttpOptions options) {
      options.retry.max_attempts = 1;
      return net::make_curl_client(std::move(options), clock);
    });
  }

  connectors::Connector& connector() { return *connected.connector; }
};

[[noreturn]] void throw_connector_error(const std::string& name, const connectors::ConnectorError& e)
{
  auto code = e.kind == connectors::ErrorKind::auth || e.kind == connectors::ErrorKind::config ? ExitCode::config
                                                                                               : ExitCode::failed;
  throw Error(code, fmt::format("channel {}: {} ({})", name, log::redact(e.message), to_string(e.kind)));
}

int run_authorize(Context& ctx, const std::string& name, const std::string& code, const std::string& redirect)
{
  LiveChannel live(ctx, name);
  auto result = code.empty() ? live.connector().authorization_url(redirect) : live.connector().authorize(code);
  if (!result) {
    throw_connector_error(name, result.error());
  }
  if (ctx.json) {
    print_json({{"channel", name}, {code.empty() ? "url" : "message", *result}});
  } else if (code.empty()) {
    fmt::print("open this URL as the shop owner, then run `uoms channels authorize {} --code CODE` with the code "
               "it redirects to:\n{}\n",
               name, *result);
  } else if (!ctx.quiet) {
    fmt::print("channel {}: authorised: {}\n", name, *result);
  }
  return 0;
}

int run_test(Context& ctx, const std::string& name)
{
  LiveChannel live(ctx, name);
  auto result = live.connector().check();
  if (!result) {
    throw_connector_error(name, result.error());
  }
  if (ctx.json) {
    print_json({{"channel", name}, {"ok", true}, {"message", *result}});
  } else if (!ctx.quiet) {
    fmt::print("channel {}: ok: {}\n", name, *result);
  }
  return 0;
}

} // namespace

Handler setup_channels(CLI::App& app, Context& ctx)
{
  require_subcommand(app);
  auto o = std::make_shared<ChannelOptions>();
  auto add_fields = [&](CLI::App* sub) {
    sub->add_option("--set", o->set, "a setting, key=value (repeatable)");
    sub->add_option("--secret", o->secret, "a secret, key=value (visible in shell history: prefer --secret-env)");
    sub->add_option("--secret-env", o->secret_env, "a secret from an environment variable, key=VARNAME");
    sub->add_option("--secret-stdin", o->secret_stdin, "a secret read as one line from standard input, key");
  };
  std::vector<std::string> kinds;
  for (const auto& k : connectors::kinds()) kinds.push_back(k.kind);
  std::string kinds_help = "marketplace kind: ";
  for (const auto& k : connectors::kinds()) kinds_help += k.kind + " ";

  auto* add = app.add_subcommand("add", "add a channel (secrets are encrypted at rest)");
  add->add_option("name", o->name, "channel name, e.g. coupang-main")->required();
  add->add_option("--kind", o->kind, kinds_help)->required();
  add_fields(add);
  add->footer("Example:\n  uoms channels add shop --kind csv --set path=./exports\n"
              "  uoms channels add cp --kind coupang --set vendor_id=A00012345 --secret-env access_key=CP_AK "
              "--secret-env secret_key=CP_SK");

  auto* list = app.add_subcommand("list", "list channels");
  auto* show = app.add_subcommand("show", "show one channel (secrets are never printed)");
  show->add_option("name", o->name, "channel name")->required();
  auto* update = app.add_subcommand("update", "change a channel's settings or secrets");
  update->add_option("name", o->name, "channel name")->required();
  add_fields(update);
  update->add_option("--unset", o->unset, "remove an optional setting or secret (repeatable)");
  auto* enable = app.add_subcommand("enable", "include a channel in passes");
  enable->add_option("name", o->name, "channel name")->required();
  auto* disable = app.add_subcommand("disable", "leave a channel out of passes");
  disable->add_option("name", o->name, "channel name")->required();
  auto* remove = app.add_subcommand("remove", "remove a channel");
  remove->add_option("name", o->name, "channel name")->required();
  remove->add_flag("--delete-orders", o->delete_orders, "also delete the channel's collected orders");
  auto* test = app.add_subcommand("test", "check the settings and make one call to the marketplace");
  test->add_option("name", o->name, "channel name")->required();

  auto* authorize = app.add_subcommand("authorize", "browser authorisation (Shopee): print the URL, then take the code");
  authorize->add_option("name", o->name, "channel name")->required();
  authorize->add_option("--code", o->code, "the code the authorisation redirect carried");
  authorize->add_option("--redirect", o->redirect, "where Shopee redirects after authorisation");
  authorize->footer("Example:\n  uoms channels authorize shopee-sg\n  uoms channels authorize shopee-sg --code 4b6d...");

  return [=, &ctx]() -> int {
    if (list->parsed()) return run_list(ctx);
    if (authorize->parsed()) return run_authorize(ctx, o->name, o->code, o->redirect);
    if (test->parsed()) return run_test(ctx, o->name);
    if (show->parsed()) {
      // Decrypting proves the key is right; names of secrets only are printed.
      auto key = channels::load_key(ctx.config());
      auto channel = channels::load(ctx.db(), o->name, &key);
      channels::verify_key(ctx.db(), key);
      print_channel(ctx, channel);
      return 0;
    }
    if (add->parsed()) {
      auto key = channels::load_key(ctx.config());
      auto changes = changes_from(*o, ctx);
      auto c = channels::add(ctx.db(), key, o->name, o->kind, changes, now_text(ctx));
      if (!ctx.json && !ctx.quiet) fmt::print("added channel {} ({})\n", c.row.name, c.row.kind);
      if (ctx.json) print_channel(ctx, c);
      return 0;
    }
    if (update->parsed()) {
      auto key = channels::load_key(ctx.config());
      auto c = channels::update(ctx.db(), key, o->name, changes_from(*o, ctx), now_text(ctx));
      if (!ctx.json && !ctx.quiet) fmt::print("updated channel {}\n", c.row.name);
      if (ctx.json) print_channel(ctx, c);
      return 0;
    }
    if (enable->parsed() || disable->parsed()) {
      auto c = channels::load(ctx.db(), o->name, nullptr);
      c.row.enabled = enable->parsed();
      c.row.updated_at = now_text(ctx);
      store::Channels(ctx.db()).update(c.row);
      if (ctx.json) print_json({{"name", c.row.name}, {"enabled", c.row.enabled}});
      else if (!ctx.quiet) fmt::print("channel {} {}\n", c.row.name, c.row.enabled ? "enabled" : "disabled");
      return 0;
    }
    if (remove->parsed()) {
      auto c = channels::load(ctx.db(), o->name, nullptr);
      auto orders = store::Channels(ctx.db()).count_orders(c.row.id);
      if (orders > 0 && !o->delete_orders) {
        throw UsageError(fmt::format("channel {} has {} collected orders; use --delete-orders to remove them "
                                     "too, or `uoms channels disable {}` to keep them",
                                     c.row.name, orders, c.row.name));
      }
      store::Channels(ctx.db()).remove(c.row.id, o->delete_orders);
      if (ctx.json) print_json({{"name", c.row.name}, {"removed", true}, {"orders_deleted", orders}});
      else if (!ctx.quiet) fmt::print("removed channel {} ({} orders deleted)\n", c.row.name, orders);
      return 0;
    }
    return static_cast<int>(ExitCode::usage);
  };
}

} // namespace uoms::cli
