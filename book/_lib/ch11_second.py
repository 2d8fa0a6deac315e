"""Klarna's second system (chapter 11), in labrt, under chapter 10's load and faults.

The talk's "new directions", as a ``labrt.World`` with chapter 10's node
names, so that a schedule written for the first system means the same
node-level faults here; what changes is what runs on the nodes and how the
shop uses them.

* **Horizontal front ends.**  ``master@site1``, ``slave@site1`` and a third,
  ``front@site2``, are equal purchase nodes.  The shop spreads purchases over
  every front that is up (round robin), fails over on ``nodedown`` as in
  chapter 10, and, the high-SLA part, does not wait for the net tick: a
  purchase unanswered after ``RETRY`` seconds is sent to another front.
* **Stateless services.**  A front asks a risk service (``risk@site1``,
  ``risk@site2``) about every purchase.  The service keeps no state, so any
  instance gives the same answer: a front asks the one on its own site, and
  one that does not answer within ``RISK_WAIT`` is skipped for 30 s (a crash
  and a partition between the services of a purchase node look the same to
  the front).  The credit bureau is asked as in chapter 10.
* **An ordered message queue to a bank-like back end.**  A front appends each
  decided purchase to a queue on its node's disk (``seq -> purchase``) and
  answers at once; the queue survives a crash.  ``bo_master@site2`` runs the
  ledger: it takes each front's entries strictly in sequence order (an entry
  after a gap is refused and comes again), acknowledges cumulatively, and
  books each purchase id once.  Fronts resend unacknowledged entries every
  ``RESEND`` seconds, so a dead back end delays the books (eventual
  consistency between front and back end) and loses nothing.

Each new part can be switched off (:class:`Design`), which is how the
chapter replaces the first system's components one at a time.

Speed: a peak day is about 225,000 purchases and six remote messages each.
A front sends to a risk instance's or the ledger's pid once it has answered
(a send to a pid takes labrt's fast path, a send to a remote name does not),
and goes back to the name after a silence, since the service may have
restarted with a new pid.  Timers run only while something waits (the
shop's retry sweep, a front's resend), not every second all day.

:func:`run` returns a :class:`Run` with :func:`ch10_first.run`'s figures
(``summary()`` has the same keys, measured the same way: latency is arrival
to the front's decision, a purchase is decided when its answer reaches the
shop within ``DEADLINE``) and the second system's own: how far the books
lagged behind the decisions, how many entries the ledger refused as out of
order, which risk instance answered when.
"""
from __future__ import annotations

from dataclasses import dataclass

import labrt
from labrt import TIMEOUT
from labrt.dist import Crash, Restart

try:
    from . import ch10_first as c10
except ImportError:
    import ch10_first as c10

MASTER, SLAVE, BOM, BOS, BUREAU, WEB = c10.MASTER, c10.SLAVE, c10.BOM, c10.BOS, c10.BUREAU, c10.WEB
FRONT3 = "front@site2"
RISK1, RISK2 = "risk@site1", "risk@site2"
RESEND = 1.0            # fronts resend unacknowledged queue entries this often
RETRY = 1.0             # the shop sends an unanswered purchase elsewhere after this
RISK_WAIT = 0.1         # a front waits this long for a risk instance
RISK_LIMIT = 990        # the risk service turns down amounts above this
H = c10.H


def site(node):
    return node.split("@", 1)[1]


@dataclass(frozen=True)
class Design:
    """Which of the new parts run: the fronts, the risk instances, the shop's policy."""
    fronts: tuple = (MASTER, SLAVE, FRONT3)
    risks: tuple = (RISK1, RISK2)
    spread: bool = True             # round robin over the fronts (else: the first one up)
    retry: float | None = RETRY     # resend an unanswered purchase elsewhere after this

    def risk_order(self, node):
        """The risk instances a front asks, its own site's first."""
        return tuple(sorted(self.risks, key=lambda r: site(r) != site(node)))


SECOND = Design()
#: The back end replaced and nothing else: two fronts, master first, no retry, no risk.
LEDGER_ONLY = Design(fronts=(MASTER, SLAVE), risks=(), spread=False, retry=None)


