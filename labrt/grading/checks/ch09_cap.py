"""Checks for exercises/ch09-cap.ipynb: choosing consistency or availability per table,
a register that stays linearizable through a partition, and a split reported after the
heal and settled by a business rule.

Every case runs the same kind of world as chapter 9: the nodes of two sites (inputs of
the case, so hidden cases can move the cut), a ``labrt.store`` cluster on all of them, a
client on every node that writes a new value (``"a3"``: the third write of the client on
``a@...``) then reads it back, every ``period`` seconds, and a partition between the two
sites from ``cut`` to ``heal``. After the heal an operator on the first node calls
``connect_node`` on the others, which is where the store reports
``inconsistent_database``. The student's code decides the table's mode (task 1), is the
register's whole client side (task 2) or watches the store's system events and picks the
copy that survives (task 3).

The observers return plain data only: every operation as
``(node, f, value, start, end, result, status)`` (status ``ok``, ``fail`` for a
refusal, ``None`` for an operation that never came back, ``bad`` for an answer of the
wrong shape), the store's own system events per node, what each replica holds at the end
and the reports the student's watcher sent. The judges rebuild the history and run the
linearizability checker of ``labrt.check`` on it, count refusals per side and compare
reports with the store's events, so the same judge serves public and hidden runs (other
seeds, other sites, other cut lengths, other write rates). Nothing expected is here.
"""
from __future__ import annotations

import labrt
from labrt import check as lincheck
from labrt import store
from labrt.dist import FaultSchedule, Heal, Partition, World

from ..core import Fail, NotDone, Task, public
from ._kit import scenario

NOTEBOOK = "ch09-cap"
KEY = "x"

MODES = Task(NOTEBOOK, 1, "table_modes", "majority or default mode, per table",
             defines=("choose_majority",), hidden_points=3)
REGISTER = Task(NOTEBOOK, 2, "linear_register", "a register that stays linearizable",
                defines=("make_register", "reg_write", "reg_read"), hidden_points=4)
SPLIT = Task(NOTEBOOK, 3, "split_report", "report the split, pick the surviving side",
             defines=("watch", "survivor"), hidden_points=4)


def _value(records):
    return records[0][2] if records else 0


def _world(site1, site2, seed, make, client_ops, periods, cut, heal, until, watch=None):
    """Run one world; returns the observations every task's judge uses."""
    nodes = list(site1) + list(site2)
    world = World(seed=seed, latency=0.005, tick=2.0, reports=None)
    store.cluster(world, nodes)
    world.run()
    ops, reports, setup, undone = [], [], {}, []

    async def do_setup():
        try:
            setup["made"] = str(await make(nodes))
        except NotDone as e:           # an unsolved exercise: say so, not "it crashed"
            undone.append(e)
    world[nodes[0]].spawn(do_setup)
    world.run()
    if undone:
        raise undone[0]
    t0 = float(int(world.now) + 1)   # times below are seconds after t0
    world.run_until(t0)

    async def collector():
        labrt.register("split_collector", labrt.self())
        while True:
            msg = await labrt.receive()
            reports.append((round(labrt.now() - t0, 3), labrt.trace.show(msg)
                            if not isinstance(msg, tuple) else
                            tuple(str(x) for x in msg)))

    async def client(node, letter, period):
        n = 0
        while labrt.now() - t0 < until - period:
            n += 1
            for f in ("write", "read"):
                value = f"{letter}{n}" if f == "write" else None
                start = labrt.now() - t0
                row = [node, f, value, round(start, 4), None, None, None]
                ops.append(row)
                try:
                    status, result = await client_ops(f, value)
                except NotDone as e:
                    undone.append(e)
                    return
                row[4], row[5], row[6] = round(labrt.now() - t0, 4), result, status
                await labrt.sleep(period / 2)

    async def operator():
        await labrt.sleep(t0 + heal - labrt.now() + 0.5)
        for other in nodes[1:]:
            labrt.connect_node(other)

    async def watcher(col):
        try:
            await watch(col)
        except NotDone as e:
            undone.append(e)

    if watch is not None:
        col = world[nodes[0]].spawn(collector)
        for node in nodes:
            world[node].spawn(watcher, col)
        world.run_for(0.01)
    for node in nodes:
        world[node].spawn(client, node, node[0], periods.get(node, 1.0))
    world.apply(FaultSchedule([(t0 + cut, Partition(list(site1), list(site2))),
                               (t0 + heal, Heal())]))
    world[nodes[0]].spawn(operator)
    world.run_until(t0 + until + 5.0)
    if undone:
        raise undone[0]
    events, final = {}, {}
    for node in nodes:
        box = {}

        async def look(box=box):
            box["events"] = [tuple(str(x) for x in e) for e in store.system_info("events")]
            box["value"] = _value(await store.dirty_read("acct", KEY))
        world[node].spawn(look)
        world.run_for(0.1)
        events[node] = box.get("events", [])
        final[node] = box.get("value")
    return {"ops": [tuple(r) for r in ops], "events": events, "final": final,
            "reports": reports, "setup": setup.get("made")}


