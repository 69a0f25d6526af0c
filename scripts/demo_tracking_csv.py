#!/usr/bin/env python3
"""Writes the demo's tracking file: `uoms orders list --json` on stdin, a tracking CSV
(channel,order,item,carrier,number) on stdout with a number for up to three shippable
orders of every marketplace channel, as a seller's courier system would export it.

The sandbox makes its order ids from the day it runs, so the demo cannot ship a fixed
file. Usage: demo_tracking_csv.py "$(uoms channels list --json)" < orders.json"""
import hashlib
import json
import sys

CARRIERS = {"coupang": "CJ", "smartstore": "HANJIN", "shopee": "QXPRESS", "qoo10jp": "YAMATO", "playauto": "CJ"}
SHIPPABLE = {"paid", "preparing"}


def main():
    orders = json.load(sys.stdin)["orders"]
    kinds = {c["name"]: c["kind"] for c in json.loads(sys.argv[1])["channels"]} if len(sys.argv) > 1 else {}
    print("channel,order,item,carrier,number")
    taken = {}
    for order in sorted(orders, key=lambda o: (o["channel"], o["external_id"])):
        kind = kinds.get(order["channel"])
        if kind not in CARRIERS or order["status"] not in SHIPPABLE:
            continue
        if taken.get(order["channel"], 0) >= 3:
            continue
        taken[order["channel"]] = taken.get(order["channel"], 0) + 1
        digest = hashlib.sha256(f'{order["channel"]}/{order["external_id"]}'.encode()).hexdigest()
        number = "6" + str(int(digest[:12], 16))[:11].rjust(11, "0")
        print(f'{order["channel"]},{order["external_id"]},,{CARRIERS[kind]},{number}')


if __name__ == "__main__":
    main()