def peak_day(day=21):
    """Chapter 10's faults and operations on ``day`` (window seconds), and one more:
    the back-office master crashes twenty seconds into site 1's outage and is back a
    minute later.  Both systems run under this one list."""
    t0 = c10.at(day, 0)
    events = [(t - t0, ev) for t, ev in c10.month_faults() if t0 <= t < t0 + c10.D]
    events += [(c10.at(21, 20, 0, 20) - t0, Crash(BOM)), (c10.at(21, 20, 1, 20) - t0, Restart(BOM))]
    return sorted(events, key=lambda e: e[0])


def _disk():
    return labrt.current_runtime().disk


# --- the purchase nodes ------------------------------------------------------

async def front(design):
    """Decide (risk service, bureau), append to the durable ordered queue, answer."""
    me, node = labrt.self(), labrt.node()
    labrt.register("front", me)
    send, receive, now = labrt.send, labrt.receive, labrt.now
    disk = _disk()
    queue = disk.setdefault("queue", {})          # seq -> (pid, decided at), until acked
    disk.setdefault("seq", 0)
    ledger = ("books", BOM)
    risks = design.risk_order(node)
    risk_skip = {}                                # instance -> skipped until
    risk_pid = {}                                 # instance -> its pid, once it answered
    ledger_pid = None                             # the ledger's pid, once it acked
    skip_bureau_until = -1.0
    version = 1
    send(("web", WEB), ("up", node, me))
    armed = bool(queue)                           # a resend timer runs while entries wait
    if armed:
        labrt.send_after(RESEND, me, ("resend",))
    while True:
        msg = await receive()
        kind = msg[0]
        if kind == "buy":
            _, pid, amount, shop = msg
            decision, by = "accept", None
            if risks:
                for r in risks:
                    if risk_skip.get(r, -1.0) > now():
                        continue
                    ref = labrt.make_ref()
                    send(risk_pid.get(r) or ("risk", r), ("assess", ref, me, amount))
                    a = await receive(lambda m, ref=ref: m[0] == "assessed" and m[1] == ref,
                                      timeout=RISK_WAIT)
                    if a is TIMEOUT:
                        risk_skip[r] = now() + 30.0
                        risk_pid.pop(r, None)     # by name next time: it may have restarted
                        continue
                    decision, by = a[2], r
                    risk_pid[r] = a[3]
                    break
                else:                             # no instance answered: decide alone
                    decision = "accept" if amount <= c10.ALONE_LIMIT else "reject"
            if decision == "accept" and amount > c10.BUREAU_ABOVE:
                b = TIMEOUT
                if now() >= skip_bureau_until:
                    ref = labrt.make_ref()
                    send(("bureau", BUREAU), ("score", ref, me, amount))
                    b = await receive(lambda m, ref=ref: m[0] == "scored" and m[1] == ref,
                                      timeout=c10.BUREAU_WAIT)
                    if b is TIMEOUT:
                        skip_bureau_until = now() + 30.0
                decision = (b[2] if b is not TIMEOUT
                            else "accept" if amount <= c10.ALONE_LIMIT else "reject")
            t = now()
            disk["seq"] += 1
            seq = disk["seq"]
            queue[seq] = (pid, t)                 # on disk before the answer goes out
            send(ledger_pid or ledger, ("append", node, seq, pid, t, me))
            send(shop, ("decided", pid, decision, t, by))
            if not armed:
                armed = True
                labrt.send_after(RESEND, me, ("resend",))
        elif kind == "acked":
            ledger_pid = msg[2]
            for s in [s for s in queue if s <= msg[1]]:
                del queue[s]
        elif kind == "resend":
            old = now() - RESEND
            for s in sorted(queue):
                pid, t = queue[s]
                if t <= old:                      # not acked within RESEND: send it again,
                    ledger_pid = None             # by name (the ledger may have restarted)
                    send(ledger, ("append", node, s, pid, t, me))
            armed = bool(queue)
            if armed:
                labrt.send_after(RESEND, me, ("resend",))
        elif kind == "ping":
            send(msg[1], ("up", node, me))
        elif kind == "upgrade":
            await labrt.sleep(c10.UPGRADE_PAUSE)
            version += 1
            send(msg[1], ("upgraded", node, version))


def _front_boot(design):
    async def boot():
        labrt.spawn(front, design)
    return boot


