"""Histories: what clients asked for, what they were told, and when.

A history is the raw material of every checker in this package. It is a list
of *events* in the order they happened. Each client operation contributes two
of them: an ``invoke`` when the client sends its request, and one completion
when the client learns the outcome:

``ok``
    the operation happened, and here is its result (a read's value);
``fail``
    the operation certainly did *not* happen (the server refused it before
    doing anything);
``info``
    nobody knows: the call timed out, the connection dropped. The operation
    may have taken effect at any moment after its invocation, or never.

This is Jepsen's vocabulary, and the distinction matters: treating a timeout
as a failure makes a checker report "lost writes" that were merely slow, and
treating it as a success makes it miss lost ones. An operation still open when
recording stops is treated like ``info``.

Why events and not intervals? Because "A happened before B" is a statement
about events: A's completion came before B's invocation. On the simulated
kernel many events share one virtual time, yet they still happen one after
another; the order in which they were recorded is that order. So a history
keeps its events in recording order, times must never go backwards, and two
events at the same time are ordered by which was recorded first. The times
are kept for people (timelines, error messages); the checkers use the order.

A client has at most one operation open at a time, as a real client that
waits for each reply does. After an ``info`` it may go on (the unknown
operation keeps floating in the history; it does not block the client).

On disk a history is JSON lines: a header line, then one object per event.
Loading is strict: every line is checked, and a bad one is reported with its
line number and the field at fault, because a grader must be able to say
*where* a hand-edited or corrupted file is wrong.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable

KINDS = ("invoke", "ok", "fail", "info")
HEADER = {"labrt_history": 1}


class HistoryError(ValueError):
    """A history that breaks the rules, when recorded or loaded.

    ``line`` (1-based, files only) and ``field`` say where, when known.
    """

    def __init__(self, message: str, line: int | None = None, field: str | None = None):
        where = ""
        if line is not None:
            where = f"line {line}"
            if field is not None:
                where += f", field {field!r}"
            where += ": "
        super().__init__(where + message)
        self.line = line
        self.field = field


@dataclass(frozen=True)
class Operation:
    """One client operation, as far as it is known.

    ``status`` is ``"ok"``, ``"fail"``, ``"info"`` or ``None`` (still open).
    ``start`` and ``end`` are the positions of its two events in the history
    (``end`` is ``None`` while open); they decide real-time order.
    """
    id: int
    client: str | int
    f: str
    value: Any
    invoke_time: float
    start: int
    status: str | None = None
    result: Any = None
    complete_time: float | None = None
    end: int | None = None

    @property
    def uncertain(self) -> bool:
        """True if nobody knows whether it happened (info, or never completed)."""
        return self.status in ("info", None)

    def precedes(self, other: "Operation") -> bool:
        """True if this one completed (ok or fail) before ``other`` was invoked."""
        return self.status in ("ok", "fail") and self.end < other.start

    def __str__(self) -> str:
        return describe(self)


def describe(op: Operation) -> str:
    """A short human label: ``write(3)``, ``read() -> 3``, ``cas(1, 2) -> ?``."""
    if op.value is None:
        args = ""
    elif isinstance(op.value, tuple):
        args = ", ".join(_show(v) for v in op.value)
    else:
        args = _show(op.value)
    text = f"{op.f}({args})"
    if op.status == "ok" and op.result is not None:
        text += f" -> {_show(op.result)}"
    elif op.status == "fail":
        text += " failed"
    elif op.uncertain:
        text += " -> ?"
    return text


def _show(v: Any) -> str:
    if isinstance(v, tuple):
        return "[" + ", ".join(_show(x) for x in v) + "]"
    return repr(v) if isinstance(v, str) else str(v)


def _plain(value: Any, where: str) -> Any:
    """``value`` as stored: lists become tuples (so that states hash); only
    JSON's types are allowed, so that every history can be saved."""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise HistoryError(f"{where} must be a finite number, got {value!r}")
        return value
    if isinstance(value, (list, tuple)):
        return tuple(_plain(v, where) for v in value)
    raise HistoryError(f"{where} must be made of None, bool, int, float, str and lists; "
                       f"got {type(value).__name__} {value!r}")


