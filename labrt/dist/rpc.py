"""``rpc.call``: run a function on another node and wait for its value.

Built from the public primitives, as OTP builds ``rpc`` on processes: a
monitored process is spawned on the node, runs ``fn(*args)`` and sends the
value back; the caller waits for that reply or the monitor's DOWN.  Like
``rpc:call``, failures are values, never exits of the caller::

    ("badrpc", "nodedown")          the node is down or cannot be reached
    ("badrpc", "timeout")           no answer within ``timeout`` seconds
    ("badrpc", ("EXIT", reason))    fn crashed or exited with reason
"""
from __future__ import annotations

import inspect

import labrt
from labrt import TIMEOUT, Down, ProcessExit

__all__ = ["call"]


async def call(node: str, fn, *args, timeout=None):
    """``fn(*args)`` on ``node``: its value, or ``("badrpc", reason)``."""
    me = labrt.self()

    async def runner(caller, tag):
        value = fn(*args)
        if inspect.isawaitable(value):
            value = await value
        labrt.send(caller, (tag, value))

    tag = labrt.make_ref()
    pid, ref = labrt.spawn_monitor(runner, me, tag, node=node)
    msg = await labrt.receive(
        lambda m: (type(m) is tuple and len(m) == 2 and m[0] == tag)
        or (type(m) is Down and m.ref == ref), timeout=timeout)
    if msg is TIMEOUT:
        labrt.demonitor(ref, flush=True)
        labrt.exit(pid, "kill")
        return ("badrpc", "timeout")
    if type(msg) is tuple:
        labrt.demonitor(ref, flush=True)
        return msg[1]
    if msg.reason == "noconnection":
        return ("badrpc", "nodedown")
    reason = msg.reason
    if isinstance(reason, ProcessExit):
        reason = reason.reason
    return ("badrpc", ("EXIT", reason))
