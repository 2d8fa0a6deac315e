"""labrt.store: transactions, their error forms, locks, dirty operations, replication."""
import labrt
from labrt import store
from labrt.gen_server import Throw

NODES = ("a@h", "b@h", "c@h")


def start(nodes=NODES, seed=1, **opts):
    world = labrt.World(seed=seed, reports=None)
    store.cluster(world, nodes, **opts)
    world.run()
    return world


def run_on(world, node, fn, *args):
    rt = world[node]
    pid = rt.spawn(fn, *args)
    world.run()
    return rt.result(pid)


async def kv_table(**kw):
    kw.setdefault("disc_copies", list(NODES))
    return await store.create_table("kv", **kw)


def test_result_forms_are_mnesias():
    """atomic/aborted, abort, exit, exceptions, throw, no_exists, bad_type, already_exists."""
    async def main():
        out = [await kv_table(), await store.create_table("kv")]
        out.append(await store.transaction(lambda: store.write(("kv", 1, "a"))))
        out.append(await store.transaction(lambda: store.read("kv", 1)))
        out.append(await store.transaction(lambda: store.read("nosuch", 1)))
        out.append(await store.transaction(lambda: store.write(("nosuch", 1, "a"))))
        out.append(await store.transaction(lambda: store.write(("kv", 1))))
        out.append(await store.transaction(lambda: store.write(("other", 1, 2), table="kv")))
        out.append(await store.transaction(lambda: store.abort("why")))
        out.append(await store.transaction(lambda: labrt.exit("why")))

        def throws():
            raise Throw("why")
        out.append(await store.transaction(throws))
        r = await store.transaction(lambda: 1 / 0)
        out.append((r[0], type(r[1]).__name__))
        return out

    assert run_on(start(), "a@h", main) == [
        ("atomic", "ok"), ("aborted", ("already_exists", "kv")),
        ("atomic", "ok"), ("atomic", [("kv", 1, "a")]),
        ("aborted", ("no_exists", "nosuch")), ("aborted", ("no_exists", "nosuch")),
        ("aborted", ("bad_type", ("kv", 1))), ("aborted", ("bad_type", ("other", 1, 2))),
        ("aborted", "why"), ("aborted", "why"), ("aborted", ("throw", "why")),
        ("aborted", "ZeroDivisionError")]


def test_operations_outside_a_transaction_exit_no_transaction():
    """read/write outside a transaction exit the caller with ("aborted", "no_transaction")."""
    async def main():
        await kv_table()
        out = []
        for op in (lambda: store.read("kv", 1), lambda: store.write(("kv", 1, 2))):
            try:
                await op()
            except labrt.ProcessExit as e:
                out.append(e.reason)
        return out

    assert run_on(start(), "a@h", main) == [("aborted", "no_transaction")] * 2


def test_abort_rolls_back_every_write():
    """An aborted transaction leaves nothing behind, on any replica."""
    async def main():
        await kv_table()

        async def fn():
            await store.write(("kv", 1, "x"))
            await store.write(("kv", 2, "y"))
            store.abort("no")
        r = await store.transaction(fn)
        return r, await store.dirty_read("kv", 1), await store.dirty_read("kv", 2)

    world = start()
    assert run_on(world, "a@h", main) == (("aborted", "no"), [], [])
    assert run_on(world, "c@h", store.dirty_read, "kv", 1) == []


def test_set_bag_delete_index_match_select():
    """Bags keep distinct records per key; delete_object, index_read, match_object, select."""
    async def main():
        await store.create_table("b", type="bag", attributes=("k", "v"), index=("v",),
                                 ram_copies=["a@h", "b@h"])
        for rec in (("b", 1, "x"), ("b", 1, "y"), ("b", 1, "y"), ("b", 2, "y")):
            await store.dirty_write(rec)

        async def fn():
            out = [await store.read("b", 1), await store.index_read("b", "y", "v")]
            await store.delete_object(("b", 1, "x"))
            out.append(await store.read("b", 1))
            out.append(sorted(await store.match_object(("b", "_", "y"))))
            out.append(sorted(await store.select("b", [(("b", "$1", "$2"), [(">", "$1", 1)],
                                                        ["$2"])])))
            await store.delete("b", 2)
            out.append(await store.match_object(("b", 2, "_")))
            return out
        return await store.transaction(fn), await store.dirty_read("b", 1)

    assert run_on(start(), "b@h", main) == (
        ("atomic", [[("b", 1, "x"), ("b", 1, "y")], [("b", 1, "y"), ("b", 2, "y")],
                    [("b", 1, "y")], [("b", 1, "y"), ("b", 2, "y")], ["y"], []]),
        [("b", 1, "y")])


