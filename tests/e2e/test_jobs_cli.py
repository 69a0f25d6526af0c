"""`uoms jobs list/show/details/prune` after real csv collects, and the reaping of a job
whose process died.

Run: UOMS_BIN=build/uoms UOMS_SOURCE_DIR=. python3 tests/e2e/test_jobs_cli.py
Exits 77 (skip) when UOMS_BIN is not set or does not exist.
"""

import datetime
import json
import os
import re
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import uoms_e2e  # noqa: E402

HEADER = ("order_id,item_id,ordered_at,status,sku,product_name,option_name,quantity,unit_price,total_price,"
          "shipping_fee,currency,buyer_name,buyer_phone,receiver_name,receiver_phone,zip,address1,address2")
GOOD_ROW = "T-1,1,2026-11-20 10:00:00,paid,SKU-1,Tea,,1,1000,1000,0,KRW,Kim,010,Kim,010,06236,Seoul,1F"
BAD_ROW = "T-2,1,2026-11-20 11:00:00,paid,SKU-2,Mug,,abc,2000,2000,0,KRW,Lee,010,Lee,010,06236,Seoul,2F"


def utc_text(when):
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


def table(stdout):
    """A printed table as rows of cells (cells are separated by two or more spaces)."""
    return [re.split(r"\s{2,}", line.rstrip()) for line in stdout.splitlines()]