async def risk():
    """Stateless risk assessment: the answer depends on the request alone."""
    me = labrt.self()
    labrt.register("risk", me)
    send, receive = labrt.send, labrt.receive
    while True:
        _, ref, who, amount = await receive()
        send(who, ("assessed", ref, "accept" if amount <= RISK_LIMIT else "reject", me))


async def risk_boot():
    labrt.spawn(risk)


# --- the back end ------------------------------------------------------------

async def ledger():
    """The books on disk: each front's entries in order, each purchase booked once."""
    me = labrt.self()
    labrt.register("books", me)
    disk = _disk()
    books = disk.setdefault("books", {})          # pid -> node that booked it
    nxt = disk.setdefault("next", {})             # node -> next expected seq
    dups = disk.setdefault("dups", set())         # decided by two fronts, booked once
    lag = disk.setdefault("lag", [0.0, 0])        # [largest decision-to-booking delay, bookings]
    refused = disk.setdefault("refused", [0])     # entries that came after a gap
    send, now = labrt.send, labrt.now
    while True:
        msg = await labrt.receive()
        if msg[0] == "append":
            _, node, seq, pid, t, who = msg
            expect = nxt.get(node, 1)
            if seq == expect:
                had = books.get(pid)
                if had is None:
                    books[pid] = node
                    late = now() - t
                    if late > lag[0]:
                        lag[0] = late
                    lag[1] += 1
                elif had != node:
                    dups.add(pid)
                nxt[node] = expect = seq + 1
            elif seq > expect:
                refused[0] += 1
            send(who, ("acked", expect - 1, me))
        elif msg[0] == "report":
            send(msg[1], ("books", BOM, frozenset(books), frozenset(dups), lag[0], refused[0]))


async def bo_master_boot():
    labrt.spawn(ledger)


# --- the shop ----------------------------------------------------------------

