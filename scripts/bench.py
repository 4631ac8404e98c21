#!/usr/bin/env python3
"""make bench, host half: the table, the goals, results.json and the plot.

  bench.py OUTDIR     reads OUTDIR/raw.jsonl (ifb-bench lines) and, for
                      each hooked FUNCTION, OUTDIR/FUNCTION.dis and
                      OUTDIR/FUNCTION.relocs"""
import json
import os
import re
import subprocess
import sys
from statistics import median

# The goals, judged on the deterministic run (icount: "ns" are guest
# instructions).  (what, function of {scenario: run} for one round, limit,
# why it is missed when it is, as measured: docs/design.rst, "What a fault
# costs"; a function of the judged run when the figures say; None when
# nothing measured explains a miss)
GOALS = [
    ("scenario 2 p50 <= 1.00 x scenario 1 (fast HANDLED / stock)",
     lambda r: r[2]["p50_ns"] / r[1]["p50_ns"], 1.00, None),
    ("each NONE policy in a chain <= 100 insns ((3 - 2) / 7, p50)",
     lambda r: (r[3]["p50_ns"] - r[2]["p50_ns"]) / 7, 100,
     "the struct_ops trampoline, about 105 insns of each policy call "
     "(measured with the program call skipped)"),
    ("scenario 41 p50 <= 1.2 x floor 71, one at a time",
     lambda r: r[41]["p50_ns"] / r[71]["p50_ns"], 1.2, lambda run: defer_why(run)),
    ("scenario 41 p99 <= 2 x floor 71, one at a time",
     lambda r: r[41]["p99_ns"] / r[71]["p99_ns"], 2.0, None),
    ("scenario 5 = scenario 2 within 1% (p50, |5/2 - 1|)",
     lambda r: abs(r[5]["p50_ns"] / r[2]["p50_ns"] - 1), 0.01, None),
]
# Side by side, no goal set: (what, numerator, denominator, field).
COMPARED = [
    ("mock: HANDLED / stock io-pgfault, p50 (13/12)", 13, 12, "p50_ns"),
    ("mock: HANDLED / stock io-pgfault, p99 (13/12)", 13, 12, "p99_ns"),
    ("throughput, fast HANDLED / stock (2/1)", 2, 1, "faults_per_s"),
    ("throughput, 64 other devices / fast HANDLED (5/2)", 5, 2, "faults_per_s"),
]
ORDER = [1, 2, 3, 4, 41, 11, 71, 5, 6, 9, 12, 13, 81, 82]
# The bars of the plot: the open-loop scenarios, by name.
PLOTTED = [1, 2, 3, 4, 5, 6]
UNIT = {"icount": "insns", "wall": "ns"}


def load(out):
    rows = []
    with open(os.path.join(out, "raw.jsonl")) as f:
        for line in f:
            if line.strip():
                rows.append(json.loads(line))
    return rows


MEDIAN_FIELDS = ("faults_per_s", "p50_ns", "p99_ns", "max_ns")


def aggregate(rows):
    """{(scenario, cpus, clock): row with the medians over its rounds,
    their spread (FIELD_min, FIELD_max), "runs"}"""
    groups = {}
    for r in rows:
        groups.setdefault((r["scenario"], r.get("cpus"), r.get("clock", "wall")),
                          []).append(r)
    agg = {}
    for key, rs in groups.items():
        a = dict(rs[0])
        for f in MEDIAN_FIELDS:
            if f in a:
                a[f] = median(x[f] for x in rs)
                a[f + "_min"] = min(x[f] for x in rs)
                a[f + "_max"] = max(x[f] for x in rs)
        if "answered" in a:
            a["answered"] = min(x["answered"] for x in rs)
        a["rounds"] = len(rs)
        a["runs"] = rs
        agg[key] = a
    return agg


def by_round(run, scenarios):
    """{round: {scenario: that round's row}} for the rounds all of
    @scenarios ran in (same boot, same round)."""
    rounds = {}
    for s in scenarios:
        if s not in run:
            return {}
        for r in run[s]["runs"]:
            rounds.setdefault(r.get("round", 1), {})[s] = r
    return {k: v for k, v in rounds.items() if len(v) == len(scenarios)}


def spread(values, fmt):
    lo, hi = min(values), max(values)
    return "exact" if lo == hi else f"{fmt.format(lo)}-{fmt.format(hi)}"


