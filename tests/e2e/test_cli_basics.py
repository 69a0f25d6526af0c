"""The command line itself: help, usage errors, init, config show, migrate, and the
commands that are not implemented yet.

Run: UOMS_BIN=build/uoms UOMS_SOURCE_DIR=. python3 tests/e2e/test_cli_basics.py
Exits 77 (skip) when UOMS_BIN is not set or does not exist.
"""

import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import uoms_e2e  # noqa: E402
from uoms_e2e import EXAMPLE_ORDERS, file_mode, read_bytes  # noqa: E402

COMMANDS = ["init", "collect", "upload-tracking", "tracking", "carriers", "sync-stock", "channels", "jobs", "orders", "config",
            "migrate"]
EXIT_CODES = ("Exit codes: 0 done, 1 the pass failed, 2 usage error, 3 partial (some channels or orders "
              "failed,\nthe rest were saved), 4 configuration or credential error, 5 skipped (another pass "
              "holds the lock),\n130 interrupted.")


def latest_schema_version():
    """The highest NNNN of migrations/NNNN_*.sql: what a new database is migrated to."""
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "migrations")
    return max(int(name.split("_")[0]) for name in os.listdir(folder) if name.endswith(".sql"))


def project_version():
    with open(os.path.join(uoms_e2e.SOURCE_DIR, "CMakeLists.txt"), encoding="utf-8") as f:
        return re.search(r"project\(uoms VERSION (\S+)", f.read()).group(1)


def config_values(stdout):
    """`config show --json` as {key: (value, origin)}."""
    doc = json.loads(stdout)
    return {v["key"]: (v["value"], v["origin"]) for v in doc["values"]}


class HelpTest(uoms_e2e.TestCase):
    def test_top_level_help_lists_every_command_an_example_each_and_the_exit_codes(self):
        out = self.w.ok(["--help"])
        self.assertTrue(out.startswith("uoms: one pass over every marketplace channel"), out)
        self.assertIn("Usage: uoms [OPTIONS] SUBCOMMAND", out)
        for command in COMMANDS:
            self.assertRegex(out, rf"\n  {re.escape(command)} +\S", command)
            self.assertRegex(out, rf"\n  uoms (--config \S+ )?{re.escape(command)}[ \n]", command)
        for flag in ("--config", "--db", "--json", "--quiet", "--verbose", "--log-format", "--trigger"):
            self.assertIn(flag, out)
        self.assertIn("Examples:\n  uoms init --dir /etc/uoms\n", out)
        self.assertIn(EXIT_CODES, out)

    def test_version(self):
        out = self.w.ok(["--version"])
        self.assertEqual(out, f"uoms {project_version()}\n")

    def test_every_command_help_has_an_example_and_the_exit_codes(self):
        for command in COMMANDS:
            with self.subTest(command=command):
                out = self.w.ok([command, "--help"])
                self.assertIn(f"Usage: uoms {command} [OPTIONS]", out)
                self.assertRegex(out, rf"Example:\n  uoms (--config \S+ )?{re.escape(command)}[ \n]")
                self.assertIn(EXIT_CODES, out)

    def test_subcommand_help_shows_its_flags(self):
        out = self.w.ok(["channels", "add", "--help"])
        for flag in ("--kind", "--set", "--secret", "--secret-env", "--secret-stdin"):
            self.assertIn(flag, out)
        self.assertIn("Example:\n  uoms channels add shop --kind csv --set path=./exports\n", out)
        out = self.w.ok(["jobs", "prune", "--help"])
        self.assertIn("--older-than", out)


