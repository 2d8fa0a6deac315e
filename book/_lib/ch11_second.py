"""Klarna's second system (chapter 11), in labrt, under chapter 10's load and faults.

The same node names as :mod:`ch10_first`, so a named schedule means the same
node-level faults for both systems; what changes is what runs on them:

* ``master@site1``, ``slave@site1`` are now two equal purchase nodes (the
  shop still prefers the first and fails over to the other).  A ``front``
  decides a purchase (asking the risk service, ``bureau@ext``, with a short
  timeout), appends it to an *ordered queue* kept on the node's disk
  (``seq -> purchase``), and answers.  The queue survives a crash of its node.
* ``bo_master@site2`` is the bank-like back end: a ledger on disk that accepts
  a node's entries strictly in sequence order, acknowledges cumulatively, and
  books each purchase id once (idempotent).  Fronts resend unacknowledged
  entries every second, so a back-end crash delays the books (eventual
  consistency between front and back end) but loses and duplicates nothing.
* ``bo_slave@site2`` keeps chapter 10's books slave (it receives nothing here).

:func:`run_second` has :func:`ch10_first.run_first`'s signature and keys.
"""
from __future__ import annotations

import labrt
from labrt import TIMEOUT

try:
    from . import ch10_first as c10
except ImportError:
    import ch10_first as c10

MASTER, SLAVE, BOM, BOS, BUREAU, WEB = c10.MASTER, c10.SLAVE, c10.BOM, c10.BOS, c10.BUREAU, c10.WEB
RESEND = 1.0
REPORTS = None


def _disk():
    return labrt.current_runtime().disk


async def front():
    """Decide, append to the node's durable ordered queue, answer; resend what is unacked."""
    me, node = labrt.self(), labrt.node()
    labrt.register("front", me)
    send, receive, now = labrt.send, labrt.receive, labrt.now
    disk = _disk()
    queue = disk.setdefault("queue", {})          # seq -> pid, until the ledger acks it
    disk.setdefault("seq", 0)
    ledger = ("books", BOM)
    skip_until = -1.0
    send(("web", WEB), ("up", node, me))
    labrt.send_after(RESEND, me, ("resend",))
    while True:
        msg = await receive()
        kind = msg[0]
        if kind == "buy":
            _, pid, amount, shop = msg
            if amount > c10.BUREAU_ABOVE and now() >= skip_until:
                ref = labrt.make_ref()
                send(("bureau", BUREAU), ("score", ref, me, amount))
                r = await receive(lambda m, ref=ref: m[0] == "scored" and m[1] == ref,
                                  timeout=c10.BUREAU_WAIT)
                if r is TIMEOUT:
                    skip_until = now() + 30.0
                    decision = "accept" if amount <= c10.ALONE_LIMIT else "reject"
                else:
                    decision = r[2]
            else:
                decision = "accept"
            disk["seq"] += 1
            seq = disk["seq"]
            queue[seq] = pid
            send(ledger, ("append", node, seq, pid, me))
            send(shop, ("decided", pid, decision, now()))
        elif kind == "acked":
            for s in [s for s in queue if s <= msg[1]]:
                del queue[s]
        elif kind == "resend":
            for s in sorted(queue):
                send(ledger, ("append", node, s, queue[s], me))
            labrt.send_after(RESEND, me, ("resend",))
        elif kind == "ping":
            send(msg[1], ("up", node, me))
        elif kind == "upgrade":
            await labrt.sleep(c10.UPGRADE_PAUSE)
            send(msg[1], ("upgraded", node, 2))


async def purchase_boot():
    labrt.spawn(front)


async def ledger():
    """The books on disk: each node's entries taken in order, each purchase booked once."""
    me = labrt.self()
    labrt.register("books", me)         # the name the shop asks for the books
    disk = _disk()
    books = disk.setdefault("books", {})          # pid -> node
    nxt = disk.setdefault("next", {})             # node -> next expected seq
    dups = disk.setdefault("dups", set())
    send = labrt.send
    while True:
        msg = await labrt.receive()
        if msg[0] == "append":
            _, node, seq, pid, who = msg
            expect = nxt.get(node, 1)
            if seq == expect:
                if pid in books and books[pid] != node:
                    dups.add(pid)                 # decided by both nodes; booked once
                books.setdefault(pid, node)
                nxt[node] = expect = seq + 1
            send(who, ("acked", expect - 1))
        elif msg[0] == "report":
            send(msg[1], ("books", BOM, dict(books), set()))


async def bo_master_boot():
    labrt.spawn(ledger)


def run(hours=24, day=21, schedule="month", seed=1, total=2_500_000, tick=10.0):
    """Run the window; return a :class:`ch10_first.Run` (same figures)."""
    month = c10.kt.Month(total=total)
    t0 = c10.at(day, 0)
    t1 = min(t0 + hours * c10.H, month.seconds())
    if schedule == "none":
        events = []
    elif schedule == "month":
        events = c10.month_faults()
    else:
        events = [(t + t0, f) for t, f in schedule]
    faults, ops = c10._window_schedule(events, t0, t1)
    w = labrt.World(seed=seed, trace=False, reports=REPORTS, latency=0.002, tick=tick)
    shop_node = w.node(WEB)
    w.node(MASTER, boot=purchase_boot)
    w.node(SLAVE, boot=purchase_boot)
    w.node(BOM, boot=bo_master_boot)
    w.node(BOS, boot=c10.bo_slave_boot)
    w.node(BUREAU, boot=c10.bureau_boot)
    w.apply(faults)
    stats = {}
    span = t1 - t0
    shop_node.spawn(c10.web, c10._arrivals(month, t0, t1, seed), seed, span + 30.0, stats)
    if ops:
        shop_node.spawn(c10.operator, ops)
    w.run_until(span + 60.0)
    return c10.Run(stats, faults, ops, t0, hours)


def run_second(hours=24, day=21, schedule="month", seed=1, total=2_500_000):
    """The second system's figures: the keys of :func:`ch10_first.run_first`."""
    return run(hours=hours, day=day, schedule=schedule, seed=seed, total=total).summary()
