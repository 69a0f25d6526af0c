"""One `uoms collect` over a channel of each of the six kinds against the sandbox: every
seeded order exactly once, and a second pass changes nothing. Settle delay 0: the sandbox seeds changes up to the
second it starts, and orders inside the settle delay are rightly left for a later pass."""

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sandbox  # noqa: E402

UOMS = os.environ.get("UOMS_BIN")
SANDBOX = os.environ.get("UOMS_SANDBOX_BIN")
SOURCE = os.environ.get("UOMS_SOURCE_DIR")


class AllKinds(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.home = self.tmp.name
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.home, "LANG": "C.UTF-8",
                    "UOMS_ALLOWED_HOSTS": "loopback", "UOMS_SETTLE_DELAY": "0s",
                    "UOMS_CONFIG": os.path.join(self.home, "uoms.toml")}
        self.sb = sandbox.Sandbox(sandbox.default_config(orders=30), binary=SANDBOX)
        self.sb.start()
        self.addCleanup(self.sb.stop)
        self.addCleanup(self.tmp.cleanup)
        self.uoms("init", "--dir", self.home, "--quiet")

    def uoms(self, *args, expect=0):
        p = subprocess.run([UOMS, *args], env=self.env, cwd=self.home, capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, expect, f"uoms {' '.join(args)}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
        return p.stdout

    def test_every_kind_collects_every_order_once_twice_in_a_row(self):
        base = self.sb.base_url
        self.uoms("channels", "add", "csv", "--kind", "csv", "--set", f"path={SOURCE}/examples/orders")
        self.uoms("channels", "add", "cp", "--kind", "coupang", "--set", f"base_url={base}",
                  "--set", f"vendor_id={sandbox.COUPANG_VENDOR}", "--secret", f"access_key={sandbox.COUPANG_ACCESS_KEY}",
                  "--secret", f"secret_key={sandbox.COUPANG_SECRET_KEY}")
        self.uoms("channels", "add", "ss", "--kind", "smartstore", "--set", f"base_url={base}",
                  "--set", f"client_id={sandbox.SMARTSTORE_CLIENT_ID}",
                  "--secret", f"client_secret={sandbox.SMARTSTORE_CLIENT_SECRET}")
        self.uoms("channels", "add", "sp", "--kind", "shopee", "--set", f"base_url={base}",
                  "--set", f"partner_id={sandbox.SHOPEE_PARTNER_ID}", "--set", f"shop_id={sandbox.SHOPEE_SHOP_ID}",
                  "--secret", f"partner_key={sandbox.SHOPEE_PARTNER_KEY}",
                  "--secret", f"refresh_token={sandbox.SHOPEE_REFRESH_TOKEN}")
        self.uoms("channels", "add", "q10", "--kind", "qoo10jp", "--set", f"base_url={base}",
                  "--set", f"user_id={sandbox.QOO10_USER_ID}", "--secret", f"api_key={sandbox.QOO10_API_KEY}",
                  "--secret", f"password={sandbox.QOO10_PASSWORD}")
        self.uoms("channels", "add", "pa", "--kind", "playauto", "--set", f"base_url={base}",
                  "--set", f"email={sandbox.PLAYAUTO_EMAIL}", "--secret", f"api_key={sandbox.PLAYAUTO_API_KEY}",
                  "--secret", f"password={sandbox.PLAYAUTO_PASSWORD}")

        first = json.loads(self.uoms("collect", "--json"))
        self.assertEqual(first["status"], "completed")
        self.assertEqual(sorted(c["channel"] for c in first["channels"]), ["cp", "csv", "pa", "q10", "sp", "ss"])
        for c in first["channels"]:
            # Windows follow each API's time grid: no order is read twice within one pass.
            self.assertEqual((c["failed"], c["unchanged"]), (0, 0), c)

        db = sqlite3.connect(os.path.join(self.home, "uoms.db"))
        accounts = {"cp": sandbox.COUPANG_VENDOR, "ss": sandbox.SMARTSTORE_CLIENT_ID, "sp": str(sandbox.SHOPEE_SHOP_ID),
                    "q10": sandbox.QOO10_USER_ID, "pa": sandbox.PLAYAUTO_EMAIL}

        def stored(channel):
            return db.execute("SELECT count(*), count(DISTINCT o.external_id) FROM orders o "
                              "JOIN channels c ON c.id = o.channel_id WHERE c.name = ?", (channel,)).fetchone()

        for channel, account in accounts.items():
            truth = len(self.sb.orders(account))
            self.assertEqual(stored(channel), (truth, truth), channel)
        csv_orders = stored("csv")[0]
        self.assertGreater(csv_orders, 0)
        items = db.execute("SELECT count(*) FROM order_items").fetchone()[0]

        second = json.loads(self.uoms("collect", "--json"))
        self.assertEqual(second["status"], "completed")
        for c in second["channels"]:
            self.assertEqual((c["created"], c["updated"], c["failed"]), (0, 0, 0), c)
        for channel, account in accounts.items():
            truth = len(self.sb.orders(account))
            self.assertEqual(stored(channel), (truth, truth), channel)
        self.assertEqual(stored("csv")[0], csv_orders)
        self.assertEqual(db.execute("SELECT count(*) FROM order_items").fetchone()[0], items)


if __name__ == "__main__":
    if not UOMS or not SANDBOX or not SOURCE:
        print("skipped: UOMS_BIN, UOMS_SANDBOX_BIN and UOMS_SOURCE_DIR must be set (run through ctest)")
        sys.exit(77)
    unittest.main(verbosity=2)
