"""Checks for exercises/ch08-nodes.ipynb: a client that fails over from a master to a
slave and back, a table rebuilt from a node's disk after a power cut, and a backup that
survives the loss of the machine that took it.

Every case runs worlds like the ones of chapter 8, all on the simulated kernel: the nodes
of a ``labrt.dist.World`` with a one-line fault schedule (rows ``[time, kind, *args]``,
kinds ``crash``, ``restart``, ``partition`` and ``heal``, turned into a
``labrt.dist.FaultSchedule``), and in tasks 2 and 3 a ``labrt.store`` cluster on them.
``_world()`` builds one such world and runs the student's code in processes that report
an unsolved exercise (``NotDone``) instead of crashing; each task's scenario runs it once
per seed of the case, so no case is one fixed run.

* Task 1: a price service (a gen_server registered as ``"price"``) on a master and a
  slave node, and a shop that asks the student's ``ask_price`` for one item every
  ``period`` seconds. The service itself records which node served which item, so an
  answer's node is checked against the server's side, not the student's word.
* Task 2: one store node, a workload of transactions drawn from the seed (writes,
  rewrites, deletes, ``delete_object``, other tables), ``sync_log`` and ``dump_log``
  where the case says. The student's ``rebuild`` and ``at_risk`` see a copy of the
  node's disk; then the node loses its power and restarts, and the store's own rebuild
  is observed.
* Task 3: three store nodes, two shops buying (each purchase one transaction on the
  ``orders`` and ``stock`` tables, and ``customers`` when the case has it), the
  student's ``take_backup`` in the middle of the traffic, a bad job that damages the
  tables, lost machines, and the student's ``repair`` on a node the case names.

The observers return plain data only; the judges rebuild what should have happened
from the inputs (the fault rows, the workload's seed, the acknowledged purchases) and say
in every message what was run. Nothing expected is in this file's observers.
"""
from __future__ import annotations

import copy
import random

import labrt
from labrt import gen_server, store
from labrt.dist import World

from ..core import Fail, NotDone, Task, describe_reason, public
from ._kit import describe_faults, fault_schedule, plain, scenario

NOTEBOOK = "ch08-nodes"
TICK = 2.0                       # the worlds' net tick: a silent peer is down after 2 s

FAILOVER = Task(NOTEBOOK, 1, "failover_client", "a client that fails over and back",
                defines=("new_client", "ask_price"), hidden_points=4)
REBUILD = Task(NOTEBOOK, 2, "rebuild_from_disk", "rebuild a table from the node's disk",
               defines=("rebuild", "at_risk"), hidden_points=4)
BACKUP = Task(NOTEBOOK, 3, "backup_restore", "a backup that outlives its machine",
              defines=("take_backup", "repair"), hidden_points=4)


# ---------------------------------------------------------------------------
# The shared world

class _Run:
    """One world, and the student's code run in it as guarded processes."""

    def __init__(self, seed, nodes, boot=None, stored=(), trace=False):
        self.world = World(seed=seed, latency=0.005, tick=TICK, reports=None, trace=trace)
        self.undone: list = []
        for n in nodes:
            if n not in stored:
                self.world.node(n, boot=boot)
        if stored:
            store.cluster(self.world, list(stored), sync_interval=None)
        self.world.run()

    def spawn(self, node, fn, *args, box=None):
        """Spawn ``fn(*args)`` on ``node``; its value goes into ``box["value"]``."""
        box = {} if box is None else box

        async def guarded():
            try:
                box["value"] = await fn(*args)
            except NotDone as e:        # an unsolved exercise: say so, not "it crashed"
                self.undone.append(e)
            except Exception as e:      # noted (a crashed node forgets its exits), re-raised
                box["error"] = describe_reason(e.reason if isinstance(e, labrt.ProcessExit)
                                               else e)
                raise
        box["pid"] = self.world[node].spawn(guarded)
        box["node"] = node
        return box

    def crashed(self, box) -> str | None:
        """How a spawned process ended, as text ("ended with ..."), if it did not return."""
        if "value" in box:
            return None
        if "error" in box:
            return f"ended with {box['error']}"
        rt = self.world[box["node"]]
        try:
            return f"ended with {describe_reason(rt.exit_reason(box['pid']))}"
        except KeyError:
            return "never returned"

    def on(self, node, fn, *args, **kw):
        """Run fn(*args, **kw) on ``node`` now (the check's own code); its value."""
        async def call():
            value = fn(*args, **kw)
            return (await value) if hasattr(value, "__await__") else value
        box = self.spawn(node, call)
        self.world.run()
        return box.get("value")

    def check_done(self):
        if self.undone:
            raise self.undone[0]


