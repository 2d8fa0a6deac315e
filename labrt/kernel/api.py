"""The functions a process calls: spawn, send, receive, link, monitor, ...

Each one finds the process that calls it (``_me()``) and forwards to that
process's runtime, where the semantics live (``_core.py``).  ``send`` and
``receive`` also carry the hot paths: a send to a live local pid with tracing
off, and a receive that finds its message already in the mailbox, each take a
handful of dictionary and deque operations and never touch the kernel.

Anything that can suspend is ``async`` (``receive``, ``sleep``); anything that
never suspends is a plain function.
"""
from __future__ import annotations

import types

from . import process as _process
from .core import (
    EXITED, RUNNABLE, WAITING, _IMMUTABLE, _MATCH_ANY, _NEVER, ProcessInfo,
    MAX_TIMEOUT, Runtime, _check_timeout, _me, _Raise, compile_clauses, isolate,
)
from .values import TIMEOUT, BadTimeout, Pid, ProcessExit, Ref, _Killed


def spawn(fn, *args, node=None) -> Pid:
    """Start a new process running ``fn(*args)``; return its pid.

    ``node="name@host"`` starts it on another node of the world; the pid
    comes back at once, even if that node cannot be reached.
    """
    p = _me()
    if node is not None:
        return p.rt._spawn_on(node, p, fn, args)[0]
    return p.rt._spawn(p, fn, args)[0]


def spawn_link(fn, *args, node=None) -> Pid:
    """Start a new process linked to this one (atomically)."""
    p = _me()
    if node is not None:
        pid = p.rt._spawn_on(node, p, fn, args, link=True)[0]
        p.rt._drain()
        return pid
    return p.rt._spawn(p, fn, args, link=True)[0]


def spawn_monitor(fn, *args, node=None) -> tuple:
    """Start a new process monitored by this one; return ``(pid, ref)``."""
    p = _me()
    if node is not None:
        return p.rt._spawn_on(node, p, fn, args, monitor=True)
    return p.rt._spawn(p, fn, args, monitor=True)


def self() -> Pid:
    """The pid of the calling process."""
    return _me().pid


def send(dest, msg):
    """Send ``msg`` to a pid or a registered name; return ``msg``.

    Sending to a pid never fails, even if the process is dead.  Sending to a
    name that is not registered raises :class:`BadArg`.  The message is
    copied unless it is immutable, so the receiver cannot change your data.
    """
    p = _process._running
    if p is None:
        p = _me()
    rt = p.rt
    if type(dest) is Pid and rt._inline:
        # The hot path: a live local pid, no trace, no transit: the same
        # steps as _send and _arrive, without building a Signal.
        q = dest._proc
        if q is not None and q.rt is rt and q.status is not EXITED:
            if type(msg) not in _IMMUTABLE:
                msg = isolate(msg)
            if q.waiting is True:
                rt.kernel.wake(q, msg)      # the call first, then plain stores
                q.waiting = None            # (see "Running out of stack" in core)
                if q.timer is not None:
                    q.timer[4] = False
                    q.timer = None
                q.status = RUNNABLE
            else:
                rt._deliver(q, msg)
            return msg
        if rt.world is not None and dest.node != rt.node:
            # A remote pid, nothing traced or held: straight onto the wire.
            if type(msg) not in _IMMUTABLE:
                msg = isolate(msg)
            rt._wire(rt, p.pid, dest, msg)       # labrt.dist.net.Net.message
            return msg
    elif type(dest) is tuple and rt._wire_name is not None and rt._inline:
        # A registered name on another node of a simulated world, nothing
        # traced or held: the steps of _send for {Name, Node} (copy, then
        # post), straight onto the wire like a remote pid; the name is
        # resolved when the message arrives (labrt.dist.net.Net.name_message).
        if (len(dest) == 2 and type(dest[0]) is str and type(dest[1]) is str
                and dest[1] != rt.node_name):
            if type(msg) not in _IMMUTABLE:
                msg = isolate(msg)
            rt._wire_name(rt, p.pid, dest, msg)
            return msg
    elif type(dest) is Ref and rt._inline:
        # A reply to a live alias on this node (gen_server's replies): the
        # steps of _send, again without a Signal.  An inactive or remote
        # alias takes the general path below.
        q = rt.aliases.get(dest)
        if q is not None and q.status is not EXITED:
            if type(msg) not in _IMMUTABLE:
                msg = isolate(msg)
            rt._deliver(q, msg)
            return msg
    return rt._send(p.pid, dest, msg)


