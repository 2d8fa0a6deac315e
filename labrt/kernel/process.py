"""Who is running, and what a process is: the bottom of the runtime.

Which process is running?
-------------------------
Every operation a process makes (``send``, ``receive``, ``link`` ...) must
find the process that called it.  The simulated kernel sets ``_running``
around each step of a process (a plain module global is the cheapest thing
to read on the hot path); the trio kernel gives every task its own context,
so it uses the context variable ``_task_process``.  ``_me()`` reads both.
Only this module owns ``_running``: the kernels and the hot paths read and
write it as ``process._running`` (never ``from .process import _running``,
which would copy the value once).

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

The rest is the record the runtime keeps for each process
(:class:`Process`, with ``__slots__`` so that a million idle processes stay
small), the snapshot a notebook sees (:class:`ProcessInfo`), and the few
helpers every part of the runtime shares (how an exception becomes an exit
reason, how a timeout is checked).
"""
from __future__ import annotations

import contextvars
import inspect
import math
import sys
from dataclasses import dataclass

from .values import BadTimeout, NotInProcess, Pid, ProcessExit, _Killed

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
