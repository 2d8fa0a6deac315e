"""The store scenarios on labrt, printed as beam_store.escript prints the BEAM's.

A scenario runs the same steps as its Erlang twin in ``beam_store.escript`` /
``store_scenarios.erl``, on a ``labrt.World`` with nodes ``a@localhost`` and
``b@localhost``, and returns the same terms; :func:`show` prints a term as
Erlang's ``~w`` does (a ``str`` is an atom, a tuple ``{...}``, a list
``[...]``), with a node name printed as its role (``a``, ``b``), a caught exit
as ``{'EXIT', Reason}`` and ``ZeroDivisionError`` as ``badarith`` (the
BEAM's ``{badarith, Stack}`` is printed without its stack on both sides).

    .venv/bin/python -m tests.differential_store.harness            # print labrt's lines
    .venv/bin/python -m tests.differential_store.harness --beam     # run the BEAM side
    .venv/bin/python -m tests.differential_store.harness --record   # re-record (2 runs agree)
"""
from __future__ import annotations

import functools
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import labrt
from labrt import store
from labrt.gen_server import Throw

HERE = Path(__file__).resolve().parent
RECORDED = HERE / "beam_expected.txt"
A, B = "a@localhost", "b@localhost"
_ATOM = re.compile(r"[a-z][A-Za-z0-9_@]*\Z")


def show(t) -> str:
    if isinstance(t, bool):
        return "true" if t else "false"
    if isinstance(t, str):
        t = {A: "a", B: "b"}.get(t, t)
        return t if _ATOM.match(t) else "'" + t.replace("'", "\\'") + "'"
    if isinstance(t, int):
        return str(t)
    if isinstance(t, tuple):
        return "{" + ",".join(show(x) for x in t) + "}"
    if isinstance(t, list):
        return "[" + ",".join(show(x) for x in t) + "]"
    if isinstance(t, ZeroDivisionError):
        return "badarith"
    raise TypeError(f"cannot show {t!r}")


def _world(nodes):
    world = labrt.World(seed=1, reports=None)
    store.cluster(world, nodes)
    world.run()
    return world


def _on(world, node, fn, *args):
    rt = world[node]

    async def proc():
        value = fn(*args)
        return (await value) if hasattr(value, "__await__") else value
    pid = rt.spawn(proc)
    world.run()
    return rt.result(pid)


async def _catch(fn):
    try:
        return await fn()
    except labrt.ProcessExit as e:
        return ("EXIT", e.reason)


async def forms():
    T = store.transaction
    assert await store.create_table("f", attributes=("k", "v")) == ("atomic", "ok")

    def throws():
        raise Throw("why")

    async def abort_after_write():
        await store.write(("f", 2, "b"))
        store.abort("why")

    async def nested():
        async def inner():
            await store.write(("f", 5, "n"))
            store.abort("inner")
        return (await store.transaction(inner), await store.read("f", 5))

    return [await store.create_table("f", attributes=("k", "v")),
            await T(lambda: store.write(("f", 1, "a"))),
            await T(lambda: store.read("f", 1)),
            await T(lambda: store.read("nosuch", 1)),
            await T(lambda: store.write(("nosuch", 1, "a"))),
            await T(lambda: store.write(("f", 1))),
            await T(abort_after_write),
            await T(lambda: store.read("f", 2)),
            await T(lambda: labrt.exit("why")),
            await T(throws),
            await T(lambda: 1 / 0),
            await _catch(lambda: store.read("f", 1)),
            await _catch(lambda: store.dirty_read("nosuch", 1)),
            await _catch(lambda: store.dirty_write(("nosuch", 1, 2))),
            await store.dirty_write(("f", 3, "c")),
            await store.dirty_read("f", 3),
            await T(nested)]


