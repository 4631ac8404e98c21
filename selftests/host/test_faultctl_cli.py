"""faultctl's command line on the host (a native build, no VM): argument
parsing, usage errors and exit statuses, JSON errors, and the parsing of
replay files, malformed ones included.  The host has no /dev/iommu_fault,
which also exercises the "kernel without the subsystem" error."""
import json
import os
import subprocess
import tempfile
import unittest

TOP = os.path.join(os.path.dirname(__file__), "..", "..")
FAULTCTL = os.path.join(TOP, "build", "host", "faultctl")
HAS_SUBSYSTEM = os.path.exists("/dev/iommu_fault")


def run(*args):
    p = subprocess.run([FAULTCTL, *args], capture_output=True, text=True,
                       timeout=30)
    return p.returncode, p.stdout, p.stderr


@unittest.skipUnless(os.path.exists(FAULTCTL), "no build/host/faultctl (make tools)")
class Usage(unittest.TestCase):
    def expect(self, status, args, stderr_has=None, stdout_has=None):
        rc, out, err = run(*args)
        self.assertEqual(rc, status, f"{args}: {out}{err}")
        if stderr_has:
            self.assertIn(stderr_has, err)
        if stdout_has:
            self.assertIn(stdout_has, out)
        return out, err

    def test_no_object_is_usage(self):
        self.expect(2, [], stderr_has="Usage:")

    def test_unknown_object(self):
        self.expect(2, ["bogus"], stderr_has="Error: what is 'bogus'?")

    def test_ambiguous_prefix(self):
        self.expect(2, ["policy", "l"], stderr_has="ambiguous prefix: 'l'")

    def test_prefixes(self):
        self.expect(0, ["pol", "help"], stderr_has="policy load OBJ")
        self.expect(0, ["f", "h"], stderr_has="fault replay FILE")

    def test_help_everywhere(self):
        for obj in ("policy", "fault", "device", "stats", "config"):
            with self.subTest(obj=obj):
                self.expect(0, [obj, "help"], stderr_has="Usage:")
        self.expect(0, ["-h"], stderr_has="OBJECT :=")

    def test_version(self):
        self.expect(0, ["-V"], stdout_has="faultctl v")
        out, _ = self.expect(0, ["-j", "version"])
        self.assertIn("version", json.loads(out))

    def test_json_error_on_stdout(self):
        out, err = self.expect(2, ["-j", "bogus"])
        self.assertEqual(json.loads(out), {"error": "what is 'bogus'?"})
        self.assertEqual(err, "")

    def test_pretty_implies_json(self):
        out, _ = self.expect(0, ["-p", "version"])
        self.assertIn("\n", out.strip())
        json.loads(out)

    def test_bad_arguments(self):
        cases = [
            (["policy", "load"], "missing object file"),
            (["policy", "load", "x.o", "priority", "x"], "invalid priority"),
            (["policy", "load", "x.o", "colour", "red"], "unknown keyword 'colour'"),
            (["policy", "load", "x.o", "name"], "'name' needs a value"),
            (["policy", "unload"], "usage"),
            (["policy", "replace", "x"], "usage"),
            (["policy", "show", "x"], "usage"),
            (["fault", "respond", "1", "maybe"], "handled, invalid or failure"),
            (["fault", "respond", "xyz", "handled"], "invalid cookie"),
            (["fault", "respond", "1"], "usage"),
            (["fault", "inject", "dev", "x"], "usage"),
            (["fault", "inject", "dev", "x", "addr", "zz"], "invalid address"),
            (["fault", "inject", "dev", "x", "addr", "1", "reason", "nope"], "unknown reason"),
            (["fault", "inject", "dev", "x", "addr", "1", "pasid", "2000000"], "invalid PASID"),
            (["fault", "inject", "dev", "x", "addr", "1", "count", "0"], "invalid count"),
            (["fault", "replay"], "usage"),
            (["device", "reset"], "usage"),
            (["config", "set", "pool", "0"], "invalid pool size"),
            (["config", "set", "deadline", "soon"], "invalid deadline"),
            (["config", "set", "bogus", "1"], "unknown keyword"),
            (["config", "set"], "usage"),
            (["config", "show", "x"], "usage"),
            (["config", "pool", "0"], "what is 'pool'?"),
            (["stats", "show", "interval", "0"], "invalid interval"),
            (["stats", "show", "format", "xml"], "unknown format"),
            (["stats", "show", "file", "f"], "file goes with format prometheus"),
            (["stats", "show", "count", "2"], "count goes with interval"),
            (["stats", "show", "interval"], "'interval' needs a value"),
            (["stats", "show", "colour", "red"], "unknown keyword 'colour'"),
            (["stats", "--format", "prometheus"], "what is '--format'?"),
            (["fault", "trace", "x"], "usage"),
            (["trace"], "what is 'trace'?"),
        ]
        for args, msg in cases:
            with self.subTest(args=args):
                self.expect(2, args, stderr_has=msg)


