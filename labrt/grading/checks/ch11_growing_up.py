"""Checks for exercises/ch11-growing-up.ipynb: the second system, part by part.

Chapter 11 replaces the first system's parts one at a time; each task builds
one of them and each check runs it on labrt's simulated kernel under faults.

1. *An ordered message queue to the back end* (``ordered_queue``).  The world
   is ``shop@web``, ``front@site1`` and ``back@site2``; the student writes the
   front's boot process (a durable queue on the node's disk, resent until
   acknowledged) and the back end's (books each order once, in queue order,
   on its disk).  The shop, written here, sends orders (some twice: a
   customer's double click), resends an order it has no ``("queued", i, seq)``
   for, and at the end asks the back end for its books.
2. *A stateless risk service behind several front ends* (``risk_failover``).
   Three fronts on two sites, a risk instance on each site; the shop spreads
   purchases round robin over the fronts that announced themselves and sends
   a purchase that got no answer in 0.5 s to another front.  The student's
   fronts ask their own site's instance first and fail over to the other one
   without waiting for the net tick.
3. *Horizontal scaling of the fronts for the peak hour* (``front_capacity``).
   The student's ``fronts_needed(rate, service_s, deadline)`` is measured on
   the kernel: Poisson arrivals at the peak rate, spread round robin over the
   fronts that are up (one is down for an upgrade), each front deciding one
   purchase at a time.  The answer must meet the p99 deadline and be the
   fewest that does, which the scenario also measures (one front fewer).

Faults are data (``[time, kind, *args]`` rows made into a
``labrt.dist.FaultSchedule``), so the hidden cases are other schedules,
layouts, seeds and loads for the same scenarios.  Scenarios return plain data
(what the shop saw, the books, the measured latencies); the expected roles,
windows and limits are judge-only inputs, so nothing expected is in the code
that runs beside the student's.
"""
from __future__ import annotations

import math
import random

import labrt
from labrt import TIMEOUT, monitor_node, now, receive, register, self, send, sleep, spawn
from labrt.grading import Fail, NotDone, Task, public, scenario
from labrt.grading.core import describe_reason

from ._kit import around as _around, describe_faults, fault_schedule

NOTEBOOK = "ch11-growing-up"
SHOP = "shop@web"
FRONT, BACK = "front@site1", "back@site2"
FRONTS = ("front1@site1", "front2@site1", "front3@site2")
RISKS = ("risk@site1", "risk@site2")
LIMIT = 700                      # the risk rule: accept at most 700
DEADLINE = 1.0                   # task 2: a decision counts within 1 s of the first send
RETRY = 0.5                      # task 2: the shop sends an unanswered purchase elsewhere

QUEUE = Task(NOTEBOOK, 1, "ordered_queue", "an ordered queue to the back end",
             defines=("queue_front", "books_node"), hidden_points=4)
RISK = Task(NOTEBOOK, 2, "risk_failover", "a stateless risk service behind several fronts",
            defines=("risk_service", "front_end"), hidden_points=4)
CAPACITY = Task(NOTEBOOK, 3, "front_capacity", "fronts for the peak hour, one of them down",
                defines=("fronts_needed",), hidden_points=4)


def amount(i: int, seed: int) -> int:
    """The amount of purchase ``i`` (deterministic per seed, 1..1000)."""
    return (i * 389 + seed * 131 + 7) % 1000 + 1


def site(name: str) -> str:
    return name.split("@", 1)[1]


def _shop_run(world, faults, until, empty, shop_fn, *args) -> dict:
    """Apply ``faults``, run ``shop_fn(*args)`` on the shop until ``until``: what it
    returned (``empty`` if it returned no dict) and the first crashes."""
    world.apply(fault_schedule(faults))
    pid = world[SHOP].spawn(shop_fn, *args)
    world.run_until(until)
    crashes = _crashes(world)
    result = world[SHOP].result(pid)
    if not isinstance(result, dict):
        result = empty
    result["crashes"] = crashes
    return result


