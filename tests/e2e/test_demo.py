"""README's first command ends in `bash scripts/demo.sh`: six channels (the example CSV
exports and the five marketplaces served by the sandbox), a product file, two collect passes,
the catalogues fetched and stock pushed twice (the second pass pushes nothing), a tracking file
imported and uploaded twice (the second pass sends nothing), the job list.
This runs the script itself, into a temporary demo home, and checks what a newcomer sees.

Run: UOMS_BIN=build/uoms UOMS_SANDBOX_BIN=build/uoms-sandbox UOMS_SOURCE_DIR=. python3 tests/e2e/test_demo.py
Exits 77 (skip) when a binary is missing.
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import uoms_e2e  # noqa: E402

CHANNELS = {"shop-csv", "coupang-main", "smartstore-main", "shopee-sg", "qoo10-jp", "playauto-main"}


def summary_tables(stdout, command="collect"):
    """The summaries of `uoms COMMAND` in order: one {channel: {column: value}} each."""
    tables = []
    lines = stdout.splitlines()
    for i, line in enumerate(lines):
        if not line.startswith(f"$ uoms {command}"):
            continue
        header = lines[i + 1].split()
        rows = {}
        for row in lines[i + 2:]:
            if not row.strip() or row.startswith("job "):
                break
            cells = row.split()
            rows[cells[0]] = dict(zip(header, cells))
        tables.append(rows)
    return tables


class DemoTest(uoms_e2e.TestCase):
    def test_demo_collects_every_channel_once_and_a_second_pass_changes_nothing(self):
        build = os.path.dirname(self.w.bin)
        sandbox = uoms_e2e.sandbox_bin()
        self.assertEqual(os.path.dirname(sandbox), build, "the demo finds uoms-sandbox beside uoms")
        home = self.w.path("demo")
        env = dict(self.w.env, UOMS_BUILD_DIR=build, UOMS_DEMO_DIR=home)
        script = os.path.join(uoms_e2e.SOURCE_DIR, "scripts", "demo.sh")
        p = subprocess.run(["bash", script], capture_output=True, text=True, env=env, cwd=self.w.dir, timeout=300)
        self.assertEqual(p.returncode, 0, f"stdout:\n{p.stdout}\nstderr:\n{p.stderr}")

        first, second = summary_tables(p.stdout)
        self.assertEqual(set(first), CHANNELS, p.stdout)
        self.assertEqual(set(second), CHANNELS, p.stdout)
        for name in CHANNELS:
            self.assertEqual(first[name]["STATUS"], "completed", p.stdout)
            self.assertEqual(first[name]["FAILED"], "0", p.stdout)
            self.assertGreater(int(first[name]["NEW"]), 0, p.stdout)
            self.assertEqual((second[name]["STATUS"], second[name]["NEW"], second[name]["UPDATED"],
                              second[name]["FAILED"]), ("completed", "0", "0", "0"), p.stdout)

        self.w.db = os.path.join(home, "uoms.db")
        stored = dict(self.w.query("SELECT c.name, count(o.id) FROM channels c JOIN orders o ON o.channel_id = c.id "
                                   "GROUP BY c.name"))
        self.assertEqual(stored, {name: int(first[name]["NEW"]) for name in CHANNELS})
        # Three numbers per marketplace arrive once; the second upload pass sends nothing.
        uploads = summary_tables(p.stdout, "upload-tracking")
        self.assertEqual(len(uploads), 2, p.stdout)
        for name in CHANNELS - {"shop-csv"}:
            self.assertEqual(uploads[0][name]["STATUS"], "completed", p.stdout)
            self.assertGreaterEqual(int(uploads[0][name]["UPLOADED"]), 3, p.stdout)
            self.assertEqual((uploads[1][name]["UPLOADED"], uploads[1][name]["FAILED"]), ("0", "0"), p.stdout)
        self.assertEqual(self.w.scalar("SELECT count(*) FROM shipments WHERE source = 'import' AND state != 'uploaded'"),
                         0)
        # Stock: every kind with a stock push got every mapped listing once; the second pass pushes nothing.
        self.assertNotIn("OVERSOLD", p.stdout)
        pushes = summary_tables(p.stdout, "sync-stock")
        self.assertEqual(len(pushes), 2, p.stdout)
        for name in ("coupang-main", "smartstore-main", "shopee-sg", "qoo10-jp"):
            self.assertEqual(pushes[0][name]["STATUS"], "completed", p.stdout)
            self.assertEqual(pushes[0][name]["FAILED"], "0", p.stdout)
            self.assertGreater(int(pushes[0][name]["PUSHED"]), 0, p.stdout)
            self.assertEqual((pushes[1][name]["PUSHED"], pushes[1][name]["FAILED"]), ("0", "0"), p.stdout)
        for name in ("playauto-main", "shop-csv"):  # no stock push in their contracts: said, not pretended
            self.assertEqual((pushes[0][name]["STATUS"], pushes[0][name]["PUSHED"]), ("completed", "0"), p.stdout)
            self.assertTrue([line for line in p.stdout.splitlines()
                             if line.startswith(name) and "has no stock push in its contract" in line], p.stdout)
        self.assertEqual(self.w.scalar("SELECT count(*) FROM listings WHERE product_id IS NULL"), 0)
        self.assertEqual(self.w.query("SELECT kind, status FROM jobs ORDER BY id"),
                         [("collect", "completed")] * 2 + [("listings-fetch", "completed")]
                         + [("sync-stock", "completed")] * 2 + [("upload-tracking", "completed")] * 2)
        self.assertIn("$ uoms jobs list", p.stdout)


if __name__ == "__main__":
    uoms_e2e.main()