class UsageErrorTest(uoms_e2e.TestCase):
    def test_unknown_command_is_a_usage_error(self):
        self.assertError(self.w.run(["collet"]), 2)

    def test_unknown_command_suggests_the_closest(self):
        err = self.assertError(self.w.run(["collet"]), 2)
        self.assertEqual(err, 'uoms: error: unknown command "collet" (did you mean "collect"?); see uoms --help\n')

    def test_unknown_command_before_a_known_one_is_named(self):
        err = self.assertError(self.w.run(["chanels", "migrate"]), 2)
        self.assertEqual(err, 'uoms: error: unknown command "chanels" (did you mean "channels"?); '
                              'see uoms --help\n')

    def test_unknown_subcommand_suggests_the_closest(self):
        err = self.assertError(self.w.run(["channels", "lst"]), 2)
        self.assertIn('"lst"', err)
        self.assertIn('did you mean "list"', err)

    def test_unknown_subcommand_is_a_usage_error(self):
        err = self.assertError(self.w.run(["channels", "lst"]), 2)
        self.assertIn("see uoms channels --help", err)

    def test_missing_command(self):
        err = self.assertError(self.w.run([]), 2)
        self.assertEqual(err, "uoms: error: a command is required; see uoms --help\n")

    def test_missing_subcommand(self):
        for command in ("channels", "jobs", "orders", "config"):
            with self.subTest(command=command):
                err = self.assertError(self.w.run([command]), 2)
                self.assertRegex(err, rf"^uoms: error: [Aa] subcommand is required; see uoms {command} --help\n$")

    def test_bad_flag_values(self):
        self.w.init()
        cases = [
            (["--log-format", "xml", "config", "show"], "uoms: error: --log-format: xml not in {text,json}\n"),
            (["--trigger", "foo", "migrate"], "uoms: error: --trigger: foo not in {manual,cron,n8n}\n"),
            (["collect", "--concurrency", "0"], "uoms: error: --concurrency: Value 0 not in range 1 to 512\n"),
            (["jobs", "list", "--status", "done"],
             "uoms: error: --status: done not in {running,completed,partial,failed,skipped,interrupted}\n"),
            (["jobs", "show", "abc"], "uoms: error: Could not convert: id = abc\n"),
            (["--frobnicate", "migrate"], 'uoms: error: unknown flag "--frobnicate"; see uoms --help\n'),
            (["collect", "--since", "garbage"],
             'uoms: error: --since: expected a time like 2026-11-22T10:00+09:00 or an age like 3d, got "garbage"\n'),
            (["collect", "--until", "1d"], "uoms: error: --until needs --since\n"),
            (["channels", "add", "x", "--kind", "csv", "--set", "path"],
             'uoms: error: --set expects key=value, got "path"\n'),
        ]
        for args, expected in cases:
            with self.subTest(args=args):
                err = self.assertError(self.w.run(args), 2)
                self.assertEqual(err, expected)
        self.assertEqual(self.w.scalar("SELECT count(*) FROM jobs"), 0)


