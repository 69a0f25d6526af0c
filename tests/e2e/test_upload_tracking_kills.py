"""Exactly once under `kill -9`: an upload-tracking pass against the sandbox's Coupang (whose
ledger records every invoice it receives, refused ones too) is killed at a random instant,
then a normal pass runs. Every number must have reached its boxes exactly once and every
shipment must end `uploaded`: a number committed `sending` before the kill is settled by
reading the box back, never sent again.

CI runs UOMS_KILL_RUNS (default 4) kills; the slow tier runs more, e.g.
UOMS_KILL_RUNS=25 ctest --test-dir build -R e2e.test_upload_tracking_kills
"""

import collections
import os
import random
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sandbox  # noqa: E402
from upload_case import UOMS, UploadCase  # noqa: E402

RUNS = int(os.environ.get("UOMS_KILL_RUNS", "4"))


class UploadKills(UploadCase):
    orders = 0
    latency_ms = 40  # every call takes a while, so kills land inside calls too

    def test_kill_anywhere_then_a_normal_pass_sends_each_number_once(self):
        self.uoms("channels", "add", "cp", "--kind", "coupang", "--set", f"base_url={self.sb.base_url}",
                  "--set", f"vendor_id={sandbox.COUPANG_VENDOR}", "--secret", f"access_key={sandbox.COUPANG_ACCESS_KEY}",
                  "--secret", f"secret_key={sandbox.COUPANG_SECRET_KEY}")
        rng = random.Random(int(os.environ.get("UOMS_KILL_SEED", "7")))
        numbers = {}
        killed_mid_pass = 0
        for run in range(RUNS):
            orders = [o["order_id"] for o in self.sb.add(sandbox.COUPANG_VENDOR, 6)]
            self.uoms("--quiet", "collect")
            for i, order in enumerate(orders):
                numbers[order] = f"7{run:03d}{i:08d}"
            self.import_csv([("cp", o, "", "CJ", numbers[o]) for o in orders])
            p = subprocess.Popen([UOMS, "--quiet", "upload-tracking", "--retries", "0"], env=self.env, cwd=self.home,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.05, 1.5))
            if p.poll() is None:
                killed_mid_pass += 1
                p.send_signal(signal.SIGKILL)
            p.wait()
            # The lease of a killed pass is taken over at once (its pid is dead).
            self.upload()

        received = self.sb._control("GET", "tracking", query="account=" + sandbox.COUPANG_VENDOR)["received"]
        per_item = collections.Counter((r["shipment"], r["item"]) for r in received)
        doubles = {k: n for k, n in per_item.items() if n > 1}
        self.assertEqual(doubles, {}, f"numbers sent twice ({killed_mid_pass} of {RUNS} passes killed)")
        self.assertTrue(all(r["result"] == "OK" for r in received), received)
        arrived = {r["order_id"]: r["tracking_number"] for r in received}
        self.assertEqual(arrived, numbers)
        states = self.uoms("--json", "tracking", "pending")
        self.assertEqual(states.strip(), '{"shipments":[]}')
        print(f"kills: {RUNS} runs, {killed_mid_pass} killed mid-pass, {len(numbers)} numbers, 0 doubled, 0 lost")


if __name__ == "__main__":
    unittest.main(verbosity=2)
