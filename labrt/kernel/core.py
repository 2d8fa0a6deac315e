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

Running out of stack
--------------------
A process's code and the runtime's bookkeeping share one Python stack.  A
process that recurses without end (``return await loop(n + 1)``) hits the
recursion limit somewhere; if that somewhere were half-way through the
runtime's own work (a receiver marked runnable but never queued, a process
removed from a table but not from the other), the whole simulation would go
wrong, and what went wrong would depend on how deep the caller's stack
happened to be.  Two rules make the verdict exact at any depth: the hot
paths (``send`` to a waiting process, ``receive``, timers) make their one
call that can fail *before* their plain stores, so a ``RecursionError``
leaves nothing half done; and every other operation a process calls runs
under :func:`_roomy`, which lends it ``ROOM`` extra levels of recursion for
its bounded bookkeeping.  Either way the process that ran out of stack dies
of its own ``RecursionError``, and everyone else carries on.

A *kernel* decides where time and concurrency come from.  It only has to
start a process, suspend it until someone wakes it with a value, wake it, and
drop a process that was killed.  ``sim.py`` does this with a run queue and a
virtual clock; ``realtime.py`` does it with trio tasks and the wall clock.

The functions a process calls (``spawn``, ``send``, ``receive``, ...) live
in ``api.py``: they find the process that calls them and forward here.
"""
from __future__ import annotations

import contextvars
import heapq
import inspect
import itertools
import math
import sys
import types
from collections import deque
from dataclasses import dataclass

from .values import (
    ANY, LOCAL_NODE, TIMEOUT, BadArg, BadTimeout, CannotSend, Down, Exit,
    LabrtError, NoProc, NotInProcess, Pid, ProcessExit, Ref, _Killed,  # noqa: F401
    format_reason,
)  # (the kernels use _core.LabrtError and _core.NotInProcess)
from .match import (  # noqa: F401  (re-exported: api, the kernels, labrt.erl use them)
    _IMMUTABLE, _MATCH_ANY, _NEVER, compile_clauses, describe_clauses, isolate,
)
from .signals import Signal
from .trace import Event, Trace

# ---------------------------------------------------------------------------
# Which process is running?  The simulated kernel sets ``_running`` around each
# step (a plain global is the cheapest thing to read on the hot path); the trio
# kernel gives every task its own context, so it uses the context variable.

_running = None
_task_process: contextvars.ContextVar = contextvars.ContextVar("labrt_process")


def _current():
    """The process running right now, or None."""
    p = _running
    return p if p is not None else _task_process.get(None)


def _me():
    p = _running
    if p is None:
        p = _task_process.get(None)
        if p is None:
            raise NotInProcess(
                "this function only works inside a labrt process; from a notebook "
                "cell or a test, use a Runtime's methods (rt.spawn, rt.send, ...) "
                "or labrt.run(main)")
        if p.rt.preempt is not None:  # schedule mode (labrt.explore): every
            p.rt.preempt(p)           # operation is a choice point
    return p


# Stack room for the runtime's own work (see "Running out of stack" above).

ROOM = 100                   # extra recursion levels lent to the bookkeeping
_getlimit, _setlimit = sys.getrecursionlimit, sys.setrecursionlimit
_lent = False                # is the room lent right now?
_owed = None                 # a limit that was too deep to put back


def _pay():
    """Put back a limit that could not be lowered where it was raised."""
    global _owed
    try:
        _setlimit(_owed)
        _owed = None
    except RecursionError:
        pass                 # still too deep: the next operation tries again


def _roomy(method):
    """Run ``method`` with ``ROOM`` extra levels, so it never stops half-way."""
    def guarded(*args, **kw):
        global _lent, _owed
        if _lent:                      # an enclosing operation already lent it
            return method(*args, **kw)
        if _owed is not None:
            _pay()
        limit = _getlimit()
        _setlimit(limit + ROOM)        # if this fails, nothing has changed yet
        _lent = True
        try:
            return method(*args, **kw)
        finally:
            _lent = False
            try:
                _setlimit(limit)
            except RecursionError:     # one level from the limit: lower it later
                _owed = limit
    guarded.__name__ = method.__name__
    guarded.__qualname__ = method.__qualname__
    guarded.__doc__ = method.__doc__
    return guarded


_CO_COROUTINE = inspect.CO_COROUTINE


def _user_code(fn, args):
    """Call ``fn(*args)`` (a process's own code) without the lent room."""
    global _lent
    if not _lent:
        return fn(*args)
    limit = _getlimit()
    _setlimit(limit - ROOM)            # may fail (too deep): fn's own crash
    _lent = False
    try:
        return fn(*args)
    finally:
        _lent = True
        _setlimit(limit)


# Process states (only _spawn, _wait, _wake and _terminate change them).
RUNNABLE, RUNNING, WAITING, EXITED = "runnable", "running", "waiting", "exited"


class Process:
    """What the runtime knows about one process.

    Invariants: ``waiting`` is set only while the process is suspended in
    ``receive`` (or ``sleep``); ``timer`` only while that wait has a
    deadline.  ``links``, ``monitors`` (refs this process holds, to the target
    pid) and ``watchers`` (refs held on it, to the watcher pid) are created
    on first use, which keeps an idle process small.
    """

    __slots__ = ("pid", "rt", "coro", "function", "mailbox", "waiting",
                 "wait_clauses", "timer", "links", "monitors", "watchers",
                 "trap", "name", "status", "reason", "result", "wake_value",
                 "task", "scope", "data", "from_outside", "pending", "aliases")

    def __init__(self, pid, rt, coro, function):
        self.pid = pid
        self.rt = rt
        self.coro = coro
        self.function = function
        self.mailbox = None
        self.waiting = None
        self.wait_clauses = ()
        self.timer = None
        self.links = None
        self.monitors = None
        self.watchers = None
        self.trap = False
        self.name = None
        self.status = RUNNABLE
        self.reason = None
        self.result = None
        self.wake_value = None
        self.task = None
        self.scope = None
        self.data = None
        self.from_outside = False
        self.pending = None
        self.aliases = None

    def __repr__(self):
        return f"<Process {self.pid} {self.function} {self.status}>"


@dataclass(frozen=True)
class ProcessInfo:
    """A snapshot of one process, for notebooks, tests and graders."""
    pid: Pid
    name: str | None
    function: str
    status: str
    mailbox: tuple
    links: tuple
    monitors: tuple
    monitored_by: tuple
    trap_exit: bool
    reason: object = None


# ---------------------------------------------------------------------------

class Runtime:
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

    def __init__(self, kernel: str = "sim", seed=None, trace: bool = True,
                 reports="stderr", node: int = 0, *, _world=None, _name=LOCAL_NODE):
        self.node = node
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
        global _running
        saved, _running = _running, p            # a plain function runs as p
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
            _running = saved
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

    # -- gen_server.call's hot path ------------------------------------------
    # A call monitors the server, makes an alias, sends its request, and when
    # the answer is in, drops the alias and the monitor.  For a live server on
    # this node with nothing traced or held in transit (``_inline``), these two
    # methods do exactly what monitor() + alias() + send(), and unalias() +
    # demonitor(flush=True), do on that path (the same refs, the same order,
    # the same effects), in one guarded step each instead of five.

    @_roomy
    def _call_open(self, p, tp, kind, request, make_tag):
        """Monitor ``tp``, alias ``p``, send ``(kind, (p.pid, tag), request)``.

        Returns ``(mref, aref, tag)``; ``tag = make_tag(aref, aref)``.
        """
        self._refs += 2                        # _new_ref() twice: mref, then aref
        mref = Ref(self.node, self._refs - 1)  # monitor(tp): both halves at once
        if p.monitors is None:
            p.monitors = {}
        p.monitors[mref] = tp.pid
        if tp.watchers is None:
            tp.watchers = {}
        tp.watchers[mref] = (p.pid, tp.pid)
        aref = Ref(self.node, self._refs)      # alias()
        self.aliases[aref] = p
        if p.aliases is None:
            p.aliases = []
        p.aliases.append(aref)
        tag = make_tag(aref, aref)            # OTP 24+: the alias is the ref too
        if type(request) not in _IMMUTABLE:
            request = isolate(request)         # the envelope itself is immutable
        msg = (kind, (p.pid, tag), request)
        if tp.waiting is True:                 # send(tp.pid, msg), as in api.send
            self.kernel.wake(tp, msg)
            tp.waiting = None
            if tp.timer is not None:
                tp.timer[4] = False
                tp.timer = None
            tp.status = RUNNABLE
        else:
            self._deliver(tp, msg)
        return mref, aref, tag

    @_roomy
    def _call_close(self, p, mref, aref):
        """``unalias(aref)`` then ``demonitor(mref, flush=True)``, untraced."""
        if self.aliases.pop(aref, None) is not None:      # (only p has aref)
            al = p.aliases
            if al[-1] is aref:
                al.pop()
            else:
                al.remove(aref)
        target = p.monitors.pop(mref, None) if p.monitors else None
        if target is not None:
            tp = target._proc if type(target) is Pid else None
            if tp is not None and tp.rt is self:          # the demonitor arrives
                if tp.watchers:
                    tp.watchers.pop(mref, None)
            else:
                self._post(Signal("demonitor", p.pid, target, mref))
        mb = p.mailbox
        if mb:
            for i, m in enumerate(mb):
                if type(m) is Down and m.ref == mref:
                    del mb[i]
                    break

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

    # -- exit signals (the semantics table) ----------------------------------
    def _drain(self):
        """Let queued exit signals take effect until none are left."""
        if self._draining or not self._signals:
            return
        self._draining = True
        try:
            q = self._signals
            while q:
                sig = q.popleft()
                p = sig.target._proc
                if p is not None and p.rt is self:
                    self._exit_signal(sig, p)
        finally:
            self._draining = False

    def _exit_signal(self, sig, p):
        """What an exit signal ``sig`` does to ``p``: the table, as code.

        ``sig.link`` is true when the signal comes from a broken link (the
        sender died), false when it was sent with ``exit(pid, reason)``.
        """
        if p.status is EXITED:
            return
        sender, reason = sig.sender, sig.payload
        if sender != p.pid and p is _current() and p is not self._handling:
            # The running process caused this signal itself (say, by killing a
            # linked process).  Like the BEAM, it handles the signal at its next
            # receive, not in the middle of the call that caused it.
            if p.pending is None:
                p.pending = []
            p.pending.append(sig)
            return
        via_link = sig.link
        if via_link:
            if p.links is None or sender not in p.links:
                return                    # item 16: the link was removed first
            del p.links[sender]
        if self._tracing:
            self._ev("exit_signal", sender, p.pid, reason)
        if not via_link and reason == "kill" and type(reason) is str:
            self._terminate(p, "killed")  # item 6: untrappable, becomes killed
        elif p.trap:                                          # items 5, 8, 10
            msg = Exit(sender, reason)
            if self._tracing:
                self._ev("send", sender, p.pid, msg)
            self._deliver(p, msg)
        elif type(reason) is str and reason == "normal":
            if not via_link and sender == p.pid:
                self._terminate(p, "normal")                  # item 9
            # otherwise dropped (items 3, 8)
        else:
            self._terminate(p, reason)                        # items 4, 7, 10

    def _terminate(self, p, reason):
        """End process ``p`` with ``reason`` and tell everyone who cares."""
        if p.status is EXITED:
            return
        p.status = EXITED
        p.reason = reason
        p.waiting = None
        if p.timer is not None:
            p.timer[4] = False
            p.timer = None
        if p.name is not None:                 # item 19: name freed before signals
            del self.names[p.name]
            p.name = None
        if isinstance(reason, BaseException) and not isinstance(reason, ProcessExit):
            self._crash_report(p, reason)
        if self._tracing:
            self._ev("exit", p.pid, None, reason)
        pid = p.pid
        if p.monitors or p.links or p.watchers:
            self._tell_others(p, reason)
        if p.aliases:
            for ref in p.aliases:
                self.aliases.pop(ref, None)
        p.links = p.monitors = p.watchers = p.aliases = None
        p.mailbox = None
        del self.procs[pid.num]
        pid._proc = None
        if p.from_outside:      # keep results only for processes a cell started
            self.finished[pid] = (reason, p.result)
        self.kernel.discard(p)
        self._drain()

    def _tell_others(self, p, reason):
        """The signals a death sends: demonitors, link exits, DOWNs (in that order)."""
        pid = p.pid
        post = self._post
        draining, self._draining = self._draining, True   # exits take effect later,
        try:                                              # after the DOWNs
            if p.monitors:                     # monitors it held are gone too
                for ref, target in p.monitors.items():
                    post(Signal("demonitor", pid, target, ref))
            if p.links:
                for other in p.links:
                    post(Signal("exit", pid, other, reason, True))
            if p.watchers:
                for ref, (watcher, obj) in p.watchers.items():
                    post(Signal("down", pid, watcher, (ref, obj, reason)))
        finally:
            self._draining = draining

    def _send_down(self, wp, ref, obj, reason, from_pid):
        msg = Down(ref, obj, reason)
        if self._tracing:
            self._ev("send", from_pid, wp.pid, msg)
        self._deliver(wp, msg)

    def _crash_report(self, p, exc):
        where = ""
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        if tb is not None:
            code = tb.tb_frame.f_code
            path = code.co_filename.replace("\\", "/")
            fname = path.rsplit("/", 1)[-1]
            if fname.startswith("<") or "/ipykernel_" in path:
                fname = "<cell>"      # a notebook cell: its temp path varies
            where = f" in {code.co_name} ({fname}, line {tb.tb_lineno})"
        self.report(f"=CRASH REPORT==== t={self.now:.3f} process {p.pid} "
                    f"({p.function}) crashed: {format_reason(exc)}{where}")

    # -- the end of a process (called by the kernels) ------------------------
    def finish(self, p, outcome, value=None):
        """A process's coroutine ended: ``outcome`` is the exception or None."""
        if _owed is not None:
            _pay()
        if p.status is EXITED:
            return
        if outcome is None:
            p.result = value
            self._terminate(p, "normal")
        else:
            self._terminate(p, _reason_of(outcome))

    # -- process-side operations -------------------------------------------
    @_roomy
    def _link(self, p, target):
        r = self._link1(p, target)
        self._drain()
        return r

    def _link1(self, p, target):
        if type(target) is not Pid:
            raise BadArg(f"link: {target!r} is not a pid")
        if target == p.pid:
            return True                                     # item 12
        if not self._remote(target):
            tp = self.lookup(target)
            if tp is None or tp.status is EXITED:
                if p.trap:                                  # item 13
                    self._deliver(p, Exit(target, "noproc"))
                    return True
                raise NoProc(f"link: process {target} does not exist (it has "
                             "exited). Trap exits, or use monitor(), to learn "
                             "about a dead process without crashing")
        # (a remote pid is not checked here: a dead one answers with an exit
        # signal "noproc", and an unreachable node with "noconnection")
        if p.links is None:
            p.links = {}
        if target not in p.links:
            p.links[target] = None             # our half now, theirs on arrival
            if self._tracing:
                self._ev("link", p.pid, target, None)
            self._post(Signal("link", p.pid, target))
        return True

    @_roomy
    def _handle_pending(self, p):
        """Handle exit signals that arrived while ``p`` itself was running."""
        pending, p.pending = p.pending, None
        self._signals.extend(pending)
        self._handling = p
        try:
            self._drain()
        finally:
            self._handling = None
        if p.status is EXITED:
            raise _Killed()

    @_roomy
    def _unlink(self, p, target):
        if type(target) is not Pid:
            raise BadArg(f"unlink: {target!r} is not a pid")
        if p.links and target in p.links:
            del p.links[target]
            self._post(Signal("unlink", p.pid, target))
            if self._tracing:
                self._ev("unlink", p.pid, target, None)
        return True

    @_roomy
    def _monitor(self, p, target):
        ref = self._new_ref()
        kind = "monitor"
        if type(target) is str:
            tp = self.names.get(target)
            obj = (target, self.node_name)                  # item 24
        elif type(target) is tuple and len(target) == 2 and type(target[0]) is str:
            obj = target
            if target[1] == self.node_name:
                tp = self.names.get(target[0])
            elif self.world is not None:
                tp, kind = None, "monitor_name"             # resolved over there
            else:
                tp = None
        elif type(target) is Pid:
            tp = self.lookup(target)
            obj = target
            if tp is None and self._remote(target):
                kind = "remote"
        else:
            raise BadArg(f"monitor: {target!r} is not a pid or a registered name")
        if p.monitors is None:
            p.monitors = {}
        if kind == "monitor_name":
            p.monitors[ref] = target
            if self._tracing:
                self._ev("monitor", p.pid, None, ref)
            self._post(Signal("monitor_name", p.pid, target, ref))
        elif kind == "remote":
            p.monitors[ref] = target
            if self._tracing:
                self._ev("monitor", p.pid, target, ref)
            self._post(Signal("monitor", p.pid, target, (ref, obj)))
        elif tp is None or tp.status is EXITED:             # item 23
            p.monitors[ref] = obj                           # until the DOWN comes
            if self._tracing:
                self._ev("monitor", p.pid, obj if type(obj) is Pid else None, ref)
            self._post(Signal("down", target if type(target) is Pid else None,
                              p.pid, (ref, obj, "noproc")))
        else:
            p.monitors[ref] = tp.pid
            if self._tracing:
                self._ev("monitor", p.pid, tp.pid, ref)
            self._post(Signal("monitor", p.pid, tp.pid, (ref, obj)))
        return ref

    @_roomy
    def _demonitor(self, p, ref, flush=False, info=False):
        found = False
        if p.monitors and ref in p.monitors:
            target = p.monitors.pop(ref)
            self._post(Signal("demonitor", p.pid, target, ref))
            found = True
            if self._tracing:
                self._ev("demonitor", p.pid, target if type(target) is Pid else None, ref)
        if flush and p.mailbox:
            for i, m in enumerate(p.mailbox):
                if type(m) is Down and m.ref == ref:
                    del p.mailbox[i]
                    break
        return found if info else True

    @_roomy
    def _exit2(self, p_pid, target, reason):
        if type(target) is not Pid:
            raise BadArg(f"exit: {target!r} is not a pid")
        self._post(Signal("exit", p_pid, target, reason))
        self._drain()
        return True

    @_roomy
    def _register(self, name, target):
        if type(name) is not str or name == "undefined" or not name:
            raise BadArg(f"register: the name must be a non-empty string other "
                         f"than 'undefined', got {name!r}")
        if name in self.names:
            raise BadArg(f"register: the name {name!r} is already taken by "
                         f"{self.names[name].pid}")
        tp = self.lookup(target) if type(target) is Pid else None
        if tp is None or tp.status is EXITED:
            raise BadArg(f"register: {target!r} is not a live local process")
        if tp.name is not None:
            raise BadArg(f"register: {target} already has the name {tp.name!r}")
        self.names[name] = tp
        tp.name = name
        if self._tracing:
            self._ev("register", tp.pid, None, name)
        return True

    @_roomy
    def _unregister(self, name):
        p = self.names.pop(name, None) if type(name) is str else None
        if p is None:
            raise BadArg(f"unregister: no process is registered as {name!r}")
        p.name = None
        if self._tracing:
            self._ev("unregister", p.pid, None, name)
        return True

    @_roomy
    def _send_after(self, t, dest, msg, sender):
        if _check_timeout(t) is None:
            raise BadTimeout("send_after needs a finite number of seconds")
        ref = self._new_ref()
        msg = isolate(msg)
        entry = self._timer(self.now + t, self._timer_fire, (ref, dest, msg, sender))
        self.timer_refs[ref] = entry
        return ref

    def _timer_fire(self, arg):
        ref, dest, msg, sender = arg
        self.timer_refs.pop(ref, None)
        try:
            self._send(sender, dest, msg)
        except BadArg:
            pass                      # a name that is gone by then: Erlang drops it

    @_roomy
    def _cancel_timer(self, ref):
        entry = self.timer_refs.pop(ref, None)
        if entry is None or not entry[4]:
            return False
        entry[4] = False
        return max(0.0, entry[0] - self.now)

    def info(self, p) -> ProcessInfo:
        watchers = tuple(w for w, _ in p.watchers.values()) if p.watchers else ()
        return ProcessInfo(
            pid=p.pid, name=p.name, function=p.function, status=p.status,
            mailbox=tuple(p.mailbox or ()), links=tuple(p.links or ()),
            monitors=tuple(p.monitors or ()), monitored_by=watchers,
            trap_exit=p.trap, reason=p.reason)

    # -- the outside world: notebooks, tests, widgets ----------------------------
    def spawn(self, fn, *args) -> Pid:
        """Start a process from outside any process."""
        return self.kernel.outside(lambda: self._spawn(None, fn, args)[0])

    def send(self, dest, msg):
        """Send a message from outside any process (the sender shows as ``None``)."""
        return self.kernel.outside(lambda: self._send(None, dest, msg))

    def exit(self, pid, reason):
        """Send an exit signal from outside, like ``exit(pid, reason)``."""
        return self.kernel.outside(lambda: self._exit2(None, pid, reason))

    def run(self):
        """Run until no process can run and no timer is pending (simulated kernel)."""
        self.kernel.run()

    def run_until(self, t: float):
        """Run until the virtual clock reaches ``t`` (simulated kernel)."""
        self.kernel.run(until=t)

    def run_for(self, d: float):
        """Run for ``d`` seconds of virtual time (simulated kernel)."""
        self.kernel.run(until=self.now + d)

    def processes(self) -> list[ProcessInfo]:
        """Snapshots of all live processes, in pid order."""
        return [self.info(p) for _, p in sorted(self.procs.items())]

    def process_info(self, pid) -> ProcessInfo | None:
        p = self.lookup(pid)
        return self.info(p) if p is not None else None

    def whereis(self, name):
        p = self.names.get(name)
        return p.pid if p is not None else None

    def registered(self) -> list[str]:
        return sorted(self.names)

    def is_alive(self, pid) -> bool:
        if type(pid) is Pid and self._remote(pid):
            raise BadArg(f"is_alive: {pid} is a process on node "
                         f"{self.world.name_of(pid.node)}; like Erlang's "
                         "is_process_alive it only answers for local pids (monitor "
                         "a remote process to learn when it ends)")
        p = self.lookup(pid)
        return p is not None and p.status is not EXITED

    def exit_reason(self, pid):
        """Why a process started with ``rt.spawn`` ended (KeyError while it runs)."""
        return self.finished[pid][0]

    def result(self, pid):
        """What a process started with ``rt.spawn`` returned (KeyError while it runs)."""
        return self.finished[pid][1]

    def start(self):
        """Trio kernel in a notebook: run processes in the background (guest mode)."""
        self.kernel.start_guest()

    def stop(self):
        """Stop a runtime started with :meth:`start`."""
        self.kernel.stop_guest()

    def run_main(self, fn, *args):
        """Spawn ``fn`` and run until it ends; return its result or raise its exit."""
        if self.world is not None:               # a node: the world's kernel
            return self.kernel.run_main(fn, args, self)
        return self.kernel.run_main(fn, args)

    def outcome(self, pid):
        reason, result = self.finished[pid]
        if type(reason) is str and reason == "normal":
            return result
        if isinstance(reason, BaseException) and not isinstance(reason, ProcessExit):
            raise reason
        from .values import Exited
        raise Exited(reason)


class _Raise:
    """Wakes a receiver with an exception to raise in its own context."""
    __slots__ = ("exc",)

    def __init__(self, exc):
        self.exc = exc


def _reason_of(exc):
    if isinstance(exc, ProcessExit):
        return exc.reason
    if isinstance(exc, _Killed):
        return "killed"
    return exc


#: Erlang's largest receive timeout, 4294967295 ms, in seconds.
MAX_TIMEOUT = 4294967.295


def _check_timeout(t):
    """Return the timeout in seconds, or None for infinity (item 34)."""
    if t is None or t == math.inf:
        return None
    if (isinstance(t, bool) or not isinstance(t, (int, float)) or t != t
            or t < 0 or t > MAX_TIMEOUT):
        raise BadTimeout(f"timeout must be a number of seconds from 0 to "
                         f"{MAX_TIMEOUT} (Erlang's limit), or None for infinity; "
                         f"got {t!r}")
    return t
