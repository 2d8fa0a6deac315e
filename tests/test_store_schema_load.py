"""labrt.store: a schema change under load (add_table_copy while transactions run), checked
with labrt.check: no acknowledged write lost, a linearizable history, no divergent replica."""
import random

import pytest

import labrt
from labrt import store
from labrt.check import History, KeyValue, check, divergent_replicas, lost_writes

NODES = ("a@h", "b@h", "c@h")


def run_under_load(seed, copy_type="disc_copies", majority=False, crash_source=False):
    """Clients on a and b put and get in transactions; mid-run c gets a copy of kv and a
    client of its own; optionally a (the first source) crashes just after the copy.
    Returns (history, replicas' final states, the add_table_copy result)."""
    world = labrt.World(seed=seed, reports=None)
    store.cluster(world, NODES, sync_interval=1.0)
    world.run()
    history = History()
    rng = random.Random(seed)
    stop_at = 40.0

    async def client(name):
        await store.wait_for_tables(["kv"], None)
        n = 0
        while labrt.now() < stop_at:
            k = rng.randrange(200)
            if rng.random() < 0.6:
                n += 1
                v = f"{name}:{n}"
                op = history.invoke(name, "put", [k, v], labrt.now())
                async def fn():                   # holds its lock a while: pure, slow
                    await store.write(("kv", k, v))
                    await labrt.sleep(0.02)
                r = await store.transaction(fn)
                got = None
            else:
                op = history.invoke(name, "get", k, labrt.now())
                r = await store.transaction(lambda: store.read("kv", k))
                got = r[1][0][2] if r[0] == "atomic" and r[1] else None
            if r[0] == "atomic":
                history.ok(op, got, labrt.now())
            else:
                history.fail(op, r[1], labrt.now())
            await labrt.sleep(rng.uniform(0.0, 0.1))

    async def setup():
        return await store.create_table("kv", disc_copies=["a@h", "b@h"], majority=majority)
    pid = world["a@h"].spawn(setup)
    world.run_for(0.5)
    assert world["a@h"].result(pid) == ("atomic", "ok")
    for n in ("a@h", "b@h"):
        world[n].spawn(client, n)
    result = {}

    async def grow():
        await labrt.sleep(20.0)                       # in the middle of the traffic
        result["add"] = await store.add_table_copy("kv", "c@h", copy_type)
        result["wait"] = await store.wait_for_tables(["kv"], 10.0)
        labrt.spawn(client, "c@h")
    world["c@h"].spawn(grow)
    if crash_source:
        world.run_until(20.5)
        world.crash("a@h")
    world.run_until(stop_at + 10.0)
    finals = {n: {r[1]: r[2] for r in world[n].ext[store.server.SLOT].replicas["kv"].records()}
              for n in NODES if world.is_up(n)}
    return history, finals, result


@pytest.mark.parametrize("seed", [1, 2])
def test_add_table_copy_under_load_loses_no_acknowledged_write(seed):
    """c's new copy, taken while a and b commit, has every acknowledged write; all agree."""
    history, finals, result = run_under_load(seed)
    assert result == {"add": ("atomic", "ok"), "wait": "ok"}
    acked = sum(1 for op in history if op.f == "put" and op.status == "ok")
    on_c = sum(1 for op in history if op.client == "c@h" and op.status == "ok")
    assert acked > 150 and on_c > 30
    assert divergent_replicas(finals) == {}
    assert lost_writes(history, finals["c@h"]) == []
    assert check(history, KeyValue()).linearizable


def test_add_a_disc_only_copy_under_load_then_lose_the_first_source():
    """A disc-only copy added under load, then a crashes: b and c still hold every acknowledged write."""
    history, finals, result = run_under_load(4, "disc_only_copies", crash_source=True)
    assert result == {"add": ("atomic", "ok"), "wait": "ok"}
    assert set(finals) == {"b@h", "c@h"}
    assert divergent_replicas(finals) == {}
    assert lost_writes(history, finals["c@h"]) == []
    assert check(history, KeyValue()).linearizable
