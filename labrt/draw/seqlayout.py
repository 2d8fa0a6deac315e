"""Laying out a sequence diagram: from the trace's events to columns and rows.

The chart has one column per process and one row per event, and this module
decides both, in the first two of the diagram's three steps (the third, the
SVG, is :mod:`labrt.draw.seqrender`'s).  Nothing here draws: it fills in
:class:`Column` and :class:`Row`, plain records of where things go, and
the drawing reads them.

**Step 1: which events, which columns.**  The events are the trace's, in
trace order, filtered by ``kinds=`` and by ``processes=`` (an event stays if
either of its pids is one asked for) and cut at ``max_events`` (the chart
says how many more there were).  Columns come in order of first appearance
(those asked for with ``processes=`` first, in the order given);
a process not asked for goes to the one ``others`` column, whose arrows name
the pid at their end instead.  Events with no process (what a notebook cell
did) have an ``outside`` column on the left.  A header box names the
process (its registered name or the name given in ``names=``, its function,
its pid).

**Step 2: rows and widths.**  A row is ``ROW`` high and its event happens at
``POINT`` within it; a spawn's row is taller, since it holds the new
process's header box, which is drawn where the process was born rather than
at the top.  A column's lifeline runs from its header to its exit.  Process
columns share one width, wide enough for every header and for short labels
(up to ``LABEL_COL``); longer labels spill past the neighbouring lifelines,
which their own row allows.  :meth:`Layout._label` says what each event's
label is, since the widths depend on it.

A run of several nodes adds to both steps through ``self.layer`` (a
:class:`labrt.draw.seqnodes.NodeLayer`, None for one node): it keeps the
network's events when processes are filtered, folds a lost message into
the send it belongs to, orders the columns by node and puts a gap between
two nodes' columns.  With no layer the layout is the one-node layout.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import seqnodes as N
from . import svg as S
from .seqstyle import (FONT, LABEL_COL, LINE_H, MAX_COL, MAX_LABEL, MIN_COL, OTHERS, PAD,
                       POINT, ROW, SMALL)
from .seqtext import _short, _time_label, notification
from ..kernel.trace import KINDS, OUTSIDE, _plain, is_clean, show


@dataclass
class Column:
    key: str                     # pid text, or OUTSIDE / OTHERS
    lines: list[str]             # header lines: name (bold), function, pid
    x: float = 0                 # where the lifeline is
    width: float = 0             # the column's width; its header box is a bit narrower
    start: int | None = None     # row of the spawn that draws the header
    end: int | None = None       # row of the exit that ends the lifeline
    reason: object = None

    @property
    def is_process(self) -> bool:
        return self.key not in (OUTSIDE, OTHERS)


@dataclass
class Row:
    event: object
    top: float = 0
    height: float = ROW
    src: str | None = None       # column key of the actor
    dst: str | None = None       # column key of the other pid, if drawn
    box: float | None = None     # a spawn row: height of the new header box

    @property
    def y(self) -> float:
        """The height at which the event happens (where its arrow is)."""
        if self.box is not None:
            return self.top + 10 + self.box / 2
        return self.top + self.height - (ROW - POINT)


class Layout:
    """Steps 1 and 2 of :class:`~labrt.draw.seqdiagram.SequenceDiagram`: the
    events, the columns, the rows and their sizes; and what each event's label
    says.  Fills in ``events``, ``columns``, ``rows``, ``width``, ``height``,
    ``band_top``, ``rows_bottom``, ``header_h``, ``gutter``."""

    # -- step 1: which events, which columns ---------------------------------

    def _pick_events(self, trace, processes, kinds, max_events):
        events = list(trace)
        if kinds is not None:
            kinds = {kinds} if isinstance(kinds, str) else set(kinds)
            unknown = sorted(kinds - set(KINDS) - set(N.NET_KINDS if self.layer else ()))
            if unknown:
                raise ValueError(f"unknown event kind(s) {unknown}")
            events = [e for e in events if e.kind in kinds]
        self.shown = None            # pid texts with their own column, in order
        if processes is not None:
            if isinstance(processes, str) or not hasattr(processes, "__iter__"):
                processes = [processes]
            self.shown = []
            for who in processes:
                found = trace._pids_named(who)
                if not found:
                    raise ValueError(f"no process registered as {who!r} in this trace")
                # several pids for one name: in order of first appearance
                for key in _first_seen(trace, found):
                    if key not in self.shown:
                        self.shown.append(key)
            wanted = set(self.shown)
            events = [e for e in events
                      if _key(e.pid) in wanted or _key(e.other) in wanted
                      or (self.layer is not None and self.layer.keep(e))]
        if self.layer is not None:
            events = self.layer.fold(events)
        self.hidden = 0
        if max_events is not None and len(events) > max_events:
            self.hidden = len(events) - max_events
            events = events[:max_events]
        self.events = events

    def _column_of(self, pid) -> str | None:
        if pid is None:
            return None
        key = show(pid)
        if self.shown is not None and key not in self.shown:
            return OTHERS
        return key

    def _make_columns(self, trace, names):
        # display names: keys may be pids, pid texts or registered names
        names = {key: str(v) for k, v in (names or {}).items()
                 for key in trace._pids_named(k)}
        registered = trace.registered_names()
        functions: dict[str, str] = {}
        for e in trace:
            if e.kind == "spawn" and e.other is not None:
                functions.setdefault(show(e.other), str(e.data))

        keys: list[str] = []
        outside = (self.layer.outside if self.layer is not None
                   else lambda e: e.pid is None)
        if any(outside(e) for e in self.events):
            keys.append(OUTSIDE)
        if self.shown is not None:
            keys.extend(self.shown)
        collapsed: list[str] = []
        for e in self.events:
            for pid in (e.pid, e.other):
                col = self._column_of(pid)
                if col == OTHERS and show(pid) not in collapsed:
                    collapsed.append(show(pid))
                if col is not None and col not in keys and col != OTHERS:
                    keys.append(col)
        if collapsed:
            keys.append(OTHERS)
        if self.layer is not None:
            keys = self.layer.order(keys)

        self.columns: dict[str, Column] = {}
        for key in keys:
            if key == OUTSIDE:
                lines = [OUTSIDE, "your code"]
            elif key == OTHERS:
                n = len(collapsed)
                lines = [OTHERS, f"{n} process" + ("es" if n != 1 else "")]
            else:
                label = names.get(key) or registered.get(key)
                fn = functions.get(key)
                lines = [label] if label else []
                if fn and fn != label:
                    lines.append(fn)
                lines.append(key)
            self.columns[key] = Column(key, lines)

    # -- step 2: rows ----------------------------------------------------------

    def _make_rows(self):
        self.rows = []
        seen: set[str] = set()
        for i, e in enumerate(self.events):
            row = Row(e, src=OUTSIDE if e.pid is None else self._column_of(e.pid),
                      dst=self._column_of(e.other))
            if self.layer is not None and self.layer.source(e) is None:
                row.src = None                  # a world or net-kernel row
            child = self.columns.get(row.dst) if e.kind == "spawn" else None
            if (child is not None and child.is_process and child.start is None
                    and child.key not in seen and row.dst != row.src):
                child.start = i
            if e.kind == "exit" and row.src in self.columns:
                col = self.columns[row.src]
                if col.is_process and col.end is None:
                    col.end, col.reason = i, e.data
            seen.update(k for k in (row.src, row.dst) if k)
            self.rows.append(row)

        n_lines = max((len(c.lines) for c in self.columns.values()), default=1)
        self.header_h = 10 + LINE_H * n_lines
        for i, row in enumerate(self.rows):
            col = self.columns.get(row.dst)
            if row.event.kind == "spawn" and col is not None and col.start == i:
                row.height = self.header_h + 22
                row.box = self.header_h
            elif row.event.kind in ("receive", "timeout", "exit"):
                row.height = ROW - 4  # no label above a line: a little less room

        # Process columns share one width; "outside" and "others" only need
        # room for their header.
        self.col_w = self._column_width()
        self.gutter = max(48, max((S.text_width(_time_label(e.time), SMALL)
                                   for e in self.events), default=0) + 14)
        x = PAD + self.gutter
        prev = None
        for col in self.columns.values():
            if self.layer is not None:
                x += self.layer.gap_before(prev, col)
                prev = col
            col.width = self.col_w
            if not col.is_process:
                col.width = min(self.col_w, max(
                    MIN_COL - 20, S.text_width(col.lines[1], SMALL) + 40))
            col.x = x + col.width / 2
            x += col.width
        widest = max((self._label_width(r) for r in self.rows), default=0)
        title = S.text_width(self.title, 14, True) if self.title else 0
        self.width = max(x + PAD, PAD * 2 + self.gutter + MIN_COL,
                         PAD * 2 + self.gutter + min(widest, MAX_LABEL) + 12,
                         PAD * 2 + min(title, MAX_LABEL + 200))

        y = PAD + (26 if self.title else 0)
        if self.layer is not None:
            y += N.TOP                          # the bands' names
        self.band_top = y
        if any(c.start is None for c in self.columns.values()):
            y += self.header_h + 14
        for row in self.rows:
            row.top = y
            y += row.height
        self.rows_bottom = y
        self.height = y + 14 + (20 if self.hidden else 0) + PAD
        if self.layer is not None:
            self.layer.place(self)
            self.legend_top = self.height - PAD + 6
            self.height += self.layer.legend_height(self, self.width - 2 * PAD) + 6

    def _column_width(self) -> float:
        """Wide enough for every header (up to MAX_COL) and for short labels (up to
        LABEL_COL); a longer label runs past the lifelines next to it."""
        want = MIN_COL
        for col in self.columns.values():
            for j, text in enumerate(col.lines):
                # the box is 16 px narrower than the column, its text 14 px narrower still
                want = max(want, S.text_width(text, FONT if j == 0 else SMALL, j == 0) + 32)
        index = {k: i for i, k in enumerate(self.columns)}
        for row in self.rows:
            if not self._label(row) or (row.src is None and row.dst is None):
                continue                        # (a world row spans the chart)
            width = self._label_width(row)
            a, b = index.get(row.src), index.get(row.dst)
            if a is not None and b is not None and a != b:
                want = max(want, min((width + 24) / abs(a - b), LABEL_COL))
            else:
                want = max(want, min(width + 48, LABEL_COL))
        return min(want, MAX_COL)

    def _label_width(self, row: Row) -> float:
        """The drawn width of an event's label (bold where it is drawn bold)."""
        label = self._label(row)
        return S.text_width(label, FONT, self._bold(row)) if label else 0.0

    @staticmethod
    def _bold(row: Row) -> bool:
        """Abnormal exits, exit signals and EXIT/DOWN messages are drawn bold."""
        e = row.event
        if e.kind in ("exit", "exit_signal"):
            return not is_clean(e.data)
        if e.kind == "send":
            note = notification(e.data)
            return bool(note) and not is_clean(note[1])
        return False

    # -- what each event says ----------------------------------------------------

    def _label(self, row: Row) -> str:
        """The text drawn for an event. An arrow to or from the "others"
        column also names the pid at that end, since the column does not."""
        text = self._what(row)
        if row.dst == OTHERS and row.src != OTHERS:
            return f"{text} ({show(row.event.other)})"
        if row.src == OTHERS and row.dst not in (None, OTHERS):
            return f"({show(row.event.pid)}) {text}"
        return text

    def _what(self, row: Row) -> str:
        e = row.event
        kind = e.kind
        if self.layer is not None and kind in N.NET_KINDS:
            return self.layer.what(e)
        if kind == "spawn":
            return "spawn"
        if kind in ("send", "receive"):
            note = notification(e.data)
            if note:
                return f"{note[0]} {_short(note[1])}"
            return show(e.data)
        if kind == "timeout":
            return "timeout"
        if kind == "exit_signal":
            return f"exit signal: {_short(e.data)}"
        if kind == "exit":
            return _plain(e.data)
        if kind in ("link", "unlink", "monitor", "demonitor"):
            return kind if row.dst is not None else f"{kind} ?"
        if kind == "choice":              # a note beside a lifeline (labrt.explore's choices)
            return _plain(e.data)
        if kind in ("register", "unregister", "trap_exit"):
            return f"{kind}: {_plain(e.data)}"
        return f"{kind}: {show(e.data)}" if e.data is not None else kind


def _key(pid) -> str | None:
    return None if pid is None else show(pid)


def _first_seen(trace, keys: set[str]) -> list[str]:
    order = []
    for e in trace:
        for pid in (e.pid, e.other):
            k = _key(pid)
            if k in keys and k not in order:
                order.append(k)
    order += sorted(keys - set(order))
    return order
