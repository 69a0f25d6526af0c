-- The uoms schema. Times are UTC text `YYYY-MM-DDTHH:MM:SS.mmmZ` (sorts like time);
-- money is an integer in the currency's minor units plus an ISO 4217 code.

-- A seller account on a marketplace. Secrets are one Fernet token of a JSON object.
CREATE TABLE channels (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  kind        TEXT NOT NULL,
  enabled     INTEGER NOT NULL DEFAULT 1,
  settings    TEXT NOT NULL DEFAULT '{}',
  secrets     TEXT,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);

CREATE TABLE jobs (
  id               INTEGER PRIMARY KEY,
  kind             TEXT NOT NULL,
  trigger          TEXT NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('running','completed','partial','failed','skipped')),
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
CREATE INDEX jobs_kind_started ON jobs(kind, started_at);
CREATE INDEX jobs_status ON jobs(status);

-- One row per order, item, file, window or notification a job touched.
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
CREATE INDEX job_details_job ON job_details(job_id, action);

CREATE TABLE orders (
  id                 INTEGER PRIMARY KEY,
  channel_id         INTEGER NOT NULL REFERENCES channels(id),
  external_id        TEXT NOT NULL,
  status             TEXT NOT NULL,
  raw_status         TEXT NOT NULL,
  ordered_at         TEXT,
  paid_at            TEXT,
  changed_at         TEXT,
  currency           TEXT NOT NULL,
  total_minor        INTEGER NOT NULL,
  shipping_fee_minor INTEGER NOT NULL,
  buyer_name         TEXT, buyer_phone TEXT, buyer_email TEXT,
  receiver_name      TEXT, receiver_phone TEXT, receiver_zip TEXT,
  receiver_address1  TEXT, receiver_address2 TEXT,
  raw                TEXT NOT NULL,
  content_hash       TEXT NOT NULL,
  first_seen_at      TEXT NOT NULL,
  updated_at         TEXT NOT NULL,
  first_job_id       INTEGER,
  last_job_id        INTEGER,
  UNIQUE (channel_id, external_id)
);
CREATE INDEX orders_ordered ON orders(channel_id, ordered_at);

CREATE TABLE order_items (
  id                INTEGER PRIMARY KEY,
  order_id          INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  external_id       TEXT NOT NULL,
  shipment_key      TEXT NOT NULL,
  sku               TEXT,
  product_id        TEXT,
  option_id         TEXT,
  name              TEXT,
  option_name       TEXT,
  quantity          INTEGER NOT NULL,
  unit_price_minor  INTEGER NOT NULL,
  total_price_minor INTEGER NOT NULL,
  status            TEXT NOT NULL,
  raw_status        TEXT NOT NULL,
  content_hash      TEXT NOT NULL,
  UNIQUE (order_id, external_id)
);
CREATE INDEX order_items_sku ON order_items(sku);

-- Tracking numbers per item; uploaded_at set once, never sent again.
CREATE TABLE shipments (
  id              INTEGER PRIMARY KEY,
  order_item_id   INTEGER NOT NULL UNIQUE REFERENCES order_items(id) ON DELETE CASCADE,
  carrier         TEXT NOT NULL,
  tracking_number TEXT NOT NULL,
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','uploaded','failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT,
  next_attempt_at TEXT,
  uploaded_at     TEXT,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);

CREATE TABLE products (
  id            INTEGER PRIMARY KEY,
  sku           TEXT NOT NULL UNIQUE,
  name          TEXT,
  safety_buffer INTEGER NOT NULL DEFAULT 0,
  created_at    TEXT NOT NULL
);

CREATE TABLE listings (
  id              INTEGER PRIMARY KEY,
  channel_id      INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  product_id      INTEGER NOT NULL REFERENCES products(id),
  listing_id      TEXT NOT NULL,
  remote_quantity INTEGER,
  pushed_at       TEXT,
  UNIQUE (channel_id, listing_id)
);

-- The stock ledger: on-hand is the sum of movements. An order item deducts once.
CREATE TABLE stock_movements (
  id            INTEGER PRIMARY KEY,
  product_id    INTEGER NOT NULL REFERENCES products(id),
  quantity      INTEGER NOT NULL,
  reason        TEXT NOT NULL CHECK (reason IN ('order','cancel','return','adjust','import')),
  order_item_id INTEGER REFERENCES order_items(id),
  job_id        INTEGER,
  note          TEXT,
  created_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX stock_movements_item ON stock_movements(reason, order_item_id) WHERE order_item_id IS NOT NULL;

-- Every window a collect pass fetched, so holes in a channel's history can be found.
CREATE TABLE fetch_windows (
  id          INTEGER PRIMARY KEY,
  channel_id  INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  job_id      INTEGER,
  from_at     TEXT NOT NULL,
  to_at       TEXT NOT NULL,
  pages       INTEGER NOT NULL DEFAULT 0,
  records     INTEGER NOT NULL DEFAULT 0,
  status      TEXT NOT NULL CHECK (status IN ('running','complete','failed')),
  error       TEXT,
  started_at  TEXT NOT NULL,
  finished_at TEXT
);
CREATE INDEX fetch_windows_channel ON fetch_windows(channel_id, status, from_at);

-- Per-channel state: the collect watermark and the like.
CREATE TABLE sync_state (
  channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  key        TEXT NOT NULL,
  value      TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (channel_id, key)
);

-- Access tokens and rotated refresh tokens, Fernet-encrypted like channel secrets.
CREATE TABLE channel_tokens (
  channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  name       TEXT NOT NULL,
  value      TEXT NOT NULL,
  expires_at TEXT,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (channel_id, name)
);

-- Leases so overlapping passes never work on the same channel twice.
CREATE TABLE locks (
  name         TEXT PRIMARY KEY,
  job_id       INTEGER,
  pid          INTEGER NOT NULL,
  host         TEXT NOT NULL,
  acquired_at  TEXT NOT NULL,
  heartbeat_at TEXT NOT NULL,
  expires_at   TEXT NOT NULL
);

-- Source files (csv) consumed once, by content hash.
CREATE TABLE processed_files (
  channel_id   INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  key          TEXT NOT NULL,
  job_id       INTEGER,
  processed_at TEXT NOT NULL,
  PRIMARY KEY (channel_id, key)
);
