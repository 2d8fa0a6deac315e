"""The simulated network: links between nodes, connections, signals in flight.

Design
------
Between every two nodes there is a *link*, the wire: its latency (a fixed
number of seconds, or a seeded distribution), the share of messages it
loses, and whether a partition blocks it, separately in each direction.
Over a link a *connection* may be up, as Erlang's distribution runs one TCP
connection per pair of nodes: it is set up on first contact, it carries the
signals of both directions, each direction in order, and when it breaks
every signal still on it is lost.

A signal for another node (``Runtime._post`` hands it to :meth:`Net.post`)
goes into the queue of its direction of the connection with an arrival time
no earlier than the one before it, so the pair order Erlang promises holds
whatever the latency draws say.  One timer on the world's heap stands for
the head of each queue; when it fires, every signal that is due arrives at
its node (``Runtime._arrive``), and the timer is set again for the next.  A
burst of messages sent at one instant therefore costs one timer, not one
each.

A partition does not drop what is on the wire: TCP keeps it and sends it
again.  While a direction is blocked its queue simply waits.  If the block
lasts longer than the world's ``tick`` (Erlang's ``net_ticktime``: how long
a silent peer is given), the connection is declared down and the queue is
lost; if it heals in time, the queue drains, late but in order.  So no
signal ever arrives while its direction is blocked.

Loss (``drop``) applies to messages only.  A real connection never loses a
signal without breaking, and labrt's links and monitors rely on that; a
lossy link is a teaching device for messages.

Everything random comes from one generator seeded from the world's seed, and
draws happen in the order signals are posted, so the same program with the
same seed sends the same bytes at the same virtual times.
"""
from __future__ import annotations

import math
import re
from collections import deque

from ..kernel.core import EXITED, RUNNABLE, _roomy
from ..kernel.signals import Signal
from ..kernel.values import BadArg

__all__ = ["Net", "Latency", "check_node_name"]

_NODE_NAME = re.compile(r"^[A-Za-z0-9_\-.]+@[A-Za-z0-9_\-.]+$")


def check_node_name(name) -> str:
    if type(name) is not str or not _NODE_NAME.match(name):
        raise BadArg(f"a node name looks like 'name@host' (letters, digits, _ - .), "
                     f"got {name!r}")
    return name


class Latency:
    """How long a signal takes on a link: fixed, or drawn from a distribution.

    ``Latency(0.01)`` is fixed; ``Latency.uniform(lo, hi)`` and
    ``Latency.exponential(mean, base=0.0)`` draw from the world's generator.
    """

    __slots__ = ("kind", "a", "b")

    def __init__(self, seconds: float):
        _check_seconds(seconds, "latency")
        self.kind, self.a, self.b = "fixed", float(seconds), 0.0

    @classmethod
    def uniform(cls, lo: float, hi: float) -> Latency:
        _check_seconds(lo, "latency")
        _check_seconds(hi, "latency")
        if hi < lo:
            raise ValueError(f"Latency.uniform needs lo <= hi, got {lo} > {hi}")
        lat = cls(lo)
        lat.kind, lat.b = "uniform", float(hi)
        return lat

    @classmethod
    def exponential(cls, mean: float, base: float = 0.0) -> Latency:
        _check_seconds(mean, "mean latency")
        _check_seconds(base, "base latency")
        lat = cls(base)
        lat.kind, lat.b = "exponential", float(mean)
        return lat

    def draw(self, rng) -> float:
        if self.kind == "fixed":
            return self.a
        if self.kind == "uniform":
            return rng.uniform(self.a, self.b)
        return self.a + (rng.expovariate(1.0 / self.b) if self.b > 0 else 0.0)

    def __eq__(self, other):
        return (isinstance(other, Latency)
                and (self.kind, self.a, self.b) == (other.kind, other.a, other.b))

    def __repr__(self):
        if self.kind == "fixed":
            return f"Latency({self.a!r})"
        if self.kind == "uniform":
            return f"Latency.uniform({self.a!r}, {self.b!r})"
        return f"Latency.exponential({self.b!r}, base={self.a!r})"

    def as_data(self):
        """A JSON-friendly form: a number, or ``[kind, a, b]``."""
        return self.a if self.kind == "fixed" else [self.kind, self.a, self.b]

    @classmethod
    def of(cls, value) -> Latency:
        """A Latency from a number, a Latency, or the form :meth:`as_data` gives."""
        if isinstance(value, Latency):
            return value
        if isinstance(value, (list, tuple)) and len(value) == 3:
            kind, a, b = value
            if kind == "uniform":
                return cls.uniform(a, b)
            if kind == "exponential":
                return cls.exponential(b, base=a)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return cls(value)
        raise ValueError(f"a latency is seconds (a number), Latency.uniform(lo, hi) or "
                         f"Latency.exponential(mean); got {value!r}")


