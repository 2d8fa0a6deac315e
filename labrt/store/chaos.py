"""Chaos runs: a replicated key-value map under a seeded fault schedule, checked.

Design
------
Three nodes hold a ``kv`` table (disc copies everywhere), one client per
node runs transactions on it (put a fresh value, or get a key) and records
each one in a :class:`labrt.check.History`: invoke, then ok (atomic),
fail (aborted: nothing was committed) or, if the client's node crashed
under it, nothing (the operation stays open, which the checker treats as
unknown).  A :class:`labrt.dist.FaultSchedule` drawn from the seed
partitions the network and crashes nodes for a simulated hour.

Mnesia leaves the repair of a partition to an operator, and so does this
run: an *operator* process on a fourth node (outside the schema, never
partitioned) looks every few seconds for nodes that are up but not merged
(each side's ``running_db_nodes``), keeps the island that committed last
(``_islands``; on a tie the larger), names it as every node's master for
the table (decided again each round, so a choice made early in a split
does not linger), and restarts, one per round, a node outside it that is
connected to it again, which then loads the table from the island that was
kept.  This is what ``set_master_nodes`` plus a restart does by hand.

In Mnesia's default mode both islands accept writes, so the writes
acknowledged on the island that is restarted are lost and the checker
finds them (and, usually, a non-linearizable read).  With
``majority=True`` the minority refuses writes (and labrt's transactions
also refuse to read there), so nothing acknowledged is lost and the
history is linearizable.  Both outcomes are asserted in
``tests/test_store_chaos.py``; a chapter prints :func:`run`'s report.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import labrt
from labrt.check import History, KeyValue, check, lost_writes
from labrt.dist import FaultSchedule

from . import api, tx
from .server import SLOT

__all__ = ["ChaosResult", "run"]

NODES = ("n1@chaos", "n2@chaos", "n3@chaos")
OPS = "ops@chaos"


@dataclass
class ChaosResult:
    """What a chaos run recorded and what the checkers found."""
    majority: bool
    schedule: FaultSchedule
    history: History
    final: dict
    lost: list
    linear: object                 # labrt.check.Result
    restarts: list

    @property
    def acknowledged_writes(self) -> int:
        return sum(1 for op in self.history if op.f == "put" and op.status == "ok")

    def report(self) -> str:
        mode = "majority" if self.majority else "Mnesia's default"
        lines = [f"{mode} mode: {len(self.history)} operations, "
                 f"{self.acknowledged_writes} acknowledged writes, "
                 f"{len(self.schedule)} faults, {len(self.restarts)} operator restarts",
                 f"lost acknowledged writes: {len(self.lost)}"]
        for op in self.lost[:5]:
            lines.append(f"  {op.client} put{op.value} acknowledged at t={op.complete_time:.3f}")
        lines.append(self.linear.text() if not self.linear else self.linear.explain())
        return "\n".join(lines)


def run(majority=False, seed=1, duration=3600.0, every=60.0, keys=10, think=1.0,
        faults=("partition", "partition", "crash")) -> ChaosResult:
    """One seeded chaos run (see the module doc)."""
    world = labrt.World(seed=seed, reports=None)
    history = History()
    rng = random.Random(f"labrt.store.chaos:{seed}")
    stop = {"at": duration}

    async def client(node):
        await api.wait_for_tables(["kv"], None)
        name = f"{node.split('@')[0]}/{labrt.current_runtime().creation}"
        n = 0
        while labrt.now() < stop["at"]:
            k = rng.randrange(keys)
            if rng.random() < 0.5:
                n += 1
                v = f"{name}:{labrt.current_runtime().creation}:{n}"
                op = history.invoke(name, "put", [k, v], labrt.now())
                r = await tx.transaction(lambda: tx.write(("kv", k, v)))
                done = None
            else:
                op = history.invoke(name, "get", k, labrt.now())
                r = await tx.transaction(lambda: tx.read("kv", k))
                done = r[1][0][2] if r[0] == "atomic" and r[1] else None
            if r[0] == "atomic":
                history.ok(op, done, labrt.now())
            else:
                history.fail(op, r[1], labrt.now())
            await labrt.sleep(rng.uniform(0.5, 1.5) * think)

    def boot_for(name):
        async def boot():
            await api.start(sync_interval=1.0)
            labrt.spawn(client, name)
        return boot

    for n in NODES:
        world.node(n, boot=boot_for(n))
    api.create_schema(world, NODES)
    world.node(OPS)

    async def make_table():
        return await api.create_table("kv", disc_copies=list(NODES), majority=majority)
    world.run_for(1.5)
    pid = world[NODES[0]].spawn(make_table)
    world.run_for(0.5)
    assert world[NODES[0]].result(pid) == ("atomic", "ok")

    schedule = FaultSchedule.random(NODES, seed=seed, duration=duration - every, every=every,
                                    faults=faults, lasting=(2.0, every / 2),
                                    start=every / 2)
    world.apply(schedule)
    restarts = []

    dirty: dict = {}                     # node -> the island it must load from

    async def set_masters(node, masters):
        await labrt.rpc.call(node, api.set_master_nodes, "kv", masters)

    async def operator():
        while True:
            await labrt.sleep(5.0)
            for n in NODES:
                labrt.connect_node(n)
            await labrt.sleep(1.0)
            islands = _islands(world)
            if len(islands) > 1:
                # Decided again every round, so that a choice made while the
                # split was young (both sides' last commit the same) does not
                # linger as a stale master setting once one side commits.
                keep = islands[0]
                for n in NODES:        # what each node loads at its next start
                    if world.is_up(n):
                        if n in keep:
                            dirty.pop(n, None)
                        else:
                            dirty[n] = list(keep)
                        ns = world[n].ext.get(SLOT)
                        if ns is not None and ns.masters.get("kv") != list(keep):
                            await set_masters(n, list(keep))
            for n in NODES:
                # One node per round, marked to discard and connected to a node of
                # the island it must load from (restarting a node still cut off
                # achieves nothing).
                if n in dirty and world.is_up(n) and any(
                        m in world.connected(n) and world.is_up(m) for m in dirty[n]):
                    restarts.append((labrt.now(), n, dirty.pop(n)))
                    world.crash(n)
                    await labrt.sleep(0.5)
                    world.restart(n)
                    break
            if len(_islands(world)) == 1 and not dirty:
                for n in NODES:
                    ns = world[n].ext.get(SLOT) if world.is_up(n) else None
                    if ns is not None and ns.masters:
                        await set_masters(n, [])
    world[OPS].spawn(operator)
    world.run_until(duration)
    world.heal()
    world.run_until(duration + 40.0)
    for n in NODES:
        if not world.is_up(n):
            world.restart(n)
    world.run_until(duration + 120.0)

    # The final state is the kept island's: the one that committed last.
    ns = world[_islands(world)[0][0]].ext[SLOT]
    final = {r[1]: r[2] for r in ns.replicas["kv"].records()}
    lost = lost_writes(history, final)
    linear = check(history, KeyValue())
    return ChaosResult(majority, schedule, history, final, lost, linear, restarts)


def _islands(world):
    """Each up node's view of who runs with it, newest data first.

    "Newest" is the latest transaction applied on any node of the view (a
    transaction id starts with its virtual time): the island to keep is the
    one that committed last, which in majority mode is the majority; on a
    tie (a split so young that neither side has committed since) the larger
    island.  (Before, a tie went to the island of the first node, which
    could be a minority: the operator then named it as the master.)
    """
    out = []
    for n in NODES:
        ns = world[n].ext.get(SLOT) if world.is_up(n) else None
        if ns is None or not ns.booted:
            continue
        isl = sorted(m for m in ns.running if world.is_up(m))
        newest = max(world[m].ext[SLOT].last_commit for m in isl if SLOT in world[m].ext)
        if isl not in [i for _, _, i in out]:
            out.append((newest, NODES.index(isl[0]), isl))
    out.sort(key=lambda e: (-e[0][0], -len(e[2]), e[1]))
    return [isl for _, _, isl in out]
