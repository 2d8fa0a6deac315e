"""Small tools shared by the checks that generalise: scenarios that observe,
judges that decide, and cases that are data.

A check that generalises runs the student's code many times (several seeds,
several variants of one situation) and judges *properties* of what happened,
not one recorded run. It is written in two halves:

* an **observer** ``observe(t, **inputs)`` runs the student's code on fresh
  runtimes (``t.runtime(seed)``) and returns plain data: numbers, strings,
  tuples, lists and dicts, with pids as their text and exit reasons made
  plain by :func:`plain` (a crash is ``("crash", "KeyError", "KeyError('x')")``);
* a **judge** ``judge(obs, **inputs_and_expected)`` compares the observation
  with what should have happened and raises :class:`~labrt.grading.Fail`.
  ``diagram=k`` in a ``Fail`` names the ``k``-th runtime the observer made.

:func:`case` registers a case from an observer, its judge and keyword
arguments; the arguments the observer takes are its *inputs*, the others
(``want``, ...) are the expected outcome, which the observer never sees.
The grading command runs the observer in the sandbox and the judge outside
it (``labrt/grading/protocol.py``, ``notes/grading-protocol.md``).
"""
from __future__ import annotations

from labrt.trace import show

from .. import core
from ..core import Fail

from .. import protocol as _protocol
from ._faults import (FAULT_ROWS, BadFaultRow, describe_faults, fault_rows,  # noqa: F401
                      fault_schedule)

EPS = 1e-9


def plain(value):
    """An exit reason (or any value) as plain data for an observation."""
    import labrt
    if isinstance(value, labrt.ProcessExit):
        return plain(value.reason)
    if isinstance(value, BaseException):       # with the student's line, if it is theirs
        return ("crash", type(value).__name__, show(value) + core.where(value))
    if isinstance(value, labrt.Pid):
        return str(value)
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return show(value)


def is_crash(reason, name: str | None = None) -> bool:
    """Whether a plain exit reason is a crash (of exception class ``name``)."""
    return (isinstance(reason, tuple) and len(reason) == 3 and reason[0] == "crash"
            and (name is None or reason[1] == name))


def reason_text(reason) -> str:
    """A plain exit reason as a short text for a message."""
    if is_crash(reason):
        return f"a crash, {reason[2]}"
    return show(reason)


def close(a, b) -> bool:
    return isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) < EPS


def times(xs) -> str:
    return "[" + ", ".join(f"{x:g}" for x in xs) + "]"


def scenario(observe):
    """The protocol's scenario decorator (``@observer.judge`` attaches the judge)."""
    return _protocol.scenario(observe)


def case(task, points: int, title: str, scen: Scenario, hidden: bool = False,
         limit: float = core.CASE_LIMIT, **params):
    """Register a case of ``task``: ``scen`` observed with its inputs (only those
    enter the sandbox), then judged with the inputs and the expected values."""
    register = core.hidden if hidden else core.public
    return register(task, points, title, scen, limit=limit, **params)


# ---------------------------------------------------------------------------
# Snapshots: a finished runtime as plain data, and the same runtime seen again
# by a judge. A converted case's observer runs the student's code and returns
# ``snap(rt)``; its judge rebuilds :class:`Snap`, which answers the questions
# the checks ask of a runtime (its trace, who finished how, what is still
# alive and holds what in its mailbox), so the analysis keeps its words.
# Exceptions travel as ("$exc", class name, args, describe_reason text) and
# come back as instances of the built-in class of that name when there is one
# (so ``isinstance(reason, RuntimeError)`` still works), else of a stand-in
# class with that name; ``describe_reason`` (below) gives the text the
# observer computed, with the student's line in it.

import builtins as _builtins  # noqa: E402

from labrt.trace import Event as _Event  # noqa: E402

_STANDINS: dict = {}


class Record:
    """A dataclass instance (a student's Entry or Node) as a judge sees it: its
    class name and fields, shown the way the dataclass shows itself."""

    def __init__(self, name, fields):
        self._name, self._fields = name, tuple(fields)
        for k, v in self._fields:
            setattr(self, k, v)

    def __repr__(self):
        return f"{self._name}({', '.join(f'{k}={show(v)}' for k, v in self._fields)})"

    def __eq__(self, other):
        return isinstance(other, Record) and (self._name, self._fields) == (other._name, other._fields)

    def __hash__(self):
        return hash((self._name, repr(self._fields)))


