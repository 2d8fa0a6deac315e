"""Drawing a sequence diagram: the laid-out rows become SVG.

This is the diagram's third step.  The columns and rows are placed
(:mod:`labrt.draw.seqlayout`); here they are painted, back to front: the
node bands if any, the time gutter (the virtual time, written when it
changes, with a faint rule across the chart), the lifelines, one group per
event, the header boxes on top, and the node layer's key.  Each event's
group carries its kind (``data-kind``) and its full text in a ``<title>``
tooltip, so tests and screen readers can find it.

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
``("shutdown", _)``, drawn bold as well.  A message sent to a process that
has already exited ends in a filled dot, UML's "lost message", with
"(dead)" after its label.

Where a label goes is decided by room, not by rule: an arrow's label is
centred over it and pushed sideways to stay inside the chart; a label beside
a lifeline goes right if it fits there, else to the side with more room; a
message to oneself is a small loop.  The node layer draws the rows it knows
better (the network's events, lost messages, what a net kernel tells a
process) with the same helpers (:meth:`Drawing._arrow`, :meth:`Drawing._side`,
...), so both kinds of rows look alike.

The text alternative (:meth:`Drawing._describe`) is written here too: a
summary (events, lifelines, kinds, abnormal exits, the nodes) that is also
the SVG's ``aria-label``, then the first ``MAX_DESC_LINES`` events in order.
"""
from __future__ import annotations

from . import svg as S
from .netmarks import TEAL
from .seqlayout import Column, Row
from .seqstyle import (_HALO, AMBER, BLUE, FONT, GREY, HEADER_FILL, HEADER_STROKE, INK,
                       LIGHT, LINE_H, MAX_DESC_LINES, MAX_LABEL, MIN_READABLE_PX, NOTE_FILL,
                       NOTE_STROKE, PAD, RED, SMALL)
from .seqtext import _time_label, abbreviate, notification
from ..kernel.trace import _plain, is_clean, line_of


class Drawing:
    """Step 3 of :class:`~labrt.draw.seqdiagram.SequenceDiagram`: the SVG of
    the laid-out chart (``_render``) and its text alternative (``_describe``)."""

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
                parts += self._arrow(src.x, dst.x, y, label, TEAL if remote else INK,
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
