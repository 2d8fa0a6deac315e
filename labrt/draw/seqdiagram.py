"""Draw a :class:`~labrt.trace.Trace` as a message sequence chart (SVG).

The chart has one column per process. Time runs down the page: every event
gets its own row, in trace order, and the virtual time is written in a left
gutter whenever it changes. A process's column starts with a header box (its
name, function and pid), drawn where it was spawned, and a dashed lifeline
runs down from it until the process exits (an X with the exit reason).

How each event is drawn (colour always repeats what the line style and the
label already say, so the chart reads in black and white too):

=============  ==============================================================
spawn          dotted arrow labelled "spawn" to the child's new header box
send           solid arrow labelled with the message; an ``Exit``/``Down``
               message is a dashed arrow labelled ``EXIT reason`` / ``DOWN reason``
receive        a small filled dot on the receiver's lifeline, with the message
timeout        an hourglass on the lifeline, labelled "timeout"
link, unlink   a thin double line between the two lifelines (unlink: dashed)
monitor        a thin line with an open arrowhead (demonitor: dashed)
exit_signal    a dashed arrow labelled "exit signal: reason"
exit           an X that ends the lifeline, with the reason
register, ...  a small note beside the lifeline
=============  ==============================================================

Red means "abnormal": an exit reason other than ``normal``, ``shutdown`` or
``("shutdown", _)``. The full text of every event is in a ``<title>`` tooltip.

Labels get the room they need. Every event has a row of its own, so a label
may run past the lifelines next to it (a white halo keeps it readable over
them): an arrow's label is centred on the arrow and moved sideways to stay
inside the chart, a label beside a lifeline may reach the chart's edge, and
the chart is made wide enough for its widest label (up to ``MAX_LABEL``
pixels). A label that still does not fit is abbreviated by its structure
(:func:`abbreviate`): the deepest, then the largest, bracketed part becomes
``…``, so ``('$gen_call', (<0.3.0>, #Tag<2>), ('get', 'alice'))`` reads
``('$gen_call', (…), ('get', 'alice'))`` and the words outside brackets
(``exit signal: killed``) are never cut. Only text without brackets is cut
at the end.

On screen the chart scales down with its column, but never below the size at
which its smallest text is ``MIN_READABLE_PX``: the SVG has a ``min-width``,
and the HTML wrapper scrolls sideways (class ``labrt-diagram``) on a phone.

A trace of several nodes (a :class:`labrt.dist.World`'s, or any trace given
``nodes=``) is drawn with the same rows, plus a band per node, the network's
events and its faults as shaded periods: see :mod:`labrt.draw.seqnodes`, which
the steps below consult through ``self.layer`` (None for one node, so a
one-node chart is drawn exactly as without it).

The layout is computed in three steps: choose the events and the columns,
give every event a row (a spawn row is taller, it holds a header box), then
write the SVG. Everything is deterministic: same trace, same bytes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from . import seqnodes as N
from . import svg as S
from ..kernel.trace import KINDS, OUTSIDE, Term, _plain, is_clean, line_of, show

OTHERS = "others"

# Colours (text colours have at least 4.5:1 contrast on white).
INK = "#222222"
GREY = "#666666"
LIGHT = "#aaaaaa"
RED = "#c62828"
BLUE = "#1f5fa8"
AMBER = "#8a5a00"
HEADER_FILL = "#f3f5f8"
HEADER_STROKE = "#56636f"
NOTE_FILL = "#fff7d6"
NOTE_STROKE = "#cdb86a"

# Sizes in pixels.
FONT = 12          # every label
SMALL = 12         # second and third lines of a header, time gutter (grey, not smaller:
                   # at 12 the chart may shrink to 11/12 of its width and stay readable)
PAD = 16           # outer margin
ROW = 30           # height of an ordinary row
POINT = 20         # where in a row the event happens (arrow height)
LINE_H = 15        # line height in header boxes
MIN_COL, MAX_COL = 120, 220   # column width range
LABEL_COL = 170               # a column widens for its labels up to this; longer ones spill over
MAX_LABEL = 360               # labels up to this wide are drawn whole (the chart widens)
MIN_READABLE_PX = 11          # smallest text size on screen (the SVG's min-width)
MAX_DESC_LINES = 60           # events listed in the <desc> alt text

_HALO = dict(stroke="#ffffff", stroke_width=3, stroke_linejoin="round", paint_order="stroke")


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


# ---------------------------------------------------------------------------
# Reading events
# ---------------------------------------------------------------------------

_EXIT_TEXT = re.compile(r"^Exit\(pid=(.*), reason=(.*)\)$", re.S)
_DOWN_TEXT = re.compile(r"^Down\(ref=(.*?), pid=(.*?), reason=(.*)\)$", re.S)


def notification(message) -> tuple[str, object] | None:
    """``("EXIT", reason)`` or ``("DOWN", reason)`` if ``message`` is an
    ``Exit``/``Down`` message from the runtime (or its text read back from a
    file), else None."""
    name = type(message).__name__
    if name in ("Exit", "Down") and hasattr(message, "reason") and hasattr(message, "pid"):
        return name.upper(), message.reason
    if isinstance(message, Term):
        from ..kernel.trace import _read_value
        for label, pattern in (("EXIT", _EXIT_TEXT), ("DOWN", _DOWN_TEXT)):
            m = pattern.match(message)
            if m:
                return label, _read_value(m.groups()[-1], literal=True)
    return None


def _time_label(t: float) -> str:
    text = f"{t:.3f}".rstrip("0").rstrip(".")
    return ("0" if text in ("", "-0") else text) + " s"


# ---------------------------------------------------------------------------
# The diagram
# ---------------------------------------------------------------------------

class SequenceDiagram:
    """A message sequence chart of a trace.

    ``.svg`` is the SVG text, ``.description`` its text alternative;
    ``save(path)`` writes the SVG file; Jupyter shows it inline.
    """

    def __init__(self, trace, title=None, processes=None, names=None,
                 kinds=None, max_events=None, nodes=None):
        self.title = title
        # Several nodes (or node names given): lifelines in bands per node, the
        # network's events and faults drawn too (labrt.draw.seqnodes). None: one node.
        self.layer = N.layer_for(trace, nodes)
        self._pick_events(trace, processes, kinds, max_events)
        self._make_columns(trace, names)
        self._make_rows()
        self.description = self._describe()
        self.svg = self._render()

    def _repr_svg_(self) -> str:
        return self.svg

    def _repr_html_(self) -> str:
        # Jupyter and the book prefer HTML to SVG; inline SVG (rather than an
        # <img>) keeps the tooltips and the text alternative working.
        return S.scroll_box(self.svg)

    def __repr__(self) -> str:
        return (f"<SequenceDiagram: {len(self.rows)} events, "
                f"{len(self.columns)} columns>")

    def save(self, path) -> None:
        """Write the SVG to ``path`` (UTF-8)."""
        if str(path).lower().endswith((".png", ".jpg", ".jpeg", ".gif", ".pdf", ".webp")):
            raise ValueError(f"save() writes SVG, not {str(path).rsplit('.', 1)[1]}: "
                             f"use a .svg path (rsvg-convert turns it into a PNG or PDF)")
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(self.svg)

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

    # -- step 3: SVG -------------------------------------------------------------

    def _render(self) -> str:
        out = [self._svg_open()]
        if self.title:
            out.append(S.text(self.width / 2, PAD + 14, S.fit(self.title, self.width - 2 * PAD, 14, True),
                              text_anchor="middle", font_size=14, font_weight="bold", fill=INK))
        if self.layer is not None:
            out += self.layer.background(self)
        out += self._time_gutter()
        out += self._lifelines()
        for i, row in enumerate(self.rows):
            out.append(self._draw_event(i, row))
        out += self._headers()
        if self.layer is not None:
            out.append(self.layer.legend(self, self.legend_top))
        if self.hidden:
            out.append(S.text(PAD + self.gutter, self.rows_bottom + 28,
                              f"\u2026 {self.hidden} more event{'s' if self.hidden != 1 else ''} not shown",
                              fill=GREY, font_style="italic"))
        if not self.rows:
            out.append(S.text(self.width / 2, self.rows_bottom + 4, "(no events)",
                              text_anchor="middle", fill=GREY))
        out.append("</svg>\n")
        return "\n".join(out)

    def _svg_open(self) -> str:
        title = self.title or "Sequence diagram"
        head = S.tag(
            "svg", None, xmlns="http://www.w3.org/2000/svg",
            viewBox=f"0 0 {S.num(self.width)} {S.num(self.height)}",
            width="100%", style=S.size_style(self.width, min(FONT, SMALL), MIN_READABLE_PX),
            role="img", aria_label=f"{title}. {self.summary}",
            font_family=S.FONT_FAMILY, font_size=FONT)[:-2] + ">"
        return "\n".join([
            head,
            S.tag("title", S.esc(title)),
            S.tag("desc", S.esc(self.description)),
            S.tag("rect", x=0, y=0, width=self.width, height=self.height, fill="#ffffff"),
        ])

    def _time_gutter(self) -> list[str]:
        out = []
        right = PAD + self.gutter - 10
        if self.rows:
            out.append(S.text(right, self.band_top + 12, "time", text_anchor="end",
                              fill=GREY, font_size=SMALL, font_style="italic"))
        last = None
        for i, row in enumerate(self.rows):
            label = _time_label(row.event.time)  # compare labels: real clocks jitter
            if label == last:
                continue
            if i > 0:
                out.append(S.line(PAD, row.top, self.width - PAD, row.top,
                                  stroke="#e3e3e3", stroke_width=1))
            out.append(S.text(right, row.y + 4, label, text_anchor="end",
                              fill=GREY, font_size=SMALL))
            last = label
        return out

    def _lifelines(self) -> list[str]:
        out = []
        for col in self.columns.values():
            if col.start is None:
                y1 = self.band_top + self.header_h
            else:
                y1 = self.rows[col.start].top + 10 + self.header_h
            y2 = self.rows[col.end].y if col.end is not None else self.rows_bottom + 10
            dash = "4 4" if col.is_process else "1 4"
            if self.layer is not None and col.is_process:
                for a, b in self.layer.segments(self, col, y1, y2):
                    out.append(S.line(col.x, a, col.x, b, stroke=LIGHT, stroke_width=1.2,
                                      stroke_dasharray=dash, data_lifeline=col.key))
                continue
            out.append(S.line(col.x, y1, col.x, y2, stroke=LIGHT, stroke_width=1.2,
                              stroke_dasharray=dash, data_lifeline=col.key))
        return out

    def _headers(self) -> list[str]:
        out = []
        for col in self.columns.values():
            w = col.width - 16
            top = self.band_top if col.start is None else self.rows[col.start].top + 10
            parts = [S.tag("title", S.esc(" \u00b7 ".join(col.lines))),
                     S.tag("rect", x=col.x - w / 2, y=top, width=w, height=self.header_h, rx=4,
                           fill=HEADER_FILL, stroke=HEADER_STROKE, stroke_width=1,
                           stroke_dasharray=None if col.is_process else "3 2")]
            y = top + 5 + (self.header_h - 10 - LINE_H * len(col.lines)) / 2
            for j, line in enumerate(col.lines):
                bold, size = j == 0, FONT if j == 0 else SMALL
                y += LINE_H
                parts.append(S.text(col.x, y - 3.5, S.fit(line, w - 14, size, bold),
                                    text_anchor="middle", font_size=None if j == 0 else size,
                                    font_weight="bold" if bold else None,
                                    fill=INK if bold else GREY))
            out.append(S.tag("g", "".join(parts), data_header=col.key))
        return out

    # -- one event ----------------------------------------------------------------

    def _draw_event(self, i: int, row: Row) -> str:
        remote = False
        if self.layer is not None:
            drawn = self.layer.draw(self, i, row)
            if drawn is not None:
                return drawn
            remote = self.layer.crosses(self, row)
        e = row.event
        src = self.columns[row.src]
        dst = self.columns.get(row.dst)
        label = self._label(row)
        kind = e.kind
        y = row.y
        parts = [S.tag("title", S.esc(line_of(e)))]

        if kind == "spawn" and dst is not None and dst is not src:
            if dst.start == i:  # arrow to the side of the new header box
                y = row.top + 10 + self.header_h / 2
                half = (dst.width - 16) / 2
                end = dst.x - half if dst.x > src.x else dst.x + half
            else:
                end = dst.x
            parts += self._arrow(src.x, end, y, label, GREY, dash="2 3", head="open")
        elif kind == "send" and dst is not None:
            note = notification(e.data)
            if note:
                colour = GREY if is_clean(note[1]) else RED
                parts += self._arrow(src.x, dst.x, y, label, colour, dash="6 3", head="filled",
                                     bold=colour == RED, row_index=i, dst=dst)
            else:
                parts += self._arrow(src.x, dst.x, y, label, N.TEAL if remote else INK,
                                     head="filled", row_index=i, dst=dst)
        elif kind == "send":  # a name that did not resolve: the message is lost
            parts += self._arrow(src.x, src.x + self._side(src) * 40, y,
                                 label + " (no receiver)", INK, head="lost", beside=True,
                                 row_index=i)
        elif kind == "exit_signal" and dst is not None:
            colour = GREY if is_clean(e.data) else RED
            parts += self._arrow(src.x, dst.x, y, label, colour, dash="6 3", head="bar",
                                 bold=colour == RED, row_index=i, dst=dst)
        elif kind in ("link", "unlink", "monitor", "demonitor") and dst is not None and dst is not src:
            dash = "4 3" if kind in ("unlink", "demonitor") else None
            if kind in ("link", "unlink"):
                for dy in (-1.5, 1.5):
                    parts.append(S.line(src.x, y + dy, dst.x, y + dy, stroke=BLUE,
                                        stroke_width=1, stroke_dasharray=dash))
                parts.append(self._arrow_label((src.x + dst.x) / 2, y - 6, label,
                                               abs(dst.x - src.x) - 10, BLUE))
            else:
                parts += self._arrow(src.x, dst.x, y, label, BLUE, dash=dash, head="open",
                                     width=1)
        elif kind == "receive":
            parts.append(S.tag("circle", cx=src.x, cy=y, r=3.5, fill=INK))
            parts.append(self._beside(src, y, label, GREY, gap=8))
        elif kind == "timeout":
            parts.append(S.path(
                f"M{S.num(src.x - 4.5)} {S.num(y - 6)}h9l-9 12h9z",
                fill="#f5e3b3", stroke=AMBER, stroke_width=1.2, stroke_linejoin="round"))
            parts.append(self._beside(src, y, label, AMBER, gap=10))
        elif kind == "exit":
            clean = is_clean(e.data)
            colour = GREY if clean else RED
            d = 5
            parts.append(S.path(
                f"M{S.num(src.x - d)} {S.num(y - d)}l{2 * d} {2 * d}"
                f"M{S.num(src.x + d)} {S.num(y - d)}l{-2 * d} {2 * d}",
                stroke=colour, stroke_width=2.2, stroke_linecap="round"))
            parts.append(self._beside(src, y, label, colour, gap=11, bold=not clean))
        else:  # register, unregister, trap_exit, and anything unknown: a note
            parts += self._note(src, y, label)
        if remote and dst is not None:
            parts += self.layer.rings(src.x, dst.x, y)
        return S.tag("g", "".join(parts), data_kind=kind, data_remote="1" if remote else None)

    def _room(self, col: Column, side: int) -> float:
        """Free width beside a lifeline, up to the chart's edge (an event has its row
        to itself, so its label may cross the lifelines next to it)."""
        edge = self.width - PAD - col.x if side > 0 else col.x - PAD - self.gutter
        return min(edge, MAX_LABEL + 40)

    def _side(self, col: Column, width: float = 0.0) -> int:
        """+1 if things beside this lifeline go to its right, -1 for its left: the
        right if ``width`` fits there (or there is more room there), else the left."""
        right, left = self._room(col, 1), self._room(col, -1)
        return 1 if right >= min(width + 30, left) else -1

    def _beside(self, col: Column, y: float, label: str, colour: str, gap: float,
                bold: bool = False) -> str:
        side = self._side(col, S.text_width(label, FONT, bold))
        room = self._room(col, side) - gap - 4
        return S.text(col.x + side * gap, y + 4, abbreviate(label, room, FONT, bold),
                      text_anchor="start" if side > 0 else "end", fill=colour,
                      font_weight="bold" if bold else None, **_HALO)

    def _note(self, col: Column, y: float, label: str) -> list[str]:
        side = self._side(col, S.text_width(label, FONT))
        room = self._room(col, side) - 20
        text = abbreviate(label, room, FONT)
        w = S.text_width(text, FONT) + 12
        x = col.x + 6 if side > 0 else col.x - 6 - w
        return [S.tag("rect", x=x, y=y - 9, width=w, height=18, rx=2,
                      fill=NOTE_FILL, stroke=NOTE_STROKE, stroke_width=1),
                S.text(x + 6, y + 4, text, fill=INK)]

    def _arrow_label(self, x: float, y: float, label: str, room: float, colour: str,
                     bold: bool = False) -> str:
        """A label centred over an arrow at ``x``; wider than the arrow (``room``), it
        is moved sideways as far as needed to stay inside the chart."""
        left, right = PAD + self.gutter, self.width - PAD
        text = abbreviate(label, min(right - left, max(room, MAX_LABEL)), FONT, bold)
        half = S.text_width(text, FONT, bold) / 2
        x = min(max(x, left + half), right - half)
        return S.text(x, y, text, text_anchor="middle",
                      fill=colour, font_weight="bold" if bold else None, **_HALO)

    def _arrow(self, x1, x2, y, label, colour, dash=None, head="filled", width=1.2,
               bold=False, row_index=None, dst=None, beside=False) -> list[str]:
        """A horizontal arrow from x1 to x2 with its label above it. An arrow
        from a lifeline to itself is drawn as a small loop."""
        parts = []
        lost = (dst is not None and dst.end is not None and row_index is not None
                and dst.end < row_index)
        if x1 == x2:  # a message to oneself
            col = next(c for c in self.columns.values() if c.x == x1)
            side = self._side(col, S.text_width(label, FONT, bold) + 32)
            loop = 26 * side
            parts.append(S.path(
                f"M{S.num(x1)} {S.num(y - 8)}h{S.num(loop)}v10h{S.num(-loop + 7 * side)}",
                fill="none", stroke=colour, stroke_width=width, stroke_dasharray=dash))
            parts.append(self._head(x1, y + 2, -side, colour, head))
            room = self._room(col, side) - 34
            parts.append(S.text(x1 + loop + 6 * side, y - 1, abbreviate(label, room, FONT, bold),
                                text_anchor="start" if side > 0 else "end", fill=colour,
                                font_weight="bold" if bold else None, **_HALO))
            return parts
        direction = 1 if x2 > x1 else -1
        if lost:
            head = "lost"
            label += " (dead)"
        shorten = 7 if head in ("filled", "lost") else 0
        parts.append(S.line(x1, y, x2 - direction * shorten, y, stroke=colour,
                            stroke_width=width, stroke_dasharray=dash))
        parts.append(self._head(x2, y, direction, colour, head))
        if beside:
            anchor = "start" if direction > 0 else "end"
            room = self._room(self.columns[self.rows[row_index].src], direction) - 48
            parts.append(S.text(x2 + direction * 6, y + 4, abbreviate(label, room, FONT),
                                text_anchor=anchor, fill=colour, **_HALO))
        else:
            parts.append(self._arrow_label((x1 + x2) / 2, y - 5, label, abs(x2 - x1) - 12,
                                           colour, bold))
        return parts

    @staticmethod
    def _head(x: float, y: float, direction: int, colour: str, kind: str) -> str:
        """An arrowhead whose tip is at (x, y), pointing right (+1) or left (-1)."""
        back = x - direction * 8
        if kind == "open":
            return S.path(f"M{S.num(back)} {S.num(y - 4)}L{S.num(x)} {S.num(y)}"
                          f"L{S.num(back)} {S.num(y + 4)}",
                          fill="none", stroke=colour, stroke_width=1.2)
        if kind == "lost":  # UML's "lost message": arrow into a filled circle
            return S.tag("circle", cx=x - direction * 3, cy=y, r=4, fill=colour)
        tri = S.polygon([(x, y), (back, y - 4), (back, y + 4)], fill=colour)
        if kind == "bar":  # exit signals: a bar across the shaft before the head
            bar = x - direction * 12
            return tri + S.line(bar, y - 6, bar, y + 6, stroke=colour, stroke_width=2.5)
        return tri

    # -- words -------------------------------------------------------------------

    def _describe(self) -> str:
        """The text alternative: a summary, then the events in order."""
        cols = []
        for col in self.columns.values():
            cols.append(" ".join(col.lines) if col.is_process else col.lines[0])
        counts: dict[str, int] = {}
        for row in self.rows:
            counts[row.event.kind] = counts.get(row.event.kind, 0) + 1
        crashes = [f"{' '.join(self.columns[r.src].lines)} exited with {_plain(r.event.data)}"
                   for r in self.rows if r.event.kind == "exit" and not is_clean(r.event.data)]
        n = len(self.rows)
        summary = f"{n} event{'s' if n != 1 else ''}"
        if self.rows:
            t0, t1 = self.rows[0].event.time, self.rows[-1].event.time
            summary += (f" from {_time_label(t0)} to {_time_label(t1)}" if t1 != t0
                        else f" at {_time_label(t0)}")
        summary += f", {len(cols)} lifeline{'s' if len(cols) != 1 else ''}: " + "; ".join(cols)
        if counts:
            summary += ". Kinds: " + ", ".join(f"{k} {v}" for k, v in counts.items())
        if crashes:
            summary += ". Abnormal exits: " + "; ".join(crashes)
        if self.hidden:
            summary += f". {self.hidden} more events not shown"
        if self.layer is not None and self.layer.summary(self):
            summary += ". " + self.layer.summary(self)
        self.summary = summary + "."
        listing = [line_of(r.event, 100) for r in self.rows[:MAX_DESC_LINES]]
        if n > MAX_DESC_LINES:
            listing.append(f"... and {n - MAX_DESC_LINES} more")
        return self.summary + (" Events, top to bottom:\n" + "\n".join(listing) if listing else "")


_OPEN, _CLOSE = "([{", ")]}"


def _groups(text: str) -> list[tuple[int, int, int]]:
    """The bracketed parts of ``text`` as (start, end, depth), ``text[start]`` being
    the opening bracket and ``text[end]`` its match; unmatched brackets are ignored."""
    found, stack = [], []
    for i, ch in enumerate(text):
        if ch in _OPEN:
            stack.append((ch, i))
        elif ch in _CLOSE:
            if stack and _OPEN.index(stack[-1][0]) == _CLOSE.index(ch):
                _, start = stack.pop()
                found.append((start, i, len(stack)))
            else:
                stack = []          # unbalanced: start again from here
    return found


def abbreviate(text: str, room: float, size: float = FONT, bold: bool = False) -> str:
    """``text`` if it fits in ``room`` pixels; else ``text`` with its deepest (then
    largest, then leftmost) bracketed parts replaced by ``…`` one at a time until it
    fits; else, if even that is too wide, cut with an ellipsis at the end.

    The bracket that holds the whole text is kept, so the shape of a term stays
    visible: ``('$gen_call', (<0.3.0>, #Tag<2>), ('get', 'alice'))`` becomes
    ``('$gen_call', (…), ('get', 'alice'))``. Deterministic."""
    while S.text_width(text, size, bold) > room:
        whole = len(text) - 1
        parts = [(depth, end - start, -start, start, end)
                 for start, end, depth in _groups(text)
                 if not (start == 0 and end == whole) and text[start + 1:end] != S.ELLIPSIS]
        if not parts:
            return S.fit(text, room, size, bold)
        *_, start, end = max(parts)
        text = text[:start + 1] + S.ELLIPSIS + text[end:]
    return text


def _short(reason) -> str:
    """An exit reason for a label on an arrow: an exception by its class name
    only (the full text is in the tooltip and at the X of the process)."""
    if isinstance(reason, BaseException):
        return type(reason).__name__
    if isinstance(reason, Term) and re.match(r"^[A-Za-z_][\w.]*\(", reason):
        return reason[: reason.index("(")]
    return _plain(reason)


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
