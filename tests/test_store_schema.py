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


def test_a_disc_only_copy_keeps_no_records_in_ram_and_reads_its_file():
    """A disc_only_copies table's reads go to its file: a change made to the file is what is read."""
    world = cluster(NODES[:1])
    a = "a@h"
    assert run_on(world, a, store.create_table, "big", disc_only_copies=[a]) == ("atomic", "ok")
    assert run_on(world, a, put, "big", 1, "x") == ("atomic", "ok")
    r = world[a].ext[store.server.SLOT].replicas["big"]
    assert not hasattr(r, "data")                        # no records in RAM
    before = r.reads
    assert run_on(world, a, store.transaction, lambda: store.read("big", 1)) == \
        ("atomic", [("big", 1, "x")])
    assert r.reads > before
    world[a].disk["store/big.DAT"].entries.append(("write", ("big", 1, "edited")))
    assert run_on(world, a, store.dirty_read, "big", 1) == [("big", 1, "edited")]
    assert run_on(world, a, store.table_info, "big", "storage_type") == "disc_only_copies"
    assert "store/LATEST.LOG" not in world[a].disk or not world[a].disk["store/LATEST.LOG"].entries


def test_a_disc_only_table_survives_a_power_cut_without_a_log():
    """A commit to a disc-only copy is in its file at once: a crash right after loses nothing."""
    world = cluster(NODES[:1])
    a = "a@h"
    assert run_on(world, a, store.create_table, "big", disc_only_copies=[a],
                  type="bag") == ("atomic", "ok")
    for v in range(40):                                  # past the rewrite threshold
        assert run_on(world, a, put, "big", v % 3, v) == ("atomic", "ok")
    assert run_on(world, a, store.dirty_delete, "big", 2) == "ok"
    world.crash(a)
    world.run()
    world.restart(a)
    world.run()
    assert run_on(world, a, store.wait_for_tables, ["big"], 1.0) == "ok"
    assert run_on(world, a, store.table_info, "big", "size") == 27
    assert len(world[a].disk["store/big.DAT"].entries) <= 2 * 27 + 1


def test_add_and_delete_a_disc_only_copy_on_another_node():
    """add_table_copy(..., "disc_only_copies") loads the table into b's file; del_table_copy removes it."""
    world = cluster(NODES[:2])
    assert run_on(world, "a@h", store.create_table, "kv", disc_copies=["a@h"]) == ("atomic", "ok")
    assert run_on(world, "a@h", put, "kv", 1, "x") == ("atomic", "ok")
    assert run_on(world, "a@h", store.add_table_copy, "kv", "b@h", "disc_only_copies") == \
        ("atomic", "ok")
    assert run_on(world, "b@h", store.wait_for_tables, ["kv"], 1.0) == "ok"
    assert world["b@h"].disk["store/kv.DAT"].entries == [("write", ("kv", 1, "x"))]
    assert run_on(world, "a@h", put, "kv", 2, "y") == ("atomic", "ok")
    assert run_on(world, "b@h", store.dirty_read, "kv", 2) == [("kv", 2, "y")]
    assert run_on(world, "a@h", store.del_table_copy, "kv", "b@h") == ("atomic", "ok")
    assert "store/kv.DAT" not in world["b@h"].disk


def _both_down(first, last):
    """a and b hold kv on disc; ``first`` stops, ``last`` writes x=2 and stops."""
    world = cluster(NODES[:2])
    assert run_on(world, "a@h", store.create_table, "kv",
                  disc_copies=["a@h", "b@h"]) == ("atomic", "ok")
    assert run_on(world, "a@h", put, "kv", 1, "x") == ("atomic", "ok")
    for n in (first, last):
        run_on(world, n, store.sync_log)
        world.crash(n)
        world.run()
        if n == first:
            assert run_on(world, last, put, "kv", 2, "y") == ("atomic", "ok")
    return world


def test_a_disc_copy_waits_for_the_node_that_went_down_last():
    """Started alone, the node that went down first waits (its copy is older); the other loads."""
    world = _both_down("b@h", "a@h")
    world.restart("b@h")
    world.run()
    assert run_on(world, "b@h", store.wait_for_tables, ["kv"], 1.0) == ("timeout", ["kv"])
    world.restart("a@h")
    world.run()
    assert run_on(world, "b@h", store.wait_for_tables, ["kv"], 1.0) == "ok"
    assert run_on(world, "b@h", store.dirty_read, "kv", 2) == [("kv", 2, "y")]


def test_force_load_table_loads_the_older_local_copy():
    """force_load_table gives up waiting: b serves its own older copy, and a later copies it."""
    world = _both_down("b@h", "a@h")
    world.restart("b@h")
    world.run()
    assert run_on(world, "b@h", store.force_load_table, "kv") == "yes"
    assert run_on(world, "b@h", store.dirty_read, "kv", 2) == []
    assert run_on(world, "b@h", store.force_load_table, "kv") == "yes"
    world.restart("a@h")
    world.run()
    assert run_on(world, "a@h", store.wait_for_tables, ["kv"], 1.0) == "ok"
    assert run_on(world, "a@h", store.dirty_read, "kv", 2) == []     # as Mnesia: a copies b


def test_two_copies_that_went_down_together_load_once_both_are_back():
    """Neither logged the other down (a crash of both): when both are up the smaller one loads."""
    world = cluster(NODES[:2])
    assert run_on(world, "a@h", store.create_table, "kv",
                  disc_copies=["a@h", "b@h"]) == ("atomic", "ok")
    assert run_on(world, "a@h", put, "kv", 1, "x") == ("atomic", "ok")
    for n in ("a@h", "b@h"):
        run_on(world, n, store.sync_log)
    world.crash("a@h")
    world.crash("b@h")
    world.run()
    world.restart("b@h")
    world.run()
    assert run_on(world, "b@h", store.wait_for_tables, ["kv"], 1.0) == ("timeout", ["kv"])
    world.restart("a@h")
    world.run()
    for n in ("a@h", "b@h"):
        assert run_on(world, n, store.wait_for_tables, ["kv"], 1.0) == "ok"
        assert run_on(world, n, store.dirty_read, "kv", 1) == [("kv", 1, "x")]