def cell(r, f, width):
    """A median and its spread over the rounds."""
    lo, hi = r[f + "_min"], r[f + "_max"]
    sp = "" if lo == hi else f" ({lo:.0f}-{hi:.0f})"
    return f"{r[f]:.0f}{sp}".rjust(width)


def scenario_table(run, clock, lines):
    rounds = max((r["rounds"] for r in run.values()), default=0)
    u = UNIT[clock]
    what = ("guest instructions (-icount shift=0,sleep=off: deterministic)"
            if clock == "icount" else "emulated ns (QEMU TCG on the host's clock)")
    lines.append(f"{clock}: {what}; medians over {rounds} round(s) in one boot, "
                 "2 guest CPUs, (min-max) over rounds where they differ")
    lines.append(f"{'scenario':40}{'faults/s':>22}{'p50 ' + u:>20}{'p99 ' + u:>22}"
                 f"{'answered':>14}")
    for s in ORDER:
        r = run.get(s)
        if not r:
            continue
        lines.append(f"{s:<2} {r['name']:37}{cell(r, 'faults_per_s', 22)}"
                     f"{cell(r, 'p50_ns', 20)}{cell(r, 'p99_ns', 22)}"
                     f"{r['answered']:>8}/{r['faults']}")


def judge_goals(run, lines, goals=None):
    """Each goal's figure on @run; met or missed, into @goals, unless
    @goals is None (a run no goal is judged on)."""
    for what, fn, limit, why in GOALS:
        rs = [fn(rows) for rows in by_round(run, [1, 2, 3, 5, 41, 71]).values()]
        if not rs:
            lines.append(f"{what:60} (not run)")
            continue
        value = median(rs)
        figure = f"{what:60} {value:8.3f} ({spread(rs, '{:.3f}')})"
        if goals is None:
            lines.append(figure)
            continue
        met = value <= limit
        goals.append({"goal": what, "value": round(value, 4), "limit": limit,
                      "per_round": [round(x, 4) for x in rs], "met": met})
        lines.append(f"{figure}  {'met' if met else 'MISSED'}")
        if callable(why):
            why = why(run)
        if not met and why:
            lines.append(f"    why: {why}")


def compare(run, lines, clock):
    for what, a, b, f in COMPARED:
        rs = [r[a][f] / r[b][f] for r in by_round(run, [a, b]).values() if r[b][f]]
        if rs:
            lines.append(f"{what:60} {median(rs):8.3f} ({spread(rs, '{:.3f}')})  "
                         f"({a}: {run[a][f]:.0f}, {b}: {run[b][f]:.0f} "
                         f"{'faults/s' if f == 'faults_per_s' else UNIT[clock]})")


# The functions with a hook, and what each calls out of line when it fires.
HOOKS = [("arm_smmu_handle_evt", "__arm_smmu_fault_bpf_claim"),
         ("iommu_report_device_fault", "__iommu_fault_bpf_page_request"),
         ("report_iommu_fault", "__iommu_fault_bpf_unrecoverable")]


def static_key_nop(out, func, callee):
    """The jump-label NOPs of the hook in @func, if found."""
    try:
        dis = open(os.path.join(out, f"{func}.dis")).read()
        relocs = open(os.path.join(out, f"{func}.relocs")).readlines()
    except OSError:
        return None
    m = re.search(rf"^([0-9a-f]+) <{func}>:", dis, re.M)
    if not m:
        return None
    start = int(m.group(1), 16)
    insns = re.findall(r"^\s+([0-9a-f]+):\s+(\S+)", dis, re.M)
    end = int(insns[-1][0], 16) if insns else start
    # A jump-table entry is (code, target, key): its code and target
    # relocations against .text, then its key's.  Only the entries of the
    # subsystem's key count: a tracepoint in the function has its own.
    sites = set()
    section = None
    entry = []
    for line in relocs:
        if line.startswith("Relocation section"):
            section = line.split("'")[1]
            continue
        if section != ".rela__jump_table":
            continue
        r = re.search(r"R_AARCH64_PREL32\s+\S+\s+\.text\s*\+\s*([0-9a-f]+)", line)
        if r:
            entry.append(int(r.group(1), 16))
            continue
        k = re.search(r"R_AARCH64_PREL64\s+\S+\s+(\S+)", line)
        if k:
            if k.group(1) == "iommu_fault_bpf_active" and entry:
                sites.add(entry[0])
            entry = []
    nops = [int(a, 16) for a, op in insns
            if op == "nop" and int(a, 16) in sites and start <= int(a, 16) <= end]
    calls = re.findall(rf"R_AARCH64_(?:CALL|JUMP)26\s+{callee}\b", dis)
    return {"function": func, "function_insns": len(insns), "static_key_nops": len(nops),
            "nop_offsets": [hex(n - start) for n in nops],
            "calls_claim_out_of_line": bool(calls)}


