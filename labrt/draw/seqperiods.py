"""Faults as periods: walls in the network and nodes that are down.

A ``fault`` event is a moment (``partition`` at 2.5 s, ``heal`` at 6 s), but
what a reader wants to see is a period: from this row to that one, these
two nodes could not talk; from here to there, this node was down.  This
module gets the periods by replaying the fault rows in order, the way the
world applied them:

* a partition adds the cut directions between its two sides (one way only
  if it says so); a heal removes those between the nodes it names, or all;
* a crash starts a down period for its node; a restart ends it.

After each fault the set of cut directions decides which gaps between bands
get a wall (:meth:`Periods._walls`): the gap between two neighbouring bands
that are cut from each other, and, for a cut that no such wall explains
(``a | c`` with ``b`` between them and on neither side), the gap just before
the second node.  A wall between two nodes on the same side would say
something false, so none is drawn there.  A period still open at the end
of the chart runs to its bottom.

A lifeline of a node that is down stops at the crash
(:meth:`Periods.segments`), and goes on after the restart only if the same
pid text is spawned again: the new incarnation's process, not the old one
come back.  The periods are y intervals on the laid-out chart, so they are
computed after the rows are placed and before anything is drawn
(:mod:`labrt.draw.seqnetdraw` paints them behind the lifelines).
"""
from __future__ import annotations

from .seqlanes import _data
from ..kernel.trace import show


class Periods:
    """Walls and down periods as y intervals (see the module's essay); needs the
    bands and gaps of :class:`~labrt.draw.seqlanes.Lanes`."""

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
