"""`uoms collect`, `uoms tracking import` and `uoms upload-tracking` through the real binary
against the sandbox's Coupang and Smartstore upload routes: acknowledgement and confirmation
first, every eligible number reaches the marketplace exactly once (GET /__sandbox/tracking), a
second pass sends nothing, and an order the buyer cancelled after collect is not sent.
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sandbox  # noqa: E402
from upload_case import UploadCase  # noqa: E402


class UploadTrackingKr(UploadCase):
    orders = 0

    def received(self, account):
        rows = self.sb._control("GET", "tracking", query="account=" + account)["received"]
        return [r for r in rows if r["result"] == "OK"]

    def skipped(self, job):
        return [d["external_id"] for d in self.details(job, "skipped")]

    def test_coupang(self):
        self.uoms("channels", "add", "cp", "--kind", "coupang", "--set", f"base_url={self.sb.base_url}",
                  "--set", f"vendor_id={sandbox.COUPANG_VENDOR}", "--secret", f"access_key={sandbox.COUPANG_ACCESS_KEY}",
                  "--secret", f"secret_key={sandbox.COUPANG_SECRET_KEY}")
        orders = [o["order_id"] for o in self.sb.add(sandbox.COUPANG_VENDOR, 4)]
        self.uoms("--quiet", "collect")
        self.sb._control("POST", "cancel", {"account": sandbox.COUPANG_VENDOR, "ids": [orders[-1]]})
        numbers = {o: f"6{i:011d}" for i, o in enumerate(orders)}
        self.import_csv([("cp", o, "", "CJ", numbers[o]) for o in orders])

        first = self.upload()
        self.assertEqual(first["exit_code"], 0, first)
        self.assertEqual((first["channels"][0]["uploaded"], first["channels"][0]["skipped"]), (3, 1), first)
        self.assertTrue(any(orders[-1] in i for i in self.skipped(first["job_id"])))
        # One DTO per vendorItemId: each box's number arrived once per item, never twice.
        got = self.received(sandbox.COUPANG_VENDOR)
        per_order = {}
        for r in got:
            per_order.setdefault(r["order_id"], set()).add(r["tracking_number"])
        self.assertEqual(per_order, {o: {numbers[o]} for o in orders[:-1]})
        self.assertEqual(len({(r["shipment"], r["item"]) for r in got}), len(got))

        second = self.upload()
        self.assertEqual((second["exit_code"], second["channels"][0]["uploaded"]), (0, 0), second)
        self.assertEqual(len(self.received(sandbox.COUPANG_VENDOR)), len(got))
        # A later collect sees the numbers on the boxes; nothing is sent again.
        self.uoms("--quiet", "collect")
        self.assertEqual(self.upload()["channels"][0]["uploaded"], 0)
        self.assertEqual(len(self.received(sandbox.COUPANG_VENDOR)), len(got))

    def test_smartstore(self):
        self.uoms("channels", "add", "ss", "--kind", "smartstore", "--set", f"base_url={self.sb.base_url}",
                  "--set", f"client_id={sandbox.SMARTSTORE_CLIENT_ID}", "--secret-stdin", "client_secret",
                  stdin=sandbox.SMARTSTORE_CLIENT_SECRET + "\n")
        added = self.sb.add(sandbox.SMARTSTORE_CLIENT_ID, 4)
        orders = [o["order_id"] for o in added]
        self.uoms("--quiet", "collect")
        # A cancel request arrives after the collect.
        self.sb._control("POST", "cancel", {"account": sandbox.SMARTSTORE_CLIENT_ID,
                                            "ids": [added[-1]["product_order_ids"][0]], "request": True})
        numbers = {o: f"5{i:011d}" for i, o in enumerate(orders)}
        self.import_csv([("ss", o, "", "LOTTE", numbers[o]) for o in orders])

        # One shipment per product order: the one with the cancel request is skipped, the
        # rest of that order still ships.
        cancelled = added[-1]["product_order_ids"][0]
        expected = sorted((o["order_id"], po, numbers[o["order_id"]]) for o in added for po in o["product_order_ids"]
                          if po != cancelled)
        first = self.upload()
        self.assertEqual(first["exit_code"], 0, first)
        self.assertEqual((first["channels"][0]["uploaded"], first["channels"][0]["skipped"]), (len(expected), 1), first)
        self.assertTrue(any(cancelled in i for i in self.skipped(first["job_id"])))
        got = self.received(sandbox.SMARTSTORE_CLIENT_ID)
        self.assertEqual(sorted((r["order_id"], r["shipment"], r["tracking_number"]) for r in got), expected)
        self.assertEqual({r["carrier"] for r in got}, {"HYUNDAI"})
        self.assertEqual(self.upload()["channels"][0]["uploaded"], 0)
        self.assertEqual(len(self.received(sandbox.SMARTSTORE_CLIENT_ID)), len(expected))


if __name__ == "__main__":
    unittest.main(verbosity=2)
