"""The README runner (selftests/doc/run-readme.py) finds the doctest
sections and fails on missing output: a broken reader must not pass."""
import importlib.util
import os
import unittest

HERE = os.path.dirname(__file__)
spec = importlib.util.spec_from_file_location(
    "run_readme", os.path.join(HERE, "..", "doc", "run-readme.py"))
rr = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rr)

DOC = """intro
<!-- doctest: one -->
```sh
echo hello
```
```text
hello
```
```sh
echo "a   b"
```
<!-- /doctest -->
```sh
echo outside
```
"""


class Sections(unittest.TestCase):
    def test_finds_blocks_in_order(self):
        (name, sh, want), = rr.sections(DOC)
        self.assertEqual("one", name)
        self.assertEqual(["echo hello\n", 'echo "a   b"\n'], sh)
        self.assertEqual(["hello"], want)

    def test_missing_output_is_reported(self):
        self.assertEqual([], rr.missing_lines("x hello y\n", ["hello"]))
        self.assertEqual(["bye"], rr.missing_lines("hello\n", ["bye"]))
        self.assertEqual([], rr.missing_lines("a  b\tc\n", ["a b c"]))

    def test_runs_the_commands(self):
        import tempfile
        with tempfile.TemporaryDirectory() as home:
            rc, out = rr.run("one", ["echo $HOME\n", "false\n", "echo no\n"], home)
        self.assertNotEqual(0, rc)
        self.assertIn(home, out)
        self.assertNotIn("no", out.split(home)[1])

    def test_the_readme_has_the_tutorial_experiment_and_vmm_demo(self):
        with open(os.path.join(HERE, "..", "..", "README.md")) as f:
            names = [s[0] for s in rr.sections(f.read())]
        self.assertEqual(["tutorial", "experiment", "vmm"], names)