async def _tx_ops(f, value):
    if f == "write":
        got = await store.transaction(lambda: store.write(("acct", KEY, value)))
        return ("ok", None) if got[0] == "atomic" else ("fail", str(got[1]))
    got = await store.transaction(lambda: store.read("acct", KEY))
    return ("ok", _value(got[1])) if got[0] == "atomic" else ("fail", str(got[1]))


def _table_maker(majority):
    async def make(nodes):
        got = await store.create_table("acct", disc_copies=nodes, majority=majority)
        await store.transaction(lambda: store.write(("acct", KEY, 0)))
        return got
    return make


def _setup(site1, site2, seed, cut, heal, periods=None):
    rates = ""
    if periods:
        rates = "; client periods " + ", ".join(f"{n}: {p:g} s" for n, p in periods.items())
    return (f"sites {'+'.join(site1)} | {'+'.join(site2)} cut from {cut:g} s to "
            f"{heal:g} s, seed {seed}{rates}")


def _history(ops):
    specs = []
    for node, f, value, start, end, result, status in ops:
        if status not in ("ok", "fail", None):
            raise Fail("every answer has the shape the task gives",
                       f"{node} {f} answered {result!r}", "see the task's specification")
        specs.append((node, f, value, start, end, result, status))
    return lincheck.History.from_ops(specs)


def _cut_ops(ops, nodes, cut, heal):
    return [o for o in ops if o[0] in nodes and cut <= o[3] < heal]


# ---------------------------------------------------------------------------
# Task 1: a mode per table

@scenario
def modes(t, tables, site1, site2, seed=1, cut=8.0, heal=18.0, until=26.0):
    """Ask ``choose_majority`` for each table's mode, then run that table under the cut."""
    choose = t.need("choose_majority", kind="function")
    out = {}
    for name, req in tables.items():
        choice = choose(dict(req, name=name))
        if type(choice) is not bool:
            out[name] = {"choice": repr(choice)}
            continue
        obs = _world(site1, site2, seed, _table_maker(choice), _tx_ops, {}, cut, heal, until)
        out[name] = {"choice": choice, "ops": obs["ops"]}
    return out


