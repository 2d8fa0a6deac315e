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
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass

import labrt
from labrt import TIMEOUT, BadArg, BadTimeout, Down, Exit, Pid, ProcessExit
from labrt.kernel import process as _process
from labrt.otp import code as _code
from labrt.kernel.core import _IMMUTABLE, EXITED
from labrt.kernel.trace import is_clean

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


def _server_entry(modname):
    async def server(starter, parent, name, modname, arg):
        srv = _Server(modname, name, parent)
        started, action = await srv.run(starter, arg)
        if started:
            await srv.loop(action)     # (from here: one frame less under every receive)
    server.__qualname__ = server.__name__ = f"gen_server:{modname}"
    return server


# ---------------------------------------------------------------------------
# Server side

def _is_action(x) -> bool:
    """Is ``x`` a legal X: seconds, None, "hibernate" or ("continue", C)?"""
    if x is None or (type(x) is str and x == "hibernate"):
        return True
    if type(x) in (int, float):
        return x >= 0
    return type(x) is tuple and len(x) == 2 and x[0] == "continue"


def _is_system(m) -> bool:
    return type(m) is tuple and len(m) == 3 and m[0] == "$system"


class _Server:
    """The generic part of one running server: its state and its loop."""

    def __init__(self, modname, name, parent):
        self.modname = modname
        self.name = name
        self.parent = parent
        self.state = None
        self.suspended = False
        self.mode = None               # the pending action: None, seconds, "hibernate"
        self.last = ("init", None)     # what was being handled, for reports (formatted lazily)
        self.cs = _code.server()
        self.pid = labrt.self()
        self._inst = (None, None)      # (version, instance) of the last callback

    # -- the boundary --------------------------------------------------------
    def _target(self):
        v = self.cs.current(self.modname)
        if self._inst[0] is not v:
            self._inst = (v, v.target())
        return self._inst[1]

    async def apply(self, fname, *args, optional=False):
        """Call callback ``fname``: ``(True, value)`` or ``(False, (kind, reason))``.

        kind is ``"error"`` (reason is the exception) or ``"exit"``.  With
        ``optional``, a missing callback gives ``(True, _MISSING)``.
        """
        pid = self.pid
        try:
            version, prev = self.cs.enter(pid, self.modname)
        except _code.UndefinedModule as e:
            return False, ("error", e)
        try:
            inst = self._inst
            target = inst[1] if inst[0] is version else self._target()
            fn = getattr(target, fname, None) if optional else getattr(target, fname)
            if fn is None:
                return True, _MISSING
            result = fn(*args)
            if type(result) is not tuple and inspect.isawaitable(result):
                result = await result     # (a plain tuple, the usual return, is not)
            return True, result
        except Throw as t:
            return True, t.value
        except ProcessExit as e:
            return False, ("exit", e.reason)
        except Exception as e:
            return False, ("error", e)
        finally:
            self.cs.leave(pid, self.modname, prev)

    # -- start ---------------------------------------------------------------
    async def run(self, starter, arg):
        """Register, run init, tell the starter: ``(True, action)`` if the loop is next."""
        me = self.pid
        if self.parent is None:
            self.parent = me                    # an unlinked server is its own parent
        if self.name is not None:
            try:
                labrt.register(self.name, me)
            except BadArg:
                labrt.send(starter, ("$nack", me,
                                     ("error", ("already_started", labrt.whereis(self.name)))))
                return False, None
        ok, res = await self.apply("init", arg)
        if not ok:
            kind, reason = res
            labrt.send(starter, ("$nack", me, ("error", reason)))
            self._init_failed(reason)
            self._end(kind, reason)
        if type(res) is tuple and len(res) in (2, 3) and res[0] == "ok" \
                and (len(res) == 2 or _is_action(res[2])):
            self.state = res[1]
            labrt.send(starter, ("$ack", me, ("ok", me)))
            return True, (res[2] if len(res) == 3 else None)
        if res == "ignore":
            labrt.send(starter, ("$nack", me, "ignore"))
            return False, None
        if type(res) is tuple and len(res) == 2 and res[0] == "error":
            labrt.send(starter, ("$nack", me, res))
            return False, None
        if type(res) is tuple and len(res) == 2 and res[0] == "stop":
            reason = res[1]
        else:
            reason = ("bad_return_value", res)
        labrt.send(starter, ("$nack", me, ("error", reason)))
        self._init_failed(reason)
        labrt.exit(reason)

    def _init_failed(self, reason):
        if not is_clean(reason) and not isinstance(reason, BaseException):
            self._log("failed to start", reason)   # exceptions get the core's crash report

    # -- the loop ------------------------------------------------------------
    async def loop(self, action):
        """Receive and handle messages until a callback stops the server."""
        while True:
            while type(action) is tuple:                # ("continue", C), item 84
                self.last = ("continue", action[1])
                action = await self.noreply("handle_continue", action[1], self.state)
            self.mode = action
            if self.suspended:                          # items 90, 92
                msg = await labrt.receive(self._wanted_when_suspended)
            elif action == "hibernate":                 # item 83
                msg = await labrt.receive()
            else:                                       # item 82
                msg = await labrt.receive(timeout=action)
                if msg is TIMEOUT:
                    msg = "timeout"
            if type(msg) is tuple and len(msg) == 3 and msg[0] == "$gen_call":
                self.last = ("call", msg[2])          # the common case, one frame less
                action = await self.handle_call(msg[1], msg[2])
            else:
                action = await self.handle(msg)

    def _wanted_when_suspended(self, m):
        return _is_system(m) or (type(m) is Exit and m.pid == self.parent)

    async def handle(self, msg):
        """Handle one message; return the next action."""
        if type(msg) is tuple:
            if len(msg) == 3 and msg[0] == "$gen_call":
                self.last = ("call", msg[2])
                return await self.handle_call(msg[1], msg[2])
            if len(msg) == 2 and msg[0] == "$gen_cast":
                self.last = ("cast", msg[1])
                return await self.noreply("handle_cast", msg[1], self.state)
            if len(msg) == 3 and msg[0] == "$system":
                await self.system(msg[1], msg[2])
                return self.mode                          # as before (item 90)
        if type(msg) is Exit and msg.pid == self.parent:  # item 86: only when trapping
            self.last = ("EXIT from parent", msg.reason)
            await self.terminate("exit", msg.reason)
        self.last = ("info", msg)
        ok, res = await self.apply("handle_info", msg, self.state, optional=True)
        if ok and res is _MISSING:
            _warn_unhandled(self.modname, msg)
            return None
        return await self.noreply_result(ok, res)

    async def handle_call(self, from_, request):
        ok, res = await self.apply("handle_call", request, from_, self.state)
        if not ok:
            await self.terminate(*res)
        if type(res) is tuple:
            n, tag = len(res), res[0]
            if tag == "reply" and (n == 3 or (n == 4 and _is_action(res[3]))):
                caller, t = from_
                if type(t) is Tag:            # reply(from_, res[1]), one call less
                    labrt.send(t.to, (t, res[1]))
                else:
                    reply(from_, res[1])
                self.state = res[2]
                return res[3] if n == 4 else None
            if tag == "stop" and n == 4:
                self.state = res[3]
                await self.terminate("exit", res[1], reply_to=(from_, res[2]))
        return await self.noreply_result(True, res)

    async def noreply(self, fname, *args):
        return await self.noreply_result(*await self.apply(fname, *args))

    async def noreply_result(self, ok, res):
        """The returns handle_cast, handle_info and handle_continue share."""
        if not ok:
            await self.terminate(*res)
        if type(res) is tuple:
            n, tag = len(res), res[0]
            if tag == "noreply" and (n == 2 or (n == 3 and _is_action(res[2]))):
                self.state = res[1]
                return res[2] if n == 3 else None
            if tag == "stop" and n == 3:
                self.state = res[2]
                await self.terminate("exit", res[1])
        await self.terminate("exit", ("bad_return_value", res))

    # -- the end -------------------------------------------------------------
    async def terminate(self, kind, reason, reply_to=None):
        """Run terminate(reason, S), reply if asked, then end (never returns)."""
        ok, res = await self.apply("terminate", reason, self.state, optional=True)
        if not ok:
            kind, reason = res                  # terminate itself crashed
        if reply_to is not None:
            reply(*reply_to)
        if not is_clean(reason):
            self._log("terminating", reason)
        self._end(kind, reason)

    def _end(self, kind, reason):
        if kind == "error":
            raise reason                        # the crash keeps its traceback
        labrt.exit(reason)

    def _log(self, what, reason):
        who = f"{self.pid}" + (f" ({self.name})" if self.name else "")
        labrt.error_report(
            f"=ERROR REPORT==== t={labrt.now():.3f} gen_server {who} "
            f"{self.modname} {what}: {labrt.format_reason(reason)}; "
            f"last message: {_describe_last(self.last)}")

    # -- system messages (labrt.sys) -----------------------------------------
    async def system(self, from_, req):
        """Handle a system message; suspended or not (items 90-92)."""
        if req == "suspend" or req == "resume":
            self.suspended = req == "suspend"
            return reply(from_, "ok")
        if req == "get_state":
            return reply(from_, self.state)
        if req == "get_status":
            return reply(from_, ("status", self.pid, ("module", "gen_server"), {
                "module": self.modname, "name": self.name, "parent": self.parent,
                "sys_state": "suspended" if self.suspended else "running",
                "hibernating": self.mode == "hibernate", "state": self.state}))
        if type(req) is tuple and len(req) == 2 and req[0] == "replace_state":
            return reply(from_, await self._replace_state(req[1]))
        if type(req) is tuple and len(req) == 4 and req[0] == "change_code":
            if not self.suspended:
                return reply(from_, ("error", ("unknown_system_msg", req)))
            _, _module, old_vsn, extra = req
            ok, res = await self.apply("code_change", old_vsn, self.state, extra,
                                       optional=True)
            if res is _MISSING:                 # OTP: the call fails with undef
                return reply(from_, ("error", ("EXIT", "undef")))
            if not ok:
                return reply(from_, ("error", ("EXIT", res[1])))
            if type(res) is tuple and len(res) == 2 and res[0] == "ok":
                self.state = res[1]
                return reply(from_, "ok")
            return reply(from_, ("error", res))
        if type(req) is tuple and len(req) == 2 and req[0] == "terminate":
            self.last = ("system terminate", req[1])
            await self.terminate("exit", req[1])
        return reply(from_, ("error", ("unknown_system_msg", req)))

    async def _replace_state(self, fun):
        try:
            new = fun(self.state)
            if inspect.isawaitable(new):
                new = await new
        except Throw as t:                    # Erlang's {Class, Reason} pairs
            failure = ("throw", t.value)
        except ProcessExit as e:
            failure = ("exit", e.reason)
        except Exception as e:
            failure = ("error", e)
        else:
            self.state = new
            return ("ok", new)
        return ("error", ("callback_failed", ("gen_server", "system_replace_state"), failure))


_MISSING = object()


def _describe_last(last):
    kind, what = last
    return kind if kind == "init" else f"{kind} {what!r}"


def _warn_unhandled(modname, msg):
    labrt.error_report(
        f"=WARNING REPORT==== t={labrt.now():.3f} gen_server {labrt.self()} "
        f"{modname}: undefined handle_info, unhandled message: {msg!r}")
