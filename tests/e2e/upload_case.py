"""The set-up the upload-tracking end-to-end tests share: a uoms home in a temporary folder
with a scrubbed environment, a sandbox, and helpers to run uoms, import a tracking file and
run a pass with --json."""

import json
import os
import subprocess
import tempfile
import unittest

import sandbox

UOMS = os.environ.get("UOMS_BIN")
SANDBOX = os.environ.get("UOMS_SANDBOX_BIN")


class UploadCase(unittest.TestCase):
    orders = 20  # seeded orders per sandbox account
    latency_ms = 0  # added to every sandbox answer

    def setUp(self):
        if not UOMS or not os.access(UOMS, os.X_OK) or not SANDBOX or not os.access(SANDBOX, os.X_OK):
            self.skipTest("UOMS_BIN or UOMS_SANDBOX_BIN is not set")
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.home = self.tmp.name
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.home, "LANG": "C.UTF-8",
                    "UOMS_ALLOWED_HOSTS": "loopback", "UOMS_SETTLE_DELAY": "0s",
                    "UOMS_CONFIG": os.path.join(self.home, "uoms.toml")}
        for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if name in os.environ:
                self.env[name] = os.environ[name]
        self.sb = sandbox.Sandbox(sandbox.default_config(orders=self.orders, latency_ms=self.latency_ms), binary=SANDBOX)
        self.sb.start()
        self.addCleanup(self.sb.stop)
        self.uoms("init", "--dir", self.home, "--quiet")

    def uoms(self, *args, expect=0, stdin=None):
        p = subprocess.run([UOMS, *args], env=self.env, cwd=self.home, capture_output=True, text=True, timeout=300,
                           input=stdin)
        self.assertEqual(p.returncode, expect, f"uoms {' '.join(args)}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
        return p.stdout

    def import_csv(self, rows):
        path = os.path.join(self.home, "tracking.csv")
        with open(path, "w", encoding="utf-8") as f:
            f.write("channel,order,item,carrier,number\n")
            for row in rows:
                f.write(",".join(row) + "\n")
        self.uoms("--quiet", "tracking", "import", path)

    def upload(self, expect=0):
        return json.loads(self.uoms("--json", "upload-tracking", "--retries", "0", expect=expect))

    def details(self, job, action):
        return json.loads(self.uoms("--json", "jobs", "details", str(job), "--action", action))["details"]
