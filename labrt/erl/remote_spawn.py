"""Remote spawn on a real node: asking a peer to start a process, and answering.

Erlang's ``spawn(Node, M, F, A)``, ``spawn_request`` and ``rpc:call`` /
``erpc:call`` (which run as a spawn of ``erpc:execute_call/4``) all reach a
node as one SPAWN_REQUEST control message, answered by a SPAWN_REPLY with
the new pid or an error.  A Python closure cannot cross the wire, so a
labrt node starts only what it has *allowed* by name: ``allow`` maps
``(module, function)`` atoms to Python callables; anything else is refused
with ``notsup`` (the error a BEAM caller then sees: ``{badrpc, notsup}``,
``error:{erpc, notsup}``, ``{spawn_reply, R, error, notsup}``) and one log
line.  The other way, ``labrt.erl.spawn(node, fn, *args)`` names ``fn`` by
its module and qualified name, which the other node must allow.

:class:`RemoteSpawn` holds these methods; :class:`~labrt.erl.node.ErlWorld`
inherits them (a mixin, so the node stays one object for the core).
"""
from __future__ import annotations

from ..kernel import api
from ..kernel.core import isolate
from ..kernel.signals import Signal
from ..kernel.values import BadArg, Pid
from . import control, etf


class RemoteSpawn:
    """The remote-spawn half of :class:`~labrt.erl.node.ErlWorld`."""
    def _spawn_request(self, conn, op):
        """A peer asks this node to start a process: only allow-listed functions run.

        ``rpc:call`` and ``erpc:call`` arrive here too, as a spawn of
        ``erpc:execute_call(Res, M, F, A)``; the function that runs is then
        ``allow[(M, F)]``, and the process exits ``{Res, return, Value}`` as
        erpc's own would, which the caller's monitor turns into the result.
        """
        (module, function, arity), opts = op.extra
        args = list(op.payload)
        call = None
        if (module, function, arity) == ("erpc", "execute_call", 4) and len(args) == 4:
            res, m, f, a = args
            call = (res, self.allow.get((m, f)), etf.Charlist.codes(a)
                    if isinstance(a, etf.Charlist) else a)
            fn, what = call[1], f"{m}:{f}/{len(a) if isinstance(a, list) else '?'} by rpc"
        else:
            fn, what = self.allow.get((module, function)), f"{module}:{function}/{arity}"
        opts = opts if type(opts) is list else []
        if fn is None or (call is None and arity != len(args)) or (
                call is not None and not isinstance(call[2], list)):
            self.log(f"labrt.erl: refused {conn.peer}'s spawn of {what} "
                     "(not in this node's allow-list)")
            conn.send(control.Op("spawn_reply", "notsup", op.sender, 0, ref=op.ref))
            return
        rt = self.rt
        if call is not None:
            pid = rt._spawn(None, _erpc_call, (call[0], fn, tuple(call[2])))[0]
        else:       # (not fn itself: a plain function would run, and die, right here)
            pid = rt._spawn(None, _spawned, (fn, tuple(args)))[0]
        if "link" in opts:
            rt._arrive(Signal("link", op.sender, pid))
        if "monitor" in opts:
            rt._arrive(Signal("monitor", op.sender, pid, (op.ref, pid)))
        reply = next((o[1] for o in opts if type(o) is tuple and len(o) == 2
                      and o[0] == "reply"), "yes")
        if reply in ("yes", "success_only"):
            flags = (1 if "link" in opts else 0) | (2 if "monitor" in opts else 0)
            conn.send(control.Op("spawn_reply", pid, op.sender, flags, ref=op.ref))
        rt._drain()

    def spawn_request(self, rt, parent, name, fn, args, link, monitor):
        raise BadArg(f"spawn on {name}: on a real node a remote spawn waits for the other "
                     "node's answer, so it is async: use `await labrt.erl.spawn(node, fn, "
                     "*args, link=...)`, and allow the function on that node")

    async def spawn_remote(self, p, node_name, fn, args, link, monitor, timeout):
        """Ask ``node_name`` to start ``fn(*args)``; it must allow ``(module, qualname)``."""
        rt = self.rt
        self._split_name(node_name)
        module = getattr(fn, "__module__", None)
        qualname = getattr(fn, "__qualname__", None)
        if not module or not qualname or "<" in qualname:
            raise BadArg(f"remote spawn needs a module-level function the other node can "
                         f"allow by name (module:function), got {fn!r}")
        req = rt._new_ref()
        opts = (["link"] if link else []) + (["monitor"] if monitor else [])
        op = control.Op("spawn_request", p.pid, None, list(isolate(args)), ref=req,
                        extra=((module, qualname, len(args)), opts))
        self.post(rt, _Addressed(node_name, op))
        reply = await api.receive(lambda m: type(m) is SpawnReply and m.ref == req,
                                  timeout=timeout)
        if reply is api.TIMEOUT:
            raise BadArg(f"spawn on {node_name}: no answer in {timeout} s")
        if type(reply.result) is not Pid:
            raise BadArg(f"spawn of {module}:{qualname} on {node_name} failed: "
                         f"{reply.result} (is it in that node's allow-list?)")
        child = reply.result
        if link:
            if p.links is None:
                p.links = {}
            p.links[child] = None
        if monitor:
            if p.monitors is None:
                p.monitors = {}
            p.monitors[req] = child
            return child, req
        return child

    def _spawn_failed(self, op, why):
        self.rt._arrive(Signal("message", None, op.sender, SpawnReply(op.ref, 0, why)))

    def spawn_arrived(self, rt, sig):
        raise BadArg("spawn requests arrive as SPAWN_REQUEST control messages")


class SpawnReply:
    """What a remote spawn request gets back: the new pid, or why not."""
    __slots__ = ("ref", "flags", "result")

    def __init__(self, ref, flags, result):
        self.ref, self.flags, self.result = ref, flags, result

    def __deepcopy__(self, memo):
        return self


class _Addressed:
    """A control message for a named node (a spawn request has no target pid yet)."""
    __slots__ = ("node", "op")

    def __init__(self, node, op):
        self.node, self.op = node, op


async def _spawned(fn, args):
    """A peer's spawn of ``fn(*args)``, run only once its links and monitors are set.

    Started from outside a process, a plain function would run to its end
    inside the spawn, before the spawn reply: the peer would then get its
    DOWN (as ``noproc``) ahead of the reply, which OTP 25 answers with a
    ``noconnection`` DOWN (found live: ``spawn_request`` of a function that
    returns at once)."""
    value = fn(*args)
    if hasattr(value, "__await__"):
        value = await value
    return value


async def _erpc_call(res, fn, args):
    """Run an allow-listed function for ``rpc:call``; exit as erpc's execute_call does."""
    try:
        value = fn(*args)
        if hasattr(value, "__await__"):
            value = await value
    except api.ProcessExit as e:
        api.exit((res, "exit", e.reason))
    except Exception as e:
        api.exit((res, "error", e, []))
    api.exit((res, "return", value))
