#!/usr/bin/env python3
"""Read what the iommu-fault-bpf VM printed on its serial console.

  vmlog.py check [--qemu-status N] [--timeout S] CONSOLE_LOG
      How did the run end?  Exit status: the guest script's own, or
      124 hang, 125 guest died (panic / no result), 126 kernel splat.

  vmlog.py trace-summary SMMU_TRACE_LOG
      Count the commands the kernel sent the SMMU and the events the SMMU
      recorded, from QEMU's smmuv3_cmdq_opcode/smmuv3_record_event trace.

  vmlog.py results [--tap NAME=FILE ...] [--qemu-trace FILE] [--kmemleak]
                   [--no-kunit] CONSOLE_LOG
      Count every test: KUnit (KTAP in the kernel log), the VM selftests
      (TAP blocks the guest printed), host-side TAP files and the guest's
      IFB-SMMU-EXPECT lines checked against QEMU's trace; with --kmemleak,
      the guest's kmemleak report must name nothing of the subsystem;
      check the kernel log for splats; end with "N passed, N failed[, N
      skipped]".

The guest protocol (scripts/guest-init, selftests/vm/run-all.sh):
  IFB-TAP-BEGIN <name> ... IFB-TAP-END <name> rc=<n>   one test binary
  IFB-RUN-EXIT=<n>                                     the script's status
  IFB-DMESG-BEGIN ... IFB-DMESG-END                    the kernel log
  IFB-MARK <name>                  starts <name>'s window of the SMMU trace
  IFB-SMMU-EXPECT <name> K=N ...   <name>'s window has N commands K
                                   (A<B: every A before the first B)
  IFB-KMEMLEAK-BEGIN ... IFB-KMEMLEAK-END   /sys/kernel/debug/kmemleak
"""

import argparse
import re
import sys

EXIT_HANG = 124
EXIT_DIED = 125
EXIT_SPLAT = 126

# Most specific first: the first pattern that matches names the splat.
SPLATS = [
    ("kernel panic", r"Kernel panic - not syncing"),
    ("KASAN report", r"BUG: KASAN|KASAN: "),
    ("sleeping function called from invalid context",
     r"sleeping function called from invalid context"),
    ("scheduling while atomic", r"BUG: scheduling while atomic"),
    ("lockdep report",
     r"WARNING: (possible circular locking|possible recursive locking|"
     r"inconsistent lock state|suspicious RCU usage|lock held when returning|"
     r"bad unlock balance|held lock freed|possible irq lock inversion|"
     r".*-safe -> .*-unsafe lock order)|INFO: possible .*locking|"
     r"INFO: trying to register non-static key|"
     r"DEBUG_LOCKS_WARN_ON"),
    ("list corruption", r"list_(add|del) corruption|list_.*corruption\."),
    ("debugobjects report", r"ODEBUG: "),
    ("soft lockup", r"watchdog: BUG: soft lockup"),
    ("RCU stall", r"rcu: INFO: .*detected stalls"),
    ("hung task", r"INFO: task .* blocked for more than"),
    ("Oops", r"Internal error: Oops|Unable to handle kernel"),
    ("kernel BUG", r"kernel BUG at|BUG: "),
    ("kernel WARNING", r"WARNING: CPU: \d+ PID: \d+ at"),
    ("UBSAN report", r"UBSAN: "),
]
_SPLAT_RES = [(kind, re.compile(rx)) for kind, rx in SPLATS]

_TS = re.compile(r"^\[\s*\d+\.\d+\]\s?")
_RESULT = re.compile(r"^(\s*)(not ok|ok) (\d+)(?: -)? ?([^#]*?)\s*(?:#\s*(\w+)(.*))?$")
_PLAN = re.compile(r"^(\s*)1\.\.(\d+)")
_SUBTEST = re.compile(r"^\s*# Subtest: (.*)$")


