#pragma once

#include "uoms/config.hpp"
#include "uoms/status.hpp"
#include "uoms/store.hpp"

#include <filesystem>
#include <string>

// The Prometheus text exposition (version 0.0.4) for node_exporter's textfile collector.
// Rendered from the whole database after every pass, so one file covers every channel and
// pass kind, not only the ones the last pass touched.
namespace uoms::metrics {

// The exposition of `report` (every metric a gauge, labelled by channel and pass kind).
std::string render(const status::Report& report);

// Writes `text` to `path` atomically: a temporary file in the same directory, then a
// rename, so the collector never reads half a file. Mode 0644 (the collector runs as
// another user; nothing secret is in it). Throws uoms::Failure naming the file.
void write_atomically(const std::filesystem::path& path, const std::string& text);

// After a pass: renders `db` into config.metrics_textfile. A failure is a warning on stderr,
// never the pass's failure.
void write_textfile(const config::Config& config, store::Database& db, TimePoint now);

} // namespace uoms::metrics
