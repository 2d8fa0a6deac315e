"""Drawing the node layer: bands, the network's rows, lost messages, the key.

The diagram (:mod:`labrt.draw.seqrender`) asks the layer to draw in three
places, and this module answers each:

* **Behind everything** (:meth:`NetDrawing.background`): a tinted band per
  node with its name, grey hatching over a node while it is down, and a red
  hatched wall in a gap while the network is cut there.
* **Row by row** (:meth:`NetDrawing.draw`): the rows the layer knows better
  than the one-node diagram, or None to let the diagram draw the row as
  usual.  A ``nodeup`` is a green line between the two bands' middles, a
  ``nodedown`` a dashed red one with a cross; a fault is a pill-shaped tag
  over a dotted line across the bands it concerns.  What a node's net
  kernel tells a process starts at the edge of the receiver's own band,
  from a small square (red for bad news), since nothing crossed the
  network.  A send that was lost stops before the gap to the receiver's
  band and ends in a cross, labelled "(lost)"; a send to a name on another
  node that is not registered there yet is a short open-headed arrow,
  "(to a name, looked up on arrival)".
* **Under the chart** (:meth:`NetDrawing.legend`): a key of just the marks
  this chart uses, wrapped into rows to fit its width; and the sentence the
  text alternative ends with (:meth:`NetDrawing.summary`): the nodes and
  their lifelines, the messages lost, the faults.

Arrows, labels and arrowheads are the diagram's own helpers, so a network
row reads like any other row; the marks (ring, cross, hatching) and their
colours are shared with the cluster picture through :mod:`labrt.draw.netmarks`.
"""
from __future__ import annotations

from . import svg as S
from .netmarks import (AMBER, BAND_FILLS, BAND_STROKE, DOWN_FILL, FONT, GREEN, GREY, HALO,
                       INK, LEGEND, RED, TEAL, WALL_FILL, cross, fault_text, glyph, hatch)
from .seqlanes import TOP, WORLD_KINDS, _data, kernel_message, node_of
from .seqtext import abbreviate, notification
from ..kernel.trace import line_of

LEGEND_ROW = 22


