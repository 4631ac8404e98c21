#!/usr/bin/env python3
"""Run the README's doctest sections (tutorial, experiment, VMM demo) as written, as TAP.

Each section between "<!-- doctest: NAME -->" and "<!-- /doctest -->"
is one test: its ```sh blocks, concatenated in order, run with bash -e in
the top directory (a clean environment, as a new user's shell: HOME is a
fresh directory, no make variables inherited); then every line of its
```text blocks must appear in the output (within one output line,
whitespace runs being equal).

  run-readme.py [README]"""
import os
import re
import subprocess
import sys
import tempfile
import time

TOP = os.path.realpath(os.path.join(os.path.dirname(__file__), "..", ".."))


def sections(text):
    """[(name, [sh blocks], [expected lines])]"""
    out = []
    for m in re.finditer(r"<!-- doctest: (\S+) -->\n(.*?)<!-- /doctest -->",
                         text, re.S):
        body = m.group(2)
        sh = re.findall(r"^```sh\n(.*?)^```$", body, re.S | re.M)
        want = [line for block in
                re.findall(r"^```text\n(.*?)^```$", body, re.S | re.M)
                for line in block.splitlines() if line.strip()]
        out.append((m.group(1), sh, want))
    return out


def norm(s):
    return " ".join(s.split())


def missing_lines(output, want):
    lines = [norm(line) for line in output.splitlines()]
    return [w for w in want if not any(norm(w) in line for line in lines)]


def run(name, blocks, home):
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    env["HOME"] = home
    script = "set -e\n" + "".join(blocks)
    p = subprocess.run(["bash", "-c", script], cwd=TOP, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, errors="replace")
    return p.returncode, p.stdout


def main():
    readme = sys.argv[1] if len(sys.argv) > 1 else os.path.join(TOP, "README.md")
    with open(readme) as f:
        tests = sections(f.read())
    print("TAP version 13")
    if not tests:
        print("1..1\nnot ok 1 the README has no doctest sections")
        return 1
    print(f"1..{len(tests)}")
    failed = 0
    for i, (name, blocks, want) in enumerate(tests, 1):
        t0 = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="ifb-home-") as home:
            rc, out = run(name, blocks, home)
        secs = round(time.monotonic() - t0)
        log = os.path.join(TOP, "build", "test", f"readme-{name}.log")
        os.makedirs(os.path.dirname(log), exist_ok=True)
        with open(log, "w") as f:
            f.write(out)
        miss = missing_lines(out, want) if not rc else []
        if not blocks or not want:
            print(f"not ok {i} README {name}: no commands or no expected output")
            failed += 1
        elif rc or miss:
            print(f"not ok {i} README {name} runs as written ({secs} s)")
            if rc:
                print(f"# the commands exited with status {rc} (log: {log})")
            for w in miss:
                print(f"# expected output not seen: {w}")
            for line in out.splitlines()[-15:]:
                print(f"# | {line}")
            failed += 1
        else:
            print(f"ok {i} README {name} runs as written "
                  f"({len(want)} expected lines seen, {secs} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
