"""Host-side tests of scripts/vmlog.py: the reader that decides whether a
VM run passed.  A reader that misses a failure would make every VM test
unable to fail, so each way a run can go wrong is checked here."""
import contextlib
import io
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
import vmlog  # noqa: E402

KTAP = """\
KTAP version 1
1..2
    KTAP version 1
    # Subtest: iommu_fault_bpf_verdict
    # module: iommu_fault_bpf_kunit
    1..2
        KTAP version 1
        # Subtest: iommu_fault_resolve_table
        ok 1 recoverable NONE
        ok 2 recoverable HANDLED
    # iommu_fault_resolve_table: pass:2 fail:0 skip:0 total:2
    ok 1 iommu_fault_resolve_table
    ok 2 iommu_fault_resolve_total
# iommu_fault_bpf_verdict: pass:2 fail:0 skip:0 total:2
ok 1 iommu_fault_bpf_verdict
    KTAP version 1
    # Subtest: arm-smmu-v3-kunit-test
    1..3
    ok 1 a
    not ok 2 b
    ok 3 c # SKIP not here
not ok 2 arm-smmu-v3-kunit-test
"""

TAP_OK = """\
TAP version 13
1..2
# Starting 2 tests from 1 test cases.
#  RUN           edu.one ...
#            OK  edu.one
ok 1 edu.one
ok 2 edu.two
# PASSED: 2 / 2 tests passed.
"""


def console(run="", exit_status=0, dmesg=KTAP, dmesg_dump=True):
    s = "Booting Linux\n" + run
    if exit_status is not None:
        s += f"IFB-RUN-EXIT={exit_status}\n"
        if dmesg_dump:
            s += "IFB-DMESG-BEGIN\n" + dmesg + "IFB-DMESG-END\n"
    return s


def run_results(text, *extra):
    with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as f:
        f.write(text)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            status = vmlog.main(["results", *extra, f.name])
    finally:
        os.unlink(f.name)
    return status, out.getvalue().strip().split("\n")


class TapParsing(unittest.TestCase):
    def test_ktap_counts_leaves_not_summaries(self):
        results, plan = vmlog.parse_tap(KTAP.split("\n"))
        self.assertEqual(plan, 2)
        paths = [r[0] for r in results]
        self.assertEqual(len(results), 6)
        self.assertIn("iommu_fault_bpf_verdict/iommu_fault_resolve_table/recoverable NONE", paths)
        self.assertIn("iommu_fault_bpf_verdict/iommu_fault_resolve_total", paths)
        self.assertNotIn("iommu_fault_bpf_verdict", paths)

    def test_statuses(self):
        results, _ = vmlog.parse_tap(KTAP.split("\n"))
        status = {r[0].split("/")[-1]: r[1] for r in results}
        self.assertEqual(status["a"], "pass")
        self.assertEqual(status["b"], "fail")
        self.assertEqual(status["c"], "skip")

    def test_kselftest_tap(self):
        results, plan = vmlog.parse_tap(TAP_OK.split("\n"))
        self.assertEqual(plan, 2)
        self.assertEqual([r[1] for r in results], ["pass", "pass"])


class Splats(unittest.TestCase):
    CASES = {
        "kernel WARNING": "WARNING: CPU: 1 PID: 42 at kernel/foo.c:12 bar+0x1/0x2",
        "kernel BUG": "BUG: kernel NULL pointer dereference, address: 0000000000000000",
        "Oops": "Internal error: Oops: 0000000096000004 [#1] PREEMPT SMP",
        "lockdep report": "WARNING: possible circular locking dependency detected",
        "sleeping function called from invalid context":
            "BUG: sleeping function called from invalid context at kernel/locking/mutex.c:283",
        "KASAN report": "BUG: KASAN: slab-use-after-free in foo+0x10/0x20",
        "kernel panic": "Kernel panic - not syncing: Oops: Fatal exception",
        "soft lockup": "watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [sh:1]",
        "hung task": "INFO: task kworker/0:1:12 blocked for more than 30 seconds.",
        "RCU stall": "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:",
    }

    def test_each_kind_is_named(self):
        for kind, line in self.CASES.items():
            with self.subTest(kind=kind):
                found = vmlog.find_splats(["[    1.000000] " + line])
                self.assertEqual(found[0][0], kind)

    def test_clean_log_has_none(self):
        clean = ["arm-smmu-v3 9050000.smmuv3: event 0x10 received:",
                 "iommu: Default domain type: Translated",
                 "# iommu_fault_resolve_table: pass:26 fail:0 skip:0 total:26"]
        self.assertEqual(vmlog.find_splats(clean), [])


