"""labrt.store in a partition: Mnesia's default (both sides write, inconsistent_database,
no merge, master nodes at restart) and the opt-in majority mode."""
import labrt
from labrt import store

NODES = ("a@h", "b@h", "c@h")


def start(nodes=NODES, seed=1, **opts):
    world = labrt.World(seed=seed, reports=None)
    store.cluster(world, nodes, **opts)
    world.run()
    return world


def run_on(world, node, fn, *args, **kw):
    rt = world[node]

    async def proc():
        value = fn(*args, **kw)
        return (await value) if hasattr(value, "__await__") else value
    pid = rt.spawn(proc)
    world.run()
    return rt.result(pid)


def put(k, v):
    return store.transaction(lambda: store.write(("kv", k, v)))


def get(k):
    return store.dirty_read("kv", k)


def events(world, node):
    return run_on(world, node, store.system_info, "events")


def partitioned(nodes=("a@h", "b@h"), majority=False):
    world = start(nodes)
    run_on(world, nodes[0], store.create_table, "kv", disc_copies=list(nodes), majority=majority)
    run_on(world, nodes[0], put, 1, "both")
    world.partition([nodes[0]], list(nodes[1:]))
    world.run_for(10.0)                       # longer than the tick: both sides see nodedown
    return world


def test_default_mode_both_sides_accept_writes():
    """Each island keeps running alone: mnesia_down on both sides, writes accepted on both."""
    world = partitioned()
    assert events(world, "a@h") == [("mnesia_down", "b@h")]
    assert events(world, "b@h") == [("mnesia_down", "a@h")]
    assert run_on(world, "a@h", store.system_info, "running_db_nodes") == ["a@h"]
    assert run_on(world, "a@h", put, 1, "from_a") == ("atomic", "ok")
    assert run_on(world, "b@h", put, 1, "from_b") == ("atomic", "ok")
    assert run_on(world, "b@h", put, 2, "only_b") == ("atomic", "ok")


def test_reconnect_reports_inconsistent_database_and_does_not_merge():
    """On reconnect both sides get inconsistent_database, running_partitioned_network; no merge."""
    world = partitioned()
    run_on(world, "a@h", put, 1, "from_a")
    run_on(world, "b@h", put, 1, "from_b")
    world.heal()
    assert run_on(world, "a@h", labrt.connect_node, "b@h") is True
    world.run_for(1.0)
    assert events(world, "a@h")[-1] == ("inconsistent_database", "running_partitioned_network",
                                        "b@h")
    assert events(world, "b@h")[-1] == ("inconsistent_database", "running_partitioned_network",
                                        "a@h")
    assert run_on(world, "a@h", get, 1) == [("kv", 1, "from_a")]
    assert run_on(world, "b@h", get, 1) == [("kv", 1, "from_b")]
    assert run_on(world, "a@h", store.system_info, "running_db_nodes") == ["a@h"]
    run_on(world, "a@h", put, 3, "after")            # still split: b does not get it
    assert run_on(world, "b@h", get, 3) == []


def test_subscribers_get_system_events():
    """subscribe("system") delivers ("mnesia_system_event", event) messages."""
    world = start(("a@h", "b@h"))
    got = []

    async def listener():
        await store.subscribe("system")
        while True:
            got.append(await labrt.receive())
    world["a@h"].spawn(listener)
    world.run()
    world.partition(["a@h"], ["b@h"])
    world.run_for(10.0)
    assert got == [("mnesia_system_event", ("mnesia_down", "b@h"))]


def test_restarting_one_side_discards_its_writes():
    """Restarting a node of one side makes it load from the other, running side (as on OTP 25)."""
    world = partitioned()
    run_on(world, "a@h", put, 1, "from_a")
    run_on(world, "b@h", put, 2, "only_b")
    world.heal()
    world.crash("b@h")
    world.run()
    world.restart("b@h")
    world.run()
    assert run_on(world, "b@h", get, 1) == [("kv", 1, "from_a")]
    assert run_on(world, "b@h", get, 2) == []
    assert run_on(world, "a@h", store.system_info, "running_db_nodes") == ["a@h", "b@h"]


def test_master_nodes_decide_what_is_loaded_at_the_next_start():
    """After a split and a full restart, b loads from its master a; without one it loads its own."""
    for masters, expected in ((["a@h"], "from_a"), ([], "from_b")):
        world = partitioned()
        run_on(world, "a@h", put, 1, "from_a")
        run_on(world, "b@h", put, 1, "from_b")
        run_on(world, "a@h", store.sync_log)
        run_on(world, "b@h", store.sync_log)
        if masters:
            assert run_on(world, "b@h", store.set_master_nodes, "kv", masters) == "ok"
        world.heal()
        world.crash("a@h")
        world.crash("b@h")
        world.run()
        world.restart("b@h")
        world.run()
        waited = run_on(world, "b@h", store.wait_for_tables, ["kv"], 2.0)
        assert waited == (("timeout", ["kv"]) if masters else "ok")
        world.restart("a@h")
        world.run()
        assert run_on(world, "b@h", store.wait_for_tables, ["kv"], 2.0) == "ok"
        assert run_on(world, "b@h", get, 1) == [("kv", 1, expected)]


def test_majority_mode_minority_refuses_writes():
    """majority=True: the minority side's writes abort with no_majority; the majority commits."""
    world = partitioned(NODES, majority=True)
    assert run_on(world, "a@h", put, 1, "minority") == ("aborted", ("no_majority", "kv"))
    assert run_on(world, "b@h", put, 1, "majority") == ("atomic", "ok")
    assert run_on(world, "c@h", get, 1) == [("kv", 1, "majority")]
    assert run_on(world, "a@h", get, 1) == [("kv", 1, "both")]       # a dirty read is local
    async def read():
        return await store.transaction(lambda: store.read("kv", 1))
    assert run_on(world, "a@h", read) == ("aborted", ("no_majority", "kv"))
    assert run_on(world, "b@h", read) == ("atomic", [("kv", 1, "majority")])


def test_default_mode_with_three_nodes_the_minority_still_writes():
    """Without majority the same minority node commits, and its write is on no other replica."""
    world = partitioned(NODES)
    assert run_on(world, "a@h", put, 1, "minority") == ("atomic", "ok")
    assert run_on(world, "b@h", get, 1) == [("kv", 1, "both")]
