#pragma once

#include "uoms/config.hpp"
#include "uoms/connector.hpp"
#include "uoms/crypto.hpp"
#include "uoms/store.hpp"

#include <memory>
#include <string>
#include <vector>

// Channels: a seller account on a marketplace, its settings and its encrypted secrets.
namespace uoms::channels {

// The Fernet key that encrypts secrets: UOMS_SECRET_KEY, else the key file. A missing
// or malformed key is a ConfigError naming where it looked.
crypto::Fernet load_key(const config::Config& config);
// Proves `key` is the one the database belongs to: it decrypts a channel's secrets and
// the database's key check value (written on first use), else a ConfigError (exit 4)
// before anything changes. Then every channel's secrets are registered with the redactor.
void verify_key(store::Database& db, const crypto::Fernet& key);
// Writes a new key file with mode 0600; refuses to overwrite unless `force`.
void write_key_file(const std::filesystem::path& path, bool force);

// Validates a channel name: 1-64 characters of [A-Za-z0-9._-].
void check_name(std::string_view name);

// A field assignment from the command line: settings `key=value`, secrets from a value,
// an environment variable or stdin are resolved by the CLI before they get here.
struct Changes
{
  connectors::Settings set;
  std::vector<std::string> unset;
  connectors::Settings secrets;
};

// A channel as the rest of uoms sees it: settings with the kind's defaults applied and
// secrets decrypted (only when asked: listing channels never decrypts).
struct Channel
{
  store::ChannelRow row;
  const connectors::KindSpec* spec = nullptr;
  connectors::Settings settings;
  connectors::Settings secrets;
};

// Checks `changes` against the kind's declared fields; merges them into the existing
// settings/secrets. Unknown fields are ConfigErrors with "did you mean"; missing required
// fields too, unless `allow_missing`.
void apply(const connectors::KindSpec& spec, Channel& channel, const Changes& changes);
void check_required(const Channel& channel);

Channel add(store::Database& db, const crypto::Fernet& key, std::string_view name, std::string_view kind,
            const Changes& changes, std::string_view now);
Channel update(store::Database& db, const crypto::Fernet& key, std::string_view name, const Changes& changes,
               std::string_view now);
// Loads a channel; secrets are decrypted only with `key` (a wrong key is a ConfigError).
Channel load(store::Database& db, std::string_view name, const crypto::Fernet* key);
Channel from_row(const store::ChannelRow& row, const crypto::Fernet* key);

// The channel's tokens in channel_tokens, encrypted with `key`; lock() is a lease in
// the locks table so two passes never refresh one channel's token at once.
std::unique_ptr<connectors::TokenStore> token_store(store::Database& db, const crypto::Fernet& key,
                                                    std::int64_t channel_id, Clock& clock);

// Secrets names only, for display.
std::vector<std::string> secret_names(const store::ChannelRow& row, const crypto::Fernet* key);

} // namespace uoms::channels
