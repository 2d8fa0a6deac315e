"""Wrong answers for exercises/ch01-never-stop.ipynb.

Each entry is a plausible mistake. tests/test_grading_wrong_answers.py runs the task's
checks against it (with the notebook's other tasks solved) and requires that the checks
fail and that their message contains ``says``, which names the problem. By default
(``public=True``) the public checks already catch it. ``public=False`` marks a mistake
that passes every public check and must be caught by the hidden case whose title
contains ``caught_by``, with ``says`` in that case's text.
"""

_AVAILABILITY = '''
def availability(outages, year, month=None):
    first = datetime.datetime(year, month or 1, 1)
    if month is None or month == 12:
        last = datetime.datetime(year + 1, 1, 1)
    else:
        last = datetime.datetime(year, month + 1, 1)
    down = 0.0
    for start, minutes in outages:
        if minutes < 0:
            raise ValueError(f"an outage cannot last {minutes!r} minutes")
        end = start + datetime.timedelta(minutes=minutes)
        inside = (min(end, last) - max(start, first)).total_seconds() / MINUTE
        down += max(0.0, inside)
    return 1 - down / _minutes(year, month)
'''

_BUDGET = '''
def budget(target, year, month=None):
    if not 0 <= target <= 1:
        raise ValueError(f"a target is a fraction from 0 to 1, got {target!r}")
    return (1 - target) * _minutes(year, month)
'''

_WAITS = '''
def waits(arrivals, servers, service_time):
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=servers)
    out = [0.0] * len(arrivals)

    def purchase(i, arrived):
        with desk.request() as turn:
            yield turn
            out[i] = env.now - arrived
            yield env.timeout(service_time)

    def shoppers():
        for i, t in enumerate(arrivals):
            yield env.timeout(t - env.now)
            env.process(purchase(i, t))

    env.process(shoppers())
    env.run()
    return out
'''

_PEAK_P99 = '''
def peak_p99(traffic, servers, service_time, seed):
    start = traffic.peak_hour()
    arrivals = traffic.arrivals(start, start + HOUR, seed)
    return percentile(waits(arrivals, servers, service_time), 99)
'''

_START = '''
    start = traffic.peak_hour()
    peak_rate = statistics.fmean(traffic.rate(start + m * MINUTE + 30.0) for m in range(60))
    n = max(1, math.floor(peak_rate * service_time))
'''

_LOST = '''
def lost(arrivals, servers, service_time, patience):
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=servers)
    gave_up = []

    def purchase(i):
        with desk.request() as turn:
            got = yield turn | env.timeout(patience)
            if turn not in got:
                gave_up.append(i)
                return
            yield env.timeout(service_time)

    def shoppers():
        for i, t in enumerate(arrivals):
            yield env.timeout(t - env.now)
            env.process(purchase(i))

    env.process(shoppers())
    env.run()
    return sorted(gave_up)
'''

_AVERAGE = '''
def average_servers(traffic, service_time):
    return math.floor(traffic.mean_rate * service_time) + 1
'''


def _cost(bad_minutes="{int((arrivals[i] - start) // MINUTE) for i in gone}",
          enough="servers_needed(traffic, service_time, patience, seeds)",
          start="traffic.peak_hour()"):
    return f'''
def cost_of_average(traffic, service_time, patience, seeds):
    start = {start}
    few = average_servers(traffic, service_time)
    enough = {enough}
    lost_few, lost_enough, bad = [], [], []
    for seed in seeds:
        arrivals = traffic.arrivals(start, start + HOUR, seed)
        gone = lost(arrivals, few, service_time, patience)
        lost_few.append(len(gone))
        bad.append(len({bad_minutes}))
        lost_enough.append(len(lost(arrivals, enough, service_time, patience)))
    return {{"average_servers": few, "peak_servers": enough,
            "lost": statistics.fmean(lost_few), "lost_at_peak": statistics.fmean(lost_enough),
            "bad_minutes": statistics.fmean(bad)}}
'''


