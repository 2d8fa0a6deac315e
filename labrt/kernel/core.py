"""The heart of labrt: processes, mailboxes, exit signals, links, monitors, names.

Design, in a few paragraphs
---------------------------
A *process* is a Python coroutine (an ``async def`` function) plus the state
Erlang keeps for it: a mailbox, a set of links, the monitors it holds and the
monitors held on it, a registered name and the ``trap_exit`` flag.

A *runtime* owns processes, the name registry, a timer heap and an optional
trace.  Everything Erlang specifies about signals lives here, in one place, so
that both kernels share it:

* Everything one process does to another (a message, a link, an exit
  signal, a monitor, a DOWN) is a *signal* (``signals.py``): it leaves its
  sender through :meth:`Runtime._post` and takes effect at the receiver in
  :meth:`Runtime._arrive`.  On one node with no transit in between, ``_post``
  is ``_arrive``: delivery is immediate and in order, so the only guarantee
  Erlang gives (per-pair order) always holds, and a message sent before a
  process dies always arrives before its EXIT or DOWN.  A signal for another
  node of a ``labrt.dist.World`` goes over its simulated network instead; a
  ``Runtime.transit`` (the race explorer) may hold every signal.  A message
  to a live local process skips the ``Signal`` object and goes straight into
  the mailbox (``api.send``): the same effect, on the hot path.
* When a process ends, it first gives up its name, then sends an exit signal
  along each link and a DOWN to each monitor.  What an exit signal does to
  its receiver is decided in one function, :meth:`Runtime._exit_signal`,
  which is the table from the Erlang reference manual written as code.
* Signals are processed from a queue, not by recursion, so a chain of ten
  thousand linked processes can die without overflowing the Python stack.

The runtime is one class, :class:`Runtime`, in four modules, each readable
in one sitting: this one (its tables, the clock and timers, spawning, the
one way out for a signal, ``_post``, and the one way in, ``_arrive``, and
sending), ``exits.py`` (what an exit signal does, how a process ends),
``operations.py`` (link, monitor, register, timers: what a process asks
for) and ``outside.py`` (the methods a notebook cell or a test calls).
Below them all, ``process.py`` knows which process is running, what a
process is, and how the runtime survives a process that runs out of stack.

A *kernel* decides where time and concurrency come from.  It only has to
start a process, suspend it until someone wakes it with a value, wake it, and
drop a process that was killed.  ``sim.py`` does this with a run queue and a
virtual clock; ``realtime.py`` does it with trio tasks and the wall clock.

The functions a process calls (``spawn``, ``send``, ``receive``, ...) live
in ``api.py``: they find the process that calls them and forward here.
"""
from __future__ import annotations

import heapq
import itertools
import sys
import types
from collections import deque

from .values import (  # noqa: F401  (re-exported: the kernels, labrt.dist, labrt.erl)
    ANY, LOCAL_NODE, TIMEOUT, BadArg, BadTimeout, CannotSend, Down, Exit,
    LabrtError, NoProc, NotInProcess, Pid, ProcessExit, Ref, _Killed,
    format_reason,
)
from .match import (  # noqa: F401  (re-exported: api, the kernels, labrt.erl use them)
    _IMMUTABLE, _MATCH_ANY, _NEVER, compile_clauses, describe_clauses, isolate,
)
from . import process as _process
from .process import (  # noqa: F401  (re-exported: api, the kernels, labrt.dist, labrt.erl)
    EXITED, MAX_TIMEOUT, RUNNABLE, RUNNING, WAITING, ROOM, Process, ProcessInfo, _CO_COROUTINE,
    _Raise, _check_timeout, _current, _me, _reason_of, _roomy, _task_process, _user_code,
)
from .signals import Signal
from .trace import Event, Trace
from .exits import ExitSignals
from .operations import Operations
from .outside import Outside

# ``_running`` (which process is running) lives in process.py only: read it
# as ``process._running``; a copy here would never change.

# ---------------------------------------------------------------------------

