"""Checks for exercises/ch01-never-stop.ipynb: the business arithmetic of chapter 1.

Three tasks: a downtime budget from an availability target and back (calendar months,
leap years); the servers a queue needs at the peak hour of the peak day (SimPy); and
what building for the average costs (purchases lost when customers give up).

The notebook's given cells hold the traffic model (``Traffic``: an average rate, a
daily and a yearly shape, and a seeded arrival generator). Scenarios build traffic
variants from plain data (``Traffic(**fields)``) in the sandbox, call the student's
functions and return numbers; the judges compare them with values worked out by hand
(the small queues, the calendar) or written down once per variant (the number of
servers a variant needs, which holds for every seed the case uses), and they check
properties that need no recorded value at all: a queue's waits are first come, first
served with at most N in service and nobody waiting while a server is free; the budget
and the availability of a record are inverses; the purchases lost when sized for the
average are at least what the servers cannot serve; sized for the peak, fewer than 1 %
give up. The checks never run a reference solution.
"""
from __future__ import annotations

import datetime
import math

from labrt.trace import show

from ..core import Fail, Task, Trial, public
from ..protocol import scenario

NOTEBOOK = "ch01-never-stop"

BUDGET = Task(NOTEBOOK, 1, "budget", "a downtime budget and back",
              defines=("budget", "availability"), hidden_points=3)
CAPACITY = Task(NOTEBOOK, 2, "capacity", "servers for the peak hour of the peak day",
                defines=("waits", "peak_p99", "servers_needed"), hidden_points=4)
AVERAGE = Task(NOTEBOOK, 3, "cost_of_average", "what building for the average costs",
               defines=("lost", "average_servers", "cost_of_average"), hidden_points=3)

#: Traffic variants as plain data (the fields of the notebook's ``Traffic``).
KLARNA = {}                                         # the notebook's defaults: the talk's shape
SHOP = {"mean_rate": 0.25, "daily": ((12.5, 1.5, 1.0), (19.0, 2.0, 0.6)),
        "yearly": ((150, 10, 0.4),), "night": 0.1}  # a smaller shop, busiest at lunch in June
FLAT = {"mean_rate": 1.0, "daily": (), "yearly": (), "night": 1.0}   # the same rate all year

TOL = 1e-9


def _traffic(t: Trial, fields):
    Traffic = t.need("Traffic", kind=None)
    fields = dict(fields)
    for key in ("daily", "yearly"):
        if key in fields:
            fields[key] = tuple(tuple(b) for b in fields[key])
    return Traffic(**fields)


def _number(x):
    """A float for an int/float (or anything float() takes, a numpy scalar say); None for
    anything else."""
    try:
        if isinstance(x, bool):
            return None
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) or f == math.inf else None


def _call(fn, *args):
    """("returned", value) or ("raised", exception class name, text) for ValueError."""
    try:
        return ("returned", fn(*args))
    except ValueError as e:
        return ("raised", type(e).__name__, str(e))


def _same_length(obs, asked, what="calls") -> None:
    if not isinstance(obs, list) or len(obs) != len(asked):
        raise Fail(f"one result for each of the {len(asked)} {what}",
                   f"{len(obs) if isinstance(obs, list) else 'no'} results")


def _near(a, b, rel=TOL) -> bool:
    return isinstance(a, float) and abs(a - b) <= 1e-6 + rel * abs(b)


def _period(year, month) -> str:
    return f"{year}" if month is None else f"{datetime.date(year, month, 1):%B %Y}"


# ---------------------------------------------------------------------------
# Task 1: budget

@scenario
def budget_table(t: Trial, asks):
    """``asks``: (target, year, month or None); what budget returned for each."""
    budget = t.need("budget", kind="function")
    out = []
    for target, year, month in asks:
        got = _call(budget, target, year, month)
        out.append(("returned", _number(got[1]), show(got[1])) if got[0] == "returned" else got)
    return out


