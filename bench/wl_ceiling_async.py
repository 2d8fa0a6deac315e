"""The same minimal scheduler (bench/ceiling.py) driving `async def` processes.

labrt's API is `await receive()`, so a labrt process is a coroutine, not a bare
generator.  Awaiting an object adds one `__await__` frame per suspension; this
variant measures what that costs on the ceiling itself.  It is shown for
information and is not used by the targets.
"""
import time

from ceiling import Scheduler
from memory import HeapProbe


class _Receive:
    __slots__ = ()

    def __await__(self):
        return (yield)


receive = _Receive()


def pingpong(n):
    s = Scheduler()

    async def ponger():
        for _ in range(n):
            sender, i = await receive
            s.send(sender, i)

    async def pinger():
        me = s.self()
        peer = s.spawn(ponger)
        for i in range(n):
            s.send(peer, (me, i))
            await receive

    t0 = time.perf_counter()
    s.spawn(pinger)
    s.run()
    return time.perf_counter() - t0


def oneway(n):
    s = Scheduler()

    async def sender(dest):
        for i in range(n):
            s.send(dest, i)

    async def receiver():
        s.spawn(sender, s.self())
        for _ in range(n):
            await receive

    t0 = time.perf_counter()
    s.spawn(receiver)
    s.run()
    return time.perf_counter() - t0


def spawn_exit(n):
    s = Scheduler()
    left = [n]

    async def child(parent):
        left[0] -= 1
        if not left[0]:
            s.send(parent, "done")

    async def parent():
        me = s.self()
        for _ in range(n):
            s.spawn(child, me)
        await receive

    t0 = time.perf_counter()
    s.spawn(parent)
    s.run()
    return time.perf_counter() - t0


def idle_bytes(n):
    s = Scheduler()
    probe = HeapProbe()

    async def idle():
        await receive

    probe.start()
    pids = [s.spawn(idle) for _ in range(n)]
    s.run()
    used = probe.delta()
    probe.stop()
    for pid in pids:
        s.send(pid, "stop")
    s.run()
    return used / n