@modes.judge
def _modes(obs, tables, site1, site2, seed=1, cut=8.0, heal=18.0, until=26.0):
    run = _setup(site1, site2, seed, cut, heal)
    if sorted(obs) != sorted(tables):
        raise Fail(f"a mode for each of {sorted(tables)}", f"modes for {sorted(obs)}")
    for name, req in tables.items():
        o = obs[name]
        if type(o.get("choice")) is not bool:
            raise Fail(f"choose_majority returns True or False for {name!r}",
                       f"it returned {o.get('choice')}", "True: majority mode")
        mode = "majority" if o["choice"] else "default"
        ops = o.get("ops") or []
        if len(ops) < 10:
            raise Fail(f"table {name!r} ran its clients", f"{len(ops)} operations")
        if not req["lose_writes_ok"]:
            verdict = lincheck.check(_history(ops), lincheck.Register(0))
            if not verdict:
                raise Fail(f"table {name!r} ({req['what']}) stays linearizable "
                           "through the partition",
                           f"in {mode} mode the checker finds a violation in "
                           f"{len(verdict.violation)} operations",
                           "a table where an acknowledged write must never be thrown "
                           "away needs one history, whatever the network does: both "
                           f"sides kept answering. Ran: {run}")
        if req["answer_everywhere"] and req["lose_writes_ok"]:
            refused = [x for x in _cut_ops(ops, site1 + site2, cut, heal) if x[6] != "ok"]
            if refused:
                raise Fail(f"table {name!r} ({req['what']}) answers on both sides "
                           "during the partition",
                           f"in {mode} mode {len(refused)} operations were refused, the "
                           f"first on {refused[0][0]} at {refused[0][3]:g} s",
                           "a table that may lose a write but must always answer wants "
                           f"availability: the minority side refuses in majority mode. Ran: {run}")


CART = {"what": "a shopping cart", "lose_writes_ok": True, "answer_everywhere": True}
MONEY = {"what": "account balances", "lose_writes_ok": False, "answer_everywhere": False}

public(MODES, 3, "a cart and a balance table, one site cut off from the other two", modes,
       tables={"cart": CART, "balance": MONEY},
       site1=["a@site1"], site2=["b@site2", "c@site2"])


# ---------------------------------------------------------------------------
# Task 2: the register

def _reg_ops(write, read):
    async def ops(f, value):
        got = await (write(value) if f == "write" else read())
        if f == "write" and got == "ok":
            return "ok", None
        if f == "read" and type(got) is tuple and len(got) == 2 and got[0] == "ok":
            return "ok", got[1] if isinstance(got[1], (str, int)) else repr(got[1])
        if type(got) is tuple and len(got) == 2 and got[0] == "refused":
            return "fail", str(got[1])
        return "bad", repr(got)[:80]
    return ops


@scenario
def register(t, site1, site2, seed=1, cut=8.0, heal=18.0, until=26.0, periods=None):
    """The student's register under the cut: every operation and what each replica holds."""
    make = t.need("make_register")
    write, read = t.need("reg_write"), t.need("reg_read")
    return _world(site1, site2, seed, make, _reg_ops(write, read), periods or {}, cut,
                  heal, until)


@register.judge
def _register(obs, site1, site2, seed=1, cut=8.0, heal=18.0, until=26.0, periods=None):
    run = _setup(site1, site2, seed, cut, heal, periods)
    ops = obs["ops"]
    nodes = list(site1) + list(site2)
    if len(ops) < 6 * len(nodes):
        raise Fail("every node's client ran", f"{len(ops)} operations in all", f"ran: {run}")
    hung = [o for o in ops if o[6] is None]
    if hung:
        raise Fail("every operation gets an answer (a value or a refusal)",
                   f"{len(hung)} never came back, the first: {hung[0][1]} on {hung[0][0]} "
                   f"at {hung[0][3]:g} s",
                   "on the minority side, refuse with ('refused', reason) instead of "
                   f"waiting for the network to heal. Ran: {run}")
    verdict = lincheck.check(_history(ops), lincheck.Register(0))
    if not verdict:
        raise Fail("the register's history is linearizable",
                   f"the checker finds a violation in {len(verdict.violation)} operations: "
                   + "; ".join(lincheck.describe(o) for o in verdict.violation[:4]),
                   "a read answered from a replica that cannot see the majority, or a "
                   "write acknowledged where it cannot reach one, gives two histories. "
                   f"Ran: {run}")
    big = site1 if len(site1) > len(site2) else site2
    refused = [o for o in _cut_ops(ops, big, cut, heal) if o[6] != "ok"]
    if refused:
        raise Fail("the majority side answers during the partition",
                   f"{len(refused)} refused there, the first on {refused[0][0]} at "
                   f"{refused[0][3]:g} s",
                   f"refuse only where no majority of the copies is reachable. Ran: {run}")
    before = [o for o in ops if o[3] < cut - 0.5 and o[6] != "ok"]
    if before:
        raise Fail("every operation before the partition is answered",
                   f"{len(before)} refused, the first on {before[0][0]}", f"ran: {run}")


