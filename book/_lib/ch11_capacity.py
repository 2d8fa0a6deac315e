""""Buy a bigger box": when does vertical scaling run out?

Klarna's load grew exponentially from 2005 to 2013, and the first answer to
more load is a bigger machine.  This module is a small simpy model of one box
serving the peak hour of the peak day: purchases arrive as a Poisson stream
at the peak rate (from ``klarna_traffic.Month``), the box has ``cores``
workers, each taking ``service_s`` per purchase.  A box is *enough* when the
99th percentile of time in the system stays under the deadline.

:func:`verdict` runs the model for one load; :func:`runs_out` grows the load
year by year (``growth`` a year) and the biggest box on sale (its cores double
every ``box_doubling`` years) and names the first year the biggest box is not
enough.  Seeded, deterministic, a fraction of a second per call.

Two questions the chapter asks of the same model: :func:`cores_needed` (the
smallest box for a rate: the month's average against its peak hour, "you
can't build for the average"), and :func:`boxes_needed` (the other way out:
how many boxes of a given size, each taking an equal share of the purchases,
keep the verdict; a random equal split of a Poisson stream is again Poisson,
so each box is the same model at ``rate / boxes``).
"""
from __future__ import annotations

import random

import simpy

try:
    from . import klarna_traffic as kt
except ImportError:
    import klarna_traffic as kt

DEADLINE = 3.0


def peak_rate(total=2_500_000):
    """Purchases per second in the busiest hour of December (the peak day's peak hour)."""
    return kt.Month(total=total).peak_hour()[2]


def simulate(rate, cores, service_s=0.05, seconds=600.0, seed=1):
    """Time in system (sorted) of every purchase in ``seconds`` at ``rate`` a second."""
    env = simpy.Environment()
    box = simpy.Resource(env, capacity=cores)
    rng = random.Random(seed)
    times = []

    def purchase(env):
        t0 = env.now
        with box.request() as req:
            yield req
            yield env.timeout(rng.expovariate(1.0 / service_s))
        times.append(env.now - t0)

    def arrivals(env):
        while env.now < seconds:
            yield env.timeout(rng.expovariate(rate))
            env.process(purchase(env))

    env.process(arrivals(env))
    env.run(until=seconds)
    in_flight = len(box.queue)                    # still waiting for a core at the end
    times += [DEADLINE * 10] * in_flight          # never finished: count as far too late
    return sorted(times)


def verdict(rate, cores, service_s=0.05, seconds=600.0, seed=1):
    """``(enough, p99_s, utilisation)`` of a ``cores``-worker box at ``rate`` purchases/s."""
    times = simulate(rate, cores, service_s, seconds, seed)
    p99 = times[min(len(times) - 1, int(0.99 * len(times)))] if times else 0.0
    return p99 <= DEADLINE, p99, rate * service_s / cores


def runs_out(first_year=2005, last_year=2013, rate0=0.05, growth=2.5,
             cores0=2, box_doubling=2.0, service_s=0.5, seed=1):
    """Per year ``(year, rate, cores, enough, p99_s)``; and the first year it is not enough."""
    rows, first_bad = [], None
    for i, year in enumerate(range(first_year, last_year + 1)):
        rate = rate0 * growth ** i
        cores = max(1, int(cores0 * 2 ** (i / box_doubling)))
        ok, p99, _u = verdict(rate, cores, service_s, seconds=min(600.0, 20000 / max(rate, 1)), seed=seed)
        rows.append((year, rate, cores, ok, p99))
        if not ok and first_bad is None:
            first_bad = year
    return rows, first_bad


def average_rate(total=2_500_000):
    """Purchases per second over the whole month."""
    return kt.Month(total=total).average_rate()


def cores_needed(rate, service_s=0.5, seed=1, most=256):
    """The fewest cores whose box is enough at ``rate`` (None if ``most`` are not)."""
    cores = max(1, int(rate * service_s))          # below this the box never keeps up
    while cores <= most:
        if verdict(rate, cores, service_s, seconds=min(600.0, 20000 / max(rate, 1)), seed=seed)[0]:
            return cores
        cores += 1
    return None


def boxes_needed(rate, cores, service_s=0.5, seed=1, most=64):
    """The fewest boxes of ``cores`` cores, sharing ``rate`` equally, that are each enough."""
    for boxes in range(1, most + 1):
        share = rate / boxes
        if verdict(share, cores, service_s, seconds=min(600.0, 20000 / max(share, 1)), seed=seed)[0]:
            return boxes
    return None


def horizontal(rows, service_s=0.5, seed=1):
    """For each row of :func:`runs_out`: how many of that year's biggest boxes the load needs."""
    return [(year, rate, cores, boxes_needed(rate, cores, service_s, seed))
            for year, rate, cores, _ok, _p99 in rows]
