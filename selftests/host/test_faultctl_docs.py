"""faultctl's commands, its man page and its bash completion agree (as
bpftool's test_bpftool_synctypes.py keeps bpftool's in step): a command
added to the source but not documented or completed fails here."""
import os
import re
import subprocess
import unittest

TOP = os.path.join(os.path.dirname(__file__), "..", "..")
SRC = os.path.join(TOP, "tools", "faultctl")


def read(*path):
    with open(os.path.join(*path)) as f:
        return f.read()


def commands():
    """{object: {command}} from the cmds[] tables of faultctl's sources."""
    out = {}
    for name in ("policy", "fault", "device", "stats", "config"):
        text = read(SRC, f"{name}.c")
        table = text[text.index("static const struct cmd cmds[]"):]
        out[name] = set(re.findall(r'\{ "([a-z]+)",\s*do_', table)) - {"help"}
    main = read(SRC, "main.c")
    table = main[main.index("static const struct cmd objects[]"):]
    out[""] = set(re.findall(r'\{ "([a-z]+)",\s*do_', table))
    return out


class Docs(unittest.TestCase):
    def test_sources_have_commands(self):
        cmds = commands()
        self.assertIn("load", cmds["policy"])
        self.assertIn("replay", cmds["fault"])
        self.assertIn("trace", cmds["fault"])
        self.assertIn("show", cmds["stats"])
        self.assertIn("set", cmds["config"])

    def test_every_object_is_object_command(self):
        """Every object but version has a cmds[] table with help: one
        grammar, OBJECT COMMAND [KEYWORD VALUE]... (bpftool's)."""
        main = read(SRC, "main.c")
        table = main[main.index("static const struct cmd objects[]"):]
        for obj in set(re.findall(r'\{ "([a-z]+)",\s*do_', table)) - {"version"}:
            with self.subTest(obj=obj):
                text = read(SRC, f"{obj}.c")
                self.assertIn("static const struct cmd cmds[]", text)
                table = text[text.index("static const struct cmd cmds[]"):]
                self.assertIn('{ "help",', table)
                self.assertNotRegex(text, r'"--(format|output)"',
                                    "options go before the object")

    def test_man_page_documents_every_command(self):
        rst = read(SRC, "Documentation", "faultctl.rst")
        for obj, cmds in commands().items():
            for cmd in cmds:
                with self.subTest(obj=obj, cmd=cmd):
                    if not obj:
                        self.assertIn(f"**{cmd}**", rst)
                        continue
                    self.assertTrue(f"**faultctl {obj} {cmd}**" in rst or
                                    re.search(rf"\*\*faultctl {obj}\*\* \{{[^\n]*\*\*{cmd}\*\*", rst),
                                    f"faultctl {obj} {cmd} is not in the man page")

    def test_completion_offers_every_command(self):
        comp = read(SRC, "bash-completion", "faultctl")
        objects = re.search(r'local objects="([^"]*)"', comp).group(1).split()
        for obj, cmds in commands().items():
            if not obj:
                for cmd in cmds:
                    self.assertIn(cmd, objects)
                continue
            block = comp[comp.index(f"\t{obj})"):]
            offered = re.search(re.escape("'') COMPREPLY=($(compgen -W '") + r"([^']*)'",
                                block).group(1).split()
            for cmd in cmds:
                with self.subTest(obj=obj, cmd=cmd):
                    self.assertIn(cmd, offered)

    def test_completion_parses(self):
        out = subprocess.run(["bash", "-n", os.path.join(SRC, "bash-completion", "faultctl")],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)

    def test_man_page_builds(self):
        try:
            out = subprocess.run(["rst2man", os.path.join(SRC, "Documentation", "faultctl.rst")],
                                 capture_output=True, text=True, timeout=60)
        except FileNotFoundError:
            out = subprocess.run(["rst2man.py", os.path.join(SRC, "Documentation", "faultctl.rst")],
                                 capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertRegex(out.stdout, r'(?i)\.TH "?faultctl"? "?8"?')
        self.assertEqual(out.stderr.strip(), "")


if __name__ == "__main__":
    unittest.main()