class ClassRef:
    """A class as a judge sees it: its name."""

    def __init__(self, name):
        self.__name__ = name

    def __repr__(self):
        return f"<class {self.__name__}>"

    def __eq__(self, other):
        return isinstance(other, ClassRef) and other.__name__ == self.__name__

    def __hash__(self):
        return hash(self.__name__)


def is_record(value, name: str) -> bool:
    return isinstance(value, Record) and value._name == name


def _mark(value, depth=0):
    import dataclasses
    if depth > 30:
        return show(value)
    if isinstance(value, type):
        return ("$cls", value.__name__)
    if dataclasses.is_dataclass(value):
        return ("$rec", type(value).__name__,
                tuple((f.name, _mark(getattr(value, f.name), depth + 1))
                      for f in dataclasses.fields(value)))
    if isinstance(value, BaseException):
        return ("$exc", type(value).__name__, _mark(tuple(value.args), depth + 1),
                core.describe_reason(value))
    if type(value) is tuple:
        return tuple(_mark(v, depth + 1) for v in value)
    if type(value) is list:
        return [_mark(v, depth + 1) for v in value]
    if type(value) is dict:
        return {_mark(k, depth + 1): _mark(v, depth + 1) for k, v in value.items()}
    return value


def _revive(value):
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "$cls":
        return ClassRef(value[1])
    if isinstance(value, tuple) and len(value) == 3 and value[0] == "$rec" \
            and isinstance(value[2], tuple):
        return Record(value[1], [(k, _revive(v)) for k, v in value[2]])
    if isinstance(value, tuple) and len(value) == 4 and value[0] == "$exc":
        _, name, args, text = value
        cls = getattr(_builtins, name, None)
        if not (isinstance(cls, type) and issubclass(cls, BaseException)):
            cls = _STANDINS.setdefault(name, type(name, (Exception,), {}))
        exc = cls.__new__(cls)
        exc.args = tuple(_revive(a) for a in args) if isinstance(args, tuple) else (args,)
        exc._described = text
        return exc
    if isinstance(value, tuple):
        return tuple(_revive(v) for v in value)
    if isinstance(value, list):
        return [_revive(v) for v in value]
    if isinstance(value, dict):
        return {_revive(k): _revive(v) for k, v in value.items()}
    return value


def describe_reason(reason) -> str:
    """As core.describe_reason, for live reasons and for revived ones."""
    text = getattr(reason, "_described", None)
    return text if isinstance(text, str) else core.describe_reason(reason)


def snap(rt, t=None) -> dict:
    """A runtime, finished running, as data for an observation (``t``: the trial
    that made it, so that a judge's diagram can name it)."""
    stuck = ""
    if not rt.kernel.ready and rt.next_timer() is None:
        stuck = "idle"
    try:
        report = core.Play(None, rt, None, "").stuck()
    except Exception:                   # noqa: BLE001 - a nicety
        report = ""
    procs = []
    for p in rt.processes():
        info = rt.process_info(p.pid)
        procs.append((p.pid, p.function, _mark(tuple(info.mailbox) if info else ())))
    return {"trace": [(e.seq, e.time, e.kind, e.pid, e.other, _mark(e.data)) for e in rt.trace],
            "finished": [(pid, _mark(r), _mark(v)) for pid, (r, v) in rt.finished.items()],
            "now": rt.now, "procs": procs, "stuck": stuck, "report": report,
            "index": t.runtimes.index(rt) if t is not None and rt in t.runtimes else None}


class _Info:
    def __init__(self, pid, function, mailbox):
        self.pid, self.function, self.mailbox = pid, function, mailbox


class _Kernel:
    def __init__(self, ready):
        self.ready = ready