class NetDrawing:
    """What the node layer draws (see the module's essay); needs the bands,
    gaps, walls and downs of :class:`~labrt.draw.seqlanes.Lanes` and
    :class:`~labrt.draw.seqperiods.Periods`."""

    # -- drawing -------------------------------------------------------------------
    def background(self, d) -> list[str]:
        out = []
        top, bottom = d.band_top - TOP + 2, d.rows_bottom + 8
        for k, (n, (x0, x1)) in enumerate(self.bands.items()):
            out.append(S.tag("rect", x=x0 + 2, y=top, width=x1 - x0 - 4, height=bottom - top,
                             rx=6, fill=BAND_FILLS[n % len(BAND_FILLS)], stroke=BAND_STROKE,
                             stroke_width=1, data_band=self.name(n)))
            out.append(S.text(x0 + 10, top + 16, S.fit(self.name(n), x1 - x0 - 20, FONT, True),
                              font_weight="bold", fill=INK))
        for n, spans in self.downs.items():
            if n not in self.bands:
                continue
            x0, x1 = self.bands[n]
            for a, b in spans:
                out.append(S.tag("rect", x=x0 + 2, y=a, width=x1 - x0 - 4, height=b - a,
                                 fill=DOWN_FILL, data_down=self.name(n)))
                out.append(hatch(x0 + 2, a, x1 - x0 - 4, b - a, 14, "#9a9a9a"))
        for k, spans in self.walls.items():
            g = self.gaps[k]
            for a, b in spans:
                out.append(S.tag("rect", x=g - 6, y=a, width=12, height=b - a,
                                 fill=WALL_FILL, stroke=RED, stroke_width=1,
                                 stroke_dasharray="3 2", data_partition=k))
                out.append(hatch(g - 6, a, 12, b - a, 7, RED))
        return out

    def draw(self, d, i, row):
        """The SVG of a row this layer draws itself, or None (the diagram draws it)."""
        e = row.event
        parts = [S.tag("title", S.esc(self.tooltip(e)))]
        if e.kind in WORLD_KINDS:
            parts += self._world_row(d, row)
        elif self.is_kernel(e) and row.dst in d.columns:
            parts += self._from_edge(d, row, about=kernel_message(e.data))
        elif self._noconnection(d, row):
            parts += self._from_edge(d, row, about=node_of(row.src))
        elif e.kind == "send" and e.seq in self.lost_of and row.src in d.columns:
            # (to a name whose pid is not known: a short arrow beside the sender)
            parts += self._lost_arrow(d, row, d._label(row) + " (lost)",
                                      short=row.dst not in d.columns)
        elif e.kind == "lost":
            parts += self._lost_arrow(d, row, d._label(row), short=True)
        elif e.kind == "send" and row.dst is None and row.src in d.columns:
            parts += self._to_a_name(d, row)
        else:
            return None
        return S.tag("g", "".join(parts), data_kind=e.kind)

    def tooltip(self, e) -> str:
        text = line_of(e)
        lost = self.lost_of.get(e.seq)
        if lost is not None:
            text += f" (lost at {lost.time:g} s)"
        return text

    def _noconnection(self, d, row) -> bool:
        e = row.event
        if not self.crosses(d, row):
            return False
        if e.kind == "exit_signal":
            return _data(e.data) == "noconnection"
        if e.kind == "send":
            note = notification(e.data)
            return bool(note) and note[1] == "noconnection"
        return False

    def _span(self, d, nodes):
        xs = [x for n in nodes if n in self.bands for x in self.bands[n]]
        if not xs:
            xs = [x for b in self.bands.values() for x in b] or [d.width / 2]
        return min(xs), max(xs)

    def _world_row(self, d, row) -> list[str]:
        e = row.event
        data = _data(e.data)
        y = row.y
        label = self.what(e)
        if e.kind in ("nodeup", "nodedown"):
            a, b = self.index(data[0]), self.index(data[1])
            if a in self.bands and b in self.bands:
                x1 = (self.bands[a][0] + self.bands[a][1]) / 2
                x2 = (self.bands[b][0] + self.bands[b][1]) / 2
            else:
                x1, x2 = self._span(d, [a, b])
            up = e.kind == "nodeup"
            colour = GREEN if up else RED
            out = [S.line(x1, y, x2, y, stroke=colour, stroke_width=1.4 if up else 2,
                          stroke_dasharray=None if up else "6 3")]
            if up:
                out += [S.tag("circle", cx=x, cy=y, r=3, fill=colour) for x in (x1, x2)]
            else:
                m = (x1 + x2) / 2
                out.append(cross(m, y, 5, colour))
            out.append(d._arrow_label((x1 + x2) / 2, y - 6, label, d.width, colour,
                                      bold=not up))       # (a row of its own: all the width)
            return out
        what = data[0] if isinstance(data, tuple) and data else "fault"
        if what in ("crash", "restart") and len(data) >= 2:
            x1, x2 = self._span(d, [self.index(data[1])])
        else:
            x1, x2 = self._span(d, list(self.bands))
        colour = {"partition": RED, "crash": RED, "heal": GREEN, "restart": GREEN}.get(what, AMBER)
        tag_w = S.text_width(label, FONT, True) + 14
        m = (x1 + x2) / 2
        out = [S.line(x1 + 4, y, x2 - 4, y, stroke=colour, stroke_width=1,
                      stroke_dasharray="2 3")]
        left = min(max(m - tag_w / 2, 16 + d.gutter), d.width - 16 - tag_w)
        out.append(S.tag("rect", x=left, y=y - 10, width=tag_w, height=20, rx=10,
                         fill="#ffffff", stroke=colour, stroke_width=1.2))
        out.append(S.text(left + tag_w / 2, y + 4, label, text_anchor="middle", fill=colour,
                          font_weight="bold"))
        return out

    def _from_edge(self, d, row, about) -> list[str]:
        """A message from the receiver's own net kernel: from its band's edge."""
        dst = d.columns[row.dst]
        n = self.node_of_col(dst)
        if isinstance(about, str):
            about = self.index(about)
        x0 = self.edge(n, about) if n in self.bands else dst.x - 40
        if abs(x0 - dst.x) < 24:
            x0 = dst.x + (24 if x0 >= dst.x else -24)
        e = row.event
        label = d._label(row)
        note = notification(e.data) if e.kind == "send" else None
        bad = e.kind == "exit_signal" or (note is not None) or (
            kernel_message(e.data) is not None and _data(e.data)[0] == "nodedown")
        colour = RED if bad else GREEN
        head = "bar" if e.kind == "exit_signal" else "filled"
        out = [S.tag("rect", x=x0 - 3, y=row.y - 3, width=6, height=6, fill=colour)]
        # Dashed only for signals (an exit signal, an EXIT or DOWN message); a plain
        # message such as ('nodedown', N) stays solid, and red is always written bold.
        signal = e.kind == "exit_signal" or note is not None
        out += d._arrow(x0, dst.x, row.y, label, colour, dash="6 3" if signal else None,
                        head=head, bold=bad)
        return out

    def _lost_arrow(self, d, row, label, short=False) -> list[str]:
        src = d.columns[row.src]
        dst = d.columns.get(row.dst)
        y = row.y
        if dst is not None and dst is not src:
            direction = 1 if dst.x > src.x else -1
            n = self.node_of_col(dst)
            if n in self.bands:
                g = [x for x in self.gaps if min(src.x, dst.x) < x < max(src.x, dst.x)]
                # stop short of the last gap before the receiver (its wall, if cut)
                end = ((max(g) - 10 if direction > 0 else min(g) + 10) if g
                       else self.edge(n, self.node_of_col(src)))
            else:
                end = (src.x + dst.x) / 2
        else:
            direction = d._side(src, S.text_width(label, FONT) + 40)
            end = src.x + direction * 44
        out = [S.line(src.x, y, end - direction * 6, y, stroke=RED, stroke_width=1.4)]
        out += self.rings(src.x, end - direction * 8, y)
        out.append(cross(end, y, 5, RED))
        if short:
            anchor = "start" if direction > 0 else "end"
            room = d._room(src, direction) - 56
            out.append(S.text(end + direction * 9, y + 4, abbreviate(label, room, FONT),
                              text_anchor=anchor, fill=RED, font_weight="bold",
                              **HALO))
        else:
            out.append(d._arrow_label((src.x + end) / 2, y - 5, label, abs(end - src.x) - 12,
                                      RED, True))
        return out

    def _to_a_name(self, d, row) -> list[str]:
        """A send to ``(name, node)`` whose name was not registered when it was
        sent: the name is looked up when the message arrives, so it is not a
        message to nobody (yet); an open arrowhead says "address unknown here"."""
        src = d.columns[row.src]
        label = d._label(row) + " (to a name, looked up on arrival)"
        side = d._side(src, S.text_width(label, FONT) + 40)
        end = src.x + side * 40
        out = [S.line(src.x, row.y, end, row.y, stroke=TEAL, stroke_width=1.2)]
        out.append(d._head(end, row.y, side, TEAL, "open"))
        room = d._room(src, side) - 48
        out.append(S.text(end + side * 6, row.y + 4, abbreviate(label, room, FONT),
                          text_anchor="start" if side > 0 else "end", fill=TEAL, **HALO))
        return out

    # -- key and words -------------------------------------------------------------
    def legend_items(self, d) -> list[str]:
        kinds = {r.event.kind for r in d.rows}
        items = ["remote"]
        if self.lost_of or "lost" in kinds:
            items.append("lost")
        if self.walls:
            items.append("partition")
        if self.downs:
            items.append("down")
        if "nodedown" in kinds:
            items.append("nodedown")
        return items

    def legend_height(self, d, width) -> float:
        return LEGEND_ROW * len(self._legend_rows(self.legend_items(d), width)) + 8

    def _legend_rows(self, items, width):
        rows, line, used = [], [], 0.0
        for it in items:
            w = 40 + S.text_width(LEGEND[it], FONT) + 18
            if line and used + w > width:
                rows.append(line)
                line, used = [], 0.0
            line.append((it, w))
            used += w
        if line:
            rows.append(line)
        return rows

    def legend(self, d, top) -> str:
        width = d.width - 2 * 16
        out = []
        for k, line in enumerate(self._legend_rows(self.legend_items(d), width)):
            x, y = 16.0, top + k * LEGEND_ROW + 12
            for it, w in line:
                out.append(glyph(it, x, y))
                out.append(S.text(x + 40, y + 4, LEGEND[it], fill=GREY))
                x += w
        return S.tag("g", "".join(out), data_legend="nodes")

    def summary(self, d) -> str:
        parts = []
        for n, (x0, x1) in self.bands.items():
            cols = [c for c in d.columns.values() if self.node_of_col(c) == n]
            parts.append(f"{self.name(n)} ({len(cols)} lifeline{'s' if len(cols) != 1 else ''})")
        text = "Nodes: " + ", ".join(parts) if parts else ""
        lost = sum(1 for r in d.rows if r.event.seq in self.lost_of or r.event.kind == "lost")
        if lost:
            text += f"; {lost} message{'s' if lost != 1 else ''} lost"
        faults = [fault_text(_data(r.event.data)) for r in d.rows if r.event.kind == "fault"]
        if faults:
            text += "; faults: " + "; ".join(faults)
        return text
