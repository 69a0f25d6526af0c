-- The stock ledger. The tables of 0001 (never written) are replaced: a product keeps two
-- quantities, each moved only by recorded movements; each order item's stock state makes
-- its reserve / release / ship / return happen once however often the order is collected;
-- listings are what each channel sells, mapped to a product or not yet.
DROP TABLE stock_movements;
DROP TABLE listings;
DROP TABLE products;

CREATE TABLE products (
  id              INTEGER PRIMARY KEY,
  sku             TEXT NOT NULL UNIQUE,
  name            TEXT,
  safety_buffer   INTEGER NOT NULL DEFAULT 0 CHECK (safety_buffer >= 0),
  restock_returns INTEGER NOT NULL DEFAULT 1 CHECK (restock_returns IN (0, 1)),
  -- Sums of stock_movements, kept in the same transaction as every movement.
  on_hand         INTEGER NOT NULL DEFAULT 0,
  reserved        INTEGER NOT NULL DEFAULT 0,
  -- The latest stock count: shipments before it are already missing from on_hand.
  counted_at      TEXT NOT NULL,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);

CREATE TABLE stock_movements (
  id             INTEGER PRIMARY KEY,
  product_id     INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  reason         TEXT NOT NULL CHECK (reason IN ('reserve', 'release', 'ship', 'return', 'count', 'adjust')),
  on_hand_delta  INTEGER NOT NULL DEFAULT 0,
  reserved_delta INTEGER NOT NULL DEFAULT 0,
  order_item_id  INTEGER REFERENCES order_items(id) ON DELETE SET NULL,
  job_id         INTEGER,
  note           TEXT,
  created_at     TEXT NOT NULL
);
CREATE INDEX stock_movements_product ON stock_movements(product_id, id);

-- Where each order item stands in the ledger: none (nothing held), reserved, shipped
-- (deducted from on hand) or returned. The quantity is what the current state holds.
CREATE TABLE item_stock (
  order_item_id INTEGER PRIMARY KEY REFERENCES order_items(id) ON DELETE CASCADE,
  product_id    INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  state         TEXT NOT NULL CHECK (state IN ('none', 'reserved', 'shipped', 'returned')),
  quantity      INTEGER NOT NULL,
  updated_at    TEXT NOT NULL
);

CREATE TABLE listings (
  id              INTEGER PRIMARY KEY,
  channel_id      INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  item_id         TEXT NOT NULL,
  option_id       TEXT NOT NULL DEFAULT '',
  seller_code     TEXT,
  name            TEXT,
  source          TEXT NOT NULL CHECK (source IN ('order', 'catalogue', 'operator')),
  product_id      INTEGER REFERENCES products(id) ON DELETE SET NULL,
  mapped_by       TEXT CHECK (mapped_by IN ('auto', 'operator')),
  safety_buffer   INTEGER CHECK (safety_buffer >= 0), -- per listing; NULL = the product's
  attributes      TEXT,   -- JSON object the marketplace needs re-sent (Qoo10 expire_date, price)
  remote_quantity INTEGER,
  remote_read_at  TEXT,
  -- The push outbox: 'sending' with push_target is committed before the call and settled
  -- by reading back.
  push_state      TEXT NOT NULL DEFAULT 'idle' CHECK (push_state IN ('idle', 'sending')),
  push_target     INTEGER,
  pushed_quantity INTEGER,
  pushed_at       TEXT,
  -- Units sold on this listing that collect has seen since the last push, and units the
  -- marketplace lost that no collected order explains yet (held back from pushes).
  sold_since_push INTEGER NOT NULL DEFAULT 0,
  held_drift      INTEGER NOT NULL DEFAULT 0,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  UNIQUE (channel_id, item_id, option_id)
);
CREATE INDEX listings_product ON listings(product_id);
CREATE INDEX listings_code ON listings(seller_code);
CREATE INDEX order_items_listing ON order_items(product_id, option_id);
