"""Nodes in a sequence diagram: bands, the network's own events, faults as periods.

A trace of a :class:`labrt.dist.World` is a trace of several process tables
on one clock.  :class:`~labrt.draw.seqdiagram.SequenceDiagram` draws it with the
same rows and arrows as a one-node trace, and this module adds what a
reader of a distributed run needs to see, in four layers:

* **Bands.**  Lifelines are grouped by node (a pid ``<1.4.0>`` lives on
  node 1), left to right in node order, and each group sits on a tinted,
  labelled band ("b@site2").  A gap between two bands is the network: an
  arrow that crosses it is a message between nodes, drawn in teal with a
  small ring where it passes the gap, so "this one went over the wire" can
  be read without colour too.
* **The network's events.**  ``nodeup`` and ``nodedown`` (a connection set
  up or lost, with OTP's reason) and ``fault`` (partition, heal, crash,
  restart, slow, drop) are events of the world, not of a process: they get
  a row of their own, drawn across the bands they concern.  What a node's
  net kernel tells a process (``("nodedown", N)``, ``DOWN noconnection``,
  ``EXIT noconnection``) comes from the edge of the receiver's band, since
  nothing crossed the network to bring it.
* **Lost messages.**  A ``lost`` event names the sender and the message; it
  is matched to the send it belongs to (the latest earlier send of that
  message by that sender that is not matched yet: what is lost is what was
  in flight, and that is the newest), and that send's arrow stops at the
  gap before the receiver's band and ends in a cross.  The lost event then
  needs no row of its own; one that matches no drawn send keeps its row.
* **Periods.**  Replaying the fault rows gives, for every row, which
  directions are cut and which nodes are down.  A cut is drawn as a hatched
  wall in every gap that separates the two sides, from the partition's row
  to the heal's; a node that is down has its band hatched grey for as long,
  and its lifelines stop at the crash (a respawned pid starts a new piece).

Everything is derived from the trace (plus, if given, the node names: a
trace alone knows node indices, not names), so the picture is as
deterministic as the rest of the diagram.  Text stays at 12 drawing units,
so the diagram's min-width rule (text never under 11 px on screen) holds.
A trace with no event of these kinds and every pid on node 0 never gets
here: one-node diagrams are drawn exactly as before.
"""
from __future__ import annotations

import re

from . import svg as S
from .netmarks import (AMBER, BAND_FILLS, BAND_STROKE, DOWN_FILL, FONT, GREEN, GREY, HALO,
                        INK, LEGEND, RED, TEAL, WALL_FILL, cross, fault_text, glyph, hatch)
from ..kernel.trace import OUTSIDE, Term, _read_value, show

OTHERS = "others"     # (as in seqdiagram, which imports this module)

NET_KINDS = ("nodeup", "nodedown", "fault", "lost")
WORLD_KINDS = ("nodeup", "nodedown", "fault")      # events with no process


GAP = 24           # the network between two bands (room for a wall)
TOP = 24           # room above the headers for a band's name
LEGEND_ROW = 22

_PID = re.compile(r"^<(\d+)\.\d+\.\d+>$")


def node_of(key) -> int | None:
    """The node index of a pid (or its text), None for anything else."""
    if key is None:
        return None
    m = _PID.match(key if isinstance(key, str) else show(key))
    return int(m.group(1)) if m else None


def names_of(nodes) -> dict[int, str] | None:
    """``nodes`` as ``{index: name}``: a World, a list of names in index order,
    or a dict; None for None."""
    if nodes is None:
        return None
    if hasattr(nodes, "nodes") and hasattr(nodes, "index"):      # a World
        return {nodes.index(n): n for n in nodes.nodes}
    if isinstance(nodes, dict):
        return {int(k): str(v) for k, v in nodes.items()}
    return {i: str(n) for i, n in enumerate(nodes)}


def layer_for(trace, nodes):
    """A :class:`NodeLayer` if the trace is of several nodes (or names are given)."""
    names = names_of(nodes if nodes is not None else getattr(trace, "nodes", None))
    if names is None:
        multi = any(e.kind in NET_KINDS for e in trace) or any(
            (node_of(p) or 0) != 0 for e in trace for p in (e.pid, e.other) if p is not None)
        if not multi:
            return None
    return NodeLayer(trace, names or {})


def _data(value):
    """A value as Python data (a Term read back from a file, parsed)."""
    if isinstance(value, Term):
        return _read_value(str(value), literal=True)
    return value


def kernel_message(data) -> str | None:
    """The node a net-kernel message is about (``("nodedown", N, ...)``) or None."""
    data = _data(data)
    if (isinstance(data, tuple) and len(data) >= 2 and data[0] in ("nodeup", "nodedown")
            and isinstance(data[1], str)):
        return data[1]
    return None


