"""Searching the schedules of a scenario: random, systematic, and shrinking.

Design
------
A search gets a *job*: a function ``job(choose) -> Run`` that runs the
scenario once under a chooser (``_run.execute`` with the scenario and its
settings bound).  Every search here is *stateless*: Python cannot snapshot a
running program, so to try another branch the scenario is run again from the
start with the same choices up to the branch point (as Concuerror does).  A
search is therefore nothing but a way to pick the next choice list.

**Random** (``random_search``): most concurrency bugs need only one or two
unusual choices at the right moment (the observation behind PCT, Burckhardt
et al., 2010).  Run 0 is the default schedule.  Run *i* draws, from its own
seed, a number *k* of change points (1 to ``max_preemptions``) among the
steps of the default schedule, and takes a random other action at each; the
action it passed over is demoted from then on (see ``_run.py``), so one
change point can keep a message in transit while everything else goes on.
The seed of run *i* is derived from the user's seed and *i*, so the same
seed gives the same runs in the same order.

**Bounded systematic** (``systematic_search``): a depth-first search over
all choice lists with at most ``max_preemptions`` deviations, with *sleep
sets* (Godefroid, 1996) so that two schedules which only swap independent
actions (see ``_footprint.py``) are not both run to the end.  It says how
many branches the bound cut and never claims the whole space when it cut
any.  (Without a bound ``explore`` uses source DPOR instead: ``_dpor.py``;
this search without a bound and without sleep sets is plain enumeration,
which the tests use to check the reductions.)

**Shrinking** (``shrink``): a failing schedule is first reduced greedily,
dropping one deviation at a time while the run still fails (later
deviations are matched by step number; one that no longer fits is left
out), and then a bounded search without sleep sets tries every schedule
with fewer deviations than that, fewest first, within a budget of runs.  If
the budget suffices, the result is proved minimal; everything is
deterministic.
"""
from __future__ import annotations

import random
import re

from ._kernel import ScheduleError
from ._footprint import dependent
from ._run import normal


_WHERE = re.compile(r" in \S+ \([^()]*, line \d+\)$")   # where: varies with the source


def judge(run, check, crashes_ok=False):
    """Why this run fails, or None.  A run stopped early is not judged.

    A run fails when the scenario never finishes or ends abnormally, when a
    process crashed (died of an exception: a crash report) unless
    ``crashes_ok``, and when the check returns False or raises AssertionError.
    """
    if run.truncated or run.stopped:
        return None
    if run.reports and not crashes_ok:        # the first crash is the likely cause
        text = run.reports[0].split("process ", 1)[-1]
        return "a process crashed: " + _WHERE.sub("", text)
    if not run.finished:
        return "the scenario never finished: " + run.deadlock
    if not normal(run.reason):
        from ..kernel.values import format_reason
        return f"the scenario ended abnormally: {format_reason(run.reason)}"
    if check is None:
        return None
    try:
        ok = check(run)
    except AssertionError as e:
        return f"the check failed: {e}" if str(e) else "the check failed (assert)"
    if ok is False:
        return "the check returned False"
    if ok is not None and ok is not True:
        raise TypeError(f"a check must return True, False or None (or raise "
                        f"AssertionError); it returned {ok!r}")
    return None


def default_chooser(run, acts, default):
    return default


def pct_chooser(run_seed, horizon, max_dev):
    """Default choices, except at k random steps (k from 1 to max_dev)."""
    rng = random.Random(f"labrt.explore/{run_seed}")
    k = rng.randint(1, max_dev)
    points = set(rng.sample(range(max(horizon, k)), k))

    def choose(run, acts, default):
        if len(run.steps) in points and len(acts) > 1:
            return rng.choice([a for a in acts if a != default])
        return default
    return choose


def random_search(job, verdict, runs, seed, max_dev):
    """(index, run seed, run, failure) of the first failing run, or (runs, None...)."""
    horizon = None
    if max_dev == 0:
        runs = 1                 # every run would be the default schedule
    for i in range(runs):
        run_seed = f"{seed}:{i}"
        if i == 0 or max_dev == 0:
            choose = default_chooser
        else:
            choose = pct_chooser(run_seed, horizon, max_dev)
        run = job(choose)
        if horizon is None:
            horizon = max(1, len(run.steps))
        failure = verdict(run)
        if failure:
            return i + 1, run_seed, run, failure
    return runs, None, None, None


# ---------------------------------------------------------------------------
# Systematic search with sleep sets

