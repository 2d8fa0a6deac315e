"""Checks for exercises/ch10-first-system.ipynb: Klarna's first system, a master
and a slave that take purchases from a web shop.

The world of every case is three nodes of a ``labrt.dist.World``: the shop
(``shop@web``), the master (``master@site1``) and the slave (``slave@site1``).
The student writes one process function per task; the check boots it on both
purchase nodes (again at every restart, as a node's boot process), and runs the
shop, written here: an ordinary labrt process registered as ``"shop"`` that
sends a purchase every ``period`` seconds to the node that last announced
itself with ``("master", node)``, sends a purchase again (same id) while it has
no decision, and records every decision with the node and the virtual time.
At the end it asks both nodes for their ledgers.  The faults are data: a list
of ``[time, kind, *args]`` rows turned into a ``labrt.dist.FaultSchedule``.

Observations are plain data (decisions, announcements, ledgers, crashes of the
student's processes); the judges count decided, failed, wrong and lost
purchases and look at which node answered when, so the same judge serves the
public schedule and the hidden ones (other crash times, two crashes, a second
failure while a node restarts, other seeds).  Nothing expected is in this
file's observers: each case's expected roles and limits are judge-only inputs.
"""
from __future__ import annotations

import labrt
from labrt import TIMEOUT, now, receive, register, self, send
from labrt.grading.core import NotDone, describe_reason

from ..core import Fail, Task, public
from ._kit import around as _around, describe_faults, fault_schedule, scenario

NOTEBOOK = "ch10-first-system"
SHOP, MASTER, SLAVE = "shop@web", "master@site1", "slave@site1"
LIMIT = 500                      # a purchase of at most 500 is accepted

FAILOVER = Task(NOTEBOOK, 1, "failover", "master/slave fail-over",
                defines=("failover_node",), hidden_points=4)
SYNC = Task(NOTEBOOK, 2, "sync_on_contact", "sync on contact after a partition",
            defines=("syncing_node",), hidden_points=4)
DURABLE = Task(NOTEBOOK, 3, "restart_window", "survive the vulnerable restart window",
               defines=("careful_node",), hidden_points=4)


def amount(i: int, seed: int) -> int:
    """The amount of purchase ``i`` (deterministic per seed, 1..1000)."""
    return (i * 389 + seed * 131 + 7) % 1000 + 1


async def shop(n, period, retry, seed, end):
    """The web shop: purchases 0..n-1, one every ``period`` s, resent every ``retry`` s."""
    register("shop", self())
    current = MASTER
    announced = []
    sent = {}          # id -> first send time
    last = {}          # id -> last send time
    decided = {}       # id -> [(decision, node, time), ...]
    nxt = 0
    while now() < end:
        t = now()
        while nxt < n and nxt * period <= t + 1e-9:
            sent[nxt] = last[nxt] = t
            send(("purchase", current), ("buy", nxt, amount(nxt, seed), self()))
            nxt += 1
        for i in sorted(last):
            if i not in decided and t - last[i] >= retry - 1e-9:
                last[i] = t
                send(("purchase", current), ("buy", i, amount(i, seed), self()))
        msg = await receive(timeout=0.25)
        if msg is TIMEOUT:
            continue
        if type(msg) is tuple and len(msg) == 2 and msg[0] == "master":
            announced.append((round(now(), 3), str(msg[1])))
            current = msg[1] if msg[1] in (MASTER, SLAVE) else current
        elif type(msg) is tuple and len(msg) == 4 and msg[0] == "decided":
            _, i, decision, who = msg
            if i in sent:
                decided.setdefault(i, []).append((str(decision), str(who), round(now(), 3)))
    ledgers = {}
    for name in (MASTER, SLAVE):
        send(("purchase", name), ("ledger", self()))
    deadline = now() + 1.0
    while len(ledgers) < 2 and now() < deadline:
        msg = await receive(timeout=max(0.0, deadline - now()))
        if msg is TIMEOUT:
            break
        if type(msg) is tuple and len(msg) == 3 and msg[0] == "ledger":
            book = msg[2] if isinstance(msg[2], dict) else {}
            ledgers[str(msg[1])] = {int(k): str(v) for k, v in book.items()
                                    if isinstance(k, int)}
    return {"sent": sent, "decided": decided, "announced": announced, "ledgers": ledgers}