def _crashes(world) -> list:
    out = []
    for e in world.trace:
        if e.kind == "exit" and isinstance(e.data, NotDone):
            raise e.data
        if e.kind == "exit" and isinstance(e.data, BaseException) and len(out) < 3:
            out.append(f"at {e.time:g} s: {describe_reason(e.data)}")
    return out


# ---------------------------------------------------------------------------
# Task 1: an ordered queue from the front end to the back end

async def order_shop(n, period, twice, seed, end):
    """Orders 0..n-1, one every ``period`` s; every ``twice``-th is sent again 1.5 s
    later (a double click); an order without ("queued", i, seq) is resent every 1 s."""
    register("shop", self())
    sent, last, queued = {}, {}, {}
    again = {i: i * period + 1.5 for i in range(n) if twice and i % twice == twice - 1}
    nxt = 0
    while now() < end:
        t = now()
        while nxt < n and nxt * period <= t + 1e-9:
            sent[nxt] = last[nxt] = t
            send(("front", FRONT), ("order", nxt, amount(nxt, seed), self()))
            nxt += 1
        for i in sorted(again):
            if again[i] <= t + 1e-9:
                del again[i]
                send(("front", FRONT), ("order", i, amount(i, seed), self()))
        for i in sorted(last):
            if i not in queued and t - last[i] >= 1.0 - 1e-9:
                last[i] = t
                send(("front", FRONT), ("order", i, amount(i, seed), self()))
        msg = await receive(timeout=0.25)
        if msg is TIMEOUT:
            continue
        if type(msg) is tuple and len(msg) == 3 and msg[0] == "queued" and msg[1] in sent:
            seq = msg[2] if isinstance(msg[2], int) and not isinstance(msg[2], bool) else repr(msg[2])
            queued.setdefault(msg[1], []).append([seq, round(now(), 3)])
    send(("books", BACK), ("books", self()))
    books = None
    msg = await receive(lambda m: type(m) is tuple and len(m) == 2 and m[0] == "books",
                        timeout=1.0)
    if msg is not TIMEOUT:
        books = [b if isinstance(b, int) and not isinstance(b, bool) else repr(b)
                 for b in msg[1]] if isinstance(msg[1], (list, tuple)) else repr(msg[1])
    return {"sent": sent, "queued": queued, "books": books}


@scenario
def queue_run(t, faults, seed=1, n=60, period=0.25, twice=7, end=22.0):
    """The shop's orders through the student's front to the student's back end."""
    front_fn, books_fn = t.need("queue_front"), t.need("books_node")
    world = labrt.World(seed=seed, trace=True, reports=None, latency=0.002, tick=2.0)

    async def front_boot():
        await front_fn()

    async def back_boot():
        await books_fn()

    world.node(SHOP)
    t.runtimes.append(world[SHOP])
    world.node(FRONT, boot=front_boot)
    world.node(BACK, boot=back_boot)
    return _shop_run(world, faults, end + 2.0, {"sent": {}, "queued": {}, "books": None},
                     order_shop, n, period, twice, seed, end)