def _world(seed, nodes, boot=None, stored=(), trace=False) -> _Run:
    """A fresh world of ``nodes`` (those in ``stored`` boot a store), run until idle."""
    return _Run(seed, nodes, boot, stored, trace)


# ---------------------------------------------------------------------------
# Task 1: fail over, and back

def price(item, seed) -> int:
    """The price the service quotes for ``item`` in a run of ``seed``."""
    return (item * 37 + seed * 11) % 90 + 10


class PriceServer(gen_server.GenServer):
    """The price service: ``("price", item)`` -> ``("price", item, amount, node)``.
    A run makes a subclass whose ``served`` list records who served what (a list
    passed as the server's argument would be copied, as arguments are)."""

    served: list = []

    def init(self, seed):
        return ("ok", seed)

    def handle_call(self, req, from_, seed):
        state = seed
        if type(req) is tuple and len(req) == 2 and req[0] == "price":
            self.served.append((req[1], labrt.node()))
            return ("reply", ("price", req[1], price(req[1], seed), labrt.node()), state)
        return ("reply", ("error", "bad_request"), state)


@scenario
def failover(t, faults, seeds=(1, 2), master="master@site2", slave="slave@site2",
             period=0.5, end=14.0):
    """The shop asks ``ask_price`` for items 1, 2, ... under ``faults``, once per seed."""
    new_client, ask = t.need("new_client", kind="function"), t.need("ask_price")
    out = {}
    for seed in seeds:
        served: list = []

        server = type("PriceServer", (PriceServer,), {"served": served})

        async def boot():
            await gen_server.start(server, seed, name="price")

        run = _world(seed, ["shop@web", master, slave], boot=boot, trace=True)
        t.runtimes.append(run.world["shop@web"])
        rows: list = []

        async def shop():
            client = new_client(master, slave)
            item = 0
            while labrt.now() < end:
                item += 1
                start = labrt.now()
                got = await ask(client, item)
                rows.append([item, round(start, 3), round(labrt.now(), 3), plain(got)])
                await labrt.sleep(max(0.0, start + period - labrt.now()))
            return "done"

        run.world.apply(fault_schedule(faults))
        box = run.spawn("shop@web", shop)
        run.world.run_until(end + 6.0)
        run.check_done()
        by = {}
        for item, n in served:
            by.setdefault(item, []).append(str(n))
        out[seed] = {"rows": [r + [by.get(r[0], [])] for r in rows],
                     "crash": run.crashed(box)}
    return out


def _reach(faults, master, slave):
    """[(time, master reachable, slave reachable)] from the fault rows."""
    up = {master: True, slave: True}
    cut = {master: False, slave: False}
    states = [(0.0, True, True, "start")]
    for t, kind, *args in sorted(faults, key=lambda r: r[0]):
        if kind == "crash":
            up[args[0]] = False
        elif kind == "restart":
            up[args[0]] = True
        elif kind == "partition":
            for n in args[0]:
                cut[n] = True
        elif kind == "heal":
            cut = {master: False, slave: False}
        states.append((t, up[master] and not cut[master], up[slave] and not cut[slave], kind))
    return states


