"""The server side of gen_server: one running server, its state and its loop.

:func:`labrt.otp.gen_server.start_link` spawns a process whose code is
:func:`_server_entry`; everything that process does until it ends is here.
:class:`_Server` holds what OTP's ``gen_server.erl`` keeps in its loop's
arguments (the callback module's name, the state, the pending timeout or
``hibernate``, whether ``labrt.sys`` has suspended it, what it was doing,
for the crash report) and its methods follow that module's functions:

* ``run``: call ``init``, tell the starter ``ok`` / ``ignore`` / ``stop``;
* ``loop`` and ``handle``: take the next message (system messages first
  when suspended), dispatch it to ``handle_call``, ``handle_cast`` or
  ``handle_info`` and act on the answer: a reply, a new state, a timeout,
  ``hibernate``, ``continue`` or ``stop``;
* ``terminate``: call the callback's ``terminate`` when OTP would, then
  exit with OTP's reason, after a report if the reason is not clean;
* ``system``: the ``labrt.sys`` requests (get_state, replace_state,
  suspend, resume, change_code).

Every callback is called through the code server (``apply``), so a hot
code upgrade changes which version the *next* call runs, as in Erlang.
"""
from __future__ import annotations

import inspect

import labrt
from labrt import TIMEOUT, BadArg, Exit, ProcessExit
from labrt.kernel.trace import is_clean
from labrt.otp import code as _code
from labrt.otp.gen_server import Tag, Throw, _warn_unhandled, reply


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