@queue_run.judge
def _queue(obs, faults, seed=1, n=60, period=0.25, twice=7, end=22.0):
    sent, queued, books = obs["sent"], obs["queued"], obs["books"]
    run = (f"{n} orders, one every {period:g} s, every {twice}th sent twice, seed {seed}; "
           f"faults: {describe_faults(faults)}")
    if obs["crashes"]:
        raise Fail("your front and back end processes do not crash",
                   "; ".join(obs["crashes"]), f"ran: {run}")
    if len(sent) != n:
        raise Fail(f"the shop sent {n} orders", f"it sent {len(sent)}", f"ran: {run}")
    missing = [i for i in range(n) if not queued.get(i)]
    if missing:
        raise Fail("every order is answered ('queued', i, seq) by the end",
                   f"{len(missing)} never were, the first ones sent at "
                   f"{', '.join(f'{sent[i]:g}' for i in missing[:4])} s",
                   f"answer each order once it is in the queue on disk. Ran: {run}",
                   diagram=_around(sent[missing[0]]))
    seqs = {}
    for i in range(n):
        got = {s for s, _ in queued[i]}
        if len(got) != 1:
            first, when = queued[i][0][1], queued[i][-1][1]
            raise Fail(f"order {i} is queued once (one sequence number, however often it "
                       "is sent)",
                       f"it was queued {len(got)} times, with seq {sorted(map(str, got))}",
                       "the shop sends an order again (a double click, a lost answer): "
                       f"answer it with the seq it already has. Ran: {run}",
                       diagram=_around(max(first, when) - 0.2))
        seqs[i] = queued[i][0][0]
    if len(set(map(str, seqs.values()))) != n or not all(isinstance(s, int) for s in seqs.values()):
        clash = sorted(i for i in seqs if list(seqs.values()).count(seqs[i]) > 1)[:2]
        raise Fail("each order has its own sequence number (an int)",
                   f"orders {clash} share seq {seqs[clash[0]] if clash else '?'}" if clash
                   else "a sequence number is not an int",
                   "the number of the next entry must survive a crash of the front. "
                   f"Ran: {run}")
    if not isinstance(books, list):
        raise Fail("the back end answers ('books', pid) with ('books', [ids in order])",
                   f"it answered {books!r}" if books is not None else "no answer within 1 s",
                   f"register the back end's process as 'books'. Ran: {run}")
    lost = [i for i in range(n) if i not in books]
    if lost:
        raise Fail("no lost order: every queued order is in the books at the end",
                   f"{len(lost)} lost orders, the first ones: {lost[:5]} (queued at "
                   f"{', '.join(f'{queued[i][0][1]:g}' for i in lost[:3])} s)",
                   "an entry is safe when the back end has booked it on its disk: keep it "
                   "in the front's queue (on disk) and send it again until it is "
                   f"acknowledged. Ran: {run}",
                   diagram=_around(queued[lost[0]][0][1]))
    twice_booked = sorted({i for i in books if books.count(i) > 1}, key=str)
    if twice_booked:
        raise Fail("no duplicated order: each one is booked once",
                   f"{len(twice_booked)} duplicated orders, the first ones: {twice_booked[:5]}",
                   "an entry comes again when its acknowledgement was lost: the back end "
                   f"must recognise what it has already booked. Ran: {run}")
    extra = [b for b in books if b not in seqs]
    if extra:
        raise Fail("the books hold only orders the shop sent", f"unknown ids {extra[:5]}",
                   f"ran: {run}")
    want = sorted(range(n), key=lambda i: seqs[i])
    if books != want:
        k = next(k for k in range(n) if books[k] != want[k])
        a, b = books[k], want[k]
        raise Fail("the orders are booked in queue order (by sequence number)",
                   f"order {a} (seq {seqs[a]}) was booked before order {b} (seq {seqs[b]})",
                   "after a gap (entries lost while the back end was down or cut off) the "
                   "next entries arrive before the missing ones are sent again: an entry "
                   f"is booked only when every earlier one is. Ran: {run}",
                   diagram=_around(queued[b][0][1]))


public(QUEUE, 3, "the back end crashes at 6 s and restarts at 10.4 s", queue_run,
       faults=[[6.0, "crash", BACK], [10.4, "restart", BACK]])


# ---------------------------------------------------------------------------
# Task 2: a stateless risk service behind several front ends

