"""A world of nodes: one clock, one trace, many process tables.

Design
------
A :class:`World` is one simulated kernel (one virtual clock, one run queue,
one timer heap, one trace) shared by several nodes.  A node is an ordinary
:class:`labrt.Runtime` with a name and an index: its own processes,
registered names, aliases and a ``disk`` that outlives crashes.  The core
does not know about worlds beyond one test: a signal whose target is on
another node goes to ``world.net`` instead of arriving at once.  Everything
here is built on the core's two doors, ``_post`` and ``_arrive``.

Node indices are stable: in the order names are first mentioned, from 0.
The first node's pids print ``<0.N.0>``, the second's ``<1.N.0>`` on every
node (Erlang prints a node's own pids with 0 and numbers the others per
connection; one index per world keeps pages and traces deterministic).

Connections follow Erlang's default: set up on first contact (any signal,
``monitor_node``, ``connect_node``), and transitive (when A connects to B,
A also connects to B's peers).  When a connection goes down, for any reason,
each side that is still running sees exactly what OTP shows:

* each link between the two nodes gives ``Exit(remote_pid, "noconnection")``
  (or kills a process that does not trap exits), on both sides;
* each monitor between them gives ``Down(ref, obj, "noconnection")``; it is
  gone, and a reconnection does not bring it back;
* each ``monitor_node`` instance gives ``("nodedown", node)``, and each
  ``monitor_nodes`` subscriber ``("nodedown", node)`` or, if it asked,
  ``("nodedown", node, {"nodedown_reason": reason})``;
* whatever was in flight on the connection is lost.

A crash ends every process of the node without running its code (no exit
signals, no terminate), frees its RAM (processes, names, timers) and keeps
``node.disk``.  Its peers learn when the connection breaks.  A restart
brings the node back under the same name and index with a new *creation*,
so old pids never reach new processes; its peers see ``nodeup`` when they
next make contact.
"""
from __future__ import annotations

import heapq
import itertools
import random

from ..kernel.core import EXITED, Runtime, isolate
from ..kernel.signals import Signal
from ..kernel.sim import SimKernel
from ..kernel.values import BadArg, Pid, ProcessExit
from ..kernel.trace import Trace
from .chaos import Faults
from .net import Conn, Net, check_node_name
from .overlap import Overlap

__all__ = ["World"]

def _noconnection():
    """Stands in for a process spawned on a node that cannot be reached."""
    raise ProcessExit("noconnection")


