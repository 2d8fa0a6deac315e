"""Verdicts outside the sandbox: scenarios observe, judges decide.

A check case used to be one function that ran the student's code *and*
decided whether it was right, in the same process as that code. Anything
the student's code could reach (the expected values on the case's stack
frame, the function that raises ``Fail``, the pipe the verdict travelled
on) it could also change, so a few lines in a task cell could award full
marks. This module splits a case in two:

* a **scenario** (``@scenario def ring(t, n, laps): ...``) runs the
  student's code on fresh simulated runtimes and returns *observations*:
  plain data (numbers, strings, tuples, lists, dicts; pids and exceptions
  as their text). It takes only the case's *inputs*;
* its **judge** (``@ring.judge def _(obs, n, laps, want): ...``) compares
  the observations with the *expected* values and raises :class:`Fail`
  with what was expected, what was observed and a hint. It takes the
  inputs and the expected values as keyword arguments.

A case is then data: ``public(RING, 3, "three laps", ring, n=3, laps=3,
want=9)``. The keyword arguments that name a parameter of the scenario are
its inputs; the others are for the judge only. When grading, only the
scenario half runs in the sandbox, with the inputs of every case (public
and hidden) and without the expected values, and the grading command
judges what comes back. A forged observation is as much work as a correct
solution, and the worst a hostile notebook can do to the channel is lose
its own points. In a student's notebook, ``check("ring")`` runs both
halves in one process on the public cases, through the same functions,
and even sends the observations through the same encoding, so that what
the student sees is what the grader would decide.

Feedback still reaches the student: a scenario's runtimes are kept, and a
judge that says ``Fail(..., diagram=True)`` (or an index, or ``(index,
options)``) gets the sequence diagram of that run drawn in Jupyter and a
short text trace of it in the grading report (:func:`trace_text`).

The encoding (:func:`encode`, :func:`decode`) is strict: exact built-in
types only (a student's ``str`` subclass with an ``__eq__`` that says yes
to everything arrives as a plain ``str``), bounded depth and size, and
anything else (a pid, an exception, a student's object) arrives as an
:class:`Opaque` holding its ``show()`` text.
"""
from __future__ import annotations

import inspect
import json
import math
from dataclasses import dataclass
from typing import Callable

from labrt.kernel.trace import line_of, show

#: Nesting depth and number of values an observation may have.
MAX_DEPTH = 40
MAX_ITEMS = 200_000
#: Longest string kept in an observation (longer ones are cut, with a mark).
MAX_TEXT = 20_000
#: Events of a run kept for the text trace (the first and the last ones).
TRACE_HEAD, TRACE_TAIL = 24, 96
#: Lines of text trace shown under a failure in a report.
TRACE_LINES = 24


class ObservationError(ValueError):
    """An observation that cannot be encoded or decoded (too deep, too big, malformed)."""


@dataclass(frozen=True)
class Opaque:
    """A value that is not plain data (a pid, an exception, a student's object),
    kept as the text ``show()`` gave for it. Equal to another only if the texts are."""

    text: str

    def __repr__(self) -> str:
        return self.text


# ---------------------------------------------------------------------------
# The encoding

def _show(value) -> str:
    try:
        text = show(value)
    except BaseException:               # noqa: BLE001 - a student's __repr__ may raise anything
        text = f"<unprintable {type(value).__name__}>"
    return str.__str__(text) if isinstance(text, str) else "<unprintable>"


def _text(s: str) -> str:
    s = str.__str__(s)                      # an exact str, even from a subclass
    return s if len(s) <= MAX_TEXT else s[:MAX_TEXT] + "\u2026[cut]"


def encode(value) -> object:
    """``value`` as JSON-able data: lists stay lists, tuples become ``{"T": [...]}``,
    dicts ``{"D": [[k, v], ...]}``, sets ``{"S": [...]}``, other objects ``{"O": text}``."""
    budget = [MAX_ITEMS]

    def enc(v, depth):
        budget[0] -= 1
        if budget[0] < 0:
            raise ObservationError(f"more than {MAX_ITEMS} values")
        if depth > MAX_DEPTH:
            raise ObservationError(f"nested more than {MAX_DEPTH} deep")
        if v is None or v is True or v is False:
            return v
        if isinstance(v, bool):
            return bool(v)
        if isinstance(v, int):
            n = int.__int__(v)
            return n if abs(n) < 2 ** 128 else {"O": f"<an int of {n.bit_length()} bits>"}
        if isinstance(v, float):
            f = float.__float__(v)
            return f if math.isfinite(f) else {"F": repr(f)}
        if isinstance(v, str):
            return _text(v)
        if isinstance(v, Opaque):
            return {"O": _text(v.text)}
        if type(v) is tuple or (isinstance(v, tuple) and not hasattr(v, "_fields")):
            return {"T": [enc(x, depth + 1) for x in tuple.__iter__(v)]}
        if isinstance(v, list):
            return [enc(x, depth + 1) for x in list.__iter__(v)]
        if isinstance(v, dict):
            return {"D": [[enc(k, depth + 1), enc(x, depth + 1)]
                          for k, x in dict.items(v)]}
        if isinstance(v, (set, frozenset)):
            items = [enc(x, depth + 1) for x in v]
            return {"S": sorted(items, key=lambda x: json.dumps(x, sort_keys=True))}
        return {"O": _text(_show(v))}

    return enc(value, 0)