# 42's spans (bench_clock.h, enum bench_stage); the floor shares the hop.
STAGES = ("record -> kept pending", "kept pending -> queue_work",
          "queue_work -> its work starts", "work starts -> sleepable op returned",
          "sleepable op returned -> resume issued")
HOP = 2


def stage_costs(defer):
    """42's stages (p50, median over rounds), and the same less the probes
    each holds: a whole one between two points, half of one for the first
    and the last (the clock's own probes are in 41 and 11 too).  The probe
    measured is the heaviest, the one at the work's start (the hop holds
    the halves of two like it); the others' stages come out low."""
    n = len(STAGES)
    d = [median(x["span_p50_ns"][k] for x in defer["runs"]) for k in range(n)]
    p = median(x.get("probe_ns", 0) for x in defer["runs"])
    less = [v - (p / 2 if k in (0, n - 1) else p) for k, v in enumerate(d)]
    return d, less, p


def stage_table(defer, stock, lines, clock):
    """41 stage by stage (its timed-by-stage run 42), against the floor:
    the stock answer (11) plus the same workqueue hop."""
    if not defer or not stock:
        return None
    d, less, p = stage_costs(defer)
    s = stock["p50_ns"]
    own = sum(less) - less[HOP]
    lines.append("")
    lines.append(f"scenario 4 against its floor, one fault at a time, stage by stage "
                 f"(42: {defer['faults']} faults, {len(STAGES) - 1} more probes each, "
                 f"{p:.0f} {UNIT[clock]} a probe (one more at the work's start); "
                 f"p50 {UNIT[clock]}, median over rounds):")
    lines.append(f"  {'stage':40}{'DEFER':>9}{'- probes':>10}{'floor':>9}"
                 "  (- probes: at least, but for the hop)")
    for k, name in enumerate(STAGES):
        floor = f"{less[k]:>9.0f}  (the floor's hop is DEFER's)" if k == HOP else ""
        lines.append(f"  {name:40}{d[k]:>9.0f}{less[k]:>10.0f}{floor}")
    lines.append(f"  {'all but the hop':40}{sum(d) - d[HOP]:>9.0f}{own:>10.0f}{s:>9.0f}  "
                 f"(floor: the stock answer, 11; DEFER - floor {own - s:+.0f})")
    if all("hop_same_cpu" in x for x in defer["runs"]):
        lines.append("  the hop by where the work ran, per round (records, p50): "
                     "the CPU that queued it / another")
        for x in defer["runs"]:
            lines.append(f"    round {x['round']}: hop {x['span_p50_ns'][HOP]}: "
                         f"{x['hop_same_cpu']}, {x['hop_same_cpu_p50_ns']} / "
                         f"{x['hop_other_cpu']}, {x['hop_other_cpu_p50_ns']}")
    return {"stages": list(STAGES), "defer_p50_ns": d, "less_probes_p50_ns": less,
            "probe_ns": p, "stock_p50_ns": s, "staged": defer["runs"][0]["staged"]}


def defer_why(run):
    """Why 41 misses 1.2 x its floor, from 42's stages less their probes."""
    if 42 not in run or 71 not in run or 11 not in run:
        return None
    _, less, _ = stage_costs(run[42])
    keep, sleep, answer = less[1], less[3], less[4]
    allowed = 0.2 * run[71]["p50_ns"]
    return (f"what the floor does not do (42, less its probes, so at least): keep "
            f"the fault and "
            f"queue its work {keep:.0f}, run the sleepable op {sleep:.0f} (the worker's "
            f"claim, the context, the sleepable trampoline and program), answer it "
            f"{answer:.0f}; the fast stage is {run[11]['p50_ns'] - less[0]:.0f} under the "
            f"stock answer.  The goal allows {allowed:.0f} (0.2 x 71): keeping the "
            f"fault and the sleepable op alone take {keep + sleep:.0f}")


