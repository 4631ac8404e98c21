"""The project's own documents: what a newcomer reads must be in the repository.

- every relative link in the README names a file of the repository;
- no tracked file sends the reader outside it (../shared, where the design
  started);
- the design document is valid reStructuredText, and names every file of
  the kernel core it describes.
"""
import os
import re
import shutil
import subprocess
import unittest

TOP = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))


def read(*path):
    with open(os.path.join(TOP, *path), encoding="utf-8") as f:
        return f.read()


def tracked_files():
    """The repository's files: git's list, or (no git, as in CI's fresh
    root, which gets a copy of the checkout) every file but build/."""
    try:
        out = subprocess.run(["git", "-C", TOP, "ls-files"],
                             capture_output=True, text=True)
        if not out.returncode:
            return [f for f in out.stdout.splitlines() if f]
    except FileNotFoundError:
        pass
    files = []
    for root, dirs, names in os.walk(TOP):
        dirs[:] = [d for d in dirs if d not in ("build", ".git")]
        files += [os.path.relpath(os.path.join(root, n), TOP) for n in names]
    return files


class Docs(unittest.TestCase):
    def test_readme_links_exist(self):
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", read("README.md")):
            if re.match(r"[a-z]+:", target):
                continue
            with self.subTest(target=target):
                self.assertTrue(os.path.exists(os.path.join(TOP, target)),
                                f"README links to {target}, not in the repository")

    def test_nothing_points_outside(self):
        files = tracked_files()
        me = os.path.relpath(__file__, TOP)
        for f in files:
            if f == me or f.endswith((".o", ".gz", ".png")):
                continue
            try:
                text = read(f)
            except (UnicodeDecodeError, FileNotFoundError):
                continue
            with self.subTest(file=f):
                self.assertFalse("../shared" in text,
                                 f"{f} sends the reader to ../shared")

    def test_design_is_valid_rst(self):
        rst2html = shutil.which("rst2html") or shutil.which("rst2html.py")
        if not rst2html:
            self.skipTest("no rst2html")
        out = subprocess.run([rst2html, "--strict",
                              os.path.join(TOP, "docs", "design.rst")],
                             capture_output=True, text=True)
        self.assertEqual(out.returncode, 0, out.stderr)

    def test_design_names_every_core_file(self):
        design = read("docs", "design.rst")
        for d in ("kernel/fault-bpf",):
            for f in sorted(os.listdir(os.path.join(TOP, d))):
                if f in ("Kconfig", "Makefile"):
                    continue
                with self.subTest(file=f):
                    self.assertTrue(f in design,
                                    f"{d}/{f} is not in docs/design.rst")


if __name__ == "__main__":
    unittest.main()