class _Node:
    """One choice point of the search tree (kept along the current path)."""
    __slots__ = ("acts", "default", "fps", "sleep", "done", "chosen", "devs")

    def __init__(self, acts, default, fps, sleep, devs):
        self.acts, self.default, self.fps = acts, default, fps
        self.sleep, self.devs = sleep, devs
        self.done, self.chosen = set(), None


def _independent(a, b):
    return not dependent(a, b)


class _Tree:
    def __init__(self, bound, use_sleep):
        self.path: list[_Node] = []
        self.bound = bound
        self.use_sleep = use_sleep
        self.pruned = 0          # branches skipped because of the bound
        self.blocked = 0         # runs stopped because everything left was asleep

    def _order(self, node):
        return [node.default] + [a for a in node.acts if a != node.default]

    def _pick(self, node):
        for a in self._order(node):
            if a in node.done or a in node.sleep:
                continue
            if self.bound is not None and node.devs + (a != node.default) > self.bound:
                continue
            return a
        return None

    def _count_pruned(self, node):
        if self.bound is None:
            return
        self.pruned += sum(1 for a in node.acts if a not in node.done
                           and a not in node.sleep
                           and node.devs + (a != node.default) > self.bound)

    def chooser(self):
        depth = [0]

        def choose(run, acts, default):
            i = depth[0]
            depth[0] += 1
            path = self.path
            if i < len(path):
                return path[i].chosen              # replaying the prefix
            kernel = run.rt.kernel
            fps = {a: kernel.footprint(a) for a in acts} if self.use_sleep else {}
            sleep = {}
            devs = 0
            if path:
                parent = path[-1]
                devs = parent.devs + (parent.chosen != parent.default)
                if self.use_sleep:
                    t = parent.fps[parent.chosen]
                    earlier = {a: parent.fps[a] for a in parent.done if a != parent.chosen}
                    for a, fp in {**parent.sleep, **earlier}.items():
                        if a in fps and _independent(fp, t):
                            sleep[a] = fp
            node = _Node(acts, default, fps, sleep, devs)
            a = self._pick(node)
            if a is None:
                self._count_pruned(node)
                if not any(x not in sleep for x in acts):
                    self.blocked += 1
                return None
            node.chosen = a
            node.done.add(a)
            path.append(node)
            return a
        return choose

    def backtrack(self) -> bool:
        """Move to the next unexplored branch; False when the tree is done."""
        path = self.path
        while path:
            node = path[-1]
            a = self._pick(node)
            if a is not None:
                node.chosen = a
                node.done.add(a)
                return True
            self._count_pruned(node)
            path.pop()
        return False


def systematic_search(job, verdict, runs, bound, use_sleep=True):
    """(runs done, run, failure, tree, truncated runs, complete).

    ``verdict(run)`` says why a run fails, or None (outcomes() passes one that
    records every run and never fails)."""
    tree = _Tree(bound, use_sleep)
    truncated = 0
    n = 0
    while n < runs:
        n += 1
        run = job(tree.chooser())
        truncated += run.truncated
        failure = verdict(run)
        if failure:
            return n, run, failure, tree, truncated, False
        if not tree.backtrack():
            return n, None, None, tree, truncated, True
    return n, None, None, tree, truncated, False


# ---------------------------------------------------------------------------
# Shrinking

def _with_deviations(devs):
    """Default choices, except the given {step number: action} where possible."""
    def choose(run, acts, default):
        a = devs.get(len(run.steps))
        return a if a in acts else default
    return choose


def shrink(job, verdict, run, budget=2000):
    """(smallest failing run found, failure, proved minimal, runs used)."""
    failure = verdict(run)
    if not failure:
        raise ScheduleError("shrink needs a failing run; this one passes")
    used = 0
    best = run
    changed = True
    while changed:
        changed = False
        devs = {s.index: s.action for s in best.deviations}
        for i in sorted(devs, reverse=True):
            cand = {k: v for k, v in devs.items() if k != i}
            r = job(_with_deviations(cand))
            used += 1
            f = verdict(r)
            if f and len(r.deviations) < len(best.deviations):
                best, failure, changed = r, f, True
                break
    # Any failing schedule with fewer deviations?  Fewest first.
    k = len(best.deviations)
    for bound in range(k):
        left = budget - used
        if left <= 0:
            return best, failure, False, used
        n, r, f, _tree, _t, complete = systematic_search(
            job, verdict, left, bound, use_sleep=False)
        used += n
        if r is not None:
            return r, f, True, used
        if not complete:
            return best, failure, False, used
    return best, failure, True, used