def test_nested_transactions():
    """A nested abort undoes only the nested writes; an outer abort undoes everything."""
    async def main():
        await kv_table()

        async def inner_aborts():
            async def inner():
                await store.write(("kv", 5, "n"))
                store.abort("inner")
            r = await store.transaction(inner)
            return r, await store.read("kv", 5)

        async def outer_aborts():
            await store.transaction(lambda: store.write(("kv", 7, "n")))
            store.abort("outer")
        return [await store.transaction(inner_aborts), await store.transaction(outer_aborts),
                await store.dirty_read("kv", 7)]

    assert run_on(start(), "a@h", main) == [
        ("atomic", (("aborted", "inner"), [])), ("aborted", "outer"), []]


def _contenders(retries, impure):
    """An old transaction holds a lock for 1 s; a younger one wants it."""
    async def main():
        await kv_table()
        me = labrt.self()

        async def old():
            async def fn():
                await store.write(("kv", 1, "old"))
                await labrt.sleep(1.0)
                return "old done"
            labrt.send(me, ("old", await store.transaction(fn)))
        labrt.spawn(old)
        await labrt.sleep(0.1)

        async def young():
            impure.append(labrt.now())          # a side effect: happens once per run
            await store.write(("kv", 1, "young"))
            return "young done"
        r = await store.transaction(young, retries=retries)
        got = await labrt.receive(lambda m: m[0] == "old")
        return r, got[1], await store.dirty_read("kv", 1)
    return main


def test_younger_transaction_dies_and_its_fn_runs_again():
    """Wait-die: the younger transaction is restarted, so fn (impure here) runs several times."""
    runs = []
    r, old, final = run_on(start(), "a@h", _contenders(None, runs))
    assert r == ("atomic", "young done") and old == ("atomic", "old done")
    assert final == [("kv", 1, "young")]
    assert len(runs) > 1                        # fn must be pure: its effect happened len(runs) times


def test_retry_limit_gives_nomore():
    """With retries=N fn runs at most N times, then ("aborted", "nomore") (as Mnesia's)."""
    for retries, max_runs in ((0, 1), (1, 1), (3, 3)):
        runs = []
        r, old, final = run_on(start(), "a@h", _contenders(retries, runs))
        assert r == ("aborted", "nomore") and old == ("atomic", "old done")
        assert len(runs) == max_runs and final == [("kv", 1, "old")]


def test_older_transaction_waits_for_younger():
    """Wait-die: an older transaction that conflicts waits; it is not restarted."""
    async def main():
        await kv_table()
        me = labrt.self()
        runs = []

        async def older():
            async def fn():
                runs.append(1)
                labrt.send(me, ("start young", labrt.self()))
                await labrt.receive("young has the lock")
                await store.write(("kv", 2, "older"))
                return len(runs)
            labrt.send(me, ("older", await store.transaction(fn)))

        labrt.spawn(older)
        _, pid = await labrt.receive(("start young", labrt.ANY))

        async def fn():
            await store.write(("kv", 2, "younger"))
            labrt.send(pid, "young has the lock")
            await labrt.sleep(0.5)
        young = await store.transaction(fn)
        got = await labrt.receive(lambda m: type(m) is tuple and m[0] == "older")
        return young, got[1], await store.dirty_read("kv", 2)

    assert run_on(start(), "a@h", main) == (
        ("atomic", None), ("atomic", 1), [("kv", 2, "older")])


