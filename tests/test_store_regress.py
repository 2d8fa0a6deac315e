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


def _split_then_restart_the_third(masters=None):
    """a, b, c hold a majority table; b crashes; a | c split and heal without a merge;
    b restarts, connected to both islands (chaos seed 11)."""
    world = labrt.World(seed=1, reports=None)
    store.cluster(world, NODES, sync_interval=None)
    world.run()

    async def create():
        return await store.create_table("kv", disc_copies=list(NODES), majority=True)
    assert run_on(world, "a@h", create) == ("atomic", "ok")
    assert run_on(world, "a@h", put, 1, "first") == ("atomic", "ok")
    if masters is not None:
        assert run_on(world, "b@h", store.set_master_nodes, "kv", masters) == "ok"
    for n in NODES:
        run_on(world, n, store.sync_log)
    world.crash("b@h")
    world.run_for(10.0)
    world.partition(["a@h"], ["c@h"])
    world.run_for(10.0)                        # a and c log each other down
    world.heal()
    run_on(world, "a@h", labrt.connect_node, "c@h")
    world.run_for(1.0)
    assert run_on(world, "a@h", store.system_info, "running_db_nodes") == ["a@h"]
    world.restart("b@h")
    world.run_for(5.0)
    return world


def test_a_restarting_node_joins_one_island_so_only_one_side_has_a_majority():
    """A node that restarts between two unmerged islands is counted by one of them only.

    The bug (chaos seed 11, majority mode): b joined both a's and c's island, both
    counted it towards the table's majority, and both sides committed a write to
    the same key; the old code gives ("atomic", "ok") on both sides.
    """
    world = _split_then_restart_the_third()
    views = [run_on(world, n, store.system_info, "running_db_nodes") for n in NODES]
    assert views[1] in (["a@h", "b@h"], ["b@h", "c@h"])      # b: one island
    assert views[0] != views[2] and "b@h" not in set(views[0]) & set(views[2])
    got = [run_on(world, n, put, 1, n) for n in ("a@h", "c@h")]
    assert sorted(r[0] for r in got) == ["aborted", "atomic"], got
    assert ("aborted", ("no_majority", "kv")) in got


def test_a_restarting_node_named_masters_on_both_islands_loads_the_newer_one():
    """With masters on both islands, b joins the island that committed last and reads its data.

    c's island (b, c) commits x=new after a was cut off; the old code let b load a's
    stale copy (the first running master in sorted order) and serve x=first.
    """
    world = labrt.World(seed=1, reports=None)
    store.cluster(world, NODES, sync_interval=None)
    world.run()

    async def create():
        return await store.create_table("kv", disc_copies=list(NODES), majority=True)
    assert run_on(world, "a@h", create) == ("atomic", "ok")
    assert run_on(world, "a@h", put, 1, "first") == ("atomic", "ok")
    assert run_on(world, "b@h", store.set_master_nodes, "kv", list(NODES)) == "ok"
    world.partition(["a@h"], ["b@h", "c@h"])
    world.run_for(10.0)
    assert run_on(world, "c@h", put, 1, "new") == ("atomic", "ok")
    for n in NODES:
        run_on(world, n, store.sync_log)
    world.heal()
    run_on(world, "a@h", labrt.connect_node, "c@h")
    world.run_for(1.0)
    world.crash("b@h")                          # islands {a} and {c} now
    world.run_for(10.0)
    world.restart("b@h")
    world.run_for(5.0)

    async def read():
        return await store.transaction(lambda: store.read("kv", 1))
    assert run_on(world, "b@h", store.system_info, "running_db_nodes") == ["b@h", "c@h"]
    assert run_on(world, "b@h", read) == ("atomic", [("kv", 1, "new")])
    assert run_on(world, "a@h", read) == ("aborted", ("no_majority", "kv"))
