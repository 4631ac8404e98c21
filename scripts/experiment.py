#!/usr/bin/env python3
"""make experiment: replay a fault trace against several policies in one
VM boot and print their verdict statistics side by side.

  experiment.py run IMAGE INITRAMFS TRACE RUNS    boot, replay, compare
  experiment.py compare CONSOLE TRACE             compare a finished run

The guest half is experiments/compare-policies.sh; it prints the edu
device's and the policy's counters (faultctl -j stats show) before and after
each replay on lines "IFB-EXP LABEL before|after JSON"."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.realpath(__file__))
TOP = os.path.dirname(HERE)

DEV_ROWS = [
    ("faults, recoverable", ("faults", "recoverable")),
    ("faults, unrecoverable", ("faults", "unrecoverable")),
    ("answered RETRY by a policy", ("responses", "retry")),
    ("answered ABORT by a policy", ("responses", "abort")),
    ("left to the stock path", "stock"),
    ("deferred to the sleepable op", "deferred"),
    ("parked (IGNORE)", "ignored"),
    ("deadline timeouts", "timeouts"),
    ("aborted in quarantine", "quarantine_drops"),
]
STATUSES = ["none", "failure", "invalid", "handled", "ignore", "defer"]


def parse(console):
    """{label: {"before": stats, "after": stats}}, in run order; done?"""
    runs, done = {}, False
    with open(console, errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line == "IFB-EXP done":
                done = True
            if not line.startswith("IFB-EXP ") or line == "IFB-EXP done":
                continue
            _, label, when, doc = line.split(" ", 3)
            runs.setdefault(label, {})[when] = json.loads(doc)
    return runs, done


def trace_summary(trace):
    rec = unrec = 0
    with open(trace) as f:
        for line in f:
            if not line.strip():
                continue
            e = json.loads(line)
            if e.get("event") != "fault":
                continue
            if e.get("flags", 0) & 1:
                rec += 1
            else:
                unrec += 1
    return rec, unrec


def table(runs, trace):
    labels = list(runs)
    rec, unrec = trace_summary(trace)
    out = [f"replay of {os.path.relpath(trace, TOP)}: {rec + unrec} faults "
           f"({rec} recoverable, {unrec} unrecoverable), once per policy\n"]
    width = max(12, *(len(label) + 2 for label in labels))
    head = f"{'':32}" + "".join(f"{label:>{width}}" for label in labels)
    out.append(head)
    out.append("-" * len(head))

    def dev(run, key):
        b = run["before"]["devices"][0]
        a = run["after"]["devices"][0]
        for k in key if isinstance(key, tuple) else (key,):
            b, a = b[k], a[k]
        return a - b

    for name, key in DEV_ROWS:
        out.append(f"{name:32}" + "".join(
            f"{dev(runs[label], key):>{width}}" for label in labels))
    out.append(f"{'device quarantined at the end':32}" + "".join(
        f"{'yes' if runs[label]['after']['devices'][0]['quarantined'] else 'no':>{width}}"
        for label in labels))
    out.append("")
    out.append("policy verdicts (atomic / sleepable):")
    for st in STATUSES:
        cells = []
        for label in labels:
            pol = [p for p in runs[label]["after"]["policies"]
                   if p["name"] == f"exp_{label}"][0]
            cells.append(f"{pol['verdicts']['atomic'][st]} / "
                         f"{pol['verdicts']['sleepable'][st]}")
        out.append(f"  {st:30}" + "".join(f"{c:>{width}}" for c in cells))
    return "\n".join(out)


def compare(console, trace):
    runs, done = parse(console)
    if not done or not runs or any(len(r) != 2 for r in runs.values()):
        sys.exit(f"experiment: the guest did not finish (see {console})")
    print(table(runs, trace))


def run(image, initramfs, trace, runs):
    extra = tempfile.mkdtemp(prefix="ifb-exp-")
    try:
        shutil.copy(trace, os.path.join(extra, "trace.jsonl"))
        shutil.copy(runs, os.path.join(extra, "runs.txt"))
        script = os.path.join(extra, "run.sh")
        with open(script, "w") as f:
            f.write("#!/bin/sh\nexec sh /mnt/extra/compare-policies.sh "
                    "/mnt/extra/trace.jsonl /mnt/extra/runs.txt\n")
        shutil.copy(os.path.join(TOP, "experiments", "compare-policies.sh"),
                    extra)
        out = os.path.join(TOP, "build", "experiment")
        os.makedirs(out, exist_ok=True)
        log = os.path.join(out, "vm.out")
        with open(log, "w") as f:
            st = subprocess.call([os.path.join(HERE, "vm-run.sh"),
                                  "--timeout", "300", "--extra", extra,
                                  image, initramfs, script],
                                 stdout=f, stderr=subprocess.STDOUT)
        if st:
            sys.stdout.write(open(log).read()[-3000:])
            sys.exit(f"experiment: the VM run failed (status {st}, {log})")
        shutil.copy(os.path.join(TOP, "build", "vm", "console.log"),
                    os.path.join(out, "console.log"))
        compare(os.path.join(out, "console.log"), trace)
    finally:
        shutil.rmtree(extra)


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "run":
        run(*sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        compare(*sys.argv[2:])
    else:
        sys.exit(__doc__)
