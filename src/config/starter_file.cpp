#include "uoms/config.hpp"

namespace uoms::config {

// Kept short on purpose: only what a new user edits on day one. examples/uoms.toml
// documents every key.
std::string starter_file()
{
  return R"(# uoms configuration, written by `uoms init`.
# Every key is optional; the values below are the built-in defaults.
# Environment variables (UOMS_DB, UOMS_CONCURRENCY, ...) override this file and
# command-line flags override both. `uoms config show` prints the effective values.
# Durations are strings: "500ms", "30s", "10m", "24h", "7d".

[database]
# Relative paths are resolved against the directory of this file.
path = "uoms.db"
# Key that encrypts channel secrets at rest (created by `uoms init`, mode 0600).
# UOMS_SECRET_KEY, when set, is used instead of this file.
key_file = "uoms.key"

[collect]
# How many channels a pass works on at the same time (1 to 512). Each mostly
# waits on its marketplace's rate limit, so many at once cost little.
concurrency = 64
# How far back the first pass of a new channel looks.
initial_lookback = "7d"
# Each pass re-reads this much before the channel's watermark, so late writes
# on the marketplace side are not missed.
overlap = "10m"
# Orders younger than this are left for the next pass (marketplaces settle late).
settle_delay = "1m"

[http]
connect_timeout = "10s"
timeout = "60s"
# Total tries per request, including the first (1 to 10).
max_attempts = 4
# Only these hosts may be contacted; every other request is refused. Leave it
# commented out to allow any host. Entries are host names, IP addresses,
# "*.example.com" or "loopback" (127.0.0.0/8, ::1, localhost).
# allowed_hosts = ["api-gateway.coupang.com", "*.shopeemobile.com"]

[log]
# error | warn | info | debug (logs go to stderr)
level = "warn"
# text | json
format = "text"

# Webhooks told about finished passes. Uncomment and repeat [[notify]] per target.
# [[notify]]
# name = "ops-discord"
# type = "discord"            # generic | discord | slack
# url = "https://discord.com/api/webhooks/ID/TOKEN"
# events = ["partial", "failed"]   # default: completed, partial, failed, skipped
)";
}

} // namespace uoms::config
