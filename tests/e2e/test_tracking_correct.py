"""`uoms tracking correct` through the real binary against the sandbox's Coupang
orders/updateInvoices and PlayAuto order/setInvoice (overwrite true) routes: an uploaded
number is corrected exactly once by the next upload-tracking pass (the sandbox's ledger and
order sheets show the new number; the dry run before printed exactly the body sent), a
cancelled order is refused, a kind without a correction call is refused with exit 2 and
nothing changed, and a correcting pass killed with `kill -9` is settled by reading back,
the correction sent once.
"""

import collections
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
from upload_case import UOMS, UploadCase  # noqa: E402


class TrackingCorrect(UploadCase):
    orders = 0

    def add_coupang(self):
        self.uoms("channels", "add", "cp", "--kind", "coupang", "--set", f"base_url={self.sb.base_url}",
                  "--set", f"vendor_id={sandbox.COUPANG_VENDOR}", "--secret", f"access_key={sandbox.COUPANG_ACCESS_KEY}",
                  "--secret", f"secret_key={sandbox.COUPANG_SECRET_KEY}")

    def uploaded(self, count, prefix="6"):
        """`count` new orders collected, given numbers and uploaded; returns {order: number}."""
        orders = [o["order_id"] for o in self.sb.add(sandbox.COUPANG_VENDOR, count)]
        self.uoms("--quiet", "collect")
        numbers = {o: f"{prefix}{i:011d}" for i, o in enumerate(orders)}
        self.import_csv([("cp", o, "", "CJ", numbers[o]) for o in orders])
        doc = self.upload()
        self.assertEqual(doc["channels"][0]["uploaded"], count, doc)
        return numbers

    def received(self, call):
        rows = self.sb._control("GET", "tracking", query="account=" + sandbox.COUPANG_VENDOR)["received"]
        return [r for r in rows if r["call"] == call]

    def shipments(self):
        with sqlite3.connect(os.path.join(self.home, "uoms.db")) as db:
            return {row[0]: row[1:] for row in db.execute(
                "SELECT o.external_id, s.state, s.carrier, s.tracking_number, s.correction_number FROM shipments s "
                "JOIN orders o ON o.id = s.order_id")}

    def run_uoms(self, *args):
        p = subprocess.run([UOMS, *args], env=self.env, cwd=self.home, capture_output=True, text=True, timeout=300)
        return p.returncode, p.stdout, p.stderr

    def test_corrected_once_through_update_invoices(self):
        self.add_coupang()
        numbers = self.uploaded(2)
        order, untouched = list(numbers)
        out = self.uoms("tracking", "correct", "--channel", "cp", "--order", order, "--carrier", "HANJIN",
                        "--number", "712345678901")
        self.assertIn("correction to HANJIN 712345678901 queued on 1 of 1 shipment(s)", out)
        pending = json.loads(self.uoms("--json", "tracking", "pending"))["shipments"]
        self.assertEqual([(s["order"], s["state"], s["number"], s["correction"]) for s in pending],
                         [(order, "correct", numbers[order], {"carrier": "HANJIN", "number": "712345678901"})])
        self.assertEqual(self.received("updateInvoices"), [])

        dry = json.loads(self.uoms("--json", "upload-tracking", "--dry-run"))
        self.assertEqual([(p["order"], p["number"], p["carrier_code"], p["action"])
                          for p in dry["channels"][0]["would_send"]],
                         [(order, "712345678901", "HANJIN", "would_correct")])
        self.assertEqual(self.received("updateInvoices"), [])

        first = self.upload()
        self.assertEqual((first["exit_code"], first["channels"][0]["corrected"]), (0, 1), first)
        got = self.received("updateInvoices")
        self.assertTrue(got)
        self.assertEqual({(r["order_id"], r["carrier"], r["tracking_number"], r["result"]) for r in got},
                         {(order, "HANJIN", "712345678901", "OK")})
        self.assertEqual(len({(r["shipment"], r["item"]) for r in got}), len(got))  # one DTO per item, once
        self.assertEqual(self.shipments()[order], ("uploaded", "HANJIN", "712345678901", None))
        self.assertEqual(self.shipments()[untouched], ("uploaded", "CJ", numbers[untouched], None))
        corrected = self.details(first["job_id"], "corrected")
        self.assertEqual([d["error"] for d in corrected], [f"HANJIN 712345678901 replaces CJ {numbers[order]}"])

        # Nothing is sent again, and a collect sees the new number on the box.
        self.assertEqual(self.upload()["channels"][0]["corrected"], 0)
        self.uoms("--quiet", "collect")
        self.assertEqual(self.upload()["channels"][0]["corrected"], 0)
        self.assertEqual(len(self.received("updateInvoices")), len(got))
        self.assertEqual(self.shipments()[order], ("uploaded", "HANJIN", "712345678901", None))
        self.assertEqual(self.uoms("tracking", "pending"), "nothing to upload\n")

    def test_refused_for_a_cancelled_order_a_status_and_a_number_not_uploaded(self):
        self.add_coupang()
        numbers = self.uploaded(3)
        known, late, spare = list(numbers)
        # Cancelled and collected: refused at once.
        self.sb._control("POST", "cancel", {"account": sandbox.COUPANG_VENDOR, "ids": [known]})
        self.uoms("--quiet", "collect")
        code, out, err = self.run_uoms("tracking", "correct", "--channel", "cp", "--order", known, "--carrier", "CJ",
                                       "--number", "712345678901")
        self.assertEqual((code, out), (2, ""), err)
        self.assertIn("is cancelled: a tracking number is not corrected", err)
        # Cancelled after the correction was queued: the pass re-reads the order and parks it.
        self.uoms("--quiet", "tracking", "correct", "--channel", "cp", "--order", late, "--carrier", "CJ",
                  "--number", "712345678902")
        self.sb._control("POST", "cancel", {"account": sandbox.COUPANG_VENDOR, "ids": [late]})
        doc = self.upload(expect=3)
        self.assertEqual(doc["channels"][0]["attention"], 1, doc)
        self.assertEqual(self.received("updateInvoices"), [])
        state = self.shipments()[late]
        self.assertEqual(state, ("attention", "CJ", numbers[late], "712345678902"))
        pending = json.loads(self.uoms("--json", "tracking", "pending", "--attention"))["shipments"]
        self.assertIn("since the last collect: the correction is not sent", pending[0]["error"])
        # Correcting back to the uploaded number forgets the parked correction.
        self.uoms("--quiet", "tracking", "correct", "--channel", "cp", "--order", late, "--carrier", "CJ",
                  "--number", numbers[late])
        self.assertEqual(self.shipments()[late], ("uploaded", "CJ", numbers[late], None))
        # Coupang takes a correction only in DEPARTURE, DELIVERING, FINAL_DELIVERY or NONE_TRACKING:
        # a box in another status is refused before the call and parked with the reason.
        box = self.sb.mutate(sandbox.COUPANG_VENDOR, ids=[spare], status="INSTRUCT")[0]["shipment_box_id"]
        self.uoms("--quiet", "tracking", "correct", "--channel", "cp", "--order", spare, "--carrier", "CJ",
                  "--number", "712345678904")
        doc = self.upload(expect=3)
        self.assertEqual((doc["channels"][0]["attention"], doc["channels"][0]["corrected"]), (1, 0), doc)
        self.assertEqual(self.received("updateInvoices"), [])
        self.assertEqual(self.shipments()[spare], ("attention", "CJ", numbers[spare], "712345678904"))
        attention = self.details(doc["job_id"], "attention")
        self.assertEqual([d["error"] for d in attention],
                         [f"correction refused: INVALID_STATUS: box {box} is INSTRUCT; Coupang corrects an invoice only "
                          f"in DEPARTURE, DELIVERING, FINAL_DELIVERY or NONE_TRACKING (the marketplace keeps CJ "
                          f"{numbers[spare]})"])
        # Back in a shipped status, correcting again sends it.
        self.sb.mutate(sandbox.COUPANG_VENDOR, ids=[box], status="DELIVERING")
        self.uoms("--quiet", "tracking", "correct", "--channel", "cp", "--order", spare, "--carrier", "CJ",
                  "--number", "712345678904")
        self.assertEqual(self.upload()["channels"][0]["corrected"], 1)
        self.assertEqual(self.shipments()[spare], ("uploaded", "CJ", "712345678904", None))
        self.assertEqual(len(self.received("updateInvoices")), 1)
        # A number not uploaded yet is changed with `tracking set --replace`, not corrected.
        fresh = self.sb.add(sandbox.COUPANG_VENDOR, 1)[0]["order_id"]
        self.uoms("--quiet", "collect")
        self.import_csv([("cp", fresh, "", "CJ", "699999999999")])
        code, out, err = self.run_uoms("tracking", "correct", "--channel", "cp", "--order", fresh, "--carrier", "CJ",
                                       "--number", "712345678903")
        self.assertEqual(code, 2, err)
        self.assertIn("has no uploaded number to correct: use `uoms tracking set --replace`", err)

    def test_playauto_corrected_once_through_set_invoice_with_overwrite(self):
        self.uoms("channels", "add", "pa", "--kind", "playauto", "--set", f"base_url={self.sb.base_url}/api",
                  "--set", f"email={sandbox.PLAYAUTO_EMAIL}", "--secret", f"api_key={sandbox.PLAYAUTO_API_KEY}",
                  "--secret", f"password={sandbox.PLAYAUTO_PASSWORD}")
        bundles = [o["bundle_no"] for o in self.sb.add(sandbox.PLAYAUTO_EMAIL, 3)]
        self.uoms("--quiet", "collect")
        numbers = {b: f"CJ{i:06d}" for i, b in enumerate(bundles)}
        self.import_csv([("pa", b, "", "CJ", numbers[b]) for b in bundles])
        self.assertEqual(self.upload()["channels"][0]["uploaded"], 3)
        moving, shipped, untouched = bundles

        def invoices():
            return [json.loads(r["body"]) for r in self.sb.requests(kind="playauto")
                    if r["path"] == "/api/order/setInvoice" and r["status"] == 200]

        uploads = invoices()
        self.assertEqual([b["overwrite"] for b in uploads], [False])
        # In 배송중 PlayAuto replaces an invoice (and keeps the status); 출고완료, where the
        # upload left the other bundle, is not a status setInvoice takes (playauto.md §3.4).
        self.sb.mutate(sandbox.PLAYAUTO_EMAIL, ids=[moving], status="배송중")
        self.uoms("--quiet", "tracking", "correct", "--channel", "pa", "--order", moving, "--carrier", "HANJIN",
                  "--number", "HJ000001")
        self.uoms("--quiet", "tracking", "correct", "--channel", "pa", "--order", shipped, "--carrier", "HANJIN",
                  "--number", "HJ000002")

        dry = json.loads(self.uoms("--json", "upload-tracking", "--dry-run"))["channels"][0]
        self.assertEqual({p["order"]: p["action"] for p in dry["would_send"]},
                         {moving: "would_correct", shipped: "would_fail"}, dry)
        self.assertEqual([(r["method"], r["path"]) for r in dry["requests"]], [("PUT", "/api/order/setInvoice")])
        planned = json.loads(dry["requests"][0]["body"])
        self.assertEqual((planned["overwrite"], planned["orders"]),
                         (True, [{"bundle_no": moving, "carr_no": "5", "invoice_no": "HJ000001"}]))
        self.assertEqual(invoices(), uploads)

        doc = self.upload(expect=3)
        self.assertEqual((doc["channels"][0]["corrected"], doc["channels"][0]["attention"]), (1, 1), doc)
        self.assertEqual(invoices(), uploads + [planned])  # exactly the body the dry run printed, once
        ledger = self.sb.request_json("GET", "/__sandbox/tracking", "kind=playauto")[2]
        self.assertEqual([(e["order"], e["carrier"], e["number"]) for e in ledger if e["order"] == moving],
                         [(moving, "4", numbers[moving]), (moving, "5", "HJ000001")])
        truth = {o["bundle_no"]: {i["status"] for i in o["items"]} for o in self.sb.orders(sandbox.PLAYAUTO_EMAIL)}
        self.assertEqual((truth[moving], truth[shipped]), ({"배송중"}, {"출고완료"}))
        self.assertEqual(self.shipments()[moving], ("uploaded", "HANJIN", "HJ000001", None))
        self.assertEqual(self.shipments()[shipped], ("attention", "CJ", numbers[shipped], "HJ000002"))
        self.assertEqual(self.shipments()[untouched], ("uploaded", "CJ", numbers[untouched], None))
        attention = self.details(doc["job_id"], "attention")
        self.assertEqual([d["error"] for d in attention],
                         [f"correction refused: bundle {shipped} is in status 출고완료; PlayAuto replaces an invoice "
                          f"only in 출고대기, 출고보류, 운송장출력, 주문재확인 or 배송중 (the marketplace keeps CJ "
                          f"{numbers[shipped]})"])

        # Nothing is sent again, and a collect sees the new number on the bundle.
        self.assertEqual(self.upload()["channels"][0]["corrected"], 0)
        self.uoms("--quiet", "collect")
        self.assertEqual(self.upload()["channels"][0]["corrected"], 0)
        self.assertEqual(invoices(), uploads + [planned])
        self.assertEqual(self.shipments()[moving], ("uploaded", "HANJIN", "HJ000001", None))

    def test_kind_without_correction_call_is_refused_and_nothing_changes(self):
        self.uoms("channels", "add", "ss", "--kind", "smartstore", "--set", f"base_url={self.sb.base_url}",
                  "--set", f"client_id={sandbox.SMARTSTORE_CLIENT_ID}", "--secret-stdin", "client_secret",
                  stdin=sandbox.SMARTSTORE_CLIENT_SECRET + "\n")
        order = self.sb.add(sandbox.SMARTSTORE_CLIENT_ID, 1)[0]["order_id"]
        self.uoms("--quiet", "collect")
        self.import_csv([("ss", order, "", "CJ", "512345678901")])
        self.upload()
        before = self.shipments()
        self.assertEqual({s[0] for s in before.values()}, {"uploaded"})
        code, out, err = self.run_uoms("tracking", "correct", "--channel", "ss", "--order", order, "--carrier", "CJ",
                                       "--number", "512345678902")
        self.assertEqual((code, out), (2, ""), err)
        self.assertEqual(err, "uoms: error: kind smartstore has no tracking correction call in its contract: correct "
                              "it in the seller center (channel ss is unchanged)\n")
        self.assertEqual(self.shipments(), before)