class Shop(c10.ShopBase):
    """Where purchases go (spread over the fronts that are up), which still wait, what came back.

    ``waiting``: pid -> [arrival, amount, node or None, sent at]."""

    def __init__(self, me, design, arrived_at=None):
        super().__init__(me, arrived_at)
        self.design = design
        self.order = design.fronts
        self.turn = 0
        self.retries = 0
        self.sweeping = False                     # a sweep timer runs while purchases wait
        self.by_risk = {}                         # (minute, risk instance) -> purchases

    def pick(self, not_this=None):
        up = [n for n in self.order if n in self.fronts and n not in self.avoid]
        if not up:
            up = [n for n in self.order if n in self.fronts]
        if len(up) > 1 and not_this in up:
            up.remove(not_this)
        if not up:
            return None
        if not self.design.spread:
            return up[0]
        self.turn += 1
        return up[self.turn % len(up)]

    def send(self, pid, entry, node):
        entry[2], entry[3] = node, labrt.now()
        if node is not None:
            labrt.send(self.fronts[node], ("buy", pid, entry[1], self.me))
            if self.design.retry and not self.sweeping:
                self.sweeping = True
                labrt.send_after(self.design.retry / 2, self.me, ("sweep",))

    def up_changed(self):
        now = labrt.now()
        if self.fronts and self.none_since is not None:
            self.downtime += now - self.none_since
            self.outages.append((self.none_since, now))
            self.none_since = None
        elif not self.fronts and self.none_since is None:
            self.none_since = now
        if self.fronts:
            for pid, e in self.waiting.items():   # sent nowhere, or to a node now down
                if e[2] is None or e[2] not in self.fronts:
                    self.send(pid, e, self.pick())

    def arrive(self, pid, t, amount):
        entry = [t, amount, None, t]
        self.waiting[pid] = entry
        if self.fronts:
            self.send(pid, entry, self.pick())

    def decision(self, msg):
        entry = super().decision(msg)
        if entry is not None:
            key = (int(entry[0] // 60), msg[4])
            self.by_risk[key] = self.by_risk.get(key, 0) + 1

    def changed(self, node, up):
        self.up_changed()

    def other(self, msg):
        kind = msg[0]
        if kind == "sweep":                     # the high-SLA part: do not wait for the tick
            now, retry = labrt.now(), self.design.retry
            for pid, e in self.waiting.items():
                if e[2] is not None and now - e[3] >= retry:
                    other = self.pick(not_this=e[2])
                    if other != e[2]:
                        self.retries += 1
                        self.send(pid, e, other)
            self.sweeping = bool(self.waiting)
            if self.sweeping:
                labrt.send_after(retry / 2, self.me, ("sweep",))
        elif kind == "avoid":
            self.avoid.add(msg[1])
            for pid, e in self.waiting.items():
                if e[2] == msg[1]:
                    self.send(pid, e, self.pick())
        elif kind == "welcome":
            self.avoid.discard(msg[1])


async def web(design, arrivals, seed, horizon, stats, sampler=None):
    """Send every purchase to a front; collect the decisions and, at the end, the books.

    The loop is chapter 10's (:func:`ch10_first.serve`): the same ids and amounts."""
    me = labrt.self()
    labrt.register("web", me)
    labrt.monitor_nodes(True)
    shop = Shop(me, design, [] if sampler is not None else None)
    shop.find(design.fronts)
    pid = await c10.serve(shop, arrivals, seed, horizon, sampler)
    stats.update(shop=shop, purchases=sampler.total if sampler is not None else pid)
    receive, send = labrt.receive, labrt.send
    send(("books", BOM), ("report", me))
    r = await receive(lambda m: m[0] == "books", timeout=5.0)
    stats["books"] = None if r is TIMEOUT else r


async def operator(design, ops):
    """Upgrades (every front in turn) and planned maintenance, at their times."""
    me = labrt.self()
    for t, op in ops:
        await labrt.sleep(max(0.0, t - labrt.now()))
        if op.kind == "upgrade":
            for n in design.fronts:
                labrt.send(("front", n), ("upgrade", me))
                await labrt.receive(lambda m: m[0] == "upgraded", timeout=10.0)
        elif op.kind in ("maintain", "welcome"):
            labrt.send(("web", WEB), ("avoid" if op.kind == "maintain" else "welcome", op.node))


# --- running it --------------------------------------------------------------

class Run(c10.Figures):
    """One run's figures (``summary()``: chapter 10's keys, measured by the same
    :class:`ch10_first.Figures`) and the second system's own."""

    def __init__(self, stats, design, hours, sampler=None):
        self.design = design
        books = stats.get("books")
        booked, dups, self.books_lag_s, self.refused = (
            (books[2], books[3], books[4], books[5]) if books
            else (frozenset(), frozenset(), None, 0))
        self.measure(stats["shop"], stats["purchases"], booked, dups, hours, sampler)
        self.in_books = len(booked)
        self.retries = self.shop.retries
        self.by_risk = dict(self.shop.by_risk)


def run(hours=24, day=21, schedule="month", seed=1, total=2_500_000, tick=10.0,
        design: Design = SECOND, fidelity=c10.fid.FULL, k=c10.fid.K):
    """Run the window (``schedule`` and ``fidelity`` as for :func:`ch10_first.run`);
    return a :class:`Run`."""
    _t0, span, faults, ops, arrivals, sampler = c10.window(hours, day, schedule, seed, total,
                                                           fidelity, k)
    w = labrt.World(seed=seed, trace=False, reports=None, latency=0.002, tick=tick)
    shop_node = w.node(WEB)
    for n in design.fronts:
        w.node(n, boot=_front_boot(design))
    for n in design.risks:
        w.node(n, boot=risk_boot)
    w.node(BOM, boot=bo_master_boot)
    w.node(BUREAU, boot=c10.bureau_boot)
    w.apply(faults)
    stats = {}
    shop_node.spawn(web, design, arrivals, seed, span + 30.0, stats, sampler)
    if ops:
        shop_node.spawn(operator, design, ops)
    w.run_until(span + 60.0)
    return Run(stats, design, hours, sampler)


def run_second(hours=24, day=21, schedule="month", seed=1, total=2_500_000):
    """The second system's figures: the keys of :func:`ch10_first.run_first`."""
    return run(hours=hours, day=day, schedule=schedule, seed=seed, total=total).summary()


def run_second_design(design, schedule, hours=1, day=21, seed=1):
    """The figures of one design under ``schedule`` (chapter 11's step-by-step table)."""
    return run(hours=hours, day=day, schedule=schedule, seed=seed, design=design).summary()
