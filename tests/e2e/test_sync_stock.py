"""`uoms sync-stock` through the real binary against the sandbox's Coupang, Smartstore, Shopee
and Qoo10 stock routes: orders collected from two channels lower what is pushed to every
listing of their SKUs, a cancellation raises it again, a second pass pushes nothing, a dry run
pushes nothing, Qoo10's sale end date is never moved, a sale on the marketplace that uoms has not
collected is held back instead of overwritten, and a pass killed with -9 is settled by the next.
"""

import json
import os
import random
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sandbox  # noqa: E402
from upload_case import UploadCase, UOMS  # noqa: E402

SKUS = ["SKU-EAR-WH", "SKU-EAR-BK", "SKU-RICE-5", "SKU-TUM-SV", "SKU-TS-NV-L", "SKU-TS-WH-M", "SKU-DET-3L",
        "SKU-TAN-3", "SKU-CHG-65", "SKU-CHAIR-KH", "SKU-HC-SET", "SKU-TTEOK-2"]
KINDS = {"cp": ("coupang", sandbox.COUPANG_VENDOR), "ss": ("smartstore", sandbox.SMARTSTORE_CLIENT_ID),
         "sp": ("shopee", str(sandbox.SHOPEE_SHOP_ID)), "q10": ("qoo10jp", sandbox.QOO10_USER_ID)}