@budget_table.judge
def _budget_table(obs, asks, minutes, hint):
    """``minutes``: the budget in minutes for each ask, or "ValueError"."""
    _same_length(obs, asks)
    for (target, year, month), want, got in zip(asks, minutes, obs):
        call = f"budget({target!r}, {year}, {month!r})"
        if want == "ValueError":
            if got[0] != "raised":
                raise Fail(f"{call} raises ValueError (a target is a fraction from 0 to 1)",
                           f"it returned {got[2]}",
                           "check the target before using it: 99.99 % is 0.9999, and "
                           "anything outside 0..1 is a mistake of the caller")
            continue
        if got[0] == "raised":
            raise Fail(f"{call} == {want:g} minutes", f"it raised {got[1]}({show(got[2])})", hint)
        if not _near(got[1], want):
            say = hint
            if got[1] is not None and _near(got[1], want * 60):
                say = "the budget is in minutes, not seconds"
            raise Fail(f"{call} == {want:g} minutes ({_period(year, month)})",
                       f"it returned {got[2]}", say)


def _when(parts):
    return datetime.datetime(*parts)


@scenario
def availability_table(t: Trial, records):
    """``records``: (outages, year, month); outages as ((y, m, d, h, min), minutes)."""
    availability = t.need("availability", kind="function")
    out = []
    for outages, year, month in records:
        got = _call(availability, [(_when(w), m) for w, m in outages], year, month)
        out.append(("returned", _number(got[1]), show(got[1])) if got[0] == "returned" else got)
    return out


def _outages_text(outages) -> str:
    if not outages:
        return "no outage"
    return ", ".join(f"{m:g} min from {_when(w):%Y-%m-%d %H:%M}" for w, m in outages)


@availability_table.judge
def _availability_table(obs, records, wants, hint):
    _same_length(obs, records)
    for (outages, year, month), want, got in zip(records, wants, obs):
        what = f"{_outages_text(outages)} in {_period(year, month)}"
        if want == "ValueError":
            if got[0] != "raised":
                raise Fail(f"{what}: availability raises ValueError",
                           f"it returned {got[2]}", "an outage cannot last a negative time")
            continue
        if got[0] == "raised":
            raise Fail(f"{what}: availability {want!r}", f"it raised {got[1]}({show(got[2])})",
                       hint)
        if not _near(got[1], want):
            say = hint
            if got[1] is not None and _near(got[1], 1 - want):
                say = "availability is the time up over the period, not the time down"
            elif got[1] is not None and _near(got[1], 100 * want):
                say = "availability is a fraction from 0 to 1, not a percentage"
            raise Fail(f"{what}: availability {want!r}", f"it returned {got[2]}", say)


@scenario
def round_trip(t: Trial, targets, periods):
    """For each target and period: the availability of one outage as long as the budget."""
    budget = t.need("budget", kind="function")
    availability = t.need("availability", kind="function")
    out = []
    for target in targets:
        for year, month in periods:
            minutes = budget(target, year, month)
            got = availability([(datetime.datetime(year, month or 1, 1), minutes)], year, month)
            out.append((_number(minutes), _number(got), show(got)))
    return out


@round_trip.judge
def _round_trip(obs, targets, periods):
    asked = [(a, p) for a in targets for p in periods]
    _same_length(obs, asked)
    for (target, (year, month)), (minutes, got, text) in zip(asked, obs):
        if got is None or abs(got - target) > 1e-9:
            raise Fail(f"an outage as long as budget({target!r}, {year}, {month!r}) gives "
                       f"availability {target!r} again",
                       f"budget said {minutes!r} min; availability said {text}",
                       "budget and availability must count the minutes of the same period: "
                       "the same calendar month (or year) in both")


public(BUDGET, 2, "30- and 31-day months, February and a year", budget_table,
       asks=[(0.9999, 2023, 11), (0.999, 2023, 1), (0.9999, 2023, 2), (0.99, 2023, None)],
       minutes=[4.32, 44.64, 4.032, 5256.0],
       hint="a budget is (1 - target) times the minutes of that calendar month or year; "
            "months have 28 to 31 days")

public(BUDGET, 1, "boundaries: 100 %, 0 % and targets outside 0..1", budget_table,
       asks=[(1.0, 2023, 6), (0.0, 2023, 4), (1.5, 2023, 1), (99.99, 2023, 1),
             (-0.1, 2023, None)],
       minutes=[0.0, 43200.0, "ValueError", "ValueError", "ValueError"],
       hint="100 % leaves no downtime at all; 0 % allows the whole period")

