-- Correcting a tracking number the marketplace already holds (`uoms tracking correct`).
-- The correction is a write like the upload and goes through the same outbox: the new
-- carrier and number wait beside the uploaded ones (which stay what the marketplace is
-- known to hold) until the marketplace has taken them.
--   correct:    queued; the next upload-tracking pass sends it (the marketplace's
--               correction call, e.g. Coupang updateInvoices).
--   correcting: committed before the call; settled after it, or, after a crash, by
--               reading back (the new number -> uploaded with it; the old one -> correct
--               again; anything else -> attention).
-- A correction refused or parked keeps its number in correction_* with state attention.
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt.
CREATE TABLE shipments_new (
  id                 INTEGER PRIMARY KEY,
  order_id           INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  shipment_key       TEXT NOT NULL,
  carrier            TEXT NOT NULL,  -- uoms carrier code (core/carriers)
  tracking_number    TEXT NOT NULL,
  source             TEXT NOT NULL CHECK (source IN ('import', 'manual', 'marketplace')),
  state              TEXT NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'sending', 'uploaded', 'failed', 'skipped', 'attention',
                                      'correct', 'correcting')),
  attempts           INTEGER NOT NULL DEFAULT 0,
  next_attempt_at    TEXT,
  last_error         TEXT,
  job_id             INTEGER,
  uploaded_at        TEXT,
  created_at         TEXT NOT NULL,
  updated_at         TEXT NOT NULL,
  correction_carrier TEXT,  -- the new number's carrier while a correction is queued, in flight or refused
  correction_number  TEXT,
  corrected_at       TEXT,  -- when the marketplace last took a correction
  CHECK ((correction_carrier IS NULL) = (correction_number IS NULL)),
  CHECK (state NOT IN ('correct', 'correcting') OR correction_number IS NOT NULL),
  UNIQUE (order_id, shipment_key)
);
INSERT INTO shipments_new (id, order_id, shipment_key, carrier, tracking_number, source, state, attempts,
                           next_attempt_at, last_error, job_id, uploaded_at, created_at, updated_at)
  SELECT id, order_id, shipment_key, carrier, tracking_number, source, state, attempts, next_attempt_at,
         last_error, job_id, uploaded_at, created_at, updated_at FROM shipments;
DROP TABLE shipments;
ALTER TABLE shipments_new RENAME TO shipments;
CREATE INDEX shipments_state ON shipments(state, next_attempt_at);
