"""Tasks, checks and the machinery that runs them.

A *task* is one graded exercise in a workbook notebook ("Task 2 (ring)"). It
has *cases*: small scenarios that run the student's code on a fresh
simulated runtime and compare what it did with what it should have done.
Public cases ship with labrt (``labrt/grading/checks/``); hidden cases live
with the instructor (``instructor/hidden/``) and are registered the same way
when the grading command loads them. A case is a function of one argument, a
:class:`Trial`, and it fails by raising :class:`Fail` with what was expected,
what happened and a hint. It never contains the reference solution: the
expectations are written as facts about behaviour (counts, orders, exit
reasons, times on the virtual clock).

:func:`run_task` runs the cases of a task against a namespace (a notebook's
globals, or the namespace the grading worker builds) and returns a
:class:`TaskResult`; whatever the student's code does (raise, loop forever,
deadlock, leave ``NotDone`` in place), the result is a score and a message,
never a traceback from this package.
"""
from __future__ import annotations

import inspect
import linecache
import os
import sysconfig
import traceback
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Callable

import labrt
from labrt.kernel.trace import show

from .guard import timeout_texts, wall_clock_limit

#: Default time limit for one case, in seconds of CPU time (see guard.py: a backstop of
#: ten times as many wall-clock seconds stops code that blocks).
CASE_LIMIT = 3.0
#: Default virtual-time limit for one run of the student's processes, in seconds.
VIRTUAL_LIMIT = 1000.0


class NotDone(Exception):
    """Raised by the stub an exercise has where the solution was."""


class Fail(Exception):
    """Raised by a case: the student's code did not behave as it should.

    ``expected`` and ``observed`` are short texts; ``hint`` says where to look
    without giving the answer; ``diagram`` is a runtime (or a
    ``(runtime, options)`` pair) whose trace is worth drawing.
    """

    def __init__(self, expected: str, observed: str, hint: str | None = None,
                 diagram=None):
        super().__init__(observed)
        self.expected = expected
        self.observed = observed
        self.hint = hint
        self.diagram = diagram


class CheckFailed(Exception):
    """Raised by ``check()`` in a notebook when a task is not complete, so that
    the cell fails (and ``pytest --nbval-lax`` fails at this cell). The
    explanation has been printed above it; Jupyter shows only this line."""

    def _render_traceback_(self):           # IPython: show this instead of a traceback
        return [f"{type(self).__name__}: {self}"]


# ---------------------------------------------------------------------------
# The registry

@dataclass(eq=False)
class Case:
    """A case is either a function of a :class:`Trial` that raises :class:`Fail`
    (the older form, judged where it runs), or a scenario with its parameters
    (judged by the grading command, outside the sandbox: see ``protocol.py``)."""

    task: "Task"
    title: str
    points: int
    fn: Callable | None
    hidden: bool = False
    limit: float = CASE_LIMIT
    scenario: object = None       # a protocol.Scenario
    params: dict = field(default_factory=dict)


@dataclass(eq=False)
class Task:
    """One graded task. Creating it registers it under its ``name``, which must
    be unique in the whole course (it is what ``check("name")`` takes)."""

    notebook: str                 # the notebook's file stem, e.g. "ch03-processes"
    number: int                   # "Task 2"
    name: str                     # "ring"
    title: str                    # "a process ring"
    defines: tuple = ()           # names the task's cell must define
    hidden_points: int = 0        # what the hidden cases are worth together
    cases: list = field(default_factory=list)

    def __post_init__(self):
        old = TASKS.get(self.name)
        if old is not None and old.notebook != self.notebook:
            raise ValueError(f"task name {self.name!r} is used by {old.notebook} "
                             f"and {self.notebook}; task names must be unique")
        TASKS[self.name] = self

    @property
    def label(self) -> str:
        return f"Task {self.number} ({self.name})"

    def public_cases(self) -> list[Case]:
        return [c for c in self.cases if not c.hidden]

    def hidden_cases(self) -> list[Case]:
        return [c for c in self.cases if c.hidden]

    @property
    def public_points(self) -> int:
        return sum(c.points for c in self.public_cases())

    @property
    def points(self) -> int:
        return self.public_points + self.hidden_points


TASKS: dict[str, Task] = {}


