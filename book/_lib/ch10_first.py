"""Klarna's first system, built in labrt and driven by a day of Klarna's traffic.

The talk draws the first system as two sites: on site 1 a *master* that takes
purchases and a *slave* that serves web traffic and stands by, on site 2 a
*back-office* master and slave that keep the books for customer service.
Every node runs Erlang, data is replicated, and fail-over is "immediate".
This module is that picture as a ``labrt.World``, small enough that a whole
peak day (Friday 21 December, about 225,000 purchases) runs in about 4 s,
every purchase a request that travels through the system as messages.

The nodes
---------
* ``web@shop`` -- the shop (the internet): turns the traffic model's arrival
  times into purchase requests, sends each to the current purchase node and
  keeps it until a decision comes back.  When that node goes down it fails
  over to the other one and sends the waiting purchases again; it probes the
  lost node every 5 s and switches back to the master when it answers.
* ``master@site1``, ``slave@site1`` -- a ``front`` process each (decides a
  purchase, asks the credit bureau about big ones, logs it, answers) and a
  ``replica`` of the other purchase node's purchases.  The front answers
  only after it has *sent* the purchase to the replica and to the books.
* ``bo_master@site2``, ``bo_slave@site2`` -- the books: every purchase the
  fronts took, by id.  The back-office master copies its new entries to the
  slave every 10 s; when it meets a purchase node again after losing it (a
  crash or a partition, the same to it), it asks that node and its replica
  for everything they hold: data is synced on contact.
* ``bureau@ext`` -- an external credit bureau.  A front waits at most
  ``BUREAU_WAIT`` for its answer; without one it decides alone (a smaller
  limit) and skips the bureau for 30 s, so a silent bureau costs latency for
  a moment, not availability.

Plain receive loops rather than gen_servers: at a few hundred thousand
messages the generic layer's bookkeeping shows (``bench/wl_month.py`` made
the same choice for its replica).

Operations that are not faults (``Op``): a rolling *upgrade* (each purchase
node loads new code in turn, pausing ``UPGRADE_PAUSE`` while traffic keeps
arriving), and planned *maintenance* of one node (the shop moves its traffic
off the node first, then the node is stopped and restarted later).

What :func:`run_first` reports: purchases, decided (within ``DEADLINE``),
failed (not decided within it), lost (acknowledged to the shop but in
neither back-office node's books at the end), duplicated (taken by both
purchase nodes: in the books from both, or answered to the shop twice), decision latency percentiles, availability, and downtime
(seconds in which the shop had no purchase node to send to).
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import labrt
from labrt import TIMEOUT
from labrt.dist import Crash, FaultSchedule, Heal, Partition, Restart

try:                                            # as _lib.ch10_first (the book)
    from . import fidelity as fid
    from . import klarna_traffic as kt
except ImportError:                             # with book/_lib on sys.path (bench)
    import fidelity as fid
    import klarna_traffic as kt

WEB, MASTER, SLAVE = "web@shop", "master@site1", "slave@site1"
BOM, BOS, BUREAU = "bo_master@site2", "bo_slave@site2", "bureau@ext"
PURCHASE_NODES = (MASTER, SLAVE)
OTHER = {MASTER: SLAVE, SLAVE: MASTER}
NODES = (WEB, MASTER, SLAVE, BOM, BOS, BUREAU)
D, H = kt.DAY, kt.HOUR
DEADLINE = 3.0          # "decided in a few seconds"
BUREAU_WAIT = 0.5       # how long a front waits for the credit bureau
BUREAU_ABOVE = 900      # amounts above this ask the bureau
LIMIT, ALONE_LIMIT = 950, 300
UPGRADE_PAUSE = 0.2
BUDGET_MIN = 0.0001 * 31 * 24 * 60      # 99.99 % of December: 4.46 minutes


def at(day, hour, minute=0, second=0):
    """Seconds from 1 December 00:00 to December ``day``, ``hour:minute:second``."""
    return (day - 1) * D + hour * H + minute * 60.0 + second


@dataclass(frozen=True)
class Op:
    """An operation that is not a fault: ``kind`` is "upgrade" or "maintain" (of ``node``)."""
    kind: str
    node: str = ""
    lasting: float = 1200.0

    def describe(self):
        if self.kind == "upgrade":
            return "rolling upgrade of both purchase nodes"
        return f"maintenance: stop {self.node} for {self.lasting / 60:.0f} min"


def month_faults():
    """The month's faults and operations as ``[(t, Fault or Op), ...]``."""
    ev = []
    for day in (3, 5, 10, 12, 17, 19, 21, 26):          # upgrades, several a week
        ev.append((at(day, 14), Op("upgrade")))
    ev += [
        (at(5, 10), Crash(MASTER)), (at(5, 10, 1), Restart(MASTER)),
        (at(12, 15), Crash(SLAVE)), (at(12, 15, 1), Restart(SLAVE)),
        (at(28, 19), Crash(MASTER)), (at(28, 19, 1), Restart(MASTER)),
        # the peak day
        (at(21, 4), Op("maintain", SLAVE, 1200.0)),
        (at(21, 9), Crash(MASTER)), (at(21, 9, 1), Restart(MASTER)),
        (at(21, 11), Partition((BUREAU,), (MASTER, SLAVE))), (at(21, 11, 10), Heal()),
        (at(21, 15), Partition((MASTER,))), (at(21, 15, 0, 30), Heal()),
        (at(21, 16), Op("maintain", MASTER, 1200.0)),
        # both nodes of site 1: the slave dies, and the master dies while it restarts
        (at(21, 20), Crash(SLAVE)), (at(21, 20, 0, 40), Crash(MASTER)),
        (at(21, 20, 1), Restart(SLAVE)), (at(21, 20, 1, 30), Restart(MASTER)),
    ]
    return sorted(ev, key=lambda e: e[0])


