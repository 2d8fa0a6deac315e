"""labrt.store on disk: the log, dumps, syncs, power cuts, recovery, catch-up, backups."""
import labrt
from labrt import store
from labrt.store import FileDisk, SimDisk

NODES = ("a@h", "b@h")


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


def keys(world, node, tab="kv"):
    async def read_all():
        return sorted(r[1] for r in await store.dirty_match_object((tab, "_", "_")))
    return run_on(world, node, read_all)


async def write_keys(ks, sync=False):
    for k in ks:
        op = store.sync_transaction if sync else store.transaction
        assert await op(lambda k=k: store.write(("kv", k, k))) == ("atomic", "ok")


def test_unsynced_commit_is_lost_in_a_power_cut():
    """A commit acknowledged but never synced is gone after a crash; a synced one is back."""
    world = start(sync_interval=None)
    run_on(world, "a@h", store.create_table, "kv", disc_copies=["a@h"])
    run_on(world, "a@h", write_keys, [1, 2])
    run_on(world, "a@h", store.sync_log)
    run_on(world, "a@h", write_keys, [3])                 # acknowledged, in the OS buffer
    assert SimDisk(world["a@h"].disk).unsynced("LATEST.LOG") == 1
    world.crash("a@h")
    world.run()
    world.restart("a@h")
    world.run()
    assert keys(world, "a@h") == [1, 2]
    stats = run_on(world, "a@h", store.system_info, "stats")
    assert stats["lost_in_power_cut"] == 1 and stats["replayed"] == 2


def test_sync_interval_writes_the_log_back():
    """With sync_interval the OS writes the log back: after that time, a crash loses nothing."""
    world = start(sync_interval=2.0)
    run_on(world, "a@h", store.create_table, "kv", disc_copies=["a@h"])
    run_on(world, "a@h", write_keys, [1])
    world.run_for(3.0)
    world.crash("a@h")
    world.run()
    world.restart("a@h")
    world.run()
    assert keys(world, "a@h") == [1]


def test_recovery_from_table_file_and_log():
    """After a dump the table file holds the first commits and the log the rest; both come back."""
    world = start(dump_threshold=3)
    run_on(world, "a@h", store.create_table, "kv", disc_copies=["a@h"])
    run_on(world, "a@h", write_keys, [1, 2, 3, 4, 5], True)
    disk = SimDisk(world["a@h"].disk)
    assert sorted(r[1] for r in disk.read("kv.DCD")) == [1, 2, 3]
    assert len(disk.read("LATEST.LOG")) == 2
    world.crash("a@h")
    world.run()
    world.restart("a@h")
    world.run()
    assert keys(world, "a@h") == [1, 2, 3, 4, 5]
    assert run_on(world, "a@h", store.system_info, "stats")["replayed"] == 2


def test_restarted_node_catches_up_from_a_live_replica():
    """Commits made while a replica was down reach it when it restarts (loaded from a live copy)."""
    world = start()
    run_on(world, "a@h", store.create_table, "kv", disc_copies=["a@h", "b@h"])
    run_on(world, "a@h", write_keys, [1])
    world.crash("b@h")
    world.run()
    run_on(world, "a@h", write_keys, [2, 3])
    assert run_on(world, "a@h", store.table_info, "kv", "where_to_write") == ["a@h"]
    world.restart("b@h")
    world.run()
    assert keys(world, "b@h") == [1, 2, 3]
    assert run_on(world, "a@h", store.table_info, "kv", "where_to_write") == ["a@h", "b@h"]
    run_on(world, "a@h", write_keys, [4])
    assert keys(world, "b@h") == [1, 2, 3, 4]


def _traffic(world, sync, acked):
    """A client on b writes keys 0, 1, 2 ... to a table whose only copy is on a."""
    async def client():
        k = 0
        while True:
            op = store.sync_transaction if sync else store.transaction
            r = await op(lambda k=k: store.write(("kv", k, k)), retries=1)
            if r == ("atomic", "ok"):
                acked.append(k)
            k += 1
            await labrt.sleep(0.05)
    return world["b@h"].spawn(client)


