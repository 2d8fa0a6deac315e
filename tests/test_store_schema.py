"""labrt.store schema changes: delete_table, del_table_copy, force_load_table (issue 13)."""
import labrt
from labrt import store

NODES = ("a@h", "b@h", "c@h")


def run_on(world, node, fn, *args, **kw):
    rt = world[node]

    async def proc():
        value = fn(*args, **kw)
        return (await value) if hasattr(value, "__await__") else value
    pid = rt.spawn(proc)
    world.run()
    return rt.result(pid)


def cluster(nodes=NODES, **opts):
    world = labrt.World(seed=1, reports=None)
    store.cluster(world, nodes, sync_interval=None, **opts)
    world.run()
    return world


def put(tab, k, v):
    return store.transaction(lambda: store.write((tab, k, v)))


def test_delete_table_removes_every_copy_and_its_files():
    """After delete_table no node knows the table, reads say no_exists, and the files are gone."""
    world = cluster()
    assert run_on(world, "a@h", store.create_table, "kv", disc_copies=list(NODES)) == ("atomic", "ok")
    assert run_on(world, "a@h", put, "kv", 1, "x") == ("atomic", "ok")
    run_on(world, "b@h", store.dump_log)
    assert "store/kv.DCD" in world["b@h"].disk
    assert run_on(world, "c@h", store.delete_table, "kv") == ("atomic", "ok")
    for n in NODES:
        assert "kv" not in run_on(world, n, store.system_info, "tables")
        assert run_on(world, n, store.transaction, lambda: store.read("kv", 1)) == \
            ("aborted", ("no_exists", "kv"))
        assert "store/kv.DCD" not in world[n].disk


def test_a_table_created_again_after_delete_does_not_replay_the_old_log():
    """The deleted table's log entries do not come back into a new table of the same name."""
    world = cluster(NODES[:1])
    a = "a@h"
    assert run_on(world, a, store.create_table, "kv", disc_copies=[a]) == ("atomic", "ok")
    assert run_on(world, a, put, "kv", 1, "old") == ("atomic", "ok")
    run_on(world, a, store.sync_log)
    assert run_on(world, a, store.delete_table, "kv") == ("atomic", "ok")
    assert run_on(world, a, store.create_table, "kv", disc_copies=[a]) == ("atomic", "ok")
    run_on(world, a, store.sync_log)
    world.crash(a)
    world.run()
    world.restart(a)
    world.run()
    assert run_on(world, a, store.wait_for_tables, ["kv"], 1.0) == "ok"
    assert run_on(world, a, store.dirty_read, "kv", 1) == []


def test_del_table_copy_moves_reads_and_writes_to_the_remaining_copies():
    """Once b's copy is deleted, b reads remotely and later writes no longer reach b's disk."""
    world = cluster()
    assert run_on(world, "a@h", store.create_table, "kv", disc_copies=list(NODES)) == ("atomic", "ok")
    assert run_on(world, "a@h", store.del_table_copy, "kv", "b@h") == ("atomic", "ok")
    assert run_on(world, "b@h", store.table_info, "kv", "disc_copies") == ["a@h", "c@h"]
    assert run_on(world, "b@h", put, "kv", 2, "y") == ("atomic", "ok")
    assert run_on(world, "b@h", store.table_info, "kv", "where_to_read") in ("a@h", "c@h")
    assert run_on(world, "b@h", store.dirty_read, "kv", 2) == [("kv", 2, "y")]
    assert "kv" not in world["b@h"].ext[store.server.SLOT].replicas
    assert run_on(world, "b@h", store.del_table_copy, "kv", "b@h") == \
        ("aborted", ("badarg", "kv", "unknown"))


def test_a_down_copy_holder_blocks_delete_table_and_del_table_copy():
    """With c down, deleting a table c holds aborts with not_active naming c, and changes nothing."""
    world = cluster()
    assert run_on(world, "a@h", store.create_table, "kv", disc_copies=list(NODES)) == ("atomic", "ok")
    world.crash("c@h")
    world.run()
    why = ("not_active", "All replicas on diskfull nodes are not active yet", "kv", ["c@h"])
    assert run_on(world, "a@h", store.delete_table, "kv") == ("aborted", why)
    assert run_on(world, "a@h", store.del_table_copy, "kv", "b@h") == ("aborted", why)
    assert run_on(world, "b@h", store.table_info, "kv", "disc_copies") == list(NODES)


def test_del_table_copy_of_the_last_copy_deletes_the_table():
    """The last replica's removal deletes the table, as Mnesia's make_del_table_copy does."""
    world = cluster(NODES[:2])
    assert run_on(world, "a@h", store.create_table, "kv", ram_copies=["b@h"]) == ("atomic", "ok")
    assert run_on(world, "a@h", store.del_table_copy, "kv", "b@h") == ("atomic", "ok")
    assert run_on(world, "a@h", store.system_info, "tables") == ["schema"]
    assert run_on(world, "a@h", store.del_table_copy, "kv", "b@h") == \
        ("aborted", ("no_exists", ("kv", "cstruct")))