class Snap:
    """What a judge sees of a runtime (see :func:`snap`)."""

    def __init__(self, data, index=None):
        self.trace = [_Event(seq, time, kind, pid, other, _revive(d))
                      for seq, time, kind, pid, other, d in data["trace"]]
        self.finished = {pid: (_revive(r), _revive(v)) for pid, r, v in data["finished"]}
        self.now = data["now"]
        self._procs = [_Info(p, f, tuple(_revive(list(m)))) for p, f, m in data["procs"]]
        self.kernel = _Kernel(data["stuck"] != "idle")
        self._report = data["report"]
        self.index = index if index is not None else data.get("index")

    def processes(self):
        return list(self._procs)

    def process_info(self, pid):
        return next((p for p in self._procs if p.pid == pid), None)

    def is_alive(self, pid):
        return any(p.pid == pid for p in self._procs)

    def result(self, pid):
        return self.finished[pid][1]

    def next_timer(self):
        return None if not self.kernel.ready else 0.0


class PlayView(core.Play):
    """A :class:`~labrt.grading.core.Play` over a :class:`Snap`."""

    def __init__(self, snapshot: Snap, pid, call: str):
        super().__init__(None, snapshot, pid, call)

    def stuck(self) -> str:
        return self.rt._report or "it did not finish"


def judged(fn):
    """Wrap a judge so that ``diagram=`` may name a :class:`Snap` (or ``(Snap, options)``)."""
    import functools

    @functools.wraps(fn)
    def judge(obs, **params):
        try:
            return fn(obs, **params)
        except Fail as f:
            d = f.diagram
            if isinstance(d, Snap):
                f.diagram = (d.index, {"max_events": 60}) if d.index is not None else True
            elif isinstance(d, tuple) and len(d) == 2 and isinstance(d[0], Snap):
                f.diagram = (d[0].index, dict(d[1])) if d[0].index is not None else (True, dict(d[1]))
            raise
    return judge


# ---------------------------------------------------------------------------
# Several scenarios in one case: a case worth one point that runs, say, the
# window at its edge *and* max_r=0. Its inputs name each part's scenario and
# carry that part's inputs; the expected values of every part stay with the
# judge.

def _scenario_named(name):
    return _protocol.SCENARIOS[name]


def _observe_several(t, parts):
    return [_scenario_named(name).observe(t, **inputs) for name, inputs in parts]


several = _protocol.scenario(_observe_several)


@several.judge
def _judge_several(obs, parts, expected):
    for o, (name, inputs), exp in zip(obs, parts, expected):
        _scenario_named(name).judge_fn(o, **inputs, **exp)


def case_several(task, points: int, title: str, parts, hidden: bool = False,
                 limit: float = core.CASE_LIMIT):
    """Register one case made of ``parts``: [(scenario, params)], run in order."""
    split = [scen.split(params) for scen, params in parts]
    return case(task, points, title, several, hidden=hidden, limit=limit,
                parts=[(scen.name, inputs) for (scen, _), (inputs, _) in zip(parts, split)],
                expected=[exp for _, exp in split])


class _Text:
    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return self.text


def readable(value):
    """A plain value for a message: crashes ("crash", name, text) shown as their text."""
    if is_crash(value):
        return _Text(value[2].split(" in ", 1)[0].split(", line ", 1)[0])
    if isinstance(value, tuple):
        return tuple(readable(v) for v in value)
    if isinstance(value, list):
        return [readable(v) for v in value]
    if isinstance(value, dict):
        return {readable(k): readable(v) for k, v in value.items()}
    return value


def said(value) -> str:
    """``show`` of a plain value, crashes as their text."""
    return show(readable(value))


# ---------------------------------------------------------------------------
# Exploration: the student's code under many schedules (issue 11). The default
# kernel shows one schedule, on which a child never runs before its parent's
# next statement and a message is in the mailbox as soon as it is sent; code
# that calls trap_exit after spawn_link, or that counts on causal order across
# three processes, passes there and fails on a real BEAM. An exploring case's
# observer runs the student's process under ``labrt.explore`` (random, seeded,
# a bounded number of schedules with few deviations each: the same submission
# always gets the same verdict) and returns, as plain data, the outcome on the
# default schedule and, if a schedule gives another outcome, that outcome with
# the shrunk schedule as numbered steps. The observer knows no expected value:
# it only asks "does some schedule do something else than the default one?";
# the judge, outside the sandbox, decides whether the default outcome is right
# and turns a different outcome into feedback (what was run, the steps, a hint
# that names the mistake when the steps show it).