def _json(value: Any) -> Any:
    return [_json(v) for v in value] if isinstance(value, tuple) else value


def _time(value: Any, what: str = "time") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise HistoryError(f"{what} must be a finite number, got {value!r}")
    return value


class History:
    """A recorder of client operations, and the history it records.

    ``clock`` (optional) is a function giving the current time, e.g.
    ``labrt.now`` inside a simulated run, so callers may leave out ``time``::

        h = History()
        op = h.invoke("a", "write", 3, 0.0)
        h.ok(op, None, 1.0)
    """

    def __init__(self, clock: Callable[[], float] | None = None):
        self._clock = clock
        self._ops: list[Operation] = []
        self._events: list[tuple[str, int]] = []      # (kind, op id) in order
        self._open: dict[Any, int] = {}               # client -> its open op
        self._last_time: float | None = None
        # For a history cut from another (prefix, subset, where): the id
        # each operation had there, by its id here.
        self.origin: list[int] | None = None

    # -- recording ---------------------------------------------------------

    def invoke(self, client: Any, f: str, value: Any = None, time: float | None = None) -> int:
        """Record that ``client`` asked for ``f(value)``; returns the op's id."""
        if not isinstance(client, (str, int)) or isinstance(client, bool):
            client = str(client)       # a Pid, say: its text is stable
        if not isinstance(f, str) or not f:
            raise HistoryError(f"f must be a non-empty string, got {f!r}")
        if client in self._open:
            raise HistoryError(f"client {client!r} invoked {f} while its operation "
                               f"{self._open[client]} is still open")
        t = self._now(time)
        op = Operation(len(self._ops), client, f, _plain(value, "value"), t, len(self._events))
        self._ops.append(op)
        self._events.append(("invoke", op.id))
        self._open[client] = op.id
        self._last_time = t
        return op.id

    def ok(self, op: int, result: Any = None, time: float | None = None) -> None:
        """Record that ``op`` happened, with ``result``."""
        self._complete(op, "ok", result, time)

    def fail(self, op: int, error: Any = None, time: float | None = None) -> None:
        """Record that ``op`` certainly did not happen (``error`` says why)."""
        self._complete(op, "fail", error, time)

    def info(self, op: int, error: Any = None, time: float | None = None) -> None:
        """Record that the outcome of ``op`` is unknown (a timeout, say)."""
        self._complete(op, "info", error, time)

    def _complete(self, op_id: int, kind: str, result: Any, time: float | None) -> None:
        if not isinstance(op_id, int) or not 0 <= op_id < len(self._ops):
            raise HistoryError(f"no operation {op_id!r} in this history")
        op = self._ops[op_id]
        if op.status is not None:
            raise HistoryError(f"operation {op_id} ({op.f}) was already completed ({op.status})")
        t = self._now(time)
        self._ops[op_id] = replace(op, status=kind, result=_plain(result, "result"),
                                   complete_time=t, end=len(self._events))
        self._events.append((kind, op_id))
        del self._open[op.client]
        self._last_time = t

    def _now(self, time: float | None) -> float:
        if time is None:
            if self._clock is None:
                raise HistoryError("no time given and the history has no clock")
            time = self._clock()
        t = _time(time)
        if self._last_time is not None and t < self._last_time:
            raise HistoryError(
                f"time {t} is earlier than the previous event's {self._last_time} "
                "(events are recorded in the order they happen; "
                "use History.from_ops for hand-made histories)")
        return t

    @classmethod
    def from_ops(cls, specs: Iterable[tuple]) -> "History":
        """A history from whole operations, in any order.

        Each spec is ``(client, f, value, invoke_time, complete_time, result)``
        with an optional seventh item, the status (``"ok"`` by default;
        ``"fail"``, ``"info"``, or ``None`` for never completed, whose
        complete_time is ignored). Events are sorted by time; at equal times
        completions come first, so ``[0, 1]`` and ``[1, 2]`` are sequential,
        then invocations, then completions of zero-length operations (which
        must follow their own invocation); otherwise the specs' order is kept.
        """
        specs = [tuple(s) for s in specs]
        events = []
        for i, s in enumerate(specs):
            if len(s) not in (6, 7):
                raise HistoryError(f"spec {i} must have 6 or 7 items, got {len(s)}: {s!r}")
            status = s[6] if len(s) == 7 else "ok"
            if status not in ("ok", "fail", "info", None):
                raise HistoryError(f"spec {i}: status must be ok, fail, info or None, got {status!r}")
            start = _time(s[3], f"spec {i}: invoke_time")
            events.append((start, 1, i, "invoke"))
            if status is not None:
                end = _time(s[4], f"spec {i}: complete_time")
                if end < start:
                    raise HistoryError(f"spec {i} completes ({end}) before it is invoked ({start})")
                events.append((end, 0 if end > start else 2, i, status))
        h = cls()
        ids = {}
        for t, _, i, kind in sorted(events):
            client, f, value, _, _, result = specs[i][:6]
            if kind == "invoke":
                ids[i] = h.invoke(client, f, value, t)
            else:
                getattr(h, kind)(ids[i], result, t)
        return h

    # -- reading -------------------------------------------------------------

    @property
    def operations(self) -> list[Operation]:
        """Every operation, in invocation order (a copy)."""
        return list(self._ops)

    def __len__(self) -> int:
        return len(self._ops)

    def __iter__(self):
        return iter(list(self._ops))

    def __getitem__(self, op_id: int) -> Operation:
        return self._ops[op_id]

    def events(self) -> list[tuple[str, Operation]]:
        """``(kind, operation)`` pairs in the order they happened."""
        return [(kind, self._ops[i]) for kind, i in self._events]

    def __repr__(self) -> str:
        done = sum(op.status is not None for op in self._ops)
        return f"<History: {len(self._ops)} operations, {done} completed>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, History) and self.dumps() == other.dumps()

    # -- cutting -------------------------------------------------------------

    def prefix(self, n_events: int) -> "History":
        """The history of the first ``n_events`` events; operations whose
        completion falls outside are open in it."""
        return self._rebuild(lambda op: True, n_events)

    def subset(self, op_ids: Iterable[int]) -> "History":
        """The history of just these operations (renumbered, order kept)."""
        keep = set(op_ids)
        return self._rebuild(lambda op: op.id in keep, len(self._events))

    def where(self, predicate: Callable[[Operation], bool]) -> "History":
        """The history of the operations for which ``predicate`` is true."""
        return self._rebuild(predicate, len(self._events))

    def split(self, key: Callable[[Operation], Any]) -> list[tuple[Any, "History"]]:
        """``(k, sub-history)`` for each value k of ``key(op)``, in order of
        first appearance, built in one pass (a map's keys, say)."""
        return list(self._rebuild_many(key, len(self._events)).items())

    def _rebuild(self, keep: Callable[[Operation], bool], n_events: int) -> "History":
        parts = self._rebuild_many(lambda op: True if keep(op) else _DROP, n_events)
        return parts.get(True) or _empty()

    def _rebuild_many(self, group: Callable[[Operation], Any], n_events: int) -> dict:
        parts: dict[Any, History] = {}
        where: dict[int, tuple[History, int]] = {}      # old id -> (part, new id)
        for kind, i in self._events[:n_events]:
            if kind == "invoke":
                op = self._ops[i]
                g = group(op)
                if g is _DROP:
                    continue
                h = parts.get(g)
                if h is None:
                    h = parts[g] = _empty()
                where[i] = (h, h.invoke(op.client, op.f, op.value, op.invoke_time))
                h.origin.append(i)
            elif i in where:
                op = self._ops[i]
                h, new = where[i]
                h._complete(new, kind, op.result, op.complete_time)
        return parts

    # -- JSON lines --------------------------------------------------------------

    def dumps(self) -> str:
        """The history as JSON lines (a header line, then one line per event)."""
        lines = [json.dumps(HEADER)]
        for kind, i in self._events:
            op = self._ops[i]
            if kind == "invoke":
                d = {"type": "invoke", "op": i, "client": op.client, "f": op.f,
                     "value": _json(op.value), "time": op.invoke_time}
            else:
                d = {"type": kind, "op": i,
                     ("result" if kind == "ok" else "error"): _json(op.result),
                     "time": op.complete_time}
            lines.append(json.dumps(d, allow_nan=False))
        return "\n".join(lines) + "\n"

    def save(self, path) -> None:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(self.dumps())

    @classmethod
    def load(cls, path) -> "History":
        with open(path, encoding="utf-8") as fh:
            return cls.loads(fh.read())

    @classmethod
    def loads(cls, text: str) -> "History":
        """Parse JSON lines written by :meth:`dumps`; raise :class:`HistoryError`
        naming the line and field of the first problem."""
        lines = text.splitlines()
        if not lines or _parse(lines[0], 1) != HEADER:
            raise HistoryError(f"the first line must be {json.dumps(HEADER)}", line=1)
        h = cls()
        for n, raw in enumerate(lines[1:], start=2):
            if not raw.strip():
                raise HistoryError("empty line", line=n)
            _load_event(h, _parse(raw, n), n)
        return h