async def retries():
    await store.create_table("r", attributes=("k", "v"))
    me = labrt.self()

    async def old():
        async def fn():
            await store.write(("r", 1, "old"))
            await labrt.sleep(0.3)
            return "done"
        labrt.send(me, ("old", await store.transaction(fn)))

    labrt.spawn(old)
    await labrt.sleep(0.05)
    young = await store.transaction(lambda: store.write(("r", 1, "young")), retries=1)
    r1 = (await labrt.receive(("old", labrt.ANY)))[1]
    labrt.spawn(old)
    await labrt.sleep(0.05)
    young2 = await store.transaction(lambda: store.write(("r", 1, "young")))
    r2 = (await labrt.receive(("old", labrt.ANY)))[1]
    return [young, r1, young2, r2, await store.dirty_read("r", 1)]


def tw(k, v):
    return store.transaction(lambda: store.write(("kv", k, v)))


def read(k):
    return store.dirty_read("kv", k)


def run_labrt() -> list[str]:
    lines = []

    def out(name, terms):
        lines.append(f"=== {name}")
        lines.extend(show(t) for t in terms)

    world = _world([A])
    out("forms", _on(world, A, forms))
    out("retries", _on(world, A, retries))

    world = _world([A, B])
    c = _on(world, A, store.create_table, "kv", ("k", "v"), "set", (), (), [A, B])
    w = _on(world, A, tw, 1, "both")
    out("replication", [c, w, _on(world, B, read, 1),
                        _on(world, B, store.table_info, "kv", "disc_copies")])
    _on(world, A, labrt.disconnect_node, B)
    world.partition([A], [B])                  # stays cut until the "ping" below
    world.run_for(0.5)
    l1 = [_on(world, A, store.system_info, "running_db_nodes"),
          _on(world, B, store.system_info, "running_db_nodes"),
          _on(world, A, tw, 1, "from_a"), _on(world, B, tw, 1, "from_b"),
          _on(world, B, tw, 2, "only_b")]
    world.heal()
    _on(world, A, labrt.connect_node, B)       # net_adm:ping
    world.run_for(1.0)
    out("partition", l1 + [_on(world, A, store.system_info, "events"),
                           _on(world, B, store.system_info, "events"),
                           _on(world, A, store.system_info, "running_db_nodes"),
                           _on(world, A, read, 1), _on(world, B, read, 1)])
    _on(world, B, store.set_master_nodes, "kv", [A])
    for n in (A, B):
        _on(world, n, store.sync_log)          # mnesia:stop/0 closes its log properly
    world.crash(B)
    world.crash(A)
    world.run()
    world.restart(B)
    world.run()
    w1 = _on(world, B, store.wait_for_tables, ["kv"], 1.0)
    world.restart(A)
    world.run()
    w2 = _on(world, B, store.wait_for_tables, ["kv"], 5.0)
    out("master_nodes", [w1, w2, _on(world, B, read, 1), _on(world, B, read, 2),
                         _on(world, B, store.system_info, "running_db_nodes")])
    force_load_scenario(schema_scenarios(out), out)
    lines.append("=== end")
    return lines


async def _catch_read(tab, key):
    return await _catch(lambda: store.dirty_read(tab, key))


def schema_scenarios(out):
    """schema_ops, not_active and force_load (beam_store.escript's ``schema``)."""
    world = _world([A, B])
    on = functools.partial(_on, world)
    assert on(A, store.create_table, "t", ("k", "v"), "set", (), (), [A, B]) == ("atomic", "ok")
    on(A, store.dirty_write, ("t", 1, "x"))
    r1 = [on(A, store.delete_table, "nosuch"), on(A, store.delete_table, "schema"),
          on(A, store.del_table_copy, "nosuch", A),
          on(A, store.del_table_copy, "t", "c@localhost"),
          on(A, store.del_table_copy, "t", B),
          on(A, store.table_info, "t", "disc_copies"), on(B, store.table_info, "t", "disc_copies"),
          on(B, store.table_info, "t", "where_to_read"), on(B, store.dirty_read, "t", 1),
          on(A, store.del_table_copy, "t", B), on(A, store.del_table_copy, "t", A),
          "t" in on(A, store.system_info, "tables")]
    assert on(A, store.create_table, "u", ("k", "v"), "set", (), [A]) == ("atomic", "ok")
    on(A, store.dirty_write, ("u", 1, "x"))
    r2 = [on(A, store.delete_table, "u"), on(A, store.delete_table, "u"),
          on(A, store.transaction, lambda: store.read("u", 1)),
          on(A, _catch_read, "u", 1),
          on(A, store.create_table, "u", ("k", "v"), "set", (), [A]),
          on(A, store.table_info, "u", "size")]
    assert on(A, store.create_table, "w", ("k", "v"), "set", (), (), [A, B]) == ("atomic", "ok")
    out("schema_ops", r1 + r2)
    on(B, store.sync_log)                      # mnesia:stop/0 on b
    world.crash(B)
    world.run()
    out("not_active", [on(A, store.delete_table, "w"), on(A, store.del_table_copy, "w", A),
                       "w" in on(A, store.system_info, "tables")])
    world.restart(B)
    world.run()
    return world