async def risk_shop(fronts, n, period, seed, end):
    """Purchases 0..n-1 spread round robin over the fronts that said ("up", node);
    an unanswered one goes to another front after RETRY s."""
    register("shop", self())
    up, turn = [], 0
    sent, last, where, decided = {}, {}, {}, {}
    announced = []

    def pick(avoid=None):
        nonlocal turn
        live = [f for f in fronts if f in up]
        if len(live) > 1 and avoid in live:
            live.remove(avoid)
        if not live:
            return None
        turn += 1
        return live[turn % len(live)]

    def go(i, avoid=None):
        f = pick(avoid)
        last[i], where[i] = now(), f
        if f is not None:
            send(("front", f), ("buy", i, amount(i, seed), self()))

    nxt = 0
    while now() < end:
        t = now()
        while nxt < n and nxt * period <= t + 1e-9:
            sent[nxt] = t
            go(nxt)
            nxt += 1
        for i in sorted(last):
            if i not in decided and t - last[i] >= RETRY - 1e-9:
                go(i, where[i])
        msg = await receive(timeout=0.05)
        if msg is TIMEOUT or type(msg) is not tuple:
            continue
        if len(msg) == 2 and msg[0] == "up" and msg[1] in fronts:
            announced.append([round(now(), 3), msg[1]])
            if msg[1] not in up:
                up.append(msg[1])
                monitor_node(msg[1], True)
        elif len(msg) == 2 and msg[0] == "nodedown" and msg[1] in up:
            up.remove(msg[1])
        elif len(msg) == 5 and msg[0] == "decided" and msg[1] in sent:
            _, i, d, f, r = msg
            decided.setdefault(i, []).append([str(d), str(f), None if r is None else str(r),
                                              round(now(), 3)])
    return {"sent": sent, "decided": decided, "announced": announced}


@scenario
def risk_run(t, faults, fronts=FRONTS, risks=RISKS, seed=1, n=80, period=0.25, end=23.0):
    """The shop's purchases through the student's fronts and risk instances."""
    front_fn, risk_fn = t.need("front_end"), t.need("risk_service")
    fronts, risks = tuple(fronts), tuple(risks)
    world = labrt.World(seed=seed, trace=True, reports=None, latency=0.002, tick=2.0)

    async def front_boot():
        await front_fn(list(risks))

    async def risk_boot():
        await risk_fn()

    world.node(SHOP)
    t.runtimes.append(world[SHOP])
    for f in fronts:
        world.node(f, boot=front_boot)
    for r in risks:
        world.node(r, boot=risk_boot)
    names = fronts + risks
    for a in names:                       # 20 ms between the sites, 2 ms inside one
        for b in names:
            if a < b and site(a) != site(b):
                world.slow(a, b, 0.02)
    return _shop_run(world, faults, end + 1.0, {"sent": {}, "decided": {}, "announced": []},
                     risk_shop, fronts, n, period, seed, end)