def test_crash_mid_traffic_every_synced_commit_is_back():
    """Kill the disc node mid-traffic: with sync_transaction every acknowledged write is back."""
    world = start(sync_interval=None, dump_threshold=10)
    run_on(world, "a@h", store.create_table, "kv", disc_copies=["a@h"])
    acked = []
    pid = _traffic(world, True, acked)
    world.run_for(5.0)
    world.crash("a@h")
    world.run_for(0.5)
    world["b@h"].exit(pid, "kill")
    world.restart("a@h")
    world.run()
    assert len(acked) > 50
    assert keys(world, "a@h") == sorted(acked)


def test_crash_mid_traffic_unsynced_acknowledged_writes_are_lost():
    """The same traffic with plain transactions and no write-back: acknowledged writes since
    the last dump are gone, and nothing that was not acknowledged appears."""
    world = start(sync_interval=None, dump_threshold=10)
    run_on(world, "a@h", store.create_table, "kv", disc_copies=["a@h"])
    acked = []
    pid = _traffic(world, False, acked)
    world.run_for(5.0)
    world.crash("a@h")
    world.run_for(0.5)
    world["b@h"].exit(pid, "kill")
    world.restart("a@h")
    world.run()
    back = keys(world, "a@h")
    lost = sorted(set(acked) - set(back))
    assert set(back) <= set(acked)
    assert 0 < len(lost) < 10                     # at most one dump's worth
    assert back == sorted(acked)[:len(back)]      # a prefix: the dumped commits


def test_backup_and_restore():
    """backup writes a checkpoint to the node's disk; restore puts those records back."""
    async def main():
        await store.create_table("kv", disc_copies=["a@h", "b@h"])
        await write_keys([1, 2])
        assert await store.backup("b1") == "ok"
        await write_keys([3])
        await store.transaction(lambda: store.delete("kv", 1))
        return await store.restore("b1")

    world = start()
    assert run_on(world, "a@h", main) == ("atomic", ["kv"])
    assert keys(world, "a@h") == [1, 2] and keys(world, "b@h") == [1, 2]
    assert run_on(world, "a@h", store.restore, "nope") == ("aborted", ("no_backup", "nope"))


def test_file_disk_append_sync_replace_and_torn_tail(tmp_path):
    """The real-time kernel's disk: appends, fsync, atomic replace; a torn last entry is ignored."""
    d = FileDisk(tmp_path / "node")
    d.append("LOG", ("commit", 1))
    assert d.unsynced("LOG") == 1
    d.sync("LOG")
    d.append("LOG", ("commit", 2))
    d.sync()
    assert d.read("LOG") == [("commit", 1), ("commit", 2)] and d.unsynced("LOG") == 0
    d.replace("kv.DCD", [("kv", 1, 1)])
    assert d.read("kv.DCD") == [("kv", 1, 1)] and d.names() == ["LOG", "kv.DCD"]
    d.close()
    with open(tmp_path / "node" / "LOG", "ab") as f:
        f.write(b"\x00\x00\x01\x00partial")          # a power cut in mid-append
    assert FileDisk(tmp_path / "node").read("LOG") == [("commit", 1), ("commit", 2)]
    d.delete("LOG")
    assert d.read("LOG") == []


def test_store_on_the_real_time_kernel_keeps_synced_commits_in_a_file(tmp_path):
    """On the trio kernel a single node's store logs to a FileDisk; a new runtime on the
    same directory rebuilds the table from the files."""
    disk_dir = tmp_path / "nonode"
    assert store.create_disk_schema(FileDisk(disk_dir), ["nonode@nohost"]) == "ok"

    async def first():
        assert await store.start(disk=FileDisk(disk_dir), sync_interval=None) == "ok"
        await store.create_table("kv", disc_copies=["nonode@nohost"])
        await store.sync_transaction(lambda: store.write(("kv", 1, "synced")))
        return await store.transaction(lambda: store.read("kv", 1))

    async def second():
        assert await store.start(disk=FileDisk(disk_dir)) == "ok"
        return (await store.wait_for_tables(["kv"], 1.0), await store.dirty_read("kv", 1),
                store.system_info("stats")["replayed"])

    assert labrt.run(first, kernel="trio", reports=None) == ("atomic", [("kv", 1, "synced")])
    assert labrt.run(second, kernel="trio", reports=None) == ("ok", [("kv", 1, "synced")], 1)