public(BUDGET, 2, "availability from a downtime record", availability_table,
       records=[([], 2023, 11),
                ([((2023, 11, 3, 2, 0), 4.32)], 2023, 11),
                ([((2023, 1, 10, 4, 0), 20.0), ((2023, 1, 20, 21, 30), 24.64)], 2023, 1),
                ([((2023, 6, 5, 9, 0), 0.0)], 2023, 6),
                ([((2023, 4, 1, 0, 0), 43200.0)], 2023, 4),
                ([((2023, 7, 1, 12, 0), 525.6)], 2023, None),
                ([((2023, 3, 2, 1, 0), -5.0)], 2023, 3)],
       wants=[1.0, 0.9999, 0.999, 1.0, 0.0, 0.999, "ValueError"],
       hint="availability = 1 - minutes down / minutes in the period (that calendar month "
            "or year)")

public(BUDGET, 1, "the budget spent in one outage gives the target back", round_trip,
       targets=[0.99, 0.999, 0.9999, 0.99999], periods=[(2023, 11), (2023, 2), (2023, None)])


# ---------------------------------------------------------------------------
# Task 2: capacity

def _floats(xs):
    if not isinstance(xs, (list, tuple)):
        return None
    out = [_number(x) for x in xs]
    return None if any(x is None for x in out) else out


@scenario
def queue_table(t: Trial, cases):
    """``cases``: (arrivals, servers, service_time); the waits for each."""
    waits = t.need("waits", kind="function")
    out = []
    for arrivals, servers, service_time in cases:
        got = waits(list(arrivals), servers, service_time)
        out.append((_floats(got), show(got)))
    return out


@queue_table.judge
def _queue_table(obs, cases, wants, hint):
    _same_length(obs, cases)
    for (arrivals, servers, service), want, (got, text) in zip(cases, wants, obs):
        call = f"waits({show(list(arrivals))}, {servers}, {service:g})"
        if got is None or len(got) != len(want) or any(abs(g - w) > 1e-9 for g, w in zip(got, want)):
            say = hint
            if got is not None and len(got) == len(want) and all(
                    abs(g - w - service) < 1e-9 for g, w in zip(got, want)):
                say = ("a wait is the time until service starts: the service time itself "
                       "is not waiting")
            raise Fail(f"{call} == {show(want)}", f"it returned {text}", say)


@scenario
def queue_props(t: Trial, traffic, minutes, runs):
    """Purchases of the first ``minutes`` of the peak hour, through ``waits`` with each
    (servers, service_time, seed) of ``runs``: the arrivals and the waits."""
    waits = t.need("waits", kind="function")
    tr = _traffic(t, traffic)
    start = tr.peak_hour()
    out = []
    for servers, service_time, seed in runs:
        arrivals = tr.arrivals(start, start + minutes * 60.0, seed)
        out.append({"arrivals": arrivals, "waits": _floats(waits(list(arrivals), servers,
                                                                 service_time))})
    return out


@queue_props.judge
def _queue_props(obs, traffic, minutes, runs):
    _same_length(obs, runs, "runs")
    for (servers, service, seed), run in zip(runs, obs):
        arrivals, w = run["arrivals"], run["waits"]
        where = f"{servers} server(s), {service:g} s each, seed {seed}"
        if not isinstance(arrivals, list) or len(arrivals) < 100:
            raise Fail(f"the peak's purchases ({where}) are simulated", "too few arrivals")
        if w is None or len(w) != len(arrivals):
            raise Fail(f"waits returns one wait per purchase ({len(arrivals)}; {where})",
                       f"it returned {'no list of numbers' if w is None else len(w)}")
        starts = [a + x for a, x in zip(arrivals, w)]
        for i, (a, x, s) in enumerate(zip(arrivals, w, starts)):
            if x < -1e-9:
                raise Fail(f"no wait is negative ({where})", f"purchase {i} waited {x:g} s")
            if i and s < starts[i - 1] - 1e-9:
                raise Fail(f"first come, first served ({where})",
                           f"purchase {i} started at t={s:.3f}, before purchase {i - 1} "
                           f"(t={starts[i - 1]:.3f})",
                           "one queue, served in order of arrival")
            if i >= servers and s < starts[i - servers] + service - 1e-6:
                raise Fail(f"at most {servers} purchase(s) in service at once ({where})",
                           f"purchase {i} started at t={s:.3f} while purchases "
                           f"{i - servers}..{i - 1} were all still being served",
                           "each of the N servers takes one purchase at a time, for the "
                           "whole service time")
            if x > 1e-9 and not (i >= servers and abs(s - (starts[i - servers] + service)) < 1e-6):
                raise Fail(f"nobody waits while a server is free ({where})",
                           f"purchase {i} waited {x:.3f} s although a server was free",
                           "a purchase starts as soon as any of the N servers is free")