class InitTest(uoms_e2e.TestCase):
    def test_init_writes_private_config_key_and_database(self):
        out = self.w.ok(["init"])
        self.assertEqual(out, "wrote ./uoms.toml (configuration)\n"
                              "wrote ./uoms.key (secret key, mode 0600: back it up, channels cannot be decrypted "
                              "without it)\n"
                              "wrote ./uoms.db (database)\n"
                              "next: uoms --config ./uoms.toml channels add NAME --kind KIND ...\n")
        self.assertEqual(file_mode(self.w.key), 0o600)
        self.assertEqual(file_mode(self.w.db), 0o600)
        self.assertTrue(os.path.isfile(self.w.config))
        key = read_bytes(self.w.key)
        self.assertRegex(key, rb"^[A-Za-z0-9_-]{43}=\n$")
        self.assertEqual(self.w.scalar("PRAGMA user_version"), latest_schema_version())
        self.assertEqual(self.w.scalar("SELECT count(*) FROM channels"), 0)
        toml = read_bytes(self.w.config).decode()
        self.assertIn('path = "uoms.db"', toml)
        self.assertIn('key_file = "uoms.key"', toml)
        self.assertEqual(sorted(os.listdir(self.w.dir)), ["uoms.db", "uoms.key", "uoms.toml"])

    def test_init_into_a_directory_with_json(self):
        code, out, err = self.w.run(["--json", "init", "--dir", "etc/uoms"])
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(json.loads(out), {"config": "etc/uoms/uoms.toml", "key_file": "etc/uoms/uoms.key",
                                           "database": "etc/uoms/uoms.db"})
        self.assertEqual(file_mode(self.w.path("etc/uoms/uoms.key")), 0o600)
        self.assertEqual(file_mode(self.w.path("etc/uoms/uoms.db")), 0o600)
        # The written config is usable from anywhere: its paths are relative to the file.
        out = self.w.ok(["--json", "--config", "etc/uoms/uoms.toml", "config", "show"])
        values = config_values(out)
        self.assertEqual(values["database.path"], ("etc/uoms/uoms.db", "etc/uoms/uoms.toml:9"))
        self.assertEqual(values["database.key_file"], ("etc/uoms/uoms.key", "etc/uoms/uoms.toml:12"))

    def test_init_dir_under_umask_000_is_private(self):
        previous = os.umask(0)
        try:
            code, out, err = self.w.run(["init", "--dir", "srv/uoms"])
        finally:
            os.umask(previous)
        self.assertEqual((code, err), (0, ""), out)
        self.assertEqual(file_mode(self.w.path("srv/uoms")), 0o700)
        self.assertEqual(file_mode(self.w.path("srv")), 0o700)
        for name in ("uoms.toml", "uoms.key", "uoms.db"):
            self.assertEqual(file_mode(self.w.path("srv/uoms", name)), 0o600, name)

    def test_second_init_refuses_and_changes_nothing(self):
        self.w.init()
        self.w.add_csv_channel()
        before = {name: read_bytes(self.w.path(name)) for name in ("uoms.toml", "uoms.key", "uoms.db")}
        err = self.assertError(self.w.run(["init"]), 4)
        self.assertEqual(err, "uoms: error: ./uoms.toml already exists (use --force to overwrite)\n")
        after = {name: read_bytes(self.w.path(name)) for name in ("uoms.toml", "uoms.key", "uoms.db")}
        self.assertEqual(before, after)
        self.assertEqual(self.w.scalar("SELECT name FROM channels"), "tea-csv")

    def test_init_refuses_when_only_the_key_exists(self):
        with open(self.w.key, "w") as f:
            f.write("not touched\n")
        err = self.assertError(self.w.run(["init"]), 4)
        self.assertEqual(err, "uoms: error: ./uoms.key already exists (use --force to overwrite)\n")
        self.assertEqual(read_bytes(self.w.key), b"not touched\n")
        self.assertFalse(os.path.exists(self.w.config))
        self.assertFalse(os.path.exists(self.w.db))

    def test_force_overwrites_with_a_new_key_and_an_empty_database(self):
        self.w.init()
        self.w.add_csv_channel()
        old_key = read_bytes(self.w.key)
        code, out, err = self.w.run(["--quiet", "init", "--force"])
        self.assertEqual((code, out, err), (0, "", ""))
        self.assertNotEqual(read_bytes(self.w.key), old_key)
        self.assertEqual(file_mode(self.w.key), 0o600)
        self.assertEqual(file_mode(self.w.db), 0o600)
        self.assertEqual(self.w.scalar("SELECT count(*) FROM channels"), 0)
        self.assertEqual(self.w.ok(["channels", "list"]),
                         "no channels (add one with `uoms channels add NAME --kind KIND`)\n")