def _add_case(task: Task, hidden: bool, points: int, title: str | None, limit: float,
              scenario=None, params=None):
    if scenario is not None:
        if not title:
            raise ValueError("a scenario case needs a title")
        if scenario.judge_fn is None:
            raise ValueError(f"{scenario.name} has no judge (@{scenario.observe.__name__}.judge)")
        name = " ".join(title.split())
        case = Case(task, name, points, None, hidden, limit, scenario, dict(params or {}))
        task.cases[:] = [c for c in task.cases if not (c.title == name and c.hidden == hidden)]
        task.cases.append(case)
        return case

    def register(fn):
        name = title or fn.__doc__ or fn.__name__
        name = " ".join(name.split())
        _OUR_FILES.add(fn.__code__.co_filename)     # a case's own code is never the student's
        case = Case(task, name, points, fn, hidden, limit)
        # Loading a module twice (tests, a notebook re-run) replaces, not duplicates.
        task.cases[:] = [c for c in task.cases if not (c.title == name and c.hidden == hidden)]
        task.cases.append(case)
        return fn
    return register


def public(task: Task, points: int, title: str | None = None, scenario=None, *,
           limit: float = CASE_LIMIT, **params):
    """Register a public case of ``task`` worth ``points``.

    ``public(TASK, 2, "title", some_scenario, n=3, want=9)`` registers a
    scenario case (inputs and expected values as keyword arguments); without
    a scenario, ``@public(TASK, 2, "title")`` decorates a case function.
    """
    return _add_case(task, False, points, title, limit, scenario, params)


def hidden(task: Task, points: int, title: str | None = None, scenario=None, *,
           limit: float = CASE_LIMIT, **params):
    """Register a hidden case (in ``instructor/hidden/*.py``); as :func:`public`."""
    return _add_case(task, True, points, title, limit, scenario, params)


def tasks_of(notebook: str) -> list[Task]:
    """The tasks of one notebook, in task-number order."""
    return sorted((t for t in TASKS.values() if t.notebook == notebook), key=lambda t: t.number)


def notebooks() -> list[str]:
    return sorted({t.notebook for t in TASKS.values()})


# ---------------------------------------------------------------------------
# Where code comes from: ours or the student's?

_OURS = [str(Path(labrt.__file__).resolve().parent)]
for _key in ("stdlib", "platstdlib", "purelib", "platlib"):
    try:
        _OURS.append(str(Path(sysconfig.get_paths()[_key]).resolve()))
    except KeyError:
        pass


_OUR_FILES: set[str] = set()


def add_our_directory(path) -> None:
    """Code under ``path`` (hidden checks) is ours, not the student's."""
    _OURS.append(str(Path(path).resolve()))


def is_student_file(filename: str) -> bool:
    if filename.startswith("<frozen") or filename.startswith("<string") or filename in _OUR_FILES:
        return False
    if filename.startswith("<"):
        return True            # "<Task 2 (ring)>": a cell compiled by the grader
    try:
        real = str(Path(filename).resolve())
    except (OSError, ValueError):
        return True
    return not any(real == d or real.startswith(d + os.sep) for d in _OURS)


def student_frame(exc: BaseException):
    """The innermost traceback entry in student code, or None."""
    found = None
    tb = exc.__traceback__
    while tb is not None:
        if is_student_file(tb.tb_frame.f_code.co_filename):
            found = tb
        tb = tb.tb_next
    return found


def where(exc: BaseException) -> str:
    """`` in ring, line 7: x = 1 / 0`` for the student's innermost frame."""
    tb = student_frame(exc)
    if tb is None:
        return ""
    code = tb.tb_frame.f_code
    line = linecache.getline(code.co_filename, tb.tb_lineno).strip()
    func = "" if code.co_name == "<module>" else f" in {code.co_name}"
    return f"{func}, line {tb.tb_lineno} of its cell: {line}" if line else f"{func}, line {tb.tb_lineno}"


def describe_reason(reason) -> str:
    """An exit reason as text; a crash also says where in the student's code."""
    if isinstance(reason, BaseException) and not isinstance(reason, labrt.ProcessExit):
        return f"a crash, {show(reason)}{where(reason)}"
    return show(reason)


# ---------------------------------------------------------------------------
# A trial: what a case uses to run the student's code

