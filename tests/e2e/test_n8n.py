"""A real n8n runs examples/n8n-collect.json against the sandbox; standard library only.

n8n 1.82.3 comes from npm through scripts/n8n.sh (installed once per machine into
~/.cache/uoms-n8n, reused after). The example must import as is with `n8n import:workflow`;
the test then imports a copy that differs only where a test must differ (uoms and its
config are in a temporary directory, the webhook is a listener on loopback) plus a Manual
Trigger, because `n8n execute` cannot start from the Schedule Trigger. Each scenario runs
the workflow once and asserts which branch ran:

- a good pass (completed, exit 0) goes to "OK" and sends nothing;
- a partial pass (the sandbox fails one channel, exit 3) goes to "Notify", whose webhook
  receives the status and the failing channel;
- a configuration error (exit 4, stdout is still one JSON document) goes to "Notify";
- stdout that is not a summary (uoms missing or killed) goes to "Notify" too, and a skipped
  pass (another pass holds the locks) goes to "OK".

Skipped (exit 77, with the reason) when UOMS_BIN/UOMS_SANDBOX_BIN are unset or n8n cannot be
installed here.
"""

import copy
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sandbox  # noqa: E402
from uoms_e2e import SKIP_EXIT_CODE, SOURCE_DIR, scrubbed_env  # noqa: E402

UOMS = os.environ.get("UOMS_BIN", "")
SANDBOX = os.environ.get("UOMS_SANDBOX_BIN", "")
EXAMPLE = os.path.join(SOURCE_DIR, "examples", "n8n-collect.json")
N8N_SCRIPT = os.path.join(SOURCE_DIR, "scripts", "n8n.sh")

# What the test replaces in its copy; asserted first, so a changed example fails loudly here
# instead of running an untested command.
EXAMPLE_COMMAND = "uoms --config /etc/uoms/uoms.toml --trigger n8n collect --json --exit-zero"
EXAMPLE_WEBHOOK = "https://hooks.slack.com/services/CHANGE/THIS/URL"
WORKFLOW_ID = "uomsCollect5min1"

CONFIG = """\
[database]
path = "uoms.db"
key_file = "uoms.key"

[collect]
initial_lookback = "2d"
settle_delay = "0s"

[http]
connect_timeout = "5s"
timeout = "20s"
max_attempts = 1
"""


def skip(reason):
    print(f"skipped: {reason}", file=sys.stderr)
    sys.exit(SKIP_EXIT_CODE)