def _world_run(t, fn_name, faults, seed, n, period, end):
    fn = t.need(fn_name)
    world = labrt.World(seed=seed, trace=True, reports=None, latency=0.002, tick=2.0)

    async def boot():
        await fn(MASTER, SLAVE)

    world.node(SHOP)
    t.runtimes.append(world[SHOP])       # the world's trace, for the diagram of a failure
    world.node(MASTER, boot=boot)
    world.node(SLAVE, boot=boot)
    world.apply(fault_schedule(faults))
    pid = world[SHOP].spawn(shop, n, period, 1.0, seed, end)
    world.run_until(end + 2.0)
    crashes = []
    for e in world.trace:
        if e.kind == "exit" and isinstance(e.data, NotDone):
            raise e.data
        if e.kind == "exit" and isinstance(e.data, BaseException) and len(crashes) < 3:
            crashes.append(f"at {e.time:g} s: {describe_reason(e.data)}")
    rt = world[SHOP]
    result = rt.result(pid) if hasattr(rt, "result") else None
    return result, crashes


@scenario
def purchases(t, node_fn, faults, seed=1, n=60, period=0.5, end=34.0):
    """Run the shop against ``node_fn`` on both purchase nodes under ``faults``."""
    result, crashes = _world_run(t, node_fn, faults, seed, n, period, end)
    if not isinstance(result, dict):
        result = {"sent": {}, "decided": {}, "announced": [], "ledgers": {}}
    result["crashes"] = crashes
    return result


def _setup(faults, seed, n, period) -> str:
    return (f"{n} purchases, one every {period:g} s, seed {seed}; faults: "
            f"{describe_faults(faults)}")


def _measured(obs, n) -> str:
    """What the shop measured: decided, failed, lost (from either ledger) and duplicated
    (decided by both nodes) purchases."""
    decided = obs["decided"]
    acked = [i for i in range(n) if decided.get(i)]
    books = {k: b for k, b in obs["ledgers"].items() if isinstance(b, dict)}
    lost = sum(1 for i in acked if any(i not in b for b in books.values()))
    twice = sum(1 for i in acked if len({who for _, who, _ in decided[i]}) > 1)
    silent = [name.split("@")[0] for name in (MASTER, SLAVE) if name not in books]
    return (f"measured: {len(acked)} decided, {n - len(acked)} failed, {lost} lost, "
            f"{twice} decided by both nodes"
            + (f", no ledger from {' and '.join(silent)}" if silent else ""))