# --- the purchase nodes ------------------------------------------------------

async def front():
    """Take purchases: decide, log to the replica and the books, answer the shop."""
    me, node = labrt.self(), labrt.node()
    labrt.register("front", me)
    send, receive, now = labrt.send, labrt.receive, labrt.now
    peer = ("replica", OTHER[node])
    books = ("books", BOM)
    bureau = ("bureau", BUREAU)
    log = {}                    # this node's purchases: id -> (amount, decision)
    skip_bureau_until = -1.0
    version = 1
    send(("web", WEB), ("up", node, me))
    while True:
        msg = await receive()
        kind = msg[0]
        if kind == "buy":
            _, pid, amount, shop = msg
            if amount <= BUREAU_ABOVE:
                decision = "accept"
            else:
                r = TIMEOUT
                if now() >= skip_bureau_until:
                    ref = labrt.make_ref()
                    send(bureau, ("score", ref, me, amount))
                    r = await receive(lambda m, ref=ref: m[0] == "scored" and m[1] == ref,
                                      timeout=BUREAU_WAIT)
                    if r is TIMEOUT:            # silent: decide alone for 30 s
                        skip_bureau_until = now() + 30.0
                if r is TIMEOUT:
                    decision = "accept" if amount <= ALONE_LIMIT else "reject"
                else:
                    decision = r[2]
            log[pid] = (amount, decision)
            send(peer, ("log", pid, amount, decision))
            send(books, ("log", pid, node))
            send(shop, ("decided", pid, decision, now()))
        elif kind == "sync":                    # the books ask for everything
            send(msg[1], ("entries", node, tuple(log)))
        elif kind == "ping":
            send(msg[1], ("up", node, me))
        elif kind == "upgrade":                 # load new code; traffic waits meanwhile
            await labrt.sleep(UPGRADE_PAUSE)
            version += 1
            send(msg[1], ("upgraded", node, version))


async def replica():
    """The other purchase node's purchases (id -> amount, decision)."""
    me = labrt.self()
    labrt.register("replica", me)
    node, other = labrt.node(), OTHER[labrt.node()]
    held = {}
    receive, send = labrt.receive, labrt.send
    while True:
        msg = await receive()
        if msg[0] == "log":
            held[msg[1]] = (msg[2], msg[3])
        elif msg[0] == "sync":
            send(msg[1], ("entries", other, tuple(held)))


async def purchase_boot():
    labrt.spawn(front)
    labrt.spawn(replica)


# --- the back office -----------------------------------------------------------

