"""What the explorer hands back: a counterexample, or a statement of coverage.

Design
------
A failing schedule is evidence, so it must be easy to read, to look at and
to keep:

* :class:`Schedule` is the choice list itself (plain data: a list of small
  tuples), with ``save``/``load`` as JSON and :func:`replay`; replaying a
  schedule against the same scenario gives the same run, event for event.
* :class:`Counterexample` holds the (shrunk) failing run: why it failed,
  the numbered steps (process, operation, value) with the deviations from
  the default schedule marked, the trace, and ``draw()``, which draws the
  run as a sequence diagram through ``Trace.sequence_diagram`` with a note
  on each lifeline where a deviation happened.
* :class:`Coverage` says what was explored when nothing failed: how many
  schedules, whether that was the whole space (up to swapping independent
  actions) or only the part within the bound, and why not.

Both print well in a notebook (``__str__`` and ``_repr_pretty_``), and
everything printed is deterministic.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..kernel.trace import Event, Term, Trace, show
from . import _stacks
from ._kernel import ScheduleError
from ._run import execute


@dataclass(frozen=True)
class Schedule:
    """A list of choices: ``("run", n)`` or ``("deliver", sender, receiver)``."""
    choices: tuple
    scenario: str = ""
    seed: object = None

    def to_json(self) -> str:
        return json.dumps({"labrt.explore.schedule": 1, "scenario": self.scenario,
                           "seed": self.seed, "choices": [list(c) for c in self.choices]})

    def save(self, path) -> None:
        """Write the schedule to ``path`` as JSON."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_json() + "\n")

    @classmethod
    def from_json(cls, text: str) -> Schedule:
        try:
            obj = json.loads(text)
            choices = tuple(tuple(c) for c in obj["choices"])
        except (ValueError, KeyError, TypeError) as e:
            raise ScheduleError(f"not a saved labrt.explore schedule ({e}); "
                                "save one with Counterexample.schedule.save(path)") from None
        for c in choices:
            if not (c and c[0] in ("run", "deliver") and len(c) == (2 if c[0] == "run" else 3)):
                raise ScheduleError(f"not a schedule step: {list(c)!r}; steps look like "
                                    '["run", 1] or ["deliver", 1, 2]')
        return cls(choices, obj.get("scenario", ""), obj.get("seed"))

    @classmethod
    def load(cls, path) -> Schedule:
        """Read a schedule written by :meth:`save`."""
        with open(path, encoding="utf-8") as f:
            return cls.from_json(f.read())

    def __len__(self):
        return len(self.choices)


@_stacks.session
def replay(scenario, schedule, args=(), max_steps=None):
    """Run ``scenario`` again under ``schedule`` (a Schedule or a list of choices)."""
    if not isinstance(schedule, Schedule):
        schedule = Schedule(tuple(tuple(c) for c in schedule))
    choices = schedule.choices

    def choose(run, acts, default):
        i = len(run.steps)
        if i >= len(choices):
            raise ScheduleError(
                f"the schedule has {len(choices)} steps but the run needs more "
                f"(step {i + 1} offers {acts!r}); it was made for another scenario")
        return choices[i]
    return execute(scenario, args, choose, max_steps or max(2000, len(choices)))


def name_of(fn) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)