class JudgeRun(unittest.TestCase):
    def judge(self, text, qemu_status=0):
        return vmlog.judge_run(vmlog.Console(text), qemu_status, 60)

    def test_clean_run_passes_script_status(self):
        self.assertEqual(self.judge(console(exit_status=0))[0], 0)
        self.assertEqual(self.judge(console(exit_status=3))[0], 3)

    def test_warn_in_dmesg_fails(self):
        status, msg = self.judge(console(dmesg="WARNING: CPU: 0 PID: 1 at x.c:1 f\n"))
        self.assertEqual(status, vmlog.EXIT_SPLAT)
        self.assertIn("kernel WARNING", msg)

    def test_hang_is_reported(self):
        status, msg = self.judge(console(run="still running\n", exit_status=None), 124)
        self.assertEqual(status, vmlog.EXIT_HANG)
        self.assertIn("hung", msg)

    def test_panic_is_reported(self):
        text = console(run="Kernel panic - not syncing: boom\n", exit_status=None)
        status, msg = self.judge(text, 0)
        self.assertEqual(status, vmlog.EXIT_DIED)
        self.assertIn("panicked", msg)

    def test_vanished_guest_is_reported(self):
        status, msg = self.judge(console(exit_status=None), 1)
        self.assertEqual(status, vmlog.EXIT_DIED)


class Results(unittest.TestCase):
    def test_counts_kunit_and_tap_blocks(self):
        run = "IFB-TAP-BEGIN edu_iommu_test\n" + TAP_OK + "IFB-TAP-END edu_iommu_test rc=0\n"
        status, out = run_results(console(run=run))
        self.assertEqual(out[-1], "6 passed, 1 failed, 1 skipped")
        self.assertEqual(status, 1)

    def test_all_passing(self):
        ktap = "KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: s\n    1..1\n" \
               "    ok 1 t\nok 1 s\n"
        run = "IFB-TAP-BEGIN x_test\n" + TAP_OK + "IFB-TAP-END x_test rc=0\n"
        status, out = run_results(console(run=run, dmesg=ktap))
        self.assertEqual(out[-1], "3 passed, 0 failed")
        self.assertEqual(status, 0)

    def test_unfinished_binary_fails(self):
        run = "IFB-TAP-BEGIN x_test\nTAP version 13\n1..2\nok 1 a\n"
        status, out = run_results(console(run=run, exit_status=None), "--qemu-status", "124")
        self.assertEqual(status, 1)
        self.assertTrue(any("did not finish" in l for l in out))
        self.assertTrue(any("hung" in l for l in out))

    def test_missing_planned_tests_fail(self):
        run = "IFB-TAP-BEGIN x_test\nTAP version 13\n1..3\nok 1 a\nIFB-TAP-END x_test rc=0\n"
        status, out = run_results(console(run=run))
        self.assertTrue(any("3 tests planned, 1 reported" in l for l in out))

    def test_no_kunit_output_fails(self):
        status, out = run_results(console(dmesg="nothing\n"))
        self.assertTrue(any("no KUnit output" in l for l in out))
        self.assertEqual(status, 1)

    def test_splat_fails_a_passing_run(self):
        ktap = "KTAP version 1\n1..1\nok 1 s\n[ 2.0] BUG: scheduling while atomic: sh/1/0x2\n"
        status, out = run_results(console(dmesg=ktap))
        self.assertEqual(status, 1)
        self.assertEqual(out[-1], "1 passed, 1 failed")

    def other_boot(self, text, qemu_status=0):
        with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as f:
            f.write(text)
        self.addCleanup(os.unlink, f.name)
        return f"fi={qemu_status}:{f.name}"

    MAIN_OK = "KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: s\n    1..1\n" \
              "    ok 1 t\nok 1 s\n"

    def test_another_boot_counts(self):
        run = "IFB-TAP-BEGIN fail_nth_test\n" + TAP_OK + "IFB-TAP-END fail_nth_test rc=0\n"
        other = self.other_boot(console(run=run, dmesg="no KUnit here\n"))
        status, out = run_results(console(dmesg=self.MAIN_OK), "--boot", other)
        self.assertEqual(out[-1], "3 passed, 0 failed")
        self.assertEqual(status, 0)

    def test_another_boots_failure_fails(self):
        run = "IFB-TAP-BEGIN fail_nth_test\nTAP version 13\n1..1\nnot ok 1 a\n" \
              "IFB-TAP-END fail_nth_test rc=1\n"
        other = self.other_boot(console(run=run, dmesg="\n"))
        status, out = run_results(console(dmesg=self.MAIN_OK), "--boot", other)
        self.assertEqual(out[-1], "1 passed, 1 failed")
        self.assertEqual(status, 1)

    def test_another_boots_splat_or_hang_fails(self):
        splat = self.other_boot(console(dmesg="[ 2.0] WARNING: CPU: 0 PID: 1 at x.c:1 f+0x0/0x4\n"))
        status, out = run_results(console(dmesg=self.MAIN_OK), "--boot", splat)
        self.assertEqual(status, 1)
        self.assertTrue(any(l.startswith("FAIL fi") for l in out), out)
        hang = self.other_boot(console(exit_status=None), qemu_status=124)
        status, out = run_results(console(dmesg=self.MAIN_OK), "--boot", hang)
        self.assertEqual(status, 1)
        self.assertTrue(any("hung" in l for l in out), out)