class Console:
    """The serial console split into the script's part and the kernel log."""

    def __init__(self, text):
        self.lines = text.replace("\r", "").split("\n")
        self.run_lines = []
        self.dmesg = None
        self.exit_status = None
        section = "run"
        for line in self.lines:
            if line == "IFB-DMESG-BEGIN":
                section = "dmesg"
                self.dmesg = []
                continue
            if line == "IFB-DMESG-END":
                section = "after"
                continue
            m = re.match(r"^IFB-RUN-EXIT=(\d+)$", line)
            if m and section == "run":
                self.exit_status = int(m.group(1))
                continue
            if section == "dmesg":
                self.dmesg.append(_TS.sub("", line))
            elif section == "run":
                self.run_lines.append(line)

    def kernel_lines(self):
        """Every line that may be kernel output: the dump, then the live
        console (the dump is missing when the guest died)."""
        return (self.dmesg or []) + [_TS.sub("", l) for l in self.run_lines]


def find_splats(lines):
    """[(kind, line)] for every line that reports a kernel splat."""
    found = []
    for line in lines:
        for kind, rx in _SPLAT_RES:
            if rx.search(line):
                found.append((kind, line.strip()))
                break
    return found


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.failures = []

    def add(self, suite, name, status, detail=""):
        if status == "pass":
            self.passed += 1
        elif status == "skip":
            self.skipped += 1
        else:
            self.failed += 1
            self.failures.append(f"{suite}: {name}{': ' + detail if detail else ''}")

    def line(self):
        s = f"{self.passed} passed, {self.failed} failed"
        if self.skipped:
            s += f", {self.skipped} skipped"
        return s


def _status(ok, directive):
    directive = (directive or "").upper()
    if directive == "SKIP":
        return "skip"
    if directive in ("TODO", "XFAIL"):
        return "pass"
    return "pass" if ok == "ok" else "fail"


def parse_tap(lines):
    """Leaf results of a TAP/KTAP stream, nesting by indentation.

    Returns (results, plan) with results [(path, status, directive text)];
    a result line less indented than the one before it closes a subtest
    and summarises it, so it is not a test of its own.
    """
    results = []
    plan = None
    names = {}	# indent -> "# Subtest:" name at that indent
    prev_indent = None
    for line in lines:
        m = _SUBTEST.match(line)
        if m:
            names[len(line) - len(line.lstrip())] = m.group(1).strip()
            continue
        m = _PLAN.match(line)
        if m and not m.group(1) and plan is None:
            plan = int(m.group(2))
            continue
        m = _RESULT.match(line)
        if not m:
            continue
        indent = len(m.group(1))
        is_parent = prev_indent is not None and indent < prev_indent
        prev_indent = indent
        if is_parent:
            continue
        parents = [names[i] for i in sorted(names) if i <= indent]
        path = "/".join(parents + [m.group(4).strip()])
        results.append((path, _status(m.group(2), m.group(5)),
                        ((m.group(5) or "") + (m.group(6) or "")).strip()))
    return results, plan


def top_level_count(lines):
    return sum(1 for l in lines if re.match(r"^(not ok|ok) \d+", l))


def tally_kunit(console, tally, report):
    lines = console.dmesg or []
    try:
        start = next(i for i, l in enumerate(lines) if l.strip() == "KTAP version 1")
    except StopIteration:
        tally.add("kunit", "KTAP output", "fail", "no KUnit output in the kernel log")
        return
    ktap = lines[start:]
    results, plan = parse_tap(ktap)
    suites = top_level_count(ktap)
    for path, status, detail in results:
        tally.add("kunit", path, status, detail)
    report.append(f"kunit: {sum(1 for r in results if r[1] == 'pass')}/"
                  f"{len(results)} passed in {suites} suites")
    if plan is not None and suites != plan:
        tally.add("kunit", "plan", "fail", f"{plan} suites planned, {suites} reported")


def tap_blocks(lines):
    """{name: (lines, rc or None)} of IFB-TAP-BEGIN/END blocks."""
    blocks = {}
    cur = None
    for line in lines:
        m = re.match(r"^IFB-TAP-BEGIN (\S+)$", line)
        if m:
            cur = m.group(1)
            blocks[cur] = ([], None)
            continue
        m = re.match(r"^IFB-TAP-END (\S+) rc=(\d+)$", line)
        if m and cur == m.group(1):
            blocks[cur] = (blocks[cur][0], int(m.group(2)))
            cur = None
            continue
        if cur:
            blocks[cur][0].append(line)
    return blocks