async def books_master():
    """The books: purchase id -> the node that took it; copied to the slave, synced on contact."""
    me = labrt.self()
    labrt.register("books", me)
    labrt.monitor_nodes(True)
    books, dups, fresh = {}, set(), []
    receive, send = labrt.receive, labrt.send
    labrt.send_after(10.0, me, ("copy",))
    for n in PURCHASE_NODES:                    # on (re)boot: fetch what the nodes hold
        send(("front", n), ("sync", me))
        send(("replica", n), ("sync", me))

    def enter(pid, node):
        had = books.get(pid)
        if had is None:
            books[pid] = node
            fresh.append((pid, node))
        elif had != node:
            dups.add(pid)

    while True:
        msg = await receive()
        kind = msg[0]
        if kind == "log":
            enter(msg[1], msg[2])
        elif kind == "entries":
            node = msg[1]
            for pid in msg[2]:
                enter(pid, node)
        elif kind == "nodeup" and msg[1] in PURCHASE_NODES:
            send(("front", msg[1]), ("sync", me))
            send(("replica", msg[1]), ("sync", me))
        elif kind == "copy":
            if fresh:
                send(("books", BOS), ("entries", tuple(fresh)))
                fresh.clear()
            labrt.send_after(10.0, me, ("copy",))
        elif kind == "report":
            send(msg[1], ("books", BOM, frozenset(books), frozenset(dups)))


async def books_slave():
    me = labrt.self()
    labrt.register("books", me)
    books = {}
    receive, send = labrt.receive, labrt.send
    while True:
        msg = await receive()
        if msg[0] == "entries":
            for pid, node in msg[1]:
                books.setdefault(pid, node)
        elif msg[0] == "report":
            send(msg[1], ("books", BOS, frozenset(books), frozenset()))


async def bo_master_boot():
    labrt.spawn(books_master)


async def bo_slave_boot():
    labrt.spawn(books_slave)


async def bureau_boot():
    async def bureau():
        labrt.register("bureau", labrt.self())
        while True:
            _, ref, who, amount = await labrt.receive()
            labrt.send(who, ("scored", ref, "accept" if amount <= LIMIT else "reject"))
    labrt.spawn(bureau)


# --- the shop ------------------------------------------------------------------

def _percentile(sorted_values, q):
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


class ShopBase:
    """What both systems' shops keep: the purchases still waiting, what came back, downtime.

    ``waiting`` maps a purchase id to an entry whose first item is its
    arrival time; :meth:`decision` takes a ``("decided", id, decision, t,
    ...)`` answer.  ``arrived_at`` (a list, when a run samples its quiet
    hours) gets each decided purchase's arrival time, for the weights."""

    def __init__(self, me, arrived_at=None):
        self.me = me
        self.fronts = {}                        # node -> front pid (the up ones)
        self.avoid = set()                      # nodes under planned maintenance
        self.waiting = {}                       # id -> (arrival, amount, ...)
        self.latency = []
        self.late = []                          # arrival times of purchases decided too late
        self.acked = set()
        self.duplicates = set()                 # ids answered more than once
        self.none_since = None
        self.downtime = 0.0
        self.outages = []                       # (start, end) with no purchase node
        self.probing = set()
        self.arrived_at = arrived_at

    def decision(self, msg):
        """Book an answer; returns the purchase's entry, or None for a repeated answer."""
        pid = msg[1]
        entry = self.waiting.pop(pid, None)
        if entry is None:
            if pid in self.acked:
                self.duplicates.add(pid)
            return None
        self.acked.add(pid)
        took = msg[3] - entry[0]
        self.latency.append(took)
        if took > DEADLINE:
            self.late.append(entry[0])
        if self.arrived_at is not None:
            self.arrived_at.append(entry[0])
        return entry

    def find(self, nodes):
        """Start probing ``nodes`` (the purchase nodes): each answers "up" with its front."""
        self.nodes = nodes
        for n in nodes:
            self.probing.add(n)
            labrt.send_after(0.01, self.me, ("probe", n))

    def control(self, msg):
        """A message that is not an answer: a front up, a node down, a probe due, or
        the system's own (:meth:`other`); :meth:`changed` hears of every front that
        came or went."""
        kind = msg[0]
        if kind == "up":
            _, node, p = msg
            self.fronts[node] = p
            self.probing.discard(node)
            self.changed(node, True)
        elif kind == "nodedown":
            node = msg[1]
            if node in self.fronts:
                del self.fronts[node]
                self.changed(node, False)
            if node in self.nodes and node not in self.probing:
                self.probing.add(node)
                labrt.send_after(5.0, self.me, ("probe", node))
        elif kind == "probe":
            node = msg[1]
            if node in self.probing and node not in self.fronts:
                labrt.send(("front", node), ("ping", self.me))
                labrt.send_after(5.0, self.me, ("probe", node))
        else:
            self.other(msg)

    def close(self):
        """At the end of the run: an outage still going counts up to now."""
        if self.none_since is not None:
            now = labrt.now()
            self.downtime += now - self.none_since
            self.outages.append((self.none_since, now))
            self.none_since = None