def uart(text):
    return [f"pl011_write addr 0x00000000 value 0x{ord(c):08x}" for c in text]


class SmmuWindows(unittest.TestCase):
    TRACE = (["smmuv3_cmdq_opcode <--- SMMU_CMD_RESUME"]      # before any mark
             + uart("IFB-MARK a\r\n")
             + ["smmuv3_cmdq_opcode <--- SMMU_CMD_RESUME",
                "pl011_write addr 0x00000038 value 0x00000000",  # not data
                "smmuv3_record_event SMMU_EVT_F_TRANSLATION sid=0x10"]
             + uart("some text\nIFB-MARK b\n")
             + ["smmuv3_cmdq_opcode <--- SMMU_CMD_RESUME",
                "smmuv3_cmdq_opcode <--- SMMU_CMD_RESUME"])

    def test_windows_split_at_marks(self):
        w = vmlog.smmu_windows(self.TRACE)
        self.assertEqual(w["a"], {"RESUME": 1, "EVT_F_TRANSLATION": 1})
        self.assertEqual(w["b"], {"RESUME": 2})

    def test_expectations_pass_and_fail(self):
        console = vmlog.Console("IFB-SMMU-EXPECT a RESUME=1 EVT_F_TRANSLATION=1\n"
                                "IFB-SMMU-EXPECT b RESUME=1\n"
                                "IFB-SMMU-EXPECT c RESUME=0\n"
                                "IFB-RUN-EXIT=0\n")
        tally = vmlog.Tally()
        vmlog.tally_smmu_expectations(console, self.TRACE, tally, [])
        self.assertEqual((tally.passed, tally.failed), (2, 2))
        self.assertTrue(any("RESUME=2" in f for f in tally.failures))
        self.assertTrue(any("no IFB-MARK" in f for f in tally.failures))

    ORDER = (uart("IFB-MARK good\n")
             + ["smmuv3_cmdq_opcode <--- SMMU_CMD_RESUME",
                "smmuv3_cmdq_opcode <--- SMMU_CMD_SYNC",
                "smmuv3_cmdq_opcode <--- SMMU_CMD_RESUME",
                "smmuv3_cmdq_opcode <--- SMMU_CMD_CFGI_STE",
                "smmuv3_cmdq_opcode <--- SMMU_CMD_CFGI_STE"]
             + uart("IFB-MARK late\n")
             + ["smmuv3_cmdq_opcode <--- SMMU_CMD_RESUME",
                "smmuv3_cmdq_opcode <--- SMMU_CMD_CFGI_STE",
                "smmuv3_cmdq_opcode <--- SMMU_CMD_RESUME"]
             + uart("IFB-MARK none\n")
             + ["smmuv3_cmdq_opcode <--- SMMU_CMD_CFGI_STE"])

    def test_order_expectation(self):
        """A<B holds only when every A precedes the first B, and both are
        there: a RESUME after the STE changed, or no RESUME, fails."""
        console = vmlog.Console("IFB-SMMU-EXPECT good RESUME<CFGI_STE RESUME=2\n"
                                "IFB-SMMU-EXPECT late RESUME<CFGI_STE RESUME=2\n"
                                "IFB-SMMU-EXPECT none RESUME<CFGI_STE\n"
                                "IFB-RUN-EXIT=0\n")
        tally = vmlog.Tally()
        vmlog.tally_smmu_expectations(console, self.ORDER, tally, [])
        self.assertEqual((tally.passed, tally.failed), (3, 2))
        self.assertTrue(any("late RESUME<CFGI_STE" in f and "1 of 2" in f
                            for f in tally.failures))
        self.assertTrue(any("none RESUME<CFGI_STE" in f and "RESUME=0" in f
                            for f in tally.failures))


