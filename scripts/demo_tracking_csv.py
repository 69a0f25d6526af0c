#!/usr/bin/env python3
"""Writes the demo's tracking file: for up to three shippable orders of every marketplace
channel in the demo's database, a tracking CSV (channel,order,item,carrier,number) on stdout,
as a seller's courier system would export it.

Shippable means what each marketplace accepts an invoice for (Coupang ACCEPT/INSTRUCT,
Smartstore PAYED, Shopee READY_TO_SHIP, Qoo10 ShippingStat 2 or 3, PlayAuto 신규주문/출고대기)
and no tracking number yet. The sandbox makes its order ids from the day it runs, so the demo
cannot ship a fixed file. Usage: demo_tracking_csv.py DEMO/uoms.db > tracking.csv"""
import hashlib
import sqlite3
import sys

CARRIERS = {"coupang": "CJ", "smartstore": "HANJIN", "shopee": "QXPRESS", "qoo10jp": "YAMATO", "playauto": "CJ"}
SHIPPABLE = {
    "coupang": {"ACCEPT", "INSTRUCT"},
    "smartstore": {"PAYED"},
    "shopee": {"READY_TO_SHIP"},
    "qoo10jp": {"配送要請(2)", "配送準備(3)"},
    "playauto": {"신규주문", "출고대기"},
}


def main():
    db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
    rows = db.execute(
        "SELECT c.name, c.kind, o.external_id, group_concat(i.raw_status, char(31)) FROM orders o "
        "JOIN channels c ON c.id = o.channel_id JOIN order_items i ON i.order_id = o.id "
        "WHERE NOT EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = o.id) "
        "GROUP BY o.id ORDER BY c.name, o.external_id").fetchall()
    print("channel,order,item,carrier,number")
    taken = {}
    for channel, kind, order, statuses in rows:
        if kind not in CARRIERS or not set(statuses.split("\x1f")) <= SHIPPABLE[kind]:
            continue
        if taken.get(channel, 0) >= 3:
            continue
        taken[channel] = taken.get(channel, 0) + 1
        digest = hashlib.sha256(f"{channel}/{order}".encode()).hexdigest()
        number = "6" + str(int(digest[:12], 16))[:11].rjust(11, "0")
        print(f"{channel},{order},,{CARRIERS[kind]},{number}")


if __name__ == "__main__":
    main()