@types.coroutine
def receive(*clauses, timeout=None):
    """Wait for and remove the oldest message that matches one of ``clauses``.

    No clause means any message.  A clause is a class (``isinstance``), a
    predicate function, or a pattern (a value; tuples match element by
    element; ``ANY`` matches anything).  Messages that do not match stay in
    the mailbox, in order.  A dataclass value is a pattern too, matched field
    by field: ``receive(Exit(ANY, "normal"))``.  ``timeout`` is in seconds (``None``: forever;
    ``0``: just look); on timeout, :data:`TIMEOUT` is returned.
    """
    p = _process._running                  # _me(), inline on the simulated kernel
    if p is None:
        p = _me()
    rt = p.rt
    if p.pending:
        rt._handle_pending(p)
    match = compile_clauses(clauses) if clauses else None
    mb = p.mailbox
    if mb:
        if match is None:
            msg = mb.popleft()
            if rt._tracing:
                rt._ev("receive", p.pid, None, msg)
            return msg
        i = 0
        for msg in mb:
            if match(msg):
                del mb[i]
                if rt._tracing:
                    rt._ev("receive", p.pid, None, msg)
                return msg
            i += 1
    if timeout is not None:
        if not (type(timeout) is float and 0 <= timeout <= MAX_TIMEOUT):
            timeout = _check_timeout(timeout)     # (a plain positive float is fine)
    if timeout is not None:
        if timeout == 0:
            if rt._tracing:
                rt._ev("timeout", p.pid, None, None)
            return TIMEOUT
        p.timer = rt._timer(rt.kernel.now() + timeout, rt._wait_timeout, p)
    p.waiting = _MATCH_ANY if match is None else match
    p.wait_clauses = clauses
    p.status = WAITING
    if rt.simulated:
        value = yield                 # the simulated kernel resumes us directly
    else:
        value = yield from rt.kernel.suspend(p)
    if type(value) is _Raise:
        raise value.exc
    return value


@types.coroutine
def sleep(t: float):
    """Suspend this process for ``t`` seconds (Erlang's ``receive after T``)."""
    p = _me()
    rt = p.rt
    if p.pending:
        rt._handle_pending(p)
    if _check_timeout(t) is None:
        raise BadTimeout("sleep needs a finite number of seconds")
    p.timer = rt._timer(rt.now + t, rt._wait_timeout, p)
    p.waiting = _NEVER
    p.wait_clauses = ("sleep",)
    p.status = WAITING
    yield from rt.kernel.suspend(p)


def link(pid) -> bool:
    """Link this process to ``pid`` (idempotent)."""
    p = _me()
    return p.rt._link(p, pid)


def unlink(pid) -> bool:
    """Remove the link to ``pid``; afterwards it has no effect."""
    p = _me()
    return p.rt._unlink(p, pid)


def monitor(target) -> Ref:
    """Monitor a pid or a registered name; a :class:`Down` comes when it ends."""
    p = _me()
    return p.rt._monitor(p, target)


def demonitor(ref, flush: bool = False, info: bool = False) -> bool:
    """Stop a monitor; ``flush`` also removes a DOWN already in the mailbox."""
    p = _me()
    return p.rt._demonitor(p, ref, flush, info)


def exit(*args):
    """``exit(reason)`` ends this process; ``exit(pid, reason)`` sends an exit signal."""
    if len(args) == 1:
        raise ProcessExit(args[0])
    if len(args) != 2:
        raise TypeError("exit takes (reason) or (pid, reason)")
    p = _me()
    p.rt._exit2(p.pid, args[0], args[1])
    if p.status is EXITED:
        raise _Killed()
    return True


def trap_exit(flag: bool) -> bool:
    """Set whether exit signals become :class:`Exit` messages; return the old flag."""
    p = _me()
    old, p.trap = p.trap, bool(flag)
    if p.rt._tracing:
        p.rt._ev("trap_exit", p.pid, None, p.trap)
    return old


def register(name: str, pid) -> bool:
    p = _me()
    return p.rt._register(name, pid)


def unregister(name: str) -> bool:
    p = _me()
    return p.rt._unregister(name)


def whereis(name):
    """The pid registered under ``name``, or ``None`` (Erlang's undefined)."""
    return _me().rt.whereis(name)


def registered() -> list[str]:
    return _me().rt.registered()


def is_alive(pid) -> bool:
    return _me().rt.is_alive(pid)


def process_info(pid) -> ProcessInfo | None:
    return _me().rt.process_info(pid)


def now() -> float:
    """The runtime's clock, in seconds (virtual on the simulated kernel)."""
    p = _process._running                  # _me(), inline (as in send)
    if p is None:
        p = _me()
    return p.rt.kernel.now()               # (rt.now, without the property)


def send_after(t: float, dest, msg) -> Ref:
    """Send ``msg`` to ``dest`` after ``t`` seconds; return a timer ref."""
    p = _me()
    return p.rt._send_after(t, dest, msg, p.pid)


def cancel_timer(ref):
    """Cancel a ``send_after`` timer: the time that was left, or False."""
    return _me().rt._cancel_timer(ref)


def make_ref() -> Ref:
    return _me().rt._new_ref()


def alias() -> Ref:
    """A new ref that others can ``send`` to, reaching this process until ``unalias``.

    OTP 24's process aliases: a reply sent to an alias that is no longer active
    is dropped, so a caller that gave up waiting never finds a stray reply.
    """
    p = _me()
    ref = p.rt._new_ref()
    p.rt.aliases[ref] = p
    if p.aliases is None:
        p.aliases = []
    p.aliases.append(ref)
    return ref


def unalias(ref) -> bool:
    """Deactivate an alias of this process; True if it was active."""
    p = _me()
    if p.rt.aliases.get(ref) is not p:
        return False
    del p.rt.aliases[ref]
    p.aliases.remove(ref)
    return True


def current_runtime() -> Runtime:
    """The runtime the calling process lives in."""
    return _me().rt


def error_report(text: str):
    """Log a line to the runtime's report log (as OTP's logger would)."""
    _me().rt.report(text)