def tally_tap(suite, lines, rc, tally, report):
    results, plan = parse_tap(lines)
    for path, status, detail in results:
        tally.add(suite, path, status, detail)
    npass = sum(1 for r in results if r[1] == "pass")
    report.append(f"{suite}: {npass}/{len(results)} passed")
    if rc is None:
        tally.add(suite, "(binary)", "fail", "did not finish (crash or hang)")
    elif plan is not None and len(results) != plan:
        tally.add(suite, "(plan)", "fail", f"{plan} tests planned, {len(results)} reported")
    elif not results and rc not in (0, 4):
        tally.add(suite, "(binary)", "fail", f"exited {rc} without results")
    elif rc not in (0, 4) and all(r[1] != "fail" for r in results):
        tally.add(suite, "(binary)", "fail", f"exited {rc} although every test passed")


def judge_run(console, qemu_status, timeout):
    """(exit status, message) for how a vm-run ended."""
    splats = find_splats(console.kernel_lines())
    panic = next((s for s in splats if s[0] == "kernel panic"), None)
    if console.exit_status is None:
        if panic:
            return EXIT_DIED, f"the guest kernel panicked: {panic[1]}"
        if qemu_status in (124, 137):
            return EXIT_HANG, (f"the guest hung: no result within {timeout} s"
                               + (f" (first splat: {splats[0][0]}: {splats[0][1]})"
                                  if splats else ""))
        if splats:
            return EXIT_DIED, (f"the guest died with a {splats[0][0]}: {splats[0][1]}")
        return EXIT_DIED, f"QEMU exited (status {qemu_status}) without a result"
    if splats:
        kinds = sorted({k for k, _ in splats})
        return EXIT_SPLAT, (f"kernel splat in the guest log ({', '.join(kinds)}): "
                            f"{splats[0][1]}")
    if console.exit_status:
        return console.exit_status, f"the script exited with status {console.exit_status}"
    return 0, ""


def cmd_check(args):
    with open(args.console, errors="replace") as f:
        console = Console(f.read())
    status, msg = judge_run(console, args.qemu_status, args.timeout)
    if msg:
        print(f"vm-run: {'FAIL: ' if status in (EXIT_HANG, EXIT_DIED, EXIT_SPLAT) else ''}"
              f"{msg} (console: {args.console})", file=sys.stderr)
    return status


def tally_boot(name, console, qemu_status, timeout, tally, report):
    """Count the selftests of one boot's @console, and how the boot ended;
    returns its exit status as judge_run() gives it."""
    for tname, (lines, rc) in tap_blocks(console.run_lines).items():
        tally_tap(tname, lines, rc, tally, report)
    status, msg = judge_run(console, qemu_status, timeout)
    if status in (EXIT_HANG, EXIT_DIED, EXIT_SPLAT):
        tally.add(name, "guest run", "fail", msg)
    elif status:
        report.append(f"{name}: the test script exited with status {status}")
    return status


def cmd_results(args):
    with open(args.console, errors="replace") as f:
        console = Console(f.read())
    tally = Tally()
    report = []
    for spec in args.tap:
        name, _, path = spec.partition("=")
        with open(path, errors="replace") as f:
            tap = f.read().split("\n")
        rc = None
        m = re.search(r"^# exit status (\d+)$", "\n".join(tap), re.M)
        if m:
            rc = int(m.group(1))
        tally_tap(name, tap, rc, tally, report)
    # Another boot's console (make test's fault-injection boot): its
    # selftests count, and so does how it ended.
    for spec in args.boot:
        name, _, rest = spec.partition("=")
        status_s, _, path = rest.partition(":")
        with open(path, errors="replace") as f:
            tally_boot(name, Console(f.read()), int(status_s), args.timeout,
                       tally, report)
    if not args.no_kunit:
        tally_kunit(console, tally, report)
    status = tally_boot("vm", console, args.qemu_status, args.timeout, tally, report)
    if args.qemu_trace:
        try:
            with open(args.qemu_trace, errors="replace") as f:
                tally_smmu_expectations(console, f, tally, report)
        except FileNotFoundError:
            tally.add("smmu-trace", "trace", "fail", f"no {args.qemu_trace}")

    if args.kmemleak:
        tally_kmemleak(console, tally, report)

    for r in report:
        print(r)
    for f in tally.failures:
        print(f"FAIL {f}")
    print(tally.line())
    return 1 if tally.failed or status else 0