@scenario
def p99_table(t: Trial, traffic, service_time, servers, seeds):
    peak_p99 = t.need("peak_p99", kind="function")
    tr = _traffic(t, traffic)
    return [[_number(peak_p99(tr, n, service_time, s)) for s in seeds] for n in servers]


@p99_table.judge
def _p99_table(obs, traffic, service_time, servers, seeds, wants):
    _same_length(obs, servers, "numbers of servers")
    for n, row, want in zip(servers, obs, wants):
        if not isinstance(row, list) or len(row) != len(seeds):
            raise Fail(f"one p99 per seed ({len(seeds)})", f"got {show(row)}")
        for seed, got, w in zip(seeds, row, want):
            if got is None or abs(got - w) > 0.02 + 0.05 * w:
                raise Fail(f"peak_p99(traffic, {n}, {service_time:g}, seed={seed}) is about "
                           f"{w:g} s", f"it returned {show(got)}",
                           "simulate the purchases that arrive in the hour that starts at "
                           "traffic.peak_hour(), with traffic.arrivals(start, start + HOUR, "
                           "seed), and take percentile(waits, 99)")


@scenario
def capacity_scenario(t: Trial, traffic, service_time, bound, seeds, average):
    """servers_needed, then the student's own peak_p99 at that N, at N - 1 (each seed,
    until one is over the bound) and at ``average`` servers."""
    servers_needed = t.need("servers_needed", kind="function")
    peak_p99 = t.need("peak_p99", kind="function")
    tr = _traffic(t, traffic)
    n = servers_needed(tr, service_time, bound, list(seeds))
    obs = {"n": n if isinstance(n, int) and not isinstance(n, bool) else None,
           "text": show(n)}
    if obs["n"] is None or n < 1:
        return obs
    obs["at_n"] = [_number(peak_p99(tr, n, service_time, s)) for s in seeds]
    below = []
    if n > 1:
        for s in seeds:
            below.append(_number(peak_p99(tr, n - 1, service_time, s)))
            if below[-1] is None or below[-1] > bound:
                break
    obs["below"] = below
    obs["average"] = _number(peak_p99(tr, average, service_time, seeds[0]))
    return obs


@capacity_scenario.judge
def _capacity(obs, traffic, service_time, bound, seeds, average, want, name):
    call = f"servers_needed({name}, {service_time:g}, {bound:g}, {list(seeds)})"
    if obs.get("n") is None:
        raise Fail(f"{call} returns a number of servers (an int)",
                   f"it returned {obs.get('text')}",
                   "keep adding servers until the bound holds: a search with a fixed upper "
                   "limit gives up on a big shop")
    n = obs["n"]
    at_n, below = obs.get("at_n"), obs.get("below")
    if not isinstance(at_n, list) or len(at_n) != len(seeds) or not isinstance(below, list):
        raise Fail("the check observes your peak_p99 for each seed", "it did not")
    if n < want:
        over = [(s, p) for s, p in zip(seeds, at_n) if p is None or p > bound]
        if over:
            s, p = over[0]
            raise Fail(f"{call} == {want}", f"it returned {n}; your own peak_p99 gives "
                       f"{show(p)} s with {n} servers for seed {s}, over the bound",
                       "N must keep the 99th percentile of the waits under the bound for "
                       "every seed in seeds, not the mean wait and not only the first seed")
        raise Fail(f"{call} == {want}", f"it returned {n}",
                   "too few servers: is peak_p99 simulating the peak hour of the peak day "
                   "(traffic.peak_hour()), not some other hour?")
    if n > want:
        raise Fail(f"{call} == {want}", f"it returned {n}",
                   "the smallest N that keeps the bound: start the search low enough "
                   "(at the load of the peak hour, rate x service time)")
    over = [p for p in at_n if p is None or p > bound]
    if over:
        raise Fail(f"with {n} servers your peak_p99 is at most {bound:g} s for every seed",
                   f"it gives {show(at_n)}", "peak_p99 and servers_needed disagree")
    if n > 1 and not any(p is None or p > bound for p in below):
        raise Fail(f"with {n - 1} servers your peak_p99 is over {bound:g} s for some seed",
                   f"it gives {show(below)}", "peak_p99 and servers_needed disagree")
    if obs.get("average") is None or obs["average"] <= bound:
        raise Fail(f"sized for the average ({average} server(s)), the p99 wait at the peak "
                   f"is over {bound:g} s", f"your peak_p99 gives {show(obs.get('average'))}",
                   "peak_p99 must simulate the peak hour")


