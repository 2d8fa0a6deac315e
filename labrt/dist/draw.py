"""Pictures of a world: the cluster as it is now, and its trace as a sequence chart.

Design
------
:func:`cluster` draws a :class:`~labrt.dist.World` at one instant: a box per
node (its name, whether it is up, the processes living on it, registered
names first and in bold) and a line per pair of nodes that the network
says something about:

==============================  ============================================
solid green line, "up"          a connection is up (Erlang's ``nodes()``)
dashed red line with a cross    the link is cut both ways (a partition);
                                "not noticed yet" while the connection has
                                not timed out (``tick``)
dashed red line, one arrow      cut one way only
grey hatched box, no lines      the node is down (crashed); its RAM is gone
amber note on a line            the link is slowed or loses messages
==============================  ============================================

Pairs with no connection and no fault get no line: a fresh world has no
connections until a process makes contact, as in Erlang.  With more than ten
nodes (a full mesh of 100 nodes has 4950 connections) the lines that are up
are counted in a sentence instead of drawn; cut links are still drawn.

The picture is built in two steps, as the supervision-tree drawing is: a
*snapshot* (:class:`ClusterState`, plain frozen data read from the world;
tests assert on it) and a *rendering* of it (SVG, deterministic: the same
state gives the same bytes).  Nodes sit on a grid (two side by side, three
as a triangle, four as a square, ...), lines run between box centres and
are clipped at the boxes' borders, so each label sits in open space.  Text
is 12 units and the SVG keeps the course's min-width rule (never under
11 px on screen; the HTML box scrolls sideways on a phone).

:func:`sequence_diagram` is ``world.trace.sequence_diagram(nodes=world)``:
the trace drawn with a band per node (see ``labrt.draw.seqnodes``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..draw import svg as S
from ..kernel.core import EXITED

__all__ = ["ClusterPicture", "ClusterState", "LinkView", "NodeView", "cluster",
           "sequence_diagram", "snapshot"]

INK = "#222222"
GREY = "#5f5f5f"
GREEN = "#2e6b30"
RED = "#c62828"
AMBER = "#8a5a00"
FILL = "#eef3fa"
DOWN_FILL = "#ececec"
FONT = 12
PAD = 16
LINE = 16
HEAD = 40          # name and status lines of a box
MIN_W, MAX_W = 170, 260
HGAP, VGAP = 150, 90
TITLE_H = 28
CROWDED = 10       # with more nodes, connections that are up are counted, not drawn
LEGEND_H = 30
MIN_READABLE_PX = 11


@dataclass(frozen=True)
class NodeView:
    """One node as the picture shows it."""
    name: str
    index: int
    up: bool
    processes: tuple          # ((pid text, registered name or None, function), ...)
    more: int = 0             # processes not listed


@dataclass(frozen=True)
class LinkView:
    """What the network says about one pair of nodes (``a`` before ``b``)."""
    a: str
    b: str
    state: str                # "up" | "partitioned" | "oneway"
    noticed: bool = True      # for a cut: has the connection timed out yet?
    direction: tuple = ()     # for "oneway": (from, to) of the cut direction
    note: str = ""            # "latency 0.2 s", "30% lost"


@dataclass(frozen=True)
class ClusterState:
    time: float
    nodes: tuple
    links: tuple

    def link(self, a, b) -> LinkView | None:
        for link in self.links:
            if {link.a, link.b} == {a, b}:
                return link
        return None

    def node(self, name) -> NodeView:
        return next(n for n in self.nodes if n.name == name)


def snapshot(world, max_processes: int = 8) -> ClusterState:
    """Read the world now: nodes, their live processes, the state of each link."""
    nodes = []
    for name in world.nodes:
        i = world.index(name)
        rt = world[name]
        up = world.is_up(name)
        procs = []
        if up:
            live = [p for p in rt.procs.values() if p.status is not EXITED]
            live.sort(key=lambda p: (p.name is None, p.pid.num))
            procs = [(str(p.pid), p.name, _function(p)) for p in live]
        shown = tuple(procs[:max_processes])
        nodes.append(NodeView(name, i, up, shown, len(procs) - len(shown)))
    net = world.net
    links = []
    for x, nx in enumerate(nodes):
        for ny in nodes[x + 1:]:
            i, j = nx.index, ny.index
            if not (nx.up and ny.up):
                continue
            ab, ba = (i, j) in net.blocked, (j, i) in net.blocked
            conn = (min(i, j), max(i, j)) in net.conns
            note = _note(world, i, j)
            if ab and ba:
                links.append(LinkView(nx.name, ny.name, "partitioned", not conn, note=note))
            elif ab or ba:
                d = (nx.name, ny.name) if ab else (ny.name, nx.name)
                links.append(LinkView(nx.name, ny.name, "oneway", not conn, d, note))
            elif conn:
                links.append(LinkView(nx.name, ny.name, "up", note=note))
    return ClusterState(world.now, tuple(nodes), tuple(links))


def _function(p) -> str:
    fn = p.function
    return fn if isinstance(fn, str) else getattr(fn, "__name__", str(fn))


def _note(world, i, j) -> str:
    net, bits = world.net, []
    for d in ((i, j), (j, i)):
        lat = net.links.get(d)
        if lat is not None and lat != net.latency:
            text = "latency " + (f"{lat.a:g} s" if lat.kind == "fixed" else repr(lat))
            if text not in bits:
                bits.append(text)
        p = net.loss.get(d)
        if p:
            text = f"{p:.0%} lost"
            if text not in bits:
                bits.append(text)
    return ", ".join(bits)


def cluster(world, title=None, max_processes: int = 8) -> ClusterPicture:
    """The cluster picture of ``world`` now (Jupyter shows it inline)."""
    return ClusterPicture(snapshot(world, max_processes), title=title)


def sequence_diagram(world, **options):
    """``world.trace`` as a sequence chart with a band per node (same options as
    :meth:`labrt.trace.Trace.sequence_diagram`)."""
    return world.trace.sequence_diagram(nodes=world, **options)


# ---------------------------------------------------------------------------
# Rendering

class ClusterPicture:
    """The SVG of a :class:`ClusterState`: ``.svg``, ``.description``, ``save()``."""

    def __init__(self, state: ClusterState, title=None):
        self.state = state
        self.title = title if title is not None else f"The cluster at t={state.time:g} s"
        self.crowded = len(state.nodes) > CROWDED     # too many lines to read: cuts only
        self._layout()
        self.description = self._describe()
        self.svg = self._render()

    def _repr_svg_(self) -> str:
        return self.svg

    def _repr_html_(self) -> str:
        return S.scroll_box(self.svg)

    def __repr__(self):
        up = sum(n.up for n in self.state.nodes)
        return f"<ClusterPicture: {len(self.state.nodes)} nodes ({up} up), {len(self.state.links)} links>"

    def save(self, path) -> None:
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(self.svg)

    # -- layout ------------------------------------------------------------------
    def _lines(self, n: NodeView) -> list[tuple[str | None, str]]:
        """The process lines of a box: (bold part, grey part)."""
        if not n.up:
            return [(None, "its processes are gone")]
        out = [(name, f"{pid} {fn}" if fn != name else pid) for pid, name, fn in n.processes]
        if n.more:
            out.append((None, f"\u2026 {n.more} more"))
        return out

    def _status(self, n: NodeView) -> str:
        if not n.up:
            return "down (crashed)"
        k = len(n.processes) + n.more
        return f"up, {k} process" + ("es" if k != 1 else "") if k else "up, no processes"

    def _layout(self):
        nodes = self.state.nodes
        w = MIN_W
        for n in nodes:
            w = max(w, S.text_width(n.name, FONT, True) + 24, S.text_width(self._status(n), FONT) + 24)
            for bold, rest in self._lines(n):
                w = max(w, _line_width(bold, rest) + 24)
        self.box_w = min(w, MAX_W)
        count = max(len(nodes), 1)
        cols = max(1, math.ceil(math.sqrt(count)))
        rows = math.ceil(count / cols)
        heights = [HEAD + LINE * len(self._lines(n)) + 10 for n in nodes]
        self.boxes = {}
        y = PAD + TITLE_H + (18 if self.crowded else 0)
        inner = cols * self.box_w + (cols - 1) * HGAP
        for r in range(rows):
            row = list(range(r * cols, min((r + 1) * cols, count)))
            if not row or not nodes:
                break
            h = max(heights[k] for k in row)
            span = len(row) * self.box_w + (len(row) - 1) * HGAP
            x = PAD + (inner - span) / 2
            for k in row:
                self.boxes[nodes[k].name] = (x, y, self.box_w, heights[k])
                x += self.box_w + HGAP
            y += h + VGAP
        self.width = max(PAD * 2 + inner, S.text_width(self.title, 14, True) + 2 * PAD,
                         _legend_width() + 2 * PAD)
        self.height = y - VGAP + 18 + LEGEND_H + PAD if nodes else PAD * 2 + TITLE_H + LEGEND_H

    # -- SVG -----------------------------------------------------------------------
    def _render(self) -> str:
        out = [S.tag("svg", None, xmlns="http://www.w3.org/2000/svg",
                     viewBox=f"0 0 {S.num(self.width)} {S.num(self.height)}", width="100%",
                     style=S.size_style(self.width, FONT, MIN_READABLE_PX), role="img",
                     aria_label=f"{self.title}. {self.summary}",
                     font_family=S.FONT_FAMILY, font_size=FONT)[:-2] + ">",
               S.tag("title", S.esc(self.title)),
               S.tag("desc", S.esc(self.description)),
               S.tag("rect", x=0, y=0, width=self.width, height=self.height, fill="#ffffff"),
               S.text(self.width / 2, PAD + 14, self.title, text_anchor="middle",
                      font_size=14, font_weight="bold", fill=INK)]
        for link in self.state.links:
            if link.state != "up" or not self.crowded:
                out.append(self._link(link))
        if self.crowded:
            up = sum(link.state == "up" for link in self.state.links)
            out.append(S.text(self.width / 2, PAD + 34, f"{up} connections up (not drawn: "
                              f"more than {CROWDED} nodes); cut links drawn", text_anchor="middle",
                              fill=GREEN))
        for n in self.state.nodes:
            out.append(self._box(n))
        if not self.state.nodes:
            out.append(S.text(self.width / 2, PAD + TITLE_H + 14, "(no nodes)",
                              text_anchor="middle", fill=GREY))
        out.append(self._legend(PAD, self.height - PAD - LEGEND_H + 14))
        out.append("</svg>\n")
        return "\n".join(out)

    def _centre(self, name):
        x, y, w, h = self.boxes[name]
        return x + w / 2, y + h / 2

    def _clip(self, name, dx, dy):
        """Where the ray from box ``name``'s centre along (dx, dy) leaves the box."""
        x, y, w, h = self.boxes[name]
        cx, cy = x + w / 2, y + h / 2
        t = min((w / 2 + 6) / abs(dx) if dx else math.inf, (h / 2 + 6) / abs(dy) if dy else math.inf)
        return cx + dx * t, cy + dy * t

    def _link(self, link: LinkView) -> str:
        (ax, ay), (bx, by) = self._centre(link.a), self._centre(link.b)
        dx, dy = bx - ax, by - ay
        x1, y1 = self._clip(link.a, dx, dy)
        x2, y2 = self._clip(link.b, -dx, -dy)
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        parts = [S.tag("title", S.esc(_link_text(link)))]
        if link.state == "up":
            parts.append(S.line(x1, y1, x2, y2, stroke=GREEN, stroke_width=2.5))
            label, colour = "up", GREEN
        else:
            parts.append(S.line(x1, y1, x2, y2, stroke=RED, stroke_width=2.5,
                                stroke_dasharray="7 4"))
            colour = RED
            if link.state == "oneway":
                src, dst = link.direction
                (sx, sy), (tx, ty) = ((x1, y1), (x2, y2)) if src == link.a else ((x2, y2), (x1, y1))
                parts.append(_head(tx, ty, tx - sx, ty - sy, RED))
                label = f"cut {src.split('@')[0]} \u2192 {dst.split('@')[0]}"
            else:
                label = "partitioned"
            parts.append(_cross(mx, my, 7, RED))
        # Labels under a level line, or beside a slanted one (clear of it).
        steep = abs(y2 - y1) > abs(x2 - x1) / 3
        side = -1 if (x2 - x1) * (y2 - y1) > 0 else 1     # the side the line leaves free
        lx = mx + side * 14 if steep else mx
        anchor = None if not steep else ("start" if side > 0 else "end")
        ly = my + (20 if link.state != "up" else -8) if not steep else my + 4
        lines = [(label, colour, link.state != "up")]
        if link.state != "up" and not link.noticed:
            lines.append(("not noticed yet", RED, False))
        if link.note:
            lines.append((link.note, AMBER, False))
        for k, (text, c, bold) in enumerate(lines):
            parts.append(_label(lx, ly + 15 * k, text, c, bold, anchor))
        return S.tag("g", "".join(parts), data_link=f"{link.a} {link.b}", data_state=link.state)

    def _box(self, n: NodeView) -> str:
        x, y, w, h = self.boxes[n.name]
        parts = [S.tag("title", S.esc(f"{n.name}: {self._status(n)}"))]
        if n.up:
            parts.append(S.tag("rect", x=x, y=y, width=w, height=h, rx=6, fill=FILL,
                               stroke=INK, stroke_width=1.2))
        else:
            parts.append(S.tag("rect", x=x, y=y, width=w, height=h, rx=6, fill=DOWN_FILL,
                               stroke="#8c8c8c", stroke_width=1.2, stroke_dasharray="4 3"))
            from ..draw.netmarks import hatch
            parts.append(hatch(x, y, w, h, 14, "#9a9a9a"))
        colour = INK if n.up else GREY
        parts.append(S.text(x + 12, y + 18, S.fit(n.name, w - 24, FONT, True),
                            font_weight="bold", fill=colour))
        parts.append(S.text(x + 12, y + 34, self._status(n), fill=GREEN if n.up else RED,
                            font_style=None if n.up else "italic", **_HALO))
        ty = y + HEAD + 12
        for bold, rest in self._lines(n):
            parts.append(_rich(x + 12, ty, bold, S.fit(rest, w - 24 - (
                S.text_width(bold + " ", FONT, True) if bold else 0), FONT)))
            ty += LINE
        return S.tag("g", "".join(parts), data_node=n.name, data_up="1" if n.up else "0")

    def _legend(self, x, y) -> str:
        out = []
        for kind, text in LEGEND:
            if kind == "up":
                out.append(S.line(x, y, x + 28, y, stroke=GREEN, stroke_width=2.5))
            elif kind == "cut":
                out.append(S.line(x, y, x + 28, y, stroke=RED, stroke_width=2.5,
                                  stroke_dasharray="7 4") + _cross(x + 14, y, 5, RED))
            else:
                out.append(S.tag("rect", x=x, y=y - 8, width=28, height=16, rx=3,
                                 fill=DOWN_FILL, stroke="#8c8c8c", stroke_dasharray="4 3"))
            out.append(S.text(x + 34, y + 4, text, fill=GREY))
            x += 34 + S.text_width(text, FONT) + 22
        return S.tag("g", "".join(out), data_legend="cluster")

    # -- words ---------------------------------------------------------------------
    def _describe(self) -> str:
        st = self.state
        parts = []
        for n in st.nodes:
            procs = ", ".join(f"{name} {pid}" if name else pid for pid, name, _ in n.processes)
            more = f" and {n.more} more" if n.more else ""
            parts.append(f"{n.name} is {self._status(n)}" + (f" ({procs}{more})" if procs else ""))
        links = [_link_text(link) for link in st.links
                 if link.state != "up" or not self.crowded] or ["no connections"]
        if self.crowded:
            links.insert(0, f"{sum(link.state == 'up' for link in st.links)} connections up")
        self.summary = (f"{len(st.nodes)} node{'s' if len(st.nodes) != 1 else ''}: "
                        + "; ".join(parts) + ". Links: " + "; ".join(links) + ".")
        return self.summary


