"""Shared helper for the end-to-end tests of the `uoms` binary; standard library only.

    class ChannelsTest(uoms_e2e.TestCase):
        def test_list(self):
            self.w.init()
            code, out, err = self.w.run(["channels", "list"])

    if __name__ == "__main__":
        uoms_e2e.main()

Every test gets a fresh temporary directory that is both HOME and the working directory,
and a scrubbed environment: PATH is kept, LANG is C.UTF-8, every UOMS_* variable of the
caller is dropped and UOMS_ALLOWED_HOSTS=loopback, so no test can reach a real marketplace
or pick up the developer's configuration. The binaries come from UOMS_BIN and
UOMS_SANDBOX_BIN; when one is missing, main() prints why and exits 77 (CTest: skipped).
"""

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
import unittest

SKIP_EXIT_CODE = 77
# Generous: a Debug build under sanitizers on a loaded 2-core machine is slow, but a hung
# binary must still fail the test instead of hanging CTest.
DEFAULT_TIMEOUT = 60

SOURCE_DIR = os.environ.get("UOMS_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE_ORDERS = os.path.join(SOURCE_DIR, "examples", "orders")


def binary(variable, required=True):
    """The path in `variable`, or exits 77 with the reason when it is unset or missing."""
    path = os.environ.get(variable, "")
    if path and os.path.isfile(path) and os.access(path, os.X_OK):
        return os.path.abspath(path)
    if not required:
        return None
    reason = f"{variable} is not set" if not path else f"{variable}={path} is not an executable file"
    print(f"skipped: {reason} (run through ctest, or set it to the built binary)", file=sys.stderr)
    sys.exit(SKIP_EXIT_CODE)


def uoms_bin():
    return binary("UOMS_BIN")


def sandbox_bin(required=True):
    return binary("UOMS_SANDBOX_BIN", required)


def scrubbed_env(home):
    """PATH and LANG only, HOME pointing at `home`, loopback-only HTTP."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": home,
        "UOMS_ALLOWED_HOSTS": "loopback",
    }
    # Sanitizer settings are not UOMS_* and must survive, or an ASan build cannot run.
    for name in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def file_mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


class Workspace:
    """One temporary HOME/working directory and the commands run in it."""

    def __init__(self, test):
        self.test = test
        self.bin = uoms_bin()
        self.dir = tempfile.mkdtemp(prefix="uoms-e2e-")
        self.env = scrubbed_env(self.dir)
        self.config = os.path.join(self.dir, "uoms.toml")
        self.key = os.path.join(self.dir, "uoms.key")
        self.db = os.path.join(self.dir, "uoms.db")

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def run(self, args, input=None, env_extra=None, timeout=DEFAULT_TIMEOUT, cwd=None, unset=()):
        """Runs `uoms ARGS` in the workspace; returns (exit code, stdout, stderr) as text.

        `env_extra` adds or overrides variables; `unset` removes some of the defaults
        (UOMS_ALLOWED_HOSTS, for instance)."""
        env = dict(self.env)
        for name in unset:
            env.pop(name, None)
        env.update(env_extra or {})
        try:
            p = subprocess.run([self.bin] + list(args), input=input, capture_output=True, text=True,
                               encoding="utf-8", errors="replace", env=env, cwd=cwd or self.dir,
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            self.test.fail(f"uoms {' '.join(args)} did not finish within {timeout} s")
        if p.returncode < 0:
            self.test.fail(f"uoms {' '.join(args)} was killed by signal {-p.returncode}\n"
                           f"stdout:\n{p.stdout}\nstderr:\n{p.stderr}")
        return p.returncode, p.stdout, p.stderr

    def ok(self, args, **kwargs):
        """Runs a command that must exit 0 with nothing on stderr; returns stdout."""
        code, out, err = self.run(args, **kwargs)
        self.test.assertEqual((code, err), (0, ""), f"uoms {' '.join(args)}\nstdout:\n{out}")
        return out

    def init(self):
        """`uoms init` in the workspace: uoms.toml, uoms.key and uoms.db."""
        self.ok(["init"])

    def add_csv_channel(self, name="tea-csv", path=EXAMPLE_ORDERS):
        self.ok(["channels", "add", name, "--kind", "csv", "--set", f"path={path}"])

    # ---- the database -----------------------------------------------------------

    def _connect(self):
        db = sqlite3.connect(self.db, timeout=10)
        db.row_factory = sqlite3.Row
        return db

    def query(self, sql, params=()):
        """All rows of `sql` as tuples."""
        db = self._connect()
        try:
            return [tuple(r) for r in db.execute(sql, params).fetchall()]
        finally:
            db.close()

    def scalar(self, sql, params=()):
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def execute(self, sql, params=()):
        """Runs one writing statement and commits; returns lastrowid."""
        db = self._connect()
        try:
            cursor = db.execute(sql, params)
            db.commit()
            return cursor.lastrowid
        finally:
            db.close()

    def db_bytes(self):
        """The database file and its WAL, as stored on disk."""
        data = b""
        for suffix in ("", "-wal", "-journal"):
            if os.path.exists(self.db + suffix):
                data += read_bytes(self.db + suffix)
        return data


class TestCase(unittest.TestCase):
    """A test with `self.w`, a fresh Workspace removed after the test."""

    def setUp(self):
        self.w = Workspace(self)
        self.addCleanup(self.w.cleanup)

    def assertError(self, result, code, *fragments):
        """Asserts exit `code`, empty stdout, one `uoms: error:` line containing every fragment."""
        got_code, out, err = result
        self.assertEqual(got_code, code, f"stdout:\n{out}\nstderr:\n{err}")
        self.assertEqual(out, "", f"stderr:\n{err}")
        self.assertTrue(err.startswith("uoms: error: "), err)
        self.assertTrue(err.endswith("\n"), err)
        for f in fragments:
            self.assertIn(f, err)
        return err


def main():
    """Checks the binaries (exit 77 when missing), then runs the tests of __main__."""
    uoms_bin()
    unittest.main(verbosity=2)
