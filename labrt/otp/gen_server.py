"""gen_server: a generic server process, with your callbacks as the specific part.

The callback contract
---------------------
A callback module is a class; subclass :class:`GenServer` to get OTP's
defaults for the optional callbacks.  Callbacks may be plain or ``async def``.
``S`` is the server's state, ``X`` an optional action (see below)::

    init(self, arg)                  -> ("ok", S) | ("ok", S, X)
                                        | ("stop", Reason) | "ignore" | ("error", Reason)
    handle_call(self, req, from_, S) -> ("reply", Reply, S) | ("reply", Reply, S, X)
                                        | ("noreply", S) | ("noreply", S, X)
                                        | ("stop", Reason, Reply, S) | ("stop", Reason, S)
    handle_cast(self, msg, S)        -> ("noreply", S) | ("noreply", S, X) | ("stop", Reason, S)
    handle_info(self, msg, S)        -> like handle_cast      optional: logs and drops
    handle_continue(self, c, S)      -> like handle_cast      needed only if you continue
    terminate(self, reason, S)       -> ignored               optional: does nothing
    code_change(self, old_vsn, S, extra) -> ("ok", S2) | ("error", Reason)
                                                               GenServer's default: ("ok", S)

    X = seconds               handle_info("timeout", S) unless a message comes first
      | None                  no timeout (Erlang's infinity)
      | "hibernate"           sleep with the state kept until the next message
                              (``sys.get_status`` shows it as ``hibernating``)
      | ("continue", C)       handle_continue(C, S) before any queued message

Anything else returned is a contract violation: the server stops with
``("bad_return_value", value)``.  ``raise Throw(value)`` anywhere below a
callback is the same as returning ``value`` (Erlang's ``throw``).

The API (``await`` the ones that wait)::

    await start(cls, arg, name=None, timeout=None)   -> ("ok", pid) | "ignore" | ("error", R)
    await start_link(...)                            -> same, linked to the caller
    await start_monitor(...)                         -> ("ok", (pid, ref)) | ...
    await call(server, request, timeout=5.0)         -> the reply, or the caller exits
    await stop(server, reason="normal", timeout=None) -> "ok", or the caller exits
    cast(server, msg) -> "ok"            reply(from_, value) -> "ok"

A failed call exits the caller with ``(Reason, ("gen_server", "call", args))``,
``args`` exactly as passed (``(server, request)`` or with the timeout).

Failure, in one place
---------------------
Every callback is called through :meth:`_Server.apply`, the one boundary
that decides what a failure means: an exception or an ``exit`` becomes the
reason the server terminates with (after ``terminate`` runs), a ``Throw``
becomes a return value.  ``terminate`` runs on a stop return, a callback
crash, ``gen_server.stop`` and an EXIT from the parent when the server traps
exits; it never runs on ``kill``.  Reasons other than ``normal``,
``shutdown`` and ``("shutdown", _)`` are logged to the runtime's report log.

Calls and late replies
----------------------
A call monitors the server and sends ``("$gen_call", (caller, tag), req)``.
Erlang (OTP 24+) makes late replies harmless with a process *alias*, and
so does labrt: the tag names an alias of the caller (``labrt.alias()``), and
the caller deactivates it as soon as it stops waiting.  A reply sent after
that is dropped by the runtime, so it can never sit in the caller's mailbox;
one that arrived in time still counts.  ``from_[0]`` is
always the caller's pid.

A call to a live server on the caller's own node, with nothing traced, takes
a shorter road through the same steps: the core makes the monitor, the alias
and the request in one step (``Runtime._call_open``) and undoes the alias and
the monitor in one (``_call_close``), and the reply to the alias goes
straight into the caller's mailbox.  The refs, the messages and their order
are the ones the general path (``_call``) makes, which is what every other
call (remote, by ``(name, node)``, traced, under the explorer) takes.

How to build a behaviour on gen_server
--------------------------------------
OTP's supervisor is itself a gen_server, and a labrt behaviour is built the
same way: write a callback class whose methods implement the behaviour's
generic logic and call the user's module from there::

    class _SupervisorServer(gen_server.GenServer):
        async def init(self, arg):               # arg = (user_cls, user_arg)
            trap_exit(True)                      # so the parent's EXIT reaches terminate
            ...                                  # call user_cls().init(user_arg), start children
            return ("ok", state)
        async def handle_call(self, req, from_, state): ...   # the admin API
        async def handle_info(self, msg, state): ...          # Exit(child, reason) from children
        async def terminate(self, reason, state): ...         # shut the children down

    async def start_link(user_cls, arg, name=None):
        return await gen_server.start_link(_SupervisorServer, (user_cls, arg), name=name)

What you get for free: synchronous start with ``name``; ``call`` (use
``timeout=None`` for admin calls that may take long); an ``Exit`` from the
parent (the process that called ``start_link``) runs ``terminate(reason)``
and ends the server with that reason, when it traps exits; ``Exit`` messages
from any other linked process go to ``handle_info``; and ``labrt.sys``
(suspend, get_state, change_code, ...) works on it.  The return values above
are the stable contract.

This module is the client side (``call``, ``cast``, ``reply``, ``stop``,
the ``start`` functions) and the callback contract; the server's own loop
lives in :mod:`labrt.otp.gen_server_loop`.
"""
from __future__ import annotations