def breakdown_table(spans, plain, marked, lines, clock):
    """8: a fast HANDLED split at bench_marks.h's points (83, spans of
    82's records), against the same verdict unmarked (81): 82 - 81 is what
    the probes at those points cost together."""
    if not spans or not plain or not marked:
        return None
    names = spans["spans"]
    p50 = [median(x["span_p50_ns"][k] for x in spans["runs"])
           for k in range(len(names))]
    probes = len(names) - 1
    cost = marked["p50_ns"] - plain["p50_ns"]
    u = UNIT[clock]
    lines.append("")
    lines.append(f"scenario 2's fast HANDLED, one fault at a time, split at {probes} "
                 f"marks (83, {spans['runs'][0]['staged']} faults; p50 {u}, "
                 "median over rounds):")
    for name, v in zip(names, p50):
        lines.append(f"  {name:40}{v:>9.0f}")
    lines.append(f"  {'all spans (82, marked)':40}{sum(p50):>9.0f}  "
                 f"(p50 of the whole: {marked['p50_ns']:.0f})")
    lines.append(f"  {'unmarked (81)':40}{plain['p50_ns']:>9.0f}  (the {probes} probes: "
                 f"{cost:.0f} in all, about {cost / probes:.0f} each; every span but "
                 "one holds about one)")
    return {"spans": names, "p50_ns": p50, "unmarked_p50_ns": plain["p50_ns"],
            "marked_p50_ns": marked["p50_ns"], "probes": probes,
            "probe_cost_ns": cost / probes}