class Kmemleak(unittest.TestCase):
    REPORT = """IFB-KMEMLEAK-BEGIN
unreferenced object 0xfff0000004a1c000 (size 64):
  comm "swapper/0", pid 1, jiffies 4294892296
  hex dump (first 32 bytes):
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................
  backtrace (crc 0):
    [<000000001e1b7f1c>] kmemleak_alloc+0x34/0x40
    [<00000000a8f0c3b2>] __kmalloc_cache_noprof+0x1c8/0x2e0
    [<0000000045b0d0a1>] of_platform_populate+0x54/0x100
unreferenced object 0xfff0000006d56800 (size 128):
  comm "faultctl", pid 311, jiffies 4294901234
  hex dump (first 32 bytes):
    69 6f 6d 6d 75 5f 66 61 75 6c 74 00 00 00 00 00  iommu_fault.....
  backtrace (crc 5a3c):
    kmemleak_alloc+0x30/0x38
    __kmalloc_cache_noprof+0x300/0x330
    iommu_fault_policy_attach+0x8c/0x3a0
    bpf_struct_ops_link_create+0x120/0x1b0
IFB-KMEMLEAK-END
IFB-RUN-EXIT=0
"""

    def run_tally(self, text):
        tally, report = vmlog.Tally(), []
        vmlog.tally_kmemleak(vmlog.Console(text), tally, report)
        return tally, report

    def test_subsystem_object_fails_others_do_not(self):
        """6.12 prints frames without addresses (the second object), older
        kernels with them (the first); a hex dump naming us is not a frame."""
        tally, report = self.run_tally(self.REPORT)
        self.assertEqual((tally.passed, tally.failed), (0, 1))
        self.assertIn("iommu_fault_policy_attach", tally.failures[0])
        self.assertIn("2 unreferenced objects, 1 of the subsystem", report[0])

    def test_only_other_objects_pass(self):
        text = self.REPORT.split("unreferenced object 0xfff0000006d56800")[0]
        tally, _ = self.run_tally(text + "IFB-KMEMLEAK-END\nIFB-RUN-EXIT=0\n")
        self.assertEqual((tally.passed, tally.failed), (1, 0))

    def test_missing_or_unavailable_fails(self):
        for text in ("IFB-RUN-EXIT=0\n",
                     "IFB-KMEMLEAK-BEGIN\nkmemleak: unavailable\n"
                     "IFB-KMEMLEAK-END\nIFB-RUN-EXIT=0\n"):
            tally, _ = self.run_tally(text)
            self.assertEqual((tally.passed, tally.failed), (0, 1))


class SmmuTrace(unittest.TestCase):
    def test_counts_commands_and_events(self):
        lines = ["smmuv3_cmdq_opcode <--- SMMU_CMD_RESUME",
                 "smmuv3_cmdq_opcode <--- SMMU_CMD_SYNC",
                 "smmuv3_cmdq_opcode <--- SMMU_CMD_RESUME",
                 "smmuv3_record_event SMMU_EVT_F_TRANSLATION sid=0x10",
                 "unrelated line"]
        cmds, events = vmlog.smmu_trace_counts(lines)
        self.assertEqual(cmds, {"RESUME": 2, "SYNC": 1})
        self.assertEqual(events, {"F_TRANSLATION": 1})


if __name__ == "__main__":
    unittest.main()