from dataclasses import dataclass

import labrt
from labrt import TIMEOUT, BadArg, BadTimeout, Down, Exit, Pid
from labrt.kernel import process as _process
from labrt.kernel.core import _IMMUTABLE, EXITED
from labrt.otp import code as _code

__all__ = [
    "DEFAULT_TIMEOUT", "GenServer", "Tag", "Throw", "call", "cast", "reply", "start",
    "start_link", "start_monitor", "stop",
]


class GenServer:
    """Base class for callback modules: OTP's defaults for the optional callbacks.

    The server creates one instance per code version (with no arguments), so
    keep the server's data in the state ``S``, not on ``self``.
    """

    def handle_info(self, msg, state):
        _warn_unhandled(type(self).__name__, msg)
        return ("noreply", state)

    def terminate(self, reason, state):
        return None

    # No default code_change: as in OTP, an upgrade of a module that does not
    # define it fails with ("EXIT", "undef") and the state stays as it was.


class Throw(Exception):
    """``raise Throw(value)``: the callback returns ``value`` (Erlang's throw)."""

    def __init__(self, value):
        super().__init__(value)
        self.value = value


@dataclass(frozen=True, slots=True)
class Tag:
    """The opaque half of a ``from_``: ``ref`` names the call, ``to`` gets the reply."""
    ref: labrt.Ref
    to: Pid

    def __repr__(self):
        return f"#Tag<{self.ref.num}>"


# A Tag holds a ref and a pid or alias, all immutable: messages carrying one
# need no copy (the core's isolate() then passes them as they are).
_IMMUTABLE.add(Tag)


class _DefaultTimeout(float):
    """5.0, but a call can tell it was not passed (for the exit reason's args)."""

    def __repr__(self):
        return "5.0"


DEFAULT_TIMEOUT = _DefaultTimeout(5.0)


# ---------------------------------------------------------------------------
# Client side

def _check_timeout(t):
    if t is None:
        return
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not t >= 0:
        raise BadTimeout(f"timeout must be a number of seconds >= 0 or None "
                         f"(infinity), got {t!r}")


def _resolve(server):
    """A pid for ``server`` (pid, name, or (name, node)), or None if there is none."""
    if type(server) is Pid:
        return server
    if type(server) is str:
        return labrt.whereis(server)
    if type(server) is tuple and len(server) == 2 and type(server[0]) is str:
        if server[1] == labrt.current_runtime().node_name:
            return labrt.whereis(server[0])
        return server                   # remote: let monitor and send deal with it
    raise BadArg(f"{server!r} is not a pid, a registered name or a (name, node) pair")


async def _take(pred):
    """Remove and return the first message matching ``pred``, or None; never waits.

    (It looks first, so a miss leaves no ``timeout`` event in the trace.)
    """
    mailbox = labrt.process_info(labrt.self()).mailbox
    if any(pred(m) for m in mailbox):
        return await labrt.receive(pred)
    return None


def _is_reply_or_down(tag, mref):
    """One predicate for a call's two outcomes (one clause is cheaper than two)."""
    return lambda m: ((type(m) is tuple and len(m) == 2 and (m[0] is tag or m[0] == tag))
                      or (type(m) is Down and m.ref == mref))


