"""Read commands work on a database uoms may not write (a read-only file, a read-only
folder, a backup copy): they open it read-only instead of failing with "attempt to write a
readonly database"; a write command says clearly what is wrong (exit 4) and changes nothing.
As root (where file modes do not bind) the commands run as `nobody` through setpriv.
"""

import os
import shutil
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import uoms_e2e  # noqa: E402

READS = [["jobs", "list"], ["orders", "list"], ["channels", "list"], ["tracking", "pending"],
         ["products", "list"], ["listings", "list"], ["stock", "show"]]


class ReadOnlyDatabase(uoms_e2e.TestCase):
    def as_reader(self, args):
        prefix = []
        if os.geteuid() == 0:
            setpriv = shutil.which("setpriv")
            if not setpriv:
                self.skipTest("running as root without setpriv: file modes would not bind")
            prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
        p = subprocess.run(prefix + [self.w.bin] + args, capture_output=True, text=True, env=self.w.env,
                           cwd=self.w.dir, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def setUp(self):
        super().setUp()
        self.w.init()
        self.w.add_csv_channel()
        self.w.ok(["collect", "--quiet"])
        self.w.ok(["products", "set", "TEA-EG-100", "--on-hand", "50", "--quiet"])
        # The reader may enter the folder and read the files, never write them.
        os.chmod(self.w.dir, 0o755)
        for name in os.listdir(self.w.dir):
            path = self.w.path(name)
            if os.path.isfile(path):
                os.chmod(path, 0o600 if name == "uoms.key" else 0o644)
        self.addCleanup(os.chmod, self.w.dir, 0o700)

    def check_reads(self):
        for args in READS:
            code, out, err = self.as_reader(args)
            self.assertEqual(code, 0, f"uoms {' '.join(args)}\nstdout:\n{out}\nstderr:\n{err}")
            self.assertNotIn("readonly", err)
        code, out, _ = self.as_reader(["--json", "orders", "list"])
        self.assertEqual(code, 0)
        self.assertIn("WEB-20261122-0001", out)

    def test_read_only_file(self):
        self.check_reads()

    def test_read_only_folder_and_file(self):
        os.chmod(self.w.db, 0o444)
        os.chmod(self.w.dir, 0o555)
        self.check_reads()
        before = uoms_e2e.read_bytes(self.w.db)
        code, _, err = self.as_reader(["collect"])
        self.assertNotEqual(code, 0)
        self.assertTrue(err.startswith("uoms: error:"), err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertEqual(uoms_e2e.read_bytes(self.w.db), before)


if __name__ == "__main__":
    uoms_e2e.main()
