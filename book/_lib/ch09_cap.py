"""Chapter 9's workload: one register, three nodes, two sites, one partition.

Design
------
The chapter asks one question twice: what does a replicated table answer
while the network between two sites is cut?  To make the two answers
comparable, everything but the table's mode is fixed here: the nodes
(``a@site1`` alone on one site, ``b@site2`` and ``c@site2`` on the other),
the clients (one per node, a write then a read every ``period`` seconds, each
a transaction on the local node, as a shop's front end would do), the seed
and the fault schedule.  ``run(majority)`` builds a fresh World with a
``labrt.store`` cluster, creates the table ``acct`` with a disc copy on every
node (``majority=`` the mode under test), runs the clients and the schedule,
and hands back a :class:`Run`: the recorded history (``labrt.check``), what
each operation got, the store's system events per node and what each
replica holds at the end.

A write stores a new value under one key: ``"a3"`` is the third write of the
client on ``a@site1``, so every value is distinct and the checker can tell
which write a read saw.  An aborted transaction (``no_majority``) certainly
did not happen and is recorded as ``fail``.  Nothing is recorded as unknown:
a transaction on labrt.store always returns, once the store has noticed that
the other side is gone (after the world's ``tick``).

After the schedule's heal an operator on ``a@site1`` calls ``connect_node``
on the other two, as a person or a monitoring job would; in Erlang nothing
reconnects nodes that are not talking to each other.  That contact is where
Mnesia reports ``inconsistent_database``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import labrt
from labrt import check, store
from labrt.dist import FaultSchedule, Heal, Partition, World

SITE1 = ("a@site1",)
SITE2 = ("b@site2", "c@site2")
NODES = SITE1 + SITE2
KEY = "limit"


def schedule(cut=10.0, heal=25.0):
    """The chapter's schedule: site 1 cut off from site 2 at ``cut``, healed at ``heal``."""
    return FaultSchedule([(cut, Partition(list(SITE1), list(SITE2))), (heal, Heal())])


@dataclass
class Run:
    majority: bool
    history: check.History
    outcomes: list = field(default_factory=list)   # (node, f, value, start, end, status, result)
    events: dict = field(default_factory=dict)     # node -> store system events
    final: dict = field(default_factory=dict)      # node -> value held by its replica
    cut: float = 0.0
    before_restart: object = None
    restarted: float | None = None
    split: bool = False
    heal: float = 0.0

    def tally(self, during=True):
        """{node: (ok, refused)} for operations started inside (or outside) the cut."""
        out = {n: [0, 0] for n in NODES}
        for node, _f, _v, start, _end, status, _r in self.outcomes:
            inside = self.cut <= start < self.heal
            if inside == during:
                out[node][0 if status == "ok" else 1] += 1
        return {n: tuple(v) for n, v in out.items()}

    def slowest(self):
        """The longest time any client waited for an answer (seconds)."""
        return max(end - start for *_x, start, end, _s, _r in self.outcomes)

    def verdict(self):
        return check.check(self.history, check.Register(0))

    def counts(self):
        """Lost writes (against the value most replicas hold), stale reads, divergent keys."""
        values = sorted(self.final.values(), key=lambda v: list(self.final.values()).count(v))
        return {
            "lost": len(check.lost_writes(self.history, values[-1])),
            "stale": len(check.stale_reads(self.history)),
            "divergent": len(check.divergent_replicas(
                {n: {KEY: v} for n, v in self.final.items()})),
        }


    def dropped(self):
        """Writes acknowledged on site 1 during the cut that no site 2 client ever read,
        when site 1's node was restarted (its copy replaced by site 2's)."""
        if self.restarted is None:
            return 0
        seen = {res for node, f, _v, _s, _e, st, res in self.outcomes
                if f == "read" and node in SITE2 and st == "ok"}
        return sum(1 for node, f, v, start, _e, st, _r in self.outcomes
                   if node in SITE1 and f == "write" and st == "ok"
                   and self.cut <= start < self.heal and v not in seen)

    def answered(self):
        """The share of all operations that got an ok (not refused)."""
        return sum(o[5] == "ok" for o in self.outcomes) / len(self.outcomes)


