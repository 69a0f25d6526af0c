"""`uoms upload-tracking --dry-run` through the real binary against the sandbox, for every kind
with an upload call: the pass prints each write request it would make (method, path and the
body as the marketplace would receive it, built by the connector's real write-back and recorded
instead of sent), with the tracking numbers, carrier codes and ids in the marketplace's fields
and no secret anywhere; the sandbox receives no write (its request log shows only reads), the
database is unchanged, and the real pass that follows sends exactly those requests.
"""

import json
import os
import sqlite3
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sandbox  # noqa: E402
from upload_case import UploadCase  # noqa: E402

SHOP = str(sandbox.SHOPEE_SHOP_ID)
SECRETS = [sandbox.COUPANG_ACCESS_KEY, sandbox.COUPANG_SECRET_KEY, sandbox.SMARTSTORE_CLIENT_SECRET,
           sandbox.SHOPEE_PARTNER_KEY, sandbox.SHOPEE_REFRESH_TOKEN, sandbox.QOO10_API_KEY, sandbox.QOO10_PASSWORD,
           sandbox.PLAYAUTO_API_KEY, sandbox.PLAYAUTO_PASSWORD]
# The calls a dry run may still make: reads (status re-checks, look-ups, tokens). Every other
# request in the sandbox's log during a dry run would be a write.
READS = {
    "coupang": lambda r: r["method"] == "GET",
    "smartstore": lambda r: r["method"] == "GET" or r["path"].endswith(("/oauth2/token", "/product-orders/query")),
    "shopee": lambda r: r["method"] == "GET" or r["path"].endswith(("/auth/token/get", "/auth/access_token/get")),
    "qoo10jp": lambda r: r["path"].endswith(("ShippingBasic.GetShippingInfo_v2", "CertificationAPI.CreateCertificationKey")),
    "playauto": lambda r: r["method"] == "GET" or r["path"] in ("/api/auth", "/api/orders"),
}
# Tables a pass writes; a dry run records only its job (jobs, job_details) and may renew a
# token (channel_tokens), both outside this list.
TABLES = ["orders", "order_items", "shipments", "products", "listings", "stock_movements", "item_stock",
          "fetch_windows", "sync_state", "processed_files"]


