"""Workloads on the minimal generator scheduler (bench/ceiling.py)."""
import time

from ceiling import Scheduler
from memory import HeapProbe


def pingpong(n):
    s = Scheduler()

    def ponger():
        for _ in range(n):
            sender, i = yield
            s.send(sender, i)

    def pinger():
        me = s.self()
        peer = s.spawn(ponger)
        for i in range(n):
            s.send(peer, (me, i))
            yield

    t0 = time.perf_counter()
    s.spawn(pinger)
    s.run()
    return time.perf_counter() - t0


def oneway(n):
    s = Scheduler()

    def sender(dest):
        for i in range(n):
            s.send(dest, i)
        return
        yield

    def receiver():
        s.spawn(sender, s.self())
        for _ in range(n):
            yield

    t0 = time.perf_counter()
    s.spawn(receiver)
    s.run()
    return time.perf_counter() - t0


def spawn_exit(n):
    s = Scheduler()
    left = [n]

    def child(parent):
        left[0] -= 1
        if not left[0]:
            s.send(parent, "done")
        return
        yield

    def parent():
        me = s.self()
        for _ in range(n):
            s.spawn(child, me)
        yield

    t0 = time.perf_counter()
    s.spawn(parent)
    s.run()
    return time.perf_counter() - t0


def idle_bytes(n):
    s = Scheduler()
    probe = HeapProbe()

    def idle():
        yield

    probe.start()
    pids = [s.spawn(idle) for _ in range(n)]
    s.run()                                   # every process now blocks in receive
    used = probe.delta()
    probe.stop()
    for pid in pids:
        s.send(pid, "stop")
    s.run()
    return used / n
