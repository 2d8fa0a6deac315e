"""Workloads on labrt, written against its public API (notes/labrt-api.md).

Every function takes the kernel name ("sim" or "trio") and runs with tracing off.
Processes use plain `receive()` (no clauses), like the baselines.
"""
import time

import labrt
from labrt import receive, send, sleep, spawn

from memory import HeapProbe, peak_rss_bytes, rss_bytes


def _run(main, kernel, *args):
    return labrt.run(main, *args, kernel=kernel, trace=False)


def pingpong(n, kernel):
    async def ponger():
        for _ in range(n):
            reply_to, i = await receive()
            send(reply_to, i)

    async def main():
        me = labrt.self()
        peer = spawn(ponger)
        for i in range(n):
            send(peer, (me, i))
            await receive()

    t0 = time.perf_counter()
    _run(main, kernel)
    return time.perf_counter() - t0


def oneway(n, kernel):
    async def sender(dest):
        for i in range(n):
            send(dest, i)

    async def main():
        spawn(sender, labrt.self())
        for _ in range(n):
            await receive()

    t0 = time.perf_counter()
    _run(main, kernel)
    return time.perf_counter() - t0


def spawn_exit(n, kernel):
    left = [n]

    async def child(parent):
        left[0] -= 1
        if not left[0]:
            send(parent, "done")

    async def main():
        me = labrt.self()
        for _ in range(n):
            spawn(child, me)
        await receive()

    t0 = time.perf_counter()
    _run(main, kernel)
    return time.perf_counter() - t0


async def _idle():
    await receive()


async def _settle(kernel):
    """Let every spawned process run up to its receive."""
    # On the sim kernel a sleep fires only once nothing else is runnable; on
    # trio a few short real sleeps give the scheduler the same chance.
    for _ in range(1 if kernel == "sim" else 5):
        await sleep(0.01)


def idle_bytes(n, kernel):
    probe = HeapProbe()

    async def main():
        probe.start()
        pids = [spawn(_idle) for _ in range(n)]
        await _settle(kernel)
        used = probe.delta()
        probe.stop()
        for pid in pids:
            send(pid, "stop")
        return used / n

    return _run(main, kernel)


def million(n, kernel, report):
    """Spawn n idle processes; time until all block, and the peak RSS.

    Meant to run alone in a fresh subprocess so that RSS is clean.  Calls
    report(seconds, peak RSS bytes, RSS bytes before spawning) from inside the
    runtime, while the n processes are alive; report is expected to end the
    interpreter (tearing down a million processes is not what we measure).
    """
    async def main():
        base = rss_bytes()
        t0 = time.perf_counter()
        for _ in range(n):
            spawn(_idle)
        await _settle(kernel)
        report(time.perf_counter() - t0, peak_rss_bytes(), base)

    _run(main, kernel)


def idle_hour(n, kernel):
    """n mostly idle processes for one simulated hour; wall seconds it takes.

    Each process wakes once a minute (a receive timeout) and pings a random
    peer now and then, like the idle workers of a quiet service.
    """
    async def worker(i):
        peers = None
        while True:
            msg = await receive(timeout=60.0)
            if msg == "stop":
                return
            if type(msg) is tuple:
                peers = msg
            elif msg is labrt.TIMEOUT and peers and i % 10 == 0:
                send(peers[(i * 7 + int(labrt.now())) % len(peers)], "ping")

    async def main():
        t0 = time.perf_counter()
        pids = tuple(spawn(worker, i) for i in range(n))
        for pid in pids:
            send(pid, pids)
        await sleep(3600.0)
        elapsed = time.perf_counter() - t0
        for pid in pids:
            send(pid, "stop")
        return elapsed

    if kernel != "sim":
        raise ValueError("a simulated hour needs the simulated kernel")
    return _run(main, kernel)