class UploadDryRun(UploadCase):
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
        self.uoms("channels", "add", "q10", "--kind", "qoo10jp", "--set", f"base_url={base}",
                  "--set", f"user_id={sandbox.QOO10_USER_ID}", "--secret", f"api_key={sandbox.QOO10_API_KEY}",
                  "--secret", f"password={sandbox.QOO10_PASSWORD}")
        self.uoms("channels", "add", "pa", "--kind", "playauto", "--set", f"base_url={base}/api",
                  "--set", f"email={sandbox.PLAYAUTO_EMAIL}", "--secret", f"api_key={sandbox.PLAYAUTO_API_KEY}",
                  "--secret", f"password={sandbox.PLAYAUTO_PASSWORD}")
        self.added = {
            "cp": self.sb.add(sandbox.COUPANG_VENDOR, 2),
            "ss": self.sb.add(sandbox.SMARTSTORE_CLIENT_ID, 2),
            "sp": self.sb.add(SHOP, 2),
            "q10": self.sb.add(sandbox.QOO10_USER_ID, 2),
            "pa": self.sb.add(sandbox.PLAYAUTO_EMAIL, 2),
        }
        self.uoms("--quiet", "collect")
        carriers = {"cp": "CJ", "ss": "LOTTE", "sp": "CJ", "q10": "YAMATO", "pa": "HANJIN"}
        self.numbers = {}
        rows = []
        for c, (channel, orders) in enumerate(self.added.items()):
            for i, o in enumerate(orders):
                number = f"{c + 1}{i}{'0' * 9}{c}{i}"
                self.numbers[(channel, o["order_id"])] = number
                rows.append((channel, o["order_id"], "", carriers[channel], number))
        self.import_csv(rows)

    def snapshot(self):
        with sqlite3.connect(os.path.join(self.home, "uoms.db")) as db:
            return {t: sorted(map(repr, db.execute(f"SELECT * FROM {t}"))) for t in TABLES}

    def writes(self, kind):
        """The requests of `kind` the sandbox received that are not reads."""
        return [r for r in self.sb.requests(kind=kind) if not READS[kind](r)]

    def test_dry_run_prints_what_a_real_pass_sends(self):
        before = self.snapshot()
        self.sb._control("DELETE", "requests")
        out = self.uoms("--json", "upload-tracking", "--dry-run")
        doc = json.loads(out)
        self.assertTrue(doc["dry_run"], doc)
        channels = {c["channel"]: c for c in doc["channels"]}
        self.assertEqual(set(channels), set(self.added))

        # Nothing was written: the sandbox saw reads only, and the database is as it was.
        for kind in ("coupang", "smartstore", "shopee", "qoo10jp", "playauto"):
            self.assertEqual(self.writes(kind), [], kind)
        self.assertEqual(self.snapshot(), before)
        for secret in SECRETS:
            self.assertNotIn(secret, out)
        shopee_token = {urllib.parse.parse_qs(r["query"]).get("access_token", [""])[0]
                        for r in self.sb.requests(kind="shopee") if r["method"] == "GET"} - {""}
        self.assertTrue(shopee_token)
        for token in shopee_token:
            self.assertNotIn(token, out)

        # Every shipment would be sent, and each kind's requests carry it in the right fields.
        for name, c in channels.items():
            self.assertEqual(c["status"], "completed", c)
            # Smartstore ships per product order: an order can be several shipments.
            self.assertEqual(sorted({p["order"] for p in c["would_send"]}),
                             sorted(o["order_id"] for o in self.added[name]), c)
            for p in c["would_send"]:
                self.assertEqual(p["number"], self.numbers[(name, p["order"])], p)
            self.assertEqual({p["action"] for p in c["would_send"]}, {"would_send"}, c)
            self.assertTrue(c["requests"], c)
        self.check_coupang(channels["cp"]["requests"])
        self.check_smartstore(channels["ss"]["requests"])
        self.check_shopee(channels["sp"]["requests"])
        self.check_qoo10(channels["q10"]["requests"])
        self.check_playauto(channels["pa"]["requests"])

        # The text form prints the same requests.
        text = self.uoms("upload-tracking", "--dry-run")
        for c in channels.values():
            for r in c["requests"]:
                if "dispatchDate" not in r["body"]:
                    self.assertIn(f"{r['method']} {r['path'].split('?')[0]}", text)
                    self.assertIn(r["body"], text)
        self.assertEqual(self.snapshot(), before)
        for kind in ("coupang", "smartstore", "shopee", "qoo10jp", "playauto"):
            self.assertEqual(self.writes(kind), [], kind)

        # The real pass sends exactly the printed requests, in the same order.
        self.sb._control("DELETE", "requests")
        real = self.upload()
        self.assertEqual(real["exit_code"], 0, real)
        self.assertEqual(sum(c["uploaded"] for c in real["channels"]),
                         sum(len(c["would_send"]) for c in channels.values()), real)
        for name, kind in (("cp", "coupang"), ("ss", "smartstore"), ("sp", "shopee"), ("q10", "qoo10jp"),
                           ("pa", "playauto")):
            printed = [(r["method"], r["path"].split("?")[0], self.comparable(r["body"]))
                       for r in channels[name]["requests"]]
            sent = [(r["method"], r["path"], self.comparable(r["body"])) for r in self.writes(kind)]
            self.assertEqual(sent, printed, name)
        self.assertNotEqual(self.snapshot(), before)

    @staticmethod
    def comparable(body):
        """A body without the one field that names the moment it is built (Smartstore dispatchDate)."""
        try:
            parsed = json.loads(body)
        except ValueError:
            return body
        for entry in parsed.get("dispatchProductOrders", []) if isinstance(parsed, dict) else []:
            entry.pop("dispatchDate", None)
        return parsed

    def check_coupang(self, requests):
        ack = [r for r in requests if r["path"].endswith("/ordersheets/acknowledgement")]
        invoices = [r for r in requests if r["path"].endswith("/orders/invoices")]
        self.assertEqual(len(ack) + len(invoices), len(requests), requests)
        boxes = {int(o["shipment_box_id"]): o["order_id"] for o in self.added["cp"]}
        self.assertEqual(len(ack), 1, requests)
        self.assertEqual(ack[0]["method"], "PUT")
        # The boxes are new (ACCEPT): acknowledged first, all in one call.
        acknowledged = json.loads(ack[0]["body"])
        self.assertEqual((acknowledged["vendorId"], sorted(acknowledged["shipmentBoxIds"])),
                         (sandbox.COUPANG_VENDOR, sorted(boxes)))
        dtos = [d for r in invoices for d in json.loads(r["body"])["orderSheetInvoiceApplyDtos"]]
        self.assertEqual({json.loads(r["body"])["vendorId"] for r in invoices}, {sandbox.COUPANG_VENDOR})
        self.assertEqual({d["shipmentBoxId"] for d in dtos}, set(boxes))
        for d in dtos:
            order = boxes[d["shipmentBoxId"]]
            self.assertEqual((str(d["orderId"]), d["deliveryCompanyCode"], d["invoiceNumber"]),
                             (order, "CJGLS", self.numbers[("cp", order)]))
            self.assertIsInstance(d["vendorItemId"], int)

    def check_smartstore(self, requests):
        dispatch = [r for r in requests if r["path"].endswith("/product-orders/dispatch")]
        self.assertTrue(all(r["method"] == "POST" for r in requests), requests)
        self.assertTrue(all(r["path"].endswith(("/product-orders/dispatch", "/product-orders/confirm"))
                            for r in requests), requests)
        lines = {po: o["order_id"] for o in self.added["ss"] for po in o["product_order_ids"]}
        # The product orders are PAYED and not yet confirmed: confirmed first, then dispatched.
        confirm = [r for r in requests if r["path"].endswith("/product-orders/confirm")]
        self.assertEqual(requests.index(confirm[-1]) < requests.index(dispatch[0]), True, requests)
        self.assertEqual(sorted(i for r in confirm for i in json.loads(r["body"])["productOrderIds"]), sorted(lines))
        entries = [e for r in dispatch for e in json.loads(r["body"])["dispatchProductOrders"]]
        self.assertEqual(sorted(e["productOrderId"] for e in entries), sorted(lines))
        for e in entries:
            self.assertEqual((e["deliveryMethod"], e["deliveryCompanyCode"], e["trackingNumber"]),
                             ("DELIVERY", "HYUNDAI", self.numbers[("ss", lines[e["productOrderId"]])]))

    def check_shopee(self, requests):
        self.assertEqual(len(requests), 2, requests)
        orders = {o["order_id"] for o in self.added["sp"]}
        for r in requests:
            path, _, query = r["path"].partition("?")
            self.assertEqual((r["method"], path), ("POST", "/api/v2/logistics/ship_order"))
            params = urllib.parse.parse_qs(query)
            self.assertEqual(params["sign"], ["********"])
            self.assertEqual(params["access_token"], ["********"])
            self.assertEqual(params["shop_id"], [SHOP])
            body = json.loads(r["body"])
            self.assertIn(body["order_sn"], orders)
            self.assertEqual(body["non_integrated"], {"tracking_number": self.numbers[("sp", body["order_sn"])]})
        self.assertEqual({json.loads(r["body"])["order_sn"] for r in requests}, orders)

    def check_qoo10(self, requests):
        lines = {n: o["order_id"] for o in self.added["q10"] for n in o["order_nos"]}
        self.assertEqual(len(requests), len(lines), requests)
        sent = {}
        for r in requests:
            self.assertEqual(r["method"], "POST")
            self.assertTrue(r["path"].endswith(sandbox.QOO10_BASE + "/ShippingBasic.SetSendingInfo"), r)
            form = dict(urllib.parse.parse_qsl(r["body"]))
            self.assertEqual(set(form), {"OrderNo", "ShippingCorp", "TrackingNo", "returnType"})
            sent[form["OrderNo"]] = (form["ShippingCorp"], form["TrackingNo"])
        self.assertEqual(sent, {n: ("ヤマト宅急便", self.numbers[("q10", o)]) for n, o in lines.items()})

    def check_playauto(self, requests):
        bundles = [o["bundle_no"] for o in self.added["pa"]]
        self.assertEqual([(r["method"], r["path"]) for r in requests],
                         [("PUT", "/api/order/instruction"), ("PUT", "/api/order/setInvoice")])
        self.assertEqual(json.loads(requests[0]["body"]), {"bundle_codes": bundles, "auto_bundle": False})
        body = json.loads(requests[1]["body"])
        self.assertEqual((body["overwrite"], body["change_complete"]), (False, True))
        self.assertEqual(body["orders"], [{"bundle_no": b, "carr_no": "5", "invoice_no": self.numbers[("pa", b)]}
                                          for b in bundles])


if __name__ == "__main__":
    unittest.main(verbosity=2)
