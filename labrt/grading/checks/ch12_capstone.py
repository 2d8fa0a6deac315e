"""Checks for exercises/ch12-capstone.ipynb: a purchase system the student designs,
driven through a condensed month of Klarna-shaped traffic under fault schedules.

The world
---------
Every run is one ``labrt.World`` with three server nodes on two sites,
``a@dc1``, ``b@dc1`` (site 1) and ``c@dc2`` (site 2), and the web shop,
``shop@web``, where the grader's traffic and the student's client run.  Each
server's disk holds an empty ``labrt.store`` schema naming the three servers,
so that a boot process can ``await store.start()``.  The student's interface
is four functions (the notebook documents it):

* ``setup()``: run once on ``a@dc1``, 1 s after the start: create the tables;
* ``record(order_id, amount)``: runs in a process on a server node; decides the
  purchase (``decide(amount)``), makes it durable and returns the decision;
* ``ledger()``: runs on every server node at the end; the records the store
  holds, as ``[(order_id, decision), ...]``, one pair per record;
* ``server()``: the boot process of every server node (again at each
  restart): starts the store and a supervised service registered as
  ``"purchase"`` that answers ``("buy", order_id, amount, pid)`` with
  ``("decided", order_id, decision)`` after ``record``;
* ``purchase(order_id, amount)``: the client, one process per purchase on the
  shop; returns the decision, or anything else to give up.

Task 1 runs the student's tables under the course's server and client (both
below), task 2 the student's servers under the course's client, task 3 the
whole system.  The course's client tries ``a``, ``b``, ``c`` in turn with a
1 s timeout each, sending the same order id again.

The month, condensed
--------------------
A month of real time, every purchase a process, would take minutes; a fault
schedule's interesting parts are minutes long.  So the month is *condensed*:
each incident of the schedule (a few faults close together) runs at real
speed in a window from 20 s before its first fault to 40 s after its last
one, and each stretch between incidents (hours or days without faults) is
40 s of simulated time with three purchases.  Inside a window the traffic is
dense around every fault event (a purchase every 0.5 s from 1 s before to
6 s after it) and sparse elsewhere (one every 20 s).  Every purchase stands
for the real purchases of its slot of the month, from chapter 1's traffic
model (December 2012, 2.5 million purchases, a daily and a yearly shape), so
availability is Klarna's: the share of the month's purchases decided.  This
is importance sampling, and honest about it: a purchase that fails in a
quiet stretch costs what that whole stretch is worth.

What is measured (plain data goes back; the judges, outside the sandbox,
compute the figures and compare them with the targets):

* availability: weighted share of purchases decided (the rule's decision,
  within ``DEADLINE``); target 99.99 %;
* p99 decision latency over the purchases sent while some server was up and
  reachable from the shop (a purchase never decided counts as slower than
  any; in a total outage nothing can be fast); target ``P99_TARGET``;
* lost: acknowledged purchases (the client returned a decision) missing from
  every node's ledger, or recorded with another decision; must be 0;
* duplicated: purchases recorded more than once in a node's ledger; must be 0;
* recovery time: for each fault, from the fault (or, when it left no server
  up and reachable, from the first repair after it) to the first decision of a
  purchase sent after that; target ``RECOVERY_TARGET``.

A simulation is cached for the other cases of the same run (the same
functions, schedule and seed), so five measurements cost one run.
"""
from __future__ import annotations

import random

import labrt
from labrt import TIMEOUT, now, receive, register, self, send, spawn, store
from labrt.dist import FaultSchedule
from labrt.grading.core import NotDone, describe_reason
from labrt.trace import Trace

from ..core import Fail, Task, public
from ._kit import fault_schedule, scenario