def _settled(states, start, end):
    """The (master, slave) reachability over a request, or None while a fault settles
    (1 s after a crash, a restart or a heal; the tick and 1 s after a cut)."""
    last = None
    for t, m, s, kind in states:
        if t <= start:
            last = (t, m, s, kind)
        elif t <= end + 0.1:
            return None
    t, m, s, kind = last
    margin = TICK + 1.0 if kind == "partition" else 1.0
    return (m, s) if kind == "start" or start >= t + margin else None


@failover.judge
def _failover(obs, faults, seeds=(1, 2), master="master@site2", slave="slave@site2",
              period=0.5, end=14.0):
    states = _reach(faults, master, slave)
    for k, seed in enumerate(seeds):          # k: the run's world, for its diagram
        run = (f"{master} and {slave}, one request every {period:g} s until {end:g} s, "
               f"seed {seed}; faults: {describe_faults(faults)}")
        o = obs.get(seed) or obs.get(str(seed)) or {}
        rows = o.get("rows") or []
        if o.get("crash"):
            raise Fail("ask_price returns for every request",
                       f"the shop's process {o['crash']} after "
                       f"{len(rows)} requests",
                       "a call to a node that is gone can end in more than one way "
                       "(nodedown, noconnection, a timeout if you set one): catch what "
                       f"it exits with and try the other node. Ran: {run}", diagram=k)
        if len(rows) < int((end - 1.0) / period) // 2:
            raise Fail(f"the shop made a request every {period:g} s",
                       f"{len(rows)} requests", f"ran: {run}")
        for item, start, stop, got, served in rows:
            when = f"request {item} (at {start:g} s)"
            ok = (type(got) is tuple and len(got) == 3 and got[0] == "ok")
            if not ok and got != ("error", "nodedown"):
                raise Fail("ask_price returns ('ok', price, node) or ('error', 'nodedown')",
                           f"{when} returned {got!r}", f"see the task's specification. Ran: {run}")
            if stop - start > TICK + 1.0:
                raise Fail(f"every request returns within {TICK + 1.0:g} s",
                           f"{when} took {stop - start:.2f} s, it returned {got!r}",
                           "ask each node once per request; when neither answers, return "
                           f"('error', 'nodedown') instead of waiting. Ran: {run}",
                           diagram=(k, {"since": start, "until": stop, "max_events": 60}))
            if ok and (got[1] != price(item, seed) or got[2] not in served):
                raise Fail("an answer is the service's reply: its price and the node "
                           "that served it",
                           f"{when} returned {got!r}; served by {served or 'nobody'}",
                           f"the reply is ('price', item, amount, node). Ran: {run}")
            state = _settled(states, start, stop)
            if state is None:
                continue
            m, s = state
            who = got[2] if ok else None
            if m and who != master:
                raise Fail("a request is answered by the master while the master is "
                           "up (from 1 s after it returns)",
                           f"{when} got {got!r}",
                           "go back to the master as soon as it answers again: ask it "
                           f"first. Ran: {run}",
                           diagram=(k, {"since": start - 0.5, "until": stop + 0.5,
                                           "max_events": 60}))
            if not m and s and who != slave:
                raise Fail("a request is answered by the slave while the master is down",
                           f"{when} got {got!r}",
                           "when the master's call fails with nodedown (or "
                           f"('badrpc', 'nodedown')), ask the slave. Ran: {run}",
                           diagram=(k, {"since": start - 0.5, "until": stop + 0.5,
                                           "max_events": 60}))
            if not m and not s and got != ("error", "nodedown"):
                raise Fail("('error', 'nodedown') when neither node can be reached",
                           f"{when} got {got!r}", f"ran: {run}")


public(FAILOVER, 3, "the master crashes at 4.2 s and restarts at 9.2 s, two seeds",
       failover, faults=[[4.2, "crash", "master@site2"], [9.2, "restart", "master@site2"]])


# ---------------------------------------------------------------------------
# Task 2: rebuild from the disk

DB = "db@site1"


