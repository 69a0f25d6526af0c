"""`uoms channels`: adding every kind, secrets never printed nor stored in clear, errors with
"did you mean", update/enable/disable/remove, a wrong secret key, `channels test`, and
Fernet interoperability with Python's `cryptography`.

Run: UOMS_BIN=build/uoms UOMS_SANDBOX_BIN=build/uoms-sandbox UOMS_SOURCE_DIR=. \
     python3 tests/e2e/test_channels.py
Exits 77 (skip) when UOMS_BIN is not set or does not exist; the tests that need the
sandbox or `cryptography` skip themselves with the reason.
"""

import base64
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import uoms_e2e  # noqa: E402
from uoms_e2e import EXAMPLE_ORDERS, read_bytes  # noqa: E402
import sandbox  # noqa: E402

try:
    from cryptography.fernet import Fernet, InvalidToken
    FERNET_MISSING = None
except ImportError as e:  # pragma: no cover - depends on the machine
    Fernet = InvalidToken = None
    FERNET_MISSING = f"python cryptography is not installed ({e})"

# Distinctive plaintexts: any appearance in output or in the database file is a leak.
CP_ACCESS = "cpAccess-PLAIN-4b1d9e"
CP_SECRET = "cpSecret-PLAIN-8c2f7a"
SS_SECRET = "$2a$04$PLAINsmartstoreSALT22c"
SH_PARTNER = "shPartner-PLAIN-19aa3"
SH_REFRESH = "shRefresh-PLAIN-77e0b"
ALL_SECRETS = [CP_ACCESS, CP_SECRET, SS_SECRET, SH_PARTNER, SH_REFRESH]

DECRYPT_ERROR = "cannot decrypt its secrets with this key (wrong UOMS_SECRET_KEY or key file?)"