NOTEBOOK = "ch12-capstone"
SERVERS = ("a@dc1", "b@dc1", "c@dc2")
SHOP = "shop@web"
LIMIT = 500                 # accept a purchase of at most 500
DEADLINE = 3.0              # "decided in a few seconds"
TARGET = 0.9999             # availability
P99_TARGET = 2.0            # seconds
RECOVERY_TARGET = 10.0      # seconds
TICK = 2.0                  # a silent link is noticed after 2 s
CLIENT_LIMIT = 10.0         # a client process still running after this is stopped
START, SETUP_AT = 5.0, 1.0
PRE, POST, QUIET, QUIET_N = 20.0, 40.0, 40.0, 3
DENSE_BEFORE, DENSE_AFTER, DENSE_SLOT, SPARSE_SLOT = 1.0, 6.0, 0.5, 20.0
SETTLE = 20.0               # after the traffic, before the ledgers are read
MONTH_TOTAL = 2_500_000
HOUR, DAY = 3600.0, 86400.0
CASE_LIMIT = 30.0           # real seconds for a case (the first one runs the month)

TABLES = Task(NOTEBOOK, 1, "capstone_tables", "tables that lose and duplicate nothing",
              defines=("setup", "record", "ledger"), hidden_points=4)
SERVER = Task(NOTEBOOK, 2, "capstone_server", "supervised servers",
              defines=("server",), hidden_points=4)
SYSTEM = Task(NOTEBOOK, 3, "capstone", "the whole system through the month",
              defines=("purchase",), hidden_points=27)


def decide(amount) -> str:
    """The risk rule (the notebook's given cell has the same)."""
    return "accept" if amount <= LIMIT else "reject"


def amount_of(i: int, seed: int) -> int:
    return (i * 389 + seed * 131 + 7) % 1000 + 1


# ---------------------------------------------------------------------------
# Chapter 1's December (book/_lib/klarna_traffic.py), compactly: purchases per hour.

_DAILY = (0.35, 0.20, 0.12, 0.08, 0.07, 0.09, 0.20, 0.45, 0.75, 0.95, 1.05, 1.10,
          1.20, 1.10, 1.05, 1.05, 1.10, 1.25, 1.55, 1.85, 2.10, 2.00, 1.40, 0.75)


def _day_weight(day: int) -> float:
    if day in (24, 25, 26):
        return {24: 0.55, 25: 0.35, 26: 0.60}[day]
    w = 1.0 + 0.035 * min(day, 20)
    if (5 + day - 1) % 7 >= 5:
        w *= 1.10
    if day == 21:
        w *= 2.6
    elif day in (19, 20, 22, 23):
        w *= 1.35
    return w


_HOURLY: list = []


def hourly() -> list:
    """Real purchases in each of the month's 744 hours (summing to 2.5 million)."""
    if not _HOURLY:
        weights = [_day_weight(d + 1) * _DAILY[h] for d in range(31) for h in range(24)]
        scale = MONTH_TOTAL / sum(weights)
        exact = [w * scale for w in weights]
        counts = [int(x) for x in exact]
        order = sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i))
        for i in order[:MONTH_TOTAL - sum(counts)]:
            counts[i] += 1
        _HOURLY.extend(counts)
    return _HOURLY


_PREFIX: list = []