class _Shop(ShopBase):
    """Where purchases go (the master, else the slave), which still wait, what came back."""

    def __init__(self, me, arrived_at=None):
        super().__init__(me, arrived_at)
        self.primary = MASTER
        self.switches = []                      # (t, new primary)

    def arrive(self, pid, t, amount):
        self.waiting[pid] = (t, amount)
        target = self.fronts.get(self.primary) if self.none_since is None else None
        if target is not None:
            labrt.send(target, ("buy", pid, amount, self.me))

    def choose(self):
        """The master if it is up (and not being maintained), else the slave, else None."""
        for n in (MASTER, SLAVE):
            if n in self.fronts and n not in self.avoid:
                return n
        for n in (MASTER, SLAVE):
            if n in self.fronts:
                return n
        return None

    def retarget(self):
        now = labrt.now()
        new = self.choose()
        if new is None:
            if self.none_since is None:
                self.none_since = now
            return
        if self.none_since is not None:
            self.downtime += now - self.none_since
            self.outages.append((self.none_since, now))
            self.none_since = None
        if new != self.primary or not self.switches:
            self.switches.append((now, new))
        changed = new != self.primary
        self.primary = new
        if changed or self.waiting:
            target = self.fronts[new]
            for pid, (_t0, amount) in self.waiting.items():
                labrt.send(target, ("buy", pid, amount, self.me))

    def changed(self, node, up):
        if up or node == self.primary:
            self.retarget()

    def other(self, msg):
        kind = msg[0]
        if kind == "avoid":
            self.avoid.add(msg[1])
            self.retarget()
        elif kind == "welcome":
            self.avoid.discard(msg[1])
            self.retarget()


