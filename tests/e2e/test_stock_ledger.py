"""The stock ledger through the real binary: products imported from a CSV file, listings
learnt from collected orders and mapped by the seller's code, reservations made once however
often orders are collected, released on cancellation, turned into on-hand deductions when
shipped, oversells flagged; and after `kill -9` during collects no movement exists without
its order item, nor a mapped item without its movement.
"""

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sandbox  # noqa: E402
from upload_case import UploadCase, UOMS  # noqa: E402

SKUS = ["SKU-EAR-WH", "SKU-EAR-BK", "SKU-RICE-5", "SKU-TUM-SV", "SKU-TS-NV-L", "SKU-TS-WH-M", "SKU-DET-3L",
        "SKU-TAN-3", "SKU-CHG-65", "SKU-CHAIR-KH", "SKU-HC-SET", "SKU-TTEOK-2"]


class StockLedger(UploadCase):
    orders = 0

    def setUp(self):
        super().setUp()
        self.uoms("channels", "add", "cp", "--kind", "coupang", "--set", f"base_url={self.sb.base_url}",
                  "--set", f"vendor_id={sandbox.COUPANG_VENDOR}", "--secret", f"access_key={sandbox.COUPANG_ACCESS_KEY}",
                  "--secret", f"secret_key={sandbox.COUPANG_SECRET_KEY}")
        self.uoms("channels", "add", "ss", "--kind", "smartstore", "--set", f"base_url={self.sb.base_url}",
                  "--set", f"client_id={sandbox.SMARTSTORE_CLIENT_ID}", "--secret-stdin", "client_secret",
                  stdin=sandbox.SMARTSTORE_CLIENT_SECRET + "\n")

    def import_products(self, on_hand=50, extra=""):
        path = os.path.join(self.home, "products.csv")
        with open(path, "w", encoding="utf-8-sig") as f:
            f.write("sku,name,on_hand,safety_buffer\n")
            for sku in SKUS:
                f.write(f"{sku},{sku.lower()},{on_hand},0\n")
            f.write(extra)
        return path

    def stock(self):
        shown = json.loads(self.uoms("--json", "stock", "show"))
        return {p["sku"]: (p["on_hand"], p["reserved"]) for p in shown["products"]}

    def db(self):
        return sqlite3.connect(os.path.join(self.home, "uoms.db"))

    def check_ledger(self):
        """Every product's columns are the sums of its movements; reserved is exactly what
        the reserved items hold; every item of a mapped listing has its stock state."""
        with self.db() as db:
            rows = db.execute("SELECT p.sku, p.on_hand, p.reserved, COALESCE(sum(m.on_hand_delta), 0), "
                              "COALESCE(sum(m.reserved_delta), 0) FROM products p LEFT JOIN stock_movements m "
                              "ON m.product_id = p.id GROUP BY p.id").fetchall()
            for sku, on_hand, reserved, moved_on_hand, moved_reserved in rows:
                self.assertEqual((on_hand, reserved), (moved_on_hand, moved_reserved), sku)
            held = dict(db.execute("SELECT p.sku, COALESCE(sum(s.quantity), 0) FROM products p LEFT JOIN item_stock s "
                                   "ON s.product_id = p.id AND s.state = 'reserved' GROUP BY p.id").fetchall())
            for sku, _, reserved, _, _ in rows:
                self.assertEqual(reserved, held[sku], sku)
            orphans = db.execute("SELECT count(*) FROM stock_movements WHERE reason IN ('reserve','release','ship','return') "
                                 "AND order_item_id IS NULL").fetchone()[0]
            self.assertEqual(orphans, 0)
            missing = db.execute(
                "SELECT count(*) FROM order_items i JOIN orders o ON o.id = i.order_id JOIN listings l "
                "ON l.channel_id = o.channel_id AND l.item_id = i.product_id AND l.option_id = COALESCE(i.option_id, '') "
                "LEFT JOIN item_stock s ON s.order_item_id = i.id WHERE l.product_id IS NOT NULL "
                "AND s.order_item_id IS NULL").fetchone()[0]
            self.assertEqual(missing, 0)

    def test_reserve_once_release_ship_and_oversell(self):
        path = self.import_products()
        out = self.uoms("products", "import", path)
        self.assertIn("12 products created", out)
        added = self.sb.add(sandbox.COUPANG_VENDOR, 6) + self.sb.add(sandbox.SMARTSTORE_CLIENT_ID, 6)
        expected = {sku: 0 for sku in SKUS}
        for order in added:
            for item in order["items"]:
                expected[item["sku"]] += item["quantity"]
        self.uoms("--quiet", "collect")
        # Listings came from the orders and were mapped by the seller's code.
        self.assertEqual(json.loads(self.uoms("--json", "listings", "list", "--unmapped"))["listings"], [])
        self.assertEqual(self.stock(), {sku: (50, expected[sku]) for sku in SKUS})
        self.check_ledger()

        # Collecting the same orders again moves nothing.
        with self.db() as db:
            movements = db.execute("SELECT count(*) FROM stock_movements").fetchone()[0]
        self.uoms("--quiet", "collect", "--since", "2d")
        with self.db() as db:
            self.assertEqual(db.execute("SELECT count(*) FROM stock_movements").fetchone()[0], movements)

        # A cancelled Coupang order releases its units once; a shipped one deducts them.
        coupang = [o for o in added if o["kind"] == "coupang"]
        cancelled, shipped = coupang[0], coupang[1]
        self.sb._control("POST", "cancel", {"account": sandbox.COUPANG_VENDOR, "ids": [cancelled["order_id"]]})
        self.sb.mutate(sandbox.COUPANG_VENDOR, ids=[str(shipped["shipment_box_id"])], status="DEPARTURE")
        self.uoms("--quiet", "collect")
        after = self.stock()
        for sku in SKUS:
            released = sum(i["quantity"] for i in cancelled["items"] if i["sku"] == sku)
            gone = sum(i["quantity"] for i in shipped["items"] if i["sku"] == sku)
            self.assertEqual(after[sku], (50 - gone, expected[sku] - released - gone), sku)
        self.check_ledger()

        # A count below what is reserved, then one more order of that SKU: flagged as oversold.
        new = self.sb.add(sandbox.COUPANG_VENDOR, 1)[0]
        sku = new["items"][0]["sku"]
        self.uoms("products", "set", sku, "--on-hand", "0")
        out = self.uoms("collect")
        self.assertIn("OVERSOLD", out)
        job = json.loads(self.uoms("--json", "jobs", "list", "--kind", "collect", "--limit", "1"))["jobs"][0]["id"]
        flagged = self.details(job, "oversold")
        self.assertTrue(flagged and sku in flagged[0]["error"], flagged)
        self.check_ledger()

    def test_mapping_later_applies_once_and_counts_unmapped(self):
        self.sb.add(sandbox.COUPANG_VENDOR, 5)
        self.uoms("--quiet", "collect")
        unmapped = json.loads(self.uoms("--json", "stock", "show"))["unmapped_items"]
        self.assertTrue(unmapped and unmapped[0]["channel"] == "cp" and unmapped[0]["items"] > 0, unmapped)
        listing = json.loads(self.uoms("--json", "listings", "list", "--unmapped"))["listings"][0]
        self.uoms("products", "set", "MY-OWN-CODE", "--on-hand", "10")
        self.uoms("listings", "map", "--channel", "cp", "--sku", "MY-OWN-CODE", "--item", listing["item"],
                  "--option", listing["option"])
        first = self.stock()["MY-OWN-CODE"]
        self.assertEqual(first[0], 10)
        self.assertGreater(first[1], 0)
        # Mapping again changes nothing: the items were applied once.
        self.uoms("listings", "map", "--channel", "cp", "--sku", "MY-OWN-CODE", "--item", listing["item"],
                  "--option", listing["option"])
        self.assertEqual(self.stock()["MY-OWN-CODE"], first)
        self.check_ledger()

    def test_import_names_bad_rows(self):
        path = self.import_products(extra="SKU-BAD,bad,-4,0\n,nameless,3,0\nSKU-EAR-WH,dup,3,0\n")
        p = subprocess.run([UOMS, "products", "import", path], env=self.env, cwd=self.home, capture_output=True,
                           text=True)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn(":14:", p.stderr)
        self.assertIn(":15:", p.stderr)
        self.assertIn(":16:", p.stderr)
        p = subprocess.run([UOMS, "products", "import", "--strict", path], env=self.env, cwd=self.home,
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(self.stock()["SKU-EAR-WH"], (50, 0))  # the first import stands, the strict one changed nothing

    def test_kill_during_collect_never_splits_order_and_movement(self):
        self.uoms("--quiet", "products", "import", self.import_products())
        runs = int(os.environ.get("UOMS_KILL_RUNS", "4"))
        rng = random.Random(7)
        for run in range(runs):
            self.sb.add(sandbox.COUPANG_VENDOR, 40)
            self.sb.add(sandbox.SMARTSTORE_CLIENT_ID, 40)
            proc = subprocess.Popen([UOMS, "--quiet", "collect"], env=self.env, cwd=self.home,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.05, 0.6))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            self.check_ledger()
            self.uoms("--quiet", "collect", expect=None) if False else subprocess.run(
                [UOMS, "--quiet", "collect"], env=self.env, cwd=self.home, capture_output=True, timeout=300)
            self.check_ledger()
        # Everything collected: reserved equals the live units the sandbox holds.
        self.uoms("--quiet", "collect")
        self.check_ledger()


if __name__ == "__main__":
    unittest.main()
