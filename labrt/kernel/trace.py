"""Trace events recorded by a runtime (see notes/labrt-api.md for the event table).

When a runtime is created with ``trace=True`` it appends one :class:`Event` to
its :class:`Trace` for everything that happens: a spawn, a message sent, a
message taken by ``receive``, a link, an exit signal, a process ending, ...
The trace is the course's main instrument: tests assert on it, and the
notebooks print it or draw it as a sequence diagram.

Design notes
------------
* ``Trace`` is a plain ``list`` subclass and adds nothing to ``append``: the
  runtime records events on its hot path, so recording must stay as cheap as
  appending to a list. Everything else (filtering, printing, drawing) is done
  afterwards, when someone asks.
* Every value is shown by :func:`show`, a ``repr`` made deterministic: object
  addresses (``at 0x7f..``) are removed and sets are sorted. The same run
  therefore prints, saves and draws byte for byte the same way every time.
* This module must not import the runtime core at import time, because the
  core imports it. It only relies on how values print: a pid prints as
  ``<0.3.0>``, an ``Exit`` message has fields ``pid`` and ``reason``.
"""
from __future__ import annotations

import ast
import collections
import dataclasses
import html
import io
import json
import os
import re
from dataclasses import dataclass

__all__ = ["Event", "Trace", "KINDS", "show", "Term"]


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened. ``pid`` did ``kind`` at virtual ``time``,
    possibly to ``other``, with ``data`` (the message, reason, name, ...).
    ``pid`` is None for code outside the runtime (a notebook cell)."""

    seq: int
    time: float
    kind: str
    pid: object
    other: object
    data: object


#: Every event kind the runtime records, in the order of the API table.
KINDS = (
    "spawn", "send", "receive", "timeout", "link", "unlink", "monitor",
    "demonitor", "exit_signal", "exit", "register", "unregister", "trap_exit",
)

OUTSIDE = "outside"  # how an event whose pid is None (a notebook cell) is shown


# ---------------------------------------------------------------------------
# Showing values
# ---------------------------------------------------------------------------

class Term(str):
    """A value read back from a JSON-lines file that Python cannot rebuild
    (a pid, an exception, a message object): kept as the text it was written
    as, and printed without quotes, so it shows exactly as the original did."""

    __slots__ = ()

    def __repr__(self) -> str:
        return str(self)


_ADDRESS = re.compile(r" at 0x[0-9A-Fa-f]+")


def show(value: object) -> str:
    """``repr(value)``, made deterministic.

    Pids show as ``<0.3.0>``, exceptions as ``ZeroDivisionError('division by
    zero')``, strings with quotes. Sets are sorted and memory addresses are
    dropped, so the text does not change from one run to the next.
    """
    if value is None or isinstance(value, (str, bool, int, float, complex, bytes)):
        return repr(value)
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        inner = ", ".join(show(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{show(k)}: {show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (set, frozenset)):
        inner = ", ".join(sorted(show(v) for v in value))
        if isinstance(value, frozenset):
            return f"frozenset({{{inner}}})" if value else "frozenset()"
        return f"{{{inner}}}" if value else "set()"
    raw = repr(value)
    # Exceptions and dataclasses that print the standard way are shown part
    # by part, so a set or an object inside them is made deterministic too.
    # (A class with its own __repr__, like Pid, keeps it.)
    if isinstance(value, BaseException):
        name = type(value).__name__
        if raw == name + "(" + ", ".join(map(repr, value.args)) + ")":
            return name + "(" + ", ".join(map(show, value.args)) + ")"
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__qualname__
        pairs = [(f.name, getattr(value, f.name))
                 for f in dataclasses.fields(value) if f.repr]
        if raw == name + "(" + ", ".join(f"{k}={v!r}" for k, v in pairs) + ")":
            return name + "(" + ", ".join(f"{k}={show(v)}" for k, v in pairs) + ")"
    return _ADDRESS.sub("", raw)


def _plain(value: object) -> str:
    """Like :func:`show`, but a string is shown bare: for names and reasons,
    which are Erlang atoms (``normal``, not ``'normal'``)."""
    return value if isinstance(value, str) else show(value)


def _pid(pid: object) -> str:
    return OUTSIDE if pid is None else show(pid)


def _clip(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + "\u2026"


def describe(event: Event, limit: int | None = None) -> str:
    """The part of a listing line after the kind, e.g. ``-> <0.2.0> 'ping'``."""
    kind, other, data = event.kind, event.other, event.data
    target = "?" if other is None else show(other)
    if kind == "spawn":
        detail = f"-> {target} {_plain(data)}"
    elif kind == "send":
        detail = f"-> {target} {show(data)}"
    elif kind == "exit_signal":
        detail = f"-> {target} {_plain(data)}"
    elif kind == "receive":
        detail = show(data)
    elif kind == "timeout":
        detail = ""
    elif kind in ("link", "unlink"):
        detail = target
    elif kind in ("monitor", "demonitor"):
        detail = f"{target} {show(data)}"
    elif kind in ("exit", "register", "unregister", "trap_exit"):
        detail = _plain(data)
    else:  # a kind this module does not know yet: show everything
        detail = " ".join(show(x) for x in (other, data) if x is not None)
    return _clip(detail, limit)


def line_of(event: Event, limit: int | None = None) -> str:
    """One listing line: ``0.000  <0.1.0>  spawn  -> <0.2.0> ping``."""
    head = f"{event.time:.3f}  {_pid(event.pid)}  {event.kind}"
    detail = describe(event, limit)
    return f"{head}  {detail}" if detail else head


# ---------------------------------------------------------------------------
# The trace
# ---------------------------------------------------------------------------

class Trace(list):
    """The list of events a runtime recorded, oldest first.

    It is a real ``list``: index it, loop over it, compare it. The extra
    methods never change it; ``filter`` and slices give a new ``Trace``.
    """

    def __getitem__(self, index):
        item = list.__getitem__(self, index)
        return Trace(item) if isinstance(index, slice) else item

    # -- asking questions ---------------------------------------------------

    def kinds(self) -> collections.Counter:
        """How many events of each kind, in order of first appearance."""
        return collections.Counter(e.kind for e in self)

    def registered_names(self) -> dict[str, str]:
        """``{pid text: first name it registered}`` for every pid in this trace
        that called ``register``."""
        names: dict[str, str] = {}
        for e in self:
            if e.kind == "register" and e.pid is not None:
                names.setdefault(show(e.pid), str(e.data))
        return names

    def _pids_named(self, who) -> set[str]:
        """Pid texts for a pid, a pid text, a registered name, or a collection
        of those. A name matches every pid ever registered under it (so a
        restarted server is still found)."""
        if isinstance(who, (set, frozenset, list)) or (
                isinstance(who, tuple) and not hasattr(who, "_fields")):
            found: set[str] = set()
            for one in who:
                found |= self._pids_named(one)
            return found
        if isinstance(who, str) and not isinstance(who, Term):
            if who.startswith("<"):  # a pid's text
                return {who}
            return {show(e.pid) for e in self
                    if e.kind == "register" and e.data == who and e.pid is not None}
        return {show(who)}

    def filter(self, kind=None, pid=None, involving=None, since=None,
               until=None, where=None) -> Trace:
        """The events that pass every test given (tests left as None pass all).

        kind      -- a kind (``"send"``) or a collection of kinds
        pid       -- the actor of the event: a pid, its text ``"<0.3.0>"``, a
                     registered name, or a collection of those
        involving -- like ``pid`` but matches the actor *or* the other pid
        since     -- time >= since;  until -- time <= until  (both inclusive)
        where     -- a predicate ``where(event) -> bool``
        """
        kinds = None
        if kind is not None:
            kinds = {kind} if isinstance(kind, str) else set(kind)
            unknown = sorted(kinds - set(KINDS) - set(self.kinds()))
            if unknown:
                raise ValueError(f"unknown event kind(s) {unknown}; "
                                 f"known kinds are {', '.join(KINDS)}")
        actors = None if pid is None else self._pids_named(pid)
        parties = None if involving is None else self._pids_named(involving)

        def keep(e: Event) -> bool:
            if kinds is not None and e.kind not in kinds:
                return False
            if since is not None and e.time < since:
                return False
            if until is not None and e.time > until:
                return False
            if actors is not None and (e.pid is None or show(e.pid) not in actors):
                return False
            if parties is not None and not any(
                    p is not None and show(p) in parties for p in (e.pid, e.other)):
                return False
            return where is None or bool(where(e))

        return Trace(e for e in self if keep(e))

    # -- text ----------------------------------------------------------------

    def lines(self, limit: int | None = 100) -> list[str]:
        """One line per event: time, actor, kind, details. Details longer than
        ``limit`` characters are cut with an ellipsis (``None``: never)."""
        return [line_of(e, limit) for e in self]

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def _repr_pretty_(self, p, cycle) -> None:  # IPython's text display
        p.text(self._summary() + ("\n" + "\n".join(self._head_lines()) if self else ""))

    def _summary(self) -> str:
        counts = ", ".join(f"{n} {k}" for k, n in self.kinds().items())
        return f"Trace: {len(self)} events" + (f" ({counts})" if counts else "")

    _SHOWN = 200  # rows shown in a notebook before "... N more"

    def _head_lines(self) -> list[str]:
        out = self[: self._SHOWN].lines()
        if len(self) > self._SHOWN:
            out.append(f"... {len(self) - self._SHOWN} more events (print(trace) shows all)")
        return out

    def _repr_html_(self) -> str:
        """A compact table for Jupyter, first rows only."""
        rows = []
        for e in self[: self._SHOWN]:
            colour = _KIND_COLOURS.get(e.kind, "inherit")
            if e.kind == "exit" and not is_clean(e.data):
                colour = "#c62828"
            cells = (f"{e.time:.3f}", _pid(e.pid), e.kind, describe(e, 100))
            rows.append(
                "<tr>" + "".join(
                    f'<td style="padding:0 .8em 0 0;text-align:left;'
                    f'{"color:" + colour if i == 2 else ""}">{html.escape(c)}</td>'
                    for i, c in enumerate(cells)) + "</tr>")
        more = ""
        if len(self) > self._SHOWN:
            more = (f"<div>... {len(self) - self._SHOWN} more events "
                    f"(<code>print(trace)</code> shows all)</div>")
        return (f"<div><div><b>{html.escape(self._summary())}</b></div>"
                f'<table style="font-family:monospace;font-size:12px;'
                f'border-collapse:collapse">{"".join(rows)}</table>{more}</div>')

    # -- JSON lines ------------------------------------------------------------

    def to_jsonl(self, path_or_file=None):
        """Write one JSON object per event, e.g.
        ``{"seq": 1, "time": 0.0, "kind": "spawn", "pid": null, "other": "<0.1.0>", "data": "'main'"}``.

        ``pid``, ``other`` and ``data`` are written as their :func:`show`
        text (``null`` for None). ``path_or_file`` is a path or an open text
        file; with no argument the text is returned instead.
        """
        text = "".join(_event_json(e) + "\n" for e in self)
        if path_or_file is None:
            return text
        if isinstance(path_or_file, (str, os.PathLike)):
            with open(path_or_file, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
        else:
            path_or_file.write(text)
        return None

    @classmethod
    def from_jsonl(cls, source) -> Trace:
        """Read a trace written by :meth:`to_jsonl` (a path, an open file, or
        the text itself if it starts with ``{``).

        Values that are Python literals (strings, numbers, tuples, ...) come
        back as those values; the others (pids, exceptions, messages) come
        back as :class:`Term`, which prints exactly as the original did. So
        ``Trace.from_jsonl(t.to_jsonl()).to_jsonl() == t.to_jsonl()``.
        """
        if isinstance(source, str) and (source == "" or source.lstrip().startswith("{")):
            stream = io.StringIO(source)
        elif isinstance(source, (str, os.PathLike)):
            with open(source, encoding="utf-8") as f:
                stream = io.StringIO(f.read())
        else:
            stream = source
        events = []
        for raw in stream:
            if not raw.strip():
                continue
            obj = json.loads(raw)
            events.append(Event(obj["seq"], obj["time"], obj["kind"],
                                _read_value(obj["pid"], literal=False),
                                _read_value(obj["other"], literal=False),
                                _read_value(obj["data"], literal=True)))
        return cls(events)

    # -- pictures ----------------------------------------------------------------

    def sequence_diagram(self, title=None, processes=None, names=None,
                         kinds=None, max_events=None, nodes=None):
        """Draw this trace as a message sequence chart; see
        :class:`labrt.draw.seqdiagram.SequenceDiagram`.

        title      -- shown above the chart (and used as its accessible name)
        processes  -- the pids (or registered names) that get a lifeline, in
                      this order; the rest share one "others" column
        names      -- ``{pid: display name}`` for column headers
        kinds      -- draw only events of these kinds
        max_events -- draw at most this many events
        nodes      -- node names by index (a list, a dict or a ``World``), for
                      a trace of several nodes: lifelines are grouped by node
        """
        from ..draw.seqdiagram import SequenceDiagram  # drawing code loads lazily
        return SequenceDiagram(self, title=title, processes=processes, names=names,
                               kinds=kinds, max_events=max_events, nodes=nodes)


_KIND_COLOURS = {"spawn": "#555", "exit_signal": "#c62828", "link": "#1565c0",
                 "unlink": "#1565c0", "monitor": "#1565c0", "demonitor": "#1565c0",
                 "timeout": "#8d6e00"}


def is_clean(reason: object) -> bool:
    """True for the exit reasons OTP treats as a clean stop (no crash report,
    otp-semantics item 89): ``normal``, ``shutdown`` and ``("shutdown", _)``."""
    if isinstance(reason, Term):  # read back from a file
        reason = _read_value(str(reason), literal=True)
    if isinstance(reason, str):
        return reason in ("normal", "shutdown")
    return isinstance(reason, tuple) and len(reason) == 2 and reason[0] == "shutdown"


def _event_json(e: Event) -> str:
    record = {"seq": e.seq, "time": e.time, "kind": e.kind,
              "pid": None if e.pid is None else show(e.pid),
              "other": None if e.other is None else show(e.other),
              "data": None if e.data is None else show(e.data)}
    return json.dumps(record, ensure_ascii=False)


def _read_value(text, literal: bool):
    if text is None:
        return None
    if literal:
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return Term(text)
        if show(value) == text:  # only if it prints back the same way
            return value
    return Term(text)