_DROP = object()


def _empty() -> History:
    h = History()
    h.origin = []
    return h


_FIELDS = {
    "invoke": ("type", "op", "client", "f", "value", "time"),
    "ok": ("type", "op", "result", "time"),
    "fail": ("type", "op", "error", "time"),
    "info": ("type", "op", "error", "time"),
}


def _parse(raw: str, n: int) -> Any:
    try:
        return json.loads(raw, parse_constant=lambda c: _bad_constant(c, n))
    except json.JSONDecodeError as e:
        raise HistoryError(f"not valid JSON ({e.msg} at column {e.colno})", line=n) from None


def _bad_constant(name: str, n: int):
    raise HistoryError(f"{name} is not allowed (numbers must be finite)", line=n)


def _load_event(h: History, d: Any, n: int) -> None:
    if not isinstance(d, dict):
        raise HistoryError(f"expected a JSON object, got {type(d).__name__}", line=n)
    kind = d.get("type")
    if kind not in _FIELDS:
        raise HistoryError(f"must be one of {', '.join(KINDS)}; got {kind!r}", n, "type")
    wanted = _FIELDS[kind]
    for name in wanted:
        if name not in d:
            raise HistoryError(f"missing (a {kind} line has {', '.join(wanted)})", n, name)
    for name in d:
        if name not in wanted:
            raise HistoryError(f"unexpected field for a {kind} line", n, name)
    op = d["op"]
    if isinstance(op, bool) or not isinstance(op, int):
        raise HistoryError(f"must be an integer, got {op!r}", n, "op")
    t = d["time"]
    try:
        _time(t)
    except HistoryError:
        raise HistoryError(f"must be a finite number, got {t!r}", n, "time") from None
    if h._last_time is not None and t < h._last_time:
        raise HistoryError(f"{t} is earlier than the previous line's {h._last_time}", n, "time")
    if kind == "invoke":
        if op != len(h._ops):
            raise HistoryError(f"expected operation number {len(h._ops)} "
                               "(operations are numbered in invocation order)", n, "op")
        client = d["client"]
        if isinstance(client, bool) or not isinstance(client, (str, int)):
            raise HistoryError(f"must be a string or an integer, got {client!r}", n, "client")
        if not isinstance(d["f"], str) or not d["f"]:
            raise HistoryError(f"must be a non-empty string, got {d['f']!r}", n, "f")
        if client in h._open:
            raise HistoryError(f"client {client!r} already has operation "
                               f"{h._open[client]} open", n, "client")
        h.invoke(client, d["f"], _checked(d["value"], n, "value"), t)
    else:
        if not 0 <= op < len(h._ops):
            raise HistoryError(f"no operation {op} has been invoked", n, "op")
        if h._ops[op].status is not None:
            raise HistoryError(f"operation {op} was already completed", n, "op")
        field = "result" if kind == "ok" else "error"
        h._complete(op, kind, _checked(d[field], n, field), t)


def _checked(value: Any, n: int, field: str) -> Any:
    if isinstance(value, dict):
        raise HistoryError("objects are not allowed here (use a list)", n, field)
    if isinstance(value, list):
        for v in value:
            _checked(v, n, field)
    return value
