-- Orders newest first across every channel (`uoms orders list`) walk this index instead of
-- sorting every order (the row id breaks ties; it is the index's last column).
CREATE INDEX orders_ordered_at ON orders(ordered_at);

-- A pass stopped by SIGINT/SIGTERM is recorded as `interrupted`, not `failed`. SQLite cannot
-- change a CHECK constraint, so jobs is rebuilt. job_details refers to jobs ON DELETE
-- CASCADE, so both are copied aside first and dropped child first: dropping jobs while
-- details still refer to it would delete them.
CREATE TABLE jobs_0005 AS SELECT * FROM jobs;
CREATE TABLE job_details_0005 AS SELECT * FROM job_details;
DROP TABLE job_details;
DROP TABLE jobs;

CREATE TABLE jobs (
  id               INTEGER PRIMARY KEY,
  kind             TEXT NOT NULL,
  trigger          TEXT NOT NULL,
  status           TEXT NOT NULL
                   CHECK (status IN ('running','completed','partial','failed','skipped','interrupted')),
  started_at       TEXT NOT NULL,
  finished_at      TEXT,
  duration_ms      INTEGER,
  total            INTEGER NOT NULL DEFAULT 0,
  succeeded        INTEGER NOT NULL DEFAULT 0,
  failed           INTEGER NOT NULL DEFAULT 0,
  skipped          INTEGER NOT NULL DEFAULT 0,
  progress_percent INTEGER NOT NULL DEFAULT 0,
  error            TEXT,
  arguments        TEXT NOT NULL DEFAULT '[]',
  version          TEXT NOT NULL,
  host             TEXT NOT NULL,
  pid              INTEGER NOT NULL,
  heartbeat_at     TEXT
);
INSERT INTO jobs SELECT * FROM jobs_0005;
CREATE INDEX jobs_kind_started ON jobs(kind, started_at);
CREATE INDEX jobs_status ON jobs(status);

CREATE TABLE job_details (
  id           INTEGER PRIMARY KEY,
  job_id       INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
  channel      TEXT,
  subject_type TEXT NOT NULL,
  external_id  TEXT,
  action       TEXT NOT NULL,
  attempt      INTEGER NOT NULL DEFAULT 1,
  error        TEXT,
  http_status  INTEGER,
  request_id   TEXT,
  payload      TEXT,
  created_at   TEXT NOT NULL
);
INSERT INTO job_details SELECT * FROM job_details_0005;
CREATE INDEX job_details_job ON job_details(job_id, action);
-- `uoms orders show` reads what jobs recorded about one order (and its items and shipments,
-- named ORDER/ITEM) without scanning every detail.
CREATE INDEX job_details_subject ON job_details(channel, external_id);

DROP TABLE jobs_0005;
DROP TABLE job_details_0005;
