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
When the grading command keeps verdicts outside the sandbox (see
``labrt/grading/protocol.py``), :func:`case` hands the pair to it; until
then it registers an ordinary case function that runs both halves.
"""
from __future__ import annotations

import inspect

from labrt.trace import show

from .. import core
from ..core import Fail

try:                                   # the grader's protocol, once it is there
    from .. import protocol as _protocol
except ImportError:                    # pragma: no cover - older labrt
    _protocol = None

EPS = 1e-9


def plain(value):
    """An exit reason (or any value) as plain data for an observation."""
    import labrt
    if isinstance(value, labrt.ProcessExit):
        return plain(value.reason)
    if isinstance(value, BaseException):
        return ("crash", type(value).__name__, show(value))
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


class Scenario:
    """An observer with its judge (``@observer.judge``)."""

    def __init__(self, observe):
        self.observe = observe
        self.inputs = tuple(list(inspect.signature(observe).parameters)[1:])
        self.judge_fn = None
        self.proto = None
        if _protocol is not None and hasattr(_protocol, "Scenario"):
            self.proto = _protocol.Scenario(observe)

    def judge(self, fn):
        self.judge_fn = fn
        if self.proto is not None:
            self.proto.judge(fn)
        return fn

    def __call__(self, t, **params):
        """Both halves at once (what a case does before the protocol)."""
        inputs = {k: v for k, v in params.items() if k in self.inputs}
        obs = self.observe(t, **inputs)
        try:
            self.judge_fn(obs, **params)
        except Fail as f:
            d = f.diagram
            if d is True:
                d = 0
            if isinstance(d, int) and not isinstance(d, bool):
                f.diagram = (t.runtimes[d], {"max_events": 80}) if d < len(t.runtimes) else None
            elif isinstance(d, tuple) and len(d) == 2 and isinstance(d[0], int):
                f.diagram = (t.runtimes[d[0]], {"max_events": 80, **d[1]}) \
                    if d[0] < len(t.runtimes) else None
            raise


def scenario(observe) -> Scenario:
    return Scenario(observe)


def _protocol_ready() -> bool:
    return "scenario" in inspect.signature(core.public).parameters


def case(task, points: int, title: str, scen: Scenario, hidden: bool = False,
         limit: float = core.CASE_LIMIT, **params):
    """Register a case of ``task``: ``scen`` observed with its inputs, then judged."""
    if scen.proto is not None and _protocol_ready():
        register = core.hidden if hidden else core.public
        return register(task, points, title, scen.proto, limit=limit, **params)
    register = core.hidden if hidden else core.public

    def run(t):
        scen(t, **params)
    run.__name__ = f"case_{task.name}"
    return register(task, points, title, limit=limit)(run)
