"""labrt.explore: every interleaving Erlang allows, explored (issue 11).

The default simulated kernel shows one schedule of a program: a spawned child
never runs before its parent's next statement, and a message is in the
mailbox the moment it is sent.  Erlang promises much less (signals between
one pair of processes arrive in order, and nothing else), so programs that
work in the book can fail on a real, multi-core or distributed BEAM.  This
package runs a scenario under many schedules, in the *schedule mode* of the
kernel (``_kernel.py``), where every runtime operation is a choice point and
every signal stays in transit until the explorer delivers it::

    from labrt.explore import explore

    result = explore(main, check=lambda run: run.result == "ok")
    print(result)            # a counterexample, shrunk and numbered, or the coverage
    result.draw()            # (a counterexample) the failing run as a diagram

``explore`` runs ``main`` (an ``async def``, as for ``labrt.run``) under
``runs`` schedules, either random ones biased toward few deviations from the
default schedule (``mode="random"``) or all of them, without repeating
equivalent ones (``mode="systematic"``).  A run fails when ``main`` does not
finish, ends abnormally, or the ``check`` fails (returns False or raises
AssertionError).  The first failing schedule is shrunk to the fewest
deviations that still fail.  ``outcomes(main)`` collects the set of results
over the whole space (the litmus tests use it).

Layout: ``_kernel.py`` (the schedule mode), ``_footprint.py`` (which
actions commute), ``_run.py`` (one run, its steps), ``_search.py`` (random,
bounded systematic, shrink), ``_dpor.py`` (the unbounded systematic
search), ``_report.py`` (what is handed back); ``litmus.py`` and
``examples.py`` hold scenarios for the tests and the chapters.  See notes/labrt-explore.md.
"""
from __future__ import annotations

import inspect

from ..kernel.values import format_reason

from . import _stacks
from ._kernel import ScheduleError
from ._report import Counterexample, Coverage, Schedule, replay, schedule_of
from ._run import Run, Step, execute
from ._dpor import dpor_search
from ._search import judge, random_search, shrink as _shrink, systematic_search

__all__ = ["explore", "outcomes", "replay", "Counterexample", "Coverage", "Run",
           "Schedule", "ScheduleError", "Step"]

MODES = ("random", "systematic")


def _validate(scenario, check, args, runs, seed, mode, max_preemptions, max_steps):
    if not callable(scenario):
        raise TypeError(f"explore needs a scenario function (an async def, as for "
                        f"labrt.run), got {scenario!r}")
    if check is not None and not callable(check):
        raise TypeError(f"check must be a function of the run (check(run) -> bool) "
                        f"or None, got {check!r}")
    if not isinstance(args, tuple):
        raise TypeError(f"args must be a tuple of the scenario's arguments, got {args!r}")
    if mode not in MODES:
        raise ValueError(f"mode must be 'random' or 'systematic', got {mode!r}")
    for name, v, low in (("runs", runs, 1), ("max_steps", max_steps, 1)):
        if isinstance(v, bool) or not isinstance(v, int) or v < low:
            raise ValueError(f"{name} must be a whole number >= {low}, got {v!r}")
    if max_preemptions is not None and (isinstance(max_preemptions, bool) or not
                                        isinstance(max_preemptions, int) or max_preemptions < 0):
        raise ValueError(f"max_preemptions must be None (no bound) or a whole number "
                         f">= 0, got {max_preemptions!r}")
    if not isinstance(seed, (int, str)) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int or a str, got {seed!r}")
    if inspect.isasyncgenfunction(scenario):
        raise TypeError("the scenario is an async generator; write it as a plain "
                        "async def function that returns its result")


