-- Tracking numbers, one per shipment (the items of an order that travel together, by
-- order_items.shipment_key), and the outbox that uploads each exactly once. The table of
-- 0001 (one row per item, never written) is replaced.
DROP TABLE shipments;
CREATE TABLE shipments (
  id              INTEGER PRIMARY KEY,
  order_id        INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  shipment_key    TEXT NOT NULL,
  carrier         TEXT NOT NULL,  -- uoms carrier code (core/carriers)
  tracking_number TEXT NOT NULL,
  source          TEXT NOT NULL CHECK (source IN ('import', 'manual', 'marketplace')),
  -- pending: to send; sending: committed before the call, settled by reading back;
  -- uploaded: the marketplace holds it; failed: refused for good; skipped: the order is
  -- cancelled, returned or exchanged; attention: an operator must look (retries used up,
  -- or the marketplace holds another number).
  state           TEXT NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'sending', 'uploaded', 'failed', 'skipped', 'attention')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  last_error      TEXT,
  job_id          INTEGER,
  uploaded_at     TEXT,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  UNIQUE (order_id, shipment_key)
);
CREATE INDEX shipments_state ON shipments(state, next_attempt_at);
