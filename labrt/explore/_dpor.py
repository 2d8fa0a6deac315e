"""Dynamic partial-order reduction: explore one schedule per class of equivalent ones.

Design
------
Two schedules are *equivalent* when one is the other with some adjacent
independent steps swapped (steps whose footprints are disjoint; see
``ScheduleKernel.footprint``): they reach the same state, so exploring both is
waste.  Sleep sets alone (``_search.systematic_search``) never finish two
equivalent runs, but they still start many runs that end "sleep-set
blocked", because at every state they try every enabled action.  *Source
DPOR* (Abdulla, Aronis, Jonsson and Sagonas, POPL 2014; the algorithm behind
Concuerror) tries an alternative at a state only where the run it has just
finished shows a *race*: two dependent steps of different actors that
nothing else orders, so that reversing them might give a new outcome.

The actors are the processes (their ``("run", n)`` steps) and the
sender-receiver pairs (their ``("deliver", s, r)`` steps): each has at most
one next step at a time, as the threads of the classic algorithm do.  After
each run we compute, for every step, the set of steps that *happen before*
it: the previous step of the same actor, every earlier dependent step, and
the step that enabled it (the one that posted the signal it delivers, or
spawned the process it runs), transitively.  For each race ``e`` < ``e'``
we take ``v``: the steps after ``e`` that do not happen after it, then
``e'``; if no actor that can start ``v`` is already in the backtrack set of
the state before ``e``, one is added.  The search then backtracks to the
deepest state with an actor left to try that is not asleep.

We analyse only the steps a run added beyond the prefix it replayed (the
prefix was analysed by the run that first took it).  A timer that fires
because the system went idle (timers="idle") is a barrier: every later step
happens after every earlier one, since the timer could not have fired
sooner.  Bounded search (``max_preemptions``) does not use this module: the
bound and the reduction do not mix soundly, so a bounded search uses sleep
sets and says it did not cover the whole space.
"""
from __future__ import annotations


class _Node:
    __slots__ = ("acts", "default", "fps", "sleep", "backtrack", "done", "chosen")

    def __init__(self, acts, default, fps, sleep):
        self.acts, self.default, self.fps, self.sleep = acts, default, fps, sleep
        self.backtrack, self.done, self.chosen = set(), set(), None


from ._footprint import dependent as _dep


class Dpor:
    """The search tree of one systematic exploration (state along the current path)."""

    def __init__(self):
        self.path: list[_Node] = []
        self.fresh = 0           # first step of the current run not replayed
        self.blocked = 0         # runs that ended with every action asleep
        self.pruned = 0          # (never: no bound) kept for the Coverage report

    def chooser(self):
        self.fresh = max(0, len(self.path) - 1)   # the changed step and after

        def choose(run, acts, default):
            i = len(run.steps)
            path = self.path
            if i < len(path):
                return path[i].chosen
            kernel = run.rt.kernel
            fps = {a: kernel.footprint(a) for a in acts}
            sleep = {}
            if path:
                parent = path[-1]
                t = parent.fps[parent.chosen]
                for a in parent.sleep.keys() | (parent.done - {parent.chosen}):
                    fp = parent.sleep.get(a) or parent.fps.get(a)
                    if a in fps and fp is not None and not _dep(fp, t):
                        sleep[a] = fp
            node = _Node(acts, default, fps, sleep)
            order = [default] + [a for a in acts if a != default]
            pick = next((a for a in order if a not in sleep), None)
            if pick is None:
                self.blocked += 1
                return None
            node.chosen = pick
            node.backtrack.add(pick)
            node.done.add(pick)
            path.append(node)
            return pick
        return choose

    def analyse(self, run):
        """Add to the backtrack sets the alternatives that the races of ``run`` call for."""
        steps, fps, enablers = run.steps, run.fps, run.enablers
        n = len(steps)
        past = [0] * n                  # bit k set: step k happens before (or is) this one
        last_of = {}
        barrier = 0                     # all steps before it happen before everything after
        barriers = set(run.barriers)
        for j in range(n):
            if j in barriers:
                barrier = (1 << j) - 1
            actor = steps[j].action
            preds = []
            prev = last_of.get(actor)
            if prev is not None:
                preds.append(prev)
            en = enablers[j]
            if en is not None:
                preds.append(en)
            racing = []
            fj = fps[j]
            for i in range(j):
                if i != prev and i != en and _dep(fps[i], fj):
                    preds.append(i)
                    if steps[i].action != actor:
                        racing.append(i)
            mask = (1 << j) | barrier
            for k in preds:
                mask |= past[k]
            past[j] = mask
            last_of[actor] = j
            if j < self.fresh:
                continue
            for i in racing:
                if barrier >> i & 1:
                    continue
                # a race only if nothing else orders i before j
                if any(k != i and past[k] >> i & 1 for k in preds):
                    continue
                self._reverse(i, j, steps, past)
        self._never_taken(steps, fps)

    def _never_taken(self, steps, fps):
        """An action that was possible but never happened (a timer that was
        cancelled, a process killed before its step) has no step to race with;
        so where it was possible beside a dependent step, try it first there."""
        path = self.path
        taken = {s.action for s in steps}
        last = {}
        for k, node in enumerate(path):
            for a in node.fps:
                if a not in taken:
                    last[a] = k
        for a, k in last.items():
            if k < self.fresh:
                continue
            for i in range(k, -1, -1):
                node = path[i]
                if a not in node.fps:
                    break
                if _dep(fps[i], node.fps[a]):
                    node.backtrack.add(a)
                    break

    def _reverse(self, i, j, steps, past):
        node = self.path[i] if i < len(self.path) else None
        if node is None:
            return
        v = [k for k in range(i + 1, j) if not past[k] >> i & 1] + [j]
        initials = []
        seen = 0
        for k in v:
            if not past[k] & seen:
                initials.append(steps[k].action)
            seen |= 1 << k
        initials = [a for a in initials if a in node.fps]
        if not initials:
            node.backtrack.update(node.acts)
            return
        if node.backtrack.intersection(initials):
            return
        want = steps[j].action
        node.backtrack.add(want if want in initials else initials[0])

    def backtrack(self) -> bool:
        """Move to the deepest state with an actor left to try; False when done."""
        path = self.path
        while path:
            node = path[-1]
            left = [a for a in node.acts
                    if a in node.backtrack and a not in node.done and a not in node.sleep]
            if left:
                node.chosen = left[0]
                node.done.add(left[0])
                return True
            path.pop()
        return False


def dpor_search(job, verdict, runs):
    """(runs done, failing run, failure, tree, truncated runs, complete)."""
    tree = Dpor()
    truncated = 0
    n = 0
    while n < runs:
        n += 1
        run = job(tree.chooser())
        truncated += run.truncated
        failure = verdict(run)
        if failure:
            return n, run, failure, tree, truncated, False
        tree.analyse(run)
        if not tree.backtrack():
            return n, None, None, tree, truncated, True
    return n, None, None, tree, truncated, False