public(CAPACITY, 2, "hand-worked queues", queue_table,
       cases=[([0.0, 0.0, 0.0], 1, 1.0), ([0.0, 0.0, 0.0], 2, 1.0),
              ([0.0, 0.5, 1.2, 1.3], 2, 1.0), ([], 3, 1.0), ([1.0, 2.0, 3.0], 1, 0.5)],
       wants=[[0.0, 1.0, 2.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.2], [], [0.0, 0.0, 0.0]],
       hint="N servers, one queue, first come first served; a purchase waits from its "
            "arrival until a server takes it")

public(CAPACITY, 2, "a quarter of an hour at the peak: first come, first served, N at a time",
       queue_props, traffic=KLARNA, minutes=15,
       runs=[(2, 0.3, 1), (1, 0.3, 2), (3, 1.0, 3)], limit=10.0)

public(CAPACITY, 2, "the p99 wait at the peak hour (0.3 s per purchase)", p99_table,
       traffic=KLARNA, service_time=0.3, servers=[2, 3], seeds=[1, 2],
       wants=[[0.599, 0.622], [0.219, 0.218]], limit=10.0)

public(CAPACITY, 3, "the smallest N for the peak hour (0.3 s per purchase, p99 under 0.5 s)",
       capacity_scenario, traffic=KLARNA, service_time=0.3, bound=0.5, seeds=[1, 2],
       average=1, want=3, name="KLARNA", limit=10.0)


# ---------------------------------------------------------------------------
# Task 3: cost_of_average

@scenario
def lost_table(t: Trial, cases):
    """``cases``: (arrivals, servers, service_time, patience); who gave up in each."""
    lost = t.need("lost", kind="function")
    out = []
    for arrivals, servers, service_time, patience in cases:
        got = lost(list(arrivals), servers, service_time, patience)
        ok = isinstance(got, (list, tuple)) and all(
            isinstance(i, int) and not isinstance(i, bool) for i in got)
        out.append((sorted(got) if ok else None, show(got)))
    return out


@lost_table.judge
def _lost_table(obs, cases, wants, hint):
    _same_length(obs, cases)
    for (arrivals, servers, service, patience), want, (got, text) in zip(cases, wants, obs):
        call = f"lost({show(list(arrivals))}, {servers}, {service:g}, {patience:g})"
        if got != want:
            say = hint
            if got is not None and set(want) < set(got):
                say = ("too many give up: a purchase that gives up leaves the queue at once "
                       "(and its request with it), so the ones behind it are served sooner")
            raise Fail(f"{call} == {show(want)}", f"it returned {text}", say)


@scenario
def average_table(t: Trial, asks):
    average_servers = t.need("average_servers", kind="function")
    return [(lambda n: (n if isinstance(n, int) and not isinstance(n, bool) else None, show(n)))(
        average_servers(_traffic(t, traffic), service_time)) for traffic, service_time in asks]


@average_table.judge
def _average_table(obs, asks, wants, names):
    _same_length(obs, asks)
    for (_, service), want, name, (got, text) in zip(asks, wants, names, obs):
        if got != want:
            raise Fail(f"average_servers({name}, {service:g}) == {want}", f"it returned {text}",
                       "sized for the average: the fewest servers whose load at the average "
                       "rate (rate x service time / N) is below 1; a load of exactly 1 is "
                       "not enough: the queue would never empty")


FIELDS = ("average_servers", "peak_servers", "lost", "lost_at_peak", "bad_minutes")