@purchases.judge
def _purchases(obs, node_fn, faults, roles=(), lossless=False, max_failed=0,
               seed=1, n=60, period=0.5, end=34.0):
    sent, decided = obs["sent"], obs["decided"]
    run = _setup(faults, seed, n, period)
    if len(sent) == n:
        run += "; " + _measured(obs, n)
    if obs["crashes"]:
        raise Fail("your node processes do not crash", "; ".join(obs["crashes"]),
                   f"ran: {run}")
    if len(sent) != n:
        raise Fail(f"the shop sent {n} purchases", f"it sent {len(sent)}", f"ran: {run}")
    failed = sorted(i for i in range(n) if not decided.get(i))
    if len(failed) > max_failed:
        raise Fail(f"at most {max_failed} purchases without a decision",
                   f"{len(failed)} failed purchases (no decision), the first ones sent at "
                   f"{', '.join(f'{sent[i]:g}' for i in failed[:4])} s",
                   "a purchase fails when no node takes it: who is master after a fault? "
                   f"Tell the shop with ('master', node()). Ran: {run}",
                   diagram=_around(sent[failed[0]]))
    for i in range(n):
        want = "accept" if amount(i, seed) <= LIMIT else "reject"
        for d, who, when in decided.get(i, []):
            if d != want:
                raise Fail(f"purchase {i} of {amount(i, seed)} is decided {want!r}",
                           f"{who} decided {d!r} at {when:g} s",
                           f"accept at most {LIMIT}, reject more. Ran: {run}",
                           diagram=_around(when - 0.1))
    for a, b, who in roles:
        wrong = [(i, decided[i][0][1]) for i in range(n)
                 if a <= sent[i] < b and decided.get(i) and decided[i][0][1] != who]
        if wrong:
            i, by = wrong[0]
            raise Fail(f"purchases sent between {a:g} and {b:g} s are decided by "
                       f"{who.split('@')[0]}",
                       f"{len(wrong)} were decided by another node, the first one "
                       f"(sent at {sent[i]:g} s) by {by}",
                       "the slave takes over when the master is down and the master takes "
                       "the role back when it returns (both announce it to the shop). "
                       f"Ran: {run}", diagram=_around(sent[i]))
    if lossless:
        acked = sorted(i for i in range(n) if decided.get(i))
        ledgers = obs["ledgers"]
        for name in (MASTER, SLAVE):
            book = ledgers.get(name)
            if not isinstance(book, dict):
                raise Fail(f"{name} answers ('ledger', pid) at the end",
                           "no ledger came back within 1 s", f"ran: {run}")
            lost = [i for i in acked if i not in book]
            if lost:
                raise Fail(f"zero lost purchases: every decided purchase is in the "
                           f"ledger of {name.split('@')[0]} at the end",
                           f"{len(lost)} lost purchases, the first ones: {lost[:5]} "
                           f"(sent at {', '.join(f'{sent[i]:g}' for i in lost[:3])} s)",
                           "a purchase the shop was told about must survive: copy it to "
                           "the other node, merge both ledgers when they meet again, and "
                           f"keep it on disk if a node can die before that. Ran: {run}",
                           diagram=_around(decided[lost[0]][0][2]))
            extra = [i for i in book if i not in sent]
            if extra:
                raise Fail("ledgers hold only purchases the shop sent",
                           f"{name} holds unknown ids {extra[:5]}", f"ran: {run}")
            bad = [i for i in acked if i in book and book[i] != decided[i][0][0]]
            if bad:
                raise Fail("a ledger keeps the decision the shop was given",
                           f"{name} has another decision for {bad[:5]}", f"ran: {run}")


def _case(task, points, title, fn, faults, **kw):
    public(task, points, title, purchases, node_fn=fn, faults=faults, **kw)


# Task 1: the master crashes at 10 s and comes back at 20 s.
_case(FAILOVER, 3, "master crashes at 10 s, restarts at 20 s", "failover_node",
      [[10.0, "crash", MASTER], [20.0, "restart", MASTER]],
      roles=[(0.0, 10.0, MASTER), (11.0, 20.0, SLAVE), (21.0, 30.0, MASTER)],
      max_failed=0)

# Task 2: the slave is cut off from the master (not from the shop) for 8 s.
_case(SYNC, 3, "master | slave partition from 8 s to 16 s", "syncing_node",
      [[8.0, "partition", [MASTER], [SLAVE]], [16.0, "heal"]],
      roles=[(0.0, 8.0, MASTER), (11.0, 16.0, SLAVE), (19.0, 30.0, MASTER)],
      lossless=True)

# Task 3: the master dies, then the slave dies before the master is back.
_case(DURABLE, 3, "master dies at 6 s, slave at 12 s; master back at 14 s, slave at 22 s",
      "careful_node",
      [[6.0, "crash", MASTER], [12.0, "crash", SLAVE], [14.0, "restart", MASTER],
       [22.0, "restart", SLAVE]],
      lossless=True, max_failed=0)