def _is_reply(tag):
    return lambda m: type(m) is tuple and len(m) == 2 and (m[0] is tag or m[0] == tag)


def _is_down(ref):
    return lambda m: type(m) is Down and m.ref == ref




async def _call(server, kind, request, timeout, where):
    """Send ``(kind, from_, request)`` and wait for the reply (the shared call path).

    ``where`` is the ``(module, function, args)`` a failure exits with.
    """
    _check_timeout(timeout)
    pid = _resolve(server)
    if pid is None:
        labrt.exit(("noproc", where))
    me = labrt.self()
    if pid == me:
        labrt.exit(("calling_self", where))
    mref = labrt.monitor(pid)
    # The reply goes to an alias (OTP 24+): once we give up and deactivate it,
    # a late reply is dropped by the runtime and never reaches our mailbox.
    aref = labrt.alias()
    tag = Tag(aref, aref)                 # OTP's [alias | Ref]: the reply is {Tag, Reply}
    labrt.send(pid, (kind, (me, tag), request))
    msg = await labrt.receive(_is_reply_or_down(tag, mref), timeout=timeout)
    return await _call_end(msg, pid, mref, aref, tag, where)


async def _call_end(msg, pid, mref, aref, tag, where):
    """The end of a call once the wait is over: the reply, or the caller exits."""
    labrt.unalias(aref)
    if type(msg) is tuple:
        labrt.demonitor(mref, flush=True)
        return msg[1]
    # Timed out, or the server is gone.  A reply that arrived before we gave
    # up still counts (as in OTP); anything later is dropped.
    late = await _take(_is_reply(tag))
    labrt.demonitor(mref, flush=True)
    if late is not None:
        return late[1]
    labrt.exit(("timeout" if msg is TIMEOUT else _down_reason(msg, pid), where))


def _down_reason(down, server):
    """A DOWN's reason as OTP's gen reports it: a lost node is ``("nodedown", node)``."""
    if down.reason == "noconnection":
        return ("nodedown", labrt.node(server))
    return down.reason


async def call(server, request, timeout=DEFAULT_TIMEOUT):
    """Send ``request`` to ``server`` and wait for its reply (5 s by default).

    ``timeout=None`` waits forever.  On failure the caller exits with
    ``(reason, ("gen_server", "call", args))``; reason is ``"noproc"``,
    ``"timeout"``, ``"calling_self"``, ``("nodedown", node)`` for a server on
    a node that cannot be reached, or the server's exit reason.
    """
    p = _process._running
    if p is not None and p.rt._inline:
        # The hot path: a live server on this node, nothing traced or held in
        # transit.  The same steps as _call (monitor, alias, send; the wait;
        # unalias, demonitor), with the three before the wait made in one core
        # step (Runtime._call_open) and the two after it in another
        # (_call_close), and no frames in between.
        if type(timeout) is _DefaultTimeout:
            wait = 5.0                    # (a plain float: receive checks it faster)
        else:
            _check_timeout(timeout)
            wait = timeout
        pid = server if type(server) is Pid else _resolve(server)
        tp = pid._proc if type(pid) is Pid else None
        rt = p.rt
        if tp is not None and tp.rt is rt and tp.status is not EXITED and tp is not p:
            mref, aref, tag = rt._call_open(p, tp, "$gen_call", request, Tag)
            msg = await labrt.receive(_is_reply_or_down(tag, mref), timeout=wait)
            if type(msg) is tuple and rt._inline:
                rt._call_close(p, mref, aref)
                return msg[1]
            return await _call_end(msg, pid, mref, aref, tag, _where(server, request, timeout))
    return await _call(server, "$gen_call", request, timeout, _where(server, request, timeout))


def _where(server, request, timeout):
    """What a failed call exits with, beside its reason: the call as it was made."""
    args = (server, request) if type(timeout) is _DefaultTimeout else (server, request, timeout)
    return ("gen_server", "call", args)


def cast(server, msg) -> str:
    """Send ``msg`` to the server's ``handle_cast``; always ``"ok"``, at once."""
    try:
        pid = _resolve(server)
        if pid is not None:
            labrt.send(pid, ("$gen_cast", msg))
    except BadArg:
        pass
    return "ok"