def _arrivals(month, t0, t1, seed):
    """Purchase times in [t0, t1), an hour at a time (each hour seeded on its own)."""
    counts = month.hourly_counts()
    for i in range(int(t0 // H), min(len(counts), int(-(-t1 // H)))):
        rng = random.Random(seed * 1_000_003 + i)
        times = sorted(i * H + H * rng.random() for _ in range(counts[i]))
        for t in times:
            if t0 <= t < t1:
                yield t - t0


async def serve(shop, arrivals, seed, horizon, sampler=None):
    """The shop's loop, both systems': a purchase at each arrival time, answers as they come.

    Sleeps until the next arrival or a control message (answers wait in the
    mailbox meanwhile and are taken in one go at each wake-up), gives each
    purchase the next id and an amount (``random.Random(seed + 1)``) and
    hands it to ``shop.arrive``; after the last arrival it waits until
    ``horizon`` for the answers still due.  With a ``sampler``
    (:class:`fidelity.Sampler`) ``arrivals`` holds only the sampled
    purchases, and the ones passed over still use up their ids and amounts.
    Returns the number of ids given out."""
    waiting = shop.waiting
    amounts = random.Random(seed + 1).random
    now, receive = labrt.now, labrt.receive
    is_control = lambda m: m[0] != "decided"    # noqa: E731
    next_t = next(arrivals, None)
    gap = sampler.gap if sampler is not None else 0
    pid = 0
    while next_t is not None or (waiting and now() < horizon):
        wait = (next_t if next_t is not None else horizon) - now()
        msg = await receive(is_control, timeout=wait if wait > 0 else 0)
        while (m := await receive(timeout=0.0)) is not TIMEOUT:
            if m[0] == "decided":
                shop.decision(m)
            else:
                shop.control(m)
        if msg is not TIMEOUT:
            shop.control(msg)
        elif next_t is not None:
            if gap:                             # passed over by the sampler
                pid += gap
                for _ in range(gap):
                    amounts()
            pid += 1
            shop.arrive(pid, next_t, int(amounts() * 1000))
            next_t = next(arrivals, None)
            gap = sampler.gap if sampler is not None else 0
    shop.close()
    return pid


async def web(arrivals, seed, horizon, stats, sampler=None):
    """Send every purchase to the purchase node; collect the decisions."""
    me = labrt.self()
    labrt.register("web", me)
    labrt.monitor_nodes(True)
    shop = _Shop(me, [] if sampler is not None else None)
    shop.find(PURCHASE_NODES)
    pid = await serve(shop, arrivals, seed, horizon, sampler)
    stats.update(shop=shop, purchases=sampler.total if sampler is not None else pid)
    send, receive = labrt.send, labrt.receive
    # collect the books from both back-office nodes
    for n in (BOM, BOS):
        send(("books", n), ("report", me))
    got = {}
    while len(got) < 2:
        r = await receive(lambda m: m[0] == "books", timeout=5.0)
        if r is TIMEOUT:
            break
        got[r[1]] = (r[2], r[3])
    stats["books"] = got


async def operator(ops):
    """Carries out upgrades and planned maintenance at their times (sim seconds)."""
    me = labrt.self()
    for t, op in ops:
        await labrt.sleep(max(0.0, t - labrt.now()))
        if op.kind == "upgrade":
            for n in (SLAVE, MASTER):           # one node at a time
                labrt.send(("front", n), ("upgrade", me))
                await labrt.receive(lambda m: m[0] == "upgraded", timeout=10.0)
        elif op.kind == "maintain":
            labrt.send(("web", WEB), ("avoid", op.node))
        elif op.kind == "welcome":
            labrt.send(("web", WEB), ("welcome", op.node))


# --- running it ------------------------------------------------------------------

def _window_schedule(schedule, t0, t1):
    """Split ``[(t, ev)]`` into a FaultSchedule and ops, shifted so the window starts at 0."""
    faults, ops = [], []
    for t, ev in schedule:
        if not (t0 <= t < t1):
            continue
        if isinstance(ev, Op):
            ops.append((t - t0, ev))
            if ev.kind == "maintain":           # the stop and the start, 1 s after the move
                faults.append((t - t0 + 1.0, Crash(ev.node)))
                faults.append((t - t0 + 1.0 + ev.lasting, Restart(ev.node)))
                ops.append((t - t0 + 1.0 + ev.lasting + 10.0, Op("welcome", ev.node)))
        else:
            faults.append((t - t0, ev))
    return FaultSchedule(faults), sorted(ops, key=lambda e: e[0])


class Figures:
    """What a run reports, from its shop and its books (both systems measure the same way).

    Sets ``figures`` (the summary: purchases, decided, failed, lost,
    duplicated, p50_s, p99_s, availability, downtime_s), ``latencies``
    (sorted), ``failed_at`` (arrival times, window seconds, of the purchases
    that failed), ``failed_per_hour``, ``missing`` (acknowledged ids in
    neither book), ``fidelity``, ``quiet`` (the sampled hours) and
    ``sampled_share`` (the share of the purchases that went through the
    system).  With a sampler, the counts and percentiles are weighted as
    :mod:`fidelity` describes."""

    def measure(self, shop, purchases, booked, dups, hours, sampler=None):
        self.shop, self.hours = shop, hours
        n = purchases
        lat = sorted(shop.latency)
        self.latencies = lat
        self.failed_at = sorted(shop.late + [e[0] for e in shop.waiting.values()])
        self.missing = sorted(p for p in shop.acked if p not in booked)
        dup = dups | shop.duplicates
        last = max(1, -int(-hours // 1)) - 1    # the window's hours, the last one partial
        if sampler is None:
            self.fidelity, self.quiet, self.sampled_share = fid.FULL, [], 1.0
            self.failed_per_hour = bins = [0] * (last + 1)
            for t in self.failed_at:
                bins[min(last, int(t // H))] += 1
            ok = sum(1 for x in lat if x <= DEADLINE)
            lost, duplicated = len(self.missing), len(dup)
            p50, p99 = _percentile(lat, 0.5), _percentile(lat, 0.99)
        else:
            self.fidelity, self.quiet = fid.QUIET_SAMPLED, sorted(sampler.quiet)
            self.sampled_share = sum(sampler.sampled) / n if n else 1.0
            w = sampler.hour_weights()
            per_hour = [0.0] * (last + 1)
            for t in self.failed_at:
                h = min(last, int(t // H))
                per_hour[h] += w[h]
            self.failed_per_hour = [round(x) for x in per_hour]
            ok = n - sum(self.failed_per_hour)
            lost = round(sum(w[sampler.hour_of_pid(p)] for p in self.missing))
            duplicated = round(sum(w[sampler.hour_of_pid(p)] for p in dup))
            pairs = sorted((x, w[min(last, int(t // H))])
                           for x, t in zip(shop.latency, shop.arrived_at))
            p50 = fid.weighted_percentile(pairs, 0.5)
            p99 = fid.weighted_percentile(pairs, 0.99)
        self.figures = {
            "purchases": n,
            "decided": ok,
            "failed": n - ok,
            "lost": lost,
            "duplicated": duplicated,
            "p50_s": p50,
            "p99_s": p99,
            "availability": ok / n if n else 1.0,
            "downtime_s": shop.downtime,
        }

    def summary(self):
        return dict(self.figures)


class Run(Figures):
    """One run's figures (``summary()`` is :func:`run_first`'s dict) and its raw parts."""

    def __init__(self, stats, faults, ops, t0, hours, sampler=None):
        self.faults, self.ops, self.t0 = faults, ops, t0
        books = stats.get("books", {})
        bom = books.get(BOM, (frozenset(), frozenset()))
        bos = books.get(BOS, (frozenset(), frozenset()))
        known = bom[0] | bos[0]
        self.measure(stats["shop"], stats["purchases"], known, bom[1], hours, sampler)
        self.in_books = len(known)
        self.in_bo_slave = len(bos[0])


def window(hours, day, schedule, seed, total, fidelity=fid.FULL, k=fid.K):
    """A window's parts, both systems': ``(t0, span, faults, ops, arrivals, sampler)``.

    ``schedule``: "none", "month" (:func:`month_faults`), or ``[(t, fault or
    Op)]`` / a FaultSchedule in window seconds.  ``fidelity``: "full", or
    "quiet-sampled" (one purchase in ``k`` in the quiet hours, see
    :mod:`fidelity`); ``sampler`` is None at full fidelity."""
    if fidelity not in fid.FIDELITIES:
        raise ValueError(f"fidelity is one of {fid.FIDELITIES}, not {fidelity!r}")
    month = kt.Month(total=total)
    t0 = at(day, 0)
    t1 = min(t0 + hours * H, month.seconds())
    if schedule == "none":
        events = []
    elif schedule == "month":
        events = month_faults()
    else:                                       # given in window seconds
        events = [(t + t0, f) for t, f in schedule]
    faults, ops = _window_schedule(events, t0, t1)
    span = t1 - t0
    arrivals = _arrivals(month, t0, t1, seed)
    sampler = None
    if fidelity == fid.QUIET_SAMPLED:
        quiet = fid.quiet_hours(faults, ops, span, t0, kt.PEAK_DAY)
        sampler = fid.Sampler(quiet, int(-(-span // H)), k)
        arrivals = sampler.filter(arrivals)
    return t0, span, faults, ops, arrivals, sampler


def run(hours=24, day=21, schedule="month", seed=1, total=2_500_000, tick=10.0,
        fidelity=fid.FULL, k=fid.K):
    """Run the window; return a :class:`Run` (``fidelity``: see :func:`window`)."""
    t0, span, faults, ops, arrivals, sampler = window(hours, day, schedule, seed, total,
                                                      fidelity, k)
    w = labrt.World(seed=seed, trace=False, reports=None, latency=0.002, tick=tick)
    shop_node = w.node(WEB)
    w.node(MASTER, boot=purchase_boot)
    w.node(SLAVE, boot=purchase_boot)
    w.node(BOM, boot=bo_master_boot)
    w.node(BOS, boot=bo_slave_boot)
    w.node(BUREAU, boot=bureau_boot)
    w.apply(faults)
    stats = {}
    shop_node.spawn(web, arrivals, seed, span + 30.0, stats, sampler)
    if ops:
        shop_node.spawn(operator, ops)
    w.run_until(span + 60.0)
    return Run(stats, faults, ops, t0, hours, sampler)


def run_first(hours=24, day=21, schedule="month", seed=1, total=2_500_000):
    """The first system's figures for a window of December (the chapter-11 contract).

    ``schedule``: "none", "month" (the month's faults and operations that fall
    in the window), or a ``labrt.dist.FaultSchedule`` in seconds from the
    window's start.  Returns purchases, decided, failed, lost, duplicated,
    p50_s, p99_s, availability and downtime_s.
    """
    return run(hours=hours, day=day, schedule=schedule, seed=seed, total=total).summary()
