"""The node layer's reading of a trace, and its bands.

Before the node layer draws anything it has to answer questions about the
trace, and the diagram asks them while it lays itself out
(:mod:`labrt.draw.seqlayout`):

* *Which node is this pid on?*  Its first number: ``<1.4.0>`` lives on node 1
  (:func:`node_of`).  A trace knows node indices only; the names
  (``"b@site2"``) come from a World, a list or a dict (:func:`names_of`),
  and a band without a name is called ``node 1``.
* *Which rows belong to no process?*  ``nodeup``, ``nodedown`` and ``fault``
  are the world's, and a message a node's net kernel puts in a local
  mailbox (``("nodedown", N)``, ``DOWN noconnection``) has no sender: such
  rows have no source column and are not drawn in the ``outside`` column,
  which is for a notebook's own code (:meth:`Lanes.source`,
  :meth:`Lanes.outside`).
* *Which send did a lost message belong to?*  The latest earlier send of the
  same message by the same sender (to the same receiver, if known) that is
  not matched yet: what is lost is what was in flight, and the newest is
  what was in flight.  A matched lost event then needs no row of its own
  (:meth:`Lanes.fold`); one that matches no drawn send keeps its row.
* *In what order do the columns go?*  ``outside`` first, then by node,
  keeping the order of first appearance within a node, then ``others``;
  two neighbouring columns of different nodes have a ``GAP`` between them,
  the network.

Once the diagram has placed its columns, :meth:`Lanes.place` turns each
node's run of columns into a band ``(x0, x1)`` and records the gaps between
bands; an arrow whose two ends are on different nodes crosses the gaps
between them and gets a ring in each (:meth:`Lanes.rings`).  Then it hands
over to :mod:`labrt.draw.seqperiods`, which needs the rows' heights.
"""
from __future__ import annotations

import re

from . import svg as S
from .netmarks import TEAL, fault_text
from .seqstyle import OTHERS
from .seqtext import notification
from ..kernel.trace import OUTSIDE, Term, _read_value, show

NET_KINDS = ("nodeup", "nodedown", "fault", "lost")
WORLD_KINDS = ("nodeup", "nodedown", "fault")      # events with no process

GAP = 24           # the network between two bands (room for a wall)
TOP = 24           # room above the headers for a band's name

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


class Lanes:
    """The node layer's questions about the trace, and its bands (see the
    module's essay).  Needs ``names`` and ``lost_of`` (set by
    :class:`~labrt.draw.seqnodes.NodeLayer`)."""

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
