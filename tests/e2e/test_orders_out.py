"""`uoms orders list|show|export`: filters, one order in full, and the CSV / JSON Lines export
(BOM, RFC 4180 quoting, Korean text, streaming to a file).

Run: UOMS_BIN=build/uoms UOMS_SOURCE_DIR=. python3 tests/e2e/test_orders_out.py
Exits 77 (skip) when UOMS_BIN is not set or does not exist.
"""

import csv
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import uoms_e2e  # noqa: E402
from uoms_e2e import read_bytes  # noqa: E402

BOM = b"\xef\xbb\xbf"
TRICKY = 'Tea, "Earl Grey"\nline two'


class OrdersTest(uoms_e2e.TestCase):
    def setUp(self):
        super().setUp()
        self.w.init()
        self.w.add_csv_channel("tea-csv")
        code, out, err = self.w.run(["collect"])
        self.assertIn(code, (0, 3), err)
        self.orders = self.w.scalar("SELECT count(*) FROM orders")
        self.items = self.w.scalar("SELECT count(*) FROM order_items")
        self.assertGreater(self.orders, 3)

    def list_ids(self, *args):
        doc = json.loads(self.w.ok(["--json", "orders", "list", "--limit", "0", *args]))
        return [o["external_id"] for o in doc["orders"]]

    # ---- list ---------------------------------------------------------------------

    def test_list_newest_first_with_local_times(self):
        out = self.w.ok(["orders", "list"])
        lines = out.splitlines()
        self.assertEqual(lines[0].split(), ["CHANNEL", "ORDER", "STATUS", "ORDERED", "TOTAL", "ITEMS", "RECEIVER"])
        self.assertIn("WEB-20261122-0001", out)
        self.assertIn("+09:00", lines[1])
        ordered = [r[0] for r in self.w.query("SELECT ordered_at FROM orders ORDER BY ordered_at DESC, id DESC")]
        ids = self.list_ids()
        self.assertEqual(len(ids), self.orders)
        first = self.w.scalar("SELECT external_id FROM orders WHERE ordered_at = ? ORDER BY id DESC", (ordered[0],))
        self.assertEqual(ids[0], first)

    def test_list_filters(self):
        statuses = dict(self.w.query("SELECT external_id, status FROM orders"))
        some_status = statuses["WEB-20261122-0002"]
        self.assertEqual(sorted(self.list_ids("--status", some_status)),
                         sorted(k for k, v in statuses.items() if v == some_status))
        # 2026-11-22 09:02:11 KST is 00:02:11 UTC; a date is read in the channel's zone.
        self.assertIn("WEB-20261122-0001", self.list_ids("--since", "2026-11-22", "--until", "2026-11-22"))
        self.assertNotIn("WEB-20261122-0001", self.list_ids("--since", "2026-11-22T09:03"))
        self.assertIn("WEB-20261122-0001", self.list_ids("--until", "2026-11-22T09:03+09:00"))
        self.assertEqual(self.list_ids("--since", "2030-01-01"), [])
        self.assertEqual(self.list_ids("--search", "web-20261122-0004"), ["WEB-20261122-0004"])
        self.assertIn("WEB-20261122-0002", self.list_ids("--search", "이서연"))   # buyer / receiver
        self.assertIn("WEB-20261122-0002", self.list_ids("--search", "캐모마일"))  # product name
        two = json.loads(self.w.ok(["--json", "orders", "list", "--channel", "tea-csv", "--limit", "2"]))["orders"]
        self.assertEqual([o["external_id"] for o in two], self.list_ids()[:2])

    def test_list_usage_errors(self):
        self.assertError(self.w.run(["orders", "list", "--channel", "tea-cvs"]), 2,
                         'no channel named "tea-cvs" (did you mean "tea-csv"?)')
        self.assertError(self.w.run(["orders", "list", "--status", "payed"]), 2, '--status: unknown status "payed"',
                         '(did you mean "paid"?)')
        self.assertError(self.w.run(["orders", "list", "--since", "yesterday"]), 2, "--since: expected a date")
        self.assertError(self.w.run(["orders", "list", "--tz", "Mars/Olympus"]), 2, "--tz: expected an offset")

    # ---- show ---------------------------------------------------------------------

    def test_show_text_has_items_shipments_and_history(self):
        self.w.ok(["tracking", "set", "--channel", "tea-csv", "--order", "WEB-20261122-0001", "--carrier", "CJ",
                   "--number", "123456789012"])
        out = self.w.ok(["orders", "show", "--channel", "tea-csv", "WEB-20261122-0001"])
        self.assertIn("order      WEB-20261122-0001 (tea-csv csv)", out)
        self.assertIn("얼그레이 홍차 100g", out)
        self.assertIn("123456789012", out)
        self.assertIn("pending", out)
        self.assertIn("\nhistory\n", out)
        self.assertRegex(out, r"\n1 +collect +2026-\S+ \S+ \+09:00 +order +WEB-20261122-0001 +created")

    def test_show_json_and_without_channel(self):
        doc = json.loads(self.w.ok(["--json", "orders", "show", "WEB-20261122-0001"]))
        self.assertEqual(doc["channel"], "tea-csv")
        self.assertEqual(doc["order_id"], "WEB-20261122-0001")
        self.assertEqual(len(doc["items"]), 2)
        self.assertEqual(doc["items"][0]["product_name"], "얼그레이 홍차 100g")
        self.assertEqual(doc["shipments"], [])
        self.assertEqual([h["action"] for h in doc["history"]][:1], ["created"])
        self.assertEqual(doc["history"][0]["kind"], "collect")

    def test_show_raw_prints_the_payload_as_received(self):
        # The CSV connector keeps the file's header line and the order's rows; the database
        # holds them zstd-compressed.
        out = self.w.ok(["orders", "show", "--raw", "--channel", "tea-csv", "WEB-20261122-0001"])
        lines = out.splitlines()
        self.assertGreaterEqual(len(lines), 3)  # the header and the order's two item rows
        self.assertNotIn("WEB-20261122-0001", lines[0])
        for line in lines[1:]:
            self.assertIn("WEB-20261122-0001", line)
        self.assertIn("얼그레이 홍차 100g", out)
        self.assertEqual(self.w.scalar("SELECT typeof(raw) FROM orders WHERE external_id = 'WEB-20261122-0001'"),
                         "blob")
        self.assertError(self.w.run(["orders", "show", "--raw", "--channel", "tea-csv", "NOPE-1"]), 2,
                         "no order NOPE-1 in channel tea-csv")

    def test_show_unknown_and_ambiguous(self):
        self.assertError(self.w.run(["orders", "show", "NOPE-1"]), 2, "no order NOPE-1 in any channel")
        self.assertError(self.w.run(["orders", "show", "--channel", "tea-csv", "NOPE-1"]), 2,
                         "no order NOPE-1 in channel tea-csv")
        self.w.add_csv_channel("tea-copy")
        self.w.run(["collect", "--channel", "tea-copy"])
        err = self.assertError(self.w.run(["orders", "show", "WEB-20261122-0001"]), 2,
                               "order WEB-20261122-0001 exists in channels ", "; name one with --channel")
        self.assertIn("tea-copy", err)
        self.assertIn("tea-csv", err)

    # ---- export -------------------------------------------------------------------

    def test_csv_export_to_stdout_bom_header_and_one_row_per_item(self):
        self.w.execute("UPDATE order_items SET name = ? WHERE id = (SELECT min(id) FROM order_items)", (TRICKY,))
        code, out, err = self.w.run(["orders", "export"])
        self.assertEqual((code, err), (0, ""))
        raw = out.encode("utf-8")
        self.assertTrue(raw.startswith(BOM), raw[:20])
        rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
        self.assertEqual(len(rows), self.items)
        self.assertEqual(list(rows[0].keys())[:6], ["channel", "kind", "order_id", "item_id", "ordered_at", "time_zone"])
        self.assertIn(TRICKY, [r["product_name"] for r in rows])
        self.assertIn('"Tea, ""Earl Grey""\nline two"', raw.decode("utf-8"))
        first = [r for r in rows if r["order_id"] == "WEB-20261122-0001"]
        self.assertEqual(len(first), 2)
        self.assertEqual(first[0]["ordered_at"], "2026-11-22 09:02:11")  # KST, as in the source file
        self.assertEqual(first[0]["time_zone"], "+09:00")
        self.assertEqual(first[0]["buyer_name"], "김민준")
        self.assertEqual(first[0]["unit_price"], "12900")
        self.assertEqual(first[0]["currency"], "KRW")

    def test_csv_export_to_a_file_with_tz_and_filters(self):
        out = self.w.ok(["orders", "export", "--output", "out.csv", "--tz", "UTC", "--since", "2026-11-22",
                         "--until", "2026-11-22", "--channel", "tea-csv"])
        self.assertRegex(out, r"^exported \d+ orders \(\d+ rows\) to out.csv\n$")
        data = read_bytes(self.w.path("out.csv"))
        self.assertTrue(data.startswith(BOM))
        self.assertTrue(data.endswith(b"\r\n"))  # CRLF line ends, as RFC 4180 and Excel have them
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
        first = [r for r in rows if r["order_id"] == "WEB-20261122-0001"]
        self.assertEqual(first[0]["ordered_at"], "2026-11-22 00:02:11")
        self.assertEqual(first[0]["time_zone"], "+00:00")
        self.assertFalse([n for n in os.listdir(self.w.dir) if ".tmp." in n])
        doc = json.loads(self.w.ok(["--json", "orders", "export", "--output", "again.csv", "--status", "shipped"]))
        self.assertEqual(doc["format"], "csv")
        shipped = self.w.scalar("SELECT count(*) FROM orders WHERE status = 'shipped'")
        self.assertEqual(doc["orders"], shipped)

    def test_jsonl_export_one_order_per_line(self):
        self.w.execute("UPDATE order_items SET name = ? WHERE id = (SELECT min(id) FROM order_items)", (TRICKY,))
        code, out, err = self.w.run(["orders", "export", "--format", "jsonl"])
        self.assertEqual((code, err), (0, ""))
        lines = out.splitlines()
        self.assertEqual(len(lines), self.orders)
        docs = [json.loads(line) for line in lines]
        self.assertEqual(sum(len(d["items"]) for d in docs), self.items)
        self.assertIn(TRICKY, [i["product_name"] for d in docs for i in d["items"]])
        one = next(d for d in docs if d["order_id"] == "WEB-20261122-0001")
        self.assertEqual(one["ordered_at_local"], "2026-11-22 09:02:11 +09:00")
        self.assertEqual(one["buyer"]["name"], "김민준")

    def test_export_usage_errors(self):
        self.assertError(self.w.run(["orders", "export", "--format", "xlsx"]), 2, "--format")
        code, out, err = self.w.run(["--json", "orders", "export"])
        self.assertEqual(code, 2)
        self.assertEqual(json.loads(out)["exit_code"], 2)
        self.assertIn("--json needs --output FILE", err)
        code, out, err = self.w.run(["orders", "export", "--output", "/nonexistent/dir/x.csv"])
        self.assertEqual(code, 1)
        self.assertIn("cannot write /nonexistent/dir/x.csv", err)


class InterruptedStatusTest(uoms_e2e.TestCase):
    def test_jobs_may_be_interrupted_and_details_survive_the_migration(self):
        self.w.init()
        self.w.add_csv_channel("tea-csv")
        self.w.run(["collect"])
        details = self.w.scalar("SELECT count(*) FROM job_details")
        self.assertGreater(details, 0)
        self.w.execute("UPDATE jobs SET status = 'interrupted'")
        self.assertEqual(self.w.scalar("SELECT status FROM jobs"), "interrupted")
        doc = json.loads(self.w.ok(["--json", "jobs", "list", "--status", "interrupted"]))
        self.assertEqual(len(doc["jobs"]), 1)


if __name__ == "__main__":
    uoms_e2e.main()
