"""Store benchmark (issue 13): a standalone script that prints its figures.

    .venv/bin/python bench/wl_store.py [--quick]

* transactions/s with 1, 2 and 3 replicas (simulated kernel, wall-clock time
  of ``n`` sequential write transactions from one client on the first node);
* dirty writes/s (one local RAM replica);
* recovery time of a node from a 100,000-record log: 100,000 dirty writes to
  a disc table with dumping off and the log synced, a crash, a restart, and
  the wall-clock time until the table is loaded again.
"""
from __future__ import annotations

import sys
import time

import labrt
from labrt import store


def _world(nodes, **opts):
    world = labrt.World(seed=1, reports=None, trace=False)
    store.cluster(world, nodes, **opts)
    world.run()
    return world


def _run(world, node, fn):
    rt = world[node]
    pid = rt.spawn(fn)
    world.run()
    return rt.result(pid)


def transactions_per_second(replicas: int, n: int) -> float:
    nodes = [f"n{i}@bench" for i in range(1, replicas + 1)]
    world = _world(nodes)
    _run(world, nodes[0], lambda: store.create_table("kv", ram_copies=nodes))

    async def client():
        t = time.perf_counter()
        for i in range(n):
            await store.transaction(lambda i=i: store.write(("kv", i % 100, i)))
        return time.perf_counter() - t
    return n / _run(world, nodes[0], client)


def dirty_writes_per_second(n: int) -> float:
    world = _world(["n1@bench"])
    _run(world, "n1@bench", lambda: store.create_table("kv"))

    async def client():
        t = time.perf_counter()
        for i in range(n):
            await store.dirty_write(("kv", i, i))
        return time.perf_counter() - t
    return n / _run(world, "n1@bench", client)


def recovery_seconds(records: int) -> tuple[float, int]:
    world = _world(["n1@bench"], dump_threshold=10 ** 9, sync_interval=None)
    _run(world, "n1@bench", lambda: store.create_table("kv", disc_copies=["n1@bench"]))

    async def fill():
        for i in range(records):
            await store.dirty_write(("kv", i, i))
        await store.sync_log()
    _run(world, "n1@bench", fill)
    world.crash("n1@bench")
    world.run()
    t = time.perf_counter()
    world.restart("n1@bench")
    world.run()
    took = time.perf_counter() - t
    size = _run(world, "n1@bench", lambda: store.table_info("kv", "size"))
    return took, size


def main(argv):
    quick = "--quick" in argv
    n = 300 if quick else 3000
    for r in (1, 2, 3):
        print(f"store transactions/s, {r} replica{'s' if r > 1 else ''}: "
              f"{transactions_per_second(r, n):,.0f}")
    print(f"store dirty writes/s (1 RAM replica): {dirty_writes_per_second(n * 3):,.0f}")
    recs = 10_000 if quick else 100_000
    took, size = recovery_seconds(recs)
    print(f"store recovery from a {recs:,}-record log: {took:.2f} s ({size:,} records loaded)")


if __name__ == "__main__":
    main(sys.argv[1:])
