"""End-to-end `uoms collect` over csv folders: a file already processed is skipped by its
size, mtime and inode before it is hashed; one changed in place is read again; a large file
is committed in pages, and a pass killed between two of them loses and duplicates nothing.
Exits 77 (skip) when UOMS_BIN is missing."""

import json
import os
import signal
import subprocess
import time

import uoms_e2e

HEADER = "order_id,item_id,quantity,unit_price,status\n"


def rows(first, count):
    return "".join(f"ORD-{n:06d},1,1,1000,paid\nORD-{n:06d},2,2,500,paid\n" for n in range(first, first + count))


class CsvFilesTest(uoms_e2e.TestCase):
    def setUp(self):
        super().setUp()
        self.w.init()
        self.folder = self.w.path("orders")
        os.makedirs(self.folder)
        self.file = os.path.join(self.folder, "orders.csv")

    def write(self, text, mode="w"):
        with open(self.file, mode, encoding="utf-8") as f:
            f.write(text)

    def collect(self):
        return json.loads(self.w.ok(["collect", "--json"]))["channels"][0]

    def keys(self, prefix):
        return [k for (k,) in self.w.query("SELECT key FROM processed_files WHERE key LIKE ? ORDER BY rowid", (prefix + "%",))]

    def test_a_processed_file_is_skipped_by_its_stat_and_read_again_when_changed_in_place(self):
        self.write(HEADER + rows(0, 3))
        self.w.ok(["channels", "add", "shop", "--kind", "csv", "--set", f"path={self.folder}"])
        self.assertEqual(self.collect()["created"], 3)
        self.assertEqual(len(self.keys("sha256:")), 1)
        st = os.stat(self.file)
        self.assertEqual(self.keys("stat:"), [f"stat:{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"])

        # The same size, mtime and inode with other bytes: the file is not read at all, so
        # the new order id is not seen (were it hashed, its new bytes would be read).
        with open(self.file, "r+b") as f:
            f.seek(len(HEADER) + len("ORD-00000"))
            f.write(b"9")
        os.utime(self.file, ns=(st.st_atime_ns, st.st_mtime_ns))
        self.assertEqual(os.stat(self.file).st_ino, st.st_ino)
        self.assertEqual(self.collect()["created"], 0)
        self.assertEqual(self.w.scalar("SELECT count(*) FROM orders WHERE external_id = 'ORD-000009'"), 0)

        # Changed in place, a new size: read again; the edited order and the added one are new.
        self.write(rows(3, 1), mode="a")
        self.assertEqual(os.stat(self.file).st_ino, st.st_ino)
        seen = self.collect()
        self.assertEqual((seen["created"], seen["failed"]), (2, 0))
        self.assertEqual(self.w.scalar("SELECT count(*) FROM orders WHERE external_id = 'ORD-000009'"), 1)
        self.assertEqual(len(self.keys("sha256:")), 2)

        # Touched only: hashed once more, found processed by its bytes, and its new stat is
        # recorded without a job detail.
        os.utime(self.file, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
        details = self.w.scalar("SELECT count(*) FROM job_details")
        seen = self.collect()
        self.assertEqual((seen["created"], seen["updated"]), (0, 0))
        self.assertEqual(len(self.keys("stat:")), 3)
        self.assertEqual(len(self.keys("sha256:")), 2)
        self.assertEqual(self.w.scalar("SELECT count(*) FROM job_details"), details)

    def test_a_large_file_killed_between_pages_loses_and_duplicates_nothing(self):
        orders = 20_000
        with open(self.w.config, "a", encoding="utf-8") as f:
            f.write("\n[kinds.csv]\npage_size = 100\n")
        self.write(HEADER + rows(0, orders))
        self.w.ok(["channels", "add", "shop", "--kind", "csv", "--set", f"path={self.folder}"])
        p = subprocess.Popen([self.w.bin, "collect", "--quiet"], env=self.w.env, cwd=self.w.dir,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and p.poll() is None:
            if (self.w.scalar("SELECT count(*) FROM orders") or 0) > 0:
                break
            time.sleep(0.01)
        self.assertIsNone(p.poll(), "the pass ended before it could be killed")
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=10)
        stored = self.w.scalar("SELECT count(*) FROM orders")
        self.assertGreater(stored, 0)
        self.assertLess(stored, orders)
        self.assertEqual(self.keys(""), [])  # the file is recorded only with its last page

        seen = self.collect()
        self.assertEqual((seen["created"] + seen["unchanged"], seen["failed"]), (orders, 0))
        self.assertEqual(self.w.query("SELECT count(*), count(DISTINCT external_id) FROM orders"), [(orders, orders)])
        self.assertEqual(self.w.scalar("SELECT count(*) FROM order_items"), 2 * orders)
        self.assertEqual(len(self.keys("sha256:")), 1)
        self.assertEqual(self.collect()["created"], 0)


if __name__ == "__main__":
    uoms_e2e.main()