def smmu_trace_counts(lines):
    """({command: n}, {event: n}) from QEMU's SMMU trace lines."""
    cmds, events = {}, {}
    for line in lines:
        m = re.search(r"smmuv3_cmdq_opcode <--- SMMU_CMD_(\w+)", line)
        if m:
            cmds[m.group(1)] = cmds.get(m.group(1), 0) + 1
            continue
        m = re.search(r"smmuv3_record_event SMMU_EVT_(\w+)", line)
        if m:
            events[m.group(1)] = events.get(m.group(1), 0) + 1
    return cmds, events


def smmu_window_sequences(lines):
    """{mark: [KIND, ...]} in the order QEMU saw them: the console is
    rebuilt from the UART writes (pl011_write to the data register), so
    each IFB-MARK line sits exactly between the SMMU commands before and
    after it.  KIND is a command (RESUME, SYNC, ...) or EVT_<event> for
    recorded events."""
    windows = {}
    cur = None
    buf = []
    for line in lines:
        m = re.match(r"pl011_write addr 0x0+ value 0x([0-9a-f]+)", line)
        if m:
            ch = chr(int(m.group(1), 16) & 0xff)
            if ch == "\n":
                text = "".join(buf).replace("\r", "")
                buf = []
                mm = re.match(r"^IFB-MARK (\S+)$", text)
                if mm:
                    cur = mm.group(1)
                    windows.setdefault(cur, [])
            else:
                buf.append(ch)
            continue
        if cur is None:
            continue
        m = re.search(r"smmuv3_cmdq_opcode <--- SMMU_CMD_(\w+)", line)
        kind = m.group(1) if m else None
        if not kind:
            m = re.search(r"smmuv3_record_event SMMU_EVT_(\w+)", line)
            kind = "EVT_" + m.group(1) if m else None
        if kind:
            windows[cur].append(kind)
    return windows


def smmu_windows(lines):
    """{mark: {KIND: n}}: the counts of smmu_window_sequences()."""
    counts = {}
    for mark, seq in smmu_window_sequences(lines).items():
        counts[mark] = {}
        for kind in seq:
            counts[mark][kind] = counts[mark].get(kind, 0) + 1
    return counts


def check_smmu_want(seq, want):
    """(ok, what QEMU saw) for one expectation on a window's sequence:
    KIND=N (exactly N of KIND), or A<B (at least one of each, and every A
    before the first B: e.g. each RESUME sent before the STE is changed)."""
    if "<" in want:
        first, _, then = want.partition("<")
        pos_a = [i for i, k in enumerate(seq) if k == first]
        pos_b = [i for i, k in enumerate(seq) if k == then]
        if not pos_a or not pos_b:
            return False, f"QEMU saw {first}={len(pos_a)} {then}={len(pos_b)}"
        late = sum(1 for i in pos_a if i > pos_b[0])
        return late == 0, (f"QEMU saw {late} of {len(pos_a)} {first} after "
                           f"the first {then}")
    kind, _, value = want.partition("=")
    seen = seq.count(kind)
    return seen == int(value), f"QEMU saw {kind}={seen}"