class Play:
    """One run of a process on a fresh runtime: its outcome and its trace."""

    def __init__(self, trial: "Trial", rt, pid, call: str):
        self.trial, self.rt, self.pid, self.call = trial, rt, pid, call

    @property
    def finished(self) -> bool:
        return self.pid in self.rt.finished

    @property
    def reason(self):
        return self.rt.finished[self.pid][0] if self.finished else None

    @property
    def trace(self):
        return self.rt.trace

    def stuck(self) -> str:
        """Why the process has not finished: a deadlock report or "still running"."""
        rt = self.rt
        if not rt.kernel.ready and rt.next_timer() is None:
            last = rt.trace[-1].time if rt.trace else 0.0
            head = (f"deadlock from t={last:g}: no process can run and no timer is pending, "
                    "but these processes are still waiting:")
            try:
                from labrt.kernel.sim import deadlock_report
                return "\n".join([head] + deadlock_report(rt).splitlines()[1:])
            except Exception:           # pragma: no cover - the report is a nicety
                return head
        return (f"still running at t={rt.now:g} s of virtual time "
                f"(the check stops there)")

    def result(self, hint: str | None = None):
        """The process's return value; a :class:`Fail` if it crashed, exited
        abnormally or did not finish."""
        if not self.finished:
            raise Fail(f"{self.call} returns", self.stuck(),
                       hint or "look for a receive that waits for a message nobody sends "
                               "(the listing above names each waiting process)",
                       diagram=self.rt)
        reason, value = self.rt.finished[self.pid]
        if reason != "normal":
            raise Fail(f"{self.call} returns",
                       f"it ended with {describe_reason(reason)}",
                       hint, diagram=self.rt)
        return value

    def exits(self) -> dict:
        """``{pid: reason}`` of every process that ended, from the trace."""
        return {e.pid: e.data for e in self.rt.trace if e.kind == "exit"}

    def spawned(self, parent=None) -> list:
        """Pids spawned by ``parent`` (default: this play's process), in order."""
        parent = self.pid if parent is None else parent
        return [e.other for e in self.rt.trace if e.kind == "spawn" and e.pid == parent]

    def alive(self) -> list:
        return [p.pid for p in self.rt.processes()]


class Trial:
    """What a case function receives: the student's namespace and helpers to
    run it on fresh deterministic runtimes."""

    def __init__(self, task: Task, ns: dict):
        self.task = task
        self.ns = ns
        self.runtimes: list = []

    def need(self, name: str, kind: str = "async"):
        """The object the student's cell defines under ``name``.

        ``kind`` is ``"async"`` (an ``async def`` function), ``"function"``
        (a plain function) or ``None`` (anything).
        """
        if name not in self.ns:
            raise Fail(f"your cell for {self.task.label} defines `{name}`",
                       f"there is no `{name}` in the notebook",
                       "run the task's cell before its check, and keep the name the "
                       "task asks for")
        obj = self.ns[name]
        if kind == "async" and not inspect.iscoroutinefunction(obj):
            raise Fail(f"`{name}` is an `async def` function (a labrt process)",
                       f"`{name}` is {_kind_of(obj)}",
                       "processes are written `async def ...` so that they can "
                       "`await receive()`")
        if kind == "function" and not callable(obj):
            raise Fail(f"`{name}` is a function", f"`{name}` is {_kind_of(obj)}")
        return obj

    def runtime(self, seed=None):
        """A fresh simulated runtime with a trace and no printed crash reports."""
        rt = labrt.Runtime(kernel="sim", seed=seed, trace=True, reports=None)
        self.runtimes.append(rt)
        return rt

    def run(self, rt, until: float | None = VIRTUAL_LIMIT):
        """Run ``rt`` until it is idle or its clock reaches ``until``."""
        if until is None:
            rt.run()
        else:
            rt.run_until(until)
        self.raise_not_done(rt)

    def play(self, fn, *args, seed=None, until: float | None = VIRTUAL_LIMIT,
             call: str | None = None) -> Play:
        """Spawn ``fn(*args)`` on a fresh runtime and run it."""
        rt = self.runtime(seed)
        pid = rt.spawn(fn, *args)
        self.run(rt, until)
        name = getattr(fn, "__name__", "the process")
        return Play(self, rt, pid, call or f"{name}({', '.join(show(a) for a in args)})")

    @staticmethod
    def raise_not_done(rt):
        """If a process died of the exercise's stub, the task is not done."""
        for e in rt.trace:
            if e.kind == "exit" and isinstance(e.data, NotDone):
                raise e.data


