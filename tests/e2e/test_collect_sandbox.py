"""End-to-end `uoms collect` against the sandbox: the rules of DESIGN.md "Data that must never be wrong".

Each test starts its own sandbox (tests/sandbox) and its own `uoms init --dir TMP`, runs the real
binary in a scrubbed environment (no UOMS_* but UOMS_ALLOWED_HOSTS=loopback, a temporary HOME)
and compares exit codes, the `--json` document and the database rows with the sandbox's truth
(/__sandbox/orders).

Run: UOMS_BIN=build/uoms UOMS_SANDBOX_BIN=build/uoms-sandbox python3 tests/e2e/test_collect_sandbox.py
Exits 77 (skip) when either binary is missing.
"""

import datetime
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sandbox import (COUPANG_ACCESS_KEY, COUPANG_SECRET_KEY, COUPANG_VENDOR,  # noqa: E402
                     SMARTSTORE_CLIENT_ID, SMARTSTORE_CLIENT_SECRET, KST, Sandbox, default_config)

UTC = datetime.timezone.utc
UOMS_BIN = os.environ.get("UOMS_BIN", "")
SANDBOX_BIN = os.environ.get("UOMS_SANDBOX_BIN", "")

# Orders are spread over the 48 h before the sandbox starts; uoms looks back 3 days, and
# Coupang's 3-day rescan covers every order's creation time with room to spare.
SPREAD_HOURS = 48
ORDERS = 20
CHANNEL_ACCOUNTS = {"cp": COUPANG_VENDOR, "ss": SMARTSTORE_CLIENT_ID}

# Exit codes (DESIGN.md "Exit codes").
EXIT_OK, EXIT_FAILED, EXIT_PARTIAL, EXIT_CONFIG, EXIT_SKIPPED = 0, 1, 3, 4, 5

# Fast but otherwise default settings: no settle delay so orders added or changed "now" are
# collected, a short backoff so retry bursts take milliseconds, and a rate limit that does not
# throttle a test (the benchmark measures throttling).
CONFIG = """\
[database]
path = "uoms.db"
key_file = "uoms.key"

[collect]
concurrency = 4
initial_lookback = "3d"
overlap = "10m"
settle_delay = "0s"

[http]
connect_timeout = "5s"
timeout = "20s"
max_attempts = 4
backoff_base = "20ms"
backoff_max = "200ms"

[kinds.coupang]
rate_limit = 500.0

[kinds.smartstore]
rate_limit = 500.0
"""