def _cum(m: float) -> float:
    """Real purchases from 1 December 00:00 to month second ``m``."""
    counts = hourly()
    if not _PREFIX:
        total = 0
        for c in counts:
            _PREFIX.append(total)
            total += c
        _PREFIX.append(total)
    m = min(max(m, 0.0), 31 * DAY)
    h = int(m // HOUR)
    return _PREFIX[h] + (counts[h] * (m - h * HOUR) / HOUR if h < len(counts) else 0.0)


def at(day, hour, minute=0) -> float:
    return (day - 1) * DAY + hour * HOUR + minute * 60.0


# ---------------------------------------------------------------------------
# Schedules as data: incidents [day, hour, minute, [[offset_s, kind, *args], ...]].
# Kinds: crash [nodes], restart [nodes], partition side_a side_b (and "oneway"), heal,
# slow a b latency, unslow a b, kill [nodes] (the registered "purchase" process).

A, B, C = SERVERS
PUBLISHED = [
    [5, 10, 0, [[0, "crash", [A]], [600, "restart", [A]]]],
    [12, 15, 0, [[0, "slow", SHOP, A, 0.8], [120, "unslow", SHOP, A]]],
    [21, 20, 0, [[0, "crash", [A, B]], [300, "restart", [A, B]]]],
    [28, 19, 0, [[0, "kill", [A, B, C]], [60, "crash", [C]], [240, "restart", [C]]]],
]
STARTS = {"crash", "partition", "slow", "kill"}


def _describe_fault(kind, args) -> str:
    short = lambda n: n.split("@")[0]                       # noqa: E731
    if kind in ("crash", "restart", "kill"):
        what = {"crash": "crash", "restart": "restart", "kill": "kill 'purchase' on"}[kind]
        return f"{what} {'+'.join(short(n) for n in args[0])}"
    if kind == "partition" and len(args) == 3:
        return (f"cut {'+'.join(short(n) for n in args[0])} -> "
                f"{'+'.join(short(n) for n in args[1])} (one way)")
    if kind == "partition":
        return f"cut {'+'.join(short(n) for n in args[0])} | {'+'.join(short(n) for n in args[1])}"
    if kind == "heal":
        return "heal"
    if kind == "slow":
        return f"slow {short(args[0])}-{short(args[1])} to {args[2]:g} s"
    if kind == "unslow":
        return f"{short(args[0])}-{short(args[1])} normal again"
    return kind


def describe_schedule(schedule) -> str:
    """One line per incident: when in December, and its faults."""
    lines = []
    for day, hour, minute, faults in schedule:
        parts = [f"+{off:g} s {_describe_fault(kind, args)}" for off, kind, *args in faults]
        lines.append(f"December {day:2d} {hour:02d}:{minute:02d}  " + ", ".join(parts))
    return "\n".join(lines)


_TIMELINES: dict = {}


def timeline(schedule, seed):
    """The condensed month (computed once per schedule and seed; see :func:`_timeline`)."""
    key = (repr(schedule), seed)
    if key not in _TIMELINES:
        if len(_TIMELINES) > 16:
            _TIMELINES.clear()
        _TIMELINES[key] = _timeline(schedule, seed)
    purchases, events, end = _TIMELINES[key]
    return list(purchases), list(events), end


def _timeline(schedule, seed):
    """The condensed month: ``(purchases, events, end)``.

    ``purchases``: ``[(sim_time, weight)]`` in order (the index is the order id);
    ``events``: ``[(sim_time, kind, args, month_time)]``; ``end``: when traffic stops.
    """
    rng = random.Random(seed * 7919 + 17)
    purchases, events = [], []
    cursor, month = START, 0.0
    incidents = sorted(schedule, key=lambda inc: at(inc[0], inc[1], inc[2]))

    def quiet(m0, m1):
        nonlocal cursor
        if m1 <= m0:
            return
        w = (_cum(m1) - _cum(m0)) / QUIET_N
        for k in range(QUIET_N):
            purchases.append((cursor + QUIET * (k + rng.random()) / QUIET_N, w))
        cursor += QUIET

    for day, hour, minute, faults in incidents:
        m_start = at(day, hour, minute)
        offs = sorted(float(f[0]) for f in faults)
        w0, w1 = m_start + offs[0] - PRE, m_start + offs[-1] + POST
        if w0 < month:
            w0 = month
        quiet(month, w0)
        base = cursor - w0                          # sim = month + base inside the window
        for off, kind, *args in faults:
            events.append((m_start + off + base, kind, args, m_start + off))
        dense = [(m_start + o - DENSE_BEFORE, m_start + o + DENSE_AFTER) for o in offs]
        m = w0
        while m < w1 - 1e-9:
            zone = next((z for z in dense if z[0] - 1e-9 <= m < z[1]), None)
            if zone is not None:
                step = min(DENSE_SLOT, zone[1] - m)
            else:
                nxt = min([z[0] for z in dense if z[0] > m] + [w1])
                step = min(SPARSE_SLOT, nxt - m)
            step = min(step, w1 - m)
            purchases.append((m + base + step * rng.random(), _cum(m + step) - _cum(m)))
            m += step
        cursor, month = w1 + base, w1
    quiet(month, 31 * DAY)
    events.sort(key=lambda e: e[0])
    return purchases, events, cursor


# ---------------------------------------------------------------------------
# The course's server (task 1) and client (tasks 1 and 2)

async def course_client(order_id, amount):
    """Try a, b, c in turn, 1 s each, the same order id every time, until 3 s have passed."""
    me, start, k = self(), now(), 0
    while now() - start < DEADLINE:
        send(("purchase", SERVERS[k % 3]), ("buy", order_id, amount, me))
        got = await receive(lambda m: type(m) is tuple and len(m) == 3 and m[0] == "decided"
                            and m[1] == order_id, timeout=1.0)
        if got is not TIMEOUT:
            return got[2]
        k += 1
    return None


def _course_server(record):
    async def course_server():
        await store.start()
        tabs = [t for t in store.system_info("tables") if t != "schema"]
        if tabs:
            await store.wait_for_tables(tabs, 10.0)
        register("purchase", self())

        async def handle(order_id, amount, pid):
            send(pid, ("decided", order_id, await record(order_id, amount)))
        while True:
            msg = await receive()
            if type(msg) is tuple and len(msg) == 4 and msg[0] == "buy":
                spawn(handle, msg[1], msg[2], msg[3])
    return course_server


# ---------------------------------------------------------------------------
# The run

def _faults(events) -> tuple[FaultSchedule, list]:
    """The world's faults (``_kit.fault_schedule``) and the kills, which are not a
    fault of the network but of one process, done by the run itself."""
    rows = [[t, kind, *args] for t, kind, args, _m in events if kind != "kill"]
    kills = [(t, list(args[0])) for t, kind, args, _m in events if kind == "kill"]
    return fault_schedule(rows), kills


async def _one(client, i, amount, boss):
    d = await client(i, amount)
    send(boss, ("$done", i, d if type(d) is str else None, now()))


async def _driver(plan, client, box):
    """Spawn one client process per purchase at its time; collect the answers."""
    boss = self()
    register("driver", boss)
    answers, running = box["answers"], []
    for i, (t, amount) in enumerate(plan):
        while True:
            wait = t - now()
            msg = await receive(timeout=max(0.0, wait))
            if msg is TIMEOUT:
                break
            _take(msg, answers, box)
        pid = spawn(_one, client, i, amount, boss)
        running.append((now() + CLIENT_LIMIT, pid))
        while running and running[0][0] <= now():
            labrt.exit(running.pop(0)[1], "kill")
    end = now() + CLIENT_LIMIT
    while now() < end + SETTLE + 15.0:
        msg = await receive(timeout=1.0)
        if msg is not TIMEOUT:
            _take(msg, answers, box)
        while running and running[0][0] <= now():
            labrt.exit(running.pop(0)[1], "kill")


def _take(msg, answers, box):
    if type(msg) is tuple and len(msg) == 4 and msg[0] == "$done":
        _, i, d, when = msg
        answers.setdefault(i, (d, when))
    elif type(msg) is tuple and len(msg) == 3 and msg[0] == "$ledger":
        box["ledgers"][msg[1]] = msg[2]


def _asker(ledger_fn):
    async def ask():
        got = await ledger_fn()
        rows, bad = [], 0
        if isinstance(got, (list, tuple)):
            for r in list(got)[:100_000]:
                if isinstance(r, tuple) and len(r) == 2 and type(r[0]) is int:
                    rows.append([r[0], str(r[1])])
                else:
                    bad += 1
        else:
            bad = -1
        send(("driver", SHOP), ("$ledger", labrt.node(), {"rows": rows, "bad": bad}))
    return ask


def _run(t, parts, schedule, seed):
    setup, record, ledger = t.need("setup"), t.need("record"), t.need("ledger")
    if parts == "tables":
        boot, client = _course_server(record), course_client
    else:
        boot = t.need("server")
        client = t.need("purchase") if parts == "system" else course_client
    purchases, events, end = timeline(schedule, seed)
    plan = [(st, amount_of(i, seed)) for i, (st, _w) in enumerate(purchases)]
    world = labrt.World(seed=seed, trace=True, reports=None, latency=0.002, tick=TICK)
    world.node(SHOP, boot=None)
    for n in SERVERS:
        world.node(n, boot=boot)
    store.create_schema(world, SERVERS)
    faults, kills = _faults(events)
    world.apply(faults)
    box = {"answers": {}, "ledgers": {}}
    world[SHOP].disk.clear()
    world.run_until(SETUP_AT)
    world[A].spawn(setup)
    world[SHOP].spawn(_driver, plan, client, box)
    for when, nodes in (kills if parts != "tables" else []):   # the course's server
        world.run_until(when)                                   # is not supervised
        for n in nodes:
            pid = world[n].whereis("purchase") if world.is_up(n) else None
            if pid is not None:
                world[n].exit(pid, "kill")
    ask_at = end + CLIENT_LIMIT + SETTLE
    world.run_until(ask_at)
    for n in SERVERS:
        if world.is_up(n):
            world[n].spawn(_asker(ledger))
    world.run_until(ask_at + 10.0)
    crashes = []
    for e in world.trace:
        if e.kind == "exit" and isinstance(e.data, NotDone):
            raise e.data
        if (e.kind == "exit" and isinstance(e.data, BaseException)
                and not isinstance(e.data, labrt.ProcessExit) and len(crashes) < 3):
            crashes.append(f"at {e.time:.1f} s: {describe_reason(e.data)}")
    answers = box["answers"]
    rows = []
    for i, (st, w) in enumerate(purchases):
        d, when = answers.get(i, (None, None))
        rows.append([round(st, 4), w, d, None if when is None else round(when - st, 4)])
    obs = {"purchases": rows, "ledgers": box["ledgers"], "crashes": crashes,
           "events": [[round(e[0], 3), e[1]] for e in events], "end": end}
    return world, obs, _moments(world, obs)


class _View:
    """A window of a run's trace, kept as a runtime of the trial: what a report prints
    (and check() draws) under a failed measurement."""

    def __init__(self, world, since, until):
        self.trace = Trace(e for e in world.trace if since <= e.time <= until)


def _moments(world, obs) -> dict:
    """Windows of the run worth a picture, found from what happened (no expected value):
    the first purchase left unanswered for 3 s, the first answered one that no ledger
    holds, the first order a ledger holds twice. ``{what: (since, until, view)}``."""
    rows, out = obs["purchases"], {}
    slow = next((r for r in rows if r[3] is None or r[3] > DEADLINE), None)
    if slow is not None:
        out["failed"] = (slow[0] - 0.5, slow[0] + 2.5)
    held, twice = set(), None
    for _node, book in sorted(obs["ledgers"].items()):
        seen = set()
        for i, _d in book.get("rows", []):
            if i in seen and twice is None:
                twice = i
            seen.add(i)
        held |= seen
    gone = next((r for i, r in enumerate(rows) if r[2] is not None and r[3] is not None
                 and i not in held), None)
    if gone is not None:
        out["lost"] = (gone[0] - 0.5, gone[0] + gone[3] + 2.0)
    if twice is not None and 0 <= twice < len(rows):
        out["duplicated"] = (rows[twice][0] - 0.5, rows[twice][0] + 3.0)
    return {k: (a, b, _View(world, a, b)) for k, (a, b) in out.items()}


_CACHE: list = []


def _key(t, parts, schedule, seed):
    mine = [(k, v) for k, v in t.ns.items()
            if callable(v) and getattr(v, "__module__", None) == t.ns.get("__name__")]
    return (parts, repr(schedule), seed, tuple((k, id(v)) for k, v in sorted(mine, key=lambda x: x[0]))), mine


@scenario
def month(t, parts, schedule, seed=1):
    """Run the condensed month: ``parts`` is "tables", "server" or "system"."""
    key, keep = _key(t, parts, schedule, seed)
    found = next((entry for entry in _CACHE if entry[0] == key), None)
    if found is None:
        world, obs, moments = _run(t, parts, schedule, seed)
        found = (key, keep, world, obs, moments)
        _CACHE.append(found)
        del _CACHE[:-6]
    _key_, _keep, world, obs, moments = found
    t.runtimes.append(world[SHOP])
    views = {}
    for what, (since, until, view) in sorted(moments.items()):
        views[what] = [len(t.runtimes), round(since, 3), round(until, 3)]
        t.runtimes.append(view)
    return {**obs, "views": views}


# ---------------------------------------------------------------------------
# Figures and judges

def _usable(events):
    """``usable(t)``: whether at sim time ``t`` some server is up and reachable from the
    shop (a killed service does not count: it can be restarted)."""
    changes, down, cut = [(0.0, True)], set(), set()
    for t, kind, args, _m in events:
        if kind == "crash":
            down |= set(args[0])
        elif kind == "restart":
            down -= set(args[0])
        elif kind == "partition":
            a, b = set(args[0]), set(args[1])
            cut |= b if SHOP in a else a if SHOP in b else set()
        elif kind == "heal":
            cut = set()
        changes.append((t, bool(set(SERVERS) - down - cut)))

    def usable(t):
        state = True
        for when, ok in changes:
            if when > t + 1e-9:
                break
            state = ok
        return state
    return usable


def figures(obs, schedule, seed) -> dict:
    """The five measurements (and what they rest on) from a run's observations."""
    rows = obs["purchases"] if isinstance(obs, dict) else []
    purchases, events, _end = timeline(schedule, seed)
    if not isinstance(rows, list) or len(rows) != len(purchases):
        return {"ok": False, "n": len(purchases)}
    total = sum(w for _t, w in purchases)
    failed_w, lat, first_failed, good = 0.0, [], None, []
    usable = _usable(events)
    acked = {}
    for i, ((st, w), row) in enumerate(zip(purchases, rows)):
        d, took = (row[2], row[3]) if isinstance(row, list) and len(row) == 4 else (None, None)
        answered = isinstance(d, str) and isinstance(took, (int, float))
        ok = answered and d == decide(amount_of(i, seed)) and took <= DEADLINE
        good.append(ok)
        if answered:
            acked[i] = (d, st, float(took))
        if not ok:
            failed_w += w
            if first_failed is None:
                first_failed = (i, st)
        if usable(st):
            lat.append(float(took) if answered else float("inf"))
    lat.sort()
    p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))] if lat else float("inf")
    books = obs.get("ledgers") if isinstance(obs.get("ledgers"), dict) else {}
    union, dups = {}, {}
    for node, book in sorted(books.items()):
        seen = {}
        for r in (book.get("rows") if isinstance(book, dict) else None) or []:
            if isinstance(r, list) and len(r) == 2:
                union.setdefault(r[0], set()).add(r[1])
                seen[r[0]] = seen.get(r[0], 0) + 1
        for k, c in seen.items():
            if c > 1:
                dups.setdefault(k, node)
    lost = sorted(i for i, (d, _st, _took) in acked.items() if d not in union.get(i, ()))
    recovery = []
    for et, kind, args, _m in events:
        if kind not in STARTS:
            continue
        if not usable(et):                       # nothing can serve: count from a repair
            et = next((t for t, *_ in events if t > et and usable(t)), None)
            if et is None:
                continue
        after = [st + acked[i][2] for i, (st, _w) in enumerate(purchases)
                 if st >= et - 1e-9 and good[i]]
        recovery.append((min(after) - et if after else float("inf"), et, kind, args))
    worst = max(recovery, default=(0.0, 0.0, "", []))
    return {"ok": True, "n": len(purchases), "total": total, "failed_w": failed_w,
            "availability": 1.0 - failed_w / total if total else 1.0,
            "downtime_min": failed_w / total * 31 * 24 * 60 if total else 0.0,
            "p99": p99, "lost": lost, "dups": sorted(dups), "acked": acked,
            "first_failed": first_failed, "recovery": worst,
            "nodes": sorted(books), "bad": {n: b.get("bad") for n, b in books.items()
                                            if isinstance(b, dict) and b.get("bad")}}


