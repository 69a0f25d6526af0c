"""End-to-end `uoms status` against the sandbox: healthy channels exit 0 with "all good"; a
channel whose passes keep failing, or whose credentials are refused, is named and exits 3;
the lock holder, parked uploads and the age threshold show up; --json is one document.

Run: UOMS_BIN=build/uoms UOMS_SANDBOX_BIN=build/uoms-sandbox python3 tests/e2e/test_status.py
"""

import datetime
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ops_case  # noqa: E402
from ops_case import EXIT_ATTENTION, EXIT_CONFIG, EXIT_OK, Workspace  # noqa: E402
from sandbox import COUPANG_VENDOR  # noqa: E402


def channel(doc, name):
    return next(c for c in doc["channels"] if c["name"] == name)


def pass_of(doc, name, kind):
    return next(p for p in channel(doc, name)["passes"] if p["kind"] == kind)


class StatusTest(unittest.TestCase):
    def workspace(self, **kwargs):
        ws = Workspace(self, **kwargs)
        self.addCleanup(ws.close)
        return ws

    def test_healthy_channels_are_all_good(self):
        ws = self.workspace(channels=("cp", "cp2"))
        rc, _, err = ws.run("collect", "--quiet")
        self.assertEqual(rc, EXIT_OK, err)
        rc, out, err = ws.run("status")
        self.assertEqual((rc, err), (EXIT_OK, ""), out)
        lines = out.splitlines()
        self.assertEqual(lines[-1], "all good")
        self.assertTrue(lines[0].startswith("CHANNEL"), out)
        # One row per channel and pass kind, the header and the final line.
        self.assertEqual(len(lines), 1 + 2 * 4 + 1, out)
        self.assertRegex(out, r"cp\s+collect\s+completed #1\s+\d+s ago\s+0\s+-\s+lag \d+[sm]")

        rc, doc, err = ws.json("status")
        self.assertEqual(rc, EXIT_OK, err)
        self.assertEqual((doc["needs_attention"], doc["channels_needing_attention"], doc["exit_code"]),
                         (False, 0, 0))
        collect = pass_of(doc, "cp", "collect")
        self.assertEqual((collect["last_status"], collect["consecutive_failures"], collect["error"]),
                         ("completed", 0, None))
        self.assertEqual(collect["counts"]["actions"]["created"], ops_case.ORDERS)
        self.assertGreater(collect["http_requests"], 0)
        self.assertEqual(collect["http_throttled"], 0)
        self.assertIsNotNone(collect["watermark"])
        self.assertLess(collect["lag_s"], 600)
        self.assertIsNone(collect["lock"])
        upload = pass_of(doc, "cp", "upload-tracking")
        self.assertEqual((upload["ran"], upload["attention"]), (False, []))
        self.assertEqual(channel(doc, "cp")["uploads"]["pending"], 0)

    def test_a_failing_channel_needs_attention_after_max_failures(self):
        ws = self.workspace(channels=("cp",))
        rc, _, err = ws.run("collect", "--quiet")
        self.assertEqual(rc, EXIT_OK, err)
        ws.sb.fault("500", account=COUPANG_VENDOR, path_contains="/ordersheets", count=10000)
        for attempt in range(1, 4):
            rc, _, err = ws.run("collect", "--quiet")
            self.assertNotEqual(rc, EXIT_OK, err)
            rc, doc, err = ws.json("status")
            collect = pass_of(doc, "cp", "collect")
            self.assertEqual(collect["consecutive_failures"], attempt)
            self.assertIn("500", collect["error"])
            # status.max_failures defaults to 3.
            self.assertEqual(rc, EXIT_OK if attempt < 3 else EXIT_ATTENTION, doc)
        self.assertEqual(channel(doc, "cp")["attention"], ["collect: 3 passes in a row failed"])
        rc, out, err = ws.run("status")
        self.assertEqual(rc, EXIT_ATTENTION, err)
        self.assertIn("ATTENTION: 3 passes in a row failed", out)
        self.assertEqual(out.splitlines()[-1], "1 channel needs attention")

        # A clean pass resets the count and keeps the last success.
        ws.sb.clear_faults()
        rc, _, err = ws.run("collect", "--quiet")
        self.assertEqual(rc, EXIT_OK, err)
        rc, doc, _ = ws.json("status")
        self.assertEqual((rc, pass_of(doc, "cp", "collect")["consecutive_failures"]), (EXIT_OK, 0))

    def test_rejected_credentials_need_attention_at_once(self):
        ws = self.workspace(channels=("cp",))
        ws.add_coupang("bad", secret_key="not-the-secret-key")
        rc, _, err = ws.run("collect", "--quiet")
        self.assertNotEqual(rc, EXIT_OK, err)
        rc, out, err = ws.run("status")
        self.assertEqual(rc, EXIT_ATTENTION, out + err)
        self.assertIn("ATTENTION: credentials or configuration rejected", out)
        self.assertEqual(out.splitlines()[-1], "1 channel needs attention")
        rc, doc, _ = ws.json("status", "--channel", "cp")
        self.assertEqual((rc, [c["name"] for c in doc["channels"]]), (EXIT_OK, ["cp"]))
        rc, doc, _ = ws.json("status", "--channel", "bad")
        self.assertEqual(rc, EXIT_ATTENTION)
        self.assertTrue(pass_of(doc, "bad", "collect")["auth_error"])

    def test_never_collected_lock_parked_uploads_and_age(self):
        ws = self.workspace(channels=("cp",), config_extra='\n[status]\nmax_age = "2s"\n')
        rc, doc, _ = ws.json("status")
        self.assertEqual((rc, channel(doc, "cp")["attention"]), (EXIT_ATTENTION, ["collect: never collected"]))
        rc, _, err = ws.run("collect", "--quiet")
        self.assertEqual(rc, EXIT_OK, err)
        rc, doc, _ = ws.json("status")
        self.assertEqual(rc, EXIT_OK, doc)

        # Another pass holds the channel's lease.
        now = datetime.datetime.now(datetime.timezone.utc)
        stamp = lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.000Z")  # noqa: E731
        ws.sql("INSERT INTO locks (name, job_id, pid, host, acquired_at, heartbeat_at, expires_at) "
               "VALUES ('upload-tracking:cp', 77, 4242, 'other-host', ?, ?, ?)",
               (stamp(now), stamp(now), stamp(now + datetime.timedelta(minutes=10))))
        # A tracking number parked for an operator.
        order_id = ws.sql("SELECT id FROM orders ORDER BY id LIMIT 1")[0][0]
        ws.sql("INSERT INTO shipments (order_id, shipment_key, carrier, tracking_number, source, state, "
               "created_at, updated_at) VALUES (?, 'k1', 'CJ', '123456789', 'import', 'attention', ?, ?)",
               (order_id, stamp(now), stamp(now)))
        rc, doc, _ = ws.json("status")
        self.assertEqual(rc, EXIT_ATTENTION)
        upload = pass_of(doc, "cp", "upload-tracking")
        self.assertEqual((upload["lock"]["job_id"], upload["lock"]["pid"], upload["lock"]["host"],
                          upload["lock"]["expired"]), (77, 4242, "other-host", False))
        self.assertEqual(channel(doc, "cp")["uploads"]["parked"], 1)
        self.assertEqual(channel(doc, "cp")["attention"],
                         ["upload-tracking: 1 tracking numbers parked (uoms tracking pending --attention)"])
        rc, out, _ = ws.run("status")
        self.assertIn("job 77 pid 4242@other-host", out)
        self.assertIn("pending 0, parked 1, failed 0", out)

        # The last success grows older than status.max_age.
        ws.sql("DELETE FROM shipments")
        time.sleep(2.5)
        rc, doc, _ = ws.json("status")
        self.assertEqual(rc, EXIT_ATTENTION)
        self.assertRegex(channel(doc, "cp")["attention"][0], r"^collect: last success \ds ago \(status.max_age 2s\)$")

    def test_help_shows_an_example(self):
        ws = self.workspace(channels=())
        for command, example in (("status", "uoms status --json"), ("doctor", "uoms doctor --network")):
            rc, out, _ = ws.run(command, "--help")
            self.assertEqual(rc, EXIT_OK)
            self.assertIn("Example:\n  " + example + "\n", out)
        rc, out, _ = ws.run("--help")
        self.assertIn("--metrics-textfile", out)

    def test_a_read_only_database_and_a_config_error(self):
        ws = self.workspace(channels=("cp",))
        rc, _, err = ws.run("collect", "--quiet")
        self.assertEqual(rc, EXIT_OK, err)
        before = ws.sql("SELECT count(*) FROM jobs")
        rc, doc, err = ws.json("status")
        self.assertEqual(rc, EXIT_OK, err)
        self.assertEqual(ws.sql("SELECT count(*) FROM jobs"), before)  # status records no job
        with open(ws.config_path, "a", encoding="utf-8") as f:
            f.write('\n[status]\nmax_failures = 0\n')
        rc, doc, err = ws.json("status")
        self.assertEqual((rc, doc["exit_code"]), (EXIT_CONFIG, EXIT_CONFIG))
        self.assertIn("max_failures", err)


if __name__ == "__main__":
    ops_case.require_binaries()
    unittest.main(verbosity=2)