def scrubbed_env(home):
    """The environment uoms runs in: PATH, a temporary HOME and the loopback allow-list only."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "LC_ALL": "C.UTF-8",
           "UOMS_ALLOWED_HOSTS": "loopback"}
    for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def one_json_object(test, stdout):
    """stdout must be exactly one JSON object (n8n parses it)."""
    text = stdout.strip()
    test.assertTrue(text.startswith("{"), f"stdout is not a JSON object: {stdout!r}")
    value, end = json.JSONDecoder().raw_decode(text)
    test.assertEqual(text[end:].strip(), "", f"more than one JSON document on stdout: {stdout!r}")
    test.assertIsInstance(value, dict)
    return value


def item_key(order, item):
    """The external item id uoms stores (connectors/*/README.md, "Mapping")."""
    if order["kind"] == "coupang":
        return f"{order['shipment_box_id']}-{item['vendor_item_id']}"
    return item["product_order_id"]


def split_orders(ws):
    """Smartstore orders whose product orders changed at different instants."""
    return sum(1 for o in ws.sb.orders(SMARTSTORE_CLIENT_ID) if len({i["changed_at"] for i in o["items"]}) > 1)


def dead_pid():
    """A pid that certainly belonged to a process that has exited."""
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def utc_text(when):
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


class Workspace:
    """One sandbox plus one `uoms init` directory, with the two channels cp and ss added."""

    def __init__(self, test, sandbox_config=None, config_extra="", channels=("cp", "ss"),
                 channel_settings=None):
        self.test = test
        self.tmp = tempfile.mkdtemp(prefix="uoms-e2e-collect-")
        self.home = os.path.join(self.tmp, "home")
        os.makedirs(self.home)
        self.dir = os.path.join(self.tmp, "uoms")
        self.config_path = os.path.join(self.dir, "uoms.toml")
        self.db_path = os.path.join(self.dir, "uoms.db")
        self.env = scrubbed_env(self.home)
        self.sb = Sandbox(sandbox_config or default_config(orders=ORDERS, spread_hours=SPREAD_HOURS),
                          binary=SANDBOX_BIN)
        self.sb.start()
        try:
            rc, out, err = self.run("init", "--dir", self.dir, with_config=False)
            test.assertEqual(rc, 0, err)
            with open(self.config_path, "w", encoding="utf-8") as f:
                f.write(CONFIG + config_extra)
            settings = channel_settings or {}
            for name in channels:
                self.add_channel(name, **settings.get(name, {}))
        except BaseException:
            self.close()
            raise

    def close(self):
        self.sb.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- running uoms ---------------------------------------------------------------------

    def argv(self, args, with_config=True):
        return [UOMS_BIN] + (["--config", self.config_path] if with_config else []) + list(args)

    def run(self, *args, with_config=True, timeout=60):
        p = subprocess.run(self.argv(args, with_config), env=self.env, capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout, p.stderr

    def popen(self, *args):
        return subprocess.Popen(self.argv(args), env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, stdin=subprocess.DEVNULL)

    def collect(self, *args, timeout=60):
        """`uoms --json collect ARGS`: (exit code, the JSON object, stderr)."""
        rc, out, err = self.run("--json", "collect", *args, timeout=timeout)
        return rc, one_json_object(self.test, out), err

    def add_channel(self, name, base_url=None, secret_key=None):
        base_url = base_url or self.sb.base_url
        if name.startswith("cp"):
            args = ["--kind", "coupang", "--set", f"base_url={base_url}", "--set", f"vendor_id={COUPANG_VENDOR}",
                    "--secret", f"access_key={COUPANG_ACCESS_KEY}",
                    "--secret", f"secret_key={secret_key or COUPANG_SECRET_KEY}"]
        else:
            args = ["--kind", "smartstore", "--set", f"base_url={base_url}", "--set",
                    f"client_id={SMARTSTORE_CLIENT_ID}", "--secret", f"client_secret={SMARTSTORE_CLIENT_SECRET}"]
        rc, out, err = self.run("channels", "add", name, *args)
        self.test.assertEqual(rc, 0, err)

    # --- the database ---------------------------------------------------------------------

    def sql(self, query, params=()):
        con = sqlite3.connect(self.db_path, timeout=30)
        try:
            with con:
                return con.execute(query, params).fetchall()
        finally:
            con.close()

    def db_orders(self):
        """{(channel, order id): {item id: raw item status}} from the database."""
        out = {}
        rows = self.sql("SELECT c.name, o.external_id, i.external_id, i.raw_status FROM orders o "
                        "JOIN channels c ON c.id = o.channel_id LEFT JOIN order_items i ON i.order_id = o.id")
        for channel, order_id, item_id, raw_status in rows:
            items = out.setdefault((channel, order_id), {})
            if item_id is not None:
                # Smartstore keeps the claim in the raw status: "RETURNED/RETURN_DONE".
                items[item_id] = raw_status.split("/")[0]
        return out

    def truth(self, channels=("cp", "ss")):
        """The same shape from the sandbox's /__sandbox/orders."""
        out = {}
        for channel in channels:
            for order in self.sb.orders(CHANNEL_ACCOUNTS[channel]):
                out[(channel, order["order_id"])] = {item_key(order, i): i["status"] for i in order["items"]}
                self.test.assertEqual(len(order["items"]), order["item_count"])
        return out

    def assert_db_equals_truth(self, channels=("cp", "ss")):
        truth = self.truth(channels)
        db = {k: v for k, v in self.db_orders().items() if k[0] in channels}
        self.test.assertEqual(sorted(db), sorted(truth), "order ids differ from the sandbox's")
        for key in truth:
            self.test.assertEqual(db[key], truth[key], f"items of {key} differ from the sandbox's")

    def assert_no_duplicates(self):
        self.test.assertEqual(self.sql("SELECT channel_id, external_id, count(*) FROM orders "
                                       "GROUP BY channel_id, external_id HAVING count(*) > 1"), [])
        self.test.assertEqual(self.sql("SELECT order_id, external_id, count(*) FROM order_items "
                                       "GROUP BY order_id, external_id HAVING count(*) > 1"), [])

    def watermark(self, channel):
        rows = self.sql("SELECT s.value FROM sync_state s JOIN channels c ON c.id = s.channel_id "
                        "WHERE c.name = ? AND s.key = 'collect.watermark'", (channel,))
        return rows[0][0] if rows else None

    def count(self, table):
        return self.sql(f"SELECT count(*) FROM {table}")[0][0]


def channel(report, name):
    for c in report["channels"]:
        if c["channel"] == name:
            return c
    raise AssertionError(f"channel {name} not in {report}")


class CollectTest(unittest.TestCase):
    def workspace(self, **kwargs):
        ws = Workspace(self, **kwargs)
        self.addCleanup(ws.close)
        return ws

    # 1 -------------------------------------------------------------------------------------
    def test_first_pass_gets_everything_and_rerun_changes_nothing(self):
        ws = self.workspace()
        rc, report, err = ws.collect()
        self.assertEqual(rc, EXIT_OK, err)
        self.assertEqual(report["status"], "completed")
        self.assertEqual(report["exit_code"], 0)
        self.assertFalse(report["dry_run"])
        self.assertEqual([c["channel"] for c in report["channels"]], ["cp", "ss"])
        for name in ("cp", "ss"):
            c = channel(report, name)
            self.assertEqual((c["status"], c["created"], c["failed"], c["error"]), ("completed", ORDERS, 0, None))
            self.assertEqual(c["collected_until"], ws.watermark(name))
        # A Smartstore order whose product orders changed at different times arrives in two
        # windows: created by the first, updated (an item added) by the second. Nothing else is.
        self.assertEqual(channel(report, "cp")["updated"], 0)
        split = channel(report, "ss")["updated"]
        self.assertLessEqual(split, split_orders(ws))
        ws.assert_db_equals_truth()
        orders, items = ws.count("orders"), ws.count("order_items")
        self.assertEqual(orders, 2 * ORDERS)
        self.assertEqual(ws.sql("SELECT kind, status, total, succeeded, failed FROM jobs WHERE id = ?",
                                (report["job_id"],)),
                         [("collect", "completed", 2 * ORDERS + split, 2 * ORDERS + split, 0)],
                         json.dumps(report["channels"]))

        rc, again, err = ws.collect()
        self.assertEqual(rc, EXIT_OK, err)
        for name in ("cp", "ss"):
            c = channel(again, name)
            self.assertEqual((c["status"], c["created"], c["updated"], c["failed"]), ("completed", 0, 0, 0))
        # Coupang re-scans its last 3 days (creation-time filter); Smartstore reads only the overlap.
        self.assertEqual(channel(again, "cp")["unchanged"], ORDERS)
        self.assertEqual((ws.count("orders"), ws.count("order_items")), (orders, items))
        # Unchanged orders are counted, not written: a pass that finds nothing new adds no rows.
        self.assertEqual(ws.sql("SELECT count(*) FROM job_details WHERE job_id = ?", (again["job_id"],)), [(0,)])

        # An explicit backfill over everything re-reads every order and changes none.
        rc, backfill, err = ws.collect("--since", "3d")
        self.assertEqual(rc, EXIT_OK, err)
        for name in ("cp", "ss"):
            c = channel(backfill, name)
            self.assertEqual((c["status"], c["created"], c["updated"], c["failed"]), ("completed", 0, 0, 0))
            self.assertGreaterEqual(c["unchanged"], ORDERS)
        self.assertEqual((ws.count("orders"), ws.count("order_items")), (orders, items))
        ws.assert_no_duplicates()
        ws.assert_db_equals_truth()

    # 2 -------------------------------------------------------------------------------------
    def test_mutated_orders_are_updated(self):
        ws = self.workspace()
        rc, _, err = ws.collect()
        self.assertEqual(rc, EXIT_OK, err)
        before = ws.db_orders()
        changed = {"cp": ws.sb.mutate(COUPANG_VENDOR, count=3), "ss": ws.sb.mutate(SMARTSTORE_CLIENT_ID, count=3)}
        rc, report, err = ws.collect()
        self.assertEqual(rc, EXIT_OK, err)
        for name, orders in changed.items():
            self.assertEqual(len(orders), 3)
            c = channel(report, name)
            self.assertEqual((c["created"], c["updated"], c["failed"]), (0, 3, 0))
            updated = {r[0] for r in ws.sql("SELECT external_id FROM job_details WHERE job_id = ? AND channel = ? "
                                            "AND action = 'updated'", (report["job_id"], name))}
            self.assertEqual(updated, {o["order_id"] for o in orders})
        after = ws.db_orders()
        truth = ws.truth()
        for name, orders in changed.items():
            for o in orders:
                self.assertNotEqual(before[(name, o["order_id"])], after[(name, o["order_id"])])
        self.assertEqual(after, truth)

    # 3 -------------------------------------------------------------------------------------
    def test_added_orders_are_created(self):
        ws = self.workspace()
        rc, _, err = ws.collect()
        self.assertEqual(rc, EXIT_OK, err)
        added = {"cp": ws.sb.add(COUPANG_VENDOR, count=4), "ss": ws.sb.add(SMARTSTORE_CLIENT_ID, count=2)}
        rc, report, err = ws.collect()
        self.assertEqual(rc, EXIT_OK, err)
        for name, orders in added.items():
            c = channel(report, name)
            self.assertEqual((c["created"], c["updated"], c["failed"]), (len(orders), 0, 0))
            created = {r[0] for r in ws.sql("SELECT external_id FROM job_details WHERE job_id = ? AND channel = ? "
                                            "AND action = 'created'", (report["job_id"], name))}
            self.assertEqual(created, {o["order_id"] for o in orders})
        self.assertEqual(ws.count("orders"), 2 * ORDERS + 6)
        ws.assert_db_equals_truth()

    # 4 -------------------------------------------------------------------------------------
    def test_500_burst_fails_one_channel_and_a_clean_pass_recovers(self):
        ws = self.workspace()
        # The middle of Coupang's three 24 h windows starts two days ago; each window starts on a
        # different KST date, so this matches that window's requests only.
        middle = (datetime.datetime.now(UTC) - datetime.timedelta(days=2)).astimezone(KST)
        marker = "createdAtFrom=" + middle.strftime("%Y-%m-%dT")
        # More 500s than the 4 attempts of one request.
        ws.sb.fault("500", account=COUPANG_VENDOR, path_contains=marker, count=6)
        rc, report, err = ws.collect()
        self.assertEqual(rc, EXIT_PARTIAL, err)
        self.assertEqual(report["status"], "partial")
        cp, ss = channel(report, "cp"), channel(report, "ss")
        self.assertIn(cp["status"], ("failed", "partial"))
        self.assertIn("500", cp["error"])
        self.assertEqual((ss["status"], ss["created"]), ("completed", ORDERS))
        self.assertEqual(ws.sb.stats()["accounts"][COUPANG_VENDOR]["status_codes"].get("500"), 4)

        failed = ws.sql("SELECT w.from_at, w.to_at FROM fetch_windows w JOIN channels c ON c.id = w.channel_id "
                        "WHERE c.name = 'cp' AND w.status = 'failed'")
        self.assertEqual(len(failed), 1, failed)
        watermark = ws.watermark("cp")
        self.assertIsNotNone(watermark, "the window before the failure completed")
        self.assertLessEqual(watermark, failed[0][0], "the watermark moved past the failed window")
        self.assertEqual(cp["collected_until"], watermark)
        missing = set(ws.truth(("cp",))) - set(ws.db_orders())
        self.assertTrue(missing, "the failed window's orders cannot be in the database yet")
        self.assertEqual(set(ws.db_orders()) - set(ws.truth()), set())
        ws.assert_db_equals_truth(("ss",))

        ws.sb.clear_faults()
        rc, report, err = ws.collect()
        self.assertEqual(rc, EXIT_OK, err)
        self.assertEqual(channel(report, "cp")["created"], len(missing))
        self.assertGreater(ws.watermark("cp"), watermark)
        ws.assert_db_equals_truth()
        ws.assert_no_duplicates()

    def test_truncated_or_invalid_json_once_is_retried_and_the_pass_completes(self):
        ws = self.workspace()
        for kind in ("truncated_json", "invalid_json"):
            with self.subTest(kind=kind):
                ws.sb.fault(kind, account=SMARTSTORE_CLIENT_ID, path_contains="last-changed-statuses", count=1)
                rc, report, err = ws.collect("--channel", "ss")
                self.assertEqual(rc, EXIT_OK, err)
                self.assertEqual(channel(report, "ss")["status"], "completed")
                self.assertEqual(ws.sb.faults(), [])
        ws.assert_db_equals_truth(("ss",))
        ws.assert_no_duplicates()

    def test_json_cut_short_on_every_attempt_fails_the_only_channel(self):
        ws = self.workspace()
        ws.sb.fault("truncated_json", account=SMARTSTORE_CLIENT_ID, path_contains="last-changed-statuses", count=4)
        rc, report, err = ws.collect("--channel", "ss")
        self.assertEqual(rc, EXIT_FAILED, err)
        ss = channel(report, "ss")
        self.assertEqual((ss["status"], ss["created"]), ("failed", 0))
        self.assertRegex(ss["error"], r"HTTP 200 with a body cut short or not JSON \(\d+ bytes\) \(after 4 attempts\)$")
        self.assertIsNone(ws.watermark("ss"))
        self.assertEqual(ws.count("orders"), 0)
        rc, report, err = ws.collect("--channel", "ss")
        self.assertEqual(rc, EXIT_OK, err)
        ws.assert_db_equals_truth(("ss",))

    def test_429_with_retry_after_inside_the_budget(self):
        ws = self.workspace()
        ws.sb.fault("429", account=COUPANG_VENDOR, count=2)
        rc, report, err = ws.collect()
        self.assertEqual(rc, EXIT_OK, err)
        self.assertEqual(report["status"], "completed")
        self.assertEqual(ws.sb.stats()["accounts"][COUPANG_VENDOR]["status_codes"].get("429"), 2)
        ws.assert_db_equals_truth()

    # 5 -------------------------------------------------------------------------------------
    def test_expired_smartstore_token_is_refreshed(self):
        ws = self.workspace()
        rc, _, err = ws.collect("--channel", "ss")
        self.assertEqual(rc, EXIT_OK, err)
        ws.sb.reset_stats()
        added = ws.sb.add(SMARTSTORE_CLIENT_ID, count=2)
        # The stored token is still valid for hours in uoms's eyes; the server forgets it.
        ws.sb.fault("expire_tokens", account=SMARTSTORE_CLIENT_ID, count=1)
        rc, report, err = ws.collect("--channel", "ss")
        self.assertEqual(rc, EXIT_OK, err)
        ss = channel(report, "ss")
        self.assertEqual((ss["status"], ss["created"]), ("completed", len(added)))
        stats = ws.sb.stats()["accounts"][SMARTSTORE_CLIENT_ID]
        self.assertEqual(stats["status_codes"].get("401"), 1)
        self.assertEqual(stats["endpoints"].get("smartstore.token"), 1)
        ws.assert_db_equals_truth(("ss",))

    # 6 -------------------------------------------------------------------------------------
    def test_wrong_coupang_secret_is_an_auth_failure(self):
        ws = self.workspace(channel_settings={"cp": {"secret_key": "0" * 40}})
        rc, report, err = ws.collect("--channel", "cp")
        self.assertEqual(rc, EXIT_CONFIG, err)
        self.assertEqual(report["status"], "failed")
        cp = channel(report, "cp")
        self.assertEqual(cp["status"], "failed")
        self.assertIn("401", cp["error"])
        self.assertNotIn("0" * 40, cp["error"] + err)
        self.assertGreaterEqual(ws.sb.stats()["signature_failures"], 1)

        rc, report, err = ws.collect()
        self.assertEqual(rc, EXIT_PARTIAL, err)
        self.assertEqual(report["status"], "partial")
        self.assertEqual(channel(report, "cp")["status"], "failed")
        self.assertEqual((channel(report, "ss")["status"], channel(report, "ss")["created"]), ("completed", ORDERS))
        ws.assert_db_equals_truth(("ss",))
        self.assertEqual(ws.sql("SELECT count(*) FROM orders o JOIN channels c ON c.id = o.channel_id "
                                "WHERE c.name = 'cp'"), [(0,)])

    # 7 -------------------------------------------------------------------------------------
    def test_two_concurrent_passes_never_duplicate(self):
        ws = self.workspace(sandbox_config=default_config(orders=ORDERS, spread_hours=SPREAD_HOURS, latency_ms=50))
        a, b = ws.popen("--json", "collect"), ws.popen("--json", "collect")
        out_a, err_a = a.communicate(timeout=90)
        out_b, err_b = b.communicate(timeout=90)
        self.assertIn(a.returncode, (EXIT_OK, EXIT_SKIPPED), err_a)
        self.assertIn(b.returncode, (EXIT_OK, EXIT_SKIPPED), err_b)
        reports = [one_json_object(self, out_a), one_json_object(self, out_b)]
        # Every channel was collected by exactly one of the two passes or by both in turn.
        for name in ("cp", "ss"):
            statuses = [channel(r, name)["status"] for r in reports]
            self.assertIn("completed", statuses)
            self.assertEqual(sum(channel(r, name)["created"] for r in reports), ORDERS)
        ws.assert_no_duplicates()
        ws.assert_db_equals_truth()
        self.assertEqual(ws.count("locks"), 0)

    def test_held_lock_skips_and_dead_holder_is_taken_over(self):
        ws = self.workspace()
        now = datetime.datetime.now(UTC)
        for name in ("cp", "ss"):
            ws.sql("INSERT INTO locks (name, job_id, pid, host, acquired_at, heartbeat_at, expires_at) "
                   "VALUES (?, NULL, ?, ?, ?, ?, ?)",
                   ("collect:" + name, os.getpid(), socket.gethostname(), utc_text(now), utc_text(now),
                    utc_text(now + datetime.timedelta(minutes=30))))
        rc, report, err = ws.collect()
        self.assertEqual(rc, EXIT_SKIPPED, err)
        self.assertEqual(report["status"], "skipped")
        for name in ("cp", "ss"):
            c = channel(report, name)
            self.assertEqual(c["status"], "skipped")
            self.assertIn(f"pid {os.getpid()}", c["error"])
        self.assertEqual(ws.sql("SELECT kind, status FROM jobs WHERE id = ?", (report["job_id"],)),
                         [("collect", "skipped")])
        self.assertEqual(ws.count("orders"), 0)
        self.assertEqual(ws.sb.stats()["requests"], 0)

        ws.sql("UPDATE locks SET pid = ?", (dead_pid(),))
        rc, report, err = ws.collect()
        self.assertEqual(rc, EXIT_OK, err)
        self.assertEqual([c["status"] for c in report["channels"]], ["completed", "completed"])
        ws.assert_db_equals_truth()
        self.assertEqual(ws.count("locks"), 0)

    # 8 -------------------------------------------------------------------------------------
    def test_kill_9_mid_pass_loses_and_duplicates_nothing(self):
        ws = self.workspace(sandbox_config=default_config(orders=ORDERS, spread_hours=SPREAD_HOURS, latency_ms=60))
        p = ws.popen("collect")
        deadline = time.monotonic() + 30
        # Kill once some pages are committed but the pass is not over.
        while time.monotonic() < deadline and p.poll() is None:
            if os.path.exists(ws.db_path) and ws.sql("SELECT count(*) FROM orders")[0][0] > 0:
                break
            time.sleep(0.02)
        self.assertIsNone(p.poll(), "the pass ended before it could be killed; raise latency_ms")
        os.kill(p.pid, signal.SIGKILL)
        p.communicate(timeout=10)
        self.assertEqual(p.returncode, -signal.SIGKILL)
        killed = ws.sql("SELECT id, status FROM jobs")
        self.assertEqual([s for _, s in killed], ["running"])
        self.assertLess(ws.count("orders"), 2 * ORDERS)

        rc, report, err = ws.collect()
        self.assertEqual(rc, EXIT_OK, err)
        self.assertEqual(ws.sql("SELECT status, error FROM jobs WHERE id = ?", (killed[0][0],)),
                         [("failed", "process died")])
        ws.assert_no_duplicates()
        ws.assert_db_equals_truth()

    # 9 -------------------------------------------------------------------------------------
    def test_host_outside_the_allow_list_fails_fast(self):
        ws = self.workspace(channel_settings={"cp": {"base_url": "https://api-gateway.coupang.com"}})
        started = time.monotonic()
        rc, report, err = ws.collect(timeout=30)
        self.assertLess(time.monotonic() - started, 15)
        self.assertEqual(rc, EXIT_PARTIAL, err)
        cp = channel(report, "cp")
        self.assertEqual(cp["status"], "failed")
        self.assertIn("not allowed", cp["error"])
        self.assertIn("api-gateway.coupang.com", cp["error"])
        self.assertEqual(channel(report, "ss")["status"], "completed")
        job_error = ws.sql("SELECT error FROM jobs WHERE id = ?", (report["job_id"],))[0][0]
        self.assertIn("not allowed", job_error)
        self.assertEqual(ws.sb.stats()["accounts"].get(COUPANG_VENDOR, {}).get("requests", 0), 0)

        # Alone, the channel's pass fails on its configuration: exit 4.
        rc, report, err = ws.collect("--channel", "cp", timeout=30)
        self.assertEqual(rc, EXIT_CONFIG, err)
        self.assertEqual(report["status"], "failed")
        self.assertIn("not allowed", channel(report, "cp")["error"])

    # 10 ------------------------------------------------------------------------------------
    def test_notifications_reach_the_hooks(self):
        extra = """
[[notify]]
name = "generic"
type = "generic"
method = "GET"
url = "{base}/hooks/generic"

[[notify]]
name = "discord"
type = "discord"
url = "{base}/hooks/discord"

[[notify]]
name = "slack"
type = "slack"
url = "{base}/hooks/slack"

[[notify]]
name = "post"
url = "{base}/hooks/post"
events = ["started", "completed"]
"""
        ws = self.workspace(channels=("cp",))
        with open(ws.config_path, "a", encoding="utf-8") as f:
            f.write(extra.format(base=ws.sb.base_url))
        rc, report, err = ws.collect()
        self.assertEqual(rc, EXIT_OK, err)
        job = report["job_id"]
        summary = f"uoms collect #{job} completed: 1 channels, {ORDERS} new, 0 updated, 0 failed"
        hooks = {}
        for h in ws.sb.hooks():
            hooks.setdefault(h["name"], []).append(h)
        self.assertEqual(sorted(hooks), ["discord", "generic", "post", "slack"])
        generic = hooks["generic"]
        self.assertEqual([(h["method"], h["status"]) for h in generic], [("GET", 200)])
        self.assertEqual(generic[0]["params"]["message"], summary)
        self.assertEqual([(h["method"], json.loads(h["body"])) for h in hooks["discord"]],
                         [("POST", {"content": summary})])
        self.assertEqual([(h["method"], json.loads(h["body"])) for h in hooks["slack"]], [("POST", {"text": summary})])
        posts = [json.loads(h["body"]) for h in hooks["post"]]
        self.assertEqual([(p["event"], p["job_kind"], p["job_id"]) for p in posts],
                         [("started", "collect", job), ("completed", "collect", job)])
        self.assertEqual(posts[0]["message"], f"uoms collect #{job} started: 1 channels")
        self.assertEqual(posts[1]["message"], summary)
        self.assertEqual(posts[1]["details"], {"channels": [{"channel": "cp", "status": "completed",
                                                             "created": ORDERS, "updated": 0, "failed": 0,
                                                             "oversold": 0}]})

        # A hook answering 500 on every attempt (1 + 2 retries) is recorded, the exit code stays.
        ws.sb.clear_hooks()
        ws.sb.fault("500", path_contains="/hooks/slack", count=3)
        rc, report, err = ws.collect()
        self.assertEqual(rc, EXIT_OK, err)
        self.assertEqual(report["status"], "completed")
        self.assertEqual(report["notify_errors"], ["notify slack: HTTP 500 after 3 attempts"])
        self.assertEqual([h["status"] for h in ws.sb.hooks() if h["name"] == "slack"], [500, 500, 500])
        self.assertEqual(ws.sql("SELECT external_id, action, attempt, http_status, error FROM job_details "
                                "WHERE job_id = ? AND subject_type = 'notify' ORDER BY id", (report["job_id"],)),
                         [("post", "sent", 1, 200, None), ("generic", "sent", 1, 200, None),
                          ("discord", "sent", 1, 200, None),
                          ("slack", "failed", 3, 500, "notify slack: HTTP 500 after 3 attempts"),
                          ("post", "sent", 1, 200, None)])

    # 11 ------------------------------------------------------------------------------------
    def test_gaps_are_listed_and_refetched(self):
        ws = self.workspace()
        for _ in range(2):
            rc, _, err = ws.collect()
            self.assertEqual(rc, EXIT_OK, err)
            rc, out, err = ws.run("--json", "collect", "--gaps")
            self.assertEqual(rc, EXIT_OK, err)
            self.assertEqual(one_json_object(self, out), {"gaps": []})

        windows = ws.sql("SELECT w.id, w.from_at, w.to_at FROM fetch_windows w JOIN channels c ON c.id = "
                         "w.channel_id WHERE c.name = 'ss' AND w.status = 'complete' ORDER BY w.from_at")
        self.assertGreaterEqual(len(windows), 3)
        hole_id, hole_from, hole_to = windows[1]
        ws.sql("DELETE FROM fetch_windows WHERE id = ?", (hole_id,))
        rc, out, err = ws.run("--json", "collect", "--gaps")
        self.assertEqual(rc, EXIT_OK, err)
        self.assertEqual(one_json_object(self, out), {"gaps": [{"channel": "ss", "from": hole_from, "to": hole_to}]})

        # Forget the orders only that window holds, so the refetch must bring them back.
        lost = [o for o in ws.sb.orders(SMARTSTORE_CLIENT_ID)
                if all(hole_from <= i["changed_at"] <= hole_to for i in o["items"])]
        self.assertTrue(lost, "no order lies wholly inside the deleted window; change the seed")
        for o in lost:
            ws.sql("DELETE FROM order_items WHERE order_id IN (SELECT o.id FROM orders o JOIN channels c ON "
                   "c.id = o.channel_id WHERE c.name = 'ss' AND o.external_id = ?)", (o["order_id"],))
            ws.sql("DELETE FROM orders WHERE external_id = ? AND channel_id = (SELECT id FROM channels "
                   "WHERE name = 'ss')", (o["order_id"],))
        watermarks = (ws.watermark("cp"), ws.watermark("ss"))

        rc, report, err = ws.collect("--refetch-gaps")
        self.assertEqual(rc, EXIT_OK, err)
        ss, cp = channel(report, "ss"), channel(report, "cp")
        self.assertEqual((ss["windows"], ss["created"], ss["updated"]), (1, len(lost), 0))
        self.assertEqual((cp["windows"], cp["created"]), (0, 0))
        self.assertEqual((ws.watermark("cp"), ws.watermark("ss")), watermarks)
        refetched = ws.sql("SELECT w.from_at, w.to_at, w.status FROM fetch_windows w WHERE w.job_id = ?",
                           (report["job_id"],))
        self.assertEqual(refetched, [(hole_from, hole_to, "complete")])
        rc, out, err = ws.run("--json", "collect", "--gaps")
        self.assertEqual(one_json_object(self, out), {"gaps": []})
        ws.assert_db_equals_truth()

    # 12 ------------------------------------------------------------------------------------
    def test_dry_run_writes_no_orders(self):
        ws = self.workspace()
        rc, report, err = ws.collect("--dry-run")
        self.assertEqual(rc, EXIT_OK, err)
        self.assertTrue(report["dry_run"])
        self.assertEqual(report["status"], "completed")
        dry = {c["channel"]: c for c in report["channels"]}
        self.assertEqual((dry["cp"]["created"], dry["cp"]["updated"]), (ORDERS, 0))
        for table in ("orders", "order_items", "fetch_windows", "sync_state", "job_details"):
            self.assertEqual(ws.count(table), 0, table)
        self.assertGreater(ws.sb.stats()["requests"], 0)
        rc, report, err = ws.collect()
        self.assertEqual(rc, EXIT_OK, err)
        real = {c["channel"]: c for c in report["channels"]}
        self.assertEqual([c["created"] for c in report["channels"]], [ORDERS, ORDERS])
        # A dry run remembers what it would have saved: an order seen in two windows counts as
        # the real pass counts it, created then updated.
        for name in ("cp", "ss"):
            self.assertEqual({k: dry[name][k] for k in ("created", "updated", "unchanged", "failed")},
                             {k: real[name][k] for k in ("created", "updated", "unchanged", "failed")}, name)


if __name__ == "__main__":
    missing = [name for name, path in (("UOMS_BIN", UOMS_BIN), ("UOMS_SANDBOX_BIN", SANDBOX_BIN))
               if not path or not os.path.exists(path)]
    if missing:
        print(f"skipped: {', '.join(missing)} not set or not found", file=sys.stderr)
        sys.exit(77)
    unittest.main()
