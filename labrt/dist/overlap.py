"""OTP 25 global's ``prevent_overlapping_partitions``, as messages between nodes.

Design
------
Since OTP 25, ``global`` (the name server every node runs) refuses to let
a node stay connected to two nodes that cannot see each other.  It does
this with two messages between the name servers, and labrt models exactly
those two (``kernel/src/global.erl`` of OTP 25.2.3, the comment "Prevent
Overlapping Partitions Algorithm" and ``handle_info``):

1. When node x loses its connection to y, and the loss was *not* asked for
   by this algorithm, x sends ``lost_connection(x, y)`` to every node it
   knows (its ``known`` set: the nodes it is connected to and has not
   asked to drop).
2. A node z that gets ``lost_connection(x, y)`` for the first time passes
   it on to every node it knows except x (so it reaches everyone even if x
   loses more connections while sending), and then removes the far node
   ``r`` (y, or x when z is y itself): it forgets r and sends r
   ``remove_connection(z)``.
3. A node r that gets ``remove_connection(z)`` while it knows z forgets z
   and disconnects from it: reason ``disconnect`` at r,
   ``connection_closed`` at z.

A node remembers the nodes it has asked to drop, or been asked to drop
(``removing``): when that connection goes down, it sends no
``lost_connection``.  That is what keeps the cascade to the first round:
with a, b, c, d all connected and a-b cut, c and d each drop a and b, and
c-d stays up (three partitions: {a}, {b}, {c, d}).

The messages travel as global's do: over the existing connection between
the two nodes (never setting one up; with no connection the message is
dropped, as ``erlang:send(To, Msg, [noconnect])``), after the link's
latency, in order with the other signals on that connection, held while its
direction is cut, lost when it breaks.  So the cuts come two latencies
after the loss that caused them, not at once.  Each is a ``Signal`` of kind
``"global"`` on the channel; ``Net._flush`` hands it to :meth:`arrive`
instead of the receiving runtime.

What is left out: the locker and name registration, global's sync
protocol (labrt's ``known`` is set at nodeup, not after a sync round
trip), ``global_group``, and nodes of an older protocol version.
"""
from __future__ import annotations

import itertools

from ..kernel.signals import Signal

__all__ = ["Overlap"]


class Overlap:
    """The state of ``global`` on every node of one world (``world._pop``)."""

    def __init__(self, world):
        self.world = world
        self.known: dict[int, set] = {}      # node -> nodes its global knows
        self.removing: dict[int, set] = {}   # node -> nodes it is dropping
        self.seen: dict[int, dict] = {}      # node -> {(x, y): (creation, op)}
        self.op = itertools.count(1).__next__

    def _state(self, i):
        k = self.known.get(i)
        if k is None:
            k = self.known[i] = set()
            self.removing[i] = set()
            self.seen[i] = {}
        return k

    def forget(self, i):
        """Node ``i`` crashed: its global's state is gone with its RAM."""
        self.known.pop(i, None)
        self.removing.pop(i, None)
        self.seen.pop(i, None)

    # -- what the world tells it ---------------------------------------------
    def nodeup(self, a, b):
        self._state(a).add(b)
        self._state(b).add(a)

    def nodedown(self, x, y):
        """Node ``x`` (up) saw its connection to ``y`` go down."""
        known = self._state(x)
        known.discard(y)
        removing = self.removing[x]
        if y in removing:                 # asked for by this algorithm: quiet
            removing.discard(y)
            return
        w = self.world
        msg = ("lost_connection", x, w._rts[x].creation, self.op(), y)
        for z in sorted(known):
            self.send(x, z, msg)

    # -- the messages ----------------------------------------------------------
    def send(self, src, dst, msg):
        """A volatile send between name servers: only over an existing connection."""
        net = self.world.net
        conn = net.conns.get((src, dst) if src < dst else (dst, src))
        if conn is not None and conn.up:
            net.enqueue(conn.chans[(src, dst)], Signal("global", None, dst, msg))

    def arrive(self, z, sig):
        """A name server message reached node ``z``."""
        msg = sig.payload
        if msg[0] == "lost_connection":
            self._lost_connection(z, msg)
        else:
            self._remove_connection(z, msg[1])

    def _lost_connection(self, z, msg):
        _, x, creation, op, y = msg
        known = self._state(z)
        seen = self.seen[z]
        before = seen.get((x, y))
        if before is not None and before[0] == creation and op <= before[1]:
            return                                   # handled already
        for n in sorted(known - {x}):                # pass it on
            self.send(z, n, msg)
        seen[(x, y)] = (creation, op)
        far = y if z != y else x
        if far in known:
            self.send(z, far, ("remove_connection", z))
            known.discard(far)
            self.removing[z].add(far)

    def _remove_connection(self, r, z):
        known = self._state(r)
        if z not in known:
            return
        known.discard(z)
        self.removing[r].add(z)
        self.world.disconnect(r, z, "disconnect", "connection_closed")