def workload(seed, n, kinds, tables):
    """The transactions of a run: lists of (table, op) drawn from ``seed``."""
    rnd = random.Random(seed)
    held = {t: {} for t in tables}
    txs = []
    for i in range(n):
        ops = []
        for _ in range(rnd.choice((1, 1, 2))):
            tab = tables[0] if len(tables) == 1 or rnd.random() < 0.6 else rnd.choice(tables[1:])
            have = held[tab]
            kind = rnd.choice(kinds)
            if kind in ("delete", "delete_object", "rewrite") and not have:
                kind = "write"
            if kind == "write":
                k = rnd.randrange(1, 13)
                rec = (tab, k, 100 * seed + i)
                ops.append((tab, ("write", rec)))
                have[k] = rec
            elif kind == "rewrite":                   # the same record again (a retry)
                k = rnd.choice(sorted(have))
                ops.append((tab, ("write", have[k])))
            elif kind == "delete":
                k = rnd.choice(sorted(have))
                ops.append((tab, ("delete", k)))
                del have[k]
            else:
                k = rnd.choice(sorted(have))
                ops.append((tab, ("delete_object", have[k])))
                del have[k]
        txs.append(ops)
    return txs


async def _commit(ops, sync=False):
    async def fn():
        for _tab, (kind, arg) in ops:
            if kind == "write":
                await store.write(arg)
            elif kind == "delete":
                await store.delete(_tab, arg)
            else:
                await store.delete_object(arg)
    got = await (store.sync_transaction(fn) if sync else store.transaction(fn))
    assert got[0] == "atomic", got


async def _records(tab):
    return sorted(await store.dirty_match_object((tab, "_", "_")))


@scenario
def rebuild_run(t, seeds=(1, 2), n=14, kinds=("write", "write", "delete"),
                tables=("orders",), dump_after=None, sync_after=(8,), last_sync=False):
    """Per seed: the workload on one node, the student's view of a copy of its disk,
    then a power cut and the store's own rebuild."""
    rebuild, risk = t.need("rebuild", kind="function"), t.need("at_risk", kind="function")
    out = {}
    for seed in seeds:
        run = _world(seed, [DB], stored=[DB])
        for tab in tables:
            run.on(DB, store.create_table, tab, disc_copies=[DB])
        txs = workload(seed, n, list(kinds), list(tables))
        for i, ops in enumerate(txs, start=1):
            run.on(DB, _commit, ops, last_sync and i == n)
            if i in sync_after:
                run.on(DB, store.sync_log)
            if i == dump_after:
                run.on(DB, store.dump_log)
        acked = run.on(DB, _records, tables[0])
        disk = store.SimDisk(copy.deepcopy(run.world[DB].disk))
        unsynced = disk.unsynced("LATEST.LOG")
        predicted = rebuild(disk, tables[0])
        at = risk(disk, tables[0])
        run.world.crash(DB)
        run.world.run()
        run.world.restart(DB)
        run.world.run()
        run.on(DB, store.wait_for_tables, [tables[0]], 5.0)
        actual = run.on(DB, _records, tables[0])
        out[seed] = {"predicted": plain(predicted), "at_risk": plain(at),
                     "dcd": plain(disk.read(tables[0] + ".DCD")),
                     "log": plain([e[2] for e in disk.read("LATEST.LOG")]),
                     "acked": [list(r) for r in acked], "actual": [list(r) for r in actual],
                     "unsynced": unsynced}
    return out


def _diagnose(o, got, actual, table) -> str:
    """What a wrong rebuild seems to have done, from the disk the scenario saw."""
    log, unsynced = o.get("log") or [], o.get("unsynced") or 0
    synced = len(log) - unsynced
    others = [r for r in got if r and r[0] != table]
    if others:
        return (f"It holds {others[0]!r}, a record of another table: the log has the "
                "commits of every table. ")
    late = {tuple(op[1]) for ops in log[synced:] for _tab, op in ops if op[0] == "write"}
    lost = [r for r in got if r in late and r not in actual]
    if lost:
        return f"It holds {lost[0]!r}, which only an unsynced log entry wrote. "
    gone = {tuple(op[1]) for ops in log[:synced] for tab, op in ops
            if tab == table and op[0] == "delete_object"}
    kept = [r for r in got if r in gone]
    if kept:
        return f"It holds {kept[0]!r}, which a synced delete_object removed. "
    dcd = [tuple(r) for r in o.get("dcd") or []]
    base = [r for r in actual if r not in got and r in dcd]
    if base:
        return (f"The table file held {base[0]!r}, and no later log entry changed it: "
                "start from the table file. ")
    if log and not unsynced and len(got) < len(actual):
        return f"All {len(log)} log entries were synced (unsynced is 0). "
    return ""


