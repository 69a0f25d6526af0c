#include "uoms/channels.hpp"

#include "uoms/error.hpp"
#include "uoms/log.hpp"
#include "uoms/util/text.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace uoms::channels {

namespace {

const connectors::FieldSpec* find_field(const std::vector<connectors::FieldSpec>& fields, std::string_view name)
{
  auto it = std::find_if(fields.begin(), fields.end(), [&](const auto& f) { return f.name == name; });
  return it == fields.end() ? nullptr : &*it;
}

std::vector<std::string> names_of(const std::vector<connectors::FieldSpec>& fields)
{
  std::vector<std::string> names;
  for (const auto& f : fields) names.push_back(f.name);
  return names;
}

connectors::Settings parse_object(const std::string& text, std::string_view what)
{
  connectors::Settings out;
  try {
    auto j = nlohmann::json::parse(text.empty() ? std::string("{}") : text);
    for (auto& [k, v] : j.items()) {
      out[k] = v.is_string() ? v.get<std::string>() : v.dump();
    }
  } catch (const nlohmann::json::exception& e) {
    throw Failure(fmt::format("{}: stored JSON is corrupt: {}", what, e.what()));
  }
  return out;
}

std::string to_json(const connectors::Settings& s)
{
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : s) j[k] = v;
  return j.dump();
}

std::string read_file(const std::filesystem::path& path)
{
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

} // namespace

crypto::Fernet load_key(const config::Config& config)
{
  if (!config.secret_key.empty()) {
    auto key = crypto::Fernet::from_key(config.secret_key);
    if (!key) {
      throw ConfigError("UOMS_SECRET_KEY is not a Fernet key (32 bytes in url-safe base64, 44 characters)");
    }
    return *key;
  }
  std::error_code ec;
  if (!std::filesystem::exists(config.key_file, ec)) {
    throw ConfigError(fmt::format("secret key file {} not found; run `uoms init` or set UOMS_SECRET_KEY",
                                  config.key_file.string()));
  }
  std::string text = read_file(config.key_file);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  auto key = crypto::Fernet::from_key(text);
  if (!key) {
    throw ConfigError(fmt::format("secret key file {} does not hold a Fernet key", config.key_file.string()));
  }
  struct stat st {};
  if (::stat(config.key_file.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    log::warn("secret key file {} is readable by other users; run chmod 600 on it", config.key_file.string());
  }
  return *key;
}

void write_key_file(const std::filesystem::path& path, bool force)
{
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !force) {
    throw ConfigError(fmt::format("{} already exists (use --force to overwrite)", path.string()));
  }
  auto tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw ConfigError(fmt::format("cannot write {}: {}", tmp.string(), std::strerror(errno)));
  }
  std::string text = crypto::Fernet::generate_key() + "\n";
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    throw ConfigError(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
  }
}

void check_name(std::string_view name)
{
  bool ok = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
  if (!ok) {
    throw UsageError(fmt::format("invalid channel name \"{}\": use 1-64 letters, digits, '.', '-' or '_'", name));
  }
}

void apply(const connectors::KindSpec& spec, Channel& channel, const Changes& changes)
{
  for (const auto& [k, v] : changes.set) {
    if (!find_field(spec.settings, k)) {
      std::string hint = find_field(spec.secrets, k) ? fmt::format(" (it is a secret: use --secret {}=...)", k)
                                                     : util::did_you_mean(k, names_of(spec.settings));
      throw ConfigError(fmt::format("kind {} has no setting \"{}\"{}", spec.kind, k, hint));
    }
    const auto* field = find_field(spec.settings, k);
    channel.settings[k] = field->is_path && !v.empty() ? std::filesystem::absolute(v).lexically_normal().string() : v;
  }
  for (const auto& k : changes.unset) {
    if (!find_field(spec.settings, k) && !find_field(spec.secrets, k)) {
      throw ConfigError(fmt::format("kind {} has no field \"{}\"", spec.kind, k));
    }
    channel.settings.erase(k);
    channel.secrets.erase(k);
  }
  for (const auto& [k, v] : changes.secrets) {
    if (!find_field(spec.secrets, k)) {
      std::string hint = find_field(spec.settings, k) ? fmt::format(" (it is a setting: use --set {}=...)", k)
                                                      : util::did_you_mean(k, names_of(spec.secrets));
      throw ConfigError(fmt::format("kind {} has no secret \"{}\"{}", spec.kind, k, hint));
    }
    if (v.empty()) {
      throw UsageError(fmt::format("secret \"{}\" is empty", k)); // what the command line gave
    }
    channel.secrets[k] = v;
  }
}

void check_required(const Channel& channel)
{
  std::vector<std::string> missing;
  for (const auto& f : channel.spec->settings) {
    if (f.required && channel.settings.count(f.name) == 0) missing.push_back("setting " + f.name);
  }
  for (const auto& f : channel.spec->secrets) {
    if (f.required && channel.secrets.count(f.name) == 0) missing.push_back("secret " + f.name);
  }
  if (!missing.empty()) {
    throw ConfigError(fmt::format("channel {} ({}) is missing {}", channel.row.name, channel.spec->kind,
                                  fmt::join(missing, ", ")));
  }
}

