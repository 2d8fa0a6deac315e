"""A month of Klarna's purchases: how many, and when.

The talk gives two facts about Klarna's load: about one purchase a second on
average, and peaks (over the day and over the year) far above that, hence
"you can't build for the average".  This module turns them into a traffic
model that chapters 10 and 11 (and ``bench/wl_month.py``) drive their systems
with.

The model
---------
A month is December 2012: 31 days, 744 hours, 2.5 million purchases (about
0.93 a second on average).  How many purchases fall into each hour is the
product of two shapes:

* a *daily* shape: 24 weights, one per hour of the day, quiet at night (the
  least at 4 in the morning), rising through the working day, highest in the
  evening (20:00-22:00), when people shop from the sofa;
* a *yearly* shape, cut down to this month: one weight per day.  Weekends
  are a little busier than weekdays, the run-up to Christmas grows, the peak
  day is Friday 21 December (the Friday before Christmas, the last day a
  parcel arrives in time), and 24-26 December are quiet.

The month's 2.5 million purchases are shared out over the 744 hours in
proportion to day weight times hour weight, rounded so that the counts add
up to exactly 2.5 million (largest remainders).  These counts are fixed: they
do not depend on the seed, so every figure a chapter prints about rates is
the same in every run.  Only the exact instants inside each hour are random:
an hour's purchases fall uniformly inside it (the arrival times of a Poisson
process, given how many there are), drawn from ``random.Random(seed)``.

:func:`arrivals` yields the month's purchase times one by one, an hour at a
time, so the month never sits in memory as a list of 2.5 million floats.

What a chapter prints::

    from klarna_traffic import Month
    m = Month()
    m.average_rate()           # purchases per second over the month
    m.peak_hour()              # (day, hour, purchases per second) of the busiest hour
    m.peak_to_average()        # how far above the average that hour is
    for t in m.arrivals(seed=1): ...
"""
from __future__ import annotations

import random
from dataclasses import dataclass

HOUR = 3600.0
DAY = 24 * HOUR

#: Relative purchase rate by hour of day (0 = midnight-1am).  Quiet nights,
#: a morning rise, a plateau through the working day, an evening peak.
DAILY = (
    0.35, 0.20, 0.12, 0.08, 0.07, 0.09,      # 00-06: asleep
    0.20, 0.45, 0.75, 0.95, 1.05, 1.10,      # 06-12: the day starts
    1.20, 1.10, 1.05, 1.05, 1.10, 1.25,      # 12-18: lunch, afternoon
    1.55, 1.85, 2.10, 2.00, 1.40, 0.75,      # 18-24: the evening peak
)

#: Weekday of 1 December 2012 (0 = Monday): a Saturday.
FIRST_WEEKDAY = 5

#: The peak day: Friday 21 December, the Friday before Christmas.
PEAK_DAY = 21


def day_weight(day: int) -> float:
    """Relative purchase volume of December ``day`` (1-31)."""
    weekday = (FIRST_WEEKDAY + day - 1) % 7
    if day in (24, 25, 26):                  # Christmas Eve, Christmas, Boxing Day
        return {24: 0.55, 25: 0.35, 26: 0.60}[day]
    w = 1.0 + 0.035 * min(day, 20)           # the run-up to Christmas grows
    if weekday >= 5:
        w *= 1.10                            # weekends a little busier
    if day == PEAK_DAY:
        w *= 2.6                             # the last shopping day for parcels
    elif day in (19, 20, 22, 23):
        w *= 1.35                            # its neighbours
    return w


@dataclass(frozen=True)
class Month:
    """December's purchases: ``total`` of them over ``days`` days."""
    total: int = 2_500_000
    days: int = 31

    # -- the shape -----------------------------------------------------------
    def hourly_counts(self) -> list[int]:
        """Purchases in each hour of the month (``24 * days`` ints, summing to ``total``)."""
        weights = [day_weight(d + 1) * DAILY[h] for d in range(self.days) for h in range(24)]
        scale = self.total / sum(weights)
        exact = [w * scale for w in weights]
        counts = [int(x) for x in exact]
        short = self.total - sum(counts)
        # Largest remainders get the purchases that rounding down left over
        # (ties by hour, so the result never depends on sorting details).
        order = sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i))
        for i in order[:short]:
            counts[i] += 1
        return counts

    def seconds(self) -> float:
        return self.days * DAY

    # -- figures a chapter prints ----------------------------------------------
    def average_rate(self) -> float:
        """Purchases per second over the whole month."""
        return self.total / self.seconds()

    def peak_hour(self) -> tuple[int, int, float]:
        """The busiest hour: ``(day of December, hour of day, purchases per second)``."""
        counts = self.hourly_counts()
        i = max(range(len(counts)), key=lambda k: (counts[k], -k))
        return i // 24 + 1, i % 24, counts[i] / HOUR

    def peak_to_average(self) -> float:
        """The busiest hour's rate divided by the month's average rate."""
        return self.peak_hour()[2] / self.average_rate()

    def quietest_hour(self) -> tuple[int, int, float]:
        """The quietest hour, in the same form as :meth:`peak_hour`."""
        counts = self.hourly_counts()
        i = min(range(len(counts)), key=lambda k: (counts[k], k))
        return i // 24 + 1, i % 24, counts[i] / HOUR

    def daily_totals(self) -> list[int]:
        """Purchases per day (``days`` ints)."""
        c = self.hourly_counts()
        return [sum(c[d * 24:(d + 1) * 24]) for d in range(self.days)]

    # -- the purchases themselves ------------------------------------------------
    def arrivals(self, seed: int = 1):
        """Every purchase's time in seconds from 1 December 00:00, in order.

        A generator: one hour's times are drawn (sorted uniform instants in
        the hour) when the previous hour's are used up.
        """
        rng = random.Random(seed)
        rand = rng.random
        for i, k in enumerate(self.hourly_counts()):
            start = i * HOUR
            times = [start + HOUR * rand() for _ in range(k)]
            times.sort()
            yield from times

    def hour_of(self, t: float) -> tuple[int, int]:
        """``(day, hour)`` of the instant ``t`` seconds into the month."""
        i = int(t // HOUR)
        return i // 24 + 1, i % 24


def describe(month: Month | None = None) -> str:
    """A few sentences of figures about the month, for a chapter to print."""
    m = month or Month()
    day, hour, peak = m.peak_hour()
    qday, qhour, quiet = m.quietest_hour()
    return (f"{m.total:,} purchases in {m.days} days: {m.average_rate():.2f} a second on "
            f"average; the busiest hour (December {day}, {hour:02d}:00) takes "
            f"{peak:.2f} a second, {m.peak_to_average():.1f}x the average; the quietest "
            f"(December {qday}, {qhour:02d}:00) {quiet:.2f} a second.")