def test_a_node_that_caught_up_keeps_the_copy_on_its_own_disk():
    """Copied from a live replica, a disc copy is written to the node's disk: a power cut
    of both nodes afterwards loses nothing (chapter 8's report)."""
    world = start()
    run_on(world, "a@h", store.create_table, "kv", disc_copies=list(NODES))
    run_on(world, "a@h", write_keys, [1, 2, 3, 4, 5])
    world.crash("b@h")
    world.run()
    run_on(world, "a@h", write_keys, [6, 7, 8])
    world.restart("b@h")
    world.run()
    for n in NODES:
        run_on(world, n, store.sync_log)
    for n in NODES:
        world.crash(n)
    world.run()
    for n in NODES:
        world.restart(n)
    world.run()
    assert keys(world, "a@h") == keys(world, "b@h") == [1, 2, 3, 4, 5, 6, 7, 8]


def test_on_real_files_an_unsynced_commit_is_lost_in_a_power_cut(tmp_path):
    """trio kernel, FileDisk: a plain transaction acknowledged but not fsynced is gone after
    a power cut (lose_unsynced); the sync_transaction before it is not."""
    disk_dir = tmp_path / "nonode"
    assert store.create_disk_schema(FileDisk(disk_dir), ["nonode@nohost"]) == "ok"
    disks = []

    async def first():
        assert await store.start(disk=FileDisk(disk_dir), sync_interval=None) == "ok"
        disks.append(labrt.current_runtime().ext[store.server.SLOT].disk)   # the store's
        await store.create_table("kv", disc_copies=["nonode@nohost"])
        await store.sync_transaction(lambda: store.write(("kv", 1, "synced")))
        return await store.transaction(lambda: store.write(("kv", 2, "acknowledged")))

    async def second():
        assert await store.start(disk=FileDisk(disk_dir)) == "ok"
        await store.wait_for_tables(["kv"], 1.0)
        return (await store.dirty_read("kv", 1), await store.dirty_read("kv", 2))

    assert labrt.run(first, kernel="trio", reports=None) == ("atomic", "ok")
    assert disks[0].lose_unsynced() > 0
    assert labrt.run(second, kernel="trio", reports=None) == ([("kv", 1, "synced")], [])


def test_a_disc_only_table_on_real_files_is_read_from_its_file(tmp_path):
    """trio kernel, FileDisk: a disc-only table lives in kv.DAT, survives a power cut whole
    and is read from the file by the next runtime (which rebuilds nothing)."""
    disk_dir = tmp_path / "nonode"
    assert store.create_disk_schema(FileDisk(disk_dir), ["nonode@nohost"]) == "ok"
    disks = []

    async def first():
        assert await store.start(disk=FileDisk(disk_dir), sync_interval=None) == "ok"
        disks.append(labrt.current_runtime().ext[store.server.SLOT].disk)
        await store.create_table("kv", disc_only_copies=["nonode@nohost"])
        for k in range(30):
            await store.transaction(lambda: store.write(("kv", k % 10, k)))
        return await store.transaction(lambda: store.read("kv", 9))

    async def second():
        assert await store.start(disk=FileDisk(disk_dir)) == "ok"
        await store.wait_for_tables(["kv"], 1.0)
        return (await store.dirty_read("kv", 9), store.table_info("kv", "size"),
                store.system_info("stats")["replayed"])

    assert labrt.run(first, kernel="trio", reports=None) == ("atomic", [("kv", 9, 29)])
    assert disks[0].lose_unsynced() == 0
    assert (disk_dir / "kv.DAT").exists() and not FileDisk(disk_dir).read("LATEST.LOG")
    assert labrt.run(second, kernel="trio", reports=None) == ([("kv", 9, 29)], 10, 0)