def _kind_of(obj) -> str:
    if inspect.isfunction(obj):
        return "a plain function (`def`), not `async def`"
    if obj is None:
        return "None"
    return f"a {type(obj).__name__}"


# ---------------------------------------------------------------------------
# Results

@dataclass
class CaseResult:
    title: str
    hidden: bool
    points: int
    max_points: int
    status: str                   # "passed", "failed", "timeout", "error", "not_done"
    expected: str = ""
    observed: str = ""
    hint: str = ""
    diagram: object = field(default=None, repr=False, compare=False)
    trace: str = ""               # a short text trace of the run (reports)


@dataclass
class TaskResult:
    notebook: str
    task: str
    number: int
    title: str
    points: int
    max_points: int               # public points, plus hidden ones if they were run
    status: str                   # "passed", "partial", "failed", "not_done", or a grader status
    message: str = ""
    hidden_included: bool = False
    hidden_points: int = 0        # what hidden cases are worth (run or not)
    cases: list = field(default_factory=list)
    cell: str = ""                # which cell of the notebook was graded

    @property
    def label(self) -> str:
        return f"Task {self.number} ({self.task})"

    def to_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "cases"}
        d["cases"] = [{f.name: getattr(c, f.name) for f in fields(c) if f.name != "diagram"}
                      for c in self.cases]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "TaskResult":
        d = dict(d)
        d["cases"] = [CaseResult(**c) for c in d.get("cases", [])]
        return cls(**d)


def _internal(exc: BaseException) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    at = f" ({Path(last[0].filename).name}:{last[0].lineno})" if last else ""
    return f"{type(exc).__name__}: {exc}{at}"


def run_case(case: Case, ns: dict) -> CaseResult:
    """Run one case; whatever happens, return a result."""
    trial = Trial(case.task, ns)
    base = dict(title=case.title, hidden=case.hidden, max_points=case.points)
    guard = None
    exc = None
    try:
        with wall_clock_limit(case.limit) as guard:
            case.fn(trial)
    except KeyboardInterrupt:
        raise                                   # the user pressed stop: let it through
    except BaseException as e:                  # noqa: BLE001 - the point is to catch all
        exc = e
    if guard is not None and guard.fired:
        return CaseResult(points=0, status="timeout", **base,
                          **timeout_texts(case.limit, guard.cause))
    if exc is None:
        return CaseResult(points=case.points, status="passed", **base)
    return _failed(exc, base)


def _failed(exc: BaseException, base: dict) -> CaseResult:
    if isinstance(exc, NotDone):
        return CaseResult(points=0, status="not_done", **base, observed=str(exc))
    if isinstance(exc, Fail):
        return CaseResult(points=0, status="failed", **base, expected=exc.expected,
                          observed=exc.observed, hint=exc.hint or "", diagram=exc.diagram)
    if isinstance(exc, labrt.Deadlock):
        return CaseResult(points=0, status="failed", **base,
                          expected="the processes finish", observed=str(exc),
                          hint="a process waits for a message that nobody sends")
    if isinstance(exc, RecursionError) and student_frame(exc) is not None:
        return CaseResult(points=0, status="failed", **base,
                          expected="your code runs in bounded stack space",
                          observed=f"RecursionError{where(exc)}",
                          hint="a function (or process loop) that calls itself once per "
                               "message grows Python's stack until it overflows: use a "
                               "`while True:` loop")
    if student_frame(exc) is not None:
        return CaseResult(points=0, status="failed", **base,
                          expected="your code runs without raising an exception",
                          observed=f"{show(exc)}{where(exc)}",
                          hint="read the error and the line it names")
    return CaseResult(points=0, status="error", **base,
                      expected="the check runs",
                      observed=f"the check itself failed ({_internal(exc)})",
                      hint="this is a problem in the check, not necessarily in your "
                           "code: please tell your instructor")


def run_task(task: Task, ns: dict, include_hidden: bool = False) -> TaskResult:
    """Run the public cases (and the hidden ones if asked) of ``task`` in this
    process: observe, then judge, through the same code as the grading command."""
    from .judging import run_here
    return run_here(task, ns, include_hidden)