class SyncStock(UploadCase):
    orders = 0

    def setUp(self):
        super().setUp()
        base = self.sb.base_url
        self.uoms("channels", "add", "cp", "--kind", "coupang", "--set", f"base_url={base}",
                  "--set", f"vendor_id={sandbox.COUPANG_VENDOR}", "--secret", f"access_key={sandbox.COUPANG_ACCESS_KEY}",
                  "--secret", f"secret_key={sandbox.COUPANG_SECRET_KEY}")
        self.uoms("channels", "add", "ss", "--kind", "smartstore", "--set", f"base_url={base}",
                  "--set", f"client_id={sandbox.SMARTSTORE_CLIENT_ID}", "--secret-stdin", "client_secret",
                  stdin=sandbox.SMARTSTORE_CLIENT_SECRET + "\n")
        self.uoms("channels", "add", "sp", "--kind", "shopee", "--set", f"base_url={base}",
                  "--set", f"partner_id={sandbox.SHOPEE_PARTNER_ID}", "--set", f"shop_id={sandbox.SHOPEE_SHOP_ID}",
                  "--secret", f"partner_key={sandbox.SHOPEE_PARTNER_KEY}",
                  "--secret", f"refresh_token={sandbox.SHOPEE_REFRESH_TOKEN}")
        self.uoms("channels", "add", "q10", "--kind", "qoo10jp", "--set", f"base_url={base}", "--set", "rate_limit=20",
                  "--set", f"user_id={sandbox.QOO10_USER_ID}", "--secret", f"api_key={sandbox.QOO10_API_KEY}",
                  "--secret", f"password={sandbox.QOO10_PASSWORD}")
        path = os.path.join(self.home, "products.csv")
        with open(path, "w", encoding="utf-8") as f:
            f.write("sku,name,on_hand\n" + "".join(f"{sku},{sku},100\n" for sku in SKUS))
        self.uoms("--quiet", "products", "import", path)

    # --- helpers ---------------------------------------------------------------------------

    def sync(self, *args, expect=0):
        return json.loads(self.uoms("--json", "sync-stock", "--retries", "0", *args, expect=expect))

    def book(self, kind, account):
        return self.sb._control("GET", "stock", query=f"kind={kind}&account={account}")

    def available(self):
        shown = json.loads(self.uoms("--json", "stock", "show"))["products"]
        return {p["sku"]: p["available"] for p in shown}

    def assert_marketplaces_show_available(self):
        """Every mapped listing uoms knows shows the SKU's available quantity on its marketplace."""
        available = self.available()
        listings = json.loads(self.uoms("--json", "listings", "list"))["listings"]
        self.assertTrue(listings)
        for channel, (kind, account) in KINDS.items():
            book = {(entry["item"], entry["option"]): entry for entry in self.book(kind, account)["listings"]}
            mine = [entry for entry in listings if entry["channel"] == channel and entry["sku"]]
            self.assertTrue(mine, channel)
            for entry in mine:
                option = entry["option"] if entry["option"] or kind != "shopee" else "0"
                remote = book[(entry["item"], option)]
                self.assertEqual(remote["stock"], available[entry["sku"]], (channel, entry))

    def collect(self):
        self.uoms("--quiet", "collect")

    # --- tests -----------------------------------------------------------------------------

    def test_orders_from_two_channels_lower_every_listing_and_a_cancel_raises_it(self):
        coupang = self.sb.add(sandbox.COUPANG_VENDOR, 3)
        self.sb.add(sandbox.SMARTSTORE_CLIENT_ID, 3)
        self.sb.add(sandbox.QOO10_USER_ID, 2)
        self.sb.add(str(sandbox.SHOPEE_SHOP_ID), 2)
        expire = {e["item"]: e["expire_date"] for e in self.book("qoo10jp", sandbox.QOO10_USER_ID)["listings"]}
        self.collect()
        fetched = json.loads(self.uoms("--json", "listings", "fetch"))
        self.assertEqual({c["channel"]: c["status"] for c in fetched["channels"]},
                         {"cp": "completed", "ss": "completed", "sp": "completed", "q10": "completed"}, fetched)

        first = self.sync()
        self.assertEqual(first["exit_code"], 0, first)
        for c in first["channels"]:
            self.assertEqual((c["status"], c["failed"]), ("completed", 0), c)
            self.assertGreater(c["pushed"], 0, c)
        self.assert_marketplaces_show_available()
        sold = {sku for o in coupang for sku in [i["sku"] for i in o["items"]]}
        self.assertTrue(any(self.available()[sku] < 100 for sku in sold))

        # Nothing changed: nothing is pushed. A dry run of everything pushes nothing either.
        second = self.sync()
        self.assertEqual([c["pushed"] for c in second["channels"]], [0, 0, 0, 0], second)
        writes = {kind: len(self.book(kind, account)["writes"]) for kind, account in KINDS.values()}
        dry = self.sync("--dry-run", "--full")
        for c in dry["channels"]:
            self.assertTrue(c["would_push"], c)
            self.assertTrue(all(p["request"] for p in c["would_push"]), c)
        self.assertEqual({kind: len(self.book(kind, account)["writes"]) for kind, account in KINDS.values()}, writes)

        # A cancelled Coupang order gives its units back to every channel.
        cancelled = coupang[0]
        self.sb._control("POST", "cancel", {"account": sandbox.COUPANG_VENDOR, "ids": [cancelled["order_id"]]})
        before = self.available()
        self.collect()
        after = self.available()
        for item in cancelled["items"]:
            self.assertGreater(after[item["sku"]], before[item["sku"]], item)
        third = self.sync()
        self.assertEqual(third["exit_code"], 0, third)
        self.assertTrue(all(c["pushed"] > 0 for c in third["channels"]), third)
        self.assert_marketplaces_show_available()

        # Qoo10's sale end dates are exactly as they were: uoms always re-sent them.
        now = {e["item"]: e["expire_date"] for e in self.book("qoo10jp", sandbox.QOO10_USER_ID)["listings"]}
        self.assertEqual(now, expire)
        self.assertFalse([w for w in self.book("qoo10jp", sandbox.QOO10_USER_ID)["writes"]
                          if "without ExpireDate" in w["call"]])

    def test_a_sale_uoms_has_not_collected_is_held_back(self):
        self.uoms("--quiet", "listings", "fetch", "--channel", "sp")
        self.sync("--channel", "sp")
        listing = next(e for e in self.book("shopee", str(sandbox.SHOPEE_SHOP_ID))["listings"]
                       if e["seller_code"] == "SKU-RICE-5")
        self.sb._control("POST", "stock", {"kind": "shopee", "account": str(sandbox.SHOPEE_SHOP_ID),
                                           "item": listing["item"], "option": listing["option"], "sell": 3})
        # Nothing uoms knows changed: the listing is neither read nor pushed, so 97 stays 97.
        quiet = self.sync("--channel", "sp")
        self.assertEqual((quiet["channels"][0]["pushed"], quiet["channels"][0]["drift"]), (0, 0), quiet)
        self.assertEqual(self.remote_rice(), 97)
        # New stock arrives: before pushing, uoms reads 97 where it expected 100, holds the 3
        # units back and adds the 10 on top of what the marketplace shows, never back to 110.
        self.uoms("--quiet", "stock", "adjust", "SKU-RICE-5", "+10", "--reason", "delivery")
        drifted = self.sync("--channel", "sp")
        self.assertEqual((drifted["channels"][0]["drift"], drifted["channels"][0]["pushed"]), (1, 1), drifted)
        mine = next(e for e in json.loads(self.uoms("--json", "listings", "list", "--channel", "sp"))["listings"]
                    if e["sku"] == "SKU-RICE-5")
        self.assertEqual(mine["held_back"], 3)
        details = self.details(drifted["job_id"], "drift")
        self.assertTrue(details and "held back" in details[0]["error"], details)
        self.assertEqual(self.remote_rice(), 107)

    def remote_rice(self):
        return next(e for e in self.book("shopee", str(sandbox.SHOPEE_SHOP_ID))["listings"]
                    if e["seller_code"] == "SKU-RICE-5")["stock"]

    def test_kill_during_a_pass_is_settled_by_the_next(self):
        # Coupang learns its listings from orders; Smartstore and Qoo10 read the items orders named.
        self.sb.add(sandbox.COUPANG_VENDOR, 3)
        self.sb.add(sandbox.SMARTSTORE_CLIENT_ID, 3)
        self.sb.add(sandbox.QOO10_USER_ID, 2)
        self.collect()
        self.uoms("--quiet", "listings", "fetch")
        runs = int(os.environ.get("UOMS_KILL_RUNS", "4"))
        rng = random.Random(11)
        for run in range(runs):
            self.uoms("--quiet", "stock", "adjust", SKUS[run % len(SKUS)], "-1", "--reason", f"run {run}")
            for sku in SKUS[:4]:
                self.uoms("--quiet", "stock", "adjust", sku, "+1", "--reason", f"run {run}")
            proc = subprocess.Popen([UOMS, "--quiet", "sync-stock", "--full"], env=self.env, cwd=self.home,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.05, 1.0))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            self.sync()
            self.assert_marketplaces_show_available()
            rows = json.loads(self.uoms("--json", "listings", "list"))["listings"]
            self.assertTrue(all(r["pushed_quantity"] is not None for r in rows if r["sku"]), rows)


if __name__ == "__main__":
    unittest.main()
