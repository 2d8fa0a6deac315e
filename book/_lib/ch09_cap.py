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
from labrt.dist import FaultSchedule, Heal, Partition, World, draw

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
    pictures: list = field(default_factory=list)
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


MODES = {  # label -> (majority, reads)
    "majority": (True, "tx"),
    "majority, OTP reads": (True, "local"),
    "default": (False, "tx"),
}


def sweep(lengths=(0, 2, 3, 6, 15), cut=10.0, until=40.0, modes=MODES):
    """Every mode under partitions of each length: one row per (length, mode)."""
    rows = []
    for length in lengths:
        for label, (majority, reads) in modes.items():
            if length:
                r = run(majority, cut=cut, heal=cut + length, until=until, restart=True,
                        reads=reads)
            else:
                r = run(majority, cut=until, heal=until, until=until,
                        faults=FaultSchedule([]), reads=reads)
            rows.append({
                "partition (s)": length, "mode": label,
                "answered": r.answered(), "refused": sum(o[5] != "ok" for o in r.outcomes),
                "slowest (s)": round(r.slowest(), 2), "split": r.split,
                "linearizable": bool(r.verdict()), "stale reads": r.counts()["stale"],
                "dropped writes": r.dropped(),
            })
    return rows


def table(rows):
    """The sweep as a text table (cut: the partition's length in s; answered: share of
    operations answered ok; lin.: linearizable)."""
    out = [f"{'cut':>3}  {'mode':20}{'answered':>9}{'refused':>8}{'slowest':>8}"
           f"{'split':>6}{'lin.':>5}{'stale':>6}{'dropped':>8}"]
    for r in rows:
        out.append(f"{r['partition (s)']:>3}  {r['mode']:20}{r['answered']:>9.1%}"
                   f"{r['refused']:>8}{r['slowest (s)']:>7.2f}s"
                   f"{'yes' if r['split'] else 'no':>6}{'yes' if r['linearizable'] else 'NO':>5}"
                   f"{r['stale reads']:>6}{r['dropped writes']:>8}")
    return "\n".join(out)


def _value(records):
    return records[0][2] if records else 0


def run(majority, cut=10.0, heal=25.0, until=40.0, period=1.0, seed=9, faults=None,
        restart=False, reads="tx", pictures=()):
    """Run the workload once; ``faults`` replaces the chapter's schedule if given.

    ``reads="tx"`` reads in a transaction (labrt.store refuses it on a minority
    in majority mode); ``reads="local"`` reads the local replica, which is what
    a transactional read returns on the minority on OTP 25 (book/erlang/
    ch09_majority.erl shows it on the BEAM).  ``pictures``: (time, title) pairs
    at which to draw the cluster (``labrt.dist.draw.cluster``) into
    ``Run.pictures``."""
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
        labrt.register("client", labrt.self())
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
                elif reads == "local":
                    got = ("atomic", await store.dirty_read("acct", KEY))
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
        labrt.register("operator", labrt.self())
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
        # The operator's remedy once the split is reported: name site 2's nodes as
        # the table's masters on site 1 and restart site 1's node, which then
        # loads the table from site 2 (its own copy is dropped).
        world.run_until(heal + 1.0)
        r.split = any(e[0] == "inconsistent_database" for e in snapshot(NODES[0])["events"])
    if restart and r.split:
        r.before_restart = snapshot(NODES[0])["value"]

        async def masters():               # Mnesia's way to say "site 2's copy wins"
            await store.set_master_nodes("acct", list(SITE2))
        world[NODES[0]].spawn(masters)
        world.run_for(0.05)
        world.crash(NODES[0])
        world.run_for(0.5)
        world.restart(NODES[0])
        r.restarted = heal + 1.5
        done = sum(1 for o in r.outcomes if o[0] == NODES[0] and o[1] == "write")
        world[NODES[0]].spawn(client, NODES[0], "a", done)
    for t, title in pictures:
        world.run_until(t)
        r.pictures.append(draw.cluster(world, title=title))
    world.run_until(until + 5.0)

    for node in NODES:
        box = snapshot(node)
        r.events[node] = box["events"]
        r.final[node] = box["value"]
    return r


# ---------------------------------------------------------------------------
# The figure: what each client got, over time, in both modes

MARKS = {  # (status, what the read saw) -> colour, label
    "ok": ("#1f6fb4", "answered"),
    "own": ("#e08a1e", "answered, a value only site 1 has"),
    "refused": ("#c0392b", "refused (no_majority)"),
}


def plot_outcomes(runs: dict):
    """One panel per run; one row per node; a mark per operation at its start time,
    its width the time the client waited.  The partition is shaded.  Drawn with
    ``labrt.draw.chart`` (SVG, no matplotlib), so it also draws in the browser."""
    from labrt.draw.chart import Chart

    chart = Chart("What each node's client got, in both modes", sharex=True,
                  desc="One panel per mode, one row per node; each mark is an operation "
                       "from its start to its answer. The partition is shaded.")
    last = list(runs)[-1]
    for title, r in runs.items():
        p = chart.panel(title=title, ylim=(-0.6, 3.0), height=120,
                        xlabel="virtual time (s)" if title == last else "")
        p.span(r.cut, r.heal, colour="#f3d6d3")
        p.label(r.cut, 2.55, "partition: site 1 | site 2", dx=4, dy=0, anchor="start",
                colour="#8a2a1f")
        for row, node in enumerate(reversed(NODES)):
            for kind in MARKS:
                bars = [(o[3], o[3] + max(o[4] - o[3], 0.12), row - 0.3, row + 0.3)
                        for o in r.outcomes if o[0] == node and _kind(o, r) == kind]
                if bars:
                    p.boxes(bars, colour=MARKS[kind][0], label=MARKS[kind][1])
        p.yticks(range(len(NODES)), list(reversed(NODES)))
    return chart


def _kind(o, r):
    """A read on site 1 after the cut that returned site 1's own value is marked: nobody
    on site 2 can see that value (until a restart throws it away)."""
    node, f, _v, start, _e, status, result = o
    if status != "ok":
        return "refused"
    end = r.restarted if r.restarted is not None else float("inf")
    if (f == "read" and node in SITE1 and r.cut <= start < end
            and isinstance(result, str) and result.startswith("a")):
        return "own"
    return "ok"


def summary(r: Run) -> str:
    """Per node: operations answered and refused, inside the cut and outside it."""
    lines = [f"{'node':10}{'in the cut: ok':>16}{'refused':>9}{'outside: ok':>13}{'refused':>9}"]
    inside, outside = r.tally(True), r.tally(False)
    for n in NODES:
        lines.append(f"{n:10}{inside[n][0]:16}{inside[n][1]:9}{outside[n][0]:13}"
                     f"{outside[n][1]:9}")
    lines.append(f"slowest answer: {r.slowest():.2f} s")
    return "\n".join(lines)
