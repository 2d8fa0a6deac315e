"""The shortest violating sub-history: a small, exact piece of evidence.

A checker that answers "not linearizable" about 1,000 operations has told a
student almost nothing. What helps is the few operations that cannot be
reconciled, drawn on a timeline. This module cuts a failing history down in
two steps, both deterministic, so the same history always gives the same
evidence.

**1. The shortest failing prefix.** Cut the history after its first k events
(operations still open at the cut count as of unknown outcome). Whether such
a prefix is linearizable can only go from yes to no as k grows: every event
adds a constraint and takes none away. So there is a first event after which
the history cannot be explained, found by binary search; it is always the
completion of an operation, and that operation is the *culprit*: the read
that saw what it could not have seen. Nothing after that moment is evidence.

**2. A 1-minimal subset of that prefix.** Then drop operations while the
rest still fails. Dropping is not monotone (drop the write a read saw, and
the read becomes impossible for a different reason), so the result is
*1-minimal*: removing any single remaining operation makes it linearizable.
A smallest such subset overall would take exponential time to find; a
1-minimal one is what delta debugging gives, and in practice it is the
handful of operations a person would pick.

One refinement keeps the evidence honest. A read of 3 with every write of 3
removed is non-linearizable too, and tiny, but it tells the wrong story ("3
came from nowhere") when the real story is "3 was overwritten by 5 before
the read began". So if the culprit's result is *stale*, possible had it run
at some other time (the prefix becomes linearizable when the culprit alone
is released from its real-time bounds), the shrinking keeps that true: every
candidate must fail as recorded and pass with the culprit released. The
evidence then shows where the value came from and what overwrote it. If the
result is impossible at any time, only the first condition is kept.

Candidates are tried in a fixed order: read-only operations before the
others, each group from the earliest invocation; first in halves, quarters
and so on (as delta debugging does; reads are usually irrelevant and go in
large chunks), then one at a time until a whole pass removes nothing.
"""
from __future__ import annotations

from .history import History
from .linear import decide
from .models import Model


def shortest_prefix(history: History, model: Model, budget: int | None = None) -> int:
    """The number of events in the shortest non-linearizable prefix of a
    non-linearizable (already partitioned) history."""
    lo, hi = 0, len(history.events())       # prefix(lo) passes, prefix(hi) fails
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if decide(history.prefix(mid), model, budget=budget):
            lo = mid
        else:
            hi = mid
    return hi


def shortest_violation(history: History, model: Model,
                       budget: int | None = None) -> tuple[History, int, bool]:
    """``(violation, culprit, stale)`` for a non-linearizable history (one part).

    ``violation`` is a 1-minimal non-linearizable subset of the shortest
    failing prefix, ``culprit`` the id in it of the operation whose
    completion makes the prefix fail, ``stale`` whether its result would be
    possible at another time. ``budget`` bounds each search (see ``check``).
    """
    n = shortest_prefix(history, model, budget)
    prefix = history.prefix(n)
    _, culprit_op = prefix.events()[n - 1]
    culprit = culprit_op.id
    stale = culprit_op.status == "ok" and decide(prefix, model, culprit, budget)

    def still_fails(ids: list[int]) -> bool:
        sub = prefix.subset(sorted(ids + [culprit]))
        c = sub.origin.index(culprit)
        if decide(sub, model, budget=budget):
            return False
        return not stale or decide(sub, model, c, budget)

    # Failed operations and uncertain read-only ones never constrain anything.
    useful = [op for op in prefix if op.id != culprit and op.status != "fail"
              and not (op.uncertain and model.read_only(op))]
    if culprit_op.status == "fail":
        useful = [op for op in prefix if op.id != culprit]   # the failure is the point
    reads = [op.id for op in useful if model.read_only(op)]
    others = [op.id for op in useful if not model.read_only(op)]
    keep = _ddmin(reads + others, still_fails)
    violation = prefix.subset(sorted(keep + [culprit]))
    return violation, violation.origin.index(culprit), stale


def _ddmin(candidates: list[int], still_fails) -> list[int]:
    """Remove chunks of ``candidates`` (halves, quarters, ..., single ones)
    while ``still_fails``; end with passes of single removals until none
    succeeds, so the result is 1-minimal."""
    keep = list(candidates)
    chunk = max(1, len(keep) // 2)
    while True:
        removed = False
        i = 0
        while i < len(keep):
            trial = keep[:i] + keep[i + chunk:]
            if still_fails(trial):
                keep, removed = trial, True
            else:
                i += chunk
        if chunk > 1:
            chunk = max(1, chunk // 2)
        elif not removed:
            return keep
