"""The exit-code rule, one row per case (README "Exit codes"):

- 2 usage: the command line is wrong or does not supply what it names (a flag, a channel,
  a secret from an unset variable or an empty standard input);
- 4 configuration or credential: the config file, the secret key, a channel's settings;
- 1 the pass failed: every selected channel failed on data or transport (a CSV file that
  cannot be read as orders, a marketplace answer cut short or not JSON after the retries),
  nothing was saved;
- 3 partial: some channels or orders failed, the rest were saved, whatever the reason of
  the failure (one bad row of a file, one channel's mangled answer beside a good channel).
"""

import http.server
import os
import threading

import uoms_e2e
from uoms_e2e import EXAMPLE_ORDERS

GOOD_ROW = ("order_id,item_id,ordered_at,quantity,unit_price\n"
            "A-1,1,2026-11-22 09:00:00,1,1000\n")
BAD_ROW = "A-2,1,2026-11-22 09:00:00,lots,1000\n"
OTHER_KEY = "x" * 43 + "="


class CutShort(http.server.BaseHTTPRequestHandler):
    """Every answer is HTTP 200 with a JSON body cut in half."""

    def do_GET(self):
        body = b'{"code":200,"message":"OK","data":[{"shipmentBoxId":1,'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class ExitCodeTest(uoms_e2e.TestCase):
    def setUp(self):
        super().setUp()
        self.w.init()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), CutShort)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)

    def folder(self, name, text):
        path = self.w.path(name)
        os.makedirs(path, exist_ok=True)
        with open(os.path.join(path, "orders.csv"), "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def add_csv(self, name, path):
        self.w.ok(["channels", "add", name, "--kind", "csv", "--set", f"path={path}", "--set", "mapping=uoms"])

    def add_cut_short(self, name="cp"):
        self.w.ok(["channels", "add", name, "--kind", "coupang", "--set", "vendor_id=A1",
                   "--set", f"base_url=http://127.0.0.1:{self.server.server_address[1]}",
                   "--secret", "access_key=ak-0123456789", "--secret", "secret_key=sk-0123456789"])

    def test_each_case_exits_with_its_code(self):
        good = self.folder("good", GOOD_ROW)
        one_bad_row = self.folder("one-bad-row", GOOD_ROW + BAD_ROW)
        undecodable = self.folder("undecodable", "order_id,item_id,quantity\n")
        with open(os.path.join(undecodable, "orders.csv"), "ab") as f:
            f.write(b"\xc1\xd6,1,1\n")
        no_column = self.folder("no-column", "order_id,item_id,qty\nC,1,1\n")
        self.add_csv("good", good)
        self.add_csv("one-bad-row", one_bad_row)
        self.w.ok(["channels", "add", "undecodable", "--kind", "csv", "--set", f"path={undecodable}",
                   "--set", "encoding=utf-8", "--set", "mapping=uoms"])
        self.add_csv("no-column", no_column)
        self.add_csv("gone", self.w.path("no-such-folder"))
        self.add_cut_short("cp")
        add_ss = ["channels", "add", "ss", "--kind", "smartstore", "--set", "client_id=a"]
        fast = {"UOMS_MAX_ATTEMPTS": "2"}
        cases = [
            # (why, arguments, standard input, extra environment, exit code)
            ("an unknown flag", ["collect", "--colour"], None, {}, 2),
            ("an unknown channel", ["collect", "--channel", "nope"], None, {}, 2),
            ("--secret-env names an unset variable", add_ss + ["--secret-env", "client_secret=UNSET_VAR"], None, {}, 2),
            ("--secret-stdin gets no line", add_ss + ["--secret-stdin", "client_secret"], "", {}, 2),
            ("--secret-stdin gets an empty line", add_ss + ["--secret-stdin", "client_secret"], "\n", {}, 2),
            ("--secret with an empty value", add_ss + ["--secret", "client_secret="], None, {}, 2),
            ("another secret key", ["collect", "--channel", "good"], None, {"UOMS_SECRET_KEY": OTHER_KEY}, 4),
            ("a malformed secret key", ["collect", "--channel", "good"], None, {"UOMS_SECRET_KEY": "short"}, 4),
            ("a csv folder that does not exist", ["collect", "--channel", "gone"], None, {}, 4),
            ("an undecodable csv file, only channel", ["collect", "--channel", "undecodable"], None, {}, 1),
            ("a csv file without a column, only channel", ["collect", "--channel", "no-column"], None, {}, 1),
            ("an answer cut short on every try, only channel", ["collect", "--channel", "cp"], None, fast, 1),
            ("one bad row beside a good one", ["collect", "--channel", "one-bad-row"], None, {}, 3),
            ("an undecodable file beside a good channel",
             ["collect", "--channel", "good", "--channel", "undecodable"], None, {}, 3),
            ("an answer cut short beside a good channel",
             ["collect", "--channel", "good", "--channel", "cp"], None, fast, 3),
            ("a missing folder beside a good channel", ["collect", "--channel", "good", "--channel", "gone"], None, {}, 3),
            ("nothing new", ["collect", "--channel", "good"], None, {}, 0),
        ]
        for why, args, stdin, env, code in cases:
            with self.subTest(why):
                got, out, err = self.w.run(args, input=stdin, env_extra=env)
                self.assertEqual(got, code, f"{why}\nstdout:\n{out}\nstderr:\n{err}")
                if code == 2:
                    self.assertTrue(err.startswith("uoms: error: "), err)
        # Usage errors changed nothing.
        self.assertEqual(self.w.scalar("SELECT count(*) FROM channels WHERE name = 'ss'"), 0)


if __name__ == "__main__":
    uoms_e2e.main()
