"""How a world breaks: partitions, heals, crashes, restarts, slow and lossy links.

Design
------
These are the faults a :class:`~labrt.dist.World` can suffer, each one a
method that changes the network's state (``world.net``) or a node's, and
leaves the consequences to the rules in ``world.py``: a cut direction stops
its channel, and a cut that lasts ``tick`` seconds takes the connection
down; a crash empties a node at once and closes its connections a little
later, when its peers notice.  Every fault is traced as a ``fault`` event,
so a picture of the run can shade the periods it covers.  The same methods
are what a :class:`~labrt.dist.FaultSchedule` calls at its times.

The class here is a mixin of :class:`~labrt.dist.World`; it holds no state
of its own.
"""
from __future__ import annotations

from ..kernel.core import EXITED
from ..kernel.values import BadArg
from .net import Latency, check_node_name

__all__ = ["Faults"]


class Faults:
    """The fault methods of a World (see the module's essay)."""

    # -- faults ---------------------------------------------------------------------
    def _indices(self, names):
        if isinstance(names, str):
            names = [names]
        return [self.index(check_node_name(n)) for n in names]

    def partition(self, side_a, side_b=None, oneway: bool = False):
        """Cut every link between ``side_a`` and ``side_b`` (default: everyone else).

        ``oneway=True`` cuts only the direction from ``side_a`` to ``side_b``.
        """
        a = self._indices(side_a)
        b = (self._indices(side_b) if side_b is not None
             else [i for i in range(len(self._names)) if i not in a])
        if set(a) & set(b):
            raise BadArg(f"a node cannot be on both sides of a partition: "
                         f"{sorted(self._names[i] for i in set(a) & set(b))}")
        pairs = [(x, y) for x in a for y in b]
        if not oneway:
            pairs += [(y, x) for x, y in pairs]
        self._ev("fault", None, None, ("partition", [self._names[i] for i in a],
                                       [self._names[i] for i in b], oneway))
        for d in pairs:
            if d not in self.net.blocked:
                self.net.blocked.add(d)
                self._cut(d)
        self.net.refresh_all()

    def heal(self, side_a=None, side_b=None):
        """Reconnect the wires: all of them, or those between two sides."""
        if side_a is None:
            pairs = sorted(self.net.blocked)
        else:
            a = self._indices(side_a)
            b = (self._indices(side_b) if side_b is not None
                 else [i for i in range(len(self._names)) if i not in a])
            pairs = [d for d in sorted(self.net.blocked)
                     if (d[0] in a and d[1] in b) or (d[0] in b and d[1] in a)]
        self._ev("fault", None, None, ("heal",))
        for d in pairs:
            self.net.blocked.discard(d)
            conn = self.net.conns.get((min(d), max(d)))
            if conn is not None:
                self.net.resume(conn.chans[d])
                if (d[1], d[0]) not in self.net.blocked:
                    conn.since = None
                    if conn.check is not None:
                        conn.check[4] = False
                        conn.check = None
        self.net.refresh_all()

    def _cut(self, d):
        conn = self.net.conns.get((min(d), max(d)))
        if conn is None:
            return
        self.net.pause(conn.chans[d])
        if conn.since is None:
            conn.since = self.now
            conn.check = self._timer(self.now + self.net.tick, self._tick_check, conn)

    def _tick_check(self, conn):
        """A cut connection stayed silent for ``tick`` seconds: it is down."""
        conn.check = None
        if not conn.up or conn.since is None:
            return
        a, b = conn.a, conn.b
        ab, ba = (a, b) in self.net.blocked, (b, a) in self.net.blocked
        if not (ab or ba):
            return
        # The side that hears nothing times out; the other sees the close.
        ra = "net_tick_timeout" if ba else "connection_closed"
        rb = "net_tick_timeout" if ab else "connection_closed"
        self.disconnect(a, b, ra, rb)

    def crash(self, name, detect=None):
        """Node ``name`` stops: its processes end without running code; disk survives.

        Its peers see the connection close after one latency (as a closed TCP
        connection), or after ``detect`` seconds if given (say ``world.net.tick``
        for a power cut that closes nothing).
        """
        i = self.index(check_node_name(name))
        rt = self._rts.get(i)
        if rt is None or i not in self.up:
            raise BadArg(f"crash: node {name!r} is not up")
        self._ev("fault", None, None, ("crash", name))
        self.up.discard(i)
        for p in list(rt.procs.values()):
            p.status = EXITED
            p.waiting = None
            if p.timer is not None:
                p.timer[4] = False
                p.timer = None
            p.links = p.monitors = p.watchers = p.aliases = p.mailbox = None
            p.pid._proc = None
            if p.coro is not None:     # kept, never closed: closing would run its
                self._graveyard.append(p.coro)     # finally blocks, and a crashed
                p.coro = None                      # node runs no more code
        for entry in rt.timer_refs.values():
            entry[4] = False
        rt.procs.clear()
        rt.names.clear()
        rt.aliases.clear()
        rt.timer_refs.clear()
        rt.finished.clear()
        rt.ext.clear()
        rt._signals.clear()
        self._watch[i] = {}
        self._subs[i] = []
        if self._pop is not None:
            self._pop.forget(i)
        for (a, b), conn in list(self.net.conns.items()):
            if i in (a, b):
                peer = b if a == i else a
                wait = (self.net.delay(i, peer) if detect is None else float(detect))
                self._timer(self.now + wait, self._closed_by_crash, (a, b, conn))

    def _closed_by_crash(self, arg):
        a, b, conn = arg
        # Only the connection the crash broke: if the node was restarted in the
        # meantime, the pair may have a new connection, which must stay up.
        if self.net.conns.get((a, b)) is conn:
            self.disconnect(a, b, "connection_closed", "connection_closed")

    def restart(self, name):
        """Bring a crashed node back: same name and index, a new creation, empty RAM."""
        i = self.index(check_node_name(name))
        rt = self._rts.get(i)
        if rt is None:
            raise BadArg(f"restart: there is no node {name!r} (world.node({name!r}) creates one)")
        if i in self.up:
            raise BadArg(f"restart: node {name!r} is up; crash it first")
        for (a, b) in list(self.net.conns):            # the old connections are gone
            if i in (a, b):
                self.disconnect(a, b, "connection_closed", "connection_closed")
        rt.creation += 1
        rt._serial = 0
        self.up.add(i)
        self._ev("fault", None, None, ("restart", name))
        boot = self._boot.get(i)
        if boot is not None:
            rt._spawn(None, boot, ())   # (also from inside a process)

    def slow(self, a, b, latency, both: bool = True):
        """Give the link between ``a`` and ``b`` a latency (seconds or a :class:`~labrt.dist.Latency`).

        ``latency=None`` gives it back the world's default.
        """
        x, y = self._indices(a)[0], self._indices(b)[0]
        pairs = [(x, y), (y, x)] if both else [(x, y)]
        if latency is None:
            self._ev("fault", None, None, ("slow", a, b, None))
            for d in pairs:
                self.net.links.pop(d, None)
            self.net.refresh_all()
            return
        lat = Latency.of(latency)
        self._ev("fault", None, None, ("slow", a, b, lat.as_data()))
        for d in pairs:
            self.net.links[d] = lat
        self.net.refresh_all()

    def drop(self, a, b, p: float, both: bool = True):
        """Lose a share ``p`` (0 to 1) of the messages between ``a`` and ``b``."""
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
            raise ValueError(f"drop: p is a probability from 0 to 1, got {p!r}")
        x, y = self._indices(a)[0], self._indices(b)[0]
        self._ev("fault", None, None, ("drop", a, b, p))
        self.net.loss[(x, y)] = float(p)
        if both:
            self.net.loss[(y, x)] = float(p)
        self.net.refresh_all()

    def apply(self, schedule):
        """Put every fault of a :class:`~labrt.dist.FaultSchedule` on the clock."""
        schedule.apply(self)