class ConfigShowTest(uoms_e2e.TestCase):
    def test_defaults_without_a_file(self):
        code, out, err = self.w.run(["--json", "config", "show"], unset=["UOMS_ALLOWED_HOSTS"])
        self.assertEqual((code, err), (0, ""))
        doc = json.loads(out)
        self.assertEqual(doc["file"], "")
        values = config_values(out)
        self.assertEqual(values["database.path"], ("uoms.db", "default"))
        self.assertEqual(values["database.key_file"], ("uoms.key", "default"))
        self.assertEqual(values["secret_key"], ("(not set)", "default"))
        self.assertEqual(values["collect.concurrency"], ("64", "default"))
        self.assertEqual(values["collect.initial_lookback"], ("7d", "default"))
        self.assertEqual(values["http.allowed_hosts"], ("(any)", "default"))
        self.assertEqual(values["trigger"], ("manual", "default"))
        self.assertFalse(os.path.exists(self.w.db), "config show must not create the database")

    def test_text_table_names_file_lines_env_and_flags(self):
        self.w.init()
        code, out, err = self.w.run(["--trigger", "cron", "--db", "other.db", "config", "show"],
                                    env_extra={"UOMS_CONCURRENCY": "7"})
        self.assertEqual((code, err), (0, ""))
        lines = out.splitlines()
        self.assertRegex(lines[0], r"^KEY +VALUE +ORIGIN$")
        rows = {}
        for line in lines[1:]:
            key, value, origin = re.split(r"\s{2,}", line.strip())
            rows[key] = (value, origin)
        self.assertEqual(rows["database.path"], ("other.db", "flag --db"))
        self.assertEqual(rows["database.key_file"], ("uoms.key", "uoms.toml:12"))
        self.assertEqual(rows["collect.concurrency"], ("7", "env UOMS_CONCURRENCY"))
        self.assertEqual(rows["collect.overlap"], ("10m", "uoms.toml:22"))
        self.assertEqual(rows["collect.lock_lease"], ("10m", "default"))
        self.assertEqual(rows["http.allowed_hosts"], ("loopback", "env UOMS_ALLOWED_HOSTS"))
        self.assertEqual(rows["trigger"], ("cron", "flag --trigger"))
        self.assertEqual(rows["log.level"], ("warn", "uoms.toml:38"))

    def test_secret_key_is_masked(self):
        self.w.init()
        key = read_bytes(self.w.key).decode().strip()
        code, out, err = self.w.run(["config", "show"], env_extra={"UOMS_SECRET_KEY": key})
        self.assertEqual((code, err), (0, ""))
        self.assertRegex(out, r"\nsecret_key +\*\*\*\*\*\*\*\* +env UOMS_SECRET_KEY\n")
        self.assertNotIn(key, out)
        code, out, err = self.w.run(["--json", "config", "show"], env_extra={"UOMS_SECRET_KEY": key})
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(config_values(out)["secret_key"], ("********", "env UOMS_SECRET_KEY"))
        self.assertNotIn(key, out)

    def test_config_file_from_env_and_flag(self):
        os.mkdir(self.w.path("conf"))
        with open(self.w.path("conf", "a.toml"), "w") as f:
            f.write("[collect]\nconcurrency = 2\n")
        out = self.w.ok(["--json", "config", "show"], env_extra={"UOMS_CONFIG": "conf/a.toml"})
        self.assertEqual(json.loads(out)["file"], "conf/a.toml")
        self.assertEqual(config_values(out)["collect.concurrency"], ("2", "conf/a.toml:2"))
        self.assertEqual(config_values(out)["database.path"], ("conf/uoms.db", "default"))
        out = self.w.ok(["--json", "--config", "conf/a.toml", "config", "show"],
                        env_extra={"UOMS_CONFIG": "missing.toml"})
        self.assertEqual(config_values(out)["collect.concurrency"], ("2", "conf/a.toml:2"))

    def test_unknown_key_names_file_and_line(self):
        with open(self.w.config, "w") as f:
            f.write('# comment\n[http]\ntimeout = "5s"\ntimout = "9s"\n')
        err = self.assertError(self.w.run(["config", "show"]), 4)
        self.assertEqual(err, 'uoms: error: uoms.toml:4: unknown key "http.timout" (did you mean "http.timeout"?)\n')
        # Every command that reads the configuration refuses it the same way.
        err = self.assertError(self.w.run(["channels", "list"]), 4)
        self.assertEqual(err, 'uoms: error: uoms.toml:4: unknown key "http.timout" (did you mean "http.timeout"?)\n')
        self.assertFalse(os.path.exists(self.w.db))

    def test_unknown_top_level_key_and_bad_value(self):
        with open(self.w.config, "w") as f:
            f.write("colect = 1\n")
        err = self.assertError(self.w.run(["config", "show"]), 4)
        self.assertEqual(err, 'uoms: error: uoms.toml:1: unknown key "colect" (did you mean "collect"?)\n')
        with open(self.w.config, "w") as f:
            f.write("\n[collect]\nconcurrency = 999\n")
        err = self.assertError(self.w.run(["config", "show"]), 4)
        self.assertEqual(err, "uoms: error: uoms.toml:3: collect.concurrency: expected an integer from 1 to 512, "
                              "got 999\n")

    def test_bad_environment_value(self):
        err = self.assertError(self.w.run(["config", "show"], env_extra={"UOMS_CONCURRENCY": "lots"}), 4)
        self.assertEqual(err, 'uoms: error: UOMS_CONCURRENCY: expected an integer from 1 to 512, got "lots"\n')

    def test_missing_config_file(self):
        err = self.assertError(self.w.run(["--config", "nope.toml", "config", "show"]), 4)
        self.assertEqual(err, "uoms: error: config file nope.toml: No such file or directory\n")