def dead_pid():
    """The pid of a child that has exited and been waited for."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


class JobsTestCase(uoms_e2e.TestCase):
    def setUp(self):
        super().setUp()
        self.w.init()

    def json_ok(self, args, **kwargs):
        """Runs with --json; stdout must be exactly one JSON document."""
        out = self.w.ok(["--json"] + args, **kwargs)
        self.assertEqual(out.count("\n"), 1, out)
        return json.loads(out)

    def collect_examples(self):
        self.w.add_csv_channel("tea")
        doc = self.json_ok(["collect"])
        self.assertEqual(doc["status"], "completed")
        self.assertEqual(doc["exit_code"], 0)
        return doc["job_id"]

    def collect_bad_folder(self):
        folder = self.w.path("bad-in")
        os.mkdir(folder)
        with open(os.path.join(folder, "bad.csv"), "w", encoding="utf-8") as f:
            f.write("\n".join([HEADER, GOOD_ROW, BAD_ROW]) + "\n")
        self.w.add_csv_channel("bad", path=folder)
        code, out, err = self.w.run(["--json", "collect", "--channel", "bad"])
        self.assertEqual((code, err), (3, ""))
        doc = json.loads(out)
        self.assertEqual((doc["status"], doc["exit_code"]), ("partial", 3))
        return doc["job_id"]

    def insert_running_job(self, pid, host=None, kind="collect", started=None):
        started = started or now_utc() - datetime.timedelta(seconds=30)
        return self.w.execute(
            "INSERT INTO jobs (kind, trigger, status, started_at, version, host, pid, heartbeat_at) "
            "VALUES (?, 'cron', 'running', ?, '0.1.0', ?, ?, ?)",
            (kind, utc_text(started), host or socket.gethostname(), pid, utc_text(started)))


class ListShowTest(JobsTestCase):
    def test_collect_then_list(self):
        job = self.collect_examples()
        self.assertEqual(job, 1)
        rows = table(self.w.ok(["jobs", "list"]))
        self.assertEqual(rows[0], ["ID", "KIND", "STATUS", "TRIGGER", "STARTED", "TOOK", "TOTAL", "OK", "FAILED",
                                   "SKIPPED", "ERROR"])
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows[1][:4], ["1", "collect", "completed", "manual"])
        self.assertRegex(rows[1][4], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertRegex(rows[1][5], r"^\d+(ms|\.\ds)$")
        self.assertEqual(rows[1][6:], ["20", "20", "0", "0"])

        doc = self.json_ok(["jobs", "list"])
        self.assertEqual(len(doc["jobs"]), 1)
        j = doc["jobs"][0]
        self.assertEqual({k: j[k] for k in ("id", "kind", "trigger", "status", "total", "succeeded", "failed",
                                            "skipped", "progress_percent", "error", "arguments", "host")},
                         {"id": 1, "kind": "collect", "trigger": "manual", "status": "completed", "total": 20,
                          "succeeded": 20, "failed": 0, "skipped": 0, "progress_percent": 100, "error": None,
                          "arguments": ["--json", "collect"], "host": socket.gethostname()})
        self.assertIsInstance(j["pid"], int)
        self.assertIsInstance(j["duration_ms"], int)
        self.assertRegex(j["finished_at"], r"Z$")

    def test_trigger_is_recorded(self):
        self.w.add_csv_channel("tea")
        self.assertEqual(self.w.ok(["--quiet", "--trigger", "cron", "collect"]), "")
        self.w.ok(["--quiet", "collect"], env_extra={"UOMS_TRIGGER": "n8n"})
        self.w.ok(["--quiet", "--trigger", "manual", "collect"], env_extra={"UOMS_TRIGGER": "n8n"})
        self.assertEqual(self.w.query("SELECT trigger, arguments FROM jobs ORDER BY id"),
                         [("cron", '["--quiet","--trigger","cron","collect"]'), ("n8n", '["--quiet","collect"]'),
                          ("manual", '["--quiet","--trigger","manual","collect"]')])

    def test_list_filters(self):
        self.collect_examples()  # job 1: completed, channel tea
        bad = self.collect_bad_folder()  # job 2: partial, channel bad
        self.assertEqual(bad, 2)
        self.w.ok(["--quiet", "collect", "--channel", "tea"])  # job 3: completed, nothing new

        def ids(*args):
            return [j["id"] for j in self.json_ok(["jobs", "list"] + list(args))["jobs"]]

        self.assertEqual(ids(), [3, 2, 1])
        self.assertEqual(ids("--kind", "collect"), [3, 2, 1])
        self.assertEqual(ids("--kind", "sync-stock"), [])
        self.assertEqual(ids("--status", "partial"), [2])
        self.assertEqual(ids("--status", "completed"), [3, 1])
        self.assertEqual(ids("--status", "failed"), [])
        self.assertEqual(ids("--channel", "bad"), [2])
        # Job 3 read no new file of tea, so it has no detail row naming the channel.
        self.assertEqual(ids("--channel", "tea"), [1])
        self.assertEqual(ids("--channel", "nobody"), [])
        self.assertEqual(ids("--limit", "2"), [3, 2])
        self.assertEqual(ids("--limit", "0"), [3, 2, 1])
        self.assertEqual(ids("--since", "1h"), [3, 2, 1])
        self.assertEqual(ids("--since", "2000-01-01T00:00"), [3, 2, 1])
        self.assertEqual(ids("--since", "2999-01-01T00:00"), [])
        self.assertEqual(ids("--status", "completed", "--kind", "collect", "--limit", "1"), [3])

        rows = table(self.w.ok(["jobs", "list", "--status", "partial"]))
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows[1][:3], ["2", "collect", "partial"])
        self.assertEqual(rows[1][6:10], ["2", "1", "1", "0"])
        self.assertEqual(self.w.ok(["jobs", "list", "--status", "failed"]), "no jobs\n")

        err = self.assertError(self.w.run(["jobs", "list", "--since", "yesterday"]), 2)
        self.assertEqual(err, 'uoms: error: --since: expected a time like 2026-11-22T10:00 or a duration like 24h, '
                              'got "yesterday"\n')
        err = self.assertError(self.w.run(["jobs", "list", "--status", "done"]), 2)
        err = self.assertError(self.w.run(["jobs", "list", "--limit", "-1"]), 2)
        self.assertTrue(err.startswith("uoms: error: --limit: Value -1 not in range 0"), err)

    def test_show(self):
        job = self.collect_examples()
        out = self.w.ok(["jobs", "show", str(job)])
        lines = out.splitlines()
        self.assertEqual(lines[0:4], ["job        1", "kind       collect", "status     completed",
                                      "trigger    manual"])
        self.assertIn("total      20 (20 ok, 0 failed, 0 skipped)\n", out)
        self.assertIn("progress   100%\n", out)
        self.assertIn('arguments  ["--json","collect"]\n', out)
        self.assertRegex(out, rf"\nprocess    pid \d+ on {socket.gethostname()}, uoms \d+\.\d+\.\d+\n")
        self.assertTrue(out.endswith("details    18 created\ndetails    3 processed\ndetails    2 updated\n"), out)
        self.assertNotIn("error", out)

        doc = self.json_ok(["jobs", "show", str(job)])
        self.assertEqual(doc["details"], {"created": 18, "processed": 3, "updated": 2})
        self.assertEqual((doc["id"], doc["status"], doc["total"]), (1, "completed", 20))

    def test_unknown_job(self):
        self.collect_examples()
        for args in (["jobs", "show", "99"], ["jobs", "details", "99"]):
            with self.subTest(args=args):
                err = self.assertError(self.w.run(args), 2)
                self.assertEqual(err, "uoms: error: no job 99\n")
        # With --json stdout is one JSON document whatever the outcome; --exit-zero keeps
        # the real code there for hosts that drop stdout on failure (n8n 1.x).
        code, out, err = self.w.run(["--json", "jobs", "show", "99"])
        self.assertEqual((code, err), (2, "uoms: error: no job 99\n"))
        self.assertEqual(json.loads(out), {"status": "failed", "exit_code": 2, "error": "no job 99"})
        code, out, _ = self.w.run(["--json", "--exit-zero", "jobs", "show", "99"])
        self.assertEqual((code, json.loads(out)["exit_code"]), (0, 2))
        code, out, _ = self.w.run(["--json", "colect"], env_extra={"UOMS_EXIT_ZERO": "1"})
        self.assertEqual(code, 0)
        self.assertEqual(json.loads(out)["exit_code"], 2)


class DetailsTest(JobsTestCase):
    def test_details_and_filters(self):
        job = self.collect_examples()
        rows = table(self.w.ok(["jobs", "details", str(job)]))
        self.assertEqual(rows[0], ["CHANNEL", "SUBJECT", "ID", "ACTION", "ATTEMPT", "HTTP", "REQUEST", "ERROR"])
        self.assertEqual(len(rows), 1 + 18 + 2 + 3)
        self.assertEqual(rows[1][:4], ["tea", "order", "WEB-20261122-0001", "created"])

        doc = self.json_ok(["jobs", "details", str(job)])
        self.assertEqual(doc["job"], job)
        actions = {}
        for d in doc["details"]:
            actions[d["action"]] = actions.get(d["action"], 0) + 1
        self.assertEqual(actions, {"created": 18, "updated": 2, "processed": 3})

        updated = self.json_ok(["jobs", "details", str(job), "--action", "updated"])["details"]
        self.assertEqual(sorted(d["external_id"] for d in updated), ["WEB-20261122-0002", "WEB-20261122-0004"])
        self.assertTrue(all(d["channel"] == "tea" and d["subject_type"] == "order" and d["error"] is None
                            for d in updated), updated)
        files = self.json_ok(["jobs", "details", str(job), "--action", "processed"])["details"]
        self.assertEqual([d["subject_type"] for d in files], ["file", "file", "file"])
        self.assertTrue(all(d["external_id"].startswith("sha256:") for d in files), files)

        # --status groups actions by outcome; an action name there is a usage error that says so.
        self.assertEqual(len(self.json_ok(["jobs", "details", str(job), "--status", "ok"])["details"]), 23)
        code, out, err = self.w.run(["jobs", "details", str(job), "--status", "updated"])
        self.assertEqual((code, out), (2, ""))
        self.assertIn('use --action updated', err)
        self.assertEqual(len(self.json_ok(["jobs", "details", str(job), "--limit", "5"])["details"]), 5)
        self.assertEqual(len(self.json_ok(["jobs", "details", str(job), "--channel", "tea"])["details"]), 23)
        self.assertEqual(self.json_ok(["jobs", "details", str(job), "--channel", "other"])["details"], [])
        self.assertEqual(self.w.ok(["jobs", "details", str(job), "--status", "failed"]), "no details\n")
        self.assertEqual(self.json_ok(["jobs", "details", str(job), "--status", "failed"]),
                         {"job": job, "details": []})

    def test_failed_details_of_a_partial_job(self):
        job = self.collect_bad_folder()
        rows = table(self.w.ok(["jobs", "details", str(job), "--status", "failed"]))
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows[1], ["bad", "order", "T-2", "failed", "1", "-", "-",
                                   'bad.csv:3: quantity "abc" is not a number'])
        doc = self.json_ok(["jobs", "details", str(job), "--status", "failed"])
        self.assertEqual(len(doc["details"]), 1)
        d = doc["details"][0]
        self.assertEqual((d["channel"], d["external_id"], d["action"], d["error"], d["http_status"]),
                         ("bad", "T-2", "failed", 'bad.csv:3: quantity "abc" is not a number', None))
        self.assertEqual(d["payload"], HEADER + "\n" + BAD_ROW)
        self.assertEqual(self.w.query("SELECT external_id FROM orders"), [("T-1",)])
        self.assertEqual(self.json_ok(["jobs", "show", str(job)])["details"],
                         {"created": 1, "failed": 1, "processed": 1})


class PruneTest(JobsTestCase):
    def test_prune_everything_finished(self):
        self.collect_examples()
        self.w.ok(["--quiet", "collect"])
        live = self.insert_running_job(os.getpid())
        self.assertGreater(self.w.scalar("SELECT count(*) FROM job_details"), 0)

        self.assertEqual(self.w.ok(["jobs", "prune", "--older-than", "90d"]), "pruned 0 jobs older than 90d\n")
        self.assertEqual(self.w.scalar("SELECT count(*) FROM jobs"), 3)
        self.assertEqual(self.w.ok(["jobs", "prune", "--older-than", "0s"]), "pruned 2 jobs older than 0s\n")
        # The running job stays; the details of pruned jobs go with them.
        self.assertEqual(self.w.query("SELECT id, status FROM jobs"), [(live, "running")])
        self.assertEqual(self.w.scalar("SELECT count(*) FROM job_details"), 0)
        # Orders are not jobs: they stay.
        self.assertEqual(self.w.scalar("SELECT count(*) FROM orders"), 18)
        self.assertEqual(self.json_ok(["jobs", "prune", "--older-than", "0s"]), {"pruned": 0})
        self.assertEqual(self.w.ok(["--quiet", "jobs", "prune", "--older-than", "1d"]), "")

    def test_bad_durations(self):
        self.collect_examples()
        for value in ("5x", "90", "-1d", "d", "1.5d", " 1d"):
            with self.subTest(value=value):
                err = self.assertError(self.w.run(["jobs", "prune", f"--older-than={value}"]), 2)
                self.assertEqual(err, f'uoms: error: --older-than: expected a duration like 90d, got "{value}"\n')
        err = self.assertError(self.w.run(["jobs", "prune", "--older-than="]), 2)
        self.assertEqual(err, "uoms: error: --older-than: 1 required TEXT missing\n")
        err = self.assertError(self.w.run(["jobs", "prune"]), 2)
        self.assertIn("--older-than is required", err)
        self.assertEqual(self.w.scalar("SELECT count(*) FROM jobs"), 1)


class ReapTest(JobsTestCase):
    def test_dead_process_is_marked_failed_by_the_next_collect(self):
        self.w.add_csv_channel("tea")
        pid = dead_pid()
        dead = self.insert_running_job(pid)
        live = self.insert_running_job(os.getpid())
        # Another host's job that started recently is not judged by pid.
        remote = self.insert_running_job(pid, host="some-other-host.invalid")
        # Another kind is reaped by its own kind's next pass, not by collect.
        other_kind = self.insert_running_job(pid, kind="sync-stock")

        rows = {j["id"]: j for j in self.json_ok(["jobs", "list"])["jobs"]}
        self.assertEqual(rows[dead]["status"], "running")

        doc = self.json_ok(["collect"])
        self.assertEqual(doc["status"], "completed")
        status = dict(self.w.query("SELECT id, status FROM jobs"))
        self.assertEqual(status, {dead: "failed", live: "running", remote: "running", other_kind: "running",
                                  doc["job_id"]: "completed"})
        error, finished, duration = self.w.query("SELECT error, finished_at, duration_ms FROM jobs WHERE id = ?",
                                                 (dead,))[0]
        self.assertEqual(error, "process died")
        self.assertRegex(finished, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertGreaterEqual(duration, 30_000)

        shown = self.w.ok(["jobs", "show", str(dead)])
        self.assertIn("status     failed\n", shown)
        self.assertIn("error      process died\n", shown)
        rows = table(self.w.ok(["jobs", "list", "--status", "failed"]))
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows[1][0], str(dead))
        self.assertEqual(rows[1][-1], "process died")
        self.assertEqual(self.json_ok(["jobs", "show", str(dead)])["error"], "process died")

    def test_stale_job_of_another_host_is_reaped(self):
        self.w.add_csv_channel("tea")
        # Far older than three lock leases (the default lease is 10 minutes).
        old = self.insert_running_job(12345, host="some-other-host.invalid",
                                      started=now_utc() - datetime.timedelta(hours=2))
        self.json_ok(["collect"])
        self.assertEqual(self.w.query("SELECT status, error FROM jobs WHERE id = ?", (old,)),
                         [("failed", "process died")])


if __name__ == "__main__":
    uoms_e2e.main()
