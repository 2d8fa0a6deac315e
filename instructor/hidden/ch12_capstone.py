"""Hidden checks for exercises/ch12-capstone.ipynb: three months the student never
sees, each with its own seed (other amounts, other instants, other network draws).

* hidden month 1 (seed 2): a server of site 1 down for 15 minutes, the web cut off
  from site 1 for two minutes, a power cut of all three servers (40 s), the
  service killed on every server twice, 3 s apart (a supervisor that allows one
  restart gives up), then the web's links to every server slow for a minute (0.6 s
  each way: a client that times out sooner sends each purchase to several servers);
* hidden month 2 (seed 3): c down, and a down as well while c is away (only b
  serves); a dies and b dies 20 s later; the web's links to a and b slow (1 s each
  way, longer than the course client's timeout) and to c, the server a fast client
  uses by then, 0.5 s each way (its retries reach every server, so a record that is
  not idempotent shows); a short cut between the web and a, then the service killed
  on b and c;
* the peak day (seed 4): a down for half an hour on 21 December, the web's links to
  site 1 slow at noon (0.5 s each way: a fast client on b retries on c), a power cut
  of site 1 followed by c (everything down for 15 s at the evening peak; c comes back
  alone), the service killed three times in 4 s everywhere and the web cut off from c;
* the split month (seed 5): the web's link to b slow at noon (0.4 s each way, past a
  fast client's timeout), then the servers cut from *each other* while the web still
  reaches them all and traffic flows: site 1 (a+b) split from c for a minute and a
  half, a cut one way from b+c (a's messages do not arrive; the other side notices
  after the tick), then the web and c on one side and site 1 on the other (the web
  reaches only c, which cannot reach a or b), healed while purchases are sent, and
  the service killed everywhere after the heal. No server restarts after a split
  (a store node that restarts after a split loads from the other side and drops
  its island's writes: Mnesia's rule, which the course's default-mode tables share),
  so what the month shows is a design that assumes every copy holds every purchase:
  after the split each island's copies hold only its own.
"""
from labrt.grading import hidden
from labrt.grading.checks.ch12_capstone import (SERVER, SERVERS, SHOP, SYSTEM, TABLES, MEASURES,
                                                cases)

A, B, C = SERVERS

MONTH1 = [
    [3, 9, 0, [[0, "crash", [B]], [900, "restart", [B]]]],
    [9, 21, 0, [[0, "partition", [SHOP], [A, B]], [120, "heal"]]],
    [17, 14, 0, [[0, "crash", [A, B, C]], [40, "restart", [A, B, C]]]],
    [24, 11, 0, [[0, "kill", [A, B, C]], [3, "kill", [A, B, C]],
                 [30, "slow", SHOP, A, 0.6], [30, "slow", SHOP, B, 0.6],
                 [30, "slow", SHOP, C, 0.6], [90, "unslow", SHOP, A],
                 [90, "unslow", SHOP, B], [90, "unslow", SHOP, C]]],
]
MONTH2 = [
    [2, 13, 0, [[0, "crash", [C]], [60, "crash", [A]], [200, "restart", [A]],
                [300, "restart", [C]]]],
    [8, 13, 0, [[0, "crash", [A]], [20, "crash", [B]], [200, "restart", [A]],
                [400, "restart", [B]]]],
    [15, 20, 0, [[0, "slow", SHOP, A, 1.0], [0, "slow", SHOP, B, 1.0], [0, "slow", SHOP, C, 0.5],
                 [180, "unslow", SHOP, A], [180, "unslow", SHOP, B], [180, "unslow", SHOP, C]]],
    [22, 18, 0, [[0, "partition", [SHOP], [A]], [30, "heal"], [60, "kill", [B, C]]]],
]
PEAK = [
    [21, 9, 0, [[0, "crash", [A]], [1800, "restart", [A]]]],
    [21, 12, 0, [[0, "slow", SHOP, A, 0.5], [0, "slow", SHOP, B, 0.5],
                 [60, "unslow", SHOP, A], [60, "unslow", SHOP, B]]],
    [21, 19, 0, [[0, "crash", [A, B]], [30, "crash", [C]], [45, "restart", [C]],
                 [150, "restart", [A, B]]]],
    [21, 21, 0, [[0, "kill", [A, B, C]], [2, "kill", [A, B, C]], [4, "kill", [A, B, C]],
                 [30, "partition", [SHOP], [C]], [90, "heal"]]],
]
SPLIT = [
    [4, 10, 0, [[0, "crash", [C]], [120, "restart", [C]]]],
    [7, 12, 0, [[0, "slow", SHOP, B, 0.4], [60, "unslow", SHOP, B]]],
    [10, 14, 0, [[0, "partition", [A, B], [C]], [90, "heal"]]],
    [16, 11, 0, [[0, "partition", [A], [B, C], "oneway"], [60, "heal"]]],
    [23, 17, 0, [[0, "partition", [SHOP, C], [A, B]], [45, "heal"], [80, "kill", [A, B, C]]]],
]
RUNS = {"hidden month 1": (MONTH1, 2), "hidden month 2": (MONTH2, 3),
        "the peak day": (PEAK, 4), "the split month": (SPLIT, 5)}
#: The system's hidden cases: every measurement of the three months, and the split
#: month's lost purchases (9 + 9 + 9 points, one of hidden month 1's lost ones moved).
SYSTEM_POINTS = {"availability": 2, "p99": 1, "lost": 3, "duplicated": 2, "recovery": 1}


def _title(name, seed):
    return lambda measure: f"{name} (seed {seed}): {MEASURES[measure]}"


def _cases(task, name, points):
    schedule, seed = RUNS[name]
    cases(hidden, task, schedule, name, seed, points, _title(name, seed))


_cases(TABLES, "hidden month 1", {"lost": 1, "duplicated": 1})
_cases(TABLES, "the split month", {"lost": 1})
_cases(TABLES, "hidden month 2", {"duplicated": 1})
_cases(SERVER, "hidden month 1", {"availability": 2})
_cases(SERVER, "the peak day", {"availability": 1, "recovery": 1})
_cases(SYSTEM, "hidden month 1", {**SYSTEM_POINTS, "lost": 2})
_cases(SYSTEM, "hidden month 2", SYSTEM_POINTS)
_cases(SYSTEM, "the peak day", SYSTEM_POINTS)
_cases(SYSTEM, "the split month", {"lost": 1})
