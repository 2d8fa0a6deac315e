"""``erpc.call``: like ``rpc.call``, but failures are raised, as OTP's erpc does.

``rpc.call`` turns every failure into a value (``("badrpc", ...)``); OTP 23's
``erpc`` raises instead, and keeps the class of what went wrong:

* the node cannot be reached, or the connection is lost: :class:`ErpcError`
  with ``reason == ("erpc", "noconnection")`` (Erlang ``error:{erpc,noconnection}``);
* no answer within ``timeout``: ``ErpcError`` with ``("erpc", "timeout")``;
* ``fn`` raised an exception: the same exception is raised in the caller;
* ``fn`` called ``exit(R)``: the caller gets ``ProcessExit(R)`` (Erlang's
  ``exit`` class), which ends it unless it catches it.

Built, like ``rpc``, from a monitored process spawned on the node.
"""
from __future__ import annotations

import inspect

import labrt
from labrt import TIMEOUT, Down, ProcessExit

__all__ = ["ErpcError", "call"]


class ErpcError(Exception):
    """An erpc call failed: ``reason`` is ``("erpc", "noconnection")`` or ``("erpc", "timeout")``."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


async def call(node: str, fn, *args, timeout=None):
    """``fn(*args)`` on ``node``: its value, or the failure raised (see the module)."""
    me = labrt.self()

    async def runner(caller, tag):
        try:
            value = fn(*args)
            if inspect.isawaitable(value):
                value = await value
        except ProcessExit as e:
            labrt.send(caller, (tag, "exit", e.reason))
            return
        except Exception as e:
            labrt.send(caller, (tag, "error", e))
            return
        labrt.send(caller, (tag, "ok", value))

    tag = labrt.make_ref()
    pid, ref = labrt.spawn_monitor(runner, me, tag, node=node)
    msg = await labrt.receive(
        lambda m: (type(m) is tuple and len(m) == 3 and m[0] == tag)
        or (type(m) is Down and m.ref == ref), timeout=timeout)
    if msg is TIMEOUT:
        labrt.demonitor(ref, flush=True)
        labrt.exit(pid, "kill")
        raise ErpcError(("erpc", "timeout"))
    if type(msg) is Down:
        if msg.reason == "noconnection":
            raise ErpcError(("erpc", "noconnection"))
        raise ProcessExit(msg.reason)         # killed before it could answer
    labrt.demonitor(ref, flush=True)
    _, kind, value = msg
    if kind == "ok":
        return value
    if kind == "exit":
        raise ProcessExit(value)
    raise value
