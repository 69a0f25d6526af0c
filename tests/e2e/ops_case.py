"""Shared set-up of the operator's-day tests (test_status.py, test_doctor.py, test_metrics.py).

A Workspace is one sandbox plus one `uoms init --dir` directory with Coupang channels on it,
run as the real binary in a scrubbed environment (PATH, a temporary HOME and
UOMS_ALLOWED_HOSTS=loopback only). Standard library only.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sandbox import COUPANG_ACCESS_KEY, COUPANG_SECRET_KEY, COUPANG_VENDOR, Sandbox, default_config  # noqa: E402

UOMS_BIN = os.environ.get("UOMS_BIN", "")
SANDBOX_BIN = os.environ.get("UOMS_SANDBOX_BIN", "")
SKIP = 77
EXIT_OK, EXIT_ATTENTION, EXIT_CONFIG = 0, 3, 4
ORDERS = 12

# One try per request and short backoffs: a failing channel fails within milliseconds.
CONFIG = """\
[database]
path = "uoms.db"
key_file = "uoms.key"

[collect]
initial_lookback = "3d"
settle_delay = "0s"

[http]
connect_timeout = "5s"
timeout = "20s"
max_attempts = 1
backoff_base = "10ms"
backoff_max = "50ms"

[kinds.coupang]
rate_limit = 500.0
"""


def require_binaries():
    for variable, path in (("UOMS_BIN", UOMS_BIN), ("UOMS_SANDBOX_BIN", SANDBOX_BIN)):
        if not (path and os.access(path, os.X_OK)):
            print(f"skipped: {variable} is not set to an executable (run through ctest)", file=sys.stderr)
            sys.exit(SKIP)


def scrubbed_env(home):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "LC_ALL": "C.UTF-8",
           "UOMS_ALLOWED_HOSTS": "loopback"}
    for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def one_json_object(test, stdout):
    text = stdout.strip()
    test.assertTrue(text.startswith("{"), f"stdout is not a JSON object: {stdout!r}")
    value, end = json.JSONDecoder().raw_decode(text)
    test.assertEqual(text[end:].strip(), "", f"more than one JSON document on stdout: {stdout!r}")
    return value


class Workspace:
    """A sandbox with the default accounts and `uoms init` with channel cp (Coupang) added."""

    def __init__(self, test, config_extra="", channels=("cp",)):
        self.test = test
        self.tmp = tempfile.mkdtemp(prefix="uoms-e2e-ops-")
        self.home = os.path.join(self.tmp, "home")
        os.makedirs(self.home)
        self.dir = os.path.join(self.tmp, "uoms")
        self.config_path = os.path.join(self.dir, "uoms.toml")
        self.db_path = os.path.join(self.dir, "uoms.db")
        self.key_path = os.path.join(self.dir, "uoms.key")
        self.env = scrubbed_env(self.home)
        self.sb = Sandbox(default_config(orders=ORDERS, spread_hours=48), binary=SANDBOX_BIN)
        self.sb.start()
        try:
            rc, _, err = self.run("init", "--dir", self.dir, with_config=False)
            test.assertEqual(rc, 0, err)
            self.write_config(config_extra)
            for name in channels:
                self.add_coupang(name)
        except BaseException:
            self.close()
            raise

    def close(self):
        self.sb.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write_config(self, extra=""):
        with open(self.config_path, "w", encoding="utf-8") as f:
            f.write(CONFIG + extra)
        os.chmod(self.config_path, 0o600)

    def run(self, *args, with_config=True, timeout=60):
        argv = [UOMS_BIN] + (["--config", self.config_path] if with_config else []) + list(args)
        p = subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout, p.stderr

    def json(self, *args):
        """`uoms --json ARGS`: (exit code, the document, stderr)."""
        rc, out, err = self.run("--json", *args)
        return rc, one_json_object(self.test, out), err

    def add_coupang(self, name, secret_key=COUPANG_SECRET_KEY):
        rc, _, err = self.run("channels", "add", name, "--kind", "coupang", "--set", f"base_url={self.sb.base_url}",
                              "--set", f"vendor_id={COUPANG_VENDOR}", "--secret", f"access_key={COUPANG_ACCESS_KEY}",
                              "--secret", f"secret_key={secret_key}")
        self.test.assertEqual(rc, 0, err)

    def sql(self, query, params=()):
        con = sqlite3.connect(self.db_path, timeout=30)
        try:
            with con:
                return con.execute(query, params).fetchall()
        finally:
            con.close()