def unpack(queue):
    """Take the head entry off a wire queue, as a Signal (see :meth:`Net.message`)."""
    queue.popleft()                           # its arrival time
    e = queue.popleft()
    if type(e) is Signal:
        return e
    return Signal("message", e, queue.popleft(), queue.popleft())


def _check_seconds(x, what):
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not x >= 0 or math.isinf(x):
        raise ValueError(f"{what} must be a finite number of seconds >= 0, got {x!r}")


class _Channel:
    """One direction of a connection: signals in flight, in order."""

    __slots__ = ("src", "dst", "key", "conn", "queue", "timer", "last", "fixed")

    def __init__(self, src, dst, conn):
        self.src, self.dst, self.conn = src, dst, conn
        self.key = (src, dst)       # its direction, as Net.blocked holds it
        self.queue = deque()        # flat: time, signal, time, signal... (Net.message)
        self.timer = None           # the heap entry for the head, or None
        self.last = 0.0             # arrival time of the last signal queued
        self.fixed = None           # the latency, when it is fixed (see Net.plain)


class Conn:
    """A connection between nodes ``a < b``: two channels and a liveness check."""

    __slots__ = ("a", "b", "chans", "up", "check", "since")

    def __init__(self, a, b):
        self.a, self.b = a, b
        self.chans = {(a, b): _Channel(a, b, self), (b, a): _Channel(b, a, self)}
        self.up = True
        self.check = None           # timer entry of a pending tick check
        self.since = None           # when a direction of it was last cut