def _is_sorted(xs) -> bool:
    try:
        return sorted(xs) == xs
    except TypeError:
        return False


def _recs(xs):
    return sorted(tuple(r) for r in xs)


@rebuild_run.judge
def _rebuild(obs, seeds=(1, 2), n=14, kinds=("write", "write", "delete"),
             tables=("orders",), dump_after=None, sync_after=(8,), last_sync=False):
    for seed in seeds:
        o = obs.get(seed) or obs.get(str(seed)) or {}
        run = (f"{n} transactions on {', '.join(tables)} ({', '.join(sorted(set(kinds)))}), "
               f"sync_log after {', '.join(map(str, sync_after)) or 'none'}"
               + (f", dump_log after {dump_after}" if dump_after else "")
               + (", the last one a sync_transaction" if last_sync else "")
               + f", seed {seed}; then a power cut")
        actual, acked = _recs(o.get("actual", [])), _recs(o.get("acked", []))
        if not acked:
            raise Fail("the workload ran", "the table was empty", f"ran: {run}")
        got = o.get("predicted")
        if not isinstance(got, list) or not all(isinstance(r, tuple) for r in got):
            raise Fail("rebuild returns a list of records (tuples)",
                       f"it returned {got!r}"[:160], f"ran: {run}")
        if not _is_sorted(got):
            raise Fail("rebuild returns the records sorted", f"it returned {got!r}"[:160])
        if got != actual:
            missing = [r for r in actual if r not in got]
            extra = [r for r in got if r not in actual]
            raise Fail(f"rebuild gives the {len(actual)} records the node came back with",
                       f"{len(got)} records; missing {missing[:3]}, records the node does "
                       f"not have {extra[:3]}",
                       _diagnose(o, got, actual, tables[0]) +
                       "The table file (.DCD) first, then the log's entries in order; only "
                       "the synced ones survive a power cut, and only operations on this "
                       f"table count ({o.get('unsynced')} log entries were unsynced). "
                       f"Ran: {run}")
        before = {r[1]: r for r in acked}
        after = {r[1]: r for r in actual}
        lost = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        risk = o.get("at_risk")
        if not isinstance(risk, list) or not _is_sorted(risk):
            raise Fail("at_risk returns a sorted list of keys", f"it returned {risk!r}"[:160],
                       f"ran: {run}")
        if risk != lost:
            raise Fail(f"at_risk names the keys whose record the power cut changed: {lost}",
                       f"at_risk returned {risk}",
                       "compare the table with every log entry applied to the table with "
                       "only the synced ones: a key is at risk when the two differ (an "
                       f"unsynced write of the same record changes nothing). Ran: {run}")


public(REBUILD, 3, "one table, writes and deletes, a sync, then 6 unsynced commits; "
       "two seeds", rebuild_run)


# ---------------------------------------------------------------------------
# Task 3: backup and restore

ITEMS = ("book", "pen", "cup")
STOCK = 50


def _buy(id_, item, amount, cust, extra):
    async def fn():
        [(_t, _k, left)] = await store.wread("stock", item)
        await store.write(("stock", item, left - 1))
        await store.write(("orders", id_, (item, amount, cust)))
        if extra:
            got = await store.wread("customers", cust)
            await store.write(("customers", cust, (got[0][2] if got else 0) + amount))
    return fn


async def _setup(nodes, extra):
    tabs = ["orders", "stock"] + (["customers"] if extra else [])
    for tab in tabs:
        await store.create_table(tab, disc_copies=list(nodes))

    async def fill():
        for item in ITEMS:
            await store.write(("stock", item, STOCK))
    await store.transaction(fill)
    return tabs