class MigrateTest(uoms_e2e.TestCase):
    def test_migrate_creates_and_reports_the_schema_version(self):
        out = self.w.ok(["migrate"])
        self.assertEqual(out, f"database uoms.db is at schema version {latest_schema_version()}\n")
        self.assertEqual(self.w.scalar("PRAGMA user_version"), latest_schema_version())
        self.assertEqual(self.w.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'jobs'"), 1)
        # Idempotent.
        out = self.w.ok(["--json", "migrate"])
        self.assertEqual(json.loads(out), {"database": "uoms.db", "schema_version": latest_schema_version()})
        out = self.w.ok(["--json", "--db", "b.db", "migrate"])
        self.assertEqual(json.loads(out), {"database": "b.db", "schema_version": latest_schema_version()})
        self.assertTrue(os.path.isfile(self.w.path("b.db")))

    def test_newer_database_is_refused_and_left_untouched(self):
        self.w.init()
        self.w.execute("PRAGMA user_version = 999")
        before = read_bytes(self.w.db)
        for args in (["migrate"], ["channels", "list"], ["collect"], ["jobs", "list"]):
            with self.subTest(args=args):
                err = self.assertError(self.w.run(args), 4)
                self.assertEqual(err, "uoms: error: database uoms.db has schema version 999, newer than this uoms "
                                      f"({latest_schema_version()}); upgrade uoms, the database is left untouched\n")
        self.assertEqual(read_bytes(self.w.db), before)
        self.assertEqual(self.w.scalar("PRAGMA user_version"), 999)

    def test_newer_rollback_journal_database_keeps_its_bytes(self):
        self.w.execute("CREATE TABLE future (x)")
        self.w.execute("PRAGMA user_version = 999")
        before = read_bytes(self.w.db)
        err = self.assertError(self.w.run(["migrate"]), 4)
        self.assertIn("newer than this uoms", err)
        self.assertEqual(read_bytes(self.w.db), before)

    def test_missing_database_is_not_created_by_other_commands(self):
        for args in (["channels", "list"], ["jobs", "list"], ["collect"], ["orders", "list"]):
            with self.subTest(args=args):
                err = self.assertError(self.w.run(args), 4)
                self.assertEqual(err, "uoms: error: database uoms.db does not exist (run `uoms init` first)\n")
        self.assertEqual(os.listdir(self.w.dir), [])

    def test_not_a_database(self):
        with open(self.w.db, "wb") as f:
            f.write(b"this is not sqlite" * 100)
        err = self.assertError(self.w.run(["channels", "list"]), 4)
        self.assertTrue(err.startswith("uoms: error: database uoms.db: "), err)


class PolishTest(uoms_e2e.TestCase):
    """Suggestions after global flags, unknown flags, --quiet, timestamps and log fields."""

    def test_suggestion_survives_a_global_flag(self):
        code, out, err = self.w.run(["--json", "colect"])
        self.assertEqual(code, 2)
        self.assertEqual(err, 'uoms: error: unknown command "colect" (did you mean "collect"?); see uoms --help\n')
        self.assertEqual(json.loads(out)["exit_code"], 2)
        err = self.assertError(self.w.run(["-v", "--log-format", "text", "colect"]), 2)
        self.assertIn('(did you mean "collect"?)', err)

    def test_unknown_flag_suggests_the_closest_and_the_command_help(self):
        err = self.assertError(self.w.run(["collect", "--chanel", "x"]), 2)
        self.assertEqual(err, 'uoms: error: unknown flag "--chanel" (did you mean "--channel"?); '
                              'see uoms collect --help\n')
        code, out, err = self.w.run(["orders", "list", "--limt", "3"])
        self.assertEqual(err, 'uoms: error: unknown flag "--limt" (did you mean "--limit"?); '
                              'see uoms orders list --help\n')
        # Short flag clusters and negative numbers are not unknown flags.
        err = self.assertError(self.w.run(["-vv", "collet"]), 2)
        self.assertIn('unknown command "collet"', err)

    def test_usage_error_honours_log_format_json(self):
        for args, env in ((["--log-format", "json", "collet"], {}), (["--log-format=json", "collet"], {}),
                          (["collet"], {"UOMS_LOG_FORMAT": "json"})):
            with self.subTest(args=args):
                code, out, err = self.w.run(args, env_extra=env)
                self.assertEqual(code, 2)
                line = json.loads(err)
                self.assertEqual(line["level"], "error")
                self.assertIn('unknown command "collet"', line["message"])

    def half_broken(self):
        """Two csv channels, one whose folder is gone: a partial pass (exit 3)."""
        self.w.init()
        self.w.add_csv_channel(path=EXAMPLE_ORDERS)
        os.mkdir(self.w.path("gone"))
        self.w.ok(["channels", "add", "gone", "--kind", "csv", "--set", f"path={self.w.path('gone')}"])
        os.rmdir(self.w.path("gone"))

    def test_quiet_partial_is_one_error_line(self):
        self.half_broken()
        code, out, err = self.w.run(["collect", "--quiet"])
        self.assertEqual(code, 3)
        self.assertEqual(out, "")
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertRegex(err, r"^uoms: error: collect job \d+ partial: gone: \S")

    def test_quiet_skipped_prints_nothing(self):
        import datetime
        import socket
        self.w.init()
        self.w.add_csv_channel(path=EXAMPLE_ORDERS)
        now = datetime.datetime.now(datetime.timezone.utc)
        text = lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.000Z")  # noqa: E731
        self.w.execute("INSERT INTO locks (name, job_id, pid, host, acquired_at, heartbeat_at, expires_at) "
                       "VALUES (?, NULL, ?, ?, ?, ?, ?)",
                       ("collect:tea-csv", os.getpid(), socket.gethostname(), text(now), text(now),
                        text(now + datetime.timedelta(minutes=30))))
        self.assertEqual(self.w.run(["collect", "--quiet"]), (5, "", ""))
        code, out, err = self.w.run(["collect"])
        self.assertEqual(code, 5)
        self.assertIn("skipped", out)

    def test_text_logs_carry_a_timestamp_unless_under_the_journal(self):
        self.half_broken()
        code, out, err = self.w.run(["collect"])
        self.assertEqual(code, 3)
        self.assertRegex(err, r"(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z uoms: error: channel gone: \S")
        code, out, err = self.w.run(["collect"], env_extra={"JOURNAL_STREAM": "8:12345"})
        self.assertRegex(err, r"(?m)^uoms: error: channel gone: \S")

    def test_json_logs_carry_channel_and_job(self):
        self.half_broken()
        code, out, err = self.w.run(["--log-format", "json", "collect"])
        self.assertEqual(code, 3)
        lines = [json.loads(line) for line in err.splitlines()]
        about = [line for line in lines if line.get("channel") == "gone"]
        self.assertTrue(about, err)
        job = self.w.scalar("SELECT max(id) FROM jobs")
        self.assertEqual(about[0]["job"], job)
        self.assertEqual(about[0]["level"], "error")


class WriteBackWithoutChannelsTest(uoms_e2e.TestCase):
    def test_without_channels_is_a_configuration_error(self):
        self.w.init()
        for command in ("upload-tracking", "sync-stock"):
            with self.subTest(command=command):
                err = self.assertError(self.w.run([command]), 4)
                self.assertEqual(err, "uoms: error: no channels configured (add one with `uoms channels add`)\n")
        self.assertEqual(self.w.scalar("SELECT count(*) FROM jobs"), 0)

    def test_a_kind_without_a_stock_push_completes_with_a_note(self):
        self.w.init()
        self.w.add_csv_channel(path=EXAMPLE_ORDERS)
        for flags in ([], ["--dry-run"], ["--channel", "tea-csv"], ["--json"]):
            with self.subTest(flags=flags):
                rc, out, err = self.w.run(["sync-stock"] + flags)
                self.assertEqual(rc, 0, err)
                if flags == ["--json"]:
                    report = json.loads(out)
                    self.assertEqual(report["status"], "completed")
                    self.assertIn("kind csv has no stock push", report["channels"][0]["error"])
                else:
                    self.assertIn("kind csv has no stock push in its contract", out)
        self.assertEqual(self.w.scalar("SELECT count(*) FROM jobs WHERE status != 'completed'"), 0)
        self.assertEqual(self.w.scalar("SELECT count(*) FROM job_details WHERE action = 'note'"), 3)
        rc, out, err = self.w.run(["listings", "fetch"])
        self.assertEqual(rc, 0, err)
        self.assertIn("kind csv has no catalogue call", out)


if __name__ == "__main__":
    uoms_e2e.main()
