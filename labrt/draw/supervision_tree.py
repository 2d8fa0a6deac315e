"""Draw a supervision tree: walk it with ``which_children``, render it as SVG.

A supervision tree is only known to the supervisors in it, so the drawing
asks them, the way OTP's observer does: ``which_children`` on the root, then
recursively on every child whose type is ``"supervisor"`` (plus
``get_flags``, a labrt extension, for the strategy).  From inside a process::

    tree = await supervision_tree.walk(sup)

From a notebook cell, on the simulated kernel::

    tree = supervision_tree.snapshot(rt, sup)
    tree                       # Jupyter shows the SVG inline

``snapshot`` spawns a small walker process and runs the runtime for zero
seconds: processes that can run *now* do, the clock does not move.  The walk
is a handful of gen_server calls, so it also shows up in the trace.

How the picture reads (each state is shown by text *and* by style, so it
reads in black and white and by screen readers):

==========================  =============================================
square box                  a supervisor; its strategy is written inside
rounded box                 a worker
solid border                running: the line under the pid says so
dashed amber border         restarting (a restart failed and is retried)
dotted grey border, grey    stopped: the spec is kept, pid ``undefined``
==========================  =============================================

Children are drawn left to right in start order (for static children the
reverse of what ``which_children`` returns), so "start left to right, stop right to left"
can be read off the picture.  A supervisor with many children (a
``simple_one_for_one`` pool) shows the first ``max_children`` and a "more"
box; the text alternative (``<desc>``, :attr:`SupervisionTree.description`)
always lists every process.  Same tree, same bytes.  On screen the tree
scales down with its column but not below the size where its smallest text
(the key) is 11 px; past that its HTML box scrolls sideways.
"""
from __future__ import annotations

from dataclasses import dataclass

from .. import LabrtError, Pid, ProcessExit
from ..otp import supervisor
from . import svg as S

__all__ = ["Node", "SupervisionTree", "walk", "snapshot"]

# Colours (text has at least 4.5:1 contrast on its fill).
INK = "#222222"
GREY = "#5f5f5f"
AMBER = "#8a5a00"
EDGE = "#8a8f96"
STYLE = {   # state -> (stroke, dash, fill of a worker, fill of a supervisor, text colour)
    "running": (INK, None, "#ffffff", "#eaf1fb", INK),
    "restarting": (AMBER, "7 4", "#fff4dc", "#fff4dc", AMBER),
    "undefined": ("#8c8c8c", "2 3", "#f1f1f1", "#f1f1f1", GREY),
}
STATE_TEXT = {"running": "running", "restarting": "restarting",
              "undefined": "stopped (undefined)"}

FONT = 12
LINE = 15          # line height inside a box
PAD = 16           # outer margin
BOX_H = 4 * LINE + 12
MIN_W = 96
MAX_W = 220
HGAP = 14          # between sibling subtrees
VGAP = 40          # between levels
TITLE_H = 30
LEGEND_H = 56
LEGEND_FONT = 11   # the smallest text (the key)
MIN_READABLE_PX = 11   # on screen the tree never shrinks its text below this (min-width)


@dataclass(frozen=True)
class Node:
    """One process in a supervision tree (or a stopped child's slot)."""
    id: object                  # child id; "undefined" for dynamic children
    pid: Pid | None             # None unless running
    type: str                   # "supervisor" | "worker"
    state: str                  # "running" | "restarting" | "undefined"
    strategy: str | None = None
    children: tuple = ()
    dynamic: bool = False

    def nodes(self):
        """This node and all below it, depth first, in start order."""
        yield self
        for c in self.children:
            yield from c.nodes()

    @property
    def label(self) -> str:
        if self.dynamic:
            return "(dynamic)"
        return self.id if isinstance(self.id, str) else repr(self.id)

    def summary(self) -> str:
        what = self.type if self.strategy is None else f"supervisor {self.strategy}"
        pid = f" {self.pid}" if self.pid is not None else ""
        ident = "undefined (dynamic child)" if self.dynamic else self.label
        return f"{ident}{pid}: {what}, {STATE_TEXT[self.state]}"


