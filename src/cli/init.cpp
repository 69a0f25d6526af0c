#include "cli.hpp"

#include "uoms/channels.hpp"
#include "uoms/error.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

namespace uoms::cli {

namespace {

struct InitOptions
{
  std::string dir = ".";
  bool force = false;
};

void write_private(const std::filesystem::path& path, const std::string& text)
{
  auto tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw ConfigError(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
  }
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    throw ConfigError(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
  }
}

int run_init(const InitOptions& o, Context& ctx)
{
  namespace fs = std::filesystem;
  fs::path dir = o.dir;
  std::error_code ec;
  // Created private, with every missing parent: it holds the key and the database, and an
  // umask of 000 must not open it (or a parent) to other users.
  const bool created = !fs::exists(dir, ec);
  const mode_t umask_before = ::umask(077);
  fs::create_directories(dir, ec);
  ::umask(umask_before);
  if (!ec && created) {
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  if (ec) {
    throw ConfigError(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  }
  const fs::path config = dir / "uoms.toml", key = dir / "uoms.key", db = dir / "uoms.db";
  if (!o.force) {
    for (const auto& p : {config, key, db}) {
      if (fs::exists(p, ec)) {
        throw ConfigError(fmt::format("{} already exists (use --force to overwrite)", p.string()));
      }
    }
  }
  write_private(config, config::starter_file());
  channels::write_key_file(key, true);
  if (o.force) {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db.string() + suffix, ec);
  }
  {
    // The database remembers which key it belongs to from the start.
    auto database = store::Database::open(db, true);
    config::Config keys; // the key passes will use: UOMS_SECRET_KEY wins over the new file
    keys.key_file = key;
    if (auto it = ctx.env.find("UOMS_SECRET_KEY"); it != ctx.env.end()) keys.secret_key = it->second;
    channels::verify_key(database, channels::load_key(keys));
  }
  if (ctx.json) {
    print_json({{"config", config.string()}, {"key_file", key.string()}, {"database", db.string()}});
  } else if (!ctx.quiet) {
    fmt::print("wrote {} (configuration)\nwrote {} (secret key, mode 0600: back it up, channels cannot be "
               "decrypted without it)\nwrote {} (database)\nnext: uoms --config {} channels add NAME --kind KIND ...\n",
               config.string(), key.string(), db.string(), config.string());
  }
  return 0;
}

} // namespace

Handler setup_init(CLI::App& app, Context& ctx)
{
  auto o = std::make_shared<InitOptions>();
  app.add_option("--dir", o->dir, "directory for uoms.toml, uoms.key and uoms.db (default: .)");
  app.add_flag("--force", o->force, "overwrite existing files (the old database and key are lost)");
  return [o, &ctx] { return run_init(*o, ctx); };
}

} // namespace uoms::cli