def test_writes_reach_every_replica_and_reads_are_local():
    """A commit reaches every active replica; table_info names them; reads use the local copy."""
    async def main():
        await store.create_table("kv", disc_copies=["a@h"], ram_copies=["b@h"])
        await store.transaction(lambda: store.write(("kv", "k", 1)))
        return [store.table_info("kv", "disc_copies"), store.table_info("kv", "ram_copies"),
                store.table_info("kv", "where_to_write"), store.table_info("kv", "type")]

    world = start()
    assert run_on(world, "a@h", main) == [["a@h"], ["b@h"], ["a@h", "b@h"], "set"]
    assert world["b@h"].ext["labrt.store"].replicas["kv"].read("k") == [("kv", "k", 1)]
    assert run_on(world, "c@h", lambda: store.table_info("kv", "where_to_read")) == "a@h"
    assert run_on(world, "b@h", lambda: store.table_info("kv", "where_to_read")) == "b@h"


def test_add_table_copy_loads_the_records():
    """add_table_copy gives ("atomic", "ok"); the new copy holds the records already there."""
    async def main():
        await store.create_table("kv", ram_copies=["a@h"])
        await store.dirty_write(("kv", 1, "one"))
        r = await store.add_table_copy("kv", "c@h", "disc_copies")
        again = await store.add_table_copy("kv", "c@h", "disc_copies")
        return r, again

    world = start()
    assert run_on(world, "a@h", main) == (("atomic", "ok"),
                                          ("aborted", ("already_exists", "kv", "c@h")))

    async def on_c():
        return (await store.wait_for_tables(["kv"], 1.0), store.table_info("kv", "where_to_read"),
                await store.dirty_read("kv", 1))
    assert run_on(world, "c@h", on_c) == ("ok", "c@h", [("kv", 1, "one")])


def test_dirty_operations():
    """Dirty ops take no lock, are replicated, read remote when there is no local copy, exit on error."""
    async def main():
        await store.create_table("kv", ram_copies=["a@h", "b@h"])
        out = [await store.dirty_write(("kv", 1, "x"))]
        for op in (lambda: store.dirty_read("nosuch", 1), lambda: store.dirty_write(("kv", 1)),
                   lambda: store.dirty_write(("nosuch", 1, 2))):
            try:
                await op()
            except labrt.ProcessExit as e:
                out.append(e.reason)
        return out

    world = start()
    assert run_on(world, "a@h", main) == [
        "ok", ("aborted", ("no_exists", ["nosuch", 1])), ("aborted", ("bad_type", ("kv", 1))),
        ("aborted", ("no_exists", "nosuch"))]
    assert run_on(world, "b@h", store.dirty_read, "kv", 1) == [("kv", 1, "x")]
    assert run_on(world, "c@h", store.dirty_read, "kv", 1) == [("kv", 1, "x")]


def test_wait_for_tables_timeout_form():
    """wait_for_tables gives "ok", or ("timeout", [tables not loaded])."""
    async def main():
        await kv_table()
        return (await store.wait_for_tables(["kv"], 1.0),
                await store.wait_for_tables(["kv", "nosuch"], 1.0))

    assert run_on(start(), "a@h", main) == ("ok", ("timeout", ["nosuch"]))


def test_replica_dying_mid_commit_restarts_and_commits_on_the_rest():
    """A participant lost before it votes aborts that run ({bad_commit, N}); the rerun commits
    on the survivors, and the dead node gets the record when it restarts (Mnesia's sym_trans)."""
    world = start()
    run_on(world, "a@h", kv_table)
    world.slow("a@h", "b@h", 2.0)              # the prepare to b is slow
    runs = []

    async def writer():
        async def fn():
            runs.append(labrt.now())
            await store.write(("kv", "k", "v"))
        return await store.transaction(fn)

    rt = world["a@h"]
    pid = rt.spawn(writer)
    world.run_for(1.0)
    world.crash("b@h")                         # during the commit
    world.run()
    assert rt.result(pid) == ("atomic", None)
    assert len(runs) >= 1
    assert run_on(world, "c@h", store.dirty_read, "kv", "k") == [("kv", "k", "v")]
    world.slow("a@h", "b@h", None)
    world.restart("b@h")
    world.run()
    assert run_on(world, "b@h", store.dirty_read, "kv", "k") == [("kv", "k", "v")]