class NodeLayer:
    """What the diagram needs to know about nodes; see the module's essay."""

    def __init__(self, trace, names: dict[int, str]):
        self.names = dict(names)
        self.lost_of: dict[int, object] = {}     # seq of a send -> its lost event
        self._match_lost(trace)

    # -- reading the trace ---------------------------------------------------
    def name(self, i) -> str:
        return self.names.get(i, f"node {i}")

    def index(self, name) -> int | None:
        for i, n in self.names.items():
            if n == name:
                return i
        m = re.match(r"^node (\d+)$", str(name))
        return int(m.group(1)) if m else None

    def _match_lost(self, trace):
        sends = [e for e in trace if e.kind == "send" and e.pid is not None]
        taken: set[int] = set()
        for lost in (e for e in trace if e.kind == "lost"):
            text, who = show(lost.data), show(lost.pid) if lost.pid is not None else None
            for e in reversed(sends):
                if e.seq >= lost.seq or e.seq in taken or show(e.pid) != who:
                    continue
                if show(e.data) != text:
                    continue
                if lost.other is not None and e.other is not None and show(e.other) != show(lost.other):
                    continue
                taken.add(e.seq)
                self.lost_of[e.seq] = lost
                break

    def fold(self, events):
        """The events to draw: a lost event whose send is drawn has no row."""
        drawn = {e.seq for e in events}
        folded = {lost.seq for seq, lost in self.lost_of.items() if seq in drawn}
        return [e for e in events if not (e.kind == "lost" and e.seq in folded)]

    def keep(self, e) -> bool:
        """World events stay in a diagram restricted to some processes."""
        return e.kind in WORLD_KINDS

    def is_kernel(self, e) -> bool:
        """A message a node's net kernel sends a local process (sender: nobody)."""
        if e.kind != "send" or e.pid is not None:
            return False
        if kernel_message(e.data) is not None:
            return True
        from .seqdiagram import notification
        note = notification(e.data)
        return bool(note) and note[1] == "noconnection"

    def outside(self, e) -> bool:
        """Does this event belong in the "outside" (your code) column?"""
        return e.pid is None and e.kind not in WORLD_KINDS and not self.is_kernel(e)

    def source(self, e):
        """The column key of the actor, None for world and net-kernel rows; or
        False to let the diagram decide."""
        if e.kind in WORLD_KINDS or self.is_kernel(e):
            return None
        return False

    def order(self, keys: list[str]) -> list[str]:
        """Columns: "outside" first, then by node (stable), then "others"."""
        first = [k for k in keys if k == OUTSIDE]
        procs = [k for k in keys if k not in (OUTSIDE, OTHERS)]
        procs.sort(key=lambda k: node_of(k) if node_of(k) is not None else 1 << 30)
        return first + procs + [k for k in keys if k == OTHERS]

    def gap_before(self, prev, col) -> float:
        if prev is None or not (prev.is_process and col.is_process):
            return 0
        return GAP if node_of(prev.key) != node_of(col.key) else 0

    # -- geometry (after the diagram placed its columns and rows) -------------
    def place(self, d):
        """Bands: ``{node: (x0, x1)}`` in left-to-right order; gaps between them."""
        self.bands: dict[int, list[float]] = {}
        for col in d.columns.values():
            n = node_of(col.key) if col.is_process else None
            if n is None:
                continue
            x0, x1 = col.x - col.width / 2, col.x + col.width / 2
            if n in self.bands:
                self.bands[n][1] = x1
            else:
                self.bands[n] = [x0, x1]
        order = list(self.bands)
        self.pos = {n: k for k, n in enumerate(order)}
        self.gaps = [(self.bands[a][1] + self.bands[b][0]) / 2 for a, b in zip(order, order[1:])]
        self._periods(d)

    def node_of_col(self, col) -> int | None:
        return node_of(col.key) if col is not None and col.is_process else None

    def crosses(self, d, row) -> bool:
        """An arrow between lifelines of two different nodes."""
        a, b = d.columns.get(row.src), d.columns.get(row.dst)
        na, nb = self.node_of_col(a), self.node_of_col(b)
        return na is not None and nb is not None and na != nb

    def rings(self, x1, x2, y) -> list[str]:
        """A small ring in every gap an arrow from x1 to x2 passes."""
        lo, hi = min(x1, x2), max(x1, x2)
        return [S.tag("circle", cx=g, cy=y, r=3.2, fill="#ffffff", stroke=TEAL, stroke_width=1.4)
                for g in self.gaps if lo < g < hi]

    def edge(self, n, towards=None) -> float:
        """The x of band ``n``'s edge on the side of node ``towards`` (left if unknown)."""
        x0, x1 = self.bands[n]
        if towards in self.pos and self.pos[towards] > self.pos[n]:
            return x1 - 4
        return x0 + 4

    def _periods(self, d):
        """Replay the fault rows: walls (cut gaps) and down nodes as y intervals."""
        rows = d.rows
        walls: dict[int, list] = {}         # gap index -> [[y0, y1], ...]
        downs: dict[int, list] = {}         # node -> [[y0, y1], ...]
        blocked: set = set()
        down: set = set()
        for row in rows:
            e = row.event
            if e.kind != "fault":
                continue
            data = _data(e.data)
            if not isinstance(data, tuple) or not data:
                continue
            what = data[0]
            if what == "partition" and len(data) >= 3:
                a = [self.index(x) for x in data[1]]
                b = [self.index(x) for x in data[2]]
                oneway = len(data) > 3 and bool(data[3])
                for x in a:
                    for y in b:
                        if x is not None and y is not None:
                            blocked.add((x, y))
                            if not oneway:
                                blocked.add((y, x))
            elif what == "heal":
                if len(data) >= 2 and data[1] is not None:
                    a = {self.index(x) for x in data[1]}
                    b = ({self.index(x) for x in data[2]} if len(data) > 2 and data[2]
                         else None)
                    blocked = {(x, y) for x, y in blocked
                               if not ((x in a and (b is None or y in b))
                                       or (y in a and (b is None or x in b)))}
                else:
                    blocked = set()
            elif what == "crash" and len(data) >= 2:
                n = self.index(data[1])
                if n is not None and n not in down:
                    down.add(n)
                    downs.setdefault(n, []).append([row.y, None])
            elif what == "restart" and len(data) >= 2:
                n = self.index(data[1])
                if n in down:
                    down.discard(n)
                    downs[n][-1][1] = row.y
            # which gaps are walls now
            cut = self._walls(blocked)
            for k in range(len(self.gaps)):
                open_ = walls.get(k) and walls[k][-1][1] is None
                if k in cut and not open_:
                    walls.setdefault(k, []).append([row.y, None])
                elif k not in cut and open_:
                    walls[k][-1][1] = row.y
        bottom = d.rows_bottom + 4
        self.walls = {k: [(a, b if b is not None else bottom) for a, b in v]
                      for k, v in walls.items()}
        self.downs = {n: [(a, b if b is not None else bottom) for a, b in v]
                      for n, v in downs.items()}

    def _walls(self, blocked) -> set[int]:
        """The gaps to draw a wall in: between two neighbouring bands that are cut
        from each other; then, for a cut pair that no wall between them explains
        (``a | c`` with ``b`` between them on neither side), the gap before the
        second of the two.  A wall between two nodes on the same side would lie."""
        pairs = {(self.pos[x], self.pos[y]) for x, y in blocked
                 if x in self.pos and y in self.pos}
        pairs = {(min(p), max(p)) for p in pairs}
        walls = {k for k in range(len(self.gaps)) if (k, k + 1) in pairs}
        for lo, hi in sorted(pairs):
            if not any(lo <= k < hi for k in walls):
                walls.add(hi - 1)
        return walls

    def segments(self, d, col, y1, y2) -> list[tuple[float, float]]:
        """The pieces of a lifeline from y1 to y2 that its node is up for: a crash
        ends it; after the restart it goes on only if the same pid text is spawned
        again (a new process of the new incarnation)."""
        n = self.node_of_col(col)
        pieces = [(y1, y2)]
        for a, b in self.downs.get(n, ()):
            again = next((r.y for r in d.rows if r.event.kind == "spawn"
                          and show(r.event.other) == col.key and r.y > b), None)
            out = []
            for p0, p1 in pieces:
                if p1 <= a or p0 >= b:
                    out.append((p0, p1))
                    continue
                if p0 < a:
                    out.append((p0, a))
                if again is not None and again < p1:
                    out.append((max(again, p0), p1))
            pieces = out
        return pieces

    # -- what a row says ---------------------------------------------------------
    def what(self, e) -> str | None:
        if e.kind not in NET_KINDS:
            return None
        data = _data(e.data)
        if e.kind == "nodeup":
            return f"{data[0]} \u2013 {data[1]} connected"
        if e.kind == "nodedown":
            a, b, ra, rb = (list(data) + [None, None])[:4]
            why = ra if ra == rb else f"{a}: {ra}, {b}: {rb}"
            return f"{a} \u2013 {b} connection down ({why})"
        if e.kind == "lost":
            return f"lost: {show(e.data)}"
        return fault_text(data)

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
        from ..kernel.trace import line_of
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
            from .seqdiagram import notification
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
        from .seqdiagram import notification
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
            from .seqdiagram import abbreviate
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
        from .seqdiagram import abbreviate
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
