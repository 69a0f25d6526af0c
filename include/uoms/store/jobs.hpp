#pragma once

#include "uoms/store/database.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace uoms::store {

struct JobRow
{
  std::int64_t id = 0;
  std::string kind;
  std::string trigger;
  std::string status = "running";
  std::string started_at;
  std::string finished_at;
  std::int64_t duration_ms = 0;
  std::int64_t total = 0, succeeded = 0, failed = 0, skipped = 0;
  int progress_percent = 0;
  std::string error;
  std::string arguments = "[]";
  std::string version;
  std::string host;
  std::int64_t pid = 0;
  std::string heartbeat_at; // refreshed while the job runs
};

struct JobDetail
{
  std::int64_t id = 0;
  std::int64_t job_id = 0;
  std::string channel;
  std::string subject_type; // order, item, file, window, channel, notify
  std::string external_id;
  std::string action;       // created, updated, unchanged, failed, skipped, note, sent, ...
  int attempt = 1;
  std::string error;
  int http_status = 0;
  std::string request_id;
  std::string payload;      // raw record of a failed mapping, for audit
  std::string created_at;
};

struct JobFilter
{
  std::string kind, status, channel, since;
  int limit = 20;
};

// `action` matches the detail's action exactly; `status` groups actions by outcome:
// "failed" (failed), "ok" (anything that succeeded) or "skipped".
struct DetailFilter
{
  std::string action, channel, status;
  int limit = 0; // 0 = all
};

// The jobs and job_details tables.
class Jobs
{
public:
  explicit Jobs(Database& db) : m_db(db) {}

  std::int64_t insert(const JobRow& row);
  void update(const JobRow& row); // counters, progress, status, finish fields
  void heartbeat(std::int64_t id, std::string_view now);
  std::optional<JobRow> find(std::int64_t id);
  std::vector<JobRow> list(const JobFilter& filter);
  // Calls `sink` for each job `filter` selects, newest first, while stepping one statement:
  // one job is in memory at a time however many match. Returns the number of jobs.
  std::int64_t each(const JobFilter& filter, const std::function<void(const JobRow&)>& sink);
  std::vector<JobRow> running(std::string_view kind);
  void add_detail(const JobDetail& detail);
  std::vector<JobDetail> details(std::int64_t job_id, const DetailFilter& filter);
  std::vector<std::pair<std::string, std::int64_t>> detail_counts(std::int64_t job_id);
  std::int64_t prune(std::string_view finished_before);

private:
  Database& m_db;
};

} // namespace uoms::store