@dataclass
class Counterexample:
    """A schedule under which the scenario fails, shrunk to few deviations."""
    failure: str
    run: object
    schedule: Schedule
    runs: int                    # schedules tried before this one was found
    seed: object = None          # the run seed (random mode), for the record
    original_deviations: int = 0
    minimal: bool = False        # proved: no schedule with fewer deviations fails
    shrink_runs: int = 0
    mode: str = "random"
    scenario: object = field(default=None, repr=False)
    args: tuple = ()
    found = True

    @property
    def steps(self):
        return self.run.steps

    @property
    def trace(self):
        return self.run.trace

    @property
    def deviations(self):
        return self.run.deviations

    def counts(self) -> str:
        kinds = [s.deviation for s in self.deviations]
        if not kinds:
            return "no deviation (the default schedule fails)"
        parts = [f"{kinds.count(k)} {k}{'s' if kinds.count(k) > 1 else ''}"
                 for k in ("preemption", "delay", "reorder", "early timeout") if k in kinds]
        n = len(kinds)
        return f"{n} deviation{'s' if n > 1 else ''} from the default schedule ({', '.join(parts)})"

    def lines(self) -> list[str]:
        head = [f"counterexample after {self.runs} schedule{'s' if self.runs != 1 else ''}"
                f" ({self.mode}): {self.failure}",
                f"schedule: {len(self.steps)} steps, {self.counts()}"
                + ("; no schedule with fewer deviations fails" if self.minimal and self.deviations
                   else "")]
        who = max((len(s.who) for s in self.steps), default=0)
        op = max((len(s.op) for s in self.steps), default=0)
        return head + [s.text(who, op) for s in self.steps]

    def __str__(self):
        return "\n".join(self.lines())

    def _repr_pretty_(self, p, cycle):
        p.text(str(self))

    def replay(self):
        """Run the scenario again under this schedule (the same run, event for event)."""
        return replay(self.scenario, self.schedule, self.args)

    def draw(self, title=None, **kw):
        """The failing run as a sequence diagram, a note at each deviation."""
        return drawing_trace(self.run).sequence_diagram(
            title=title or f"counterexample: {self.counts()}", **kw)


def drawing_trace(run) -> Trace:
    """The run's trace with a ``choice`` note where each deviation happened."""
    notes = {}
    for s in run.deviations:
        passed = s.passed
        if passed and passed[0] == "run":
            pid = _pid(run, passed[1])            # the process that had to wait
        elif passed and passed[0] == "deliver" and type(passed[2]) is int:
            pid = _pid(run, passed[2])            # the receiver of the late signal
        else:
            pid = _pid(run, s.action[1]) if s.action[0] == "run" else None
        notes.setdefault(s.at_event, []).append((pid, _note(s)))
    out = Trace()
    events = list(run.trace)
    for i in range(len(events) + 1):
        for pid, text in notes.get(i, ()):
            t = events[i].time if i < len(events) else (events[-1].time if events else 0.0)
            out.append(Event(len(out), t, "choice", pid, None, Term(text)))
        if i < len(events):
            e = events[i]
            out.append(Event(len(out), e.time, e.kind, e.pid, e.other, e.data))
    return out


def _note(step) -> str:
    """A short label for a deviation: the diagram has little room beside a lifeline."""
    n, text = step.index + 1, step.instead
    if step.deviation == "delay" and " -> " in text:
        words = text.split(" -> ")[0].split()
        return f"step {n}: delay, {words[0]} from {words[-1]} waits"
    if step.deviation == "preemption":
        return f"step {n}: preempted before {text.rsplit(' ', 1)[-1]}"
    return f"step {n}: {step.deviation}"


def _pid(run, n):
    for e in run.trace:
        for x in (e.pid, e.other):
            if x is not None and getattr(x, "num", None) == n:
                return x
    return None


@dataclass
class Coverage:
    """Nothing failed: what was explored."""
    runs: int
    complete: bool               # the whole space was covered
    mode: str
    bound: object = None
    pruned: int = 0
    truncated: int = 0
    limit_hit: bool = False
    found = False

    def __str__(self):
        s = "s" if self.runs != 1 else ""
        if self.mode == "random":
            return (f"no failure in {self.runs} random schedule{s} (at most {self.bound} "
                    "deviations each); this is a sample, not the whole space")
        if self.complete:
            return (f"no failure: all {self.runs} schedule{s} explored, the whole space "
                    "(every interleaving, up to swapping independent steps)")
        why = []
        if self.pruned:
            why.append(f"{self.pruned} branches need more than {self.bound} deviations")
        if self.truncated:
            why.append(f"{self.truncated} runs hit max_steps")
        if self.limit_hit:
            why.append("the runs limit was reached")
        return (f"no failure in {self.runs} schedule{s}, but not the whole space: "
                + "; ".join(why or ["incomplete"]))

    def _repr_pretty_(self, p, cycle):
        p.text(str(self))


def schedule_of(run, scenario, seed=None) -> Schedule:
    return Schedule(tuple(run.choices), name_of(scenario), seed)


__all__ = ["Schedule", "Counterexample", "Coverage", "replay", "show"]