@risk_run.judge
def _risk(obs, faults, fronts=FRONTS, risks=RISKS, roles=(), spread=(), blind=(),
          seed=1, n=80, period=0.25, end=23.0):
    sent, decided = obs["sent"], obs["decided"]
    run = (f"{n} purchases, one every {period:g} s over {', '.join(fronts)}, risk instances "
           f"{', '.join(risks)}, seed {seed}; faults: {describe_faults(faults)}")
    if obs["crashes"]:
        raise Fail("your front and risk processes do not crash", "; ".join(obs["crashes"]),
                   f"ran: {run}")
    if len(sent) != n:
        raise Fail(f"the shop sent {n} purchases", f"it sent {len(sent)}", f"ran: {run}")
    late = [i for i in range(n)
            if not decided.get(i) or decided[i][0][3] - sent[i] > DEADLINE + 1e-9]
    if late:
        i = late[0]
        took = (f"answered after {decided[i][0][3] - sent[i]:.2f} s" if decided.get(i)
                else "never answered")
        raise Fail(f"every purchase is decided within {DEADLINE:g} s of its first sending",
                   f"{len(late)} failed purchases; the first, sent at {sent[i]:g} s, was {took}",
                   "a risk instance that does not answer (down, or cut off) must not hold a "
                   "front up: wait a short time, then ask the other one; the net tick (2 s) "
                   f"is far too late. Ran: {run}", diagram=_around(sent[i]))
    for i in range(n):
        want = "accept" if amount(i, seed) <= LIMIT else "reject"
        for d, f, r, when in decided[i]:
            if f not in fronts:
                raise Fail("a decision names the front that made it",
                           f"purchase {i} was decided by {f!r}", f"ran: {run}")
            if r is None:
                if d != "reject":
                    raise Fail("a purchase no risk instance assessed is decided 'reject'",
                               f"{f} decided {d!r} for purchase {i} at {when:g} s",
                               f"never accept without a risk check. Ran: {run}",
                               diagram=_around(when - 0.2))
                if not any(a <= sent[i] < b for a, b in blind):
                    raise Fail(f"purchase {i} (sent at {sent[i]:g} s) is assessed by a risk "
                               "instance: one was up and reachable",
                               f"{f} decided it alone at {when:g} s",
                               "ask the other instance when the first does not answer. "
                               f"Ran: {run}", diagram=_around(sent[i]))
            elif r not in risks:
                raise Fail("a decision names the risk instance that made it",
                           f"purchase {i} names {r!r}", f"ran: {run}")
            elif d != want:
                raise Fail(f"purchase {i} of {amount(i, seed)} is decided {want!r}",
                           f"{f} decided {d!r} (assessed by {r})",
                           f"the risk rule: accept at most {LIMIT}. Ran: {run}")
    for a, b, where, who in roles:
        wrong = [i for i in range(n) if a <= sent[i] < b and site(decided[i][0][1]) == where
                 and decided[i][0][2] != who]
        if wrong:
            i = wrong[0]
            raise Fail(f"purchases sent between {a:g} and {b:g} s to the fronts on {where} are "
                       f"assessed by {who}",
                       f"{len(wrong)} were not; the first, sent at {sent[i]:g} s, by "
                       f"{decided[i][0][2]}",
                       "ask your own site's instance first (20 ms closer); skip one that "
                       "did not answer for a while, and ask it again once that while is over. "
                       f"Ran: {run}", diagram=_around(sent[i]))
    for a, b, group in spread:
        used = {decided[i][0][1] for i in range(n) if a <= sent[i] < b}
        idle = [f for f in group if f not in used]
        if idle:
            raise Fail(f"purchases sent between {a:g} and {b:g} s are spread over "
                       f"{', '.join(group)}",
                       f"{', '.join(idle)} decided none of them",
                       "the shop sends purchases only to fronts that said ('up', node()) to "
                       f"('shop', SHOP): say it every time a front boots. Ran: {run}")


R1, R2 = RISKS
public(RISK, 3, "risk@site1 crashes at 5 s (back at 10 s), front3 at 12 s (back at 15 s)",
       risk_run,
       faults=[[5.0, "crash", R1], [10.0, "restart", R1], [12.0, "crash", FRONTS[2]],
               [15.0, "restart", FRONTS[2]]],
       roles=[(0.0, 5.0, "site1", R1), (0.0, 20.0, "site2", R2), (5.5, 10.0, "site1", R2),
              (14.0, 20.0, "site1", R1)],
       spread=[(16.0, 20.0, list(FRONTS))])


# ---------------------------------------------------------------------------
# Task 3: how many fronts for the peak hour

async def _busy_front(service_s):
    while True:
        msg = await receive()
        await sleep(service_s)
        send(msg[3], ("done", msg[1], msg[2]))


async def _peak(up, rate, service_s, seconds, seed, out):
    fronts = [spawn(_busy_front, service_s) for _ in range(up)]
    rng = random.Random(seed)
    times, i = [], 0
    nxt = rng.expovariate(rate)
    while nxt < seconds:
        msg = await receive(timeout=max(0.0, nxt - now()))
        if msg is TIMEOUT:
            send(fronts[i % up], ("buy", i, now(), self()))
            i += 1
            nxt += rng.expovariate(rate)
        else:
            times.append(now() - msg[2])
    while len(times) < i:
        msg = await receive(timeout=10.0)
        if msg is TIMEOUT:
            break
        times.append(now() - msg[2])
    out["n"], out["done"] = i, len(times)
    times.sort()
    times += [math.inf] * (i - len(times))
    out["p99"] = times[int(0.99 * len(times))] if times else 0.0
    out["mean"] = sum(x for x in times if x < math.inf) / max(1, len(times))