class Runtime(ExitSignals, Operations, Outside):
    """A world of processes with its own clock, names, timers and trace.

    Two runtimes never share anything, so a notebook can hold several.
    """

    #: None, or an object with ``post(rt, sig)`` that holds every signal until
    #: it calls ``rt._arrive(sig)`` (see ``signals.py``; the race explorer).
    _transit = None
    #: None, or ``preempt(p)``, called by every operation a process makes when it
    #: runs outside the default kernel's fast path (the explorer's schedule mode).
    preempt = None
    #: The ``labrt.dist.World`` this runtime is a node of, or None.
    world = None

    def make_real_node(self, name, cookie):
        """Make this runtime node ``name`` of a real cluster (``Runtime(node=name, cookie=...)``).

        The work is labrt.erl's, a layer above the kernel, which the kernel
        does not import: the package (``labrt/__init__.py``) puts labrt.erl's
        ``attach`` here, loaded only when a real node is made."""
        raise BadArg("real nodes need labrt.erl (Erlang's distribution protocol)")
    #: In a simulated world, ``Net.name_message``: what ``send`` calls for a
    #: ``(name, node)`` on another node (None: the general path, ``_send``).
    _wire_name = None

    def __init__(self, kernel: str = "sim", seed=None, trace: bool | None = None,
                 reports="stderr", node: int | str = 0, *, cookie: str | None = None,
                 _world=None, _name=LOCAL_NODE):
        real = type(node) is str               # node="a@host": a node of a real cluster
        if cookie is not None and not real:
            raise BadArg("cookie= is for a real node: give its name too, "
                         "Runtime(kernel='trio', node='a@localhost', cookie=...)")
        if trace is None:                      # a real node runs for hours: no trace by default
            trace = not real
        self.node = 0 if real else node
        self.node_name = _name
        self.creation = 0                    # a restarted node counts up (labrt.dist)
        self.procs: dict[int, Process] = {}
        self.names: dict[str, Process] = {}
        self.timer_refs: dict = {}
        self.aliases: dict = {}              # alias ref -> owning process
        self._serial = 0
        self._refs = 0
        self._signals: deque = deque()       # exit signals waiting to take effect
        self._draining = False
        self._handling = None                # a process handling its pending signals
        self._tracing = bool(trace)
        self._inline = not self._tracing     # may send put a message in at once?
        self.finished: dict = {}    # pid -> (reason, result), for rt.spawn'ed processes
        self.ext: dict = {}                  # per-runtime slots for modules above the core
        if _world is not None:               # a node: the world's clock, timers, trace
            self.world = _world
            self.kernel = _world.kernel
            self.timers = _world.timers
            self._timer_seq = _world.timer_seq
            self.trace = _world.trace
            self.reports = _world.reports
            self._report_sink = _world.report_sink
            self.kind = "sim"
            self.simulated = True
            return
        self.timers: list = []               # heap of [time, seq, fn, arg, alive]
        self._timer_seq = itertools.count(1).__next__
        self.trace = Trace()
        self.reports: list[str] = []
        self._report_sink = reports
        if kernel == "sim":
            from .sim import SimKernel
            self.kernel = SimKernel(self, seed)
        elif kernel == "trio":
            from .realtime import TrioKernel
            self.kernel = TrioKernel(self, seed)
        else:
            raise ValueError(f"unknown kernel {kernel!r}: use 'sim' or 'trio'")
        self.kind = kernel
        self.simulated = kernel == "sim"
        if real:
            self.make_real_node(node, cookie)

    def __repr__(self):
        return (f"<Runtime {self.kind} t={self.now:.3f} "
                f"{len(self.procs)} processes>")

    @property
    def tracing(self) -> bool:
        """Whether events go to ``rt.trace``."""
        return self._tracing

    @tracing.setter
    def tracing(self, on):
        self._tracing = bool(on)
        self._inline = not self._tracing and self._transit is None

    @property
    def transit(self):
        """None, or what holds every signal between ``_post`` and ``_arrive``."""
        return self._transit

    @transit.setter
    def transit(self, t):
        if t is not None and not callable(getattr(t, "post", None)):
            raise TypeError(f"a transit needs a post(rt, sig) method; got {t!r}")
        self._transit = t
        self._inline = not self._tracing and t is None

    # -- time -------------------------------------------------------------
    @property
    def now(self) -> float:
        return self.kernel.now()

    def _timer(self, when, fn, arg):
        entry = [when, self._timer_seq(), fn, arg, True]
        self.kernel.timer_added(when)
        timers = self.timers
        if len(timers) >= self._compact_at:
            self._compact_timers()
        heapq.heappush(timers, entry)          # last: nothing can fail after it
        return entry

    #: The heap's size at which cancelled entries are swept out (see below).
    _compact_at = 4096

    def _compact_timers(self):
        """Drop cancelled timers from the heap, in place.

        A receive with a timeout that gets its message cancels its timer by
        marking the entry, which stays in the heap until it reaches the top.
        When the clock does not move for a while (a burst of gen_server calls,
        each with its 5 s timeout), marked entries pile up, and every one of
        them is memory the garbage collector visits.  Sweeping them whenever
        the heap has doubled since the last sweep costs O(1) per timer on
        average and changes no firing order (entries keep their (time, seq)).
        """
        timers = self.timers
        timers[:] = [e for e in timers if e[4]]
        heapq.heapify(timers)
        self._compact_at = max(4096, 2 * len(timers))

    def next_timer(self):
        """The earliest live timer entry, dropping cancelled ones."""
        timers = self.timers
        while timers and not timers[0][4]:
            heapq.heappop(timers)
        return timers[0] if timers else None

    def fire_due(self, now):
        """Fire every timer due at or before ``now``, in (time, creation) order."""
        timers = self.timers
        while timers and timers[0][0] <= now:
            entry = heapq.heappop(timers)
            if entry[4]:
                entry[4] = False
                entry[2](entry[3])
                self._drain()

    # -- trace and reports ---------------------------------------------------
    def _ev(self, kind, pid, other, data):
        t = self.trace
        t.append(Event(len(t), self.now, kind, pid, other, data))

    def report(self, text: str):
        """Add a line to the runtime's report log (crash and supervisor reports)."""
        self.reports.append(text)
        sink = self._report_sink
        if sink == "stderr":
            print(text, file=sys.stderr)
        elif callable(sink):
            sink(text)

    # -- processes ---------------------------------------------------------
    def _new_ref(self) -> Ref:
        self._refs += 1
        return Ref(self.node, self._refs)

    def _spawn(self, parent, fn, args, link=False, monitor=False):
        """Start ``fn(*args)`` as a process; ``(pid, ref)`` (ref for ``monitor``)."""
        if (parent is None or link or monitor or self._tracing
                or type(fn) is not types.FunctionType
                or not fn.__code__.co_flags & _CO_COROUTINE):
            return self._spawn_any(parent, fn, args, link, monitor)
        # The common case, an async function spawned by a process, needs no
        # lent room: every step that can fail comes before the one store
        # that makes the process exist (see "Running out of stack").
        args = isolate(args)
        self._serial += 1
        pid = Pid(self.node, self._serial, None, self.creation)
        p = Process(pid, self, None, fn.__qualname__)
        coro = fn(*args)                         # makes a coroutine, runs nothing
        try:
            self.kernel.start(p)
        except BaseException:
            coro.close()
            raise
        p.coro = coro
        pid._proc = p
        self.procs[self._serial] = p
        return pid, None

    @_roomy
    def _spawn_any(self, parent, fn, args, link=False, monitor=False):
        if not callable(fn):
            raise BadArg(f"spawn needs a function, got {fn!r}")
        if parent is not None:
            # Between processes, arguments are copied like messages (Erlang
            # copies them too).  From outside (a cell, a test) they are handed
            # over as they are, so a test can pass a list to report into.
            args = isolate(args)
        if self.world is not None and self.node not in self.world.up:
            raise BadArg(f"node {self.node_name} is down: restart it before "
                         "spawning on it (world.restart(name))")
        self._serial += 1
        pid = Pid(self.node, self._serial, None, self.creation)
        name = getattr(fn, "__qualname__", None) or repr(fn)
        p = Process(pid, self, None, name)
        p.from_outside = parent is None
        pid._proc = p
        self.procs[self._serial] = p
        if self._tracing:
            self._ev("spawn", parent.pid if parent else None, pid, name)
        ref = None
        if link:
            self._add_link(parent, p)
        if monitor:
            ref = self._new_ref()
            self._add_monitor(parent, p, ref)
        return self._first_run(p, fn, args, parent is None), ref

    @_roomy
    def _start_remote_child(self, pid, parent_pid, fn, args, link, ref):
        """A spawn request from another node arrived: start ``pid`` as asked."""
        name = getattr(fn, "__qualname__", None) or repr(fn)
        p = Process(pid, self, None, name)
        pid._proc = p
        self.procs[pid.num] = p
        if self._tracing:
            self._ev("spawn", parent_pid, pid, name)
        if link:
            p.links = {parent_pid: None}
        if ref is not None:
            p.watchers = {ref: (parent_pid, pid)}
        self._first_run(p, fn, args, False)
        self._drain()

    def _first_run(self, p, fn, args, outside):
        """Make ``fn(*args)`` process ``p``'s code: start a coroutine, or run a plain function."""
        pid = p.pid
        saved, _process._running = _process._running, p  # a plain function runs as p
        failure = None                           # (_running wins over the context
        try:                                     # variable, on both kernels)
            if outside or (type(fn) is types.FunctionType
                           and fn.__code__.co_flags & _CO_COROUTINE):
                coro = fn(*args)                 # makes a coroutine, runs nothing
            else:
                coro = _user_code(fn, args)
        except BaseException as e:                # a plain function that failed
            failure = e
        finally:
            _process._running = saved
        if failure is not None:
            self._terminate(p, _reason_of(failure))
        elif isinstance(coro, types.CoroutineType):
            p.coro = coro
            self.kernel.start(p)
        else:                                     # a plain function: already done
            p.result = coro
            self._terminate(p, "normal")
        return pid

    @_roomy
    def _spawn_on(self, node, parent, fn, args, link=False, monitor=False):
        """``spawn(..., node=node)``: here, or a request to another node of the world."""
        if node == self.node_name:
            return self._spawn(parent, fn, args, link, monitor)
        if self.world is None:
            raise BadArg(f"spawn on node {node!r}: this runtime is a single node "
                         f"({self.node_name}); build nodes with labrt.dist.World")
        return self.world.spawn_request(self, parent, node, fn, args, link, monitor)

    def _add_link(self, a, b):
        if a.links is None:
            a.links = {}
        if b.links is None:
            b.links = {}
        a.links[b.pid] = None
        b.links[a.pid] = None
        if self._tracing:
            self._ev("link", a.pid, b.pid, None)

    def _add_monitor(self, watcher, target, ref, obj=None):
        if watcher.monitors is None:
            watcher.monitors = {}
        if target.watchers is None:
            target.watchers = {}
        watcher.monitors[ref] = target.pid
        target.watchers[ref] = (watcher.pid, obj if obj is not None else target.pid)
        if self._tracing:
            self._ev("monitor", watcher.pid, target.pid, ref)

    def lookup(self, dest):
        """The live process for a pid or registered name, else None."""
        if type(dest) is Pid:
            p = dest._proc
            if p is None or p.rt is not self:
                return None           # dead, or a pid from another runtime
            return p
        if type(dest) is str:
            return self.names.get(dest)
        return None

    def _remote(self, dest) -> bool:
        """Is ``dest`` (a pid, an alias or (name, node)) on another node of the world?"""
        if self.world is None:
            return False
        if type(dest) is tuple:
            return dest[1] != self.node_name
        return dest.node != self.node

    # -- signals: the one way out (_post) and the one way in (_arrive) ----------
    def _post(self, sig):
        """Send ``sig`` on its way: see ``signals.py`` for who holds it in between."""
        t = self._transit
        if t is not None:
            t.post(self, sig)
        elif self.world is not None and self._remote(sig.target):
            self.world.net.post(self, sig)
        else:
            self._arrive(sig)

    def _arrive(self, sig):
        """The effect of ``sig`` at its receiver, which is on this node."""
        kind = sig.kind
        target = sig.target
        if kind == "message":
            if type(target) is Pid:
                p = target._proc
                if p is not None and p.rt is not self:
                    p = None
            elif type(target) is Ref:
                p = self.aliases.get(target)  # an inactive alias: dropped, like OTP
            else:
                p = self.names.get(target[0]) if target[1] == self.node_name else None
            if p is not None and p.status is not EXITED:
                self._deliver(p, sig.payload)
        elif kind == "exit":
            self._signals.append(sig)
            self._drain()
        elif kind == "down":
            wp = self.lookup(target)
            ref, obj, reason = sig.payload
            if (wp is not None and wp.status is not EXITED and wp.monitors
                    and ref in wp.monitors):  # not demonitored meanwhile
                del wp.monitors[ref]
                self._send_down(wp, ref, obj, reason, sig.sender)
        elif kind == "link":
            tp = self.lookup(target)
            if tp is None or tp.status is EXITED:   # it was gone: noproc comes back
                self._post(Signal("exit", target, sig.sender, "noproc", True))
            else:
                if tp.links is None:
                    tp.links = {}
                tp.links[sig.sender] = None
        elif kind == "unlink":
            tp = self.lookup(target)
            if tp is not None and tp.links:
                tp.links.pop(sig.sender, None)
        elif kind == "monitor" or kind == "monitor_name":
            if kind == "monitor":
                ref, obj = sig.payload
                tp = self.lookup(target)
            else:
                ref, obj = sig.payload, target
                tp = self.names.get(target[0])      # resolved here, once (item 24)
            if tp is None or tp.status is EXITED:
                self._post(Signal("down", target if type(target) is Pid else None,
                                  sig.sender, (ref, obj, "noproc")))
            else:
                if tp.watchers is None:
                    tp.watchers = {}
                tp.watchers[ref] = (sig.sender, obj)
        elif kind == "demonitor":
            tp = (self.lookup(target) if type(target) is Pid
                  else self.names.get(target[0]))
            if tp is not None and tp.watchers:
                tp.watchers.pop(sig.payload, None)
        elif kind == "spawn":
            self.world.spawn_arrived(self, sig)
        else:
            raise ValueError(f"unknown signal kind {kind!r}")

    # -- sending -----------------------------------------------------------
    @_roomy
    def _send(self, sender_pid, dest, msg):
        remote = False
        if type(dest) is Pid:
            p = self.lookup(dest)
            remote = p is None and self._remote(dest)
        elif type(dest) is str:
            p = self.names.get(dest)
            if p is None:
                raise BadArg(f"send to {dest!r}: no process is registered under "
                             "that name (check whereis(name) first)")
            dest = p.pid
        elif type(dest) is Ref:
            p = self.aliases.get(dest)    # an inactive alias: dropped, like OTP
            remote = p is None and self._remote(dest)
        elif type(dest) is tuple and len(dest) == 2 and type(dest[0]) is str:
            # {Name, Node} never fails (item 29), even when unregistered.
            if dest[1] == self.node_name:
                p = self.names.get(dest[0])
            else:
                p = None
                remote = self.world is not None
        else:
            raise BadArg(f"send: {dest!r} is not a pid or a registered name")
        msg = isolate(msg)
        if self._tracing:
            self._ev("send", sender_pid, p.pid if p is not None else
                     (dest if type(dest) is Pid else
                      self.world.who(dest) if remote else None), msg)
        if remote or self._transit is not None:
            if p is not None:
                dest = p.pid if type(dest) is not Ref else dest
            self._post(Signal("message", sender_pid, dest, msg))
        elif p is not None and p.status is not EXITED:
            self._deliver(p, msg)
        return msg

    def _deliver(self, p, msg):
        w = p.waiting
        if w is not None:
            if w is True:
                matched = True
            elif w is False:
                matched = False
            else:
                try:
                    matched = w(msg)
                except BaseException as e:      # the receiver's own predicate broke
                    self._append(p, msg)
                    self._wake(p, _Raise(e))
                    return
            if matched:
                if self._tracing:
                    self._ev("receive", p.pid, None, msg)
                self._wake(p, msg)
                return
        self._append(p, msg)

    @staticmethod
    def _append(p, msg):
        mb = p.mailbox
        if mb is None:
            mb = p.mailbox = deque()
        mb.append(msg)

    def _wake(self, p, value):
        self.kernel.wake(p, value)         # the call first, then plain stores
        p.waiting = None
        t = p.timer
        if t is not None:
            t[4] = False
            p.timer = None
        p.status = RUNNABLE

    def _wait_timeout(self, p):
        p.timer = None
        if p.waiting is not None:
            if self._tracing:
                self._ev("timeout", p.pid, None,
                         "sleep" if p.waiting is _NEVER else None)
            self._wake(p, TIMEOUT)