def install_n8n():
    """The n8n executable, installing it on first use; exits 77 with the reason when impossible."""
    started = time.monotonic()
    try:
        p = subprocess.run(["bash", N8N_SCRIPT], capture_output=True, text=True, timeout=2400,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        skip("scripts/n8n.sh did not install n8n within 40 minutes")
    if p.returncode != 0 or not p.stdout.strip():
        skip(f"n8n cannot be installed here (scripts/n8n.sh exit {p.returncode}):\n{p.stderr.strip()}")
    print(f"n8n ready in {time.monotonic() - started:.1f} s{': ' + p.stderr.strip() if p.stderr.strip() else ''}",
          file=sys.stderr)
    return p.stdout.strip().splitlines()[-1]


class Webhook:
    """A loopback HTTP listener standing in for Slack: records every POSTed JSON body."""

    def __init__(self):
        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                received.append(json.loads(self.rfile.read(length) or b"null"))
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/slack"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class N8nCollectTest(unittest.TestCase):
    n8n = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="uoms-e2e-n8n-")
        cls.home = os.path.join(cls.tmp, "home")
        cls.uoms_dir = os.path.join(cls.tmp, "uoms")
        os.makedirs(cls.home)
        cls.config = os.path.join(cls.uoms_dir, "uoms.toml")
        cls.env = scrubbed_env(cls.home)
        cls.sb = sandbox.Sandbox(sandbox.default_config(orders=8, spread_hours=24), binary=SANDBOX)
        cls.sb.start()
        cls.webhook = Webhook()
        try:
            cls.prepare_uoms()
            cls.prepare_workflow()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.webhook.close()
        cls.sb.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    # --- set-up -----------------------------------------------------------------------------

    @classmethod
    def uoms(cls, *args):
        p = subprocess.run([UOMS, *args], env=cls.env, capture_output=True, text=True, timeout=60,
                           stdin=subprocess.DEVNULL)
        if p.returncode != 0:
            raise RuntimeError(f"uoms {' '.join(args)}: exit {p.returncode}\n{p.stderr}")
        return p.stdout

    @classmethod
    def prepare_uoms(cls):
        cls.uoms("init", "--dir", cls.uoms_dir, "--quiet")
        with open(cls.config, "w", encoding="utf-8") as f:
            f.write(CONFIG)
        base = f"base_url={cls.sb.base_url}"
        cls.uoms("--config", cls.config, "channels", "add", "cp", "--kind", "coupang", "--set", base,
                 "--set", f"vendor_id={sandbox.COUPANG_VENDOR}",
                 "--secret", f"access_key={sandbox.COUPANG_ACCESS_KEY}",
                 "--secret", f"secret_key={sandbox.COUPANG_SECRET_KEY}")
        cls.uoms("--config", cls.config, "channels", "add", "ss", "--kind", "smartstore", "--set", base,
                 "--set", f"client_id={sandbox.SMARTSTORE_CLIENT_ID}",
                 "--secret", f"client_secret={sandbox.SMARTSTORE_CLIENT_SECRET}")
        # n8n runs uoms through this wrapper, so one scenario can replace uoms with a broken command.
        cls.wrapper = os.path.join(cls.tmp, "uoms-wrapper")
        cls.set_wrapper(f'exec "{UOMS}" "$@"')

    @classmethod
    def set_wrapper(cls, body):
        with open(cls.wrapper, "w", encoding="utf-8") as f:
            f.write("#!/bin/sh\n" + body + "\n")
        os.chmod(cls.wrapper, 0o755)

    @classmethod
    def prepare_workflow(cls):
        with open(EXAMPLE, encoding="utf-8") as f:
            workflows = json.load(f)
        cls.example = workflows
        test_copy = copy.deepcopy(workflows)
        wf = test_copy[0]
        nodes = {n["name"]: n for n in wf["nodes"]}
        command = nodes["uoms collect"]["parameters"]["command"]
        if command != EXAMPLE_COMMAND or nodes["Notify"]["parameters"]["url"] != EXAMPLE_WEBHOOK:
            raise AssertionError(f"the example's command or webhook changed; update this test: {command!r}")
        nodes["uoms collect"]["parameters"]["command"] = command.replace(
            "uoms ", cls.wrapper + " ", 1).replace("/etc/uoms/uoms.toml", cls.config)
        nodes["Notify"]["parameters"]["url"] = cls.webhook.url
        # First in the list: n8n starts a CLI execution from the first trigger it finds.
        wf["nodes"].insert(0, {"id": "0b7c4d0e-9a77-4f55-8f0e-7e57e57e5701", "name": "Manual (test)",
                               "type": "n8n-nodes-base.manualTrigger", "typeVersion": 1, "position": [0, 200],
                               "parameters": {}})
        wf["connections"]["Manual (test)"] = {"main": [[{"node": "uoms collect", "type": "main", "index": 0}]]}
        cls.test_workflow = os.path.join(cls.tmp, "n8n-collect-test.json")
        with open(cls.test_workflow, "w", encoding="utf-8") as f:
            json.dump(test_copy, f)

    # --- n8n --------------------------------------------------------------------------------

    @classmethod
    def n8n_env(cls):
        env = dict(cls.env)
        env.update({
            "N8N_USER_FOLDER": os.path.join(cls.tmp, "n8n"),
            "N8N_RUNNERS_ENABLED": "false",  # `n8n execute` otherwise hangs in Code nodes
            "N8N_DIAGNOSTICS_ENABLED": "false",
            "N8N_VERSION_NOTIFICATIONS_ENABLED": "false",
            "N8N_TEMPLATES_ENABLED": "false",
            "N8N_PERSONALIZATION_ENABLED": "false",
            "N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS": "true",
            "N8N_LOG_LEVEL": "warn",
            "N8N_LOG_OUTPUT": "console",
            "NODE_ENV": "production",
        })
        return env

    def run_n8n(self, *args, timeout=240):
        started = time.monotonic()
        p = subprocess.run([self.n8n, *args], env=self.n8n_env(), capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL, cwd=self.tmp)
        print(f"n8n {' '.join(args)}: exit {p.returncode} in {time.monotonic() - started:.1f} s", file=sys.stderr)
        return p

    def execute(self):
        """Runs the imported workflow once; returns {node name: its output items}."""
        self.webhook.received.clear()
        p = self.run_n8n("execute", f"--id={WORKFLOW_ID}", "--rawOutput")
        self.assertEqual(p.returncode, 0, f"n8n execute failed\nstdout:\n{p.stdout[-3000:]}\nstderr:\n{p.stderr[-3000:]}")
        start = p.stdout.find("{")
        self.assertGreaterEqual(start, 0, p.stdout)
        run = json.JSONDecoder().raw_decode(p.stdout[start:])[0]
        run_data = run["data"]["resultData"]["runData"]
        outputs = {}
        for name, runs in run_data.items():
            self.assertIsNone(runs[0].get("error"), f"node {name} failed: {runs[0].get('error')}")
            main = runs[0].get("data", {}).get("main", [])
            outputs[name] = [item["json"] for branch in main for item in (branch or [])]
        return outputs

    def assert_branch(self, outputs, branch):
        other = "Notify" if branch == "OK" else "OK"
        self.assertIn("Manual (test)", outputs, f"nodes that ran: {sorted(outputs)}")
        self.assertNotIn("Every 5 minutes", outputs, f"nodes that ran: {sorted(outputs)}")
        self.assertIn(branch, outputs, f"nodes that ran: {sorted(outputs)}")
        self.assertNotIn(other, outputs, f"nodes that ran: {sorted(outputs)}")

    # --- the scenarios (one test so n8n's start-up is paid once per execution only) ----------

    def test_example_routes_every_outcome(self):
        # The example as shipped imports (an array of workflows with id, active, settings, node ids).
        p = self.run_n8n("import:workflow", f"--input={EXAMPLE}")
        self.assertEqual(p.returncode, 0, f"the example does not import\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
        p = self.run_n8n("import:workflow", f"--input={self.test_workflow}")
        self.assertEqual(p.returncode, 0, f"stdout:\n{p.stdout}\nstderr:\n{p.stderr}")

        with self.subTest("a good pass goes to OK"):
            out = self.execute()
            self.assert_branch(out, "OK")
            summary = out["Parse summary"][0]
            self.assertEqual((summary["status"], summary["exit_code"]), ("completed", 0), summary)
            self.assertEqual({c["channel"]: c["status"] for c in summary["channels"]},
                             {"cp": "completed", "ss": "completed"})
            self.assertEqual(self.webhook.received, [])

        with self.subTest("a partial pass goes to Notify"):
            self.sb.fault("500", account=sandbox.COUPANG_VENDOR, count=1000)
            try:
                out = self.execute()
            finally:
                self.sb.clear_faults()
            self.assert_branch(out, "Notify")
            summary = out["Parse summary"][0]
            self.assertEqual((summary["status"], summary["exit_code"]), ("partial", 3), summary)
            self.assertEqual(len(self.webhook.received), 1, self.webhook.received)
            text = self.webhook.received[0]["text"]
            self.assertTrue(text.startswith("uoms collect partial (exit 3), job "), text)
            self.assertIn("\ncp: failed", text)
            self.assertNotIn("ss:", text)

        with self.subTest("a configuration error goes to Notify"):
            with open(self.config, "a", encoding="utf-8") as f:
                f.write("\n[collect2]\nconcurrency = 4\n")
            try:
                out = self.execute()
            finally:
                with open(self.config, "w", encoding="utf-8") as f:
                    f.write(CONFIG)
            self.assert_branch(out, "Notify")
            summary = out["Parse summary"][0]
            self.assertEqual((summary["status"], summary["exit_code"]), ("failed", 4), summary)
            self.assertIn("uoms.toml", summary["error"])
            text = self.webhook.received[0]["text"]
            self.assertTrue(text.startswith("uoms collect failed (exit 4): "), text)

        with self.subTest("no summary on stdout goes to Notify"):
            self.set_wrapper("echo 'uoms: not what n8n expects'; exit 127")
            try:
                out = self.execute()
            finally:
                self.set_wrapper(f'exec "{UOMS}" "$@"')
            self.assert_branch(out, "Notify")
            self.assertEqual(out["Parse summary"][0]["status"], "failed")
            self.assertEqual(len(self.webhook.received), 1, self.webhook.received)
            self.assertTrue(self.webhook.received[0]["text"].startswith("uoms collect failed"),
                            self.webhook.received)

        with self.subTest("a skipped pass goes to OK"):
            self.set_wrapper("echo '{\"job_id\":7,\"status\":\"skipped\",\"exit_code\":5,\"channels\":[]}'")
            try:
                out = self.execute()
            finally:
                self.set_wrapper(f'exec "{UOMS}" "$@"')
            self.assert_branch(out, "OK")
            self.assertEqual(self.webhook.received, [])


if __name__ == "__main__":
    for name, path in (("UOMS_BIN", UOMS), ("UOMS_SANDBOX_BIN", SANDBOX)):
        if not path or not os.access(path, os.X_OK):
            skip(f"{name} is not set to an executable (run through ctest)")
    N8nCollectTest.n8n = install_n8n()
    unittest.main(verbosity=2)