class World(Faults):
    """Nodes on one simulated clock, joined by a network that can fail.

    ``latency`` is every link's default (seconds, or a :class:`~labrt.dist.Latency`);
    ``tick`` is how long a silent connection lasts before both sides call it
    down (Erlang's net_ticktime idea); ``seed`` seeds every random choice
    the network makes.

    ``prevent_overlapping_partitions`` models OTP's ``global`` option of that
    name (true by default since OTP 25; see ``overlap.py``): when a
    connection a-b goes down, the sides still up tell the nodes they know
    (``lost_connection``), and each node that still sees the far side asks
    it to disconnect (``remove_connection``: reason ``disconnect`` there,
    ``connection_closed`` here), two latencies later; losses that this
    caused start no new round.  labrt's default is False, as the book's
    BEAM peers run with ``-kernel prevent_overlapping_partitions false``
    (book/erlang/ch09_majority.erl).
    """

    def __init__(self, seed=0, trace: bool = True, reports="stderr",
                 latency=0.001, tick: float = 4.0,
                 prevent_overlapping_partitions: bool = False):
        self.prevent_overlapping_partitions = bool(prevent_overlapping_partitions)
        self._pop = Overlap(self) if self.prevent_overlapping_partitions else None
        if isinstance(tick, bool) or not isinstance(tick, (int, float)) or not tick > 0:
            raise ValueError(f"tick must be a number of seconds > 0, got {tick!r}")
        self.seed = seed
        self.tracing = bool(trace)
        self.timers: list = []
        self.timer_seq = itertools.count(1).__next__
        self.trace = Trace()
        self.reports: list[str] = []
        self.report_sink = reports
        self.kernel = SimKernel(self, None)
        self.net = Net(self, latency, float(tick), random.Random(f"labrt.net:{seed}"))
        self._names: list[str] = []          # index -> node name
        self._index: dict[str, int] = {}     # node name -> index
        self._rts: dict[int, Runtime] = {}   # index -> its Runtime (created nodes)
        self._boot: dict[int, object] = {}
        self.up: set[int] = set()
        self._watch: dict = {}               # index -> {node name: [watcher pids]}
        self._subs: dict = {}                # index -> [(pid, with reason)]
        self._graveyard: list = []           # coroutines of crashed nodes

    def __repr__(self):
        up = ", ".join(self._names[i] for i in sorted(self.up))
        return f"<World t={self.now:.3f} up: {up or 'none'}>"

    # -- nodes -----------------------------------------------------------------
    def node(self, name: str, boot=None) -> Runtime:
        """The node called ``name``, created (and up) the first time it is asked for.

        ``boot``, a process function, is spawned on the node now and again
        after every restart (a node's "application start").
        """
        i = self.index(name)
        rt = self._rts.get(i)
        if rt is None:
            rt = Runtime(trace=self.tracing, node=i, _world=self, _name=name)
            rt.disk = {}
            rt._wires = {}                   # destination node -> plain channel (net.py)
            rt._wire = self.net.message      # what send() calls for a remote pid
            rt._wire_name = self.net.name_message    # ... and for a remote (name, node)
            self._rts[i] = rt
            self._watch[i], self._subs[i] = {}, []
            self.up.add(i)
            if boot is not None:
                self._boot[i] = boot
                rt._spawn(None, boot, ())   # (also from inside a process)
        elif boot is not None:
            raise BadArg(f"node {name!r} exists already; give boot= when it is first created")
        return rt

    def __getitem__(self, name) -> Runtime:
        i = self._index.get(name)
        if i is None or i not in self._rts:
            raise KeyError(f"no node {name!r} in this world; world.node({name!r}) creates it")
        return self._rts[i]

    def index(self, name: str) -> int:
        """The stable index of node ``name`` (given on first mention)."""
        i = self._index.get(name)
        if i is None:
            check_node_name(name)
            i = self._index[name] = len(self._names)
            self._names.append(name)
        return i

    def name_of(self, index: int) -> str:
        return self._names[index]

    def runtime(self, index: int):
        return self._rts.get(index)

    def live_nodes(self) -> list[Runtime]:
        return [self._rts[i] for i in sorted(self.up)]

    @property
    def nodes(self) -> list[str]:
        """The names of every node that exists (up or down), in index order."""
        return [self._names[i] for i in sorted(self._rts)]

    def is_up(self, name) -> bool:
        i = self._index.get(name)
        return i is not None and i in self.up

    def connected(self, name) -> list[str]:
        """The nodes ``name`` has a connection to, sorted (Erlang's ``nodes()``)."""
        i = self._index.get(name)
        out = []
        for (a, b), conn in self.net.conns.items():
            if i in (a, b):
                out.append(self._names[b if a == i else a])
        return sorted(out)

    def node_index_of(self, target) -> int:
        """The index of the node a pid, alias or (name, node) is on (-1: no such node)."""
        if type(target) is tuple:
            i = self._index.get(target[1])
            if i is None:
                try:
                    i = self.index(target[1])
                except BadArg:
                    return -1                 # not even a node name: unreachable
            return i
        return target.node

    # -- the clock (the kernel calls these) -------------------------------------
    @property
    def now(self) -> float:
        """The world's virtual clock, in seconds."""
        return self.kernel.clock

    def _timer(self, when, fn, arg):
        entry = [when, self.timer_seq(), fn, arg, True]
        heapq.heappush(self.timers, entry)
        return entry

    def next_timer(self):
        timers = self.timers
        while timers and not timers[0][4]:
            heapq.heappop(timers)
        return timers[0] if timers else None

    def fire_due(self, now):
        timers = self.timers
        heappop = heapq.heappop
        while timers and timers[0][0] <= now:
            entry = heappop(timers)
            if entry[4]:
                entry[4] = False
                entry[2](entry[3])

    def run(self):
        """Run until no process can run and nothing is pending."""
        self.kernel.run()

    def run_until(self, t: float):
        """Run until the virtual clock reaches ``t``."""
        self.kernel.run(until=t)

    def run_for(self, d: float):
        """Run for ``d`` seconds of virtual time."""
        self.kernel.run(until=self.now + d)

    def _ev(self, kind, pid, other, data):
        if self.tracing:
            from ..kernel.trace import Event
            t = self.trace
            t.append(Event(len(t), self.now, kind, pid, other, data))

    # -- connections --------------------------------------------------------------
    def connection(self, a: int, b: int):
        """The connection between nodes ``a`` and ``b``, set up if it can be; else None."""
        key = (a, b) if a < b else (b, a)
        conn = self.net.conns.get(key)
        if conn is not None:
            return conn
        if not self.net.reachable(a, b):
            return None
        conn = self._connect(a, b)
        # Transitive connections (Erlang's default): each side meets the other's peers.
        peers_a = [x for x in self._peers(a) if x != b]
        peers_b = [y for y in self._peers(b) if y != a]
        for x in [a] + peers_a:
            for y in [b] + peers_b:
                if x != y:
                    k = (x, y) if x < y else (y, x)
                    if k not in self.net.conns and self.net.reachable(x, y):
                        self._connect(x, y)
        return conn

    def _peers(self, i):
        return [b if a == i else a for (a, b) in self.net.conns if i in (a, b)]

    def _connect(self, a, b):
        key = (a, b) if a < b else (b, a)
        conn = self.net.conns[key] = Conn(*key)
        for ch in conn.chans.values():
            self.net.refresh(ch)
        self._ev("nodeup", None, None, (self._names[key[0]], self._names[key[1]]))
        if self._pop is not None:
            self._pop.nodeup(a, b)
        for x, y in ((a, b), (b, a)):
            rt = self._rts[x]
            for pid, with_reason in list(self._subs[x]):
                _tell(rt, pid, ("nodeup", self._names[y], {}) if with_reason
                      else ("nodeup", self._names[y]))
        return conn

    def disconnect(self, a: int, b: int, reason_a: str, reason_b: str) -> bool:
        """Break the connection between ``a`` and ``b``: both sides see it go."""
        key = (a, b) if a < b else (b, a)
        conn = self.net.conns.pop(key, None)
        if conn is None:
            return False
        lost = self.net.close(conn)
        for sig in lost:
            self.lost(sig, "connection lost")
        self._ev("nodedown", None, None, (self._names[a], self._names[b], reason_a, reason_b))
        for x, y, why in ((a, b, reason_a), (b, a, reason_b)):
            if x in self.up:
                self._nodedown(x, y, why)
        pop = self._pop
        if pop is not None:                    # global hears of it (overlap.py)
            for x, y in ((a, b), (b, a)):
                if x in self.up:
                    pop.nodedown(x, y)
        return True

    def _nodedown(self, x, y, reason):
        """Node ``x`` lost its connection to ``y``: OTP's failure semantics, at ``x``."""
        yname = self._names[y]
        connection_lost(self._rts[x], y, yname, reason, self._watch[x].pop(yname, ()),
                        self._subs[x], self.node_index_of)

    def undeliverable(self, rt, sig):
        """No connection can be set up for ``sig``: what the sender sees at once."""
        kind = sig.kind
        if kind == "message":
            self.lost(sig, "no connection")
        elif kind == "spawn":
            _fn, _args, link, ref = sig.payload
            if ref is not None:
                rt._arrive(Signal("down", sig.target, sig.sender,
                                  (ref, sig.target, "noconnection")))
            if link:
                rt._arrive(Signal("exit", sig.target, sig.sender, "noconnection", True))
        else:
            signal_undeliverable(rt, sig)

    def lost(self, sig, why):
        if sig.kind == "message":
            t = sig.target
            self._ev("lost", sig.sender, t if type(t) is Pid else None, sig.payload)

    def who(self, dest):
        """For the trace: the pid a remote (name, node) or alias stands for now, if any."""
        if type(dest) is tuple:
            i = self._index.get(dest[1])
            rt = self._rts.get(i) if i in self.up else None
            p = rt.names.get(dest[0]) if rt is not None else None
        else:
            rt = self._rts.get(dest.node) if dest.node in self.up else None
            p = rt.aliases.get(dest) if rt is not None else None
        return p.pid if p is not None else None

    # -- what processes ask for (labrt.dist.api forwards here) -------------------
    def spawn_request(self, rt, parent, name, fn, args, link, monitor):
        """``spawn(fn, *args, node=name)`` from ``parent`` on ``rt``: the pid at once."""
        if not callable(fn):
            raise BadArg(f"spawn needs a function, got {fn!r}")
        i = self.index(check_node_name(name))
        if self.connection(rt.node, i) is None:
            # What OTP 25 does (seen on the BEAM): the pid of a *local* process
            # that exits at once with reason noconnection, so a link gives
            # Exit(pid, "noconnection") and a monitor DOWN "noconnection".
            return rt._spawn(parent, _noconnection, (), link, monitor)
        target = self._rts[i]
        target._serial += 1
        pid = Pid(i, target._serial, None, target.creation)
        ref = None
        if link:
            if parent.links is None:
                parent.links = {}
            parent.links[pid] = None
            if rt._tracing:
                rt._ev("link", parent.pid, pid, None)
        if monitor:
            ref = rt._new_ref()
            if parent.monitors is None:
                parent.monitors = {}
            parent.monitors[ref] = pid
            if rt._tracing:
                rt._ev("monitor", parent.pid, pid, ref)
        rt._post(Signal("spawn", parent.pid, pid, (fn, isolate(args), link, ref)))
        return pid, ref

    def spawn_arrived(self, rt, sig):
        """A spawn request reached node ``rt``: start the process it named."""
        pid = sig.target
        fn, args, link, ref = sig.payload
        if pid.creation != rt.creation or rt.lookup(pid) is not None:
            return                                    # for an older incarnation
        rt._start_remote_child(pid, sig.sender, fn, args, link, ref)

    def monitor_node(self, rt, p, name, flag) -> bool:
        if type(flag) is not bool:
            raise BadArg(f"monitor_node: the flag must be True or False, got {flag!r}")
        j = self.index(check_node_name(name))
        watchers = self._watch[rt.node]
        if not flag:
            lst = watchers.get(name)
            if lst and p.pid in lst:
                lst.remove(p.pid)
            return True
        if j != rt.node and self.connection(rt.node, j) is None:
            rt._send(None, p.pid, ("nodedown", name))       # item 97: at once
            return True
        if j != rt.node:
            watchers.setdefault(name, []).append(p.pid)
        return True

    def monitor_nodes(self, rt, p, flag, with_reason) -> str:
        subs = self._subs[rt.node]
        if flag:
            subs.append((p.pid, bool(with_reason)))
        else:           # OTP: ends every subscription it made with these options
            subs[:] = [(pid, wr) for pid, wr in subs
                       if not (pid == p.pid and wr == bool(with_reason))]
        return "ok"


