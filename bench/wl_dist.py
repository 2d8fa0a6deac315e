"""Workloads for labrt.dist: messages between simulated nodes, and a faulty hour.

Every function takes the size n and returns the measured value (seconds, or a
dict of seconds and memory); tracing is off, as in the core workloads.

- dist_oneway: a sender on node a sends n messages to a receiver on node b
  (one link, 1 ms latency); the receiver takes them one by one.  Compare with
  labrt-sim one-way (target: at least 0.5x).
- dist_pingpong: n round trips between a process on a and one on b.
- dist_hour: an n-node world (n = 100 in the full run) for a simulated hour
  under a seeded random fault schedule (a partition, one-way cut, crash and
  restart, slow or lossy link every 30 s).  Every node boots a registered
  server, a client that calls a random node's server every 10 s (with a
  timeout), and a monitor_nodes subscriber.  Value: wall seconds and the
  process's peak RSS (target: under 10 s).
"""
import random
import time

import labrt
from labrt import TIMEOUT, receive, register, self, send, sleep, spawn
from labrt.dist import FaultSchedule

from memory import peak_rss_bytes, rss_bytes


def _two_nodes():
    w = labrt.World(seed=1, trace=False, reports=None, latency=0.001)
    return w, w.node("a@h"), w.node("b@h")


def dist_oneway(n):
    w, a, b = _two_nodes()

    async def receiver():
        for _ in range(n):
            await receive()

    async def sender(dest):
        for i in range(n):
            send(dest, i)

    t0 = time.perf_counter()
    dest = b.spawn(receiver)
    a.spawn(sender, dest)
    w.run()
    return time.perf_counter() - t0


def dist_pingpong(n):
    w, a, b = _two_nodes()

    async def ponger():
        for _ in range(n):
            reply_to, i = await receive()
            send(reply_to, i)

    async def pinger(peer):
        me = labrt.self()
        for i in range(n):
            send(peer, (me, i))
            await receive()

    t0 = time.perf_counter()
    peer = b.spawn(ponger)
    a.spawn(pinger, peer)
    w.run()
    return time.perf_counter() - t0


def dist_hour(n, seconds=3600.0):
    names = [f"n{i}@sim" for i in range(n)]

    async def server():
        register("srv", self())
        while True:
            m = await receive()
            if type(m) is tuple and len(m) == 3:
                send(m[0], (m[1], "pong"))

    async def client():
        me = self()
        rng = random.Random(labrt.node())
        k = 0
        while True:
            await sleep(10.0)
            k += 1
            send(("srv", rng.choice(names)), (me, k, "ping"))
            while (m := await receive(timeout=2.0)) is not TIMEOUT and m[0] != k:
                pass

    async def watcher():
        labrt.monitor_nodes(True, nodedown_reason=True)
        while True:
            await receive()

    async def boot():
        spawn(server)
        spawn(client)
        spawn(watcher)

    base = rss_bytes()
    t0 = time.perf_counter()
    w = labrt.World(seed=1, trace=False, reports=None, latency=0.005, tick=4.0)
    for name in names:
        w.node(name, boot=boot)
    w.apply(FaultSchedule.random(names, seed=1, duration=seconds, every=30.0,
                                 faults=("partition", "oneway", "crash", "slow", "drop"),
                                 lasting=(2.0, 15.0)))
    w.run_until(seconds)
    return {"seconds": time.perf_counter() - t0, "peak_rss": peak_rss_bytes(),
            "base_rss": base}