LEGEND = (("up", "connected"), ("cut", "partitioned"), ("down", "node down"))
_HALO = dict(stroke="#ffffff", stroke_width=3, stroke_linejoin="round", paint_order="stroke")


def _legend_width() -> float:
    return sum(34 + S.text_width(t, FONT) + 22 for _, t in LEGEND)


def _link_text(link: LinkView) -> str:
    if link.state == "up":
        text = f"{link.a} \u2013 {link.b} connected"
    elif link.state == "oneway":
        text = f"{link.direction[0]} \u2192 {link.direction[1]} cut (one way)"
    else:
        text = f"{link.a} | {link.b} partitioned"
    if link.state != "up" and not link.noticed:
        text += ", not noticed yet"
    return text + (f" ({link.note})" if link.note else "")


def _line_width(bold, rest) -> float:
    return (S.text_width(bold + " ", FONT, True) if bold else 0) + S.text_width(rest, FONT)


def _rich(x, y, bold, rest) -> str:
    inner = ""
    if bold:
        inner += S.tag("tspan", S.esc(bold), font_weight="bold", fill=INK) + " "
    inner += S.tag("tspan", S.esc(rest), fill=GREY)
    return S.tag("text", inner, x=x, y=y)


def _label(x, y, text, colour, bold=False, anchor=None) -> str:
    return S.text(x, y, text, text_anchor=anchor or "middle", fill=colour,
                  font_weight="bold" if bold else None, **_HALO)


def _cross(x, y, r, colour) -> str:
    return S.path(f"M{S.num(x - r)} {S.num(y - r)}l{S.num(2 * r)} {S.num(2 * r)}"
                  f"M{S.num(x + r)} {S.num(y - r)}l{S.num(-2 * r)} {S.num(2 * r)}",
                  stroke=colour, stroke_width=3, stroke_linecap="round", data_mark="cross")


def _head(x, y, dx, dy, colour) -> str:
    """A filled arrowhead with its tip at (x, y), pointing along (dx, dy)."""
    d = math.hypot(dx, dy) or 1.0
    ux, uy = dx / d, dy / d
    bx, by = x - ux * 11, y - uy * 11
    return S.polygon([(x, y), (bx - uy * 5, by + ux * 5), (bx + uy * 5, by - ux * 5)], fill=colour)