def main():
    out = sys.argv[1]
    rows = load(out)
    agg = aggregate(rows)
    runs = {}
    for (s, cpus, clock), r in agg.items():
        if cpus in (None, 2):
            runs.setdefault(clock, {})[s] = r
    # Goals are judged on the deterministic run; without one (a run
    # before icount), on the wall-clock one.
    judged = "icount" if "icount" in runs else "wall"
    run = runs.get(judged, {})
    by_cpus = {}
    for (s, cpus, clock), r in agg.items():
        if clock == judged and s in (4, 41, 11, 71) and cpus is not None:
            by_cpus.setdefault(cpus, {})[s] = r

    lines = []
    goals = []
    for clock in ("icount", "wall"):
        if clock not in runs:
            continue
        scenario_table(runs[clock], clock, lines)
        lines.append("")
        if clock == judged:
            lines.append(f"goals (judged on the {clock} run; per round, then "
                         "median and spread):")
            judge_goals(runs[clock], lines, goals)
        else:
            lines.append(f"the same ratios on the {clock} run (not judged: "
                         "emulated time moves with the host's load):")
            judge_goals(runs[clock], lines)
        compare(runs[clock], lines, clock)
        lines.append("")
    stages = stage_table(run.get(42), run.get(11), lines, judged)
    breakdown = breakdown_table(run.get(83), run.get(81), run.get(82), lines, judged)
    for sc, what in ((6, "as fast as they go in"), (9, "at 100,000 faults/s")):
        t = run.get(10 * sc)
        if not t:
            continue
        exact = all(r["trace_events"] + r["trace_lost_reported"] == r["trace_expected"]
                    for r in t["runs"])
        lost0 = all(r["trace_lost_reported"] == 0 and r["trace_events"] == r["trace_expected"]
                    for r in t["runs"])
        met = exact or lost0
        goals.append({"goal": f"scenario {sc} loses no event, or reports how many",
                      "runs": [{k: r[k] for k in ("trace_events", "trace_expected",
                                                  "trace_lost_reported")} for r in t["runs"]],
                      "met": met, "lost_none": lost0})
        each = ", ".join(f"{r['trace_events']} + {r['trace_lost_reported']}"
                         for r in t["runs"])
        lines.append(f"{'scenario ' + str(sc) + ': trace events seen + lost, ' + what:60} "
                     f"{each} of {t['trace_expected']} each  "
                     f"{'met (exact count)' if met else 'MISSED'}"
                     f"{', none lost' if lost0 else ''}")
    size = next((r["pending_size"] for r in rows if "pending_size" in r), 0)
    met = 0 < size <= 256
    goals.append({"goal": "pending-fault memory <= 256 bytes", "bytes": size, "met": met})
    lines.append(f"{'pending fault: bytes each (goal <= 256)':60} {size}  "
                 f"{'met' if met else 'MISSED'}; default pool (4096): "
                 f"{size * 4096 // 1024} KiB")
    ts = next((r["ts_cost_ns"] for r in rows
               if "ts_cost_ns" in r and r.get("clock", "wall") == judged), 0)
    lines.append(f"{'clock read (bpf_ktime_get_ns), ' + UNIT[judged] + ' each':60} {ts}  "
                 f"(2 per fault in the figures, each in a probe)")
    hooks = []
    for func, callee in HOOKS:
        nop = static_key_nop(out, func, callee)
        if not nop:
            lines.append(f"{'hook in ' + func:60} (no disassembly)")
            continue
        hooks.append(nop)
        met = nop["static_key_nops"] >= 1 and nop["calls_claim_out_of_line"]
        goals.append({"goal": f"the hook in {func} is static-key NOPs with nothing attached",
                      "nops": nop["static_key_nops"], "met": met})
        lines.append(f"{'hook in ' + func:60} {nop['static_key_nops']} static-key NOP(s) "
                     f"at +{','.join(nop['nop_offsets']) or '?'}; {callee} "
                     f"{'out of line' if nop['calls_claim_out_of_line'] else 'NOT FOUND'}  "
                     f"{'met' if met else 'MISSED'}")
    lines.append("")
    u = UNIT[judged]
    lines.append(f"scenario 4 (DEFER) by guest CPUs, {judged} (all at once; one at a "
                 "time: 41, with its floor 71):")
    lines.append(f"  {'cpus':>4}{'rounds':>7}{'4: faults/s':>13}{'4: p50':>11}{'4: p99':>12}"
                 f"{'41: p50':>10}{'71: p50':>10}{'41: p99':>10}{'71: p99':>10}  ({u})")
    for cpus in sorted(by_cpus):
        c = by_cpus[cpus]
        d = c.get(4)
        if d:
            lines.append(f"  {cpus:>4}{d['rounds']:>7}{d['faults_per_s']:>13.0f}{d['p50_ns']:>11.0f}{d['p99_ns']:>12.0f}"
                         + "".join(f"{c.get(s, {}).get(f, 0):>10.0f}"
                                   for f in ("p50_ns", "p99_ns") for s in (41, 71)))
    print("\n".join(lines))

    rounds = max((r["rounds"] for r in run.values()), default=0)
    results = {"judged_on": judged, "rounds": rounds,
               "scenarios": {c: [r[s] for s in ORDER if s in r] for c, r in runs.items()},
               "trace": t,
               "by_cpus": {str(c): v for c, v in by_cpus.items()}, "goals": goals,
               "pending_size": size, "ts_cost": ts, "hooks": hooks,
               "stages": stages, "breakdown": breakdown,
               "count": next(iter(run.values())).get("faults") if run else 0}
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    with open(os.path.join(out, "plot.dat"), "w") as f:
        for x, s in enumerate(PLOTTED):
            r = run.get(s)
            if r:
                label = r["name"].replace('"', "'")
                f.write(f"{x} {r['faults_per_s']:.0f} {r['p50_ns']:.0f} {r['p99_ns']:.0f} "
                        f"\"{s}: {label}\"\n")
    gp = f"""set terminal png size 1200,560
set output '{out}/results.png'
set multiplot layout 1,2 title 'iommu-fault-bpf fault path (make bench, {judged})'
set style fill solid 0.6
set boxwidth 0.6
set xtics rotate by -35 left font ',9'
set bmargin 9
set ylabel 'faults per guest second'
set yrange [0:*]
plot '{out}/plot.dat' using 1:2:xtic(5) with boxes notitle
set ylabel 'latency, {UNIT[judged]} (log)'
set logscale y
set yrange [*:*]
plot '{out}/plot.dat' using ($1-0.15):3:xtic(5) with points pt 7 title 'p50', \\
     '' using ($1+0.15):4 with points pt 5 title 'p99'
unset multiplot
"""
    subprocess.run(["gnuplot"], input=gp, text=True, check=True)
    print(f"\nwrote {out}/results.json and {out}/results.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
