"""A month of Klarna, run once by a command and read by the pages from a file.

Chapters 10 and 11 want the whole of December (2.5 million purchases, the
month's faults and operations from :func:`ch10_first.month_faults`) through
both systems.  A page that ran them would cost minutes of CI twice over (the
build and the strict nbval re-run), so the month is run by a command::

    .venv/bin/python -m book._lib.month        # from the repository's root

which runs :func:`ch10_first.run` and :func:`ch11_second.run` over the whole
month (``day=1``, ``hours=744``, seed 1, the same schedule for both) and
writes their figures to ``book/_data/month.json``.  The pages only read that
file.

The mode
--------
At full fidelity (every purchase a request through the system) each
system's month takes well over a minute of CPU time on the course's machine,
over issue 15's 60 s.  So the month runs in the mode :data:`FIDELITY`,
``"quiet-sampled"`` (:mod:`fidelity`): every hour with a fault or an
operation in it or in the hour before, and the whole peak day, at full
fidelity, one purchase in ten through the system in the other hours.  The
file records the mode, ``sample_k`` and each system's ``sampled_share``.

The same command also validates that choice, in the same two processes: it
runs the month at full fidelity too, and :data:`VALIDATION_DAYS` (quiet
days) both ways, and keeps their figures and :func:`differences` under
``"validation"``; that is where the chapters' statement of how close the
sampled month comes to the full one is read from.  The whole command takes
a few minutes (``--no-validate`` skips the validation; ``--fidelity full``
runs the month itself at full fidelity).

Stale figures are the danger of a cached result, so the file carries the
SHA-256 of the code of the source files that produced it (:data:`SOURCES`:
the traffic model, the sampling, the two systems and this module; comments
and docstrings do not count).  :func:`load` recomputes the hash
and raises :class:`StaleMonth`, naming the command, when any of them changed
since: a page can show the month only as the current code runs it.  (labrt
itself is not hashed: its tests pin its behaviour, and hashing it would make
every runtime refactoring invalidate the book.)

Besides each system's summary the file keeps the failed purchases per hour
of the month (744 numbers a system), which the ch11 plot draws and which lets
``tests/test_book_month.py`` check a fresh window against the same hours
inside the month; the wall and CPU time of each run and its simulated events
(process steps: each time a process of the world runs until it waits again,
counted by wrapping the simulated kernel's ``start`` and ``wake`` while the
run lasts).
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
    from . import fidelity as fid
except ImportError:                             # with book/_lib on sys.path (bench)
    import ch10_first as c10
    import ch11_second as c11
    import fidelity as fid

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE.parent / "_data" / "month.json"
SOURCES = ("klarna_traffic.py", "fidelity.py", "ch10_first.py", "ch11_second.py", "month.py")
COMMAND = ".venv/bin/python -m book._lib.month"
HOURS = 31 * 24
SEED = 1
#: How the month is run: "full" (every purchase through the system) or
#: "quiet-sampled" (see :mod:`fidelity`).
FIDELITY = fid.QUIET_SAMPLED
#: Quiet days (no fault or operation of the month's) run both ways to validate the sampling.
VALIDATION_DAYS = (2, 8, 14, 27)
#: The figures compared between the modes.
FIGURES = ("purchases", "decided", "failed", "lost", "duplicated", "p50_s", "p99_s",
           "availability", "downtime_s")


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
    """Failed purchases by the hour they arrived in (weighted in sampled hours)."""
    bins = list(r.failed_per_hour[:hours])
    return bins + [0] * (hours - len(bins))


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
    s["fidelity"] = r.fidelity
    s["sampled_share"] = r.sampled_share
    s["quiet_hours"] = len(r.quiet)
    return s


def run_system(which, hours=HOURS, day=1, seed=SEED, total=2_500_000, fidelity=FIDELITY):
    """Run ``which`` ("first" or "second") over the window; return its description."""
    runner = c10.run if which == "first" else c11.run
    with _Steps() as steps:
        t0, c0 = time.perf_counter(), time.process_time()
        r = runner(hours=hours, day=day, schedule="month", seed=seed, total=total,
                   fidelity=fidelity)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    s = describe(r, hours, wall, steps.n)
    s["cpu_s"] = cpu
    s["events_per_cpu_s"] = steps.n / cpu if cpu else None
    return s


def _job(args):
    which, fidelity, day, hours = args
    return run_system(which, hours=hours, day=day, fidelity=fidelity)


def _brief(s):
    """The figures of a description that a comparison needs (no per-hour list)."""
    keep = ("purchases", "decided", "failed", "lost", "duplicated", "p50_s", "p99_s",
            "availability", "downtime_s", "books_lag_s", "fidelity", "sampled_share",
            "wall_s", "cpu_s", "events")
    return {k: s.get(k) for k in keep}


def differences(a, b, keys=FIGURES):
    """``{key: (a's, b's)}`` for the figures (and failed per hour) in which two runs differ."""
    out = {k: (a[k], b[k]) for k in keys if a.get(k) != b.get(k)}
    if "failed_per_hour" in a and "failed_per_hour" in b:
        hours = [h for h, (x, y) in enumerate(zip(a["failed_per_hour"], b["failed_per_hour"]))
                 if x != y]
        if hours:
            out["failed_per_hour"] = hours
    return out


def generate(path=DATA, log=print, fidelity=FIDELITY, validate=True):
    """Run the month for both systems (two processes); write the JSON file.

    With ``validate`` and a sampled ``fidelity``, the same processes also run
    the month at full fidelity and :data:`VALIDATION_DAYS` in both modes, and
    the file keeps those figures under ``"validation"``: what the chapters
    say about how close the sampled month is to the full one comes from there.
    """
    out = {"command": COMMAND, "sources": list(SOURCES), "source_hash": source_hash(),
           "seed": SEED, "hours": HOURS, "schedule": "ch10_first.month_faults()",
           "fidelity": fidelity, "sample_k": fid.K if fidelity == fid.QUIET_SAMPLED else 1,
           "python": platform.python_version(), "load_average": os.getloadavg()[0],
           "generated": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    jobs = [(w, fidelity, 1, HOURS) for w in ("second", "first")]
    check = validate and fidelity != fid.FULL
    if check:
        jobs = ([(w, fid.FULL, 1, HOURS) for w in ("second", "first")] + jobs
                + [(w, f, d, 24) for w in ("second", "first") for d in VALIDATION_DAYS
                   for f in (fid.FULL, fidelity)])
    log(f"running both systems' months ({fidelity}{', and the validation runs' if check else ''})"
        ", two processes ...")
    from concurrent.futures import ProcessPoolExecutor
    with ProcessPoolExecutor(2) as pool:
        results = dict(zip(jobs, pool.map(_job, jobs)))
    for which in ("first", "second"):
        s = out[which] = results[(which, fidelity, 1, HOURS)]
        log(f"  {which}: {s['wall_s']:.1f} s wall ({s['cpu_s']:.1f} s CPU), {s['events']:,} "
            f"process steps, {s['events_per_s']:,.0f}/s; {s['purchases']:,} purchases "
            f"({100 * s['sampled_share']:.1f} % simulated), "
            f"{s['failed']:,} failed, {s['downtime_min']:.2f} min down")
    if check:
        v = out["validation"] = {"month": {}, "days": []}
        for which in ("first", "second"):
            full = results[(which, fid.FULL, 1, HOURS)]
            v["month"][which] = dict(_brief(full), failed_per_hour=full["failed_per_hour"],
                                     differences=differences(full, out[which]))
            log(f"  {which} at full fidelity: {full['cpu_s']:.1f} s CPU; differences: "
                f"{v['month'][which]['differences'] or 'none'}")
            for d in VALIDATION_DAYS:
                a, b = results[(which, fid.FULL, d, 24)], results[(which, fidelity, d, 24)]
                v["days"].append({"system": which, "day": d, "full": _brief(a),
                                  "sampled": _brief(b), "differences": differences(a, b)})
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
            f"{now[:12]}...): run `{COMMAND}` from the repository's root (a few "
            "minutes, with the validation runs) and commit the new file")
    return data


if __name__ == "__main__":
    import argparse
    ap = argparse.ArgumentParser(description="Run the month through both systems.")
    ap.add_argument("path", nargs="?", default=str(DATA))
    ap.add_argument("--fidelity", choices=fid.FIDELITIES, default=FIDELITY)
    ap.add_argument("--no-validate", action="store_true",
                    help="skip the full-fidelity month and days that validate the sampling")
    a = ap.parse_args()
    generate(a.path, fidelity=a.fidelity, validate=not a.no_validate)