class Net:
    """Links, partitions and the connections of one world (``world.net``)."""

    def __init__(self, world, latency, tick, rng):
        self.world = world
        self.latency = Latency.of(latency)    # default for every link
        self.tick = tick
        self.rng = rng
        self.links: dict = {}                 # (src, dst) -> Latency
        self.loss: dict = {}                  # (src, dst) -> probability
        self.blocked: set = set()             # (src, dst) directions cut
        self.conns: dict = {}                 # (a, b) with a < b -> Conn
        # Channels a message can take with no decision to make: connection up,
        # direction not cut, no loss, fixed latency.  The fast path for
        # messages (labrt.kernel.api.send -> Net.message) looks only here, in the
        # copy each node keeps by destination (``rt._wires``).
        self.plain: dict = {}                 # (src, dst) -> _Channel
        self.kernel = world.kernel

    # -- link settings -------------------------------------------------------
    def delay(self, src, dst) -> float:
        return self.links.get((src, dst), self.latency).draw(self.rng)

    def reachable(self, a, b) -> bool:
        """Could a connection between nodes ``a`` and ``b`` be set up now?"""
        w = self.world
        return (a in w.up and b in w.up and (a, b) not in self.blocked
                and (b, a) not in self.blocked)

    def refresh(self, ch):
        """Put ``ch`` in or out of :attr:`plain` after anything about it changed."""
        d = (ch.src, ch.dst)
        lat = self.links.get(d, self.latency)
        wires = self.world.runtime(ch.src)._wires
        if (ch.conn.up and d not in self.blocked and not self.loss.get(d)
                and lat.kind == "fixed"):
            ch.fixed = lat.a
            self.plain[d] = wires[ch.dst] = ch
        else:
            ch.fixed = None
            self.plain.pop(d, None)
            wires.pop(ch.dst, None)

    def refresh_all(self):
        for conn in self.conns.values():
            for ch in conn.chans.values():
                self.refresh(ch)

    # -- sending -------------------------------------------------------------
    def message(self, rt, sender, dest, msg):
        """``post`` for a message to a remote pid, when nothing is traced or held.

        The same steps as :meth:`post` and :meth:`enqueue` on a plain channel,
        with fewer calls: this is what remote one-way throughput measures.  A
        channel's queue is flat, each entry its arrival time followed by the
        signal; a message signal on this path is packed as three items,
        sender, target, message (no object lives on the wire, so the garbage
        collector has nothing to visit); :meth:`_flush` and :func:`unpack`
        read them back.  One ``extend`` adds an entry, so a RecursionError
        can never leave half of one.
        """
        ch = rt._wires.get(dest.node)
        if ch is None:
            self.post(rt, Signal("message", sender, dest, msg))
            return
        t = self.kernel.clock + ch.fixed
        if t <= ch.last:
            t = ch.last                       # (and the same float: no new object)
        if ch.timer is None:
            ch.timer = self.world._timer(t, self._flush, ch)
        ch.last = t
        ch.queue.extend((t, sender, dest, msg))   # last: nothing can fail after it

    def name_message(self, rt, sender, dest, msg):
        """:meth:`message` for a message to a registered name on another node.

        The slow path it mirrors is ``Runtime._send`` -> :meth:`post` ->
        :meth:`enqueue` with a ``Signal``: on a plain channel that is a fixed
        delay and no loss draw, so this queues the same packed entry as
        :meth:`message`, with the ``(name, node)`` pair as its target, and the
        name is resolved when it arrives (:meth:`_flush`), as in Erlang.  A node
        the sender has no plain channel to (no connection yet, a cut, a lossy or
        drawn latency) takes the slow path.
        """
        ch = rt._wires.get(self.world._index.get(dest[1]))
        if ch is None:
            self.post(rt, Signal("message", sender, dest, msg))
            return
        t = self.kernel.clock + ch.fixed
        if t <= ch.last:
            t = ch.last
        if ch.timer is None:
            ch.timer = self.world._timer(t, self._flush, ch)
        ch.last = t
        ch.queue.extend((t, sender, dest, msg))   # last: nothing can fail after it

    @_roomy
    def post(self, rt, sig):
        """A signal from node ``rt`` to a process on another node."""
        w = self.world
        dst = w.node_index_of(sig.target)
        conn = w.connection(rt.node, dst)
        if conn is None:
            w.undeliverable(rt, sig)
            return
        self.enqueue(conn.chans[(rt.node, dst)], sig)

    def enqueue(self, ch, sig):
        w = self.world
        if sig.kind == "message":
            p = self.loss.get((ch.src, ch.dst))
            if p and self.rng.random() < p:
                w.lost(sig, "dropped")
                return
        t = w.kernel.clock + self.delay(ch.src, ch.dst)
        if t < ch.last:
            t = ch.last                       # never overtake (pair order)
        ch.last = t
        ch.queue.extend((t, sig))
        if ch.timer is None and (ch.src, ch.dst) not in self.blocked:
            ch.timer = w._timer(t, self._flush, ch)

    def _flush(self, ch):
        """The head of ``ch`` is due: let everything due arrive, in order.

        This runs once per remote message on a quiet network, so it does
        ``Runtime._arrive`` -> ``_deliver`` -> ``_wake`` inline for a packed
        message (see :meth:`message`): into the mailbox if the receiver is not
        waiting, woken at once if it waits for any message, and through
        ``_deliver`` (its receive's predicate) otherwise.
        """
        ch.timer = None
        w = self.world
        if not ch.conn.up or ch.key in self.blocked:
            return
        now = w.kernel.clock
        q = ch.queue
        conn = ch.conn
        if ch.dst not in w.up:                # crashed, its peers not told yet
            while q and q[0] <= now:
                w.lost(unpack(q), "node down")
        rt = w._rts.get(ch.dst)
        while q and q[0] <= now:
            q.popleft()
            sig = q.popleft()
            if type(sig) is not Signal:       # a packed message (see message()):
                target = q.popleft()          # _arrive's steps for it, inline
                msg = q.popleft()
                if type(target) is tuple:     # (name, node): resolved on arrival
                    p = rt.names.get(target[0])
                else:
                    p = target._proc
                if p is not None and p.rt is rt and p.status is not EXITED:
                    waiting = p.waiting
                    if waiting is None:       # (what a burst mostly meets)
                        mb = p.mailbox
                        if mb is None:
                            mb = p.mailbox = deque()
                        mb.append(msg)
                    elif waiting is True and not rt._tracing:   # receive(): _deliver -> _wake
                        self.kernel.wake(p, msg)
                        p.waiting = None
                        t = p.timer
                        if t is not None:
                            t[4] = False
                            p.timer = None
                        p.status = RUNNABLE
                    else:
                        rt._deliver(p, msg)
                continue
            if sig.kind == "global":          # a name server's (overlap.py)
                w._pop.arrive(ch.dst, sig)
            else:
                rt._arrive(sig)
            if not conn.up:                   # (an arrival may end it)
                return
        if q:
            ch.timer = w._timer(q[0], self._flush, ch)

    def resume(self, ch):
        """A blocked direction is open again: start its queue moving."""
        if ch.timer is None and ch.queue and ch.conn.up:
            now = self.world.kernel.clock
            ch.timer = self.world._timer(max(ch.queue[0], now), self._flush, ch)

    def pause(self, ch):
        if ch.timer is not None:
            ch.timer[4] = False
            ch.timer = None

    def close(self, conn):
        """The connection broke: stop its timers, and return what was in flight."""
        conn.up = False
        for ch in conn.chans.values():
            self.refresh(ch)
        lost = []
        for ch in conn.chans.values():
            self.pause(ch)
            while ch.queue:
                lost.append(unpack(ch.queue))
        if conn.check is not None:
            conn.check[4] = False
            conn.check = None
        return lost
