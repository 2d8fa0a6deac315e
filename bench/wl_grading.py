"""How long grading the workbook takes: every solution and every blank exercise.

    .venv/bin/python bench/wl_grading.py [--quick] [--jobs N]

An instructor grades a class with ``python -m labrt.grading grade FOLDER``; a
classroom CI job grades one push.  Both wait for the slowest notebook, so the
target is per notebook (issue 12: under 20 s for one notebook with its hidden
checks, under 3 minutes for the whole workbook), measured the way they run:
each notebook in its own sandboxed worker, public and hidden checks, one at a
time so that the per-notebook figure is that notebook's alone.

Two folders are graded: ``solutions/`` (every check runs to the end, the
slowest case: the reference solutions simulate every scenario a check asks
for) and ``exercises/`` (the blank notebooks: every task is "not done", so
this is the floor: starting the sandbox and the worker, running the given
cells).  The grading command's own timer gives each notebook's wall time.

The figures are a table written into bench/results.md by bench/extras.py.
``--quick`` grades two notebooks of each folder (a smoke run).  The script
exits non-zero when a grade is not what the folder should get (full marks,
or zero), so a figure never comes from a broken run; it does not fail on
time: a target that is missed shows as "over" in the table.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PER_NOTEBOOK = 20.0         # seconds, one notebook with its hidden checks
WHOLE = 180.0               # seconds, the whole workbook, one folder
QUICK = ("ch02-functional", "ch06-behaviours")


def grade_folder(folder: Path, jobs: int) -> tuple[list, float]:
    """Grade ``folder`` as a class's submissions; (submissions, wall seconds)."""
    from labrt.grading import grade as g
    start = time.monotonic()
    subs = g.grade(folder, ROOT / "exercises", ROOT / "instructor" / "hidden", jobs=jobs,
                   include_hidden=True, use_sandbox=_sandbox_ok(),
                   secrets_=[ROOT / "solutions", ROOT / "instructor"])
    return subs, time.monotonic() - start


def _sandbox_ok() -> bool:
    from labrt.grading.sandbox import problem
    why = problem()
    if why:
        print(f"note: grading without the sandbox ({why})", file=sys.stderr)
    return not why


def _copy(folder: str, names, into: Path) -> Path:
    """The notebooks of ``folder`` (all, or those in ``names``) copied under ``into``."""
    out = into / folder
    out.mkdir()
    for path in sorted((ROOT / folder).glob("ch*.ipynb")):
        if names is None or path.stem in names:
            shutil.copyfile(path, out / path.name)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help=f"only {', '.join(QUICK)}")
    p.add_argument("--jobs", type=int, default=1,
                   help="notebooks graded at once (default 1: each figure is one notebook's)")
    args = p.parse_args(argv)
    names = QUICK if args.quick else None
    rows, totals, wrong = {}, {}, []
    with tempfile.TemporaryDirectory(prefix="labrt-bench-grade-") as tmp:
        for folder in ("solutions", "exercises"):
            subs, wall = grade_folder(_copy(folder, names, Path(tmp)), args.jobs)
            totals[folder] = wall
            for sub in subs:
                rows.setdefault(sub.notebook or sub.path, {})[folder] = sub
                want = sub.max_points if folder == "solutions" else 0
                if not sub.tasks or sub.points != want:     # (no tasks: not graded)
                    wrong.append(f"{folder}/{sub.path}: {sub.points}/{sub.max_points} "
                                 f"{sub.error or ''}".strip())
    if wrong:
        print("ERROR: grades not as expected (solutions get full marks, exercises zero):\n"
              + "\n".join(wrong))
        return 1

    def cell(sub):
        if sub is None:
            return "-"
        over = " (over)" if sub.seconds > PER_NOTEBOOK else ""
        return f"{sub.seconds:.1f} s{over}"

    print("| notebook | solution (all checks pass) | exercise (nothing done) |")
    print("|---|---:|---:|")
    for name in sorted(rows):
        r = rows[name]
        print(f"| {name} | {cell(r.get('solutions'))} | {cell(r.get('exercises'))} |")
    slowest = max(s.seconds for r in rows.values() for s in r.values())
    print(f"| **whole folder, {args.jobs} at a time** | **{totals['solutions']:.1f} s** | "
          f"**{totals['exercises']:.1f} s** |")
    verdict = "met" if slowest < PER_NOTEBOOK and max(totals.values()) < WHOLE else "MISSED"
    print(f"\nTargets: one notebook under {PER_NOTEBOOK:g} s (slowest here "
          f"{slowest:.1f} s), a whole folder under {WHOLE:g} s: {verdict}. "
          f"Load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