def tally_smmu_expectations(console, trace_lines, tally, report):
    """Check each IFB-SMMU-EXPECT line of the guest against its window."""
    windows = smmu_window_sequences(trace_lines)
    n = 0
    for line in console.run_lines:
        m = re.match(r"^IFB-SMMU-EXPECT (\S+) (.*)$", line)
        if not m:
            continue
        name, wants = m.group(1), m.group(2).split()
        for want in wants:
            n += 1
            if name not in windows:
                tally.add("smmu-trace", f"{name} {want}", "fail",
                          "no IFB-MARK for it in QEMU's trace")
                continue
            ok, seen = check_smmu_want(windows[name], want)
            tally.add("smmu-trace", f"{name} {want}",
                      "pass" if ok else "fail", seen)
    if n:
        report.append(f"smmu-trace: {n} expectations checked against QEMU's trace")


# A leaked object is the subsystem's when its allocation backtrace passes
# through the subsystem, its SMMUv3 glue or its test driver.
_OURS = re.compile(r"iommu_fault|fault_bpf|edu_test")


def kmemleak_objects(lines):
    """[(header, [backtrace lines])] of the kmemleak report between
    IFB-KMEMLEAK-BEGIN and -END; None when there is no such block, or the
    guest said kmemleak was unavailable."""
    objects, inside, seen, frames = [], False, False, False
    for line in lines:
        if line == "IFB-KMEMLEAK-BEGIN":
            inside = seen = True
            continue
        if line == "IFB-KMEMLEAK-END":
            inside = False
            continue
        if not inside:
            continue
        if line.startswith("kmemleak: unavailable"):
            return None
        if line.startswith("unreferenced object"):
            objects.append((line, []))
            frames = False
        elif objects and re.match(r"^\s+backtrace", line):
            frames = True
        elif objects and frames and line.startswith(" "):
            # "    func+0x30/0x38", with "[<address>] " before it on
            # kernels that print addresses.
            objects[-1][1].append(line.strip())
    return objects if seen else None


def tally_kmemleak(console, tally, report):
    objects = kmemleak_objects(console.run_lines)
    if objects is None:
        tally.add("kmemleak", "scan", "fail",
                  "no kmemleak report from the guest (IFB-KMEMLEAK block)")
        return
    ours = [(h, bt) for h, bt in objects if any(_OURS.search(l) for l in bt)]
    report.append(f"kmemleak: {len(objects)} unreferenced objects, "
                  f"{len(ours)} of the subsystem")
    detail = ""
    if ours:
        frame = next(l for l in ours[0][1] if _OURS.search(l))
        detail = f"{len(ours)} leaked, first: {ours[0][0]} from {frame}"
    tally.add("kmemleak", "nothing the subsystem allocated is unreferenced",
              "fail" if ours else "pass", detail)


def cmd_trace_summary(args):
    with open(args.trace, errors="replace") as f:
        cmds, events = smmu_trace_counts(f)
    fmt = lambda d: ", ".join(f"{k} {v}" for k, v in sorted(d.items())) or "none"
    print(f"smmu-trace: {sum(cmds.values())} commands ({fmt(cmds)}); "
          f"{sum(events.values())} events ({fmt(events)})")
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("check", "results"):
        s = sub.add_parser(name)
        s.add_argument("--qemu-status", type=int, default=0)
        s.add_argument("--timeout", type=int, default=0)
        s.add_argument("console")
        if name == "results":
            s.add_argument("--tap", action="append", default=[],
                           metavar="NAME=FILE")
            s.add_argument("--boot", action="append", default=[],
                           metavar="NAME=QEMU_STATUS:CONSOLE",
                           help="the selftests of another boot, and how it ended")
            s.add_argument("--qemu-trace", metavar="FILE",
                           help="QEMU trace with pl011_write and smmuv3 events")
            s.add_argument("--kmemleak", action="store_true",
                           help="require a clean IFB-KMEMLEAK block")
            s.add_argument("--no-kunit", action="store_true",
                           help="do not count KUnit (a run whose kernel log "
                                "outgrows the KUnit output)")
    s = sub.add_parser("trace-summary")
    s.add_argument("trace")
    args = p.parse_args(argv)
    return {"check": cmd_check, "results": cmd_results,
            "trace-summary": cmd_trace_summary}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