def measure(up, rate, service_s, seconds=300.0, seed=1) -> dict:
    """The peak hour on the kernel with ``up`` fronts: p99 and mean time to a decision."""
    rt = labrt.Runtime(kernel="sim", seed=seed, trace=False, reports=None)
    out: dict = {}
    rt.spawn(_peak, up, rate, service_s, seconds, seed, out)
    rt.run_until(seconds + 120.0)
    p99 = out.get("p99", math.inf)
    return {"up": up, "n": out.get("n", 0), "p99": p99 if p99 < math.inf else "never",
            "mean": round(out.get("mean", 0.0), 4)}


@scenario
def capacity(t, rate, service_s, deadline, seed=1, seconds=300.0):
    """The student's answer, and the kernel's measurement with it and with one front fewer."""
    fn = t.need("fronts_needed", kind="function")
    got = fn(rate, service_s, deadline)
    obs = {"answer": got if isinstance(got, int) and not isinstance(got, bool) else repr(got)}
    if isinstance(got, int) and not isinstance(got, bool) and 2 <= got <= 200:
        obs["with"] = measure(got - 1, rate, service_s, seconds, seed)
        if got >= 3:
            obs["fewer"] = measure(got - 2, rate, service_s, seconds, seed)
    return obs


def _p99(m) -> str:
    return "never (purchases still waiting at the end)" if m["p99"] == "never" \
        else f"{m['p99']:.3f} s"


@capacity.judge
def _capacity(obs, rate, service_s, deadline, seed=1, seconds=300.0):
    run = (f"the peak hour at {rate:g} purchases/s, {service_s:g} s per purchase on a front, "
           f"p99 deadline {deadline:g} s; measured on the simulated kernel ({seconds:g} s of "
           f"Poisson arrivals, seed {seed}, round robin over the fronts that are up)")
    got = obs.get("answer")
    if not isinstance(got, int):
        raise Fail("fronts_needed returns an int (a number of fronts)", f"it returned {got}",
                   f"round up: a front is not divisible. Ran: {run}")
    if not 2 <= got <= 200:
        raise Fail("between 2 and 200 fronts (one of them is down)", f"it returned {got}",
                   f"ran: {run}")
    w = obs.get("with")
    if not isinstance(w, dict) or w.get("up") != got - 1:
        raise Fail(f"the peak hour measured with {got - 1} fronts up", "no measurement",
                   f"ran: {run}")
    if w["p99"] == "never" or not isinstance(w["p99"], (int, float)) or w["p99"] > deadline:
        raise Fail(f"{got} fronts, one of them down, meet the deadline: p99 at most "
                   f"{deadline:g} s",
                   f"with {got - 1} up the p99 is {_p99(w)} (mean {w['mean']:g} s, "
                   f"{w['n']} purchases)",
                   "size for the peak rate and for the 99th percentile of the time in the "
                   "system (waiting and being served), with one front down for an upgrade; "
                   f"not for the average. Ran: {run}")
    f = obs.get("fewer")
    if got >= 3:
        if not isinstance(f, dict) or f.get("up") != got - 2:
            raise Fail(f"the peak hour measured with {got - 2} fronts up", "no measurement",
                       f"ran: {run}")
        if f["p99"] != "never" and isinstance(f["p99"], (int, float)) and f["p99"] <= deadline:
            raise Fail(f"{got} is the fewest fronts that meet the deadline with one down",
                       f"{got - 1} fronts would do: with {got - 2} up the p99 is {_p99(f)}",
                       f"each front costs money all year: do not add more than one spare. "
                       f"Ran: {run}")


#: Real time for a capacity case: the student's simpy model runs several times.
CAPACITY_LIMIT = 10.0

public(CAPACITY, 3, "40 purchases/s, 0.1 s each, a p99 deadline of 0.24 s", capacity,
       limit=CAPACITY_LIMIT, rate=40.0, service_s=0.1, deadline=0.24)
