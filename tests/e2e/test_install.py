"""Installation and packaging from the existing build directory; standard library only.

`cmake --install` into a temporary prefix gives a stripped uoms that runs, a well-formed man
page and bash/zsh completions written from the command table, and the examples; `cpack -G DEB`
gives a .deb whose control file declares the shared libraries it needs and whose files are
where the examples (crontab, systemd unit) expect them. The systemd unit passes
`systemd-analyze verify` and rates at most 3.0 in `systemd-analyze security`.

Nothing is rebuilt but the generated documents (`--target uoms-docs`, which runs the built
binary). A missing tool (man, zsh, dpkg-deb, systemd-analyze) skips its part with a printed
reason; the whole test is skipped (77) when UOMS_BIN is not in a CMake build directory.
"""

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from uoms_e2e import SKIP_EXIT_CODE, SOURCE_DIR  # noqa: E402

UOMS = os.environ.get("UOMS_BIN", "")
BUILD = os.path.dirname(os.path.abspath(UOMS)) if UOMS else ""
EXAMPLES = ("crontab", "uoms.toml", "n8n-collect.json", "uoms-collect.service", "uoms-collect.timer",
            "products.csv", "orders")
# The Debian packages of the libraries uoms links (dpkg-shlibdeps names them).
DEPENDS = ("libc6", "libcurl4", "libsqlite3-0", "libfmt9", "libssl3", "libcrypt1", "libstdc++6", "libtomlplusplus3")


def run(args, timeout=300, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, **kwargs)


def note(message):
    print(message, file=sys.stderr)


def commands_of(help_text):
    """The subcommand names listed by `--help` (CLI11: a "Subcommands:" block)."""
    names, inside = [], False
    for line in help_text.splitlines():
        if line.strip() == "Subcommands:":
            inside = True
            continue
        if inside:
            m = re.match(r"^  (\S+)\s", line)
            if not m:
                break
            names.append(m.group(1))
    return names


class InstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="uoms-e2e-install-")
        cls.prefix = os.path.join(cls.tmp, "usr")
        p = run(["cmake", "--build", BUILD, "--target", "uoms-docs"])
        if p.returncode != 0:
            raise RuntimeError(f"cmake --build --target uoms-docs:\n{p.stdout}\n{p.stderr}")
        p = run(["cmake", "--install", BUILD, "--prefix", cls.prefix])
        if p.returncode != 0:
            raise RuntimeError(f"cmake --install:\n{p.stdout}\n{p.stderr}")
        cls.installed = os.path.join(cls.prefix, "bin", "uoms")
        cls.man = os.path.join(cls.prefix, "share", "man", "man1", "uoms.1")
        cls.bash = os.path.join(cls.prefix, "share", "bash-completion", "completions", "uoms")
        cls.zsh = os.path.join(cls.prefix, "share", "zsh", "vendor-completions", "_uoms")
        cls.doc = os.path.join(cls.prefix, "share", "doc", "uoms")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def uoms(self, *args):
        p = run([self.installed, *args], env={"PATH": "/usr/bin:/bin", "HOME": self.tmp, "LANG": "C.UTF-8"})
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    # --- the binary -------------------------------------------------------------------------

    def test_binary_runs_and_is_stripped(self):
        self.assertEqual(self.uoms("--version").strip(), self.version())
        self.assertIn("collect", commands_of(self.uoms("--help")))
        self.assertLess(os.path.getsize(self.installed), os.path.getsize(UOMS))
        if shutil.which("readelf"):
            sections = run(["readelf", "-S", "-W", self.installed]).stdout
            self.assertNotIn(".debug_info", sections)
            self.assertNotIn(".symtab", sections)
        else:
            note("skipped: readelf is missing; only the size shows the strip")

    def version(self):
        p = run([UOMS, "--version"])
        return p.stdout.strip()

    # --- the man page -----------------------------------------------------------------------

    def test_man_page_is_generated_from_the_command_table(self):
        with open(self.man, encoding="utf-8") as f:
            page = f.read()
        self.assertEqual(page, run([UOMS, "--generate", "man"]).stdout, "the installed page is not the binary's")
        self.assertTrue(page.startswith(".TH UOMS 1 "), page[:80])
        for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "GLOBAL OPTIONS", "COMMANDS", "EXIT STATUS"):
            self.assertIn(f"\n.SH {section}\n", page)
        top = commands_of(self.uoms("--help"))
        self.assertGreaterEqual(len(top), 10, top)
        def roff(words):
            return " ".join(words).replace("-", "\\-")

        for command in top:
            self.assertIn(f'.SS "\\fBuoms {roff([command])}', page)
            # Every flag of every command (and of its subcommands) is documented.
            sub = commands_of(self.uoms(command, "--help"))
            for leaf in [[command]] if not sub else [[command, s] for s in sub]:
                self.assertIn(f'.SS "\\fBuoms {roff(leaf)}', page)
                help_text = self.uoms(*leaf, "--help")
                for flag in set(re.findall(r"^\s+(?:-\w,\s?)?(--[a-z][a-z0-9-]*)", help_text, re.M)) - {"--help"}:
                    self.assertIn("\\fB" + flag.replace("-", "\\-") + "\\fR", page, f"{' '.join(leaf)} {flag}")
        for code in ("0", "1", "2", "3", "4", "5", "130"):
            self.assertRegex(page.split(".SH EXIT STATUS")[1], rf"\b{code}\b")

    def test_man_page_renders_without_warnings(self):
        if shutil.which("man"):
            p = run(["man", "--warnings=all", "-l", self.man],
                    env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "MANPAGER": "cat", "MANWIDTH": "100",
                         "LANG": "C.UTF-8"})
            rendered = p.stdout
        elif shutil.which("groff"):
            p = run(["groff", "-man", "-ww", "-k", "-Tutf8", self.man])
            rendered = p.stdout
        else:
            self.skipTest("neither man nor groff is installed")
        self.assertEqual((p.returncode, p.stderr), (0, ""))
        rendered = " ".join(rendered.split())
        self.assertIn("uoms - one pass over every marketplace channel", rendered)
        self.assertIn("--exit-zero", rendered)
        self.assertIn("uoms channels add", rendered)

    # --- completions ------------------------------------------------------------------------

    def complete_bash(self, line):
        """What the installed bash completion offers for `line` (the cursor at its end)."""
        script = (f'source "{self.bash}"\n'
                  f'COMP_LINE={json.dumps(line)}; read -ra COMP_WORDS <<< "$COMP_LINE"\n'
                  '[[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")\n'
                  'COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _uoms; printf "%s\\n" "${COMPREPLY[@]}"\n')
        p = run(["bash", "--norc", "-c", script], cwd=self.tmp)
        self.assertEqual(p.stderr, "")
        return sorted(w for w in p.stdout.split("\n") if w)

    def test_bash_completion_follows_the_command_table(self):
        with open(self.bash, encoding="utf-8") as f:
            self.assertEqual(f.read(), run([UOMS, "--generate", "bash"]).stdout)
        self.assertEqual(run(["bash", "-n", self.bash]).returncode, 0)
        top = commands_of(self.uoms("--help"))
        self.assertEqual([w for w in self.complete_bash("uoms ") if not w.startswith("-")], sorted(top))
        self.assertEqual(self.complete_bash("uoms chan"), ["channels"])
        self.assertIn("add", self.complete_bash("uoms --json channels "))
        self.assertNotIn("collect", self.complete_bash("uoms --json channels "))
        self.assertIn("--kind", self.complete_bash("uoms channels add shop --"))
        self.assertIn("--older-than", self.complete_bash("uoms --config /etc/uoms/uoms.toml jobs prune --"))
        self.assertEqual(self.complete_bash("uoms --log-format "), ["json", "text"])
        self.assertEqual(self.complete_bash("uoms --trigger c"), ["cron"])

    def test_zsh_completion(self):
        with open(self.zsh, encoding="utf-8") as f:
            text = f.read()
        self.assertEqual(text, run([UOMS, "--generate", "zsh"]).stdout)
        self.assertTrue(text.startswith("#compdef uoms\n"))
        for command in commands_of(self.uoms("--help")):
            self.assertIn(f"'{command}:", text)
        if not shutil.which("zsh"):
            self.skipTest("zsh is not installed: the syntax is not checked")
        self.assertEqual(run(["zsh", "-n", self.zsh]).returncode, 0)
        # zsh's completion builtins stubbed to print what they are given.
        script = ('_describe() { local -a arr; arr=("${(@P)${@[-1]}}"); print -l -- "${arr[@]%%:*}"; }\n'
                  'compadd() { shift; print -l -- "$@"; }\n_files() { print FILES; }\n'
                  f'eval "_uoms() {{ $(< {self.zsh}) }}"\n'
                  'words=("$@"); CURRENT=${#words}; _uoms\n')

        def complete(*words):
            p = run(["zsh", "-f", "-c", script, "zsh", *words])
            self.assertEqual(p.stderr, "")
            return p.stdout.split()

        self.assertIn("channels", complete("uoms", "chan"))
        self.assertIn("authorize", complete("uoms", "--json", "channels", ""))
        self.assertNotIn("collect", complete("uoms", "--json", "channels", ""))
        self.assertEqual(complete("uoms", "--log-format", ""), ["text", "json"])
        self.assertIn("--older-than", complete("uoms", "--config", "/x", "jobs", "prune", "--o"))
        self.assertEqual(complete("uoms", "--db", ""), ["FILES"])

    # --- examples and schedulers ------------------------------------------------------------

    def test_examples_are_installed(self):
        for name in EXAMPLES:
            self.assertTrue(os.path.exists(os.path.join(self.doc, "examples", name)), name)
        self.assertTrue(os.path.isfile(os.path.join(self.doc, "README.md")))

    def test_crontab_names_uoms_by_a_path_cron_can_find(self):
        with open(os.path.join(SOURCE_DIR, "examples", "crontab"), encoding="utf-8") as f:
            lines = [line.strip() for line in f if line.strip() and not line.lstrip().startswith("#")]
        path = next((line.split("=", 1)[1] for line in lines if line.startswith("PATH=")), "/usr/bin:/bin")
        jobs = [line.split(None, 5)[5] for line in lines if "=" not in line.split()[0]]
        self.assertGreaterEqual(len(jobs), 1)
        for job in jobs:
            program = job.split()[0]
            if program.startswith("/"):
                self.assertEqual(program, "/usr/bin/uoms", "the .deb installs /usr/bin/uoms")
            else:
                self.assertIn("/usr/bin", path.split(":"), f"cron cannot find {program}: PATH={path}")

    def systemd_units(self):
        """The installed example units in a folder of their own, ExecStart pointing at the installed binary.

        That path is the only change: the .deb's /usr/bin/uoms is not on this machine, and
        `verify --root` would need a whole systemd tree in the root."""
        if not shutil.which("systemd-analyze"):
            self.skipTest("systemd-analyze is missing (Debian package systemd)")
        units = os.path.join(self.tmp, "units")
        if not os.path.isdir(units):
            os.makedirs(units)
            for name in ("uoms-collect.service", "uoms-collect.timer"):
                with open(os.path.join(self.doc, "examples", name), encoding="utf-8") as f:
                    text = f.read()
                self.assertEqual(text.count("\nExecStart=/usr/bin/uoms "), 1 if name.endswith(".service") else 0)
                with open(os.path.join(units, name), "w", encoding="utf-8") as f:
                    f.write(text.replace("\nExecStart=/usr/bin/uoms ", f"\nExecStart={self.installed} "))
        return units

    def test_systemd_unit_verifies(self):
        units = self.systemd_units()
        # Documentation=man:uoms(1) is checked too: the installed page must be found.
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
               "MANPATH": os.path.join(self.prefix, "share", "man")}
        p = run(["systemd-analyze", "verify", "--man=yes", os.path.join(units, "uoms-collect.service"),
                 os.path.join(units, "uoms-collect.timer")], env=env)
        self.assertEqual((p.returncode, p.stdout + p.stderr), (0, ""))

    def test_systemd_unit_surfaces_failure_and_is_hardened(self):
        with open(os.path.join(SOURCE_DIR, "examples", "uoms-collect.service"), encoding="utf-8") as f:
            unit = f.read()
        settings = dict(re.findall(r"^(\w+)=(.*)$", unit, re.M))
        success = settings["SuccessExitStatus"].split()
        self.assertNotIn("3", success, "a partial pass must fail the unit")
        self.assertIn("5", success)
        self.assertIn("130", success)
        self.assertEqual(settings["ExecStart"].split()[0], "/usr/bin/uoms")
        self.assertEqual(settings["StateDirectory"], "uoms")
        self.assertEqual(settings["ConfigurationDirectory"], "uoms")
        service = os.path.join(self.systemd_units(), "uoms-collect.service")
        p = run(["systemd-analyze", "security", "--offline=yes", "--threshold=30", service])
        score = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", p.stdout)
        self.assertIsNotNone(score, p.stdout + p.stderr)
        note(f"systemd-analyze security: {score.group(1)}")
        self.assertLessEqual(float(score.group(1)), 3.0, p.stdout)
        self.assertEqual(p.returncode, 0, p.stderr)

    # --- the Debian package -----------------------------------------------------------------

    def test_deb_declares_its_dependencies(self):
        for tool in ("cpack", "dpkg-deb", "dpkg-shlibdeps"):
            if not shutil.which(tool):
                self.skipTest(f"{tool} is missing: the .deb is not built")
        out = os.path.join(self.tmp, "deb")
        p = run(["cpack", "-G", "DEB", "-B", out, "--config", os.path.join(BUILD, "CPackConfig.cmake")], cwd=BUILD)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        debs = glob.glob(os.path.join(out, "*.deb"))
        self.assertEqual(len(debs), 1, p.stdout)
        note(f"{os.path.basename(debs[0])}: {os.path.getsize(debs[0]) / 1e6:.1f} MB")
        info = run(["dpkg-deb", "-I", debs[0]]).stdout
        fields = dict(re.findall(r"^ (\S+): (.*)$", info, re.M))
        self.assertEqual(fields["Package"], "uoms")
        depends = {d.strip().split()[0] for d in fields["Depends"].split(",")}
        for package in DEPENDS:
            self.assertIn(package, depends, fields["Depends"])
        files = run(["dpkg-deb", "-c", debs[0]]).stdout
        for path in ("./usr/bin/uoms", "./usr/share/man/man1/uoms.1", "./usr/share/bash-completion/completions/uoms",
                     "./usr/share/zsh/vendor-completions/_uoms", "./usr/share/doc/uoms/examples/uoms-collect.service",
                     "./usr/share/doc/uoms/examples/crontab", "./usr/share/doc/uoms/examples/n8n-collect.json"):
            self.assertRegex(files, rf"\s{re.escape(path)}\n", path)
        self.assertRegex(files, r"-rwxr-xr-x root/root\s+\d+ \S+ \S+ \./usr/bin/uoms\n")
        # The packaged binary runs.
        extracted = os.path.join(self.tmp, "deb-root")
        self.assertEqual(run(["dpkg-deb", "-x", debs[0], extracted]).returncode, 0)
        p = run([os.path.join(extracted, "usr", "bin", "uoms"), "--version"])
        self.assertEqual((p.returncode, p.stdout.strip()), (0, self.version()))


if __name__ == "__main__":
    if not UOMS or not os.access(UOMS, os.X_OK):
        print("skipped: UOMS_BIN is not set to an executable (run through ctest)", file=sys.stderr)
        sys.exit(SKIP_EXIT_CODE)
    if not os.path.isfile(os.path.join(BUILD, "CMakeCache.txt")):
        print(f"skipped: {BUILD} (the directory of UOMS_BIN) is not a CMake build directory", file=sys.stderr)
        sys.exit(SKIP_EXIT_CODE)
    if not shutil.which("cmake"):
        print("skipped: cmake is missing", file=sys.stderr)
        sys.exit(SKIP_EXIT_CODE)
    unittest.main(verbosity=2)
