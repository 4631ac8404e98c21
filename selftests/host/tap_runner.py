#!/usr/bin/env python3
"""Run the host-side unittest suites in a directory and print TAP 13.

  tap_runner.py DIR     (test files: test_*.py)
"""
import os
import sys
import unittest


class TapResult(unittest.TextTestResult):
    def __init__(self, stream, descriptions, verbosity):
        super().__init__(stream, descriptions, verbosity)
        self.n = 0
        self.sub_failed = {}

    def _emit(self, test, ok, directive=""):
        self.n += 1
        print(f"{'ok' if ok else 'not ok'} {self.n} {test.id()}{directive}", flush=True)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._emit(test, True)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._emit(test, False)
        for line in self._exc_info_to_string(err, test).splitlines():
            print(f"# {line}")

    def addError(self, test, err):
        super().addError(test, err)
        self._emit(test, False)
        for line in self._exc_info_to_string(err, test).splitlines():
            print(f"# {line}")

    def addSubTest(self, test, subtest, err):
        # A failed subtest gets its parent no addFailure: say it at its end.
        super().addSubTest(test, subtest, err)
        if err is not None:
            self.sub_failed.setdefault(test.id(), []).append((subtest, err))

    def stopTest(self, test):
        failed = self.sub_failed.pop(test.id(), None)
        if failed:
            self._emit(test, False)
            for subtest, err in failed:
                print(f"# {subtest.id()}")
                for line in self._exc_info_to_string(err, test).splitlines():
                    print(f"# {line}")
        super().stopTest(test)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._emit(test, True, f" # SKIP {reason}")


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(__file__)
    suite = unittest.defaultTestLoader.discover(top, pattern="test_*.py", top_level_dir=top)
    print("TAP version 13")
    print(f"1..{suite.countTestCases()}")
    runner = unittest.TextTestRunner(stream=open(os.devnull, "w"), resultclass=TapResult)
    result = runner.run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