public(REGISTER, 3, "one site cut off from the other two for 10 s", register,
       site1=["a@site1"], site2=["b@site2", "c@site2"])


# ---------------------------------------------------------------------------
# Task 3: the split, reported and settled

@scenario
def split(t, site1, site2, seed=1, cut=8.0, heal=18.0, until=26.0, periods=None):
    """Default mode; the student's watcher on every node; then ``survivor`` on the sides."""
    watch, pick = t.need("watch"), t.need("survivor", kind="function")
    obs = _world(site1, site2, seed, _table_maker(False), _tx_ops, periods or {}, cut,
                 heal, until, watch=watch)
    sides = {}
    for label, nodes in (("site1", site1), ("site2", site2)):
        acked = [o for o in _cut_ops(obs["ops"], nodes, cut, heal)
                 if o[1] == "write" and o[6] == "ok"]
        sides[label] = {"nodes": list(nodes), "writes": len(acked)}
    obs["sides"] = sides
    got = pick({k: dict(v, nodes=list(v["nodes"])) for k, v in sides.items()})
    obs["survivor"] = sorted(str(n) for n in got) if isinstance(got, (list, tuple, set)) \
        else repr(got)
    return obs


@split.judge
def _split(obs, site1, site2, winner, seed=1, cut=8.0, heal=18.0, until=26.0,
           periods=None):
    run = _setup(site1, site2, seed, cut, heal, periods)
    truth = sorted((n, e[2]) for n, evs in obs["events"].items() for e in evs
                   if e and e[0] == "inconsistent_database")
    if not truth:
        raise Fail("the store reports a split in this run", "no inconsistent_database",
                   f"ran: {run}")
    got = []
    for _when, msg in obs["reports"]:
        if type(msg) is tuple and len(msg) == 3 and msg[0] == "split":
            got.append((msg[1], msg[2]))
        else:
            raise Fail("the watcher sends only ('split', node(), other)",
                       f"it sent {msg!r}", f"ran: {run}")
    missing = [p for p in truth if p not in got]
    if missing:
        raise Fail(f"one report per inconsistent_database event ({len(truth)})",
                   f"{len(missing)} not reported, e.g. {missing[0][0]} about {missing[0][1]}"
                   f" (reports: {len(got)})",
                   "subscribe to system events on every node before the split and keep "
                   f"listening: one node can report several others. Ran: {run}")
    if len(got) != len(truth):
        raise Fail(f"one report per inconsistent_database event ({len(truth)})",
                   f"{len(got)} reports", "report an event once, and only that event "
                   f"(mnesia_down is not a split). Ran: {run}")
    sides = obs.get("sides", {})
    counts = ", ".join(f"{'+'.join(v['nodes'])}: {v['writes']} writes" for v in sides.values())
    if obs.get("survivor") != sorted(winner):
        raise Fail(f"the surviving side is {'+'.join(sorted(winner))}",
                   f"survivor returned {obs.get('survivor')}",
                   "keep the side that acknowledged more writes during the split; on a "
                   "tie the side with more nodes, then the side with the first node in "
                   f"alphabetical order. Sides: {counts}. Ran: {run}")


public(SPLIT, 3, "one site cut off from the other two, all clients alike", split,
       site1=["a@site1"], site2=["b@site2", "c@site2"], winner=["b@site2", "c@site2"],
       periods={"a@site1": 1.0, "b@site2": 1.0, "c@site2": 1.0})
