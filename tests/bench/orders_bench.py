#!/usr/bin/env python3
"""Figures for `uoms orders list` and `uoms orders export` on synthetic orders.

    python3 tests/bench/orders_bench.py build/uoms [ORDERS]   # default 1,000,000 orders

Creates a database with `uoms init` in a temporary folder, fills it with ORDERS orders
(one item each, one minute apart, across 5 channels) straight through sqlite3, then prints:

- `orders list` (newest first across every channel, 50 rows) wall time, best of 3, without
  the orders_ordered_at index (as before migration 0005) and with it;
- `orders export` peak RSS and wall time for the newest 10,000 and 200,000 orders (CSV to a
  file), which stays flat when the export streams.

It prints figures and never fails on speed (exit 2 only when it cannot run).
"""

import datetime
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

CHANNELS = [("cp-main", "coupang"), ("ss-main", "smartstore"), ("sh-sg", "shopee"), ("q10", "qoo10jp"),
            ("pa", "playauto")]


def fill(db_path, count):
    db = sqlite3.connect(db_path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    now = "2026-11-22T00:00:00.000Z"
    for name, kind in CHANNELS:
        db.execute("INSERT INTO channels (name, kind, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                   (name, kind, '{"region":"SG"}' if kind == "shopee" else "{}", now, now))
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
    rnd = random.Random(7)
    batch = 50_000
    for base in range(0, count, batch):
        orders, items = [], []
        for n in range(base, min(count, base + batch)):
            t = (start + datetime.timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            channel = rnd.randrange(len(CHANNELS)) + 1
            orders.append((n + 1, channel, f"ORD-{n:08d}", "paid", "PAID", t, "KRW", 15000, 3000, "김민준",
                           "김민준", "{}", "h", t, t))
            items.append((n + 1, "1", f"ORD-{n:08d}", "TEA-EG-100", "얼그레이 홍차 100g", "", 1, 12000, 12000,
                          "paid", "PAID", "h"))
        db.executemany("INSERT INTO orders (id, channel_id, external_id, status, raw_status, ordered_at, currency, "
                       "total_minor, shipping_fee_minor, buyer_name, receiver_name, raw, content_hash, "
                       "first_seen_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", orders)
        db.executemany("INSERT INTO order_items (order_id, external_id, shipment_key, sku, name, option_name, "
                       "quantity, unit_price_minor, total_price_minor, status, raw_status, content_hash) "
                       "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", items)
        db.commit()
    db.execute("ANALYZE")
    db.commit()
    db.close()
    return start


def timed(args):
    """Wall seconds, peak RSS (MiB) and CPU seconds (user + sys) of one run of `args`."""
    t0 = time.monotonic()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    elapsed = time.monotonic() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {p.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    uoms = os.path.abspath(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    work = tempfile.mkdtemp(prefix="uoms-orders-bench-")
    try:
        subprocess.run([uoms, "init", "--dir", work], check=True, stdout=subprocess.DEVNULL)
        db_path = os.path.join(work, "uoms.db")
        config = os.path.join(work, "uoms.toml")
        t0 = time.monotonic()
        start = fill(db_path, count)
        print(f"{count:,} orders and items written in {time.monotonic() - t0:.1f} s ({os.path.getsize(db_path) >> 20} MiB)")
        base = [uoms, "--config", config, "--db", db_path]
        listing = base + ["orders", "list"]

        def best(args, runs=3):
            return min(timed(args)[0] for _ in range(runs))  # wall: the index saves I/O and sorting

        db = sqlite3.connect(db_path)
        db.execute("DROP INDEX orders_ordered_at")
        db.commit()
        before = best(listing)
        db.execute("CREATE INDEX orders_ordered_at ON orders(ordered_at)")
        db.commit()
        db.close()
        after = best(listing)
        print(f"orders list (newest 50 of all channels): without the index {before * 1000:.0f} ms, "
              f"with it {after * 1000:.0f} ms (best of 3, whole process)")
        after_channel = best(listing + ["--channel", "cp-main"])
        print(f"orders list --channel cp-main: {after_channel * 1000:.0f} ms")

        for n in (10_000, 200_000):
            if n > count:
                continue
            since = (start + datetime.timedelta(minutes=count - n)).strftime("%Y-%m-%dT%H:%M:%SZ")
            out = os.path.join(work, f"export-{n}.csv")
            elapsed, rss, cpu = timed(base + ["orders", "export", "--since", since, "--output", out])
            with open(out, "rb") as f:
                lines = sum(1 for _ in f) - 1
            print(f"orders export of {n:,} orders ({lines:,} rows, {os.path.getsize(out) >> 20} MiB): "
                  f"{elapsed:.2f} s wall, {cpu:.2f} s CPU, peak RSS {rss:.1f} MiB")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
