"""End-to-end metrics textfile: after a collect against the sandbox, the file named by
--metrics-textfile (or metrics.textfile) parses with the Prometheus client's own text parser
and holds the right values for every channel, not only the one the pass touched; it is
replaced atomically (no temporary file left behind) and a path that cannot be written is a
warning, never a failed pass.

Needs Debian's python3-prometheus-client (scripts/deps.sh installs it); without it the test
says so and is skipped.

Run: UOMS_BIN=build/uoms UOMS_SANDBOX_BIN=build/uoms-sandbox python3 tests/e2e/test_metrics.py
"""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ops_case  # noqa: E402
from ops_case import EXIT_OK, Workspace  # noqa: E402
from sandbox import COUPANG_VENDOR  # noqa: E402

# Debian's python3-prometheus-client (pure Python) lives in /usr/lib/python3/dist-packages, which a
# python3 that is not Debian's own (pyenv, a venv) does not search: look there too.
DEBIAN_DIST_PACKAGES = "/usr/lib/python3/dist-packages"
try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    if os.path.isdir(os.path.join(DEBIAN_DIST_PACKAGES, "prometheus_client")):
        sys.path.append(DEBIAN_DIST_PACKAGES)
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:  # reported and skipped in main
        text_string_to_metric_families = None


def samples(path):
    """{(metric name, frozenset of labels): value} as the Prometheus parser reads the file."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(metrics, name, **labels):
    return metrics[(name, frozenset(labels.items()))]


class MetricsTest(unittest.TestCase):
    def workspace(self, **kwargs):
        ws = Workspace(self, **kwargs)
        self.addCleanup(ws.close)
        return ws

    def test_collect_writes_every_channel(self):
        ws = self.workspace(channels=("cp", "cp2"))
        prom_dir = os.path.join(ws.tmp, "textfile")
        os.makedirs(prom_dir)
        prom = os.path.join(prom_dir, "uoms.prom")
        before = time.time()
        rc, report, err = ws.json("--metrics-textfile", prom, "collect", "--channel", "cp")
        self.assertEqual(rc, EXIT_OK, err)
        created = report["channels"][0]["created"]
        self.assertEqual(created, ops_case.ORDERS)
        self.assertEqual(os.listdir(prom_dir), ["uoms.prom"])  # the temporary file was renamed
        self.assertEqual(os.stat(prom).st_mode & 0o777, 0o644)

        m = samples(prom)
        cp = {"channel": "cp", "kind": "collect"}
        self.assertEqual(value(m, "uoms_pass_last_records", action="created", **cp), created)
        self.assertEqual(value(m, "uoms_pass_last_total", counter="failed", **cp), 0)
        self.assertEqual(value(m, "uoms_pass_last_status", status="completed", **cp), 1)
        self.assertEqual(value(m, "uoms_pass_last_status", status="failed", **cp), 0)
        self.assertEqual(value(m, "uoms_pass_consecutive_failures", **cp), 0)
        success = value(m, "uoms_pass_last_success_timestamp_seconds", **cp)
        self.assertTrue(before - 1 <= success <= time.time() + 1, success)
        self.assertGreater(value(m, "uoms_pass_last_http_requests", **cp), 0)
        self.assertEqual(value(m, "uoms_pass_last_http_throttled", **cp), 0)
        self.assertGreaterEqual(value(m, "uoms_pass_last_duration_seconds", **cp), 0)
        self.assertLess(value(m, "uoms_collect_watermark_lag_seconds", channel="cp"), 600)
        self.assertEqual(value(m, "uoms_tracking_uploads", channel="cp", state="pending"), 0)
        self.assertEqual(value(m, "uoms_channel_needs_attention", channel="cp"), 0)
        # cp2 was not in this pass, yet the file covers it: never collected needs attention.
        self.assertEqual(value(m, "uoms_channel_needs_attention", channel="cp2"), 1)
        self.assertNotIn(("uoms_pass_last_run_timestamp_seconds",
                          frozenset({"channel": "cp2", "kind": "collect"}.items())), m)

        # The config key, and a failing pass: the file is rewritten with the failure counted.
        ws.write_config(f'\n[metrics]\ntextfile = "{prom}"\n')
        ws.sb.fault("500", account=COUPANG_VENDOR, path_contains="/ordersheets", count=10000)
        rc, _, err = ws.run("collect", "--quiet")
        self.assertNotEqual(rc, EXIT_OK, err)
        m = samples(prom)
        for name in ("cp", "cp2"):
            labels = {"channel": name, "kind": "collect"}
            self.assertEqual(value(m, "uoms_pass_last_status", status="failed", **labels), 1)
            self.assertEqual(value(m, "uoms_pass_consecutive_failures", **labels), 1)
        # cp's last success is still the first pass.
        self.assertEqual(value(m, "uoms_pass_last_success_timestamp_seconds", **cp), success)
        self.assertEqual(os.listdir(prom_dir), ["uoms.prom"])

    def test_an_unwritable_path_is_a_warning(self):
        ws = self.workspace(channels=("cp",))
        prom = os.path.join(ws.tmp, "no-such-dir", "uoms.prom")
        rc, _, err = ws.run("--metrics-textfile", prom, "collect")
        self.assertEqual(rc, EXIT_OK, err)
        self.assertIn("metrics file " + prom, err)


if __name__ == "__main__":
    ops_case.require_binaries()
    if text_string_to_metric_families is None:
        print("skipped: python3 module prometheus_client is missing (apt-get install python3-prometheus-client, "
              "or bash scripts/deps.sh)", file=sys.stderr)
        sys.exit(ops_case.SKIP)
    unittest.main(verbosity=2)