@unittest.skipUnless(os.path.exists(FAULTCTL), "no build/host/faultctl (make tools)")
@unittest.skipIf(HAS_SUBSYSTEM, "this host has iommu-fault-bpf")
class NoSubsystem(unittest.TestCase):
    def test_clear_error(self):
        for args in (["config", "show"], ["policy", "show"], ["device", "show"],
                     ["fault", "pending"], ["stats", "show"]):
            with self.subTest(args=args):
                rc, _, err = run(*args)
                self.assertEqual(rc, 1)
                self.assertIn("this kernel has no iommu-fault-bpf", err)

    def test_json_error(self):
        rc, out, _ = run("-j", "config", "show")
        self.assertEqual(rc, 1)
        self.assertIn("no iommu-fault-bpf", json.loads(out)["error"])


FAULT = ('{"ts_ns":%d,"event":"fault","dev":"0000:00:02.0","sid":16,"seq":1,'
         '"addr":4096,"perm":1,"flags":1,"reason":1,"event_id":16,"grpid":3,"cookie":0}')
VERDICT = ('{"ts_ns":2,"event":"verdict","dev":"0000:00:02.0","sid":16,"seq":1,'
           '"policy":"p","stage":"atomic","status":"none","status_value":0}')


@unittest.skipUnless(os.path.exists(FAULTCTL), "no build/host/faultctl (make tools)")
class ReplayParsing(unittest.TestCase):
    def replay(self, text, *extra):
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
            f.write(text)
        try:
            return run("fault", "replay", f.name, *extra) + (f.name,)
        finally:
            os.unlink(f.name)

    def assert_malformed(self, text, line, why):
        rc, _, err, name = self.replay(text)
        self.assertEqual(rc, 1, err)
        self.assertIn(f"{name}:{line}: malformed trace line: {why}", err)

    def test_not_json(self):
        self.assert_malformed(FAULT % 1 + "\nhello\n", 2, "not a JSON object")

    def test_truncated_line(self):
        self.assert_malformed(FAULT % 1 + "\n" + (FAULT % 2)[:-10] + "\n", 2,
                              "not a JSON object")

    def test_missing_event(self):
        self.assert_malformed('{"ts_ns":1}\n', 1, 'no "event"')

    def test_missing_device(self):
        self.assert_malformed(FAULT.replace('"dev":"0000:00:02.0",', "") % 1 + "\n",
                              1, 'no "dev"')

    def test_bad_number(self):
        self.assert_malformed(FAULT.replace('"addr":4096', '"addr":"x"') % 1 + "\n",
                              1, "missing or bad")

    def test_pasid_flag_without_pasid(self):
        self.assert_malformed(FAULT.replace('"flags":1', '"flags":3') % 1 + "\n",
                              1, "PASID valid but no")

    def test_keys_are_keys(self):
        # A member whose name ends in another's, or a string that holds
        # one, is not that member.
        line = FAULT.replace('"addr":4096', '"xaddr":7,"note":"\\"addr\\":9"') % 1
        self.assert_malformed(line + "\n", 1, "missing or bad")

    def test_nested_values_refused(self):
        self.assert_malformed(FAULT.replace('"cookie":0', '"cookie":{"a":1}') % 1 + "\n",
                              1, "not a JSON object")

    def test_trailing_garbage_refused(self):
        self.assert_malformed(FAULT % 1 + " x\n", 1, "not a JSON object")

    def test_pretty_and_escaped_lines_parse(self):
        # Spaces around the punctuation and escapes in strings are JSON:
        # the parse gets past them to the device lookup.
        line = (FAULT % 1).replace(":", " : ").replace(",", " , ")
        line = line.replace('"0000 : 00 : 02.0"', '"dev\\u0041\\"x"')
        rc, _, err, name = self.replay(line + "\n")
        self.assertEqual(rc, 1)
        self.assertNotIn("malformed", err)

    def test_nothing_injected_before_the_bad_line(self):
        # A bad third line stops the replay before the first injection:
        # the message is the parse error, not a device or kernel error.
        rc, _, err, name = self.replay(FAULT % 1 + "\n" + FAULT % 2 + "\n{oops\n")
        self.assertEqual(rc, 1)
        self.assertIn(f"{name}:3:", err)
        self.assertNotIn("iommu-fault-bpf", err)

    def test_only_faults_are_replayed(self):
        rc, out, err, _ = self.replay(VERDICT + "\n\n" + VERDICT + "\n")
        self.assertEqual(rc, 0, err)
        self.assertIn("Replayed 0 faults", out)

    def test_valid_file_needs_the_kernel(self):
        rc, _, err, _ = self.replay(FAULT % 1 + "\n" + VERDICT + "\n", "realtime")
        self.assertEqual(rc, 1)
        if not HAS_SUBSYSTEM:
            self.assertIn("this kernel has no iommu-fault-bpf", err)

    def test_missing_file(self):
        rc, _, err = run("fault", "replay", "/nonexistent.jsonl")
        self.assertEqual(rc, 1)
        self.assertIn("can't open /nonexistent.jsonl", err)


if __name__ == "__main__":
    unittest.main()