#: The pid of the student's process in an explored run (the scenario is <0.1.0>).
STUDENT = "<0.2.0>"
#: Steps of a counterexample shipped to the judge (the run's first ones, then the last).
EXPLORE_STEPS = 40


def _watched(fn, args):
    """The scenario explored: ``fn(*args)`` as a monitored process (so that its end,
    normal or not, is an outcome, not a failure), which sends what ``fn`` returned
    back to the scenario; the scenario returns (pid, exit reason, [value] or [])."""
    import labrt

    async def grader():
        boss = labrt.self()

        async def run():
            value = await fn(*args)
            labrt.send(boss, ("$returned", value))
        run.__name__ = run.__qualname__ = getattr(fn, "__name__", "student")
        pid, _ref = labrt.spawn_monitor(run)
        got = []
        while True:
            msg = await labrt.receive()
            if isinstance(msg, labrt.Down):
                return pid, msg.reason, got
            if isinstance(msg, tuple) and len(msg) == 2 and msg[0] == "$returned":
                got.append(msg[1])
    return grader


def _outcome_of(run, key):
    """What a run did, as plain data: ("never finished",), or what
    ``key(run, pid, reason, value)`` makes of how the student's process ended."""
    if not run.finished or not (isinstance(run.result, tuple) and len(run.result) == 3):
        return ("never finished",)
    pid, reason, got = run.result
    return key(run, pid, reason, got[0] if got else None)


