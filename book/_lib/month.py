"""A month of Klarna, run once by a command and read by the pages from a file.

Chapters 10 and 11 want the whole of December (2.5 million purchases, the
month's faults and operations from :func:`ch10_first.month_faults`) through
both systems.  The first system's month takes about 45 s of wall time and the
second's more; a page that ran them would cost minutes of CI twice over (the
build and the strict nbval re-run).  So the month is run by a command::

    .venv/bin/python -m book._lib.month        # from the repository's root

which runs :func:`ch10_first.run` and :func:`ch11_second.run` (in two
processes, side by side) over the whole
month (``day=1``, ``hours=744``, seed 1, the same schedule for both: the
same runs a page would make, nothing coarser) and writes their figures to
``book/_data/month.json``.  The pages only read that file.

Stale figures are the danger of a cached result, so the file carries the
SHA-256 of the code of the source files that produced it (:data:`SOURCES`:
the traffic model, the two systems and this module; comments and docstrings
do not count).  :func:`load` recomputes the hash
and raises :class:`StaleMonth`, naming the command, when any of them changed
since: a page can show the month only as the current code runs it.  (labrt
itself is not hashed: its tests pin its behaviour, and hashing it would make
every runtime refactoring invalidate the book.)

Besides each system's summary the file keeps the failed purchases per hour
of the month (744 numbers a system), which the ch11 plot draws and which lets
``tests/test_book_month.py`` check a fresh one-hour run against the same hour
inside the month; the wall time of each run and its simulated events (process
steps: each time a process of the world runs until it waits again, counted by
wrapping the simulated kernel's ``start`` and ``wake`` while the run lasts).
"""
from __future__ import annotations

import ast
import hashlib
import json
import os
import pathlib
import platform
import sys
import time

try:
    from . import ch10_first as c10
    from . import ch11_second as c11
except ImportError:                             # with book/_lib on sys.path (bench)
    import ch10_first as c10
    import ch11_second as c11

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE.parent / "_data" / "month.json"
SOURCES = ("klarna_traffic.py", "ch10_first.py", "ch11_second.py", "month.py")
COMMAND = ".venv/bin/python -m book._lib.month"
HOURS = 31 * 24
SEED = 1


class StaleMonth(RuntimeError):
    """The committed month was produced by other sources than the current ones."""


def _code(text):
    """A module's code without its comments, docstrings and layout (``ast.unparse``)."""
    tree = ast.parse(text)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)):
                node.body = body[1:] or [ast.Pass()]
    return ast.unparse(tree)


def source_hash(folder=HERE):
    """SHA-256 over the code of :data:`SOURCES` (name and code of each, in order).

    Comments, docstrings and line breaks do not count: rewording a module's
    essay does not make the month stale, changing a statement does."""
    h = hashlib.sha256()
    for name in SOURCES:
        h.update(name.encode() + b"\0")
        h.update(_code((pathlib.Path(folder) / name).read_text(encoding="utf-8")).encode())
        h.update(b"\0")
    return h.hexdigest()


class _Steps:
    """Counts process steps on the simulated kernel while it is active."""

    def __enter__(self):
        from labrt.kernel.sim import SimKernel   # only to count; nothing else uses it
        self.cls, self.n = SimKernel, 0
        self.saved = SimKernel.start, SimKernel.wake
        start, wake = self.saved

        def counting_start(k, p):
            self.n += 1
            start(k, p)

        def counting_wake(k, p, value):
            self.n += 1
            wake(k, p, value)
        SimKernel.start, SimKernel.wake = counting_start, counting_wake
        return self

    def __exit__(self, *exc):
        self.cls.start, self.cls.wake = self.saved


def failed_per_hour(r, hours):
    """Failed purchases by the hour they arrived in (``r.failed_at``: window seconds)."""
    bins = [0] * hours
    for t in r.failed_at:
        bins[min(hours - 1, int(t // c10.H))] += 1
    return bins


def describe(r, hours, wall, steps):
    """A run's summary, with the month's downtime against the 99.99 % budget."""
    s = r.summary()
    s["downtime_min"] = s["downtime_s"] / 60.0
    s["budget_min"] = c10.BUDGET_MIN
    s["budget_share"] = s["downtime_min"] / c10.BUDGET_MIN
    s["wall_s"] = wall
    s["events"] = steps
    s["events_per_s"] = steps / wall if wall else None
    s["books_lag_s"] = getattr(r, "books_lag_s", None)   # the second system's only
    s["failed_per_hour"] = failed_per_hour(r, hours)
    return s


def run_system(which, hours=HOURS, day=1, seed=SEED, total=2_500_000):
    """Run ``which`` ("first" or "second") over the window; return its description."""
    runner = c10.run if which == "first" else c11.run
    with _Steps() as steps:
        t0, c0 = time.perf_counter(), time.process_time()
        r = runner(hours=hours, day=day, schedule="month", seed=seed, total=total)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    s = describe(r, hours, wall, steps.n)
    s["cpu_s"] = cpu
    return s


def generate(path=DATA, log=print):
    """Run the month for both systems (side by side, two processes); write the JSON file."""
    out = {"command": COMMAND, "sources": list(SOURCES), "source_hash": source_hash(),
           "seed": SEED, "hours": HOURS, "schedule": "ch10_first.month_faults()",
           "python": platform.python_version(), "load_average": os.getloadavg()[0],
           "generated": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    log("running both systems' months, one process each ...")
    from concurrent.futures import ProcessPoolExecutor
    with ProcessPoolExecutor(2) as pool:
        results = list(pool.map(run_system, ("first", "second")))
    for which, s in zip(("first", "second"), results):
        log(f"  {which}: {s['wall_s']:.1f} s wall ({s['cpu_s']:.1f} s CPU), {s['events']:,} "
            f"process steps, {s['events_per_s']:,.0f}/s; {s['purchases']:,} purchases, "
            f"{s['failed']:,} failed, {s['downtime_min']:.2f} min down")
        out[which] = s
    if source_hash() != out["source_hash"]:
        raise StaleMonth("a source changed while the month ran: run it again")
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=1) + "\n")
    log(f"wrote {path}")
    return out


def load(path=DATA, folder=HERE):
    """The committed month; raises :class:`StaleMonth` if the sources (in ``folder``) changed."""
    path = pathlib.Path(path)
    if not path.exists():
        raise StaleMonth(f"{path.name} is missing: run `{COMMAND}` from the repository's root")
    data = json.loads(path.read_text())
    now = source_hash(folder)
    if data.get("source_hash") != now:
        raise StaleMonth(
            f"{path.name} was produced by other versions of {', '.join(SOURCES)} "
            f"(hash {str(data.get('source_hash'))[:12]}..., the current sources hash to "
            f"{now[:12]}...): run `{COMMAND}` from the repository's root (about two "
            "minutes) and commit the new file")
    return data


if __name__ == "__main__":
    generate(sys.argv[1] if len(sys.argv) > 1 else DATA)