def force_load_scenario(world, out):
    """b stops first, a writes and stops, b starts alone: tables wait; force_load_table."""
    on = functools.partial(_on, world)
    for name, kind in (("fl", "disc_copies"), ("fr", "ram_copies"), ("fo", "disc_only_copies")):
        make = functools.partial(store.create_table, name, ("k", "v"), **{kind: [A, B]})
        assert on(A, make) == ("atomic", "ok")
        on(A, store.dirty_write, (name, 1, "x"))
    for n in (B, A):                           # b stops first; a writes, then stops
        on(n, store.sync_log)
        world.crash(n)
        world.run()
        if n == B:
            on(A, store.dirty_write, ("fl", 2, "y"))
    world.restart(B)
    world.run()
    tabs = ["fl", "fr", "fo"]
    l1 = [on(B, store.wait_for_tables, tabs, 1.0), on(B, store.table_info, "fl", "where_to_read"),
          on(B, _catch_read, "fl", 1), on(B, store.transaction, lambda: store.read("fl", 1)),
          on(B, store.force_load_table, "nosuch"), on(B, store.force_load_table, "fl"),
          on(B, store.force_load_table, "fr"), on(B, store.wait_for_tables, tabs, 1.0),
          on(B, store.force_load_table, "fo"), on(B, store.wait_for_tables, tabs, 1.0),
          on(B, store.dirty_read, "fl", 1), on(B, store.dirty_read, "fl", 2),
          on(B, store.dirty_read, "fr", 1), on(B, store.dirty_read, "fo", 1),
          on(B, store.table_info, "fo", "storage_type"), on(B, store.dirty_write, ("fl", 3, "b"))]
    on(B, store.sync_log)
    world.restart(A)
    world.run()
    out("force_load", l1 + [on(A, store.wait_for_tables, ["fl", "fo"], 3.0),
                            on(A, store.dirty_read, "fl", 2), on(A, store.dirty_read, "fl", 3),
                            on(A, store.dirty_read, "fo", 1),
                            on(A, store.system_info, "running_db_nodes")])


def erl_available() -> bool:
    return shutil.which("escript") is not None and shutil.which("erl") is not None


def run_beam() -> list[str]:
    with tempfile.TemporaryDirectory(prefix="labrt-store-diff-") as d:
        out = subprocess.run(["escript", str(HERE / "beam_store.escript"), d],
                             capture_output=True, text=True, timeout=120)
    return [line for line in out.stdout.splitlines() if line]


def recorded() -> list[str]:
    return [line for line in RECORDED.read_text().splitlines() if line and line[0] != "%"]


if __name__ == "__main__":
    if "--record" in sys.argv:
        runs = [run_beam(), run_beam()]
        assert runs[0] == runs[1], "the BEAM's runs disagree; not recording"
        release = subprocess.run(["erl", "-noshell", "-eval",
                                  'io:format("~s",[erlang:system_info(otp_release)]),halt().'],
                                 capture_output=True, text=True).stdout
        RECORDED.write_text(
            f"% BEAM output of beam_store.escript (peers a, b with Mnesia), recorded on "
            f"Erlang/OTP {release}.\n% Re-record: .venv/bin/python -m "
            f"tests.differential_store.harness --record\n" + "\n".join(runs[0]) + "\n")
    else:
        print("\n".join(run_beam() if "--beam" in sys.argv else run_labrt()))