async def _bad_job():
    """Meant to archive old orders: deletes the odd ones, zeroes pens and totals."""
    async def fn():
        for k in await store.all_keys("orders"):
            if k % 2:
                await store.delete("orders", k)
        await store.write(("stock", "pen", 0))
        if "customers" in store.system_info("tables"):
            for c in await store.all_keys("customers"):
                await store.write(("customers", c, 0))
    return await store.transaction(fn)


async def _dump(tabs):
    return {tab: sorted(await store.dirty_match_object((tab, "_", "_"))) for tab in tabs}


@scenario
def backup_run(t, faults, seeds=(1, 2), nodes=("a@site1", "b@site1", "c@site2"),
               backup_at=3.0, stop=5.0, bad_at=6.0, repair_at=8.0, repair_on=None,
               extra=False):
    """Per seed: two shops buy until ``stop``; ``take_backup`` at ``backup_at`` on the
    first node; the bad job; ``faults``; ``repair`` at ``repair_at``; every node's tables."""
    take, repair = t.need("take_backup"), t.need("repair")
    nodes = list(nodes)
    repair_on = repair_on or nodes[1]
    out = {}
    for seed in seeds:
        run = _world(seed, nodes, stored=nodes)
        w = run.world
        tabs = run.on(nodes[0], _setup, nodes, extra)
        t0 = float(int(w.now) + 1)
        w.run_until(t0)
        bought: list = []

        async def shop(k, node):
            rnd = random.Random(seed * 10 + k)
            i = 0
            while labrt.now() - t0 < stop:
                i += 1
                id_, item = 1000 * k + i, rnd.choice(ITEMS)
                amount, cust = rnd.randrange(5, 80), rnd.choice(("ann", "bob", "eve"))
                start = labrt.now() - t0
                got = await store.transaction(_buy(id_, item, amount, cust, extra))
                if got[0] == "atomic":
                    bought.append((id_, item, amount, cust, round(start, 4),
                                   round(labrt.now() - t0, 4)))
                await labrt.sleep(0.1 + rnd.random() * 0.2)

        for k, node in ((1, nodes[0]), (2, nodes[1])):
            w[node].spawn(shop, k, node)
        w.apply(fault_schedule(faults, t0))
        times, boxes = {}, {}

        def at(when, node, fn, *args, name):
            w.run_until(t0 + when)

            async def timed():
                times[name] = [round(labrt.now() - t0, 4)]
                value = await fn(*args)
                times[name].append(round(labrt.now() - t0, 4))
                return value
            boxes[name] = run.spawn(node, timed)

        at(backup_at, nodes[0], take, "nightly", list(nodes), name="backup")
        at(bad_at, next(n for n in nodes if w.is_up(n)), _bad_job, name="bad")
        at(repair_at, repair_on, repair, "nightly", list(nodes), name="repair")
        w.run_until(t0 + repair_at + 3.0)
        run.check_done()
        final = {}
        for node in nodes:
            if w.is_up(node):
                final[node] = plain(run.on(node, _dump, tabs))
        out[seed] = {"bought": bought, "times": times, "final": final,
                     "backup": plain(boxes["backup"].get("value")),
                     "repair": plain(boxes["repair"].get("value")),
                     "crash": {k: run.crashed(b) for k, b in boxes.items() if run.crashed(b)}}
    return out