WRONG = [
    # ------------------------------------------------------------------ Task 1: budget
    dict(task="budget", label="every month has 30 days", says="February",
         code='''
def _minutes(year, month):
    return (30 if month else 365) * 24 * 60
'''),
    dict(task="budget", label="the budget in seconds, not minutes", says="in minutes, not seconds",
         code='''
def budget(target, year, month=None):
    if not 0 <= target <= 1:
        raise ValueError(f"a target is a fraction from 0 to 1, got {target!r}")
    return (1 - target) * _minutes(year, month) * 60
'''),
    dict(task="budget", label="a target of 99.99 (a percentage) is accepted", says="raises ValueError",
         code='''
def budget(target, year, month=None):
    return (1 - target) * _minutes(year, month)
'''),
    dict(task="budget", label="availability returns the fraction of time down",
         says="time up over the period", code='''
def availability(outages, year, month=None):
    down = sum(minutes for _, minutes in outages)
    if any(minutes < 0 for _, minutes in outages):
        raise ValueError("negative outage")
    return down / _minutes(year, month)
'''),
    dict(task="budget", label="availability divides by an average month of 30.44 days",
         says="that calendar month or year", code='''
def availability(outages, year, month=None):
    if any(minutes < 0 for _, minutes in outages):
        raise ValueError("negative outage")
    period = 365.25 / 12 * 24 * 60 if month else 365.25 * 24 * 60
    return 1 - sum(minutes for _, minutes in outages) / period
'''),
    dict(task="budget", label="no leap years: February has 28 days, a year 365", public=False,
         caught_by="leap years", says="leap year", code='''
def _minutes(year, month):
    days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return (days[month - 1] if month else 365) * 24 * 60
'''),
    dict(task="budget", label="leap years are those divisible by 4, centuries included",
         public=False, caught_by="century years", says="divisible by 400", code='''
def _minutes(year, month):
    leap = year % 4 == 0
    days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return (days[month - 1] if month else 365 + leap) * 24 * 60
'''),
    dict(task="budget", label="an outage counts in full in the period where it starts",
         public=False, caught_by="end of a month", says="inside the period", code='''
def availability(outages, year, month=None):
    down = 0.0
    for start, minutes in outages:
        if minutes < 0:
            raise ValueError(f"an outage cannot last {minutes!r} minutes")
        if start.year == year and (month is None or start.month == month):
            down += minutes
    return 1 - down / _minutes(year, month)
'''),

    # ---------------------------------------------------------------- Task 2: capacity
    dict(task="capacity", label="one server whatever `servers` says", says="waits([0.0, 0.0, 0.0], 2, 1)",
         code=_WAITS.replace("capacity=servers", "capacity=1")),
    dict(task="capacity", label="the wait includes the service time",
         says="the service time itself is not waiting",
         code=_WAITS.replace("out[i] = env.now - arrived\n            yield env.timeout(service_time)",
                             "yield env.timeout(service_time)\n            out[i] = env.now - arrived")),
    dict(task="capacity", label="arrivals spaced by their absolute times (timeout(t))",
         says="waits([0.0, 0.5, 1.2, 1.3], 2, 1)",
         code=_WAITS.replace("yield env.timeout(t - env.now)\n            env.process(purchase(i, t))",
                             "yield env.timeout(t)\n            env.process(purchase(i, env.now))")),
    dict(task="capacity", label="each purchase picks a server at random and queues there",
         says="nobody waits while a server is free", code='''
def waits(arrivals, servers, service_time):
    import random
    env = simpy.Environment()
    desks = [simpy.Resource(env, capacity=1) for _ in range(servers)]
    pick = random.Random(0)
    out = [0.0] * len(arrivals)

    def purchase(i, arrived, desk):
        with desk.request() as turn:
            yield turn
            out[i] = env.now - arrived
            yield env.timeout(service_time)

    def shoppers():
        for i, t in enumerate(arrivals):
            yield env.timeout(t - env.now)
            env.process(purchase(i, t, desks[pick.randrange(servers)]))

    env.process(shoppers())
    env.run()
    return out
'''),
    dict(task="capacity", label="peak_p99 simulates the first hour of the peak day (midnight)",
         says="peak_p99(traffic, 2, 0.3, seed=1) is about 0.599 s", code='''
def peak_p99(traffic, servers, service_time, seed):
    start = traffic.peak_hour() // DAY * DAY
    arrivals = traffic.arrivals(start, start + HOUR, seed)
    return percentile(waits(arrivals, servers, service_time), 99)
'''),
    dict(task="capacity", label="servers_needed bounds the mean wait, not the 99th percentile",
         says="over the bound", code='''
def servers_needed(traffic, service_time, bound, seeds):
    start = traffic.peak_hour()
    n = 1
    while True:
        means = [statistics.fmean(waits(traffic.arrivals(start, start + HOUR, s), n,
                                        service_time)) for s in seeds]
        if max(means) <= bound:
            return n
        n += 1
'''),
    dict(task="capacity", label="servers_needed returns the first N that fails, not the smallest that holds",
         says="with 2 servers for seed 1, over the bound", code='''
def servers_needed(traffic, service_time, bound, seeds):''' + _START + '''    while all(peak_p99(traffic, n, service_time, s) > bound for s in seeds):
        n += 1
    return n - 1 if n > 1 else n
'''),
    dict(task="capacity", label="servers_needed tries only the first seed", public=False,
         caught_by="seeds 4 and 5", says="for every seed", code='''
def servers_needed(traffic, service_time, bound, seeds):''' + _START + '''    while peak_p99(traffic, n, service_time, seeds[0]) > bound:
        n += 1
    return n
'''),
    dict(task="capacity", label="the search stops at 40 servers (returns None)", public=False,
         caught_by="slow credit bureau", says="fixed upper limit", code='''
def servers_needed(traffic, service_time, bound, seeds):''' + _START + '''    for k in range(n, 40):
        if all(peak_p99(traffic, k, service_time, s) <= bound for s in seeds):
            return k
'''),
    dict(task="capacity", label="a rule of thumb: one server more than the peak load",
         public=False, caught_by="busiest at lunch", says="over the bound", code='''
def servers_needed(traffic, service_time, bound, seeds):''' + _START + '''    return math.ceil(peak_rate * service_time) + 1
'''),

    # --------------------------------------------------------- Task 3: cost_of_average
    dict(task="cost_of_average", label="lost counts the waits over patience in a queue nobody leaves",
         says="leaves the queue at once", code='''
def lost(arrivals, servers, service_time, patience):
    return [i for i, w in enumerate(waits(arrivals, servers, service_time)) if w > patience]
'''),
    dict(task="cost_of_average", label="a customer who gives up keeps its request (no with: never cancelled)",
         says="leaves the queue at once",
         code=_LOST.replace("        with desk.request() as turn:\n            got",
                            "        turn = desk.request()\n        if True:\n            got")),
    dict(task="cost_of_average", label="average servers by rounding the average load",
         says="average_servers(KLARNA, 0.3) == 1", code='''
def average_servers(traffic, service_time):
    return round(traffic.mean_rate * service_time)
'''),
    dict(task="cost_of_average", label="cost_of_average sizes the peak for a fixed 0.5 s bound",
         says="'peak_servers'", code=_cost(enough="servers_needed(traffic, service_time, 0.5, seeds)")),
    dict(task="cost_of_average", label="cost_of_average simulates the first hour of the peak day",
         says="are lost", code=_cost(start="traffic.peak_hour() // DAY * DAY")),
    dict(task="cost_of_average", label="average servers as ceil of the load: a load of exactly 1 per server",
         public=False, caught_by="whole-number average load", says="a load of exactly 1 is not enough",
         code='''
def average_servers(traffic, service_time):
    return max(1, math.ceil(traffic.mean_rate * service_time))
'''),
    dict(task="cost_of_average", label="lost and bad minutes from the first seed only, not the mean",
         public=False, caught_by="flat traffic", says="mean over the seeds",
         code=_cost().replace("for seed in seeds:", "for seed in seeds[:1]:")),
    dict(task="cost_of_average", label="bad minutes: minutes in which anyone waited, not gave up",
         public=False, caught_by="flat traffic", says="not when someone merely waited",
         code=_cost(bad_minutes="{int((a - start) // MINUTE) for a, w in zip(arrivals, "
                                "waits(arrivals, few, service_time)) if w > 0}")),
]
