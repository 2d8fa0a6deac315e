"""How much of a window goes through the system: all of it, or a sample of its quiet hours.

Both systems (:mod:`ch10_first`, :mod:`ch11_second`) send every purchase
through the simulated nodes as messages.  That is the model at *full
fidelity* (``fidelity="full"``, the default, what every page's own run uses).
A month of it is 2.5 million purchases and more than a minute of CPU time, so
``run()`` takes a second setting, ``fidelity="quiet-sampled"``, defined here.

Which hours are quiet
---------------------
Quiet is a property of the *schedule*, never of the results: an hour of the
window ``[h * 3600, (h + 1) * 3600)`` is quiet when

* the system is in its steady state through all of it and for
  :data:`MARGIN` (one hour) before it: no fault or operation happens in that
  stretch (a crash, a restart, a cut, a heal, a slow or lossy link, an
  upgrade, a maintenance stop and its restart and return), and no fault is
  still in force (a node still down, a link still cut);
* the window's start counts as an event (the nodes boot, the shop finds
  them), so the window's first hour is never quiet;
* it is not on the peak day (:data:`klarna_traffic.PEAK_DAY`): the day the
  chapters are about runs at full fidelity whatever its schedule.

An hour is a hundred times the slowest of the systems' own settling times
(the shop's 5 s probes, the 10 s net tick, the 30 s a silent service is
skipped for), so a system that has seen nothing for an hour has forgotten it.

What is simulated in a quiet hour
---------------------------------
One purchase in :data:`K` (the 1st, the (K+1)th, ... of the hour) goes
through the whole system exactly as at full fidelity: same id, same amount
(the amounts of the others are drawn and thrown away, so the sampled ones get
the amounts they would have had), same messages.  The others are not sent.
Every figure then counts a sampled purchase of hour ``h`` as ``n_h / m_h``
purchases (``n_h`` arrived in the hour, ``m_h`` were sampled): decided and
failed purchases, failed per hour, lost and duplicated ones, and the latency
percentiles (a weighted percentile: the value below which that share of the
*weights* lies).  Purchases are counted, not sampled: the total is exact.
Downtime is measured in time, not purchases, and is exact in both modes; the
books' lag is a maximum, taken over the sampled purchases.  The second
system's per-minute risk counts and retries are not scaled (no month figure
uses them).

Every other hour (a fault or an operation in it or in the hour before it,
the window's first hour, the whole peak day) is simulated at full fidelity,
every purchase a request.  Because latency in these models does not depend on
how many other purchases are in flight, a sampled purchase is decided as it
would have been at full fidelity, and the hours at full fidelity fail purchase
for purchase as they do in a full run: ``tests/test_book_month.py`` checks
both, and the month's chapters give the measured differences.
"""
from __future__ import annotations

from bisect import bisect_right

FULL = "full"
QUIET_SAMPLED = "quiet-sampled"
FIDELITIES = (FULL, QUIET_SAMPLED)
K = 10                  # one purchase in K goes through the system in a quiet hour
MARGIN = 3600.0         # quiet: nothing happened for this long before the hour either
HOUR = 3600.0


def disturbed(faults, ops, span):
    """Stretches ``[a, b)`` of window seconds in which the system is not steady.

    ``faults`` and ``ops`` are ``[(t, event)]`` in window seconds, as
    :func:`ch10_first._window_schedule` returns them (maintenance already
    split into its stop, restart and return).  Each event is a stretch of its
    own; a stretch lasts while a fault is in force: a crashed node not yet
    restarted, a cut not yet healed, a link still slow or lossy.  The boot at
    0 is one too."""
    out = [(0.0, 0.0)]
    down, cut, links = set(), False, set()
    start = None
    for t, ev in sorted(list(faults) + list(ops), key=lambda e: e[0]):
        kind = getattr(ev, "kind", "")
        if kind == "crash":
            down.add(ev.node)
        elif kind == "restart":
            down.discard(ev.node)
        elif kind == "partition":
            cut = True
        elif kind == "heal":
            cut = False
        elif kind == "slow":
            (links.discard if ev.latency is None else links.add)(("slow", ev.a, ev.b))
        elif kind == "drop":
            (links.discard if not ev.p else links.add)(("drop", ev.a, ev.b))
        if start is None:
            start = t
        if not (down or cut or links):
            out.append((start, t))
            start = None
    if start is not None:
        out.append((start, span))
    return out


def quiet_hours(faults, ops, span, t0=0.0, peak_day=None, margin=MARGIN):
    """The window's quiet hours (indices from the window's start), from its schedule alone.

    ``t0`` is the window's start in seconds from 1 December (for the peak
    day, ``peak_day`` its number, None for no exception)."""
    stretches = disturbed(faults, ops, span)
    quiet = []
    for h in range(int(-(-span // HOUR))):
        a, b = h * HOUR, (h + 1) * HOUR
        if peak_day is not None and int((t0 + a) // 86400.0) + 1 == peak_day:
            continue
        if any(s < b and e >= a - margin for s, e in stretches):
            continue
        quiet.append(h)
    return quiet


class Sampler:
    """Filters a window's arrival times: all of a full hour's, one in ``k`` of a quiet hour's.

    Counts what it passes over: :attr:`gap` is how many purchases arrived
    since the time it yielded last (the shop still gives them ids and
    amounts), ``arrived[h]`` and ``sampled[h]`` the counts per hour."""

    def __init__(self, quiet, hours, k=K):
        self.quiet, self.k = frozenset(quiet), k
        self.arrived = [0] * hours
        self.sampled = [0] * hours
        self.gap = 0
        self.first_pid = []                   # first purchase id of each hour (1-based ids)

    def filter(self, times):
        arrived, sampled, quiet, k = self.arrived, self.sampled, self.quiet, self.k
        first, n, hour, skipped = self.first_pid, 0, -1, 0
        last = len(arrived) - 1
        for t in times:
            h = int(t // HOUR)
            if h > last:
                h = last
            while hour < h:
                hour += 1
                first.append(n + 1)
            n += 1
            i = arrived[h]
            arrived[h] = i + 1
            if h in quiet and i % k:
                skipped += 1
                continue
            sampled[h] += 1
            self.gap, skipped = skipped, 0
            yield t
        while hour < last:
            hour += 1
            first.append(n + 1)
        self.gap = skipped                    # purchases after the last one yielded
        self.total = n

    def hour_weights(self):
        """``n_h / m_h`` for each hour (1.0 where every purchase ran)."""
        return [a / s if s else 0.0 for a, s in zip(self.arrived, self.sampled)]

    def hour_of_pid(self, pid):
        return bisect_right(self.first_pid, pid) - 1


def weighted_percentile(pairs, q):
    """``pairs``: (value, weight) sorted by value; the value at rank ``q`` of the total weight.

    The first value whose running weight passes ``q`` times the total: with
    every weight 1, :func:`ch10_first._percentile`'s element ``int(q * n)``."""
    if not pairs:
        return None
    rank = q * sum(w for _v, w in pairs)
    acc = 0.0
    for v, w in pairs:
        acc += w
        if acc > rank:
            return v
    return pairs[-1][0]