def _secs(x) -> str:
    return "over 10 s" if x == float("inf") else f"{x:.2f} s"


def summary(f) -> str:
    """The figures in one line (what every case's feedback says)."""
    if not f.get("ok"):
        return "no measurements (the run did not send its purchases)"
    return (f"availability {100 * f['availability']:.4f} % ({f['downtime_min']:.2f} min of "
            f"purchases failed), p99 {_secs(f['p99'])}, {len(f['lost'])} lost, "
            f"{len(f['dups'])} duplicated, longest recovery {_secs(f['recovery'][0])}")


def _ran(name, parts, schedule, seed, f) -> str:
    who = {"tables": "your tables (setup, record, ledger) under the course's server and client",
           "server": "your servers under the course's client",
           "system": "your whole system"}[parts]
    return (f"ran {who} through {name} (seed {seed}, {len(schedule)} incidents, "
            f"{f.get('n', 0)} purchases standing for {MONTH_TOTAL:,}); measured: {summary(f)}")


def _around(t0, t1=None) -> tuple:
    t1 = t0 if t1 is None else t1
    return (0, {"since": max(0.0, t0 - 0.5), "until": t1 + 2.0, "max_events": 80})


def _picture(obs, what, t0, t1=None):
    """The scenario's window for ``what`` if it has one, else the run around t0..t1."""
    views = obs.get("views") if isinstance(obs, dict) else None
    v = views.get(what) if isinstance(views, dict) else None
    if isinstance(v, list) and len(v) == 3 and type(v[0]) is int:
        return (v[0], {"max_events": 80})
    return _around(t0, t1)