namespace {

const connectors::KindSpec& spec_of(std::string_view kind)
{
  const auto* spec = connectors::find_kind(kind);
  if (!spec) {
    std::vector<std::string> names;
    for (const auto& k : connectors::kinds()) names.push_back(k.kind);
    throw ConfigError(fmt::format("unknown channel kind \"{}\"{}; kinds: {}", kind, util::did_you_mean(kind, names),
                                  fmt::join(names, ", ")));
  }
  return *spec;
}

void store_secrets(Channel& c, const crypto::Fernet& key)
{
  for (const auto& [k, v] : c.secrets) log::add_secret(v);
  c.row.secrets_token = c.secrets.empty() ? std::string() : key.encrypt(to_json(c.secrets));
}

} // namespace

Channel from_row(const store::ChannelRow& row, const crypto::Fernet* key)
{
  Channel c;
  c.row = row;
  c.spec = &spec_of(row.kind);
  for (const auto& f : c.spec->settings) {
    if (!f.default_value.empty()) c.settings[f.name] = f.default_value;
  }
  for (auto& [k, v] : parse_object(row.settings_json, "channel " + row.name)) c.settings[k] = v;
  if (key && !row.secrets_token.empty()) {
    auto plain = key->decrypt(row.secrets_token);
    if (!plain) {
      throw ConfigError(fmt::format("channel {}: cannot decrypt its secrets with this key "
                                    "(wrong UOMS_SECRET_KEY or key file?)",
                                    row.name));
    }
    c.secrets = parse_object(*plain, "channel " + row.name);
    for (const auto& [k, v] : c.secrets) log::add_secret(v);
  }
  return c;
}

Channel load(store::Database& db, std::string_view name, const crypto::Fernet* key)
{
  auto row = store::Channels(db).find(name);
  if (!row) {
    std::vector<std::string> names;
    for (const auto& r : store::Channels(db).list()) names.push_back(r.name);
    throw UsageError(fmt::format("no channel named \"{}\"{}", name, util::did_you_mean(name, names)));
  }
  return from_row(*row, key);
}

namespace {

constexpr std::string_view k_key_check = "key_check";
constexpr std::string_view k_key_check_text = "uoms secret key check";

} // namespace

void verify_key(store::Database& db, const crypto::Fernet& key)
{
  // A channel's own secrets first: their error names the channel.
  for (const auto& row : store::Channels(db).list()) {
    if (!row.secrets_token.empty()) {
      from_row(row, &key);
      break;
    }
  }
  store::Meta meta(db);
  auto check = meta.get(k_key_check);
  if (!check) {
    meta.insert_if_absent(k_key_check, key.encrypt(k_key_check_text));
    check = meta.get(k_key_check);
  }
  const bool matches = check && [&] {
    const auto plain = key.decrypt(*check);
    return plain && *plain == k_key_check_text;
  }();
  if (!matches) {
    throw ConfigError(fmt::format("database {} belongs to another secret key (wrong UOMS_SECRET_KEY or key file?); "
                                  "nothing was changed",
                                  db.path().string()));
  }
  // Every channel's secrets, not only the ones this command works on, are known to the
  // redactor: a marketplace may echo another account's credentials in an error body.
  for (const auto& row : store::Channels(db).list()) {
    try {
      from_row(row, &key);
    } catch (const Error&) {
      // a channel whose secrets this key cannot read: its own commands say so
    }
  }
}

Channel add(store::Database& db, const crypto::Fernet& key, std::string_view name, std::string_view kind,
            const Changes& changes, std::string_view now)
{
  check_name(name);
  verify_key(db, key);
  Channel c;
  c.spec = &spec_of(kind);
  c.row.name = std::string(name);
  c.row.kind = c.spec->kind;
  auto exists = [&] {
    return UsageError(fmt::format("channel \"{}\" already exists (use `uoms channels update`)", name));
  };
  if (store::Channels(db).find(name)) {
    throw exists();
  }
  apply(*c.spec, c, changes);
  check_required(c);
  c.row.settings_json = to_json(c.settings);
  store_secrets(c, key);
  c.row.created_at = c.row.updated_at = std::string(now);
  c.row.id = store::Channels(db).insert(c.row);
  if (c.row.id == 0) {
    throw exists(); // added by another process since the check above
  }
  return from_row(c.row, &key);
}

Channel update(store::Database& db, const crypto::Fernet& key, std::string_view name, const Changes& changes,
               std::string_view now)
{
  Channel c = load(db, name, &key);
  verify_key(db, key);
  auto stored = parse_object(c.row.settings_json, "channel " + c.row.name);
  Channel edited = c;
  edited.settings = stored;
  apply(*c.spec, edited, changes);
  Channel check = from_row(c.row, nullptr);
  for (auto& [k, v] : edited.settings) check.settings[k] = v;
  for (const auto& k : changes.unset) check.settings.erase(k);
  check.secrets = edited.secrets;
  check_required(check);
  edited.row.settings_json = to_json(edited.settings);
  store_secrets(edited, key);
  edited.row.updated_at = std::string(now);
  store::Channels(db).update(edited.row);
  return from_row(edited.row, &key);
}

std::vector<std::string> secret_names(const store::ChannelRow& row, const crypto::Fernet* key)
{
  std::vector<std::string> names;
  if (key && !row.secrets_token.empty()) {
    for (const auto& [k, v] : from_row(row, key).secrets) names.push_back(k);
  }
  return names;
}

} // namespace uoms::channels