# ---------------------------------------------------------------------------
# OTP's rules for a lost or impossible connection, at one node.  A simulated
# world and a real node (labrt.erl) both apply them, each with its own
# bookkeeping of who watches which node.

def connection_lost(rt, y: int, yname: str, reason: str, watchers, subscribers, node_of):
    """Node ``rt`` lost its connection to node ``y`` (named ``yname``).

    ``watchers`` are the pids that asked ``monitor_node(yname, True)`` (one
    message each), ``subscribers`` the ``(pid, with_reason)`` pairs of
    ``monitor_nodes``, and ``node_of(target)`` the node index of a monitor's
    target (a pid or a ``(name, node)`` pair).
    """
    exits, downs = [], []
    for p in list(rt.procs.values()):
        if p.links:
            gone = [t for t in p.links if t.node == y]
            for t in gone:
                del p.links[t]
                exits.append((t, p.pid))
        if p.monitors:
            gone = [(ref, t) for ref, t in p.monitors.items() if node_of(t) == y]
            for ref, t in gone:
                del p.monitors[ref]
                downs.append((p, ref, t))
        if p.watchers:
            for ref in [r for r, (w, _) in p.watchers.items() if w.node == y]:
                del p.watchers[ref]
    for p, ref, t in downs:                           # item 99: DOWN noconnection
        if p.status is not EXITED:
            rt._send_down(p, ref, t, "noconnection", t if type(t) is Pid else None)
    for t, pid in exits:                              # item 99: EXIT noconnection
        rt._arrive(Signal("exit", t, pid, "noconnection"))
    for pid in watchers:                              # item 97
        _tell(rt, pid, ("nodedown", yname))
    for pid, with_reason in list(subscribers):        # item 98
        _tell(rt, pid, ("nodedown", yname, {"nodedown_reason": reason})
              if with_reason else ("nodedown", yname))
    rt._drain()


def signal_undeliverable(rt, sig):
    """A link or monitor to a node that cannot be reached: what its sender sees at once."""
    kind = sig.kind
    if kind == "link":
        rt._arrive(Signal("exit", sig.target, sig.sender, "noconnection", True))
    elif kind == "monitor":
        ref, obj = sig.payload
        rt._arrive(Signal("down", sig.target, sig.sender, (ref, obj, "noconnection")))
    elif kind == "monitor_name":
        rt._arrive(Signal("down", None, sig.sender,
                          (sig.payload, sig.target, "noconnection")))   # item 100
    # exit, unlink, demonitor, down: nobody is left to tell


def _tell(rt, pid, msg):
    """A message from the node's net kernel (sender: outside) to a local pid."""
    p = rt.lookup(pid)
    if p is not None and p.status is not EXITED:
        rt._send(None, pid, msg)