# ---------------------------------------------------------------------------
# Walking

async def _walk_supervisor(pid, cid, dynamic=False) -> Node:
    try:
        flags = await supervisor.get_flags(pid)
        listing = await supervisor.which_children(pid)
    except ProcessExit:                 # it died while we asked: shown without children
        return Node(cid, pid, "supervisor", "running", "?", (), dynamic)
    simple = flags.strategy == "simple_one_for_one"
    kids = []
    # start order: static children come newest first, dynamic ones oldest first
    for child_id, child, ctype, _mods in (listing if simple else reversed(listing)):
        if isinstance(child, Pid):
            if ctype == "supervisor":
                kids.append(await _walk_supervisor(child, child_id, simple))
            else:
                kids.append(Node(child_id, child, ctype, "running", dynamic=simple))
        else:
            kids.append(Node(child_id, None, ctype, child, dynamic=simple))
    return Node(cid, pid, "supervisor", "running", flags.strategy, tuple(kids), dynamic)


async def walk(sup, title=None, max_children=12) -> "SupervisionTree":
    """Ask ``sup`` (a pid or name) and its child supervisors; return the tree.

    Call it from inside a process, on either kernel.
    """
    from .. import now, process_info, whereis
    pid = whereis(sup) if isinstance(sup, str) else sup
    info = process_info(pid) if isinstance(pid, Pid) else None
    if info is None:
        raise LabrtError(f"{sup!r} is not a live supervisor")
    root = await _walk_supervisor(pid, info.name or "root")
    return SupervisionTree(root, time=now(), title=title, max_children=max_children)


def snapshot(rt, sup, title=None, max_children=12) -> "SupervisionTree":
    """Walk the tree of ``sup`` from outside any process (simulated kernel).

    The runtime runs for zero seconds: the clock does not move.  If a
    supervisor cannot answer at this instant (it is in the middle of a slow
    shutdown or a slow start), a :class:`~labrt.LabrtError` says so; run the
    runtime further and try again.
    """
    if getattr(rt, "kind", "sim") != "sim":
        raise LabrtError("snapshot() drives the simulated kernel; on the trio kernel "
                         "call `await supervision_tree.walk(sup)` inside a process")

    async def supervision_tree_walker():
        return await walk(sup, title=title, max_children=max_children)

    pid = rt.spawn(supervision_tree_walker)
    rt.run_until(rt.now)
    if rt.is_alive(pid):
        rt.exit(pid, "kill")
        rt.run_until(rt.now)
        raise LabrtError(f"the supervision tree of {sup} could not be walked at "
                         f"t={rt.now:.3f}: a supervisor is busy (a slow start or "
                         f"shutdown). Run the runtime further and try again")
    reason = rt.exit_reason(pid)
    if reason != "normal":
        raise LabrtError(f"walking the supervision tree of {sup} failed: "
                         f"{reason!r}")
    return rt.result(pid)


# ---------------------------------------------------------------------------
# Drawing

@dataclass
class _Box:
    node: Node | None           # None: a "more" box
    more: int = 0
    x: float = 0.0              # left edge
    y: float = 0.0
    w: float = MIN_W
    sub_w: float = MIN_W        # width of the whole subtree
    kids: list = None