@_stacks.session
def explore(scenario, check=None, *, args=(), runs=None, seed=0, mode="random",
            max_preemptions=None, max_steps=2000, timers="idle", crashes_ok=False,
            shrink=True, shrink_budget=2000):
    """Run ``scenario(*args)`` under many schedules; return the first failure or the coverage.

    scenario        -- an ``async def`` run as the first process (as ``labrt.run``)
    check           -- ``check(run)``: False or AssertionError means the run is wrong;
                       ``run.result`` is what the scenario returned (see :class:`Run`)
    runs            -- schedules to try (random: 1000; systematic: a cap, 20000)
    seed            -- the random mode's seed; the same seed gives the same runs
    mode            -- "random" (PCT-like: few deviations at random steps) or
                       "systematic" (every schedule, equivalent ones only once)
    max_preemptions -- the most deviations from the default schedule a run may
                       have (preemptions, delayed signals, reorderings); random
                       default 3, systematic default None (no bound)
    max_steps       -- a run longer than this is cut (and the space not covered)
    timers          -- "idle": a timer fires only when nothing else can happen
                       (as on the default kernel); "race": the earliest timer
                       may fire at any time (a timeout guesses wrong)
    crashes_ok      -- do not count a crash of a process other than the scenario
                       (an uncaught exception) as a failure
    shrink          -- shrink a failing schedule to the fewest deviations

    Returns a :class:`Counterexample` (``.found`` is True) or a :class:`Coverage`.
    """
    if runs is None:
        runs = 1000 if mode == "random" else 20000
    _validate(scenario, check, args, runs, seed, mode, max_preemptions, max_steps)
    job = _job(scenario, args, max_steps, timers)

    def verdict(run):
        return judge(run, check, crashes_ok)
    if mode == "random":
        bound = 3 if max_preemptions is None else max_preemptions
        n, run_seed, run, failure = random_search(job, verdict, runs, seed, bound)
        if run is None:
            return Coverage(n, False, "random", bound)
    else:
        bound = max_preemptions
        n, run, failure, tree, truncated, complete = _systematic(job, verdict, runs, bound)
        run_seed = None
        if run is None:
            return Coverage(n, complete and not tree.pruned and not truncated,
                            "systematic", bound, tree.pruned, truncated,
                            limit_hit=not complete)
    original = len(run.deviations)
    minimal, used = False, 0
    if shrink:
        run, failure, minimal, used = _shrink(job, verdict, run, shrink_budget)
    return Counterexample(failure, run, schedule_of(run, scenario, run_seed), n,
                          run_seed, original, minimal, used, mode, scenario, args)


def _systematic(job, verdict, runs, bound):
    """Source DPOR without a bound; sleep sets with one (see _dpor.py)."""
    if bound is None:
        return dpor_search(job, verdict, runs)
    return systematic_search(job, verdict, runs, bound)


def _job(scenario, args, max_steps, timers):
    if timers not in ("idle", "race"):
        raise ValueError(f"timers must be 'idle' or 'race', got {timers!r}")
    race = timers == "race"

    def job(choose):
        return execute(scenario, args, choose, max_steps, race)
    return job


class Outcomes(set):
    """The set of outcomes found, with the coverage that says whether it is all of them."""
    coverage: Coverage = None


@_stacks.session
def outcomes(scenario, key=None, *, args=(), runs=20000, max_preemptions=None,
             max_steps=2000, timers="idle"):
    """Every ``key(run)`` (default: the scenario's result) over the whole schedule space.

    A run that does not finish gives ``("never finished",)``; one that ends
    abnormally gives ``("abnormal", reason)`` (an exception as its text, e.g.
    ``"BadArg('...')"``, so that equal crashes count once).  ``.coverage`` says whether the
    space was covered.
    """
    _validate(scenario, None, args, runs, 0, "systematic", max_preemptions, max_steps)
    job = _job(scenario, args, max_steps, timers)
    found = Outcomes()

    def record(run):
        if run.truncated or run.stopped:
            return None
        if not run.finished:
            found.add(("never finished",))
        elif judge(run, None, crashes_ok=True) is not None:
            reason = run.reason
            if isinstance(reason, BaseException):   # one object per run: compare texts
                reason = format_reason(reason)
            found.add(("abnormal", reason))
        else:
            value = key(run) if key is not None else run.result
            try:
                found.add(value)
            except TypeError:
                raise TypeError(f"outcomes collects results in a set, so they must be "
                                f"hashable; the scenario gave {value!r}: return a "
                                "tuple instead of a list, or pass key=") from None
        return None
    n, _r, _f, tree, truncated, complete = _systematic(job, record, runs, max_preemptions)
    found.coverage = Coverage(n, complete and not tree.pruned and not truncated,
                              "systematic", max_preemptions, tree.pruned, truncated,
                              limit_hit=not complete)
    return found
