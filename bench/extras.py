"""The store's, the checker's and the grader's figures (issues 13, 12), in bench/results.md.

    .venv/bin/python bench/extras.py [--quick]

The registry in bench/run.py measures systems x metrics of the runtime (messages,
spawns, calls); the store, the linearizability checker and the grading command are none of
those, so they have scripts of their own that print their figures:
bench/wl_store.py, bench/check_bench.py and bench/wl_grading.py. This one runs
them, each in a fresh interpreter (so none inherits another's heap), and writes what they printed into results.md between two
marker lines, replacing what an earlier run wrote there and leaving the rest of the
file alone. `bench/run.py` calls it at the end of a full run, after it has rewritten
results.md, so `make bench` stays one command; run it alone to refresh only these
figures.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BEGIN = "<!-- store and checker figures: written by bench/extras.py -->"
END = "<!-- end of bench/extras.py -->"

SCRIPTS = [
    ("The store (`labrt.store`, simulated kernel)", "wl_store.py",
     "Each line from `bench/wl_store.py`: wall-clock time of sequential write transactions "
     "from one client on the first node, dirty writes to one RAM copy, and the time a node "
     "takes to load its table again from a synced log after a crash."),
    ("The linearizability checker (`labrt.check`)", "check_bench.py",
     "From `bench/check_bench.py`: histories from `bench/wl_check.py` (a simulated concurrent "
     "register or key-value map with random overlaps and timeouts), linearizable ones and ones "
     "with injected stale reads; each figure is the median of the check alone. Targets "
     "(issue 13): 1,000 operations of 5 clients on one register in under 1 s; 10,000 "
     "operations over 100 keys in under 5 s."),
    ("Grading the workbook (`python -m labrt.grading grade`)", "wl_grading.py",
     "From `bench/wl_grading.py`: `solutions/` and `exercises/` graded as a class's "
     "submissions, in the bubblewrap sandbox, public and hidden checks, one notebook at a "
     "time; each figure is the grading command's wall time for that notebook. Targets "
     "(issue 12): one notebook under 20 s, a whole folder under 3 minutes."),
]


def run_script(name: str, quick: bool, timeout: float) -> tuple[str, float]:
    """Run one script; return what it printed (or why it failed) and its wall time."""
    cmd = [sys.executable, str(HERE / name)] + (["--quick"] if quick else [])
    t0 = time.perf_counter()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              cwd=HERE.parent)
    except subprocess.TimeoutExpired:
        return f"ERROR: {name} was still running after {timeout:.0f} s", timeout
    took = time.perf_counter() - t0
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        return f"ERROR: {name} exited with {done.returncode}:\n{tail}", took
    return done.stdout.strip(), took


def section(quick: bool, timeout: float) -> str:
    """The Markdown between the markers, with every script's output."""
    load = os.getloadavg()[0]
    lines = [BEGIN, "", f"Load average when these scripts started: {load:.1f} on "
             f"{os.cpu_count()} cores (above the core count, every figure here is pessimistic)."]
    for title, name, how in SCRIPTS:
        out, took = run_script(name, quick, timeout)
        lines += ["", f"## {title}", "", how + f" ({took:.0f} s for the script"
                  + (", quick sizes" if quick else "") + ")", ""]
        if out.startswith("|"):                     # a table: keep it a table
            lines += out.splitlines()
        else:
            lines += [f"- {line}" if line and not line.startswith("ERROR") else line
                      for line in out.splitlines()]
    lines += ["", END]
    return "\n".join(lines) + "\n"


def write_into(results_md: Path, text: str) -> None:
    """Replace the marked section of results.md with ``text`` (or append it)."""
    old = results_md.read_text() if results_md.exists() else ""
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        new = head + text + ("\n" + tail if tail else "")
    else:
        new = old.rstrip("\n") + "\n\n" + text
    results_md.write_text(new)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="the scripts' small sizes")
    p.add_argument("--no-write", action="store_true", help="print only")
    p.add_argument("--out", default=str(HERE), help="folder holding results.md")
    p.add_argument("--timeout", type=float, default=600, help="seconds allowed per script")
    args = p.parse_args(argv)
    text = section(args.quick, args.timeout)
    print(text)
    if not args.no_write:
        target = Path(args.out) / "results.md"
        write_into(target, text)
        print(f"wrote the store, checker and grading figures into {target}")
    return 1 if "ERROR:" in text else 0


if __name__ == "__main__":
    sys.exit(main())