class SupervisionTree:
    """A walked supervision tree.  ``.svg``, ``.description``, ``.text()``;
    Jupyter shows it inline; ``save(path)`` writes the SVG file."""

    def __init__(self, root: Node, time: float | None = None, title=None,
                 max_children: int = 12):
        self.root = root
        self.time = time
        self.max_children = max_children
        when = "" if time is None else f" at t={_secs(time)}"
        self.title = title or f"Supervision tree of {root.label} {root.pid}{when}"
        self.description = self._describe()
        self.svg = self._render()

    # -- text ------------------------------------------------------------------
    def nodes(self) -> list[Node]:
        return list(self.root.nodes())

    def text(self) -> str:
        """An indented outline, one line per process, in start order."""
        lines = [self.root.summary()]

        def add(node, prefix):
            for i, c in enumerate(node.children):
                last = i == len(node.children) - 1
                lines.append(prefix + ("\u2514\u2500 " if last else "\u251c\u2500 ")
                             + c.summary())
                add(c, prefix + ("   " if last else "\u2502  "))
        add(self.root, "")
        return "\n".join(lines)

    def _describe(self) -> str:
        nodes = self.nodes()
        sups = sum(1 for n in nodes if n.type == "supervisor")
        return (f"{self.title}. {len(nodes)} entries ({sups} supervisors, "
                f"{len(nodes) - sups} workers), children in start order:\n" + self.text())

    def __repr__(self):
        return f"<SupervisionTree {self.root.label} {self.root.pid}: {len(self.nodes())} entries>"

    def __str__(self):
        return self.text()

    def _repr_svg_(self) -> str:
        return self.svg

    def _repr_html_(self) -> str:
        return S.scroll_box(self.svg)

    def save(self, path) -> None:
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(self.svg)

    # -- layout ----------------------------------------------------------------
    def _box(self, node: Node) -> _Box:
        box = _Box(node)
        box.w = min(MAX_W, max(MIN_W, max(S.text_width(t, FONT, bold=(i == 0))
                                         for i, t in enumerate(_lines(node))) + 20))
        shown = node.children[:self.max_children]
        box.kids = [self._box(c) for c in shown]
        hidden = len(node.children) - len(shown)
        if hidden:
            box.kids.append(_Box(None, more=hidden, w=MIN_W, sub_w=MIN_W, kids=[]))
        span = sum(k.sub_w for k in box.kids) + HGAP * (len(box.kids) - 1)
        box.sub_w = max(box.w, span)
        return box

    def _place(self, box: _Box, left: float, depth: int):
        box.y = PAD + TITLE_H + depth * (BOX_H + VGAP)
        span = sum(k.sub_w for k in box.kids) + HGAP * (len(box.kids) - 1)
        x = left + (box.sub_w - span) / 2
        for k in box.kids:
            self._place(k, x, depth + 1)
            x += k.sub_w + HGAP
        if box.kids:                    # centre over the children
            first, last = box.kids[0], box.kids[-1]
            centre = (first.x + first.w / 2 + last.x + last.w / 2) / 2
        else:
            centre = left + box.sub_w / 2
        box.x = centre - box.w / 2

    def _render(self) -> str:
        top = self._box(self.root)
        self._place(top, PAD, 0)
        boxes = list(_all(top))
        depth = max(int(round((b.y - PAD - TITLE_H) / (BOX_H + VGAP))) for b in boxes)
        width = max(top.sub_w + 2 * PAD, _legend_width() + 2 * PAD,
                    S.text_width(self.title, 14, bold=True) + 2 * PAD)
        height = PAD + TITLE_H + (depth + 1) * BOX_H + depth * VGAP + LEGEND_H + PAD
        out = [self._open(width, height)]
        out.append(S.text(PAD, PAD + 14, self.title, font_size=14, font_weight="bold",
                          fill=INK))
        for b in boxes:                           # edges first, boxes on top
            for k in b.kids:
                out.append(_edge(b, k))
        for b in boxes:
            out.append(_draw_box(b))
        out.append(_legend(PAD, height - PAD - LEGEND_H + 34))
        out.append("</svg>\n")
        return "\n".join(out)

    def _open(self, width, height) -> str:
        nodes = self.nodes()
        head = S.tag(
            "svg", None, xmlns="http://www.w3.org/2000/svg",
            viewBox=f"0 0 {S.num(width)} {S.num(height)}", width="100%",
            style=S.size_style(width, LEGEND_FONT, MIN_READABLE_PX), role="img",
            aria_label=f"{self.title}: {len(nodes)} entries",
            font_family=S.FONT_FAMILY, font_size=FONT)[:-2] + ">"
        return "\n".join([
            head, S.tag("title", S.esc(self.title)), S.tag("desc", S.esc(self.description)),
            S.tag("rect", x=0, y=0, width=width, height=height, fill="#ffffff")])