def other_key():
    """A valid Fernet key that is not the workspace's."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


class ChannelsTestCase(uoms_e2e.TestCase):
    def setUp(self):
        super().setUp()
        self.w.init()
        self.outputs = []

    def run_uoms(self, args, **kwargs):
        """Runs and remembers stdout+stderr so tests can check no secret was ever printed."""
        result = self.w.run(args, **kwargs)
        self.outputs.append(result[1] + result[2])
        return result

    def ok(self, args, **kwargs):
        code, out, err = self.run_uoms(args, **kwargs)
        self.assertEqual((code, err), (0, ""), f"uoms {' '.join(args)}\nstdout:\n{out}")
        return out

    def add_all_kinds(self):
        self.assertEqual(self.ok(["channels", "add", "tea", "--kind", "csv", "--set", f"path={EXAMPLE_ORDERS}"]),
                         "added channel tea (csv)\n")
        self.assertEqual(self.ok(["channels", "add", "cp", "--kind", "coupang", "--set", "vendor_id=A00012345",
                                  "--secret-env", "access_key=CP_AK", "--secret", f"secret_key={CP_SECRET}"],
                                 env_extra={"CP_AK": CP_ACCESS}),
                         "added channel cp (coupang)\n")
        self.assertEqual(self.ok(["channels", "add", "ss", "--kind", "smartstore", "--set", "client_id=abc",
                                  "--secret-stdin", "client_secret"], input=SS_SECRET + "\n"),
                         "added channel ss (smartstore)\n")
        self.assertEqual(self.ok(["channels", "add", "sh", "--kind", "shopee", "--set", "partner_id=1001",
                                  "--set", "shop_id=2002", "--secret-stdin", "partner_key",
                                  "--secret-stdin", "refresh_token"],
                                 input=f"{SH_PARTNER}\r\n{SH_REFRESH}\n"),
                         "added channel sh (shopee)\n")

    def assertNoSecretAnywhere(self):
        text = "".join(self.outputs)
        data = self.w.db_bytes()
        for secret in ALL_SECRETS:
            self.assertNotIn(secret, text)
            self.assertNotIn(secret.encode(), data)

    def channel_rows(self):
        return self.w.query("SELECT * FROM channels ORDER BY id")


class AddListShowTest(ChannelsTestCase):
    def test_add_every_kind_and_secrets_are_never_shown(self):
        self.add_all_kinds()
        rows = self.w.query("SELECT name, kind, enabled, settings, secrets IS NULL FROM channels ORDER BY id")
        self.assertEqual(rows, [
            ("tea", "csv", 1, json.dumps({"path": EXAMPLE_ORDERS}, separators=(",", ":")), 1),
            ("cp", "coupang", 1, '{"vendor_id":"A00012345"}', 0),
            ("ss", "smartstore", 1, '{"client_id":"abc"}', 0),
            ("sh", "shopee", 1, '{"partner_id":"1001","shop_id":"2002"}', 0),
        ])
        for token, in self.w.query("SELECT secrets FROM channels WHERE secrets IS NOT NULL"):
            self.assertTrue(token.startswith("gAAAAA"), token)  # Fernet version byte 0x80

        out = self.ok(["channels", "list"])
        self.assertEqual(out.splitlines(), [
            "NAME  KIND        ENABLED  ORDERS  COLLECTED UNTIL",
            "cp    coupang     yes      0       -",
            "sh    shopee      yes      0       -",
            "ss    smartstore  yes      0       -",
            "tea   csv         yes      0       -",
        ])
        doc = json.loads(self.ok(["--json", "channels", "list"]))
        self.assertEqual(doc, {"channels": [
            {"name": "cp", "kind": "coupang", "enabled": True, "orders": 0, "watermark": ""},
            {"name": "sh", "kind": "shopee", "enabled": True, "orders": 0, "watermark": ""},
            {"name": "ss", "kind": "smartstore", "enabled": True, "orders": 0, "watermark": ""},
            {"name": "tea", "kind": "csv", "enabled": True, "orders": 0, "watermark": ""},
        ]})

        out = self.ok(["channels", "show", "cp"])
        self.assertEqual(out, "name      cp\nkind      coupang\nenabled   yes\norders    0\n"
                              "setting   base_url = https://api-gateway.coupang.com\n"
                              "setting   vendor_id = A00012345\n"
                              "setting   rate_limit = 5\n"
                              "setting   timezone = (unset)\n"
                              "setting   statuses = ACCEPT,INSTRUCT,DEPARTURE,DELIVERING,FINAL_DELIVERY,NONE_TRACKING\n"
                              "setting   rescan_days = 3\n"
                              "secret    access_key = ********\n"
                              "secret    secret_key = ********\n")
        out = self.ok(["channels", "show", "sh"])
        self.assertIn("secret    partner_key = ********\nsecret    refresh_token = ********\n", out)
        self.assertIn("setting   region = (unset)\n", out)
        out = self.ok(["channels", "show", "ss"])
        self.assertIn("secret    client_secret = ********\n", out)
        self.assertIn("setting   account_type = SELF\n", out)

        for name, secrets in (("cp", ["access_key", "secret_key"]), ("ss", ["client_secret"]),
                              ("sh", ["partner_key", "refresh_token"]), ("tea", [])):
            doc = json.loads(self.ok(["--json", "channels", "show", name]))
            self.assertEqual(doc["name"], name)
            self.assertEqual(doc["secrets"], secrets)
            self.assertEqual(doc["orders"], 0)
            self.assertTrue(doc["enabled"])
        doc = json.loads(self.ok(["--json", "channels", "show", "cp"]))
        self.assertEqual(doc["settings"], {"vendor_id": "A00012345"})
        doc = json.loads(self.ok(["--json", "channels", "add", "cp2", "--kind", "coupang", "--set", "vendor_id=B1",
                                  "--secret", f"access_key={CP_ACCESS}", "--secret", f"secret_key={CP_SECRET}"]))
        self.assertEqual((doc["name"], doc["kind"], doc["secrets"]), ("cp2", "coupang", ["access_key", "secret_key"]))
        self.ok(["-vv", "channels", "show", "cp"])
        self.assertNoSecretAnywhere()

    def test_secret_stdin_strips_only_the_line_end(self):
        if FERNET_MISSING:
            self.skipTest(FERNET_MISSING)
        self.add_all_kinds()
        fernet = Fernet(read_bytes(self.w.key).strip())
        token = self.w.scalar("SELECT secrets FROM channels WHERE name = 'sh'")
        self.assertEqual(json.loads(fernet.decrypt(token.encode())),
                         {"partner_key": SH_PARTNER, "refresh_token": SH_REFRESH})

    def test_unknown_kind_setting_and_secret_suggest_the_closest(self):
        cases = [
            (["channels", "add", "x", "--kind", "coupng"],
             'uoms: error: unknown channel kind "coupng" (did you mean "coupang"?); '
             "kinds: coupang, smartstore, shopee, qoo10jp, playauto, csv\n"),
            (["channels", "add", "x", "--kind", "csv", "--set", "pth=/tmp"],
             'uoms: error: kind csv has no setting "pth" (did you mean "path"?)\n'),
            (["channels", "add", "x", "--kind", "coupang", "--set", "vendorid=A1",
              "--secret", f"access_key={CP_ACCESS}", "--secret", f"secret_key={CP_SECRET}"],
             'uoms: error: kind coupang has no setting "vendorid" (did you mean "vendor_id"?)\n'),
            (["channels", "add", "x", "--kind", "coupang", "--set", "vendor_id=A1",
              "--secret", f"acess_key={CP_ACCESS}", "--secret", f"secret_key={CP_SECRET}"],
             'uoms: error: kind coupang has no secret "acess_key" (did you mean "access_key"?)\n'),
            (["channels", "add", "x", "--kind", "smartstore", "--set", "client_id=a",
              "--set", f"client_secret={SS_SECRET}"],
             'uoms: error: kind smartstore has no setting "client_secret" (it is a secret: use --secret '
             "client_secret=...)\n"),
            (["channels", "add", "x", "--kind", "smartstore", "--secret", "client_id=a",
              "--secret", f"client_secret={SS_SECRET}"],
             'uoms: error: kind smartstore has no secret "client_id" (it is a setting: use --set client_id=...)\n'),
            (["channels", "add", "x", "--kind", "csv", "--set", f"path={EXAMPLE_ORDERS}",
              "--secret", f"token={CP_SECRET}"],
             'uoms: error: kind csv has no secret "token"\n'),
        ]
        for args, expected in cases:
            with self.subTest(args=args[3:6]):
                err = self.assertError(self.run_uoms(args), 4)
                self.assertEqual(err, expected)
        self.assertEqual(self.channel_rows(), [])
        self.assertNoSecretAnywhere()

    def test_missing_required_fields(self):
        err = self.assertError(self.run_uoms(["channels", "add", "cp", "--kind", "coupang"]), 4)
        self.assertEqual(err, "uoms: error: channel cp (coupang) is missing setting vendor_id, secret access_key, "
                              "secret secret_key\n")
        err = self.assertError(self.run_uoms(["channels", "add", "cp", "--kind", "coupang", "--set", "vendor_id=A1",
                                              "--secret", f"access_key={CP_ACCESS}"]), 4)
        self.assertEqual(err, "uoms: error: channel cp (coupang) is missing secret secret_key\n")
        err = self.assertError(self.run_uoms(["channels", "add", "tea", "--kind", "csv"]), 4)
        self.assertEqual(err, "uoms: error: channel tea (csv) is missing setting path\n")
        self.assertEqual(self.channel_rows(), [])
        self.assertNoSecretAnywhere()

    def test_secret_sources_that_give_nothing(self):
        base = ["channels", "add", "ss", "--kind", "smartstore", "--set", "client_id=a"]
        err = self.assertError(self.run_uoms(base + ["--secret-env", "client_secret=SS_SECRET_VAR"]), 2)
        self.assertEqual(err, "uoms: error: --secret-env client_secret: environment variable SS_SECRET_VAR "
                              "is not set\n")
        err = self.assertError(self.run_uoms(base + ["--secret-stdin", "client_secret"], input=""), 2)
        self.assertEqual(err, "uoms: error: --secret-stdin client_secret: no line on standard input\n")
        err = self.assertError(self.run_uoms(base + ["--secret-stdin", "client_secret"], input="\n"), 2)
        self.assertEqual(err, 'uoms: error: secret "client_secret" is empty\n')
        err = self.assertError(self.run_uoms(base + ["--secret", "client_secret"]), 2)
        self.assertEqual(err, "uoms: error: --secret expects key=value\n")
        self.assertEqual(self.channel_rows(), [])

    def test_duplicate_and_invalid_names(self):
        self.w.add_csv_channel("tea")
        before = self.channel_rows()
        err = self.assertError(self.run_uoms(["channels", "add", "tea", "--kind", "coupang", "--set", "vendor_id=A1",
                                              "--secret", f"access_key={CP_ACCESS}",
                                              "--secret", f"secret_key={CP_SECRET}"]), 2)
        self.assertEqual(err, 'uoms: error: channel "tea" already exists (use `uoms channels update`)\n')
        err = self.assertError(self.run_uoms(["channels", "add", "tea shop", "--kind", "csv", "--set", "path=."]), 2)
        self.assertEqual(err, "uoms: error: invalid channel name \"tea shop\": use 1-64 letters, digits, '.', '-' "
                              "or '_'\n")
        self.assertEqual(self.channel_rows(), before)
        self.assertNoSecretAnywhere()

    def test_racing_adds_of_one_name_one_wins_the_rest_exit_2(self):
        from concurrent.futures import ThreadPoolExecutor
        args = ["channels", "add", "race", "--kind", "coupang", "--set", "vendor_id=A1",
                "--secret", f"access_key={CP_ACCESS}", "--secret", f"secret_key={CP_SECRET}"]
        for round_ in range(3):
            with self.subTest(round=round_):
                if round_:
                    self.w.ok(["channels", "remove", "race"])
                with ThreadPoolExecutor(max_workers=8) as pool:
                    results = list(pool.map(lambda _: self.run_uoms(args), range(8)))
                codes = sorted(code for code, _, _ in results)
                self.assertEqual(codes, [0] + [2] * 7, results)
                for code, out, err in results:
                    if code == 2:
                        self.assertEqual((out, err), ("", 'uoms: error: channel "race" already exists '
                                                          '(use `uoms channels update`)\n'))
                self.assertEqual(self.w.scalar("SELECT count(*) FROM channels WHERE name = 'race'"), 1)
        self.assertNoSecretAnywhere()

    def test_unknown_channel_name_suggests(self):
        self.w.add_csv_channel("tea-csv")
        for args in (["channels", "show", "tea-cvs"], ["channels", "update", "tea-cvs", "--set", "path=."],
                     ["channels", "enable", "tea-cvs"], ["channels", "remove", "tea-cvs"],
                     ["channels", "test", "tea-cvs"]):
            with self.subTest(args=args):
                err = self.assertError(self.run_uoms(args), 2)
                self.assertEqual(err, 'uoms: error: no channel named "tea-cvs" (did you mean "tea-csv"?)\n')


class UpdateEnableRemoveTest(ChannelsTestCase):
    def test_update_settings_and_secrets(self):
        self.add_all_kinds()
        out = self.ok(["channels", "update", "cp", "--set", "vendor_id=A00099999", "--set", "rescan_days=5",
                       "--secret-stdin", "secret_key"], input="cpSecret-PLAIN-rotated\n")
        self.assertEqual(out, "updated channel cp\n")
        self.assertEqual(self.w.scalar("SELECT settings FROM channels WHERE name = 'cp'"),
                         '{"rescan_days":"5","vendor_id":"A00099999"}')
        out = self.ok(["channels", "show", "cp"])
        self.assertIn("setting   vendor_id = A00099999\n", out)
        self.assertIn("setting   rescan_days = 5\n", out)
        self.assertIn("secret    secret_key = ********\n", out)
        self.assertNotIn(b"cpSecret-PLAIN-rotated", self.w.db_bytes())
        if not FERNET_MISSING:
            fernet = Fernet(read_bytes(self.w.key).strip())
            token = self.w.scalar("SELECT secrets FROM channels WHERE name = 'cp'")
            self.assertEqual(json.loads(fernet.decrypt(token.encode())),
                             {"access_key": CP_ACCESS, "secret_key": "cpSecret-PLAIN-rotated"})

        out = self.ok(["channels", "update", "cp", "--unset", "rescan_days"])
        self.assertEqual(self.w.scalar("SELECT settings FROM channels WHERE name = 'cp'"), '{"vendor_id":"A00099999"}')
        self.assertIn("setting   rescan_days = 3\n", self.ok(["channels", "show", "cp"]))

        before = self.channel_rows()
        err = self.assertError(self.run_uoms(["channels", "update", "cp", "--unset", "vendor_id"]), 4)
        self.assertEqual(err, "uoms: error: channel cp (coupang) is missing setting vendor_id\n")
        err = self.assertError(self.run_uoms(["channels", "update", "cp", "--unset", "access_key"]), 4)
        self.assertEqual(err, "uoms: error: channel cp (coupang) is missing secret access_key\n")
        err = self.assertError(self.run_uoms(["channels", "update", "cp", "--set", "vendr_id=X"]), 4)
        self.assertEqual(err, 'uoms: error: kind coupang has no setting "vendr_id" (did you mean "vendor_id"?)\n')
        err = self.assertError(self.run_uoms(["channels", "update", "cp", "--unset", "colour"]), 4)
        self.assertEqual(err, 'uoms: error: kind coupang has no field "colour"\n')
        self.assertEqual(self.channel_rows(), before)

        doc = json.loads(self.ok(["--json", "channels", "update", "ss", "--set", "account_type=SELLER",
                                  "--set", "account_id=seller-1"]))
        self.assertEqual(doc["settings"], {"account_id": "seller-1", "account_type": "SELLER", "client_id": "abc"})
        self.assertEqual(doc["secrets"], ["client_secret"])
        self.assertNoSecretAnywhere()

    def test_enable_and_disable(self):
        self.w.add_csv_channel("tea")
        self.assertEqual(self.ok(["channels", "disable", "tea"]), "channel tea disabled\n")
        self.assertEqual(self.w.scalar("SELECT enabled FROM channels WHERE name = 'tea'"), 0)
        self.assertEqual(self.ok(["channels", "list"]).splitlines()[1].split(), ["tea", "csv", "no", "0", "-"])
        self.assertEqual(json.loads(self.ok(["--json", "channels", "disable", "tea"])),
                         {"name": "tea", "enabled": False})
        self.assertIn("enabled   no\n", self.ok(["channels", "show", "tea"]))
        self.assertEqual(self.ok(["channels", "enable", "tea"]), "channel tea enabled\n")
        self.assertEqual(self.w.scalar("SELECT enabled FROM channels WHERE name = 'tea'"), 1)
        self.assertEqual(json.loads(self.ok(["--json", "channels", "enable", "tea"])),
                         {"name": "tea", "enabled": True})
        self.assertEqual(self.ok(["--quiet", "channels", "disable", "tea"]), "")
        self.assertEqual(self.w.scalar("SELECT enabled FROM channels WHERE name = 'tea'"), 0)

    def test_disabled_channel_is_not_collected(self):
        self.w.add_csv_channel("tea")
        self.w.add_csv_channel("tea2")
        self.ok(["channels", "disable", "tea2"])
        code, out, err = self.run_uoms(["--json", "collect"])
        self.assertEqual((code, err), (0, ""))
        doc = json.loads(out)
        self.assertEqual([c["channel"] for c in doc["channels"]], ["tea"])
        self.assertEqual(self.w.query("SELECT c.name, count(o.id) FROM channels c LEFT JOIN orders o "
                                      "ON o.channel_id = c.id GROUP BY c.name ORDER BY c.name"),
                         [("tea", 18), ("tea2", 0)])

    def test_remove_refuses_while_orders_exist(self):
        self.w.add_csv_channel("tea-csv")
        code, out, err = self.run_uoms(["--quiet", "collect"])
        self.assertEqual((code, out, err), (0, "", ""))
        self.assertEqual(self.w.scalar("SELECT count(*) FROM orders"), 18)
        items = self.w.scalar("SELECT count(*) FROM order_items")
        self.assertGreater(items, 18)

        err = self.assertError(self.run_uoms(["channels", "remove", "tea-csv"]), 2)
        self.assertEqual(err, "uoms: error: channel tea-csv has 18 collected orders; use --delete-orders to remove "
                              "them too, or `uoms channels disable tea-csv` to keep them\n")
        self.assertEqual(self.w.scalar("SELECT count(*) FROM channels"), 1)
        self.assertEqual(self.w.scalar("SELECT count(*) FROM orders"), 18)
        self.assertEqual(self.w.scalar("SELECT count(*) FROM order_items"), items)
        self.assertIn("orders    18\n", self.ok(["channels", "show", "tea-csv"]))

        out = self.ok(["channels", "remove", "tea-csv", "--delete-orders"])
        self.assertEqual(out, "removed channel tea-csv (18 orders deleted)\n")
        self.assertEqual(self.w.scalar("SELECT count(*) FROM channels"), 0)
        self.assertEqual(self.w.scalar("SELECT count(*) FROM orders"), 0)
        self.assertEqual(self.w.scalar("SELECT count(*) FROM order_items"), 0)
        self.assertEqual(self.ok(["orders", "list"]), "no orders\n")
        # The job history stays.
        self.assertEqual(self.w.scalar("SELECT count(*) FROM jobs"), 1)

    def test_remove_without_orders_and_json(self):
        self.w.add_csv_channel("a")
        self.w.add_csv_channel("b")
        self.assertEqual(self.ok(["channels", "remove", "a"]), "removed channel a (0 orders deleted)\n")
        self.assertEqual(json.loads(self.ok(["--json", "channels", "remove", "b"])),
                         {"name": "b", "removed": True, "orders_deleted": 0})
        self.assertEqual(self.channel_rows(), [])


class SecretKeyTest(ChannelsTestCase):
    def test_wrong_key_is_refused_and_changes_nothing(self):
        self.add_all_kinds()
        before_rows = self.channel_rows()
        before_bytes = read_bytes(self.w.db)
        wrong = {"UOMS_SECRET_KEY": other_key()}
        for args in (["channels", "show", "cp"],
                     ["channels", "update", "cp", "--set", "vendor_id=Z9"],
                     ["channels", "update", "sh", "--secret", f"partner_key={SH_PARTNER}x"],
                     ["channels", "test", "cp"]):
            with self.subTest(args=args):
                err = self.assertError(self.run_uoms(args, env_extra=wrong), 4)
                self.assertEqual(err, f"uoms: error: channel {args[2]}: {DECRYPT_ERROR}\n")
        self.assertEqual(self.channel_rows(), before_rows)
        self.assertEqual(read_bytes(self.w.db), before_bytes)
        self.assertNoSecretAnywhere()

    def test_collect_with_a_wrong_key_saves_no_orders(self):
        self.add_all_kinds()
        before_rows = self.channel_rows()
        code, out, err = self.run_uoms(["collect", "--channel", "ss"], env_extra={"UOMS_SECRET_KEY": other_key()})
        self.assertEqual(code, 4, f"stdout:\n{out}\nstderr:\n{err}")
        self.assertIn(f"channel ss: {DECRYPT_ERROR}", out + err)
        self.assertEqual(self.channel_rows(), before_rows)
        self.assertEqual(self.w.scalar("SELECT count(*) FROM orders"), 0)
        self.assertNoSecretAnywhere()

    def test_wrong_key_on_a_database_without_secrets_yet(self):
        # Only a csv channel (no secrets): the database still knows its key from `uoms init`.
        self.w.add_csv_channel("tea")
        before_rows = self.channel_rows()
        wrong = {"UOMS_SECRET_KEY": other_key(), "CP_AK": CP_ACCESS, "CP_SK": CP_SECRET}
        expected = ("uoms: error: database uoms.db belongs to another secret key "
                    "(wrong UOMS_SECRET_KEY or key file?); nothing was changed\n")
        err = self.assertError(self.run_uoms(["channels", "add", "cp", "--kind", "coupang", "--set", "vendor_id=A1",
                                              "--secret-env", "access_key=CP_AK", "--secret-env", "secret_key=CP_SK"],
                                             env_extra=wrong), 4)
        self.assertEqual(err, expected)
        err = self.assertError(self.run_uoms(["collect"], env_extra=wrong), 4)
        self.assertEqual(err, expected)
        self.assertEqual(self.channel_rows(), before_rows)
        self.assertEqual(self.w.scalar("SELECT count(*) FROM jobs"), 0)
        self.assertNoSecretAnywhere()

    def test_wrong_key_file(self):
        self.add_all_kinds()
        before = self.channel_rows()
        with open(self.w.key, "w") as f:
            f.write(other_key() + "\n")
        err = self.assertError(self.run_uoms(["channels", "show", "cp"]), 4)
        self.assertEqual(err, f"uoms: error: channel cp: {DECRYPT_ERROR}\n")
        self.assertEqual(self.channel_rows(), before)

    def test_malformed_and_missing_keys(self):
        self.add_all_kinds()
        before = self.channel_rows()
        err = self.assertError(self.run_uoms(["channels", "show", "cp"], env_extra={"UOMS_SECRET_KEY": "short"}), 4)
        self.assertEqual(err, "uoms: error: UOMS_SECRET_KEY is not a Fernet key (32 bytes in url-safe base64, "
                              "44 characters)\n")
        os.rename(self.w.key, self.w.key + ".bak")
        err = self.assertError(self.run_uoms(["channels", "show", "cp"]), 4)
        self.assertEqual(err, "uoms: error: secret key file uoms.key not found; run `uoms init` or set "
                              "UOMS_SECRET_KEY\n")
        with open(self.w.key, "w") as f:
            f.write("not a key\n")
        err = self.assertError(self.run_uoms(["channels", "add", "x", "--kind", "csv", "--set", "path=."]), 4)
        self.assertEqual(err, "uoms: error: secret key file uoms.key does not hold a Fernet key\n")
        self.assertEqual(self.channel_rows(), before)

    def test_the_right_key_from_the_environment_works_without_the_file(self):
        self.add_all_kinds()
        key = read_bytes(self.w.key).decode().strip()
        os.remove(self.w.key)
        out = self.ok(["channels", "show", "cp"], env_extra={"UOMS_SECRET_KEY": key})
        self.assertIn("secret    access_key = ********\n", out)
        self.assertNotIn(key, "".join(self.outputs))

    def test_add_with_a_wrong_key_is_refused(self):
        self.add_all_kinds()
        before = self.channel_rows()
        code, out, err = self.run_uoms(["channels", "add", "new", "--kind", "coupang", "--set", "vendor_id=A1",
                                        "--secret", f"access_key={CP_ACCESS}", "--secret", f"secret_key={CP_SECRET}"],
                                       env_extra={"UOMS_SECRET_KEY": other_key()})
        self.assertEqual(self.channel_rows(), before)
        self.assertEqual(code, 4, err)


class ChannelTestCommandTest(ChannelsTestCase):
    def test_csv_channel(self):
        self.w.add_csv_channel("tea")
        out = self.ok(["channels", "test", "tea"])
        self.assertEqual(out, f"channel tea: ok: folder {EXAMPLE_ORDERS}: 3 csv files, 3 not yet processed\n")
        doc = json.loads(self.ok(["--json", "channels", "test", "tea"]))
        self.assertEqual(doc, {"channel": "tea", "ok": True,
                               "message": f"folder {EXAMPLE_ORDERS}: 3 csv files, 3 not yet processed"})
        self.assertEqual(self.w.scalar("SELECT count(*) FROM jobs"), 0)

    def test_csv_channel_with_a_missing_folder(self):
        missing = self.w.path("no-such-folder")
        self.ok(["channels", "add", "gone", "--kind", "csv", "--set", f"path={missing}"])
        err = self.assertError(self.run_uoms(["channels", "test", "gone"]), 4)
        self.assertEqual(err, f'uoms: error: channel gone: csv folder "{missing}" does not exist (config)\n')

    def test_production_host_is_refused_before_connecting(self):
        self.add_all_kinds()
        started = time.monotonic()
        code, out, err = self.run_uoms(["channels", "test", "cp"], timeout=30)
        elapsed = time.monotonic() - started
        self.assertNotEqual(code, 0)
        self.assertEqual(code, 4)
        self.assertEqual(out, "")
        self.assertEqual(err, "uoms: error: channel cp: host api-gateway.coupang.com is not allowed (allowed hosts: "
                              "loopback); set http.allowed_hosts or UOMS_ALLOWED_HOSTS (config)\n")
        # Not a timing assertion: a refused host must not wait for a connect timeout.
        self.assertLess(elapsed, 30)
        self.assertNoSecretAnywhere()

    def test_production_host_refused_before_any_token_call(self):
        # The shopee channel is on its production base_url; the allow-list (loopback)
        # refuses it before a token refresh could reach the internet.
        self.add_all_kinds()
        code, out, err = self.run_uoms(["channels", "test", "sh"])
        self.assertIn(code, (1, 4), err)
        self.assertIn("partner.shopeemobile.com is not allowed", err)
        self.assertNoSecretAnywhere()


class SandboxTestCase(ChannelsTestCase):
    """Channels pointed at the sandbox on loopback."""

    def start_sandbox(self):
        if uoms_e2e.sandbox_bin(required=False) is None:
            self.skipTest("UOMS_SANDBOX_BIN is not set or not executable")
        self.sb = sandbox.Sandbox(sandbox.default_config(orders=5), binary=uoms_e2e.sandbox_bin())
        self.sb.start()
        self.addCleanup(self.sb.stop)

    def add_sandbox_coupang(self, name="cp", access=sandbox.COUPANG_ACCESS_KEY, secret=sandbox.COUPANG_SECRET_KEY):
        self.ok(["channels", "add", name, "--kind", "coupang", "--set", f"base_url={self.sb.base_url}",
                 "--set", f"vendor_id={sandbox.COUPANG_VENDOR}", "--secret-env", "access_key=AK",
                 "--secret-env", "secret_key=SK"], env_extra={"AK": access, "SK": secret})


class SandboxChannelTest(SandboxTestCase):
    def setUp(self):
        super().setUp()
        self.start_sandbox()

    def test_coupang_and_smartstore_against_the_sandbox_never_log_secrets(self):
        self.add_sandbox_coupang()
        self.ok(["channels", "add", "ss", "--kind", "smartstore", "--set", f"base_url={self.sb.base_url}",
                 "--set", f"client_id={sandbox.SMARTSTORE_CLIENT_ID}", "--secret-stdin", "client_secret"],
                input=sandbox.SMARTSTORE_CLIENT_SECRET + "\n")
        code, out, err = self.run_uoms(["-vv", "channels", "test", "cp"])
        self.assertEqual(code, 0, err)
        self.assertEqual(out, "channel cp: ok: vendor A00012345: signature accepted; 0 ACCEPT order sheet(s) created "
                              "in the last hour\n")
        code, out, err = self.run_uoms(["-vv", "channels", "test", "ss"])
        self.assertEqual(code, 0, err)
        self.assertRegex(out, r"^channel ss: ok: client aaaabbbbcccc: token for SELF accepted \(valid \d+ min more\); "
                                  r"\d+\+? product order change\(s\) in the last hour\n$")
        text = "".join(self.outputs)
        data = self.w.db_bytes()
        for secret in (sandbox.COUPANG_ACCESS_KEY, sandbox.COUPANG_SECRET_KEY, sandbox.SMARTSTORE_CLIENT_SECRET):
            self.assertNotIn(secret, text)
            self.assertNotIn(secret.encode(), data)

    def test_collect_from_the_sandbox_never_logs_secrets(self):
        self.add_sandbox_coupang()
        self.add_sandbox_coupang("cp-bad", secret="1" * 40)
        self.ok(["channels", "add", "ss", "--kind", "smartstore", "--set", f"base_url={self.sb.base_url}",
                 "--set", f"client_id={sandbox.SMARTSTORE_CLIENT_ID}", "--secret-stdin", "client_secret"],
                input=sandbox.SMARTSTORE_CLIENT_SECRET + "\n")
        code, out, err = self.run_uoms(["-vv", "--log-format", "json", "--json", "collect"], timeout=120)
        self.assertEqual(code, 3, f"stdout:\n{out}\nstderr:\n{err}")
        doc = json.loads(out)
        self.assertEqual(doc["status"], "partial")
        status = {c["channel"]: c["status"] for c in doc["channels"]}
        self.assertEqual(status, {"cp": "completed", "cp-bad": "failed", "ss": "completed"})
        self.assertEqual(self.w.query("SELECT c.name, count(o.id) FROM channels c LEFT JOIN orders o "
                                      "ON o.channel_id = c.id GROUP BY c.name ORDER BY c.name"),
                         [("cp", 5), ("cp-bad", 0), ("ss", 5)])
        self.ok(["--json", "jobs", "details", str(doc["job_id"])])
        self.ok(["jobs", "show", str(doc["job_id"])])
        text = "".join(self.outputs)
        data = self.w.db_bytes()
        for secret in (sandbox.COUPANG_ACCESS_KEY, sandbox.COUPANG_SECRET_KEY, sandbox.SMARTSTORE_CLIENT_SECRET,
                       "1" * 40):
            self.assertNotIn(secret, text)
            self.assertNotIn(secret.encode(), data)

    def test_rejected_credentials_are_a_credential_error(self):
        self.add_sandbox_coupang(secret="0" * 40)
        err = self.assertError(self.run_uoms(["channels", "test", "cp"]), 4)
        self.assertIn("channel cp: GET ordersheets (status ACCEPT): HTTP 401 unauthorized", err)
        self.assertTrue(err.endswith(" (auth)\n"), err)
        self.assertNotIn("0" * 40, err)


class FernetInteropTest(SandboxTestCase):
    def setUp(self):
        if FERNET_MISSING:
            self.skipTest(FERNET_MISSING)
        super().setUp()
        self.fernet = Fernet(read_bytes(self.w.key).strip())

    def test_python_decrypts_what_uoms_encrypted(self):
        self.add_all_kinds()
        tokens = dict(self.w.query("SELECT name, secrets FROM channels WHERE secrets IS NOT NULL"))
        self.assertEqual(json.loads(self.fernet.decrypt(tokens["cp"].encode())),
                         {"access_key": CP_ACCESS, "secret_key": CP_SECRET})
        self.assertEqual(json.loads(self.fernet.decrypt(tokens["ss"].encode())), {"client_secret": SS_SECRET})
        with self.assertRaises(InvalidToken):
            Fernet(Fernet.generate_key()).decrypt(tokens["cp"].encode())

    def test_unusual_characters_survive_the_round_trip(self):
        odd = 'a"b\\c {}\t비밀 ,=x '
        self.ok(["channels", "add", "q", "--kind", "qoo10jp", "--set", "user_id=u1", "--secret", f"api_key={odd}",
                 "--secret-stdin", "password"], input=odd + "\n")
        token = self.w.scalar("SELECT secrets FROM channels WHERE name = 'q'")
        self.assertEqual(json.loads(self.fernet.decrypt(token.encode())), {"api_key": odd, "password": odd})
        token = self.fernet.encrypt(json.dumps({"api_key": odd, "password": "p"}).encode()).decode()
        self.w.execute("UPDATE channels SET secrets = ? WHERE name = 'q'", (token,))
        doc = json.loads(self.ok(["--json", "channels", "update", "q", "--secret", "password=p2"]))
        self.assertEqual(doc["secrets"], ["api_key", "password"])
        token = self.w.scalar("SELECT secrets FROM channels WHERE name = 'q'")
        self.assertEqual(json.loads(self.fernet.decrypt(token.encode())), {"api_key": odd, "password": "p2"})

    def test_uoms_decrypts_what_python_encrypted(self):
        # A channel whose stored secrets are wrong for the sandbox, replaced by a token
        # Python wrote: if uoms reads the Python token, the signature is accepted.
        self.start_sandbox()
        self.add_sandbox_coupang(access="wrong-access", secret="wrong-secret")
        err = self.assertError(self.run_uoms(["channels", "test", "cp"]), 4)
        self.assertIn("HTTP 401", err)
        token = self.fernet.encrypt(json.dumps({"access_key": sandbox.COUPANG_ACCESS_KEY,
                                                "secret_key": sandbox.COUPANG_SECRET_KEY}).encode()).decode()
        self.w.execute("UPDATE channels SET secrets = ? WHERE name = 'cp'", (token,))
        doc = json.loads(self.ok(["--json", "channels", "show", "cp"]))
        self.assertEqual(doc["secrets"], ["access_key", "secret_key"])
        out = self.ok(["channels", "test", "cp"])
        self.assertTrue(out.startswith("channel cp: ok: vendor A00012345: signature accepted"), out)
        # A token from another key is refused like a wrong key.
        foreign = Fernet(Fernet.generate_key()).encrypt(b'{"access_key":"a","secret_key":"b"}').decode()
        self.w.execute("UPDATE channels SET secrets = ? WHERE name = 'cp'", (foreign,))
        err = self.assertError(self.run_uoms(["channels", "show", "cp"]), 4)
        self.assertEqual(err, f"uoms: error: channel cp: {DECRYPT_ERROR}\n")


if __name__ == "__main__":
    uoms_e2e.main()
