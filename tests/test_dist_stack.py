"""Running out of stack in the middle of a remote operation leaves the world whole.

The core's rule (see "Running out of stack" in labrt/kernel/process.py) covers the
network too: a process that hits the recursion limit inside a remote send,
spawn, link or monitor dies of its own RecursionError, and every node, every
channel and every other process is as if the operation had either happened
or not.
"""
import sys

import pytest

import labrt
from labrt import (
    Down, link, monitor, receive, register, self, send, spawn, spawn_link, spawn_monitor,
    trap_exit,
)


def _frames():
    f, n = sys._getframe(1), 0
    while f is not None:
        n, f = n + 1, f.f_back
    return n


async def _echo(main):
    trap_exit(True)
    register("echo", self())
    while True:
        send(main, ("echo", await receive()))


async def _idle():
    await receive("never sent")


OPS = {
    "send_pid": lambda c: send(c["peer"], "m"),
    "send_copy": lambda c: send(c["peer"], ["m"]),
    "send_name": lambda c: send(("echo", "b@h"), "m"),
    "spawn": lambda c: spawn(_idle, node="b@h"),
    "spawn_link": lambda c: spawn_link(_idle, node="b@h"),
    "spawn_monitor": lambda c: spawn_monitor(_idle, node="b@h"),
    "spawn_unreachable": lambda c: spawn_link(_idle, node="z@h"),
    "monitor": lambda c: monitor(c["peer"]),
    "monitor_name": lambda c: monitor(("echo", "b@h")),
    "link": lambda c: link(c["peer"]),
    "exit": lambda c: labrt.exit(c["peer"], "bye"),
    "monitor_node": lambda c: labrt.monitor_node("b@h", True),
}


def _whole(w):
    """What must hold between events: processes where their status says, wires well formed."""
    bad = []
    ready = {id(p) for p in w.kernel.ready}
    for rt in w.live_nodes():
        for p in rt.procs.values():
            if p.status == "runnable" and id(p) not in ready:
                bad.append(f"{p} is runnable but not queued")
            if p.status == "waiting" and p.waiting is None:
                bad.append(f"{p} waits for nothing")
    for conn in w.net.conns.values():
        for ch in conn.chans.values():
            q = list(ch.queue)
            while q:
                if not isinstance(q.pop(0), float):
                    bad.append("a wire entry does not start with its time")
                    break
                head = q.pop(0)
                if type(head) is not labrt.kernel.signals.Signal:
                    del q[:2]
    return bad


def _near_the_limit(op, gap):
    w = labrt.World(reports=None, trace=False)
    a, b = w.node("a@h"), w.node("b@h")

    async def worker(ctx):
        async def down(k):
            if k <= 0:
                return op(ctx)
            return await down(k - 1)
        await down(sys.getrecursionlimit() - _frames() - gap)
        await down(10 ** 6)

    async def main():
        me = self()
        peer = spawn(_echo, me, node="b@h")
        await labrt.sleep(0.1)
        _, ref = spawn_monitor(worker, {"peer": peer})
        d = await receive(lambda m: type(m) is Down and m.ref == ref)
        send(peer, "last")                        # the other node still answers
        while await receive() != ("echo", "last"):
            pass
        return type(d.reason).__name__

    pid = a.spawn(main)
    w.run_until(30)
    return a.finished.get(pid), _whole(w)


@pytest.mark.parametrize("name", sorted(OPS))
def test_out_of_stack_in_a_remote_operation(name):
    """A process out of stack inside a remote operation dies of RecursionError and the world stays whole."""
    limit = sys.getrecursionlimit()
    for gap in range(40):
        assert _near_the_limit(OPS[name], gap) == (("normal", "RecursionError"), []), f"gap {gap}"
        assert sys.getrecursionlimit() == limit