def _secs(t: float) -> str:
    text = f"{t:.3f}".rstrip("0").rstrip(".")
    return ("0" if text in ("", "-0") else text) + " s"


def _all(box):
    yield box
    for k in box.kids:
        yield from _all(k)


def _lines(node: Node) -> list[str]:
    kind = f"supervisor: {node.strategy}" if node.type == "supervisor" and node.strategy \
        else node.type
    pid = str(node.pid) if node.pid is not None else "no process"
    return [node.label, kind, pid, STATE_TEXT[node.state]]


def _edge(parent: _Box, child: _Box) -> str:
    x1, y1 = parent.x + parent.w / 2, parent.y + BOX_H
    x2, y2 = child.x + child.w / 2, child.y
    ym = y1 + VGAP / 2
    d = (f"M{S.num(x1)} {S.num(y1)} V{S.num(ym)} H{S.num(x2)} V{S.num(y2)}")
    return S.path(d, fill="none", stroke=EDGE, stroke_width=1.2)


def _draw_box(b: _Box) -> str:
    if b.node is None:
        return S.tag("g", "\n".join([
            S.tag("title", S.esc(f"{b.more} more children, listed in the description")),
            S.tag("rect", x=b.x, y=b.y, width=b.w, height=BOX_H, rx=12, fill="#ffffff",
                  stroke=GREY, stroke_dasharray="1 3"),
            S.text(b.x + b.w / 2, b.y + BOX_H / 2 + 4, f"\u2026 {b.more} more",
                   text_anchor="middle", fill=GREY)]), class_="more")
    n = b.node
    stroke, dash, wfill, sfill, colour = STYLE[n.state]
    sup = n.type == "supervisor"
    lines = _lines(n)
    parts = [S.tag("title", S.esc(n.summary())),
             S.tag("rect", x=b.x, y=b.y, width=b.w, height=BOX_H,
                   rx=None if sup else 12, fill=sfill if sup else wfill, stroke=stroke,
                   stroke_width=2 if sup else 1.3, stroke_dasharray=dash)]
    for i, t in enumerate(lines):
        y = b.y + 6 + LINE * (i + 1) - 2
        style = {"font_weight": "bold"} if i == 0 else {}
        if i == 3:
            style = {"font_style": "italic"}
        parts.append(S.text(b.x + b.w / 2, y, S.fit(t, b.w - 10, FONT, bold=(i == 0)),
                            text_anchor="middle", fill=colour, **style))
    cls = f"node {n.type} {n.state}"
    return S.tag("g", "\n".join(parts), class_=cls)


_LEGEND = [("supervisor", "running", "supervisor"), ("worker", "running", "worker, running"),
           ("worker", "restarting", "restarting"), ("worker", "undefined", "stopped")]
_KEY_W = 34


def _legend_items():
    """(kind, state, label, x offset, width) of each key entry."""
    x, out = _KEY_W, []
    for kind, state, label in _LEGEND:
        w = S.text_width(label, LEGEND_FONT) + 20
        out.append((kind, state, label, x, w))
        x += w + 10
    return out


def _legend_width() -> float:
    kind, state, label, x, w = _legend_items()[-1]
    return x + w


def _legend(x0, y0) -> str:
    parts = [S.text(x0, y0 + 2, "Key:", fill=GREY, font_size=LEGEND_FONT)]
    for kind, state, label, dx, w in _legend_items():
        stroke, dash, wfill, sfill, colour = STYLE[state]
        sup = kind == "supervisor"
        parts.append(S.tag("rect", x=x0 + dx, y=y0 - 12, width=w, height=20,
                           rx=None if sup else 8, fill=sfill if sup else wfill,
                           stroke=stroke, stroke_width=2 if sup else 1.3,
                           stroke_dasharray=dash))
        parts.append(S.text(x0 + dx + w / 2, y0 + 2, label, text_anchor="middle",
                            fill=colour, font_size=LEGEND_FONT))
    return S.tag("g", "\n".join(parts), class_="legend")
