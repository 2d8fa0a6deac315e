"""Regression tests for labrt.store bugs found by the chaos runs (issue 13)."""
import labrt
from labrt import store

NODES = ("a@h", "b@h", "c@h")


def run_on(world, node, fn, *args):
    rt = world[node]

    async def proc():
        value = fn(*args)
        return (await value) if hasattr(value, "__await__") else value
    pid = rt.spawn(proc)
    world.run()
    return rt.result(pid)


def put(k, v):
    return store.transaction(lambda: store.write(("kv", k, v)))


def test_a_master_restarting_copies_from_a_running_master_not_its_own_disk():
    """A master node that restarts while another master runs copies the table from it.

    The bug (chaos seed 3, majority mode): b had master nodes [b, c] set by the
    operator of an earlier split; b committed x=2 with c and crashed before its
    log reached its disk; at restart it loaded its own disk (x=1) because it was
    a master itself, although c was running with x=2, and then served the stale
    x=1 to transactions.  The old code fails the last assertion.
    """
    for majority in (True, False):
        world = labrt.World(seed=1, reports=None)
        store.cluster(world, NODES, sync_interval=None)
        world.run()

        async def create():
            return await store.create_table("kv", disc_copies=list(NODES), majority=majority)
        assert run_on(world, "a@h", create) == ("atomic", "ok")
        assert run_on(world, "b@h", store.set_master_nodes, "kv", ["b@h", "c@h"]) == "ok"
        assert run_on(world, "b@h", put, 1, "old") == ("atomic", "ok")
        run_on(world, "b@h", store.sync_log)
        assert run_on(world, "b@h", put, 1, "new") == ("atomic", "ok")   # not synced on b
        world.crash("b@h")
        world.run()
        world.restart("b@h")
        world.run()
        assert run_on(world, "b@h", store.wait_for_tables, ["kv"], 2.0) == "ok"

        async def read():
            return await store.transaction(lambda: store.read("kv", 1))
        assert run_on(world, "b@h", read) == ("atomic", [("kv", 1, "new")])


def test_a_master_alone_still_loads_its_own_disk():
    """With no other master running, a master node loads its own disk, as Mnesia does."""
    world = labrt.World(seed=1, reports=None)
    store.cluster(world, NODES[:2], sync_interval=None)
    world.run()

    async def create():
        return await store.create_table("kv", disc_copies=list(NODES[:2]))
    assert run_on(world, "a@h", create) == ("atomic", "ok")
    assert run_on(world, "b@h", store.set_master_nodes, "kv", ["b@h"]) == "ok"
    assert run_on(world, "b@h", put, 1, "mine") == ("atomic", "ok")
    run_on(world, "b@h", store.sync_log)
    world.crash("b@h")
    world.run()
    assert run_on(world, "a@h", put, 1, "a's") == ("atomic", "ok")
    world.restart("b@h")
    world.run()
    assert run_on(world, "b@h", store.wait_for_tables, ["kv"], 2.0) == "ok"
    assert run_on(world, "b@h", store.dirty_read, "kv", 1) == [("kv", 1, "mine")]