@scenario
def cost_scenario(t: Trial, traffic, service_time, patience, seeds):
    cost_of_average = t.need("cost_of_average", kind="function")
    tr = _traffic(t, traffic)
    got = cost_of_average(tr, service_time, patience, list(seeds))
    start = tr.peak_hour()
    obs = {"arrivals": [len(tr.arrivals(start, start + 3600.0, s)) for s in seeds],
           "text": show(got)}
    if isinstance(got, dict):
        obs["got"] = {k: _number(got.get(k)) for k in FIELDS}
    return obs


@cost_scenario.judge
def _cost(obs, traffic, service_time, patience, seeds, want, name):
    got = obs.get("got")
    call = f"cost_of_average({name}, {service_time:g}, {patience:g}, {list(seeds)})"
    if not isinstance(got, dict) or any(got.get(k) is None for k in FIELDS):
        raise Fail(f"{call} returns a dict with the numbers {', '.join(FIELDS)}",
                   f"it returned {obs.get('text')}")
    arrivals = obs.get("arrivals")
    if not isinstance(arrivals, list) or len(arrivals) != len(seeds):
        raise Fail("the check counts the peak hour's purchases", "it could not")
    mean = sum(arrivals) / len(arrivals)
    for key in ("average_servers", "peak_servers"):
        if got[key] != want[key]:
            raise Fail(f"{call}[{key!r}] == {want[key]}", f"it is {got[key]:g}",
                       "average_servers from this task; peak_servers is servers_needed "
                       "(Task 2) with the patience as the bound")
    n, s = want["average_servers"], service_time
    served = n * (3600.0 + patience + s) / s + n          # the most n servers can start
    if got["lost"] < mean - served - 1e-9 or got["lost"] > mean:
        raise Fail(f"sized for the average ({n} servers), between {max(0, mean - served):.0f} "
                   f"and {mean:.0f} of the peak hour's {mean:.0f} purchases are lost",
                   f"'lost' is {got['lost']:g}",
                   "simulate the peak hour with `lost` and the average number of servers, "
                   "and average the count over the seeds")
    if abs(got["lost"] - want["lost"]) > 2 + 0.03 * want["lost"]:
        raise Fail(f"sized for the average, about {want['lost']:g} purchases are lost in the "
                   f"peak hour (mean over the seeds)", f"'lost' is {got['lost']:g}",
                   "lost(...) with the peak hour's arrivals, average_servers servers and "
                   "the patience, for each seed; then the mean")
    if got["lost_at_peak"] > 0.01 * mean or got["lost_at_peak"] >= max(got["lost"], 1):
        raise Fail("sized for the peak, fewer than 1 % of the purchases are lost",
                   f"'lost_at_peak' is {got['lost_at_peak']:g} of {mean:.0f}",
                   "the same simulation with peak_servers servers")
    if abs(got["bad_minutes"] - want["bad_minutes"]) > 1.0:
        raise Fail(f"sized for the average, about {want['bad_minutes']:g} minutes of the peak "
                   f"hour see a purchase given up (mean over the seeds)",
                   f"'bad_minutes' is {got['bad_minutes']:g}",
                   "a minute counts when at least one purchase that arrived in it gave up "
                   "(not when someone merely waited)")


public(AVERAGE, 2, "who gives up, worked by hand", lost_table,
       cases=[([0.0, 0.0, 0.0, 1.2], 1, 1.0, 1.5), ([0.0, 0.0, 0.0], 1, 1.0, 5.0),
              ([0.0, 0.0, 0.0, 0.0], 2, 1.0, 0.5), ([], 1, 1.0, 1.0)],
       wants=[[2], [], [2, 3], []],
       hint="a purchase gives up when no server has taken it `patience` seconds after it "
            "arrived; return the indices of those that gave up")

public(AVERAGE, 1, "servers sized for the average", average_table,
       asks=[(KLARNA, 0.3), (KLARNA, 2.0), (KLARNA, 10.0)], wants=[1, 2, 10],
       names=["KLARNA", "KLARNA", "KLARNA"])

public(AVERAGE, 3, "the peak hour sized for the average (0.3 s per purchase, patience 1 s)",
       cost_scenario, traffic=KLARNA, service_time=0.3, patience=1.0, seeds=[3, 4],
       want={"average_servers": 1, "peak_servers": 2, "lost": 2355.5, "bad_minutes": 60.0},
       name="KLARNA", limit=10.0)