class TrackingCorrectKills(TrackingCorrect):
    latency_ms = 40  # every call takes a while, so kills land inside calls too
    test_corrected_once_through_update_invoices = None
    test_refused_for_a_cancelled_order_a_status_and_a_number_not_uploaded = None
    test_kind_without_correction_call_is_refused_and_nothing_changes = None
    test_playauto_corrected_once_through_set_invoice_with_overwrite = None

    def test_kill_during_the_correcting_pass_then_a_normal_pass(self):
        self.add_coupang()
        rng = random.Random(int(os.environ.get("UOMS_KILL_SEED", "11")))
        runs = int(os.environ.get("UOMS_KILL_RUNS", "3"))
        wanted = {}
        killed = settled = 0
        for run in range(runs):
            numbers = self.uploaded(6, prefix=str(run + 1))
            for i, order in enumerate(numbers):
                wanted[order] = f"8{run:03d}{i:08d}"
                self.uoms("--quiet", "tracking", "correct", "--channel", "cp", "--order", order, "--carrier", "HANJIN",
                          "--number", wanted[order])
            p = subprocess.Popen([UOMS, "--quiet", "upload-tracking", "--retries", "0"], env=self.env, cwd=self.home,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.05, 1.2))
            if p.poll() is None:
                killed += 1
                p.send_signal(signal.SIGKILL)
            p.wait()
            settled += self.upload()["channels"][0]["settled"]

        got = self.received("updateInvoices")
        self.assertTrue(all(r["result"] == "OK" for r in got), got)
        per_item = collections.Counter((r["shipment"], r["item"]) for r in got)
        self.assertEqual({k: n for k, n in per_item.items() if n > 1}, {},
                         f"corrections sent twice ({killed} of {runs} passes killed)")
        self.assertEqual({r["order_id"]: r["tracking_number"] for r in got}, wanted)
        states = self.shipments()
        self.assertEqual({o: states[o] for o in wanted}, {o: ("uploaded", "HANJIN", n, None) for o, n in wanted.items()})
        print(f"correction kills: {runs} runs, {killed} killed mid-pass, {settled} settled by reading back, "
              f"{len(wanted)} corrections, 0 doubled, 0 lost")

    def test_kill_during_a_playauto_correcting_pass_then_a_normal_pass(self):
        # rate_limit above PlayAuto's default 1/s, so the bundle look-ups before the correction
        # are quick and the kills land around the setInvoice call.
        self.uoms("channels", "add", "pa", "--kind", "playauto", "--set", f"base_url={self.sb.base_url}/api",
                  "--set", "rate_limit=50", "--set", f"email={sandbox.PLAYAUTO_EMAIL}", "--secret", f"api_key={sandbox.PLAYAUTO_API_KEY}",
                  "--secret", f"password={sandbox.PLAYAUTO_PASSWORD}")
        rng = random.Random(int(os.environ.get("UOMS_KILL_SEED", "12")))
        runs = int(os.environ.get("UOMS_KILL_RUNS", "3"))
        wanted = {}
        killed = settled = 0
        for run in range(runs):
            bundles = [o["bundle_no"] for o in self.sb.add(sandbox.PLAYAUTO_EMAIL, 6)]
            self.uoms("--quiet", "collect")
            self.import_csv([("pa", b, "", "CJ", f"CJ{run}{i:05d}") for i, b in enumerate(bundles)])
            self.assertEqual(self.upload()["channels"][0]["uploaded"], 6)
            self.sb.mutate(sandbox.PLAYAUTO_EMAIL, ids=bundles, status="배송중")
            for i, b in enumerate(bundles):
                wanted[b] = f"HJ{run}{i:05d}"
                self.uoms("--quiet", "tracking", "correct", "--channel", "pa", "--order", b, "--carrier", "HANJIN",
                          "--number", wanted[b])
            # The correcting call takes a while, so a kill often lands while it is in flight.
            self.sb.fault("slow", path_contains="/order/setInvoice", delay_ms=700)
            p = subprocess.Popen([UOMS, "--quiet", "upload-tracking", "--retries", "0"], env=self.env, cwd=self.home,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.05, 1.5))
            if p.poll() is None:
                killed += 1
                p.send_signal(signal.SIGKILL)
            p.wait()
            settled += self.upload()["channels"][0]["settled"]

        # Each new number went out in exactly one setInvoice with overwrite, and each bundle
        # holds it now.
        overwrites = collections.Counter()
        for r in self.sb.requests(kind="playauto"):
            if r["path"] == "/api/order/setInvoice" and r["status"] == 200:
                body = json.loads(r["body"])
                if body["overwrite"]:
                    overwrites.update((o["bundle_no"], o["invoice_no"]) for o in body["orders"])
        self.assertEqual({k: n for k, n in overwrites.items() if n > 1}, {},
                         f"corrections sent twice ({killed} of {runs} passes killed)")
        self.assertEqual(dict(overwrites), {(b, n): 1 for b, n in wanted.items()})
        ledger = self.sb.request_json("GET", "/__sandbox/tracking", "kind=playauto")[2]
        latest = {e["order"]: e["number"] for e in ledger}
        self.assertEqual({b: latest[b] for b in wanted}, wanted)
        states = self.shipments()
        self.assertEqual({b: states[b] for b in wanted}, {b: ("uploaded", "HANJIN", n, None) for b, n in wanted.items()})
        print(f"playauto correction kills: {runs} runs, {killed} killed mid-pass, {settled} settled by reading back, "
              f"{len(wanted)} corrections, 0 doubled, 0 lost")


if __name__ == "__main__":
    unittest.main(verbosity=2)