def decode(data) -> object:
    """The inverse of :func:`encode`; raises :class:`ObservationError` on anything
    that :func:`encode` cannot have produced."""
    budget = [MAX_ITEMS]

    def dec(d, depth):
        budget[0] -= 1
        if budget[0] < 0 or depth > MAX_DEPTH + 1:
            raise ObservationError("observation too large or too deep")
        if d is None or isinstance(d, (bool, int, float, str)):
            return d
        if isinstance(d, list):
            return [dec(x, depth + 1) for x in d]
        if isinstance(d, dict) and len(d) == 1:
            (tag, body), = d.items()
            if tag == "T" and isinstance(body, list):
                return tuple(dec(x, depth + 1) for x in body)
            if tag == "D" and isinstance(body, list):
                out = {}
                for pair in body:
                    if not (isinstance(pair, list) and len(pair) == 2):
                        raise ObservationError("malformed dict entry")
                    key = dec(pair[0], depth + 1)
                    try:
                        out[key] = dec(pair[1], depth + 1)
                    except TypeError:
                        raise ObservationError("unhashable dict key") from None
                return out
            if tag == "S" and isinstance(body, list):
                try:
                    return frozenset(dec(x, depth + 1) for x in body)
                except TypeError:
                    raise ObservationError("unhashable set item") from None
            if tag == "O" and isinstance(body, str):
                return Opaque(body)
            if tag == "F" and body in ("inf", "-inf", "nan"):
                return float(body)
        raise ObservationError(f"unexpected value of type {type(d).__name__}")

    return dec(data, 0)


def loads(text: str, limit: int) -> object:
    """Parse one JSON document of at most ``limit`` characters, never raising
    anything but :class:`ObservationError`."""
    if len(text) > limit:
        raise ObservationError(f"more than {limit} bytes")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as e:
        raise ObservationError(f"not valid JSON ({type(e).__name__})") from None


def roundtrip(value):
    """What the grading command would see of ``value`` (used by ``check()``)."""
    return decode(json.loads(json.dumps(encode(value))))


def plain_reason(reason) -> object:
    """An exit reason as plain data: ``"normal"``, ``"killed"``, a tuple... stay
    as they are; a crash becomes ``("crash", "ValueError", "ValueError('bad')")``."""
    if isinstance(reason, BaseException):
        import labrt
        if isinstance(reason, labrt.ProcessExit):
            return plain_reason(reason.reason)
        return ("crash", type(reason).__name__, _show(reason))
    return reason


# ---------------------------------------------------------------------------
# Scenarios and judges

SCENARIOS: dict[str, "Scenario"] = {}


class Scenario:
    """The observing half of a case, with its judge attached (``@s.judge``)."""

    def __init__(self, observe: Callable):
        self.observe = observe
        self.name = f"{observe.__module__}:{observe.__qualname__}"
        params = list(inspect.signature(observe).parameters)[1:]   # after the trial
        self.inputs = tuple(params)
        self.judge_fn: Callable | None = None
        SCENARIOS[self.name] = self

    def judge(self, fn: Callable) -> Callable:
        """Decorator: ``fn(obs, **inputs_and_expected)`` raises ``Fail`` or returns."""
        self.judge_fn = fn
        return fn

    def split(self, params: dict) -> tuple[dict, dict]:
        """(inputs, expected-only) out of a case's keyword arguments."""
        inputs = {k: v for k, v in params.items() if k in self.inputs}
        return inputs, {k: v for k, v in params.items() if k not in self.inputs}

    @property
    def public(self) -> bool:
        """Only scenarios shipped with labrt's public checks run in the sandbox."""
        return self.name.startswith("labrt.grading.checks.")

    def __repr__(self) -> str:
        return f"<scenario {self.name}>"


def scenario(observe: Callable) -> Scenario:
    """Decorator: ``observe(t, **inputs)`` runs the student's code and returns
    plain observations (see the module's essay)."""
    return Scenario(observe)


# ---------------------------------------------------------------------------
# Text traces: what a report shows of a run

def trace_events(rt, relabel=None) -> list:
    """A run's events as ``[time, line]`` pairs, the first and last ones only."""
    events = list(rt.trace)
    keep = events if len(events) <= TRACE_HEAD + TRACE_TAIL else (
        events[:TRACE_HEAD] + [None] + events[-TRACE_TAIL:])
    out = []
    for e in keep:
        if e is None:
            out.append([None, f"... {len(events) - TRACE_HEAD - TRACE_TAIL} events ..."])
            continue
        try:
            if relabel is not None and e.kind == "send":
                import dataclasses
                e = dataclasses.replace(e, data=relabel(e.data))
            out.append([float(e.time), line_of(e, limit=100)])
        except BaseException:                   # noqa: BLE001 - a trace line is a nicety
            out.append([float(e.time), f"{e.time:.3f}  {e.kind}  (unprintable)"])
    return out


def trace_text(events, options: dict | None = None) -> str:
    """At most :data:`TRACE_LINES` lines of a kept run: the window
    ``since``..``until`` of ``options`` if given, else the end of the run."""
    options = options or {}
    since, until = options.get("since"), options.get("until")
    rows = [r for r in events if isinstance(r, list) and len(r) == 2 and isinstance(r[1], str)
            and (r[0] is None or isinstance(r[0], (int, float)))]
    if since is not None or until is not None:
        rows = [r for r in rows if r[0] is not None
                and (since is None or r[0] >= since) and (until is None or r[0] <= until)]
        rows = rows[:TRACE_LINES]
    else:
        rows = rows[-TRACE_LINES:]
    return "\n".join(r[1] for r in rows)