@backup_run.judge
def _backup(obs, faults, seeds=(1, 2), nodes=("a@site1", "b@site1", "c@site2"),
            backup_at=3.0, stop=5.0, bad_at=6.0, repair_at=8.0, repair_on=None,
            extra=False):
    nodes = list(nodes)
    repair_on = repair_on or nodes[1]
    for seed in seeds:
        o = obs.get(seed) or obs.get(str(seed)) or {}
        run = (f"nodes {', '.join(nodes)}; purchases until {stop:g} s, take_backup at "
               f"{backup_at:g} s on {nodes[0]}, the bad job at {bad_at:g} s, repair at "
               f"{repair_at:g} s on {repair_on}; faults: {describe_faults(faults)}"
               + ("; tables orders, stock, customers" if extra else "") + f"; seed {seed}")
        for name, why in sorted((o.get("crash") or {}).items()):
            if name in ("backup", "repair"):
                fn = "take_backup" if name == "backup" else "repair"
                raise Fail(f"{fn} returns", f"it {why}",
                           "a node that is down answers rpc.call with ('badrpc', 'nodedown'): "
                           f"go on with the others. Ran: {run}")
        got = o.get("repair")
        if not (type(got) is tuple and len(got) == 2 and got[0] == "atomic"):
            raise Fail("repair returns the restore's ('atomic', tables)",
                       f"it returned {got!r}",
                       "store.restore(name) reads the backup from the disk of the node it "
                       "runs on: the checkpoint must be on a machine that is still up, and "
                       f"repair must find it there. Ran: {run}")
        bought = o.get("bought") or []
        times = o.get("times") or {}
        b0, b1 = (times.get("backup") or [backup_at, backup_at])[:2]
        before = {p[0]: p for p in bought if p[5] <= b0}
        after = {p[0] for p in bought if p[4] >= b1}
        if len(before) < 5 or not after:
            raise Fail("the shops bought before and after the backup",
                       f"{len(before)} before, {len(after)} after", f"ran: {run}")
        final = o.get("final") or {}
        if not final:
            raise Fail("some node is up at the end", "none answered", f"ran: {run}")
        first = None
        for node, tabs in sorted(final.items()):
            orders = {r[1]: r[2] for r in tabs.get("orders", [])}
            missing = [k for k in sorted(before) if k not in orders]
            if missing:
                raise Fail("after the repair every purchase made before the backup is "
                           f"back ({len(before)})",
                           f"{node} misses {len(missing)}, e.g. order {missing[0]}",
                           "the checkpoint of every table, put back with store.restore, "
                           f"undoes the bad job's deletes. Ran: {run}")
            late = sorted(k for k in orders if k in after)
            if late:
                raise Fail("the tables are back at the checkpoint",
                           f"{node} has {len(late)} orders bought after the backup",
                           f"restore puts the checkpoint back as a whole. Ran: {run}")
            known = {p[0]: p for p in bought}
            wrong = sorted(k for k, v in orders.items()
                           if k not in known or tuple(v) != tuple(known[k][1:4]))
            if wrong:
                raise Fail("every order holds what was bought", f"{node}: order {wrong[0]} "
                           f"is {orders[wrong[0]]!r}", f"ran: {run}")
            stock = {r[1]: r[2] for r in tabs.get("stock", [])}
            for item in ITEMS:
                want = STOCK - sum(1 for v in orders.values() if v[0] == item)
                if stock.get(item) != want:
                    raise Fail("the stock matches the orders (one consistent checkpoint "
                               "of every table; the bad job's damage undone)",
                               f"{node}: {item} stock {stock.get(item)}, the orders say {want}",
                               "the backup must hold every table, taken at one instant, "
                               f"and the restore put all of it back. Ran: {run}")
            if extra:
                totals = {r[1]: r[2] for r in tabs.get("customers", [])}
                for c in sorted({v[2] for v in orders.values()}):
                    want = sum(v[1] for v in orders.values() if v[2] == c)
                    if totals.get(c) != want:
                        raise Fail("the customers' totals match the orders (the bad job's "
                                   "damage to every table undone)",
                                   f"{node}: {c} total {totals.get(c)}, the orders say {want}",
                                   "which tables does the store have? A backup of some of "
                                   f"them restores only those. Ran: {run}")
            if first is not None and tabs != first:
                raise Fail("every node holds the same tables after the repair",
                           f"{node} differs", f"ran: {run}")
            first = tabs


public(BACKUP, 3, "three nodes, the backup taken on a@site1, which is lost before the "
       "repair on b@site1; two seeds", backup_run,
       faults=[[7.0, "crash", "a@site1"]])
