"""Is this history linearizable? The search of Wing & Gong, as Lowe improved it.

A history is linearizable if its operations can be put in one order that
(1) respects real time: if A completed before B was invoked, A comes first;
and (2) is legal for the model: replaying the order on the sequential object
gives every result the clients saw. Operations that *failed* are known not to
have happened and are left out. Operations of unknown outcome may be placed
anywhere after their invocation, or left out.

The search (Wing & Gong 1993; Lowe, "Testing for linearizability", 2017)
walks the history's events in time order, kept in a doubly linked list:

* At an *invocation* it may try to linearize that operation now: ask the
  model whether it is legal in the current state. If so, take it out of the
  list (call and return), push (operation, old state) on a stack, and
  restart from the head of the list. If not, move on to the next event.
* At a *completion* of an operation not yet linearized, the current order
  is a dead end: that operation had to take effect before now. Pop the last
  choice, put its events back in the list, and go on just after its
  invocation (the next candidate).
* When every operation that definitely happened has been linearized, the
  history is linearizable and the stack is a witness order.

An operation of unknown outcome has an invocation in the list and no
completion, so nothing ever forces it in; it is linearized only where that
helps. Without more, this search is exponential. Lowe's improvement, used by
Knossos and porcupine, is to remember every configuration already explored:
the set of operations linearized so far (an int used as a bit set) and the
model's state. Reaching a known configuration again cannot lead anywhere
new, so the branch is cut. The problem stays NP-complete in general, but on
histories with a handful of concurrent clients the number of distinct
configurations stays small, roughly (operations) x (ways the few overlapping
ones can be ordered).

Two cheaper cuts come first. (1) A read-only operation that is legal in
the current state is placed at once, as a forced move rather than a choice:
placing it later could only be worse, since it changes nothing and every
operation that had to precede it already has. So when the search backs up
past it, it backs up further, to the last real choice. Without this, a
register with many concurrent clients tries the writes in every order before
noticing that the reads settle it. (2) Uncertain operations whose effect
nobody observed are dropped before the search (the model names them; see
models.py). Each floating unknown operation can double the configurations.

The model may split a history into independent parts first (a map, key by
key); each part is searched on its own, and the first part that fails is
the one reported, with its shortest violating sub-history (see shrink.py).
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Any

from .history import History, Operation
from .models import Model


def search(history: History, model: Model, free: int | None = None,
           budget: int | None = None) -> tuple[bool | None, list[int], int]:
    """Decide one (already partitioned) history.

    Returns ``(linearizable, order, steps)``: ``order`` is a witness (op ids
    in linearization order) when linearizable, else the deepest partial order
    found; ``steps`` counts the candidate tries. ``free`` names an operation
    whose real-time constraints are lifted (it may take effect anywhere; used
    to tell a stale result from an impossible one). With ``budget``, give up
    after that many steps and return ``None``.
    """
    ops: list[Operation] = []
    for op in history:
        model.validate(op)
        if op.status == "fail" or (op.uncertain and model.read_only(op)):
            continue
        ops.append(op)
    drop = model.unobserved(ops)
    if drop:
        ops = [op for op in ops if op.id not in drop or op.id == free]
    n = len(ops)
    # Events as (position, tie, entry): entry 2i is op i's invocation, 2i+1
    # its completion. Uncertain ops have no completion entry.
    events = []
    definite = [False] * n
    for i, op in enumerate(ops):
        is_free = op.id == free
        events.append((-1 if is_free else op.start, i, 2 * i))
        if not op.uncertain:
            definite[i] = True
            end = float("inf") if is_free else op.end
            events.append((end, i, 2 * i + 1))
    events.sort()
    head, tail = 2 * n, 2 * n + 1
    nxt = [0] * (2 * n + 2)
    prv = [0] * (2 * n + 2)
    prev = head
    for _, _, e in events:
        nxt[prev], prv[e] = e, prev
        prev = e
    nxt[prev], prv[tail] = tail, prev
    nxt[tail] = tail

    step = model.step
    read_only = [model.read_only(op) for op in ops]
    state = model.init()
    linearized = 0
    remaining = sum(definite)
    stack: list[tuple[int, Any, bool]] = []        # (op, state before, forced)
    best: list[int] = []
    seen = set()
    steps = 0
    e = nxt[head]
    sweep = True
    while remaining:
        if sweep:
            # A read-only operation that is legal now may as well be placed
            # now: delaying it changes no state and frees no constraint. So
            # take every such one, as a forced move (not a choice point).
            sweep, e = False, nxt[head]
            while e & 1 == 0:                          # invocations up to the first completion
                i, after = e >> 1, nxt[e]
                if read_only[i]:
                    steps += 1
                    if step(state, ops[i])[0]:
                        key = (linearized | (1 << i), state)
                        if key in seen:                # explored before, and it failed
                            break
                        seen.add(key)
                        stack.append((i, state, True))
                        linearized = key[0]
                        nxt[prv[e]], prv[after] = after, prv[e]
                        if definite[i]:
                            r = e + 1
                            nxt[prv[r]], prv[nxt[r]] = nxt[r], prv[r]
                            remaining -= 1
                        after = nxt[prv[e]]
                e = after
            else:
                e = nxt[head]
                continue
            e = tail                                   # go back
        if e & 1 == 0:                                 # an invocation: try it here
            i = e >> 1
            if not read_only[i]:                       # (the sweep took the legal reads)
                steps += 1
                allowed, new_state = step(state, ops[i])
                if allowed:
                    key = (linearized | (1 << i), new_state)
                    if key not in seen:
                        seen.add(key)
                        stack.append((i, state, False))
                        state, linearized = new_state, key[0]
                        c, r = e, e + 1                # lift i out of the list
                        nxt[prv[c]], prv[nxt[c]] = nxt[c], prv[c]
                        if definite[i]:
                            nxt[prv[r]], prv[nxt[r]] = nxt[r], prv[r]
                            remaining -= 1
                        sweep = True
                        continue
                if budget is not None and steps > budget:
                    return None, [], steps
            e = nxt[e]
        else:                                          # a completion: dead end, go back
            if len(stack) > len(best):
                best = [ops[j].id for j, _, _ in stack]
            while True:                                # undo forced moves, then one choice
                if not stack:
                    return False, best, steps
                i, state, forced = stack.pop()
                linearized &= ~(1 << i)
                c, r = 2 * i, 2 * i + 1                # put i back, reverse order
                if definite[i]:
                    prv[nxt[r]] = nxt[prv[r]] = r
                    remaining += 1
                prv[nxt[c]] = nxt[prv[c]] = c
                if not forced:
                    break
            e = nxt[c]
    return True, [ops[i].id for i, _, _ in stack], steps


class SearchBudgetExceeded(RuntimeError):
    """The search gave up after its step budget: the answer is unknown."""


def decide(history: History, model: Model, free: int | None = None,
           budget: int | None = None) -> bool:
    """:func:`search`'s verdict, raising :class:`SearchBudgetExceeded` if the
    budget ran out."""
    ok, _, steps = search(history, model, free, budget)
    if ok is None:
        raise SearchBudgetExceeded(
            f"gave up after {steps:,} search steps (the budget is {budget:,}): "
            "too many overlapping operations to decide within it")
    return ok


@dataclass
class Result:
    """What :func:`check` found. True in a boolean context if linearizable.

    When not linearizable: ``key`` is the part that failed (a map's key),
    ``violation`` its shortest violating sub-history, ``culprit`` the id in
    ``violation`` of the operation that cannot be placed, and ``stale`` says
    whether its result is merely out of date (possible had it run at another
    time) rather than impossible at any time.

    When linearizable: ``order`` is a witness, the ids of the operations that
    took effect in one legal order (part by part for a map; failed ones and
    unknown ones placed nowhere are absent). ``steps`` counts search steps.
    """
    linearizable: bool
    model: Model
    history: History
    key: Any = None
    violation: History | None = None
    culprit: int | None = None
    stale: bool = False
    order: list[int] = field(default_factory=list)
    parts: int = 1
    steps: int = 0

    def __bool__(self) -> bool:
        return self.linearizable

    def explain(self) -> str:
        """One paragraph in plain words."""
        if self.linearizable:
            return (f"Linearizable: the {len(self.history)} operations can be put in one "
                    f"order that a {self.model.name} could have produced.")
        bad = self.violation[self.culprit]
        where = "" if self.key is None else f" on key {self.key!r}"
        n = len(self.violation)
        size = (f"The shortest violating sub-history has {n} "
                f"operation{'s' if n != 1 else ''}.")
        if bad.status == "fail":
            return (f"Not linearizable{where}: client {bad.client!r} was told "
                    f"{bad.f} failed, but if it did not happen, no order of the "
                    f"others explains what they saw. {size}")
        how = ("its result was out of date: it could have happened earlier, but not "
               "between its invocation and completion" if self.stale else
               "no order of these operations gives that result")
        return (f"Not linearizable{where}: {bad} by client {bad.client!r} cannot "
                f"be placed; {how}. {size}")

    def text(self, width: int = 88) -> str:
        """The explanation (wrapped at ``width``) and, if it failed, the
        violation as a text timeline."""
        words = textwrap.fill(self.explain(), width)
        if self.linearizable:
            return words
        from .timeline import text_timeline
        return words + "\n\n" + text_timeline(self.violation, mark=self.culprit)

    def svg(self, title: str | None = None) -> str:
        """The violation as an SVG timeline (an empty string if linearizable)."""
        if self.linearizable:
            return ""
        from .timeline import svg_timeline
        return svg_timeline(self.violation, mark=self.culprit,
                            title=title or "Shortest violating sub-history")

    def _repr_html_(self) -> str:
        from .timeline import esc
        html = f"<p>{esc(self.explain())}</p>"
        if not self.linearizable:
            html += f'<div style="max-width:100%;overflow-x:auto">{self.svg()}</div>'
        return html

    def __repr__(self) -> str:
        state = "linearizable" if self.linearizable else "NOT linearizable"
        return f"<Result: {state}, {len(self.history)} operations>"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def check(history: History, model: Model, shrink: bool = True,
          budget: int | None = None) -> Result:
    """Check ``history`` against ``model``; see :class:`Result`.

    With ``shrink=False`` a failure is reported without computing the
    shortest violating sub-history (``violation`` is the whole failing part).
    ``budget`` bounds the steps of each search (a grader's guard that gives
    the same answer on every machine); when one runs out,
    :class:`SearchBudgetExceeded` is raised.
    """
    parts = model.partition(history)
    total = 0
    order: list[int] = []
    for key, part in parts:
        ok, part_order, steps = search(part, model, budget=budget)
        total += steps
        if ok is None:
            decide(part, model, budget=budget)          # raises, with the message
        if not ok:
            if shrink:
                from .shrink import shortest_violation
                violation, culprit, stale = shortest_violation(part, model, budget)
            else:
                violation, culprit, stale = part, _last_definite(part), False
            return Result(False, model, history, key=key, violation=violation,
                          culprit=culprit, stale=stale, parts=len(parts), steps=total)
        if part is history:
            order += part_order
        else:
            order += [part.origin[i] for i in part_order]
    return Result(True, model, history, order=order, parts=len(parts), steps=total)


def _last_definite(h: History) -> int | None:
    done = [op for op in h if op.status == "ok"]
    return max(done, key=lambda op: op.end).id if done else None


def is_linearizable(history: History, model: Model, budget: int | None = None) -> bool:
    """Just the verdict."""
    return all(decide(part, model, budget=budget) for _, part in model.partition(history))