def reply(from_, value) -> str:
    """Reply to a call whose ``from_`` a callback received; any process may do it."""
    caller, tag = from_
    if type(tag) is Tag:
        labrt.send(tag.to, (tag, value))
    else:                                 # a plain tag, from an Erlang peer's older gen
        labrt.send(caller, (tag, value))
    return "ok"


async def stop(server, reason="normal", timeout=None) -> str:
    """Stop the server: ``terminate(reason, S)`` runs, then it exits with ``reason``.

    Returns ``"ok"``.  A server that does not exist exits the caller with
    ``"noproc"``; no answer within ``timeout`` exits it with ``"timeout"``.
    """
    _check_timeout(timeout)
    pid = _resolve(server)
    if pid is None:
        labrt.exit("noproc")
    me = labrt.self()
    if pid == me:
        labrt.exit("calling_self")
    mref = labrt.monitor(pid)
    labrt.send(pid, ("$system", (me, Tag(mref, me)), ("terminate", reason)))
    msg = await labrt.receive(_is_down(mref), timeout=timeout)
    if msg is TIMEOUT:
        labrt.demonitor(mref, flush=True)
        labrt.exit("timeout")
    if not _same_reason(msg.reason, reason):
        labrt.exit(_down_reason(msg, pid))   # "noproc", a lost node, or terminate crashed
    return "ok"


def _same_reason(a, b) -> bool:
    if isinstance(a, BaseException) and isinstance(b, BaseException):
        return type(a) is type(b) and a.args == b.args     # messages are copies
    return a == b


# ---------------------------------------------------------------------------
# Starting

async def start(cls, arg=None, name=None, timeout=None):
    """Start a server and wait until its ``init`` has returned (not linked)."""
    return await _start(cls, arg, name, timeout, "start")


async def start_link(cls, arg=None, name=None, timeout=None):
    """Start a server linked to the caller, which becomes its parent."""
    return await _start(cls, arg, name, timeout, "link")


async def start_monitor(cls, arg=None, name=None, timeout=None):
    """Start a server monitored by the caller: ``("ok", (pid, ref))``."""
    return await _start(cls, arg, name, timeout, "monitor")


def _module_name(cls):
    if isinstance(cls, str):
        return cls
    return _code.server().ensure(cls)


async def _start(cls, arg, name, timeout, how):
    """Spawn, wait for init's verdict (OTP 26+ semantics, item 73)."""
    _check_timeout(timeout)
    modname = _module_name(cls)
    me = labrt.self()
    parent = me if how == "link" else None
    from .gen_server_loop import _server_entry    # the server side (imports this module)
    entry = _server_entry(modname)
    if how == "link":
        pid = labrt.spawn_link(entry, me, parent, name, modname, arg)
        mref = labrt.monitor(pid)
    else:
        pid, mref = labrt.spawn_monitor(entry, me, parent, name, modname, arg)
    def is_ack(m):
        return type(m) is tuple and len(m) == 3 and m[1] == pid and m[0] in ("$ack", "$nack")
    msg = await labrt.receive(is_ack, _is_down(mref), timeout=timeout)
    if type(msg) is tuple and msg[0] == "$ack":
        if how == "monitor":
            return ("ok", (pid, mref))
        labrt.demonitor(mref, flush=True)
        return msg[2]
    # It failed (or is too slow): OTP 26+ waits until the process is gone and
    # leaves no EXIT or DOWN behind (item 73).  Unlink before the kill, or
    # its exit signal would reach us.
    labrt.unlink(pid)
    if msg is TIMEOUT:
        labrt.exit(pid, "kill")
        result = ("error", "timeout")
    elif type(msg) is Down:
        result = ("error", msg.reason)
    else:
        result = msg[2]
    if type(msg) is not Down:
        await labrt.receive(_is_down(mref))
    if msg is TIMEOUT:
        await _take(is_ack)          # init may have finished just as time ran out
    if how == "link":
        await _take(lambda m: type(m) is Exit and m.pid == pid)
    return result


def _warn_unhandled(modname, msg):
    labrt.error_report(
        f"=WARNING REPORT==== t={labrt.now():.3f} gen_server {labrt.self()} "
        f"{modname}: undefined handle_info, unhandled message: {msg!r}")
