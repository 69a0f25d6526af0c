-- Where each channel stands per pass kind (collect, upload-tracking, sync-stock,
-- listings-fetch): the last pass's outcome, the last successful one, and how many passes
-- in a row have not succeeded. Written by the pass runner at the end of every channel's
-- work; read by `uoms status` and the metrics textfile, so neither has to reconstruct a
-- channel's history from job details (a channel that completed touches no detail row).
CREATE TABLE channel_passes (
  channel_id           INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  kind                 TEXT NOT NULL,
  last_job_id          INTEGER,
  last_status          TEXT NOT NULL CHECK (last_status IN ('completed', 'partial', 'failed', 'skipped')),
  last_started_at      TEXT NOT NULL,
  last_finished_at     TEXT NOT NULL,
  last_duration_ms     INTEGER NOT NULL DEFAULT 0,
  last_error           TEXT,
  -- The last failure was the operator's to fix (credentials, configuration).
  last_auth_error      INTEGER NOT NULL DEFAULT 0,
  last_success_at      TEXT,
  last_success_job_id  INTEGER,
  -- Passes in a row that ended failed or partial; a completed one resets it, a skipped
  -- one (another pass held the lock) leaves it.
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  -- The last pass's counters: a JSON object of detail action → rows, plus the runner's
  -- total/succeeded/failed/skipped.
  counts               TEXT NOT NULL DEFAULT '{}',
  http_requests        INTEGER NOT NULL DEFAULT 0,
  http_throttled       INTEGER NOT NULL DEFAULT 0,
  updated_at           TEXT NOT NULL,
  PRIMARY KEY (channel_id, kind)
);