@month.judge
def _month(obs, parts, schedule, measure, name="the published month", seed=1):
    f = figures(obs, schedule, seed)
    ran = _ran(name, parts, schedule, seed, f)
    crashes = obs.get("crashes") if isinstance(obs, dict) else None
    if crashes:
        ran += "; first crashes of your processes: " + "; ".join(str(c) for c in crashes[:3])
    if not f["ok"]:
        raise Fail(f"the grader sent {f['n']} purchases", "it could not", ran)
    if measure == "lost":
        if len(f["nodes"]) == 0:
            raise Fail("every server node answers ledger() at the end",
                       "no ledger came back", "ledger() must return a list of (order_id, "
                       f"decision) pairs within 10 s. {ran}")
        if f["lost"]:
            i = f["lost"][0]
            d, st, took = f["acked"][i]
            raise Fail("zero lost purchases: every purchase the client was told about is in "
                       "the ledger at the end",
                       f"{len(f['lost'])} lost purchases, the first one: order {i} (sent at "
                       f"{st:.1f} s, answered {d!r} after {took:.2f} s) is in no node's ledger",
                       "a decision may be given only once the purchase is durable: on a "
                       "disk (disc_copies, and synced: sync_transaction) on more than one "
                       f"site, so that no single failure (a power cut of a site) takes it "
                       f"away. {ran}", diagram=_picture(obs, "lost", st, st + took))
    elif measure == "duplicated":
        if f["dups"]:
            i = f["dups"][0]
            st = obs["purchases"][i][0] if 0 <= i < len(obs["purchases"]) else 0.0
            raise Fail("zero duplicated purchases: each order is recorded once",
                       f"{len(f['dups'])} duplicated purchases, the first one: order {i}",
                       "a client retries the same order id after a timeout, and so does "
                       "a fail-over: recording must be idempotent (key the record by the "
                       f"order id and look before you write, in one transaction). {ran}",
                       diagram=_picture(obs, "duplicated", st, st + 3.0))
        if f["bad"]:
            raise Fail("ledger() returns (order_id, decision) pairs",
                       f"odd records from {sorted(f['bad'])}", ran)
    elif measure == "availability":
        if f["availability"] < TARGET:
            i, st = f["first_failed"]
            raise Fail(f"availability of at least {100 * TARGET:.2f} % of the month's "
                       "purchases (decided, by the rule, within 3 s)",
                       f"{100 * f['availability']:.4f} %: {f['downtime_min']:.2f} minutes' "
                       f"worth of purchases failed; the first failed purchase, order {i}, "
                       f"was sent at {st:.1f} s",
                       "when a server is down, cut off or slow, the purchases must go "
                       "elsewhere within the deadline, and every server must serve: after a "
                       "restart, and after its service process dies (supervise it). "
                       f"{ran}", diagram=_picture(obs, "failed", st))
    elif measure == "p99":
        if f["p99"] > P99_TARGET:
            raise Fail(f"p99 decision latency of at most {P99_TARGET:g} s",
                       f"p99 {_secs(f['p99'])}",
                       "a client that waits long for a dead or slow server before it tries "
                       "another makes every purchase of the incident slow: time out early, "
                       f"and remember which server answered. {ran}")
    elif measure == "recovery":
        worst, et, kind, args = f["recovery"]
        if worst > RECOVERY_TARGET:
            raise Fail(f"recovery within {RECOVERY_TARGET:g} s of every fault (the first "
                       "purchase sent after it is decided)",
                       f"after '{_describe_fault(kind, args)}' at {et:.1f} s: "
                       f"{_secs(worst)}",
                       f"fail over, and restart what died. {ran}", diagram=_around(et))
    else:
        raise ValueError(f"unknown measure {measure!r}")


