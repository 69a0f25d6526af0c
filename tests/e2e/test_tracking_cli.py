"""`uoms tracking import/set/pending/export` and `uoms carriers list` on a csv channel
collected from the example exports, and `uoms upload-tracking` on a kind without an upload
call.

Run: UOMS_BIN=build/uoms UOMS_SOURCE_DIR=. python3 tests/e2e/test_tracking_cli.py
Exits 77 (skip) when UOMS_BIN is not set or does not exist.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import uoms_e2e  # noqa: E402

HEADER = "channel,order,item,carrier,number\n"


class TrackingCliTest(uoms_e2e.TestCase):
    def setUp(self):
        super().setUp()
        self.w.init()
        self.w.add_csv_channel("tea")
        self.w.ok(["--quiet", "collect"])

    def write(self, name, text, encoding="utf-8"):
        path = self.w.path(name)
        with open(path, "wb") as f:
            f.write(text.encode(encoding))
        return path

    def shipments(self):
        return self.w.query("SELECT o.external_id, s.carrier, s.tracking_number, s.source, s.state FROM shipments s "
                            "JOIN orders o ON o.id = s.order_id ORDER BY o.external_id")

    def test_import_keeps_good_rows_names_bad_lines_and_is_idempotent(self):
        path = self.write("t.csv", HEADER + "tea,WEB-20261122-0001,,cj,612345678901\n"
                                            "tea,WEB-20261122-0002,,PIGEON,1\n"
                                            "tea,NOPE,,CJ,1\n"
                                            "tea,WEB-20261122-0003,,HANJIN,6 1\n")
        code, out, err = self.w.run(["tracking", "import", path])
        self.assertEqual(code, 3, out + err)
        self.assertEqual(out, f"{path}: 4 rows, 1 tracking numbers added, 0 already there, 3 refused\n")
        lines = err.splitlines()
        self.assertEqual(len(lines), 3)
        self.assertTrue(lines[0].startswith(f"uoms: {path}:3: unknown carrier \"PIGEON\""), lines[0])
        self.assertEqual(lines[1], f"uoms: {path}:4: channel tea has no collected order or shipment \"NOPE\"")
        self.assertEqual(lines[2], f"uoms: {path}:5: tracking number \"6 1\" is not 1 to 50 letters, digits or '-'")
        self.assertEqual(self.shipments(), [("WEB-20261122-0001", "CJ", "612345678901", "import", "pending")])
        # Only the good rows again: nothing changes.
        good = self.write("good.csv", HEADER + "tea,WEB-20261122-0001,,CJ,612345678901\n")
        doc = json.loads(self.w.ok(["--json", "tracking", "import", good]))
        self.assertEqual((doc["added"], doc["unchanged"], doc["refused"]), (0, 1, []))
        self.assertEqual(len(self.shipments()), 1)

    def test_strict_changes_nothing_and_korean_cp949_headers_are_read(self):
        bad = self.write("bad.csv", HEADER + "tea,WEB-20261122-0001,,CJ,612345678901\ntea,NOPE,,CJ,1\n")
        code, out, err = self.w.run(["tracking", "import", bad, "--strict"])
        self.assertEqual((code, out), (1, ""), err)
        self.assertEqual(err, f"uoms: {bad}:3: channel tea has no collected order or shipment \"NOPE\"\n"
                              f"uoms: error: {bad}: 1 of 2 rows refused (--strict): nothing was changed\n")
        self.assertEqual(self.shipments(), [])
        korean = self.write("kr.csv", "판매처,주문번호,상품주문번호,택배사,송장번호\r\ntea,WEB-20261122-0002,,LOTTE,733333333333\r\n",
                            encoding="cp949")
        self.w.ok(["--quiet", "tracking", "import", korean])
        self.assertEqual(self.shipments(), [("WEB-20261122-0002", "LOTTE", "733333333333", "import", "pending")])

    def test_set_replace_pending_and_export(self):
        self.w.ok(["tracking", "set", "--channel", "tea", "--order", "WEB-20261122-0001", "--carrier", "CJ",
                   "--number", "611111111111"])
        err = self.assertError(self.w.run(["tracking", "set", "--channel", "tea", "--order", "WEB-20261122-0001",
                                           "--carrier", "CJ", "--number", "622222222222"]), 2)
        self.assertIn("already has CJ 611111111111; use --replace to change it", err)
        self.w.ok(["tracking", "set", "--channel", "tea", "--order", "WEB-20261122-0001", "--carrier", "HANJIN",
                   "--number", "622222222222", "--replace"])
        err = self.assertError(self.w.run(["tracking", "set", "--channel", "tea", "--order", "WEB-20261122-0001",
                                           "--carrier", "HANJN", "--number", "1"]), 2)
        self.assertIn('unknown carrier "HANJN" (did you mean "HANJIN"?)', err)
        pending = json.loads(self.w.ok(["--json", "tracking", "pending"]))["shipments"]
        self.assertEqual([(s["order"], s["carrier"], s["number"], s["state"]) for s in pending],
                         [("WEB-20261122-0001", "HANJIN", "622222222222", "pending")])

        # A csv channel has no upload call: the pass leaves the number for the export.
        doc = json.loads(self.w.ok(["--json", "upload-tracking"]))
        self.assertEqual((doc["status"], doc["exit_code"], doc["channels"][0]["uploaded"]), ("completed", 0, 0))

        out_path = self.w.path("out.csv")
        self.w.ok(["tracking", "export", "--channel", "tea", out_path])
        with open(out_path, "rb") as f:
            data = f.read()
        self.assertTrue(data.startswith(b"\xef\xbb\xbforder,item,carrier,carrier_name,number\r\n"), data[:60])
        self.assertIn("WEB-20261122-0001,1,HANJIN,한진택배 (Hanjin),622222222222\r\n", data.decode("utf-8-sig"))
        self.assertEqual(self.shipments()[0][4], "pending")
        self.w.ok(["--quiet", "tracking", "export", "--channel", "tea", out_path, "--mark-uploaded"])
        self.assertEqual(self.shipments()[0][4], "uploaded")
        self.assertEqual(self.w.ok(["tracking", "pending"]), "nothing to upload\n")
        err = self.assertError(self.w.run(["tracking", "set", "--channel", "tea", "--order", "WEB-20261122-0001",
                                           "--carrier", "CJ", "--number", "633333333333", "--replace"]), 2)
        self.assertIn("was uploaded with HANJIN 622222222222; an uploaded number is changed only with "
                      "`uoms tracking correct`", err)
        # csv has no correction call: refused as a usage error, and nothing changes.
        before = self.shipments()
        self.assertError(self.w.run(["tracking", "correct", "--channel", "tea", "--order", "WEB-20261122-0001",
                                     "--carrier", "CJ", "--number", "633333333333"]), 2,
                         "kind csv has no tracking correction call in its contract: correct it in the seller center")
        self.assertEqual(self.shipments(), before)

    def test_carriers_list(self):
        out = self.w.ok(["carriers", "list", "--kind", "csv"])
        self.assertTrue(out.startswith("CODE"), out)
        doc = json.loads(self.w.ok(["--json", "carriers", "list"]))
        codes = [c["code"] for c in doc["carriers"]]
        for code in ("CJ", "HANJIN", "LOTTE", "LOGEN", "EPOST", "KDEXP", "CVSNET", "DAESIN", "ILYANG", "CHUNIL",
                     "HDEXP", "DIRECT", "YAMATO", "SAGAWA", "JAPANPOST"):
            self.assertIn(code, codes)
        qoo10 = {c["code"]: c["kinds"]["qoo10jp"] for c in doc["carriers"]}
        self.assertEqual(qoo10["YAMATO"], "ヤマト宅急便")
        self.assertIsNone(qoo10["CJ"])
        self.assertError(self.w.run(["carriers", "list", "--kind", "nope"]), 2, "unknown kind")


if __name__ == "__main__":
    uoms_e2e.main()