def _step_rows(steps) -> list:
    rows = [(s.index + 1, s.who, s.op, s.value, s.deviation or "", s.instead) for s in steps]
    if len(rows) > EXPLORE_STEPS:
        rows = rows[:EXPLORE_STEPS // 2] + [None] + rows[-EXPLORE_STEPS // 2:]
    return rows


def explored(fn, args, key, runs=200, seed=0, max_preemptions=2, max_steps=3000) -> dict:
    """Run ``fn(*args)`` under ``runs`` random schedules; plain data for a judge.

    ``key(run, pid, reason, value)`` makes the outcome of one run (plain data,
    the same for runs that did the same thing). Returns ``default`` (the
    outcome on the default schedule), ``found`` (whether a schedule gave
    another), ``ops`` (the operations the student's process performed on the
    default schedule, in order), and for that schedule, shrunk: ``outcome``, ``steps`` (rows
    (n, who, op, value, deviation, instead)), ``deviations``, ``tried``."""
    from labrt.explore import explore
    from labrt.explore._run import execute

    scen = _watched(fn, args)
    first = execute(scen, (), lambda run, acts, d: d, max_steps)
    core.Trial.raise_not_done(first.rt)     # the exercise's stub: the task is not done
    default = _outcome_of(first, key)
    ops = [s.op for s in first.steps if s.who.split(" ")[0] == STUDENT]

    def check(run):
        return _outcome_of(run, key) == default

    found = explore(scen, check, runs=runs, seed=seed, max_preemptions=max_preemptions,
                    max_steps=max_steps, crashes_ok=True, shrink_budget=300)
    setting = dict(runs=runs, seed=seed, max_preemptions=max_preemptions)
    if not found.found:
        return dict(default=default, found=False, setting=setting, ops=ops)
    return dict(default=default, found=True, setting=setting, ops=ops,
                outcome=_outcome_of(found.run, key), failure=found.failure,
                steps=_step_rows(found.steps), deviations=len(found.deviations),
                tried=found.runs, minimal=bool(found.minimal))


def reason_kind(reason):
    """An exit reason as plain data that equal crashes share: ("crash", class name)."""
    import labrt
    if isinstance(reason, labrt.ProcessExit):
        return reason_kind(reason.reason)
    if isinstance(reason, BaseException):
        return ("crash", type(reason).__name__)
    return plain(reason)


def schedule_text(obs) -> str:
    """The counterexample's steps, numbered, deviations marked (for a Fail's text)."""
    rows = obs.get("steps") if isinstance(obs, dict) else None
    if not isinstance(rows, list):
        return ""
    lines = []
    rows_ok = [r for r in rows if isinstance(r, tuple) and len(r) == 6]
    who = max((len(str(r[1])) for r in rows_ok), default=0)
    op = max((len(str(r[2])) for r in rows_ok), default=0)
    for r in rows:
        if r is None:
            lines.append("   ...")
            continue
        if not (isinstance(r, tuple) and len(r) == 6):
            continue
        n, w, o, v, dev, instead = r
        line = f"{n:>3}. {str(w):<{who}} {str(o):<{op}} {v}"
        if dev:
            line += f"   <- {dev}: {instead}"
        lines.append(line.rstrip())
    return "\n".join(lines)


def explored_setup(call: str, obs) -> str:
    """What was run, in words: the call, how many schedules, which seed, how far."""
    s = obs.get("setting", {}) if isinstance(obs, dict) else {}
    return (f"{call} under {s.get('runs')} random schedules (seed {s.get('seed')!r}, at most "
            f"{s.get('max_preemptions')} deviations each from the default schedule: a process "
            "preempted, a message or signal kept in transit)")


def explored_fail(call: str, obs, expected: str, said_outcome: str, hint: str | None):
    """The Fail for an exploring case whose observer found a schedule with another outcome."""
    k = obs.get("deviations")
    text = (f"under a schedule found after {obs.get('tried')} tries, shrunk to {k} "
            f"deviation{'' if k == 1 else 's'}: {said_outcome}. The schedule, step by step "
            f"(process, operation, value):\n{schedule_text(obs)}")
    raise Fail(f"{explored_setup(call, obs)}: {expected}, whatever the schedule", text, hint)


def traps_late(obs) -> bool:
    """Whether the student's process, on the default schedule, called trap_exit
    only after its first spawn_link (or never)."""
    ops = obs.get("ops") if isinstance(obs, dict) else None
    ops = [o for o in ops if isinstance(o, str)] if isinstance(ops, list) else []
    if "spawn_link" not in ops:
        return False
    return "trap_exit" not in ops or ops.index("trap_exit") > ops.index("spawn_link")


TRAPS_LATE = ("trap_exit after spawn_link: a process that dies at once can be gone, and its "
              "exit signal on the way, before the trap is set; on a real BEAM the new "
              "process may run first. Call trap_exit(True) before the first spawn_link")


def outcome_text(name: str, o) -> str:
    """An explored outcome (see the keys in the checks) in words."""
    if not isinstance(o, tuple) or not o:
        return f"{name} did something the check cannot read ({said(o)})"
    if o[0] == "never finished":
        return f"{name} never returned: it was still waiting when nothing else could happen"
    if o[0] == "ended" and len(o) >= 2:
        r = o[1]
        if isinstance(r, tuple) and len(r) == 2 and r[0] == "crash":
            return f"{name} ended with a {r[1]} crash"
        return f"{name} ended with {reason_text(r)}"
    if o[0] == "returned" and len(o) >= 2:
        return f"{name} returned {said(o[1])}"
    return f"{name}: {said(o)}"


def spawned_by(run, pid) -> list:
    """The pids that ``pid`` spawned in an explored run, in order."""
    return [e.other for e in run.trace if e.kind == "spawn" and e.pid == pid]


def end_kinds(run, pids) -> list:
    """How each of ``pids`` ended in an explored run (reason_kind), "alive" if it did not."""
    ends = {e.pid: e.data for e in run.trace if e.kind == "exit"}
    return [reason_kind(ends[p]) if p in ends else "alive" for p in pids]


def around(when) -> tuple:
    """A judge's diagram: the last runtime, from just before ``when`` to a little after."""
    return (True, {"since": max(0.0, when - 0.5), "until": when + 2.5, "max_events": 80})


def workers_die_with(setup, kids, at, linked_to, owner, k):
    """Chapters 4 and 5: a worker linked to its keeper dies when the keeper is killed
    at ``at``; ``kids`` are the observed [(start, end or None)], ``end`` = (time, ...)."""
    live = [(i, end) for i, (_, end) in enumerate(kids) if end is None or end[0] > at + EPS]
    if live:
        i, end = live[0]
        raise Fail(f"{setup}: the worker is linked to {linked_to}, so it dies with it "
                   f"at t={at:g}",
                   f"worker {i + 1} " + ("is still running" if end is None else
                                         f"ended at t={end[0]:g}"),
                   "start the worker with spawn_link: a monitor notices its death but "
                   f"does not take it down when {owner} dies", diagram=k)
