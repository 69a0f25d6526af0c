"""End-to-end `uoms doctor`: a sound installation passes every check (exit 0); a key or
database that group or others may read, a corrupted database, a clock behind the database's
times and a channel outside the host allow-list fail their check (exit 3); an unreadable
config or key is exit 4; --network makes one call per channel against the sandbox.

Run: UOMS_BIN=build/uoms UOMS_SANDBOX_BIN=build/uoms-sandbox python3 tests/e2e/test_doctor.py
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ops_case  # noqa: E402
from ops_case import EXIT_ATTENTION, EXIT_CONFIG, EXIT_OK, Workspace  # noqa: E402


def checks(doc, status=None):
    return [(c["check"], c["status"]) for c in doc["checks"] if status is None or c["status"] == status]


def failed_line(out, name):
    return [line for line in out.splitlines() if line.startswith("FAIL") and f" {name} " in line + " "]


class DoctorTest(unittest.TestCase):
    def workspace(self, **kwargs):
        ws = Workspace(self, **kwargs)
        self.addCleanup(ws.close)
        return ws

    def test_a_sound_installation_passes(self):
        ws = self.workspace()
        rc, _, err = ws.run("collect", "--quiet")
        self.assertEqual(rc, EXIT_OK, err)
        rc, out, err = ws.run("doctor")
        self.assertEqual((rc, err), (EXIT_OK, ""), out)
        self.assertEqual(out.splitlines()[-1], "all checks passed")
        for line in out.splitlines()[:-1]:
            self.assertTrue(line.startswith("ok  ") or line.startswith("warn"), line)
        rc, doc, _ = ws.json("doctor")
        self.assertEqual((rc, doc["ok"], doc["exit_code"]), (EXIT_OK, True, 0))
        names = [c for c, _ in checks(doc)]
        for name in ("config", "config mode", "key", "key mode", "database mode", "integrity", "schema",
                     "key match", "allowed hosts", "clock"):
            self.assertIn(name, names)
        self.assertEqual(checks(doc, "FAIL"), [])

        rc, doc, _ = ws.json("doctor", "--network")
        self.assertEqual(rc, EXIT_OK, doc)
        self.assertIn(("channel cp", "ok"), checks(doc))

    def test_readable_key_and_database_fail(self):
        ws = self.workspace()
        os.chmod(ws.key_path, 0o644)
        os.chmod(ws.db_path, 0o640)
        rc, out, _ = ws.run("doctor")
        self.assertEqual(rc, EXIT_ATTENTION, out)
        self.assertIn("uoms.key is mode 0644: group or others may read it", failed_line(out, "key mode")[0])
        self.assertIn("uoms.db is mode 0640", failed_line(out, "database mode")[0])
        self.assertEqual(out.splitlines()[-1], "2 checks failed")

    def test_a_corrupted_database_fails_the_integrity_check(self):
        ws = self.workspace()
        rc, _, err = ws.run("collect", "--quiet")
        self.assertEqual(rc, EXIT_OK, err)
        size = os.path.getsize(ws.db_path)
        self.assertGreater(size, 8 * 4096)
        # Garbage over every page but the first (the schema): the tables' b-trees are broken.
        with open(ws.db_path, "r+b") as f:
            for page in range(2, size // 4096, 2):
                f.seek(page * 4096 + 8)
                f.write(b"\xa5" * 64)
        rc, doc, _ = ws.json("doctor")
        self.assertEqual(rc, EXIT_ATTENTION, doc)
        failed = dict(checks(doc, "FAIL"))
        self.assertTrue("integrity" in failed or "database" in failed, doc)

    def test_a_file_that_is_no_database(self):
        ws = self.workspace()
        with open(ws.db_path, "wb") as f:
            f.write(b"not a database at all" * 400)
        os.chmod(ws.db_path, 0o600)
        rc, doc, _ = ws.json("doctor")
        self.assertEqual(rc, EXIT_ATTENTION, doc)
        self.assertIn(("database", "FAIL"), checks(doc))

    def test_clock_behind_the_database(self):
        ws = self.workspace()
        ws.sql("INSERT INTO jobs (kind, trigger, status, started_at, version, host, pid) "
               "VALUES ('collect', 'manual', 'completed', '2999-01-01T00:00:00.000Z', 'x', 'h', 1)")
        rc, out, _ = ws.run("doctor")
        self.assertEqual(rc, EXIT_ATTENTION, out)
        self.assertIn("the database holds 2999-01-01T00:00:00.000Z", failed_line(out, "clock")[0])

    def test_allow_list_and_a_channel_outside_it(self):
        ws = self.workspace()
        rc, out, _ = ws.run("doctor")
        self.assertEqual(rc, EXIT_OK, out)
        ws.env["UOMS_ALLOWED_HOSTS"] = "api-gateway.coupang.com"
        rc, out, _ = ws.run("doctor")
        self.assertEqual(rc, EXIT_ATTENTION, out)
        self.assertIn("channel cp: host 127.0.0.1 of base_url is not in http.allowed_hosts",
                      failed_line(out, "allowed hosts")[0])
        del ws.env["UOMS_ALLOWED_HOSTS"]
        rc, out, _ = ws.run("doctor")
        self.assertEqual(rc, EXIT_OK, out)
        self.assertRegex(out, r"(?m)^warn  allowed hosts +http.allowed_hosts is empty")

    def test_network_check_names_the_failing_channel(self):
        ws = self.workspace()
        ws.add_coupang("bad", secret_key="not-the-secret-key")
        rc, doc, _ = ws.json("doctor", "--network")
        self.assertEqual(rc, EXIT_ATTENTION, doc)
        self.assertIn(("channel cp", "ok"), checks(doc))
        self.assertIn(("channel bad", "FAIL"), checks(doc))

    def test_config_and_key_errors_are_exit_4(self):
        ws = self.workspace()
        os.remove(ws.key_path)
        rc, out, _ = ws.run("doctor")
        self.assertEqual(rc, EXIT_CONFIG, out)
        self.assertTrue(failed_line(out, "key"), out)
        with open(ws.config_path, "a", encoding="utf-8") as f:
            f.write("\n[http]\ntimout = 3\n")
        rc, doc, _ = ws.json("doctor")
        self.assertEqual((rc, checks(doc)), (EXIT_CONFIG, [("config", "FAIL")]))


if __name__ == "__main__":
    ops_case.require_binaries()
    unittest.main(verbosity=2)