def sweep(lengths=(0, 2, 3, 6, 15), cut=10.0, until=40.0):
    """Both modes under partitions of each length: one row per (length, mode)."""
    rows = []
    for length in lengths:
        for majority in (True, False):
            if length:
                r = run(majority, cut=cut, heal=cut + length, until=until, restart=True)
            else:
                r = run(majority, cut=until, heal=until, until=until,
                        faults=FaultSchedule([]))
            rows.append({
                "partition (s)": length, "mode": "majority" if majority else "default",
                "answered": r.answered(), "refused": sum(o[5] != "ok" for o in r.outcomes),
                "slowest (s)": round(r.slowest(), 2), "split": r.split,
                "linearizable": bool(r.verdict()), "stale reads": r.counts()["stale"],
                "dropped writes": r.dropped(),
            })
    return rows


def _value(records):
    return records[0][2] if records else 0


def run(majority, cut=10.0, heal=25.0, until=40.0, period=1.0, seed=9, faults=None,
        restart=False):
    """Run the workload once; ``faults`` replaces the chapter's schedule if given."""
    world = World(seed=seed, latency=0.005, tick=4.0, reports=None)
    store.cluster(world, NODES)
    world.run()
    h = check.History()
    r = Run(majority, h, cut=cut, heal=heal)

    async def setup():
        got = await store.create_table("acct", disc_copies=list(NODES), majority=majority)
        assert got == ("atomic", "ok"), got
        await store.transaction(lambda: store.write(("acct", KEY, 0)))
    world[NODES[0]].spawn(setup)
    world.run()

    async def client(node, letter, n=0):
        if n:
            await labrt.sleep(0.5)              # let the store server start first
            await store.wait_for_tables(["acct"], 5.0)
        while labrt.now() < until - period:
            n += 1
            for f in ("write", "read"):
                value = f"{letter}{n}" if f == "write" else None
                start = labrt.now()
                op = h.invoke(node, f, value, start)
                if f == "write":
                    got = await store.transaction(lambda: store.write(("acct", KEY, value)))
                else:
                    got = await store.transaction(lambda: store.read("acct", KEY))
                end = labrt.now()
                if got[0] == "atomic":
                    result = None if f == "write" else _value(got[1])
                    h.ok(op, result, end)
                    r.outcomes.append((node, f, value, start, end, "ok", result))
                else:
                    h.fail(op, got[1], end)
                    r.outcomes.append((node, f, value, start, end, "refused", got[1]))
                await labrt.sleep(period / 2)

    async def operator():
        await labrt.sleep(heal - labrt.now() + 0.5)
        for other in SITE2:
            labrt.connect_node(other)

    def snapshot(node):
        box = {}

        async def look():
            box["events"] = store.system_info("events")
            box["value"] = _value(await store.dirty_read("acct", KEY))
        world[node].spawn(look)
        world.run_for(0.1)
        return box

    for node in NODES:
        world[node].spawn(client, node, node[0])
    if faults is None:
        world.apply(schedule(cut, heal))
        world[NODES[0]].spawn(operator)
    else:
        world.apply(faults)
    if restart:
        # The operator's remedy once the split is reported: restart site 1's
        # node, which then loads the table from site 2 (its own copy is dropped).
        world.run_until(heal + 1.0)
        r.split = any(e[0] == "inconsistent_database" for e in snapshot(NODES[0])["events"])
    if restart and r.split:
        r.before_restart = snapshot(NODES[0])["value"]
        world.crash(NODES[0])
        world.run_for(0.5)
        world.restart(NODES[0])
        r.restarted = heal + 1.5
        done = sum(1 for o in r.outcomes if o[0] == NODES[0] and o[1] == "write")
        world[NODES[0]].spawn(client, NODES[0], "a", done)
    world.run_until(until + 5.0)

    for node in NODES:
        box = snapshot(node)
        r.events[node] = box["events"]
        r.final[node] = box["value"]
    return r