def cases(register, task, schedule, name, seed, points, title_of):
    """Register one case per measurement in ``points`` ({measure: points})."""
    parts = {TABLES.name: "tables", SERVER.name: "server", SYSTEM.name: "system"}[task.name]
    for measure, p in points.items():
        register(task, p, title_of(measure), month, parts=parts, schedule=schedule,
                 measure=measure, name=name, seed=seed, limit=CASE_LIMIT)


MEASURES = {"availability": "availability at least 99.99 %",
            "p99": f"p99 decision latency at most {P99_TARGET:g} s",
            "lost": "no lost purchase", "duplicated": "no duplicated purchase",
            "recovery": f"recovery within {RECOVERY_TARGET:g} s"}


def _public_title(measure):
    return f"the published month, seed 1: {MEASURES[measure]}"


cases(public, TABLES, PUBLISHED, "the published month", 1,
      {"lost": 1, "duplicated": 1}, _public_title)
cases(public, SERVER, PUBLISHED, "the published month", 1,
      {"availability": 2, "recovery": 1}, _public_title)
cases(public, SYSTEM, PUBLISHED, "the published month", 1,
      {"availability": 2, "p99": 1, "lost": 3, "duplicated": 2, "recovery": 1}, _public_title)


# ---------------------------------------------------------------------------
# For the notebook: run a design through a schedule and print the figures.

def report(ns, schedule=None, seed=1, parts="system", name=None) -> dict:
    """Run ``ns``'s design (a notebook's globals) and print the month's figures
    (``parts``: "tables", "server" or "system", as tasks 1, 2 and 3 run it)."""
    from ..core import Trial
    if name is None:
        name = "the published month" if schedule is None else "your schedule"
    schedule = PUBLISHED if schedule is None else schedule
    trial = Trial(SYSTEM, ns)
    try:
        obs = month.observe(trial, parts=parts, schedule=schedule, seed=seed)
    except NotDone as e:
        print(f"not measured yet: {e}")
        return {}
    except Fail as e:
        print(f"not measured: {e.expected}; {e.observed}")
        return {}
    f = figures(obs, schedule, seed)
    print(_ran(name, parts, schedule, seed, f))
    return f
